"""Retention screens for the directie and the FG: the 90-day preview, a pupil's removal dates
with holds and reviews, the destruction report (HTML, PDF, CSV) and the foundation's periods.

Thin: parse, ask ``retention.selectors`` or call ``retention.services``, render. A pupil outside
the user's scope is a 404; staff who see the pupil but do not oversee retention get a 403.
"""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from privacy_portal.forms import submit
from privacy_portal.pdf import render_pdf
from retention import rules, selectors, services
from retention.forms import (
    HoldForm,
    LiftForm,
    PolicyForm,
    PreviewSearchForm,
    ProcessorConfirmForm,
    ReviewDecisionForm,
    ReviewRequestForm,
    YearForm,
)
from retention.models import Hold, Part, PurgeRun, RetentionPolicy

PAGE_SIZE = 25


def _require_overseer(user) -> None:
    if not selectors.may_oversee_retention(user):
        raise PermissionDenied(_("Alleen de directie en de FG zien de bewaartermijnen."))


@login_required
def preview(request):
    _require_overseer(request.user)
    form = PreviewSearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    today = timezone.localdate()
    pupils = selectors.preview(request.user, day=today, query=query)
    page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("pagina"))
    params = request.GET.copy()
    params.pop("pagina", None)
    return render(
        request,
        "retention/preview.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.preview_rows(page.object_list, day=today),
            "query": params.urlencode(),
            "today": today,
            "days": selectors.PREVIEW_DAYS,
            "review_form": ReviewRequestForm(),
        },
        status=400 if form.errors else 200,
    )


def _pupil_page(request, pupil, *, status=200, **forms):
    today = timezone.localdate()
    holds = list(selectors.holds_for(pupil))
    active = set(Hold.objects.active(today).filter(pupil=pupil).values_list("pk", flat=True))
    context = {
        "pupil": pupil,
        "removals": rules.removal_dates(pupil),
        "holds": holds,
        "active_ids": active,
        "reference": rules.pupil_reference(pupil),
        "under_review": any(h.kind == Hold.Kind.REVIEW and h.pk in active for h in holds),
        "hold_form": forms.get("hold_form") or HoldForm(),
        "review_form": forms.get("review_form") or ReviewRequestForm(),
        "decision_form": forms.get("decision_form") or ReviewDecisionForm(),
        "lift_form": forms.get("lift_form") or LiftForm(),
        "form_hold_id": forms.get("form_hold_id"),
    }
    return render(request, "retention/pupil.html", context, status=status)


@login_required
def pupil_retention(request, pk: int):
    pupil = selectors.retention_pupil_or_404(request.user, pk)
    return _pupil_page(request, pupil)


@login_required
@require_POST
def review_request(request, pk: int):
    pupil = selectors.retention_pupil_or_404(request.user, pk)
    form = ReviewRequestForm(request.POST)
    back = (
        reverse("retention:preview")
        if request.POST.get("next") == "preview"
        else reverse("retention:pupil", args=[pupil.pk])
    )
    requested = submit(
        request,
        form,
        lambda: services.review_request(
            actor=request.user, pupil=pupil, note=form.cleaned_data["note"]
        ),
        success=_("%(name)s staat in beoordeling: er wordt niets vernietigd tot u besluit.")
        % {"name": f"{pupil.first_name} {pupil.last_name}"},
        done=lambda _review: back,
    )
    if requested is not None:
        return requested
    return _pupil_page(request, pupil, status=400, review_form=form)


@login_required
@require_http_methods(["POST"])
def hold_create(request, pk: int):
    pupil = selectors.retention_pupil_or_404(request.user, pk)
    form = HoldForm(request.POST)
    placed = submit(
        request,
        form,
        lambda: services.hold_place(actor=request.user, pupil=pupil, **form.cleaned_data),
        success=_("De bewaarplicht is vastgelegd."),
        done=lambda _hold: reverse("retention:pupil", args=[pupil.pk]),
    )
    if placed is not None:
        return placed
    return _pupil_page(request, pupil, status=400, hold_form=form)


@login_required
@require_POST
def review_decide(request, pk: int):
    review = selectors.hold_or_404(request.user, pk)
    form = ReviewDecisionForm(request.POST)
    decided = submit(
        request,
        form,
        lambda: services.review_decide(
            actor=request.user,
            review=review,
            keep=form.cleaned_data["decision"] == "keep",
            reason=form.cleaned_data["reason"],
            ends_on=form.cleaned_data["ends_on"],
        ),
        success=_("Het besluit is vastgelegd."),
        done=lambda _result: reverse("retention:pupil", args=[review.pupil_id]),
    )
    if decided is not None:
        return decided
    return _pupil_page(
        request, review.pupil, status=400, decision_form=form, form_hold_id=review.pk
    )


@login_required
@require_POST
def hold_lift(request, pk: int):
    hold = selectors.hold_or_404(request.user, pk)
    form = LiftForm(request.POST)
    lifted = submit(
        request,
        form,
        lambda: services.hold_lift(
            actor=request.user, hold=hold, reason=form.cleaned_data["reason"]
        ),
        success=_("De bewaarplicht is opgeheven."),
        done=lambda _result: reverse("retention:pupil", args=[hold.pupil_id]),
    )
    if lifted is not None:
        return lifted
    return _pupil_page(request, hold.pupil, status=400, lift_form=form, form_hold_id=hold.pk)


def _year(request) -> int:
    if "jaar" not in request.GET:
        return timezone.localdate().year
    form = YearForm(request.GET)
    if not form.is_valid():
        raise Http404
    return form.cleaned_data["jaar"]


def _report_context(request, year: int) -> dict:
    records = selectors.destruction_records(request.user, year=year)
    summary = list(
        records.order_by()
        .values("school__name", "part")
        .annotate(n=Count("pk"))
        .order_by("school__name", "part")
    )
    for row in summary:
        row["part_label"] = Part(row["part"]).label
    return {"year": year, "records": records, "summary": summary, "generated_at": timezone.now()}


@login_required
def destruction_report(request):
    _require_overseer(request.user)
    year = _year(request)
    context = _report_context(request, year)
    context["page"] = Paginator(context["records"], 50).get_page(request.GET.get("pagina"))
    # A purge run counts over every school of the foundation: only foundation roles see it; a
    # school's directie sees its own school's counts in the records above.
    context["foundation_wide"] = selectors.policy_foundations(request.user).exists()
    if context["foundation_wide"]:
        context["runs"] = PurgeRun.objects.order_by("-started_at")[:5]
    context["processors"] = selectors.processor_confirmations(request.user).filter(
        confirmed_at__isnull=True
    )[:50]
    context["confirmed"] = (
        selectors.processor_confirmations(request.user)
        .filter(confirmed_at__year=year)
        .order_by("-confirmed_at")[:50]
    )
    return render(request, "retention/report.html", context)


@login_required
def destruction_report_pdf(request):
    _require_overseer(request.user)
    year = _year(request)
    context = _report_context(request, year)
    context["schools"] = selectors.retention_schools(request.user).order_by("name")
    pdf = render_pdf("pdf/retention/destruction_report.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vernietigingsrapport-{year}.pdf"'
    return response


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


CSV_HEADER = [
    "referentie",
    "brin",
    "school",
    "onderdeel_code",
    "onderdeel",
    "regel",
    "vervaldatum",
    "vernietigd_op",
    "aantallen",
    "na_terugzetten",
]


@login_required
def destruction_report_csv(request):
    _require_overseer(request.user)
    year = _year(request)
    records = _report_context(request, year)["records"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vernietigingsrapport-{year}.csv"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CSV_HEADER)
    for record in records.iterator():
        writer.writerow(
            [
                record.reference,
                record.school.brin,
                _cell(record.school.name),
                record.part,
                Part(record.part).label,
                record.rule,
                record.due_on or "",
                record.destroyed_at.isoformat(),
                " ".join(f"{k}={v}" for k, v in sorted(record.counts.items())),
                "ja" if record.after_restore else "nee",
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def processor_confirm(request, pk: int):
    """Record a processor's written confirmation of destruction, with an optional copy."""
    _require_overseer(request.user)
    item = selectors.processor_confirmations(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    posted = request.method == "POST"  # an empty POST (no note, no file) is still a POST
    form = ProcessorConfirmForm(request.POST if posted else None, request.FILES if posted else None)
    if posted:
        confirmed = submit(
            request,
            form,
            lambda: services.processor_destruction_confirm(
                actor=request.user,
                item=item,
                note=form.cleaned_data["note"],
                upload=form.cleaned_data["file"] or None,
            ),
            success=_("De bevestiging van de verwerker is vastgelegd."),
            done=lambda _result: reverse("retention:report"),
        )
        if confirmed is not None:
            return confirmed
    return render(
        request,
        "retention/processor_confirm.html",
        {"item": item, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def processor_confirmation_file(request, pk: int):
    """The stored copy of a processor's confirmation, for the directie and the FG."""
    _require_overseer(request.user)
    item = selectors.processor_confirmations(request.user).filter(pk=pk).first()
    if item is None or not item.confirmation_file:
        raise Http404
    from privacy_portal.uploads import sniff

    try:
        handle = item.confirmation_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = sniff(handle)
    name = f"bevestiging-verwerker-{item.pk}.{kind.extension if kind else 'bin'}"
    response = FileResponse(
        handle, content_type=kind.mime if kind else "application/octet-stream", filename=name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request):
    foundation = selectors.policy_foundations(request.user).first()
    if foundation is None:
        raise PermissionDenied(_("Alleen de FG of het CvB stelt de bewaartermijnen vast."))
    policy = RetentionPolicy.objects.filter(foundation=foundation).first() or RetentionPolicy(
        foundation=foundation
    )
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST":
        saved = submit(
            request,
            form,
            lambda: services.retention_policy_update(
                actor=request.user, foundation=foundation, **form.cleaned_data
            ),
            success=_("De bewaartermijnen zijn opgeslagen."),
            done=lambda _policy: reverse("retention:policy"),
        )
        if saved is not None:
            return saved
    return render(
        request,
        "retention/policy.html",
        {"form": form, "foundation": foundation, "legal": rules.LEGAL_PERIODS},
        status=400 if form.errors else 200,
    )
