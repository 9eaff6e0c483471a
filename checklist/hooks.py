"""What the checklist adds to the navigation, the start page, and its own evidence."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from checklist import builtin_evidence, selectors
from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve


def checklist_evidence():
    return builtin_evidence.providers()


def navigation(user):
    from accounts import access

    facts = access.summary(user)  # the views check access; the menu only needs roles
    if facts.school_roles or facts.has_foundation_role("cvb", "fg", "beheerder"):
        return [
            NavItem(
                _("Checklist privacy"), reverse("checklist:index"), order=60, group="Organisatie"
            )
        ]
    return []


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """Open checklist rounds of the person's schools they have not finished, and overdue
    action points (their own, or of their schools as directie). Counted with every app's
    counts; the rows are read only when there are any, each list in one query."""
    from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from checklist.models import ActionItem, Answer, ChecklistItem, ChecklistRound

    def number(queryset, key):
        counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    unfinished = (
        ChecklistRound.objects.filter(
            status=ChecklistRound.Status.OPEN,
            school__in=selectors.staff_schools(user).values("pk"),
        )
        .annotate(
            total=number(ChecklistItem.objects.filter(template=OuterRef("template")), "template"),
            answered=number(Answer.objects.filter(round=OuterRef("pk"), user=user), "round"),
        )
        .filter(answered__lt=F("total"))
    )
    today = timezone.localdate()
    overdue = (
        ActionItem.objects.exclude(status=ActionItem.Status.DONE)
        .filter(due_date__lt=today)
        .filter(Q(owner=user) | Q(round__school__in=selectors.directie_schools(user).values("pk")))
    )

    def then(numbers):
        items = []
        rounds = unfinished.select_related("school") if numbers["unfinished"] else []
        for checklist_round in rounds:
            items.append(
                AttentionItem(
                    _("Vul de Checklist privacy %(year)s in")
                    % {"year": checklist_round.school_year_label},
                    url=reverse("checklist:round_detail", args=[checklist_round.pk]),
                    detail=_("%(school)s: %(answered)s van %(total)s vragen beantwoord.")
                    % {
                        "school": checklist_round.school.name,
                        "answered": checklist_round.answered,
                        "total": checklist_round.total,
                    },
                    level="warning",
                )
            )
        actions = overdue.select_related("item", "round__school") if numbers["overdue"] else []
        for action in actions[:20]:
            items.append(
                AttentionItem(
                    _("Actiepunt checklist over tijd: %(item)s") % {"item": str(action.item)[:70]},
                    url=reverse("checklist:action_edit", args=[action.pk]),
                    detail=_("%(school)s, uiterlijk %(due)s")
                    % {"school": action.round.school.name, "due": date_format(action.due_date)},
                    level="danger",
                )
            )
        return items

    return [Counts({"unfinished": unfinished, "overdue": overdue}, then)]


def seed_demo(demo):
    """Demo: this school year's checklist round is open at De Regenboog."""
    from checklist import services
    from checklist.models import ChecklistRound

    school = demo.schools["regenboog"]
    if not ChecklistRound.objects.filter(school=school, school_year=demo.year).exists():
        services.round_open(
            actor=demo.people["directie.regenboog"], school=school, school_year=demo.year
        )
    return []


def foundation_figures(foundation, *, period, school_ids=None):
    """For the foundation overview (governance.overview): the checklist score per school in
    the school year the period ends in, the score over the years up to it, and the items where
    the staff's answer and the system's evidence disagree (answered OK, evidence not OK). Over
    ``school_ids`` only (``None``: every school)."""
    from accounts.models import school_year_of
    from checklist.models import ChecklistRound
    from governance.overview import Figure, FigureItem

    year = school_year_of(period.as_of())
    # Every round up to the year in one read; the year's newest per school (as
    # selectors.latest_rounds) is among them, and so are their summaries.
    all_rounds = ChecklistRound.objects.filter(
        school__foundation=foundation, school_year__lte=year
    ).select_related("school", "template")
    if school_ids is not None:
        all_rounds = all_rounds.filter(school__in=school_ids)
    all_rounds = list(all_rounds.order_by("school_year", "school__name", "pk"))
    newest: dict[int, ChecklistRound] = {}
    for checklist_round in all_rounds:
        if checklist_round.school_year == year:
            newest[checklist_round.school_id] = checklist_round
    rounds = list(newest.values())
    all_summaries = selectors.round_summaries(all_rounds)
    summaries = {r.pk: all_summaries[r.pk] for r in rounds}
    found = selectors.contradictions(rounds)
    yearly: dict[int, list[int]] = {}
    for summary in all_summaries.values():
        if summary.score is not None:
            yearly.setdefault(summary.round.school_year, []).append(summary.score)
    items = tuple(
        FigureItem(
            title=f"{c.round.school.name}: {c.result.item.text[:90]}",
            url=reverse("checklist:round_detail", args=[c.round.pk]),
            detail=_("%(ok)s keer OK geantwoord; het systeem zegt: %(evidence)s")
            % {"ok": c.result.ok, "evidence": c.summary},
            school_id=c.round.school_id,
            level="danger",
        )
        for checklist_round in rounds
        for c in found[checklist_round.pk]
    )
    return [
        Figure(
            key="checklist.score",
            title=_("Checklist privacy: score"),
            per_school={r.school_id: summaries[r.pk].score for r in rounds},
            unit="percent",
            url=reverse("checklist:dashboard"),
            description=_(
                "Aandeel 'OK'-antwoorden van de medewerkers in de ronde van schooljaar %(year)s."
            )
            % {"year": f"{year}-{year + 1}"},
            over_time=tuple(
                (f"{y}-{y + 1}", round(sum(v) / len(v))) for y, v in sorted(yearly.items())
            ),
            over_time_title=_("Gemiddelde score per schooljaar"),
            good="high",
            order=50,
        ),
        Figure(
            key="checklist.contradictions",
            title=_("Antwoord en bewijs spreken elkaar tegen"),
            per_school={r.school_id: len(found[r.pk]) for r in rounds},
            url=reverse("checklist:dashboard"),
            description=_(
                "Vragen waarop medewerkers 'OK' antwoordden terwijl het systeem zelf iets anders ziet."
            ),
            items=items,
            good="low",
            order=51,
        ),
    ]
