"""Parent portal: children, 'what the school keeps', requests; and the staff side of requests."""

from datetime import datetime, time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from portal import export, hooks, selectors, services
from portal.forms import (
    CorrectionDecisionForm,
    DecisionForm,
    EmergencyContactForm,
    ExtendForm,
    MessageForm,
    ObjectionEffectForm,
    OwnContactForm,
    RequestForm,
    WithholdForm,
)
from portal.models import CorrectionItem, Invitation, ParentRequest
from privacy_portal.audit import record_access
from privacy_portal.forms import apply_errors
from students import rendering
from students import services as student_services
from students.models import Guardian, Pupil


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


# --- Parents ---------------------------------------------------------------------------------


@login_required
def index(request):
    children = selectors.parent_children(request.user)
    return render(
        request,
        "portal/index.html",
        {
            "children": children,
            "requests": selectors.requests_for_parent(request.user)[:20],
            "without_authority": " ".join(hooks.welcome_note(request.user)),
        },
    )


@login_required
def pupil_home(request):
    """The pupil's own page (role ``leerling``), in words a child understands."""
    pupil = selectors.own_pupil_or_404(request.user)
    return render(request, "portal/pupil_home.html", selectors.pupil_page(pupil))


@login_required
def child_detail(request, pk):
    pupil = selectors.child_or_404(request.user, pk)
    # Read logging by construction: the page shows the parent very sensitive data (the BSN).
    student_services.pupil_data_read(
        actor=request.user,
        pupil=pupil,
        what="portal:child",
        categories=selectors.child_very_sensitive_shown(pupil),
    )
    return render(
        request,
        "portal/child_detail.html",
        {
            "pupil": pupil,
            "rows": selectors.child_overview(pupil, request.user),
            "effects": selectors.objection_effects(pupil),
        },
    )


@login_required
def request_new(request, pk):
    """A request in small steps that need no script: the type (one line of explanation each);
    for a correction, which fields are wrong; then only those fields and a note."""
    pupil = selectors.child_or_404(request.user, pk)
    correctable = services.correctable_fields(pupil, request.user)
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind") or request.GET.get("soort")
    kind = kind if kind in ParentRequest.Kind.values else None
    chosen = [name for name in source.getlist("velden") if name in correctable]
    form = RequestForm(
        request.POST or None,
        correctable=correctable,
        pupil=pupil,
        shown=chosen,
        initial={"kind": kind} if kind else {},
    )
    if kind is None:
        step = "kind"
    elif (
        kind == ParentRequest.Kind.CORRECTION
        and not request.GET.get("stap")
        and request.method != "POST"
    ):
        step = "fields"
    else:
        step = "details"
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                # A double click files one request: the form's one-time token
                # (privacy_portal.once).
                parent_request = services.parent_request_create(
                    actor=request.user,
                    pupil=pupil,
                    kind=form.cleaned_data["kind"],
                    description=form.cleaned_data["description"],
                    corrections=form.corrections(),
                )
            except ValidationError as exc:
                for error in _errors(exc):
                    form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _(
                        "Uw verzoek is ontvangen met kenmerk %(ref)s. De school reageert uiterlijk %(date)s."
                    )
                    % {
                        "ref": parent_request.reference,
                        "date": date_format(timezone.localtime(parent_request.deadline), "j F Y"),
                    },
                )
                return redirect("portal:request_detail", parent_request.pk)
        status = 400
        step = "details" if kind else "kind"
    return render(
        request,
        "portal/request_new.html",
        {
            "pupil": pupil,
            "form": form,
            "step": step,
            "kind": kind,
            "kind_label": ParentRequest.Kind(kind).label if kind else "",
            "chosen": chosen,
            "correctable": [
                (name, capfirst(label), rendering.display_value(pupil, name))
                for name, (_category, label) in correctable.items()
            ],
        },
        status=status,
    )


@login_required
def request_detail(request, pk):
    parent_request = selectors.parent_request_or_404(request.user, pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.request_message_add(
                actor=request.user, request=parent_request, body=form.cleaned_data["body"]
            )
            messages.success(request, _("Uw bericht is verstuurd."))
            return redirect("portal:request_detail", pk)
        return render(
            request,
            "portal/request_detail.html",
            _request_context(parent_request, request.user, form),
            status=400,
        )
    return render(
        request, "portal/request_detail.html", _request_context(parent_request, request.user, form)
    )


def _request_context(parent_request, viewer, form=None, **extra):
    return {
        "req": parent_request,
        "days_left": services.days_left(parent_request),
        "days_overdue": max(0, -services.days_left(parent_request)),
        "thread": parent_request.messages.select_related("author"),
        "corrections": selectors.correction_rows(parent_request, viewer),
        "effects": parent_request.effects.all(),
        "withheld": list(parent_request.withheld.all()),
        "form": form,
        **extra,
    }


EXPORT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json; charset=utf-8",
    "zip": "application/zip",
}


def _export_response(parent_request, fmt, actor):
    # The access record names the export, never its content.
    record_access(
        actor=actor,
        instance=parent_request.pupil,
        what=f"export:inzage:{fmt}",
        request=parent_request.reference,
    )
    build = {"pdf": export.pdf_bytes, "json": export.json_bytes, "zip": export.zip_bytes}[fmt]
    response = HttpResponse(build(parent_request), content_type=EXPORT_TYPES[fmt])
    filename = f"inzage-{parent_request.reference}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def request_export(request, pk, fmt):
    parent_request = selectors.parent_request_or_404(request.user, pk)
    if parent_request.kind != ParentRequest.Kind.INSPECTION or not parent_request.released_at:
        # Nothing reaches the parent before staff released it.
        raise PermissionDenied
    if not parent_request.export_json:
        # Its retention term (4 weeks after release) has passed: the copy is gone.
        raise Http404(
            _("Deze inzage is niet meer te downloaden. Vraag zo nodig opnieuw inzage aan.")
        )
    return _export_response(parent_request, fmt, request.user)


@login_required
def my_details(request):
    """A parent's own contact details, and per child the emergency contacts: changed directly."""
    guardian = Guardian.objects.filter(user=request.user).first()
    children = list(selectors.parent_children(request.user))
    if guardian is None or not children:
        raise PermissionDenied
    form = OwnContactForm(
        request.POST or None, initial={"email": guardian.email, "phone": guardian.phone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.parent_contact_update(
                actor=request.user,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Uw gegevens zijn opgeslagen. De school is op de hoogte gebracht.")
            )
            return redirect("portal:my_details")
    status = 400 if form.errors else 200
    return render(
        request,
        "portal/my_details.html",
        {"form": form, "children": children},
        status=status,
    )


@login_required
def emergency_contacts(request, pk):
    """The emergency contacts of one child: add, correct, remove."""
    pupil = selectors.child_or_404(request.user, pk)
    contacts = list(pupil.emergency_contacts.all())
    editing = None
    if request.method == "POST":
        contact_pk = request.POST.get("contact")
        if contact_pk:
            editing = next((c for c in contacts if str(c.pk) == contact_pk), None)
            if editing is None:
                raise Http404
        if editing is not None and request.POST.get("delete"):
            services.parent_emergency_contact_delete(actor=request.user, contact=editing)
            messages.success(
                request, _("Het noodcontact is verwijderd. De school is op de hoogte gebracht.")
            )
            return redirect("portal:emergency_contacts", pk)
        prefix = f"c{editing.pk}" if editing is not None else "new"
        form = EmergencyContactForm(request.POST, prefix=prefix)
        if form.is_valid():
            try:
                services.parent_emergency_contact_save(
                    actor=request.user, pupil=pupil, contact=editing, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Het noodcontact is opgeslagen. De school is op de hoogte gebracht.")
                )
                return redirect("portal:emergency_contacts", pk)
    else:
        form = None
    rows = []
    for contact in contacts:
        bound = form if editing is not None and editing.pk == contact.pk else None
        rows.append(
            (
                contact,
                bound
                or EmergencyContactForm(
                    initial={
                        "name": contact.name,
                        "relationship": contact.relationship,
                        "phone": contact.phone,
                    },
                    prefix=f"c{contact.pk}",
                ),
            )
        )
    new_form = (
        form if (form is not None and editing is None) else EmergencyContactForm(prefix="new")
    )
    return render(
        request,
        "portal/emergency_contacts.html",
        {"pupil": pupil, "rows": rows, "new_form": new_form},
        status=400 if form is not None and form.errors else 200,
    )


_INVITATION_SESSION_KEY = "portal_invitation_token"


def invitation_accept(request, token):
    """The link in the invitation e-mail. The token moves into the session and the browser
    goes on to a URL without it, so the token never leaks through a Referer header."""
    if services.invitation_for_token(token) is None:
        return render(request, "portal/invitation_accept.html", {"validlink": False}, status=404)
    request.session[_INVITATION_SESSION_KEY] = token
    return redirect("portal:invitation_continue")


@require_http_methods(["GET", "POST"])
def invitation_continue(request):
    """Accept the invitation: a new parent chooses a password; a parent who already has an
    account signs in with it and confirms. Only then is the account linked (or, for a staff
    account of the school, put before the directie)."""
    token = request.session.get(_INVITATION_SESSION_KEY, "")
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/invitation_accept.html", {"validlink": False}, status=404)
    invitee = invitation.user
    context = {"validlink": True, "invitation": invitation}
    if invitee.has_usable_password():
        if not request.user.is_authenticated or request.user.pk != invitee.pk:
            context["login_url"] = (
                f"{reverse('accounts:login')}?{urlencode({'next': reverse('portal:invitation_continue')})}"
            )
            context["must_sign_in"] = True
            return render(request, "portal/invitation_accept.html", context, status=403)
        if request.method == "POST":
            return _invitation_done(request, invitation, invitee)
        return render(request, "portal/invitation_accept.html", context)
    form = SetPasswordForm(invitee, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            response = _invitation_done(request, invitation, invitee)
        login(request, invitee, backend="django.contrib.auth.backends.ModelBackend")
        return response
    context["form"] = form
    return render(
        request,
        "portal/invitation_accept.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _invitation_done(request, invitation, user):
    try:
        invitation = services.invitation_accept(invitation=invitation, user=user)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
        return redirect("portal:index")
    request.session.pop(_INVITATION_SESSION_KEY, None)
    if invitation.status == invitation.Status.AWAITING_CONFIRMATION:
        messages.info(
            request,
            _(
                "Dank u. De directie van de school bevestigt de koppeling eerst; daarna ziet u "
                "hier de gegevens van uw kind."
            ),
        )
    else:
        messages.success(request, _("Welkom! U bent nu gekoppeld aan uw kind."))
    return redirect("portal:index")


# --- Staff -----------------------------------------------------------------------------------


@login_required
def staff_queue(request):
    if not selectors.may_see_requests(request.user):
        raise PermissionDenied
    queryset = selectors.staff_requests(request.user)
    status = request.GET.get("status", "open")
    if status == "open":
        queryset = queryset.filter(
            status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS]
        )
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(
            Q(reference__icontains=query)
            | Q(pupil__last_name__icontains=query)
            | Q(pupil__first_name__icontains=query)
        )
    page = Paginator(queryset, 25).get_page(request.GET.get("pagina"))
    rows = [(r, services.days_left(r)) for r in page]
    return render(
        request,
        "portal/staff_queue.html",
        {"page": page, "rows": rows, "status": status, "q": query},
    )


@login_required
def staff_request(request, pk):
    parent_request = selectors.staff_request_or_404(request.user, pk)
    may_handle = selectors.may_handle(request.user, parent_request)
    is_directie = access.has_school_role(request.user, parent_request.pupil.school, "directie")
    # A correction of a secret address or phone shows its values to the directie: recorded.
    student_services.pupil_data_read(
        actor=request.user,
        pupil=parent_request.pupil,
        what="parent_request",
        categories=selectors.correction_secret_shown(parent_request, request.user),
        request=parent_request.reference,
    )
    return render(
        request,
        "portal/staff_request.html",
        _request_context(
            parent_request,
            request.user,
            MessageForm(),
            may_handle=may_handle,
            is_directie=is_directie,
            extend_form=ExtendForm(),
            decision_form=DecisionForm(),
            withhold_form=WithholdForm(entries=parent_request.export_json.get("dossier", []))
            if parent_request.kind == ParentRequest.Kind.INSPECTION
            and parent_request.export_json
            and parent_request.export_json.get("dossier")
            else None,
            effect_form=ObjectionEffectForm(
                recipients=selectors.data_recipients(parent_request.pupil)
            )
            if parent_request.kind == ParentRequest.Kind.OBJECTION
            else None,
            audit_entries=selectors.correction_audit_entries(parent_request, request.user)
            if parent_request.kind == ParentRequest.Kind.CORRECTION
            else [],
        ),
    )


def _staff_action(request, pk, action):
    parent_request = selectors.staff_request_or_404(request.user, pk)
    if not selectors.may_handle(request.user, parent_request):
        raise PermissionDenied
    try:
        action(parent_request)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
        response = staff_request(request, pk)
        response.status_code = 400
        return response
    return redirect("portal:staff_request", pk)


@login_required
@require_POST
def staff_message(request, pk):
    form = MessageForm(request.POST)

    def act(parent_request):
        if not form.is_valid():
            raise ValidationError(_("Het bericht is leeg of te lang."))
        services.request_message_add(
            actor=request.user, request=parent_request, body=form.cleaned_data["body"]
        )
        messages.success(request, _("Bericht verstuurd."))

    return _staff_action(request, pk, act)


@login_required
@require_POST
def staff_extend(request, pk):
    form = ExtendForm(request.POST)

    def act(parent_request):
        if not form.is_valid():
            raise ValidationError(_("Vul een geldige datum en een reden in."))
        new_deadline = timezone.make_aware(
            datetime.combine(form.cleaned_data["new_deadline"], time(23, 59))
        )
        services.request_extend(
            actor=request.user,
            request=parent_request,
            new_deadline=new_deadline,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("De termijn is verlengd; de ouder is geïnformeerd."))

    return _staff_action(request, pk, act)


@login_required
@require_POST
def staff_decide(request, pk):
    form = DecisionForm(request.POST)

    def act(parent_request):
        effect_form = ObjectionEffectForm(
            request.POST, recipients=selectors.data_recipients(parent_request.pupil)
        )
        if not form.is_valid() or not effect_form.is_valid():
            raise ValidationError(_("Kies een besluit en schrijf de motivering op."))
        services.request_decide(
            actor=request.user,
            request=parent_request,
            granted=form.cleaned_data["granted"],
            decision=form.cleaned_data["decision"],
            effect=effect_form.cleaned_data["effect"],
            product_use_id=effect_form.cleaned_data["product_use"],
        )
        messages.success(request, _("Het verzoek is afgehandeld; de ouder is geïnformeerd."))

    return _staff_action(request, pk, act)


@login_required
@require_POST
def staff_correction(request, pk, item_pk):
    form = CorrectionDecisionForm(request.POST)

    def act(parent_request):
        item = get_object_or_404(CorrectionItem, pk=item_pk, request=parent_request)
        if not form.is_valid():
            raise ValidationError(_("Kies overnemen of afwijzen."))
        services.correction_decide(
            actor=request.user,
            item=item,
            accept=form.cleaned_data["accept"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request, _("Besluit over %(field)s opgeslagen.") % {"field": item.field_label}
        )

    return _staff_action(request, pk, act)


@login_required
@require_POST
def staff_prepare(request, pk):
    def act(parent_request):
        services.inspection_prepare(actor=request.user, request=parent_request)
        messages.success(
            request, _("De export is samengesteld. Controleer hem voordat u hem vrijgeeft.")
        )

    return _staff_action(request, pk, act)


@login_required
@require_POST
def staff_withhold(request, pk):
    """Leave one dossier entry out of the export, with the reason the parent reads."""
    form = WithholdForm(request.POST)

    def act(parent_request):
        if not form.is_valid():
            raise ValidationError(_("Kies het stuk en schrijf op waarom het niet wordt verstrekt."))
        services.inspection_withhold(
            actor=request.user,
            request=parent_request,
            entry_id=form.cleaned_data["entry"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request, _("Het stuk is uit de export gehaald; de ouder leest dat en waarom.")
        )

    return _staff_action(request, pk, act)


@login_required
@require_POST
def staff_release(request, pk):
    def act(parent_request):
        services.inspection_release(actor=request.user, request=parent_request)
        messages.success(request, _("De export is vrijgegeven aan de ouder."))

    return _staff_action(request, pk, act)


@login_required
def staff_export(request, pk, fmt):
    parent_request = selectors.staff_request_or_404(request.user, pk)
    if not parent_request.export_json or not access.has_school_role(
        request.user, parent_request.pupil.school, "directie"
    ):
        raise PermissionDenied
    return _export_response(parent_request, fmt, request.user)


@login_required
def staff_guardians(request, pk):
    """The parents of a pupil, with an invitation button (directie, administratie)."""
    pupil = get_object_or_404(
        Pupil.objects.filter(
            school__in=access.schools_with_role(request.user, "directie", "administratie").values(
                "pk"
            )
        ),
        pk=pk,
    )
    links = pupil.guardian_links.select_related("guardian__user").order_by(
        "guardian__last_name", "guardian__first_name", "pk"
    )
    awaiting = Invitation.objects.filter(
        guardian__links__pupil=pupil, status=Invitation.Status.AWAITING_CONFIRMATION
    ).select_related("guardian", "user")
    return render(
        request,
        "portal/staff_guardians.html",
        {
            "pupil": pupil,
            "links": links,
            "awaiting": awaiting,
            "may_confirm": access.has_school_role(request.user, pupil.school, "directie"),
        },
    )


@login_required
@require_POST
def staff_invitation_confirm(request, pk, invitation_pk):
    """The directie confirms that an account waiting for it may be linked to the parent."""
    pupil = get_object_or_404(
        Pupil.objects.filter(school__in=access.schools_with_role(request.user, "directie")),
        pk=pk,
    )
    invitation = get_object_or_404(Invitation, pk=invitation_pk, guardian__links__pupil=pupil)
    try:
        services.invitation_confirm(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
        return redirect("portal:staff_guardians", pk)
    messages.success(request, _("De koppeling is bevestigd."))
    return redirect("portal:staff_guardians", pk)


@login_required
@require_POST
def staff_invite(request, pk, guardian_pk):
    pupil = get_object_or_404(
        Pupil.objects.filter(
            school__in=access.schools_with_role(request.user, "directie", "administratie").values(
                "pk"
            )
        ),
        pk=pk,
    )
    guardian = get_object_or_404(Guardian, pk=guardian_pk, links__pupil=pupil)
    try:
        services.guardian_invite(actor=request.user, guardian=guardian)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
        return redirect("portal:staff_guardians", pk)
    messages.success(
        request, _("Uitnodiging verstuurd naar %(email)s.") % {"email": guardian.email}
    )
    return redirect("portal:staff_guardians", pk)
