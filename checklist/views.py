"""Views of the checklist: thin; they parse, ask ``checklist.selectors`` and ``checklist.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.models import School, school_year_label, school_year_of
from checklist import charts, forms, protocol, selectors, services
from checklist.models import ActionItem, ChecklistRound, ChecklistTemplate
from privacy_portal.audit import record_access
from privacy_portal.pdf import render_pdf


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _require_checklist_user(user) -> None:
    if not (selectors.staff_schools(user).exists() or selectors.viewer_foundations(user).exists()):
        raise PermissionDenied


# --- Overview --------------------------------------------------------------------------------


@login_required
def index(request):
    """My school's rounds (answer, manage) and my action items; links for the foundation."""
    user = request.user
    _require_checklist_user(user)
    rounds = (
        selectors.rounds_visible_to(user)
        .filter(school__in=selectors.staff_schools(user).values("pk"))
        .order_by("-school_year", "school__name")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rounds = rounds.filter(school__name__icontains=query)
    page = Paginator(rounds, 20).get_page(request.GET.get("pagina"))
    summaries = selectors.round_summaries(page.object_list)
    actions = (
        selectors.actions_visible_to(user)
        .filter(Q(owner=user) | Q(round__school__in=selectors.directie_schools(user).values("pk")))
        .exclude(status=ActionItem.Status.DONE)
        .order_by("due_date")[:50]
    )
    return render(
        request,
        "checklist/index.html",
        {
            "page": page,
            "query": query,
            "rows": [summaries[r.pk] for r in page.object_list],
            "actions": actions,
            "today": timezone.localdate(),
            "may_open": selectors.directie_schools(user).exists(),
            "is_foundation_viewer": selectors.viewer_foundations(user).exists(),
        },
    )


# --- Rounds ----------------------------------------------------------------------------------


def _open_years():
    current = school_year_of(timezone.localdate())
    return [current, current + 1]


@login_required
@require_http_methods(["GET", "POST"])
def round_open(request):
    schools = selectors.directie_schools(request.user).order_by("name")
    if not schools.exists():
        raise PermissionDenied
    form = forms.RoundOpenForm(request.POST or None, schools=schools, years=_open_years())
    if request.method == "POST" and form.is_valid():
        try:
            checklist_round = services.round_open(
                actor=request.user,
                school=form.cleaned_data["school"],
                school_year=form.cleaned_data["school_year"],
                not_ok_share=form.cleaned_data["not_ok_share"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request, _("De ronde is geopend; alle medewerkers krijgen een uitnodiging.")
            )
            return redirect("checklist:round_detail", checklist_round.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "checklist/round_open.html", {"form": form}, status=status)


def _round_context(request, checklist_round, answer_form=None):
    user = request.user
    may_manage = selectors.can_manage(user, checklist_round)
    may_answer = selectors.can_answer(user, checklist_round) and checklist_round.is_open
    sees_results = (
        may_manage
        or selectors.viewer_foundations(user)
        .filter(pk=checklist_round.school.foundation_id)
        .exists()
    )
    results = selectors.round_results(checklist_round, user=user)
    if answer_form is None and may_answer:
        answer_form = forms.AnswerForm(
            items=[r.item for r in results.items],
            initial_answers={r.item.pk: r.my_answer for r in results.items if r.my_answer},
        )
    rows = []
    if answer_form is not None:
        by_item = {r.item.pk: r for r in results.items}
        rows = [(by_item[item.pk], verdict, remark) for item, verdict, remark in answer_form.rows()]
    return {
        "round": checklist_round,
        "results": results,
        "history_chart": _school_trend(checklist_round.school) if sees_results else "",
        "history_table": _school_trend(checklist_round.school, table=True)
        if sees_results
        else None,
        "answer_form": answer_form,
        "answer_rows": rows,
        "may_manage": may_manage,
        "may_answer": may_answer,
        "sees_results": sees_results,
        "threshold_form": forms.ThresholdForm(
            initial={"not_ok_share": checklist_round.not_ok_share}
        ),
    }


def _school_trend(school, *, width=720, height=260, table=False):
    """The school's score per school year, as an inline SVG chart (or, with ``table``, the
    same numbers for the table beside it)."""
    history = list(ChecklistRound.objects.filter(school=school).order_by("school_year"))
    summaries = selectors.round_summaries(history)
    series = [(school.name, {r.school_year: summaries[r.pk].score for r in history})]
    if table:
        return charts.trend_table(series, [r.school_year for r in history])
    return charts.trend_chart(
        series,
        [r.school_year for r in history],
        title=_("Score per schooljaar"),
        width=width,
        height=height,
    )


@login_required
def round_detail(request, pk: int):
    checklist_round = selectors.round_for(request.user, pk)
    return render(request, "checklist/round_detail.html", _round_context(request, checklist_round))


@login_required
@require_POST
def round_answer(request, pk: int):
    checklist_round = selectors.round_for(request.user, pk)
    if not selectors.can_answer(request.user, checklist_round):
        raise PermissionDenied
    if not checklist_round.is_open:
        messages.error(request, _("Deze ronde is gesloten en kan niet meer worden gewijzigd."))
        return redirect("checklist:round_detail", pk)
    form = forms.AnswerForm(request.POST, items=checklist_round.template.items.order_by("order"))
    if form.is_valid():
        try:
            services.round_answer(
                actor=request.user, checklist_round=checklist_round, answers=form.answers()
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Dank u wel: uw antwoorden zijn opgeslagen."))
            return redirect("checklist:round_detail", pk)
    context = _round_context(request, checklist_round, answer_form=form)
    return render(request, "checklist/round_detail.html", context, status=400)


@login_required
@require_POST
def round_threshold(request, pk: int):
    checklist_round = selectors.round_for(request.user, pk)
    if not selectors.can_manage(request.user, checklist_round):
        raise PermissionDenied
    form = forms.ThresholdForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("De drempel is een percentage van 1 tot en met 100."))
        return redirect("checklist:round_detail", pk)
    try:
        services.round_set_threshold(
            actor=request.user,
            checklist_round=checklist_round,
            not_ok_share=form.cleaned_data["not_ok_share"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("De drempel is aangepast."))
    return redirect("checklist:round_detail", pk)


@login_required
@require_POST
def round_derive_actions(request, pk: int):
    checklist_round = selectors.round_for(request.user, pk)
    if not selectors.can_manage(request.user, checklist_round):
        raise PermissionDenied
    try:
        count = services.round_derive_actions(actor=request.user, checklist_round=checklist_round)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(count)s nieuwe actiepunten.") % {"count": count})
    return redirect("checklist:round_detail", pk)


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request, pk: int):
    checklist_round = selectors.round_for(request.user, pk)
    if not selectors.can_manage(request.user, checklist_round):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.round_close(actor=request.user, checklist_round=checklist_round)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("De ronde is gesloten."))
        return redirect("checklist:round_detail", pk)
    results = selectors.round_results(checklist_round)
    return render(
        request, "checklist/round_close.html", {"round": checklist_round, "results": results}
    )


@login_required
def round_report(request, pk: int):
    """The PDF report of a school's round for the (G)MR: scores, evidence, actions; no names."""
    checklist_round = selectors.round_for(request.user, pk)
    user = request.user
    if not (
        selectors.can_manage(user, checklist_round)
        or selectors.viewer_foundations(user)
        .filter(pk=checklist_round.school.foundation_id)
        .exists()
    ):
        raise PermissionDenied
    results = selectors.round_results(checklist_round)
    chart = _school_trend(checklist_round.school, width=560, height=220)
    remarks = (
        checklist_round.answers.exclude(remark="")
        .select_related("item")
        .order_by("item__order", "pk")
        .values_list("item__text", "verdict", "remark")
    )
    from governance import overview

    school = checklist_round.school
    figures = [
        (
            figure,
            figure.value_for(school.pk)
            if figure.value_for(school.pk) is not None or figure.unit != "count"
            else 0,
        )
        for figure in overview.figures(
            school.foundation,
            period=overview.Period.school_year(checklist_round.school_year),
            school_ids={school.pk},
        )
        if not figure.failed
    ]
    pdf = render_pdf(
        "pdf/checklist/report.html",
        {
            "round": checklist_round,
            "results": results,
            "flagged": [result for result in results.items if result.flagged],
            "figures": figures,
            "chart": chart,
            "remarks": list(remarks),
            "generated_at": timezone.now(),
        },
    )
    record_access(actor=user, instance=checklist_round, what="export:pdf", kind="checklist_report")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"checklist-{checklist_round.school.brin}-{checklist_round.school_year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Action items ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    action = selectors.action_for(request.user, pk)
    may_edit = selectors.can_edit_action(request.user, action)
    may_reassign = access.has_school_role(request.user, action.round.school, "directie")
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    owners = access.users_with_school_role(action.round.school, *selectors.ALL_SCHOOL_ROLES)
    form = forms.ActionForm(
        request.POST or None,
        owners=owners,
        may_reassign=may_reassign,
        initial={
            "owner": action.owner_id,
            "due_date": action.due_date,
            "status": action.status,
            "note": action.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(
                actor=request.user,
                action=action,
                status=form.cleaned_data["status"],
                due_date=form.cleaned_data["due_date"],
                note=form.cleaned_data["note"],
                owner=form.cleaned_data.get("owner") if may_reassign else None,
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Het actiepunt is bijgewerkt."))
            return redirect("checklist:round_detail", action.round_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "checklist/action_edit.html",
        {"action": action, "form": form, "may_edit": may_edit},
        status=status,
    )


# --- Foundation dashboard --------------------------------------------------------------------


@login_required
def dashboard(request):
    """CvB and FG: all schools side by side for one school year, and the trend over the years."""
    foundations = selectors.viewer_foundations(request.user)
    foundation = foundations.first()
    if foundation is None:
        raise PermissionDenied
    rounds = list(
        ChecklistRound.objects.filter(school__foundation=foundation)
        .select_related("school", "template")
        .order_by("school_year", "school__name")
    )
    years = sorted({r.school_year for r in rounds}) or [school_year_of(timezone.localdate())]
    try:
        year = int(request.GET.get("jaar", years[-1]))
    except ValueError:
        year = years[-1]
    if year not in years:
        raise Http404
    summaries = selectors.round_summaries(rounds)
    schools = list(School.objects.filter(foundation=foundation).order_by("name"))
    by_school_year = {(r.school_id, r.school_year): summaries[r.pk] for r in rounds}
    this_year = [(s, by_school_year.get((s.pk, year))) for s in schools]
    section_names: list[str] = []
    for _school, summary in this_year:
        if summary:
            for name in selectors.sections_of(summary.round.template):
                if name not in section_names:
                    section_names.append(name)
            break
    # The staff's opinion next to the system's own evidence: an item answered OK that the
    # evidence says is not OK is shown as a contradiction, per school and per section.
    found = selectors.contradictions([summary.round for _school, summary in this_year if summary])
    contradictions = [
        (school, found.get(summary.round.pk, []) if summary else [])
        for school, summary in this_year
    ]
    table = [
        (
            school,
            summary,
            [
                (
                    summary.section_scores.get(n) if summary else None,
                    sum(1 for c in found_here if c.result.item.section == n),
                )
                for n in section_names
            ],
        )
        for (school, summary), (_school, found_here) in zip(this_year, contradictions, strict=True)
    ]
    trend = [
        (
            school.name,
            {
                y: by_school_year[(school.pk, y)].score
                for y in years
                if (school.pk, y) in by_school_year
            },
        )
        for school in schools
    ]
    chart = charts.trend_chart(
        trend, years, title=_("Score per school per schooljaar (aandeel 'OK'-antwoorden)")
    )
    return render(
        request,
        "checklist/dashboard.html",
        {
            "foundation": foundation,
            "year": year,
            "year_label": school_year_label(year),
            "years": [(y, school_year_label(y)) for y in years],
            "section_names": section_names,
            "table": table,
            "section_rows": [
                (name, [scores[index] for _school, _summary, scores in table])
                for index, name in enumerate(section_names)
            ],
            "chart": chart,
            "chart_table": charts.trend_table(trend, years),
            "contradictions": [(school, rows) for school, rows in contradictions if rows],
        },
    )


# --- Templates and the protocol --------------------------------------------------------------


def _template_foundation(user):
    if selectors.viewer_foundations(user).exists():
        return selectors.viewer_foundations(user).first()
    school = selectors.staff_schools(user).select_related("foundation").first()
    return school.foundation if school else None


@login_required
def template_list(request):
    _require_checklist_user(request.user)
    foundation = _template_foundation(request.user)
    current = selectors.current_template(foundation)
    versions = ChecklistTemplate.objects.filter(
        Q(foundation__isnull=True) | Q(foundation=foundation)
    ).order_by("-version")
    return render(
        request,
        "checklist/template_list.html",
        {
            "current": current,
            "items": selectors.template_items(current),
            "versions": versions,
            "may_edit": access.has_foundation_role(request.user, *selectors.TEMPLATE_EDITORS),
        },
    )


@login_required
def template_detail(request, pk: int):
    _require_checklist_user(request.user)
    foundation = _template_foundation(request.user)
    try:
        template = ChecklistTemplate.objects.get(
            Q(foundation__isnull=True) | Q(foundation=foundation), pk=pk
        )
    except ChecklistTemplate.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "checklist/template_detail.html",
        {"template": template, "items": selectors.template_items(template)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request):
    if not access.has_foundation_role(request.user, *selectors.TEMPLATE_EDITORS):
        raise PermissionDenied
    foundation = selectors.viewer_foundations(request.user).first()
    if foundation is None:
        raise PermissionDenied
    current = selectors.current_template(foundation)
    initial = [
        {"key": i.key, "section": i.section, "text": i.text, "paragraphs": i.paragraphs}
        for i in selectors.template_items(current)
    ]
    formset = forms.TemplateItemFormSet(request.POST or None, initial=initial, prefix="items")
    note_form = forms.TemplateNoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        items = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("text")]
        try:
            template = services.template_publish(
                actor=request.user,
                foundation=foundation,
                items=items,
                note=note_form.cleaned_data["note"],
            )
        except ValidationError as exc:
            note_form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request,
                _("Versie %(version)s is vastgesteld; nieuwe rondes gebruiken deze versie.")
                % {"version": template.version},
            )
            return redirect("checklist:template_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "checklist/template_edit.html",
        {"formset": formset, "note_form": note_form, "current": current},
        status=status,
    )


@login_required
def protocol_paragraph(request, ref: str):
    paragraph = protocol.paragraph(ref)
    if paragraph is None:
        raise Http404
    return render(request, "checklist/protocol.html", {"paragraph": paragraph})
