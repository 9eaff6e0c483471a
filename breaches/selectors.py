"""Who may see and do what with data breaches, on top of ``accounts.access``.

- Every staff member may report a breach and sees their own reports.
- The FG sees every breach of the foundation and is the one who assesses, notifies and closes.
- Directie sees the breaches that involve its school(s).
- The CvB sees the register of its foundation, without personal details of the people involved
  (no description, no letter, no recipients): only facts, numbers, decisions and measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts import access
from accounts.roles import FoundationRoleKind, SchoolRole
from breaches.models import ApNotification, Breach, BreachStatus
from students.models import GuardianLink


@dataclass
class BreachAccess:
    """The user's breach scope, computed once per request (a handful of queries)."""

    user: object
    fg_foundations: set[int] = field(default_factory=set)
    cvb_foundations: set[int] = field(default_factory=set)
    directie_schools: set[int] = field(default_factory=set)
    is_staff: bool = False

    @classmethod
    def of(cls, user) -> BreachAccess:
        # The ids straight from the access summary of this request (no query of its own).
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return cls(user=user)
        facts = access.summary(user)
        return cls(
            user=user,
            fg_foundations=set(facts.foundations_by_role.get(FoundationRoleKind.FG, ())),
            cvb_foundations=set(facts.foundations_by_role.get(FoundationRoleKind.CVB, ())),
            directie_schools=facts.school_ids_with_role(SchoolRole.DIRECTIE),
            is_staff=facts.is_staff_person,
        )

    # What the user may do in general.
    @property
    def may_report(self) -> bool:
        return self.is_staff

    @property
    def may_see_register(self) -> bool:
        return bool(self.fg_foundations or self.cvb_foundations or self.directie_schools)

    @property
    def is_fg(self) -> bool:
        return bool(self.fg_foundations)

    # What the user may do with one breach (which must come from ``visible_breaches``).
    def is_fg_for(self, breach: Breach) -> bool:
        return breach.foundation_id in self.fg_foundations

    def is_reporter_of(self, breach: Breach) -> bool:
        return breach.reporter_id == getattr(self.user, "pk", None)

    def is_directie_for(self, breach: Breach) -> bool:
        return bool(self.directie_schools & {school.pk for school in breach.schools.all()})

    def may_see_personal_details(self, breach: Breach) -> bool:
        """The CvB sees the register without personal details of the people involved."""
        return self.is_fg_for(breach) or self.is_reporter_of(breach) or self.is_directie_for(breach)

    def may_act(self, breach: Breach) -> bool:
        """Assess, notify, write the letter, add measures, close: the FG of the foundation."""
        return self.is_fg_for(breach)


def breach_access(user) -> BreachAccess:
    return BreachAccess.of(user)


def visible_breaches(user, scope: BreachAccess | None = None) -> QuerySet[Breach]:
    """Breaches the user may see at all (one id subquery, no per-row checks)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Breach.objects.none()
    scope = scope or BreachAccess.of(user)
    query = Q(reporter=user)
    foundations = scope.fg_foundations | scope.cvb_foundations
    if foundations:
        query |= Q(foundation_id__in=foundations)
    if scope.directie_schools:
        query |= Q(schools__in=scope.directie_schools)
    ids = Breach.objects.filter(query).values("pk")
    return Breach.objects.filter(pk__in=ids)


def breach_for(user, pk: int, scope: BreachAccess | None = None) -> Breach:
    """One visible breach with what its page needs, or ``Breach.DoesNotExist`` (404)."""
    return (
        visible_breaches(user, scope)
        .select_related("foundation", "reporter", "assessed_by", "closed_by")
        .prefetch_related("schools", "ap_notifications", "measures__owner", "reminders")
        .get(pk=pk)
    )


def register_breaches(
    user,
    *,
    scope: BreachAccess | None = None,
    school: int | None = None,
    start: date | None = None,
    end: date | None = None,
    kind: str = "",
    status: str = "",
    search: str = "",
) -> QuerySet[Breach]:
    """The register (GDPR art. 33(5)) as the user may see it, filtered. Period = discovery date."""
    breaches = visible_breaches(user, scope)
    if school:
        breaches = breaches.filter(schools=school)
    tz = timezone.get_current_timezone()
    if start:
        breaches = breaches.filter(discovered_at__gte=datetime.combine(start, time.min, tz))
    if end:
        breaches = breaches.filter(
            discovered_at__lt=datetime.combine(end + timedelta(days=1), time.min, tz)
        )
    if kind:
        breaches = breaches.filter(kind=kind)
    if status:
        breaches = breaches.filter(status=status)
    if search:
        breaches = _search(breaches, search)
    return (
        breaches.select_related("foundation")
        .prefetch_related("schools", "ap_notifications", "measures")
        .order_by("-discovered_at", "-pk")
    )


def _search(breaches: QuerySet[Breach], text: str) -> QuerySet[Breach]:
    text = text.strip()
    parts = text.upper().removeprefix("DL-").split("-")
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return breaches.filter(year=int(parts[0]), number=int(parts[1]))
    return breaches.filter(Q(processor_name__icontains=text) | Q(schools__name__icontains=text))


def clock_running_breaches(user, scope: BreachAccess | None = None) -> QuerySet[Breach]:
    """Visible breaches whose 72-hour AP clock still runs, most urgent first."""
    return (
        visible_breaches(user, scope)
        .clock_running()
        .order_by("ap_deadline")
        .prefetch_related("schools")
    )


def breach_statistics(*, foundation, start: date, end: date) -> dict:
    """Numbers per period for the FG's yearly report and the annual checklist (R18, R19).

    Counts breaches discovered from ``start`` through ``end`` (inclusive): total, by kind, by
    status, notified to the AP, notified late, with the people involved informed.
    """
    tz = timezone.get_current_timezone()
    breaches = Breach.objects.filter(
        foundation=foundation,
        discovered_at__gte=datetime.combine(start, time.min, tz),
        discovered_at__lt=datetime.combine(end + timedelta(days=1), time.min, tz),
    )
    by_kind = dict(breaches.values_list("kind").annotate(n=Count("pk")).order_by())
    by_status = dict(breaches.values_list("status").annotate(n=Count("pk")).order_by())
    initial = ApNotification.objects.filter(
        breach__in=breaches, kind=ApNotification.Kind.INITIAL
    ).select_related("breach")
    return {
        "total": breaches.count(),
        "by_kind": by_kind,
        "by_status": by_status,
        "notifiable": breaches.filter(notify_ap=True).count(),
        "notified_to_ap": initial.count(),
        "notified_late": sum(1 for n in initial if n.sent_at > n.breach.ap_deadline),
        "subjects_informed": breaches.filter(letter__sent_at__isnull=False).count(),
        "open": breaches.exclude(status=BreachStatus.CLOSED).count(),
    }


def statistics_per_year(user, scope: BreachAccess | None = None) -> list[dict]:
    """Per calendar year of discovery: counts over the breaches the user may see."""
    rows = (
        visible_breaches(user, scope)
        .values("year")
        .annotate(
            total=Count("pk"),
            notifiable=Count("pk", filter=Q(notify_ap=True)),
            notified=Count("pk", filter=Q(status__in=[BreachStatus.NOTIFIED])),
            closed=Count("pk", filter=Q(status=BreachStatus.CLOSED)),
        )
        .order_by("-year")
    )
    return list(rows)


def letter_recipient_candidates(breach: Breach, class_ids) -> list[tuple[str, str]]:
    """Parents with parental authority and an e-mail address of the pupils in the chosen
    classes of the breach's schools, as (name, e-mail), without duplicates."""
    links = (
        GuardianLink.objects.filter(
            has_parental_authority=True,
            pupil__enrolments__school_class__in=class_ids,
            pupil__enrolments__school_class__school__in=breach.schools.all(),
        )
        .exclude(guardian__email="")
        .select_related("guardian")
        .distinct()
    )
    seen: dict[str, str] = {}
    for link in links:
        seen.setdefault(link.guardian.email.lower(), str(link.guardian))
    return [(name, email) for email, name in sorted(seen.items())]
