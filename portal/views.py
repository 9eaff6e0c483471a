"""Parent portal: children, 'what the school keeps', requests; and the staff side of requests."""

import json
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from portal import selectors, services
from portal.forms import CorrectionDecisionForm, DecisionForm, ExtendForm, MessageForm, RequestForm
from portal.models import CorrectionItem, ParentRequest
from privacy_portal import once
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
        {"pupil": pupil, "rows": selectors.child_overview(pupil)},
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
                # One-time token: a double click files one request (privacy_portal.once).
                outcome = once.submit_once(
                    request,
                    "portal.request_new",
                    lambda: services.parent_request_create(
                        actor=request.user,
                        pupil=pupil,
                        kind=form.cleaned_data["kind"],
                        description=form.cleaned_data["description"],
                        corrections=form.corrections(),
                    ),
                    url=lambda created: reverse("portal:request_detail", args=[created.pk]),
                )
                if outcome.repeated:
                    return once.show_first_result(request, outcome)
                parent_request = outcome.result
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
            _request_context(parent_request, form),
            status=400,
        )
    return render(request, "portal/request_detail.html", _request_context(parent_request, form))


def _request_context(parent_request, form=None, **extra):
    return {
        "req": parent_request,
        "days_left": services.days_left(parent_request),
        "days_overdue": max(0, -services.days_left(parent_request)),
        "thread": parent_request.messages.select_related("author"),
        "corrections": parent_request.corrections.all(),
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


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link in the invitation e-mail: the parent chooses a password and is signed in."""

    template_name = "portal/invitation_accept.html"
    success_url = reverse_lazy("portal:index")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.invitation_accepted(user=form.user)
        messages.success(self.request, _("Welkom! Uw wachtwoord is ingesteld."))
        return response


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
    return render(request, "portal/staff_guardians.html", {"pupil": pupil, "links": links})


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
