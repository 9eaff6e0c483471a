"""Reads of the governance app, scoped to the user through ``accounts.access``.

Who is who here:
- the *office* of a foundation is its functional administrator (foundation role ``beheerder``);
- the *managers* of the FG registration and the protocol are the CvB and the office;
- *readers* of the FG page and the protocol in force are everyone who works at, governs, or has
  a child at a school of the foundation.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Foundation, School
from accounts.roles import FoundationRoleKind, SchoolRole
from governance.models import (
    Departure,
    EquipmentDisposal,
    FgRegistration,
    OffboardingTask,
    OffboardingTaskTemplate,
    ProtocolVersion,
    TaskActor,
)

CVB = FoundationRoleKind.CVB
OFFICE = FoundationRoleKind.BEHEERDER
FG = FoundationRoleKind.FG


def _today(day: date | None) -> date:
    return day or timezone.localdate()


foundations_with_role = access.foundations_with_role


def office_foundations(user) -> QuerySet[Foundation]:
    return foundations_with_role(user, OFFICE)


def manager_foundations(user) -> QuerySet[Foundation]:
    """Foundations whose FG registration, protocol and task list the user manages."""
    return foundations_with_role(user, CVB, OFFICE)


def directie_schools(user) -> QuerySet[School]:
    return access.schools_with_role(user, SchoolRole.DIRECTIE)


def overview_scope(user) -> access.OverviewScope:
    """The overview the user may open: the whole foundation for the CvB and the FG, their own
    schools for a directie (decided in accounts.access); anyone else gets a 403."""
    scope = access.overview_scope(user)
    if scope is None:
        raise PermissionDenied(_("Dit overzicht is voor het CvB, de FG en de directie."))
    return scope


def reader_foundations(user) -> QuerySet[Foundation]:
    """Foundations whose FG and protocol in force the user may read: staff, board, FG, office,
    parents (with parental authority) and pupils."""
    if not (user and user.is_authenticated and user.is_active):
        return Foundation.objects.none()
    from students.models import Pupil

    school_ids = set(access.visible_schools(user).values_list("pk", flat=True))
    family = Pupil.objects.filter(
        Q(user=user)
        | Q(guardian_links__guardian__user=user, guardian_links__has_parental_authority=True)
    )
    school_ids |= set(family.values_list("school_id", flat=True))
    return Foundation.objects.filter(
        pk__in=School.objects.filter(pk__in=school_ids).values("foundation_id")
    )


def readable_or_managed_foundations(user) -> QuerySet[Foundation]:
    """Foundations whose FG page and protocol list the user may open."""
    return Foundation.objects.filter(
        Q(pk__in=reader_foundations(user).values("pk"))
        | Q(pk__in=manager_foundations(user).values("pk"))
    )


# --- Offboarding -----------------------------------------------------------------------------


def recordable_schools(user) -> QuerySet[School]:
    """Schools for which the user may record a departure: as directie, or as the office."""
    return School.objects.filter(
        Q(pk__in=directie_schools(user).values("pk"))
        | Q(foundation__in=office_foundations(user).values("pk"))
    )


def departing_candidates(user):
    """Staff with a current or future role at a school the user may record departures for."""
    from accounts.models import ClassAssignment, StaffMembership, User

    schools = recordable_schools(user).values("pk")
    today = timezone.localdate()
    open_ended = Q(end_date__isnull=True) | Q(end_date__gte=today)
    memberships = StaffMembership.objects.filter(open_ended, school__in=schools)
    assignments = ClassAssignment.objects.filter(open_ended, school_class__school__in=schools)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=memberships.values("user_id")) | Q(pk__in=assignments.values("user_id")))
        .exclude(pk=user.pk)
        .order_by("sort_name", "first_name", "email")
    )


def visible_departures(user) -> QuerySet[Departure]:
    """Departures at the user's directie schools, and all departures of the office's foundation."""
    at_my_school = Departure.schools.through.objects.filter(
        departure_id=OuterRef("pk"), school__in=directie_schools(user).values("pk")
    )
    return Departure.objects.filter(
        Q(foundation__in=office_foundations(user).values("pk")) | Exists(at_my_school)
    )


def _next_actor_is(actor: str) -> Q:
    opened = Q(status=OffboardingTask.Status.OPEN)
    return (opened & Q(reporter=actor)) | ((~opened | Q(reporter="")) & Q(owner=actor))


def actionable_tasks(user) -> QuerySet[OffboardingTask]:
    """Open tasks on which the user is the party that must act now."""
    departures_as_directie = Departure.schools.through.objects.filter(
        school__in=directie_schools(user).values("pk")
    ).values("departure_id")
    return (
        OffboardingTask.objects.exclude(status=OffboardingTask.Status.DONE)
        .filter(
            (_next_actor_is(TaskActor.DIRECTIE) & Q(departure_id__in=departures_as_directie))
            | (
                _next_actor_is(TaskActor.OFFICE)
                & Q(departure__foundation__in=office_foundations(user).values("pk"))
            )
        )
        .select_related("departure__person")
    )


def overdue_tasks_for(user, *, day: date | None = None) -> QuerySet[OffboardingTask]:
    return actionable_tasks(user).filter(due_date__lt=_today(day))


def may_act_on_task(user, task: OffboardingTask) -> bool:
    return actionable_tasks(user).filter(pk=task.pk).exists()


def task_templates_for(foundation: Foundation) -> QuerySet[OffboardingTaskTemplate]:
    return OffboardingTaskTemplate.objects.filter(foundation=foundation)


def overdue_tasks_in(foundation: Foundation, *, day: date | None = None):
    """For the checklist (R19 §12): offboarding tasks past their date in the foundation."""
    return OffboardingTask.objects.filter(
        departure__foundation=foundation, due_date__lt=_today(day)
    ).exclude(status=OffboardingTask.Status.DONE)


# --- FG --------------------------------------------------------------------------------------


def current_fg(foundation: Foundation) -> FgRegistration | None:
    return (
        FgRegistration.objects.filter(foundation=foundation, deregistered_on__isnull=True)
        .select_related("person")
        .first()
    )


def fg_role_conflicts(foundation: Foundation, *, person=None, email: str = "") -> list[str]:
    """R18: the roles through which this person determines purposes and means (CvB, directie
    at a school of the foundation). Empty when there is no conflict."""
    from accounts.models import FoundationRole, StaffMembership, User

    people = {person.pk} if person is not None else set()
    if email:
        people |= set(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
    if not people:
        return []
    conflicts = []
    if (
        FoundationRole.objects.active()
        .filter(user__in=people, foundation=foundation, role=CVB)
        .exists()
    ):
        conflicts.append(str(FoundationRoleKind.CVB.label))
    directie = StaffMembership.objects.active().filter(
        user__in=people, school__foundation=foundation, role=SchoolRole.DIRECTIE
    )
    for school_name in directie.values_list("school__name", flat=True).distinct():
        conflicts.append(f"{SchoolRole.DIRECTIE.label} – {school_name}")
    return conflicts


def fg_registrations_for_manager(user) -> QuerySet[FgRegistration]:
    return FgRegistration.objects.filter(foundation__in=manager_foundations(user).values("pk"))


# --- Protocol --------------------------------------------------------------------------------


def protocol_in_force(foundation: Foundation, *, day: date | None = None):
    """R7: the version with the latest (G)MR consent that has come; None without consent."""
    return (
        ProtocolVersion.objects.filter(foundation=foundation, gmr_consent_on__lte=_today(day))
        .order_by("-gmr_consent_on", "-created_at", "-pk")
        .first()
    )


def in_force_ids(foundations, *, day: date | None = None) -> set[int]:
    ids = set()
    for foundation in foundations:
        version = protocol_in_force(foundation, day=day)
        if version:
            ids.add(version.pk)
    return ids


def visible_protocol_versions(user) -> QuerySet[ProtocolVersion]:
    """Managers see every version of their foundation (drafts too); staff see the versions
    that had consent (in force and archive); parents and pupils see the version in force."""
    managed = manager_foundations(user)
    readable = reader_foundations(user)
    query = Q(foundation__in=managed.values("pk"))
    if access.is_staff_person(user):
        query |= Q(foundation__in=readable.values("pk"), gmr_consent_on__lte=timezone.localdate())
    else:
        query |= Q(pk__in=in_force_ids(readable))
    return ProtocolVersion.objects.filter(query)


# --- Equipment -------------------------------------------------------------------------------


def disposal_schools(user) -> QuerySet[School]:
    """Schools for which the user may log disposed equipment."""
    return School.objects.filter(
        Q(pk__in=directie_schools(user).values("pk"))
        | Q(foundation__in=manager_foundations(user).values("pk"))
    )


def disposal_foundations(user) -> QuerySet[Foundation]:
    """Foundations for which the user may log equipment without a school (office, CvB)."""
    return manager_foundations(user)


def visible_disposals(user) -> QuerySet[EquipmentDisposal]:
    """The log of disposed equipment: directie for their schools; CvB, office and FG for the
    whole foundation."""
    return EquipmentDisposal.objects.filter(
        Q(foundation__in=foundations_with_role(user, CVB, OFFICE, FG).values("pk"))
        | Q(school__in=directie_schools(user).values("pk"))
    )


def may_read_disposals(user) -> bool:
    """Whoever ``visible_disposals`` serves, also while the log is still empty."""
    return foundations_with_role(user, CVB, OFFICE, FG).exists() or directie_schools(user).exists()


def may_manage_anything(user) -> bool:
    return recordable_schools(user).exists() or manager_foundations(user).exists()
