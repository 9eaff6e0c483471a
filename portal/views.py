"""Parent portal: children, 'what the school keeps', requests; and the staff side of requests."""

import json
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
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from portal import selectors, services
from portal.forms import CorrectionDecisionForm, DecisionForm, ExtendForm, MessageForm, RequestForm
from portal.models import CorrectionItem, Invitation, ParentRequest
from privacy_portal.audit import record_access
from privacy_portal.pdf import render_pdf
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
        {"children": children, "requests": selectors.requests_for_parent(request.user)[:20]},
    )


@login_required
def child_detail(request, pk):
    pupil = selectors.child_or_404(request.user, pk)
    return render(
        request,
        "portal/child_detail.html",
        {"pupil": pupil, "rows": selectors.child_overview(pupil, parent_user=request.user)},
    )


@login_required
def request_new(request, pk):
    pupil = selectors.child_or_404(request.user, pk)
    correctable = services.correctable_fields()
    initial = (
        {"kind": request.GET.get("soort")}
        if request.GET.get("soort") in ParentRequest.Kind.values
        else {}
    )
    form = RequestForm(request.POST or None, correctable=correctable, pupil=pupil, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
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
                        "date": timezone.localtime(parent_request.deadline).strftime("%d-%m-%Y"),
                    },
                )
                return redirect("portal:request_detail", parent_request.pk)
        status = 400
    return render(request, "portal/request_new.html", {"pupil": pupil, "form": form}, status=status)


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
            _request_context(parent_request, form, viewer=request.user),
            status=400,
        )
    return render(
        request,
        "portal/request_detail.html",
        _request_context(parent_request, form, viewer=request.user),
    )


def _corrections_for(parent_request, viewer):
    """The proposed corrections, with the values of fields that the pupil's secret-contact flag
    hides replaced for a viewer outside the secret's audience (the field policy,
    ``students.rendering``): administratie, the FG and parents never read a secret address."""
    from students import rendering

    pupil = parent_request.pupil
    capabilities = access.pupil_capabilities(viewer, pupil) if viewer else frozenset()
    items = list(parent_request.corrections.all())
    for item in items:
        if item.field_name in {f.name for f in Pupil._meta.get_fields()} and (
            rendering.hidden_by_secret(pupil, item.field_name, capabilities)
        ):
            item.old_value = item.new_value = str(rendering.SECRET_PLACEHOLDER)
    return items


def _request_context(parent_request, form=None, *, viewer=None, **extra):
    return {
        "req": parent_request,
        "days_left": services.days_left(parent_request),
        "days_overdue": max(0, -services.days_left(parent_request)),
        "thread": parent_request.messages.select_related("author"),
        "corrections": _corrections_for(parent_request, viewer),
        "form": form,
        **extra,
    }


def _export_response(parent_request, fmt, actor):
    export = parent_request.export_json
    record_access(
        actor=actor,
        instance=parent_request.pupil,
        what=f"export:inzage:{fmt}",
        request=parent_request.reference,
    )
    filename = f"inzage-{parent_request.reference}.{fmt}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(export, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    else:
        pdf = render_pdf("pdf/portal/inspection.html", {"req": parent_request, "export": export})
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def request_export(request, pk, fmt):
    parent_request = selectors.parent_request_or_404(request.user, pk)
    if parent_request.kind != ParentRequest.Kind.INSPECTION or not parent_request.released_at:
        # Nothing reaches the parent before staff released it.
        raise PermissionDenied
    return _export_response(parent_request, fmt, request.user)


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
    return render(
        request,
        "portal/staff_request.html",
        _request_context(
            parent_request,
            MessageForm(),
            viewer=request.user,
            may_handle=may_handle,
            is_directie=is_directie,
            extend_form=ExtendForm(),
            decision_form=DecisionForm(),
            audit_entries=selectors.correction_audit_entries(parent_request)
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
        if not form.is_valid():
            raise ValidationError(_("Kies een besluit en schrijf de motivering op."))
        services.request_decide(
            actor=request.user,
            request=parent_request,
            granted=form.cleaned_data["granted"],
            decision=form.cleaned_data["decision"],
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
    links = pupil.guardian_links.select_related("guardian__user").order_by("guardian__last_name")
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
