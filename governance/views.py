"""Screens of the governance app: thin views that parse input, call a selector or service,
and render. Objects come from selectors scoped to the user (out of scope: 404; no right to
act: 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from governance import selectors, services
from governance.forms import (
    ConsentForm,
    DepartureForm,
    DeregisterForm,
    DisposalForm,
    FgRegistrationForm,
    ProtocolVersionForm,
    TaskTemplateForm,
)
from governance.models import Departure, OffboardingTask, OffboardingTaskTemplate
from privacy_portal import lists
from privacy_portal.audit import record_access
from privacy_portal.forms import apply_errors, submit


def _one_foundation(queryset):
    foundation = queryset.order_by("pk").first()
    if foundation is None:
        raise PermissionDenied
    return foundation


# --- Offboarding -----------------------------------------------------------------------------


@login_required
def departure_list(request):
    if not selectors.recordable_schools(request.user).exists():
        raise PermissionDenied
    departures = (
        selectors.visible_departures(request.user)
        .select_related("person")
        .prefetch_related("schools")
        .order_by("-departure_date", "-pk")
    )
    listed = lists.list_page(
        request, departures, fields=["person__first_name", "person__last_name", "person__email"]
    )
    return render(
        request,
        "governance/departure_list.html",
        {
            "page": listed.page,
            "q": listed.query,
            "tasks": selectors.actionable_tasks(request.user).order_by("due_date")[:20],
            "is_office": selectors.office_foundations(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def departure_create(request):
    if not selectors.recordable_schools(request.user).exists():
        raise PermissionDenied
    form = DepartureForm(request.POST or None, actor=request.user)
    if request.method == "POST":

        def said(departure):
            if departure.status == Departure.Status.APPLIED:
                return _("Het vertrek is vastgelegd; de toegang is direct gestopt.")
            return _("Het vertrek is vastgelegd; de toegang stopt op %(date)s.") % {
                "date": date_format(departure.departure_date)
            }

        recorded = submit(
            request,
            form,
            lambda: services.departure_record(
                actor=request.user,
                person=form.cleaned_data["person"],
                schools=form.cleaned_data["schools"],
                departure_date=form.cleaned_data["departure_date"],
                note=form.cleaned_data["note"],
            ),
            success=said,
            done=lambda departure: reverse("governance:departure_detail", args=[departure.pk]),
        )
        if recorded is not None:
            return recorded
        return render(request, "governance/departure_form.html", {"form": form}, status=400)
    return render(request, "governance/departure_form.html", {"form": form})


def _departure_context(request, departure):
    tasks = list(departure.tasks.select_related("done_by", "reported_by"))
    actionable = set(
        selectors.actionable_tasks(request.user)
        .filter(departure=departure)
        .values_list("pk", flat=True)
    )
    for task in tasks:
        task.can_act = task.pk in actionable
    return {"departure": departure, "tasks": tasks, "schools": departure.schools.all()}


@login_required
def departure_detail(request, pk: int):
    departure = get_object_or_404(
        selectors.visible_departures(request.user).select_related("person", "recorded_by"), pk=pk
    )
    return render(
        request, "governance/departure_detail.html", _departure_context(request, departure)
    )


def _task_action(request, pk: int, action):
    task = get_object_or_404(
        OffboardingTask.objects.filter(
            departure__in=selectors.visible_departures(request.user).values("pk")
        ),
        pk=pk,
    )
    try:
        action(actor=request.user, task=task)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        departure = Departure.objects.select_related("person", "recorded_by").get(
            pk=task.departure_id
        )
        return render(
            request,
            "governance/departure_detail.html",
            _departure_context(request, departure),
            status=400,
        )
    return redirect("governance:departure_detail", pk=task.departure_id)


@login_required
@require_POST
def task_report(request, pk: int):
    return _task_action(request, pk, services.task_report)


@login_required
@require_POST
def task_complete(request, pk: int):
    return _task_action(request, pk, services.task_complete)


@login_required
@require_http_methods(["GET", "POST"])
def task_template_list(request):
    foundation = _one_foundation(selectors.office_foundations(request.user))
    form = TaskTemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        added = submit(
            request,
            form,
            lambda: services.task_template_create(
                actor=request.user, foundation=foundation, **form.cleaned_data
            ),
            success=_("De taak is aan de takenlijst toegevoegd."),
            done=lambda _template: reverse("governance:task_template_list"),
        )
        if added is not None:
            return added
        status = 400
    services.task_templates_ensure_defaults(foundation=foundation)
    return render(
        request,
        "governance/task_template_list.html",
        {
            "templates": selectors.task_templates_for(foundation),
            "form": form,
            "foundation": foundation,
        },
        status=status,
    )


@login_required
@require_POST
def task_template_toggle(request, pk: int):
    template = get_object_or_404(
        OffboardingTaskTemplate.objects.filter(
            foundation__in=selectors.office_foundations(request.user).values("pk")
        ),
        pk=pk,
    )
    services.task_template_set_active(
        actor=request.user, template=template, is_active=not template.is_active
    )
    return redirect("governance:task_template_list")


# --- FG --------------------------------------------------------------------------------------


@login_required
def fg_page(request):
    foundations = list(selectors.readable_or_managed_foundations(request.user).order_by("name"))
    if not foundations:
        raise PermissionDenied
    entries = []
    for foundation in foundations:
        fg = selectors.current_fg(foundation)
        entries.append(
            {
                "foundation": foundation,
                "fg": fg,
                "conflicts": selectors.fg_role_conflicts(
                    foundation, person=fg.person, email=fg.email
                )
                if fg
                else [],
                "protocol": selectors.protocol_in_force(foundation),
            }
        )
    managed = selectors.fg_registrations_for_manager(request.user).order_by("-recorded_at")
    return render(
        request,
        "governance/fg_page.html",
        {
            "entries": entries,
            "history": managed,
            "may_manage": selectors.manager_foundations(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fg_register(request):
    foundation = _one_foundation(selectors.manager_foundations(request.user))
    form = FgRegistrationForm(request.POST or None, foundation=foundation)
    if request.method == "POST":
        registered = submit(
            request,
            form,
            lambda: services.fg_register(
                actor=request.user, foundation=foundation, **form.cleaned_data
            ),
            success=_("De FG is vastgelegd."),
            done=lambda _registration: reverse("governance:fg_page"),
        )
        if registered is not None:
            return registered
        return render(
            request,
            "governance/fg_form.html",
            {"form": form, "foundation": foundation},
            status=400,
        )
    return render(request, "governance/fg_form.html", {"form": form, "foundation": foundation})


@login_required
@require_http_methods(["GET", "POST"])
def fg_deregister(request, pk: int):
    registration = get_object_or_404(selectors.fg_registrations_for_manager(request.user), pk=pk)
    form = DeregisterForm(request.POST or None)
    if request.method == "POST":
        deregistered = submit(
            request,
            form,
            lambda: services.fg_deregister(
                actor=request.user,
                registration=registration,
                deregistered_on=form.cleaned_data["deregistered_on"],
            ),
            success=_("De afmelding van de FG is vastgelegd."),
            done=lambda _registration: reverse("governance:fg_page"),
        )
        if deregistered is not None:
            return deregistered
        return render(
            request,
            "governance/fg_deregister.html",
            {"form": form, "registration": registration},
            status=400,
        )
    return render(
        request, "governance/fg_deregister.html", {"form": form, "registration": registration}
    )


# --- Protocol --------------------------------------------------------------------------------


@login_required
def protocol_list(request):
    foundations = list(selectors.readable_or_managed_foundations(request.user).order_by("name"))
    if not foundations:
        raise PermissionDenied
    in_force = selectors.in_force_ids(foundations)
    versions = list(
        selectors.visible_protocol_versions(request.user)
        .select_related("foundation")
        .order_by("foundation__name", "-gmr_consent_on", "-created_at")
    )
    return render(
        request,
        "governance/protocol_list.html",
        {
            "current": [v for v in versions if v.pk in in_force],
            "archive": [v for v in versions if v.pk not in in_force and v.gmr_consent_on],
            "drafts": [v for v in versions if not v.gmr_consent_on],
            "may_manage": selectors.manager_foundations(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def protocol_create(request):
    foundation = _one_foundation(selectors.manager_foundations(request.user))
    form = ProtocolVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        added = submit(
            request,
            form,
            lambda: services.protocol_version_add(
                actor=request.user,
                foundation=foundation,
                label=form.cleaned_data["label"],
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                upload=form.cleaned_data["file"],
            ),
            success=_("De versie is toegevoegd. Ze is pas geldig na instemming van de (G)MR."),
            done=lambda version: reverse("governance:protocol_detail", args=[version.pk]),
        )
        if added is not None:
            return added
        return render(request, "governance/protocol_form.html", {"form": form}, status=400)
    return render(request, "governance/protocol_form.html", {"form": form})


def _protocol_context(request, version, consent_form=None):
    in_force = selectors.protocol_in_force(version.foundation)
    may_manage = (
        selectors.manager_foundations(request.user).filter(pk=version.foundation_id).exists()
    )
    return {
        "version": version,
        "in_force": in_force is not None and in_force.pk == version.pk,
        "may_manage": may_manage,
        "consent_form": consent_form or ConsentForm(),
    }


@login_required
def protocol_detail(request, pk: int):
    version = get_object_or_404(
        selectors.visible_protocol_versions(request.user).select_related("foundation"), pk=pk
    )
    return render(request, "governance/protocol_detail.html", _protocol_context(request, version))


@login_required
def protocol_file(request, pk: int):
    version = get_object_or_404(selectors.visible_protocol_versions(request.user), pk=pk)
    if not version.file:
        raise Http404
    return _file_response(version.file, f"privacyprotocol-{version.label}.pdf")


@login_required
@require_POST
def protocol_consent(request, pk: int):
    version = get_object_or_404(
        selectors.visible_protocol_versions(request.user).select_related("foundation"), pk=pk
    )
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.protocol_consent_record(
                actor=request.user, version=version, consent_on=form.cleaned_data["consent_on"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            for message in form.non_field_errors():
                messages.error(request, message)
        else:
            messages.success(request, _("De instemming van de (G)MR is vastgelegd."))
            return redirect("governance:protocol_detail", pk=version.pk)
    return render(
        request,
        "governance/protocol_detail.html",
        _protocol_context(request, version, consent_form=form),
        status=400,
    )


# --- Equipment -------------------------------------------------------------------------------


def _may_log_equipment(user) -> bool:
    return (
        selectors.disposal_schools(user).exists() or selectors.disposal_foundations(user).exists()
    )


@login_required
def disposal_list(request):
    disposals = selectors.visible_disposals(request.user)
    # An empty log is an empty page, not a refusal, for everyone entitled to read it.
    if not (_may_log_equipment(request.user) or selectors.may_read_disposals(request.user)):
        raise PermissionDenied
    disposals = disposals.select_related("school", "recorded_by").order_by("-performed_on", "-pk")
    listed = lists.list_page(request, disposals, fields=["device", "serial_number"])
    return render(
        request,
        "governance/disposal_list.html",
        {
            "page": listed.page,
            "q": listed.query,
            "may_log": _may_log_equipment(request.user),
            "may_record": selectors.recordable_schools(request.user).exists(),
            "is_office": selectors.office_foundations(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def disposal_create(request):
    if not _may_log_equipment(request.user):
        raise PermissionDenied
    initial = {}
    if request.GET.get("vertrek", "").isdigit():
        initial["departure"] = request.GET["vertrek"]
    form = DisposalForm(
        request.POST or None, request.FILES or None, actor=request.user, initial=initial
    )
    if request.method == "POST":

        def record():
            data = form.cleaned_data
            foundation = None
            if data["school"] is None:
                foundation = _one_foundation(selectors.disposal_foundations(request.user))
            return services.equipment_disposal_record(
                actor=request.user,
                school=data["school"],
                foundation=foundation,
                device=data["device"],
                serial_number=data["serial_number"],
                method=data["method"],
                performed_by=data["performed_by"],
                performed_on=data["performed_on"],
                note=data["note"],
                certificate=data["certificate"],
                departure=data["departure"],
            )

        recorded = submit(
            request,
            form,
            record,
            success=_("Het apparaat is in het logboek vastgelegd."),
            done=lambda _disposal: reverse("governance:disposal_list"),
        )
        if recorded is not None:
            return recorded
        return render(request, "governance/disposal_form.html", {"form": form}, status=400)
    return render(request, "governance/disposal_form.html", {"form": form})


@login_required
def disposal_certificate(request, pk: int):
    disposal = get_object_or_404(selectors.visible_disposals(request.user), pk=pk)
    if not disposal.certificate:
        raise Http404
    record_access(actor=request.user, instance=disposal, what="certificate")
    return _file_response(disposal.certificate, f"certificaat-{disposal.pk}")


def _file_response(field_file, download_name: str):
    """Stream an upload from MEDIA_ROOT after the view checked access; never from a public URL."""
    from privacy_portal.uploads import sniff

    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = sniff(handle)
    content_type = kind.mime if kind else "application/octet-stream"
    if kind and not download_name.endswith(f".{kind.extension}"):
        download_name = f"{download_name}.{kind.extension}"
    response = FileResponse(handle, content_type=content_type, filename=download_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Foundation overview ---------------------------------------------------------------------


def _overview_context(scope, user, period) -> dict:
    """The figures of every app for the scope's foundation (or only the directie's schools) in
    ``period``, each with its per-school rows, a bar chart and (where there is one) a chart over
    time and a breakdown."""
    from accounts import access
    from checklist.charts import bar_chart
    from governance import overview

    foundation = scope.foundation
    schools = foundation.schools.order_by("name")
    if not scope.whole_foundation:
        schools = schools.filter(pk__in=scope.school_ids)
    schools = list(schools)
    roles = access.summary(user).foundation_roles
    cards = []
    found = overview.figures(foundation, period=period, school_ids=scope.school_ids)
    for index, figure in enumerate(found):
        if figure.failed:
            cards.append({"figure": figure})
            continue
        rows = []
        for school in schools:
            value = figure.value_for(school.pk)
            if value is None and figure.unit == "count" and figure.missing_is_zero:
                value = 0
            rows.append((school, value, figure.needs_attention(value)))
        card = {
            "figure": figure,
            "url": figure.url_for(roles) if scope.whole_foundation else "",
            "rows": rows,
            "total": figure.foundation_total,
            "chart": bar_chart(
                [(school.name, value) for school, value, _flag in rows],
                title=figure.title,
                chart_id=f"chart-{index}-schools",
                unit=figure.unit,
            ),
        }
        if figure.over_time:
            card["time_chart"] = bar_chart(
                list(figure.over_time),
                title=figure.over_time_title or figure.title,
                chart_id=f"chart-{index}-time",
                unit=figure.unit,
            )
        if figure.breakdown:
            card["breakdown_chart"] = bar_chart(
                list(figure.breakdown),
                title=figure.breakdown_title or figure.title,
                chart_id=f"chart-{index}-breakdown",
            )
        cards.append(card)
    figures_ok = [card for card in cards if not card["figure"].failed]
    return {
        "foundation": foundation,
        "scope": scope,
        "period": period,
        "schools": schools,
        "cards": cards,
        "matrix": [
            (school, [(*card["rows"][position][1:], card["figure"].unit) for card in figures_ok])
            for position, school in enumerate(schools)
        ],
        "matrix_figures": [card["figure"] for card in figures_ok],
        "items": [item for card in figures_ok for item in card["figure"].items],
    }


def _overview_period(request):
    """The period from the query string, and the form that chose it; bad input gives the form
    with its errors (and this school year), the caller answers 400."""
    from django.utils import timezone

    from governance.forms import OverviewPeriodForm
    from governance.overview import Period

    today = timezone.localdate()
    form = OverviewPeriodForm(request.GET or None, initial={"periode": "this_year"})
    if form.is_bound and form.is_valid():
        return form, form.period(today)
    return form, Period.default(today)


@login_required
def overview(request):
    """The foundation overview for the CvB and the FG, and over their own schools for a
    directie: figures of every register per school in the chosen period, charts with the same
    numbers in a table beside them, and what needs attention."""
    scope = selectors.overview_scope(request.user)
    form, period = _overview_period(request)
    context = _overview_context(scope, request.user, period)
    context["period_form"] = form
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "governance/overview.html", context, status=status)


@login_required
def overview_pdf(request):
    """The same figures on paper, for the (G)MR and the board's annual report."""
    from django.http import HttpResponse
    from django.utils import timezone

    from privacy_portal.pdf import render_pdf

    scope = selectors.overview_scope(request.user)
    form, period = _overview_period(request)
    if form.is_bound and form.errors:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(f"{reverse('governance:overview')}?{request.GET.urlencode()}")
    context = _overview_context(scope, request.user, period)
    context["now"] = timezone.now()
    pdf = render_pdf("pdf/governance/overview.html", context)
    record_access(actor=request.user, instance=request.user, what="export:foundation-overview")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="overzicht-stichting.pdf"'
    return response
