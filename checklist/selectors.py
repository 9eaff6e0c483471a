"""Reads of the checklist app, scoped by the access policy of ``accounts.access``.

Who sees what:
- staff of a school (every school role) see their school's rounds and answer the open one;
- the directie of a school also manages its rounds and action items;
- CvB and FG (and the functional administrator) see every school of their foundation
  (dashboards, results, reports); they never see who answered what.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import Foundation, School
from accounts.roles import FoundationRoleKind, SchoolRole
from checklist import evidence as evidence_module
from checklist.models import (
    ActionItem,
    Answer,
    ChecklistItem,
    ChecklistRound,
    ChecklistTemplate,
    EvidenceRecord,
    Participant,
    Verdict,
)

FOUNDATION_VIEWERS = (FoundationRoleKind.CVB, FoundationRoleKind.FG, FoundationRoleKind.BEHEERDER)
TEMPLATE_EDITORS = FOUNDATION_VIEWERS
ALL_SCHOOL_ROLES = tuple(SchoolRole.values)


# --- Scope -----------------------------------------------------------------------------------


def staff_schools(user) -> QuerySet[School]:
    return access.schools_with_role(user, *ALL_SCHOOL_ROLES)


def directie_schools(user) -> QuerySet[School]:
    return access.schools_with_role(user, SchoolRole.DIRECTIE)


def viewer_foundations(user) -> QuerySet[Foundation]:
    """Foundations whose schools the user sees side by side (CvB, FG, beheerder)."""
    return access.foundations_with_role(user, *FOUNDATION_VIEWERS)


def rounds_visible_to(user) -> QuerySet[ChecklistRound]:
    return ChecklistRound.objects.filter(
        Q(school__in=staff_schools(user).values("pk"))
        | Q(school__foundation__in=viewer_foundations(user).values("pk"))
    ).select_related("school", "template")


def round_for(user, pk: int) -> ChecklistRound:
    """A round the user may see, or 404."""
    try:
        return rounds_visible_to(user).get(pk=pk)
    except ChecklistRound.DoesNotExist as exc:
        raise Http404 from exc


def can_answer(user, checklist_round: ChecklistRound) -> bool:
    return access.has_school_role(user, checklist_round.school_id, *ALL_SCHOOL_ROLES)


def can_manage(user, checklist_round: ChecklistRound) -> bool:
    return access.has_school_role(user, checklist_round.school_id, SchoolRole.DIRECTIE)


def actions_visible_to(user) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(
        Q(round__school__in=directie_schools(user).values("pk"))
        | Q(round__school__foundation__in=viewer_foundations(user).values("pk"))
        | Q(owner=user)
    ).select_related("round__school", "item", "owner")


def action_for(user, pk: int) -> ActionItem:
    try:
        return actions_visible_to(user).get(pk=pk)
    except ActionItem.DoesNotExist as exc:
        raise Http404 from exc


def can_edit_action(user, action: ActionItem) -> bool:
    return action.owner_id == user.pk or access.has_school_role(
        user, action.round.school_id, SchoolRole.DIRECTIE
    )


# --- Templates -------------------------------------------------------------------------------


def current_template(foundation: Foundation | None) -> ChecklistTemplate:
    """The newest version for ``foundation``: its own, or else the built-in default."""
    own = ChecklistTemplate.objects.filter(foundation=foundation).order_by("-version").first()
    if own is not None:
        return own
    default = ChecklistTemplate.objects.filter(foundation__isnull=True).order_by("-version").first()
    if default is None:  # the seed migration's rows were removed (a flushed or restored database)
        default = _default_template_restore()
    return default


def _default_template_restore() -> ChecklistTemplate:
    """Put version 1 (appendix c) back, exactly as migration 0002 seeds it."""
    from django.db import transaction

    from checklist.defaults import DEFAULT_ITEMS

    with transaction.atomic():
        template = ChecklistTemplate.objects.create(
            version=1, note="Bijlage c van het privacyprotocol (Checklist privacy)"
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, order=(index + 1) * 10, **item)
            for index, item in enumerate(DEFAULT_ITEMS)
        )
    return template


def template_items(template: ChecklistTemplate) -> list[ChecklistItem]:
    return list(template.items.order_by("order", "pk"))


# --- Results ---------------------------------------------------------------------------------


@dataclass
class ItemResult:
    item: ChecklistItem
    ok: int = 0
    not_ok: int = 0
    evidence: object = None  # Evidence or EvidenceRecord or None
    action: ActionItem | None = None
    threshold: int = 25
    my_answer: Answer | None = None

    @property
    def total(self) -> int:
        return self.ok + self.not_ok

    @property
    def not_ok_percentage(self) -> int | None:
        return round(100 * self.not_ok / self.total) if self.total else None

    @property
    def evidence_not_ok(self) -> bool:
        return self.evidence is not None and self.evidence.verdict == Verdict.NOT_OK

    @property
    def flagged(self) -> bool:
        """The system's evidence contradicts an 'OK' answer."""
        return self.evidence_not_ok and self.ok > 0

    @property
    def answers_not_ok(self) -> bool:
        return self.total > 0 and self.not_ok * 100 >= self.threshold * self.total

    @property
    def needs_action(self) -> bool:
        return self.answers_not_ok or self.evidence_not_ok


@dataclass
class SectionResult:
    name: str
    items: list[ItemResult] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(r.ok for r in self.items)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.items)

    @property
    def score(self) -> int | None:
        return round(100 * self.ok / self.total) if self.total else None


@dataclass
class RoundResults:
    round: ChecklistRound
    sections: list[SectionResult]
    participants: int
    completed: int
    responded: int
    open_actions: int

    @property
    def items(self) -> list[ItemResult]:
        return [r for s in self.sections for r in s.items]

    @property
    def actions(self) -> list[ActionItem]:
        return [r.action for r in self.items if r.action is not None]

    @property
    def score(self) -> int | None:
        total = sum(s.total for s in self.sections)
        return round(100 * sum(s.ok for s in self.sections) / total) if total else None

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.completed / self.participants) if self.participants else None


def round_evidence(checklist_round: ChecklistRound, items) -> dict:
    """Evidence per item key: frozen records for a closed round, live judgement for an open one."""
    if not checklist_round.is_open:
        return {
            record.item.key: record
            for record in EvidenceRecord.objects.filter(round=checklist_round).select_related(
                "item"
            )
        }
    return evidence_module.judge(
        checklist_round.school, checklist_round.school_year, {i.key for i in items}
    )


def round_results(checklist_round: ChecklistRound, *, user=None) -> RoundResults:
    """Counts per item and section, evidence, flags and actions, in a fixed number of queries."""
    items = template_items(checklist_round.template)
    counts: dict[int, dict[str, int]] = {}
    for row in (
        Answer.objects.filter(round=checklist_round)
        .values("item_id", "verdict")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["item_id"], {})[row["verdict"]] = row["n"]
    evidence = round_evidence(checklist_round, items)
    actions = {a.item_id: a for a in checklist_round.actions.select_related("owner")}
    mine = {}
    if user is not None:
        mine = {a.item_id: a for a in Answer.objects.filter(round=checklist_round, user=user)}
    sections: dict[str, SectionResult] = {}
    for item in items:
        result = ItemResult(
            item=item,
            ok=counts.get(item.pk, {}).get(Verdict.OK, 0),
            not_ok=counts.get(item.pk, {}).get(Verdict.NOT_OK, 0),
            evidence=evidence.get(item.key),
            action=actions.get(item.pk),
            threshold=checklist_round.not_ok_share,
            my_answer=mine.get(item.pk),
        )
        sections.setdefault(item.section, SectionResult(item.display_section)).items.append(result)
    participation = Participant.objects.filter(round=checklist_round).aggregate(
        total=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False))
    )
    responded = Answer.objects.filter(round=checklist_round).values("user_id").distinct().count()
    return RoundResults(
        round=checklist_round,
        sections=list(sections.values()),
        participants=participation["total"],
        completed=participation["completed"],
        responded=responded,
        open_actions=sum(1 for a in actions.values() if a.status != ActionItem.Status.DONE),
    )


@dataclass
class RoundSummary:
    round: ChecklistRound
    section_scores: dict[str, int | None]
    score: int | None
    participants: int
    completed: int
    open_actions: int
    overdue_actions: int

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.completed / self.participants) if self.participants else None


def round_summaries(rounds) -> dict[int, RoundSummary]:
    """Scores per section, response and actions for many rounds at once (4 queries in all)."""
    rounds = list(rounds)
    ids = [r.pk for r in rounds]
    answers: dict[int, dict[str, list[int]]] = {}
    for row in (
        Answer.objects.filter(round_id__in=ids)
        .values("round_id", "item__section", "verdict")
        .annotate(n=Count("pk"))
    ):
        ok_total = answers.setdefault(row["round_id"], {}).setdefault(row["item__section"], [0, 0])
        ok_total[1] += row["n"]
        if row["verdict"] == Verdict.OK:
            ok_total[0] += row["n"]
    participation = {
        row["round_id"]: row
        for row in Participant.objects.filter(round_id__in=ids)
        .values("round_id")
        .annotate(total=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
    }
    today = timezone.localdate()
    open_statuses = [ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS]
    action_counts = {
        row["round_id"]: row
        for row in ActionItem.objects.filter(round_id__in=ids)
        .values("round_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=open_statuses)),
            overdue=Count("pk", filter=Q(status__in=open_statuses, due_date__lt=today)),
        )
    }
    result = {}
    for r in rounds:
        sections = answers.get(r.pk, {})
        ok = sum(v[0] for v in sections.values())
        total = sum(v[1] for v in sections.values())
        result[r.pk] = RoundSummary(
            round=r,
            section_scores={
                name: (round(100 * v[0] / v[1]) if v[1] else None) for name, v in sections.items()
            },
            score=round(100 * ok / total) if total else None,
            participants=participation.get(r.pk, {}).get("total", 0),
            completed=participation.get(r.pk, {}).get("completed", 0),
            open_actions=action_counts.get(r.pk, {}).get("open", 0),
            overdue_actions=action_counts.get(r.pk, {}).get("overdue", 0),
        )
    return result


def sections_of(template: ChecklistTemplate) -> list[str]:
    names: list[str] = []
    for section in template.items.order_by("order", "pk").values_list("section", flat=True):
        if section not in names:
            names.append(section)
    return names


# --- Answers against the system's evidence ---------------------------------------------------


@dataclass
class Contradiction:
    """Staff answered 'OK' on an item for which the system's own evidence says 'not OK'."""

    round: ChecklistRound
    result: ItemResult

    @property
    def summary(self) -> str:
        return self.result.evidence.summary if self.result.evidence else ""


def latest_rounds(foundation: Foundation, school_year: int) -> list[ChecklistRound]:
    """The newest round of each school of ``foundation`` in ``school_year``."""
    rounds: dict[int, ChecklistRound] = {}
    for checklist_round in (
        ChecklistRound.objects.filter(school__foundation=foundation, school_year=school_year)
        .select_related("school", "template")
        .order_by("school__name", "pk")
    ):
        rounds[checklist_round.school_id] = checklist_round
    return list(rounds.values())


def contradictions(rounds) -> dict[int, list[Contradiction]]:
    """Per round id, the items where the answers say OK and the evidence says not OK."""
    result: dict[int, list[Contradiction]] = {}
    for checklist_round in rounds:
        results = round_results(checklist_round)
        result[checklist_round.pk] = [
            Contradiction(checklist_round, item) for item in results.items if item.flagged
        ]
    return result
