"""Read rules of the retention app: which pupils are due, the 90-day preview, who may see and
act on retention pages, and the destruction records in a user's scope. Built on
``accounts.access``."""

from datetime import date, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts import access
from accounts.models import Foundation, School
from accounts.roles import FoundationRoleKind, SchoolRole
from retention import rules
from retention.models import DestructionRecord, Hold, ProcessorDestruction, PurgeRun
from students.models import DossierEntry, Pupil

PREVIEW_DAYS = 90
STALE_AFTER = timedelta(hours=1)  # a running purge without a heartbeat this long was killed


# --- Scope -----------------------------------------------------------------------------------


def retention_schools(user) -> QuerySet[School]:
    """Schools whose retention the user oversees: directie of the school, or the FG of its
    foundation."""
    fg_foundations = access.foundations_with_role(user, FoundationRoleKind.FG)
    return School.objects.filter(
        Q(pk__in=access.schools_with_role(user, SchoolRole.DIRECTIE).values("pk"))
        | Q(foundation__in=fg_foundations)
    ).distinct()


def may_oversee_retention(user) -> bool:
    return retention_schools(user).exists()


def policy_foundations(user) -> QuerySet[Foundation]:
    """Foundations whose retention periods the user may set: FG and CvB."""
    return access.foundations_with_role(user, FoundationRoleKind.FG, FoundationRoleKind.CVB)


def retention_pupil_or_404(user, pk: int) -> Pupil:
    """The pupil if the user oversees its school; 403 for staff who see the pupil otherwise;
    404 when the pupil is outside the user's scope."""
    from django.core.exceptions import PermissionDenied

    pupil = Pupil.objects.select_related("school").filter(pk=pk).first()
    if pupil is None:
        raise Http404
    if retention_schools(user).filter(pk=pupil.school_id).exists():
        return pupil
    if access.visible_pupils(user).filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


def hold_or_404(user, pk: int) -> Hold:
    hold = Hold.objects.filter(pk=pk, pupil__isnull=False).select_related("pupil").first()
    if hold is None or not retention_schools(user).filter(pk=hold.school_id).exists():
        raise Http404
    return hold


# --- Due pupils ------------------------------------------------------------------------------


def has_dossier_data(pupil_ids=None):
    """Q over Pupil: the pupil has dossier entries or a filled dossier field. With
    ``pupil_ids`` the entries are looked up for those pupils only: in an OR PostgreSQL hashes
    the subquery's whole result, which without the bound is every dossier entry of the
    deployment (113 ms per purge batch at 100,000 pupils, growing with the table)."""
    blank_fields = Q()
    for name in rules.dossier_fields():
        blank_fields &= Q(**{name: ""})
    entries = DossierEntry.objects.filter(pupil=OuterRef("pk"))
    if pupil_ids is not None:
        entries = entries.filter(pupil_id__any_of=list(pupil_ids))
    return Exists(entries) | ~blank_fields


def not_held(day: date):
    return ~Exists(Hold.objects.active(day).filter(pupil=OuterRef("pk")))


def _due_filters(day: date, foundation_ids=None) -> tuple[Q, Q]:
    """(dossier due, administration due) as Q objects over Pupil, per foundation's periods
    (of ``foundation_ids`` only when given: a question about one school reads one policy)."""
    dossier = Q(pk__in=[])
    administration = Q(pk__in=[])
    if foundation_ids is None:
        foundation_ids = Foundation.objects.values_list("pk", flat=True)
    for foundation_id in foundation_ids:
        periods = rules.periods_for_foundation(foundation_id)
        normal = min(periods.dossier_years, periods.administration_years)
        sbo = min(periods.dossier_sbo_years, periods.administration_years)
        in_foundation = Q(school__foundation_id=foundation_id)
        dossier |= in_foundation & (
            Q(destination_is_sbo=False, deregistered_on__lte=rules.subtract_years(day, normal))
            | Q(destination_is_sbo=True, deregistered_on__lte=rules.subtract_years(day, sbo))
        )
        administration |= in_foundation & Q(
            deregistered_on__lte=rules.subtract_years(day, periods.administration_years)
        )
    return dossier, administration


def dossier_due(day: date, foundation_ids=None, *, pupil_ids=None) -> QuerySet[Pupil]:
    """Pupils whose dossier period has run out, who still have dossier data and no hold
    (of the foundations ``foundation_ids``, or all; of ``pupil_ids``, or all)."""
    dossier, _administration = _due_filters(day, foundation_ids)
    pupils = Pupil.objects.filter(dossier)
    if pupil_ids is not None:
        pupils = pupils.filter(pk__any_of=list(pupil_ids))
    return pupils.filter(has_dossier_data(pupil_ids)).filter(not_held(day))


def administration_due(day: date, foundation_ids=None) -> QuerySet[Pupil]:
    """Pupils whose administration period has run out and who are not held (of the
    foundations ``foundation_ids``, or all)."""
    _dossier, administration = _due_filters(day, foundation_ids)
    return Pupil.objects.filter(administration).filter(not_held(day))


def due_either(day: date, foundation_ids=None) -> QuerySet[Pupil]:
    """Pupils whose administration or dossier is due (``administration_due`` or
    ``dossier_due``), reading each foundation's policy once for both."""
    dossier, administration = _due_filters(day, foundation_ids)
    return Pupil.objects.filter(
        Q(pk__in=Pupil.objects.filter(administration).filter(not_held(day)).values("pk"))
        | Q(
            pk__in=Pupil.objects.filter(dossier)
            .filter(has_dossier_data())
            .filter(not_held(day))
            .values("pk")
        )
    )


def deregistered_references() -> dict[int, tuple[int, str]]:
    """Every deregistered pupil present: pupil id -> (school id, pseudonymous reference)."""
    brins = dict(School.objects.values_list("pk", "brin"))
    return {
        pk: (school_id, rules.pseudonym(pk, brins[school_id]))
        for pk, school_id in Pupil.objects.filter(deregistered_on__isnull=False)
        .order_by()
        .values_list("pk", "school_id")
    }


def restored_parts(references: dict[int, tuple[int, str]] | None = None):
    """Pupils that came back after a restore: per deregistered pupil whose pseudonymous
    reference has destruction records, the parts destroyed before with the rule and due date
    of their *first* destruction (pupil id -> {part: (rule, due date)}). They are purged
    again, whatever their dates now. ``references``: ``deregistered_references()``, when the
    caller has it already.

    The references are looked up by index, a chunk at a time: the cost follows the number of
    deregistered pupils present, not the number of records ever written.
    """
    if references is None:
        references = deregistered_references()
    by_reference = {reference: pk for pk, (_school, reference) in references.items()}
    found: dict[int, dict[str, tuple[str, date | None]]] = {}
    wanted = sorted(by_reference)
    # One array parameter per 10,000 references on PostgreSQL; SQLite's parameter limit.
    size = 10_000 if connection.vendor == "postgresql" else 900
    for start in range(0, len(wanted), size):
        chunk = wanted[start : start + size]
        rows = (
            DestructionRecord.objects.filter(
                reference__any_of=chunk, part__in=["dossier", "administration"]
            )
            .order_by("destroyed_at", "pk")
            .values_list("reference", "part", "rule", "due_on")
        )
        for reference, part, rule, due_on in rows:
            found.setdefault(by_reference[reference], {}).setdefault(part, (rule, due_on))
    return found


def destroyed_before(day: date) -> QuerySet[Pupil]:
    """Pupils back after a restore whose administration was destroyed before (not held)."""
    ids = [pk for pk, parts in restored_parts().items() if "administration" in parts]
    return Pupil.objects.filter(pk__in=ids).filter(not_held(day))


def due_but_held(day: date) -> QuerySet[Pupil]:
    """Pupils with something due on ``day`` that an active hold or review keeps."""
    dossier, administration = _due_filters(day)
    return Pupil.objects.filter(administration | (dossier & has_dossier_data())).exclude(
        not_held(day)
    )


def due_pupil_ids(day: date) -> list[int]:
    ids = set(dossier_due(day).values_list("pk", flat=True))
    ids |= set(administration_due(day).values_list("pk", flat=True))
    return sorted(ids)


# --- Preview ---------------------------------------------------------------------------------


def preview(user, *, day: date, query: str = "", days: int = PREVIEW_DAYS) -> QuerySet[Pupil]:
    """Deregistered pupils in the user's schools with a part due within ``days``: those not yet
    removed, held or not. Annotated with ``under_review`` and ``on_hold``."""
    horizon = day + timedelta(days=days)
    dossier, administration = _due_filters(horizon)
    pupils = (
        Pupil.objects.filter(school__in=retention_schools(user).values("pk"))
        .filter(administration | (dossier & has_dossier_data()))
        .select_related("school", "school__foundation")
        .annotate(
            under_review=Exists(
                Hold.objects.active(day).filter(pupil=OuterRef("pk"), kind=Hold.Kind.REVIEW)
            ),
            on_hold=Exists(
                Hold.objects.active(day).filter(pupil=OuterRef("pk"), kind=Hold.Kind.HOLD)
            ),
        )
        .order_by("deregistered_on", "last_name", "first_name", "pk")
    )
    if query:
        pupils = pupils.filter(Q(first_name__icontains=query) | Q(last_name__icontains=query))
    return pupils


def preview_rows(pupils, *, day: date) -> list[dict]:
    """Per pupil on a page: removal dates within the horizon (no queries per row beyond the
    foundation's periods, cached)."""
    cache: dict[int, rules.Periods] = {}
    rows = []
    for pupil in pupils:
        foundation_id = pupil.school.foundation_id
        if foundation_id not in cache:
            cache[foundation_id] = rules.periods_for_foundation(foundation_id)
        removals = rules.removal_dates(pupil, cache[foundation_id])
        rows.append({"pupil": pupil, "removals": removals})
    return rows


def open_reviews(user) -> QuerySet[Hold]:
    return Hold.objects.filter(
        kind=Hold.Kind.REVIEW,
        lifted_at__isnull=True,
        pupil__isnull=False,
        school__in=retention_schools(user).values("pk"),
    )


def holds_for(pupil) -> QuerySet[Hold]:
    return Hold.objects.filter(pupil=pupil).select_related("created_by", "lifted_by")


# --- Destruction records ---------------------------------------------------------------------


def destruction_records(user, *, year: int) -> QuerySet[DestructionRecord]:
    return (
        DestructionRecord.objects.filter(
            school__in=retention_schools(user).values("pk"), destroyed_at__year=year
        )
        .select_related("school")
        .order_by("destroyed_at", "pk")
    )


def processor_confirmations(user) -> QuerySet[ProcessorDestruction]:
    return ProcessorDestruction.objects.filter(
        school__in=retention_schools(user).values("pk")
    ).select_related("school")


def purge_trouble_runs() -> QuerySet[PurgeRun]:
    """``purge_trouble`` as a queryset (at most the one run), for counting with other
    questions: the latest run if it failed or stopped beating."""
    from django.db.models import Subquery
    from django.utils import timezone

    cutoff = timezone.now() - STALE_AFTER
    latest = PurgeRun.objects.order_by("-started_at", "-pk").values("pk")[:1]
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    return PurgeRun.objects.filter(pk=Subquery(latest)).filter(
        Q(status=PurgeRun.Status.FAILED) | (Q(status=PurgeRun.Status.RUNNING) & stale)
    )


def purge_trouble() -> PurgeRun | None:
    """The purge run that needs attention: the latest run when it failed, or a run still marked
    running without a heartbeat for an hour (killed). None when all is well."""
    from django.utils import timezone

    latest = PurgeRun.objects.order_by("-started_at", "-pk").first()
    if latest is None:
        return None
    if latest.status == PurgeRun.Status.FAILED:
        return latest
    if latest.status == PurgeRun.Status.RUNNING:
        beat = latest.heartbeat_at or latest.started_at
        if beat < timezone.now() - STALE_AFTER:
            return latest
    return None
