"""Screens for data breaches: thin views that parse, call a selector or service, and render.

Out of scope → 404 (``selectors.breach_for``); visible but not allowed to act → 403.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.models import SchoolClass, User
from breaches import forms, selectors, services
from breaches.models import (
    AffectedGroup,
    ApNotification,
    Breach,
    BreachKind,
    BreachStatus,
    SpecialCategory,
    SubjectLetter,
)
from privacy_portal.audit import record_access
from privacy_portal.pdf import render_pdf
from students.registry import BY_KEY


def _breach(request, pk):
    scope = selectors.breach_access(request.user)
    try:
        return selectors.breach_for(request.user, pk, scope), scope
    except Breach.DoesNotExist:
        raise Http404 from None


def _acting(request, pk):
    breach, scope = _breach(request, pk)
    if not scope.may_act(breach):
        raise PermissionDenied
    return breach, scope


def _apply(form, call):
    """Run a service with the form's data; turn its ValidationError into form errors."""
    try:
        return call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return None


# --- Reporting -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    scope = selectors.breach_access(request.user)
    if not scope.may_report:
        raise PermissionDenied
    form = forms.BreachReportForm(
        request.POST or None, schools=access.visible_schools(request.user).order_by("name")
    )
    if request.method == "POST":
        breach = None
        if form.is_valid():
            # A double click reports one breach: the form's one-time token (privacy_portal.once).
            breach = _apply(
                form, lambda: services.breach_report(actor=request.user, **form.cleaned_data)
            )
        if breach is not None:
            return redirect("breaches:reported", pk=breach.pk)
        return render(request, "breaches/report.html", {"form": form}, status=400)
    return render(request, "breaches/report.html", {"form": form})


@login_required
def reported(request, pk):
    breach, _scope = _breach(request, pk)
    return render(request, "breaches/reported.html", {"breach": breach})


# --- One breach ------------------------------------------------------------------------------


def _detail_context(request, breach, scope, **extra):
    personal = scope.may_see_personal_details(breach)
    notifications = list(breach.ap_notifications.all())
    letter = SubjectLetter.objects.filter(breach=breach).first() if personal else None
    context = {
        "breach": breach,
        "scope": scope,
        "may_act": scope.may_act(breach),
        "personal": personal,
        "categories": [BY_KEY[key].label for key in breach.data_categories if key in BY_KEY],
        "special_labels": [
            SpecialCategory(key).label
            for key in breach.special_categories
            if key in SpecialCategory.values
        ],
        "group_labels": [
            AffectedGroup(key).label
            for key in breach.affected_groups
            if key in AffectedGroup.values
        ],
        "notifications": notifications,
        "measures": list(breach.measures.all()),
        "letter": letter,
        "recipient_count": letter.recipients.count() if letter else 0,
        "hours_left": breach.hours_left(),
        "clock_running": breach.status != BreachStatus.CLOSED
        and breach.notify_ap is not False
        and not notifications,
        "advice_inform": services.subjects_must_be_informed(breach),
    }
    context.update(extra)
    return context


@login_required
def detail(request, pk):
    breach, scope = _breach(request, pk)
    context = _detail_context(request, breach, scope)
    if scope.may_act(breach):
        context.update(_action_forms(breach))
    return render(request, "breaches/detail.html", context)


def _owners(breach):
    """Staff who can own a follow-up measure: people of the breach's schools and the foundation."""
    from accounts.models import FoundationRole, StaffMembership

    today = timezone.localdate()
    staff = StaffMembership.objects.active_on(today).filter(school__in=breach.schools.all())
    foundation = FoundationRole.objects.active_on(today).filter(foundation=breach.foundation)
    return User.objects.filter(is_active=True).filter(
        Q(pk__in=staff.values("user_id")) | Q(pk__in=foundation.values("user_id"))
    )


def _action_forms(breach, **bound):
    initial_assessment = {}
    if breach.risk:
        initial_assessment = {
            "risk": breach.risk,
            "risk_reasoning": breach.risk_reasoning,
            "notify_ap": {True: "yes", False: "no"}.get(breach.notify_ap),
            "notify_ap_reason": breach.notify_ap_reason,
            "inform_subjects": {True: "yes", False: "no"}.get(breach.inform_subjects),
            "inform_subjects_reason": breach.inform_subjects_reason,
        }
    return {
        "assessment_form": bound.get("assessment_form")
        or forms.AssessmentForm(initial=initial_assessment, prefix="a"),
        "notification_form": bound.get("notification_form")
        or forms.ApNotificationForm(
            initial={"sent_at": timezone.localtime().replace(second=0, microsecond=0)}, prefix="n"
        ),
        "ap_details_form": bound.get("ap_details_form")
        or forms.ApDetailsForm(initial=forms.ApDetailsForm.initial_for(breach), prefix="d"),
        "record_only_form": bound.get("record_only_form") or forms.RecordOnlyForm(prefix="r"),
        "close_form": bound.get("close_form") or forms.CloseForm(prefix="c"),
        "measure_form": bound.get("measure_form")
        or forms.MeasureForm(owners=_owners(breach), prefix="m"),
    }


def _action(request, pk, form_class, key, prefix, call, success, form_kwargs=None):
    """Run one FG step from the detail page (a double submit runs once: the form's one-time
    token, privacy_portal.once)."""
    breach, scope = _acting(request, pk)
    form = form_class(request.POST, prefix=prefix, **(form_kwargs(breach) if form_kwargs else {}))
    if form.is_valid() and _apply(form, lambda: call(breach, form)) is not None:
        messages.success(request, success)
        return redirect("breaches:detail", pk=breach.pk)
    breach, scope = _breach(request, pk)
    context = _detail_context(request, breach, scope)
    context.update(_action_forms(breach, **{key: form}))
    context["open_form"] = key
    return render(request, "breaches/detail.html", context, status=400)


@login_required
@require_POST
def assess(request, pk):
    def call(breach, form):
        return services.breach_assess(breach=breach, actor=request.user, **form.decisions())

    return _action(
        request,
        pk,
        forms.AssessmentForm,
        "assessment_form",
        "a",
        call,
        _("De beoordeling is vastgelegd."),
    )


@login_required
@require_POST
def notify_ap(request, pk):
    def call(breach, form):
        return services.ap_notification_record(
            breach=breach, actor=request.user, **form.cleaned_data
        )

    return _action(
        request,
        pk,
        forms.ApNotificationForm,
        "notification_form",
        "n",
        call,
        _("De melding aan de AP is vastgelegd."),
    )


@login_required
@require_POST
def ap_details(request, pk):
    def call(breach, form):
        return services.breach_ap_details_update(
            breach=breach, actor=request.user, **form.details()
        )

    return _action(
        request,
        pk,
        forms.ApDetailsForm,
        "ap_details_form",
        "d",
        call,
        _("De gegevens voor de melding aan de AP zijn vastgelegd."),
    )


@login_required
@require_POST
def record_only(request, pk):
    def call(breach, form):
        return services.breach_record_only(
            breach=breach, actor=request.user, reason=form.cleaned_data["reason"]
        )

    return _action(
        request,
        pk,
        forms.RecordOnlyForm,
        "record_only_form",
        "r",
        call,
        _("Het datalek is geregistreerd zonder melding aan de AP."),
    )


@login_required
@require_POST
def close(request, pk):
    def call(breach, form):
        return services.breach_close(breach=breach, actor=request.user, **form.cleaned_data)

    return _action(
        request, pk, forms.CloseForm, "close_form", "c", call, _("Het datalek is afgesloten.")
    )


@login_required
@require_POST
def measure_add(request, pk):
    def call(breach, form):
        return services.measure_add(breach=breach, actor=request.user, **form.cleaned_data)

    return _action(
        request,
        pk,
        forms.MeasureForm,
        "measure_form",
        "m",
        call,
        _("De maatregel is toegevoegd."),
        form_kwargs=lambda breach: {"owners": _owners(breach)},
    )


@login_required
@require_POST
def measure_done(request, pk, measure_pk):
    breach, _scope = _acting(request, pk)
    measure = breach.measures.filter(pk=measure_pk).first()
    if measure is None:
        raise Http404
    services.measure_complete(measure=measure, actor=request.user)
    messages.success(request, _("De maatregel is afgerond."))
    return redirect("breaches:detail", pk=breach.pk)


# --- The AP notification PDF -----------------------------------------------------------------


@login_required
def ap_pdf(request, pk):
    """Everything the AP's notification form asks, on paper, for the FG to fill it in online."""
    breach, scope = _acting(request, pk)
    context = _detail_context(request, breach, scope)
    context["fgs"] = list(access.users_with_foundation_role(breach.foundation, "fg"))
    context["now"] = timezone.now()
    pdf = render_pdf("pdf/breaches/ap_notification.html", context)
    record_access(actor=request.user, instance=breach, what="export:ap-pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{breach.reference}-melding-AP.pdf"'
    return response


# --- The letter to the people involved -------------------------------------------------------


def _letter(request, pk):
    breach, scope = _acting(request, pk)
    letter = SubjectLetter.objects.filter(breach=breach).first()
    return breach, letter


@login_required
@require_POST
def letter_generate(request, pk):
    breach, _scope = _acting(request, pk)
    try:
        services.letter_draft(breach=breach, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("breaches:detail", pk=breach.pk)
    return redirect("breaches:letter", pk=breach.pk)


def _class_choices(breach):
    return SchoolClass.objects.filter(school__in=breach.schools.all()).select_related("school")


@login_required
@require_http_methods(["GET", "POST"])
def letter(request, pk):
    breach, letter = _letter(request, pk)
    if letter is None:
        raise Http404
    form = forms.LetterForm(
        request.POST or None, initial={"subject": letter.subject, "body": letter.body}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and _apply(
            form,
            lambda: services.letter_update(letter=letter, actor=request.user, **form.cleaned_data),
        ):
            messages.success(request, _("De brief is opgeslagen."))
            return redirect("breaches:letter", pk=breach.pk)
        status = 400
    return render(
        request,
        "breaches/letter.html",
        {
            "breach": breach,
            "letter": letter,
            "form": form,
            "send_form": forms.LetterSendForm(classes=_class_choices(breach)),
            "recipients": letter.recipients.all(),
        },
        status=status,
    )


@login_required
@require_POST
def letter_send(request, pk):
    breach, letter = _letter(request, pk)
    if letter is None:
        raise Http404
    send_form = forms.LetterSendForm(request.POST, classes=_class_choices(breach))
    if send_form.is_valid():
        recipients = selectors.letter_recipient_candidates(
            breach, send_form.cleaned_data["classes"]
        ) + [("", address) for address in send_form.cleaned_data["extra_addresses"]]
        count = _apply(
            send_form,
            lambda: services.letter_send(letter=letter, actor=request.user, recipients=recipients),
        )
        if count:
            messages.success(
                request,
                ngettext(
                    "De brief is verstuurd aan %(count)s ontvanger.",
                    "De brief is verstuurd aan %(count)s ontvangers.",
                    count,
                )
                % {"count": count},
            )
            return redirect("breaches:letter", pk=breach.pk)
    return render(
        request,
        "breaches/letter.html",
        {
            "breach": breach,
            "letter": letter,
            "form": forms.LetterForm(initial={"subject": letter.subject, "body": letter.body}),
            "send_form": send_form,
            "recipients": letter.recipients.all(),
        },
        status=400,
    )


# --- The register ----------------------------------------------------------------------------


def _register(request):
    scope = selectors.breach_access(request.user)
    filter_form = forms.RegisterFilterForm(
        request.GET or None, schools=access.visible_schools(request.user).order_by("name")
    )
    breaches = selectors.register_breaches(request.user, scope=scope, **filter_form.filters())
    return scope, filter_form, breaches


@login_required
def register(request):
    scope, filter_form, breaches = _register(request)
    if not (scope.may_report or scope.may_see_register):
        raise PermissionDenied  # parents and pupils have no breach screens
    page = Paginator(breaches, 25).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "breaches/register.html",
        {
            "scope": scope,
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "statistics": selectors.statistics_per_year(request.user, scope)
            if scope.may_see_register
            else [],
            "now": timezone.now(),
        },
        status=400 if filter_form.is_bound and not filter_form.is_valid() else 200,
    )


def _register_rows(breaches, scope):
    for breach in breaches:
        personal = scope.may_see_personal_details(breach)
        notifications = list(breach.ap_notifications.all())
        first = next((n for n in notifications if n.kind == ApNotification.Kind.INITIAL), None)
        yield {
            "breach": breach,
            "schools": ", ".join(school.name for school in breach.schools.all()),
            "categories": ", ".join(
                str(BY_KEY[key].label) for key in breach.data_categories if key in BY_KEY
            ),
            "description": breach.description if personal else "",
            "personal": personal,
            "first_notification": first,
            "not_notified_reason": breach.not_notified_explanation,
            "follow_up_measures": "; ".join(
                f"{measure.description} ({measure.due_date:%d-%m-%Y}"
                + (f", {_('afgerond')})" if measure.done_at else ")")
                for measure in breach.measures.all()
            ),
        }


@login_required
def register_csv(request):
    scope, filter_form, breaches = _register(request)
    if not scope.may_see_register:
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="register-datalekken.csv"'
    response.write("\ufeff")  # so that Excel reads the accents correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Kenmerk"),
            _("Ontdekt op"),
            _("Soort"),
            _("Scholen"),
            _("Omschrijving"),
            _("Soorten gegevens"),
            _("Aantal betrokkenen (min–max)"),
            _("Versleuteld"),
            _("Verwerker"),
            _("Risico"),
            _("Gemeld bij AP"),
            _("Meldnummer AP"),
            _("Betrokkenen geïnformeerd"),
            _("Reden niet gemeld bij AP"),
            _("Al genomen maatregelen"),
            _("Vervolgmaatregelen"),
            _("Status"),
        ]
    )
    rows = list(_register_rows(breaches.prefetch_related("letter"), scope))
    for row in rows:
        breach = row["breach"]
        first = row["first_notification"]
        letter = getattr(breach, "letter", None) if row["personal"] else None
        writer.writerow(
            [
                breach.reference,
                timezone.localtime(breach.discovered_at).strftime("%Y-%m-%d %H:%M"),
                breach.get_kind_display(),
                row["schools"],
                _safe_cell(row["description"]),
                row["categories"],
                breach.people_range,
                breach.get_encrypted_display(),
                _safe_cell(breach.processor_name),
                breach.get_risk_display(),
                timezone.localtime(first.sent_at).strftime("%Y-%m-%d %H:%M") if first else "",
                _safe_cell(first.ap_reference) if first else "",
                _("ja") if letter and letter.sent_at else "",
                _safe_cell(row["not_notified_reason"]),
                _safe_cell(breach.measures_taken),
                _safe_cell(row["follow_up_measures"]),
                breach.get_status_display(),
            ]
        )
    record_access(
        actor=request.user, instance=request.user, what="export:breach-register-csv", rows=len(rows)
    )
    return response


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@login_required
def register_pdf(request):
    scope, filter_form, breaches = _register(request)
    if not scope.may_see_register:
        raise PermissionDenied
    rows = list(_register_rows(breaches, scope))
    pdf = render_pdf(
        "pdf/breaches/register.html",
        {"rows": rows, "now": timezone.now(), "filter_form": filter_form, "kinds": BreachKind},
    )
    record_access(
        actor=request.user, instance=request.user, what="export:breach-register-pdf", rows=len(rows)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="register-datalekken.pdf"'
    return response
