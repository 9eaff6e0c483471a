"""The access policy (R11, R12): the one module that says who may see which schools, classes,
pupils, data sensitivities and dossier audiences.

Views, selectors, exports, PDFs and tasks ask these functions; none decides access by itself.

How it works: a staff member's dated memberships are materialised as membership of Django
groups per (school, role) and (class, role) (see ``accounts.services.sync_user_groups``). Those
groups hold django-guardian object permissions on their School or SchoolClass, one permission per
``Capability``. A school-wide role (directie, IB-er, administratie, conciërge) reaches every pupil
of its school; a teacher reaches the pupils of the classes they teach. Foundation-wide roles
(CvB, FG, beheerder) see registers and aggregates, never pupil files, unless a later issue grants
them a pupil explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user, get_perms

from accounts.models import (
    ClassAssignment,
    Foundation,
    FoundationRole,
    School,
    SchoolClass,
    StaffMembership,
)
from accounts.roles import (
    AUDIENCE_BY_CAPABILITY,
    CLASS_ROLE_CAPABILITIES,
    PUPIL_CAPABILITIES,
    SCHOOL_ROLE_CAPABILITIES,
    SENSITIVITY_BY_CAPABILITY,
    Audience,
    Capability,
    FoundationRoleKind,
    SchoolRole,
    Sensitivity,
)


def _today(day: date | None) -> date:
    return day or timezone.localdate()


def _perm(capability: str) -> str:
    return f"accounts.{capability}"


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Roles -----------------------------------------------------------------------------------


def foundation_roles(user, *, day: date | None = None) -> set[str]:
    """The foundation-wide roles (cvb, fg, beheerder) the user holds today."""
    if not _signed_in(user):
        return set()
    return set(
        FoundationRole.objects.active_on(_today(day))
        .filter(user=user)
        .values_list("role", flat=True)
    )


def has_foundation_role(user, *roles: str, day: date | None = None) -> bool:
    if not _signed_in(user):
        return False
    return FoundationRole.objects.active_on(_today(day)).filter(user=user, role__in=roles).exists()


def school_roles(user, *, day: date | None = None) -> dict[int, set[str]]:
    """Per school id, the school roles the user holds today (teachers also through a class)."""
    if not _signed_in(user):
        return {}
    today = _today(day)
    result: dict[int, set[str]] = {}
    for school_id, role in (
        StaffMembership.objects.active_on(today).filter(user=user).values_list("school_id", "role")
    ):
        result.setdefault(school_id, set()).add(role)
    for school_id in (
        ClassAssignment.objects.active_on(today)
        .filter(user=user)
        .values_list("school_class__school_id", flat=True)
    ):
        result.setdefault(school_id, set()).add(SchoolRole.LEERKRACHT)
    return result


def has_school_role(user, school: School | int, *roles: str, day: date | None = None) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    return bool(school_roles(user, day=day).get(school_id, set()) & set(roles))


def schools_with_role(user, *roles: str, day: date | None = None) -> QuerySet[School]:
    """Schools where the user holds one of ``roles`` today (for directie queues and the like)."""
    if not _signed_in(user):
        return School.objects.none()
    today = _today(day)
    memberships = StaffMembership.objects.active_on(today).filter(user=user, role__in=roles)
    query = Q(pk__in=memberships.values("school_id"))
    if SchoolRole.LEERKRACHT in roles:
        assignments = ClassAssignment.objects.active_on(today).filter(user=user)
        query |= Q(pk__in=assignments.values("school_class__school_id"))
    return School.objects.filter(query)


def is_staff_person(user, *, day: date | None = None) -> bool:
    """Staff, board, FG and administrators: the people who must use two-factor sign-in (R14)."""
    if not _signed_in(user):
        return False
    today = _today(day)
    return (
        StaffMembership.objects.active_on(today).filter(user=user).exists()
        or ClassAssignment.objects.active_on(today).filter(user=user).exists()
        or FoundationRole.objects.active_on(today).filter(user=user).exists()
        or user.is_staff
        or user.is_superuser
    )


def is_parent(user) -> bool:
    if not _signed_in(user):
        return False
    from students.models import GuardianLink

    return GuardianLink.objects.filter(guardian__user=user, has_parental_authority=True).exists()


def is_pupil(user) -> bool:
    if not _signed_in(user):
        return False
    from students.models import Pupil

    return Pupil.objects.filter(user=user, deregistered_on__isnull=True).exists()


def role_summary(user) -> list[str]:
    """Human-readable roles for the header: 'Directie – De Regenboog', 'FG', 'Ouder'."""
    facts = summary(user)
    labels: list[str] = []
    names = dict(School.objects.filter(pk__in=facts.school_roles.keys()).values_list("pk", "name"))
    for school_id, roles in sorted(facts.school_roles.items()):
        for role in sorted(roles):
            labels.append(f"{SchoolRole(role).label} – {names.get(school_id, '')}")
    labels.extend(str(FoundationRoleKind(role).label) for role in sorted(facts.foundation_roles))
    if facts.is_parent:
        labels.append(str(_("Ouder/verzorger")))
    if facts.is_pupil:
        labels.append(str(_("Leerling")))
    return labels


# --- Foundation-wide scope -------------------------------------------------------------------


def foundations_for(user) -> QuerySet[Foundation]:
    """Foundations in which the user holds a foundation-wide role today."""
    if not _signed_in(user):
        return Foundation.objects.none()
    roles = FoundationRole.objects.active().filter(user=user)
    return Foundation.objects.filter(pk__in=roles.values("foundation_id"))


# --- Schools and classes ---------------------------------------------------------------------


def schools_with_capability(user, *capabilities: str) -> QuerySet[School]:
    """Schools on which the user holds any of ``capabilities`` through a school-wide role."""
    if not _signed_in(user):
        return School.objects.none()
    return get_objects_for_user(
        user,
        [str(c) for c in capabilities],
        klass=School,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    )


def classes_with_capability(user, *capabilities: str) -> QuerySet[SchoolClass]:
    """Classes on which the user holds any of ``capabilities`` through a class role."""
    if not _signed_in(user):
        return SchoolClass.objects.none()
    return get_objects_for_user(
        user,
        [str(c) for c in capabilities],
        klass=SchoolClass,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    )


def visible_schools(user) -> QuerySet[School]:
    """Schools the user works at, or all schools of their foundation for foundation roles."""
    if not _signed_in(user):
        return School.objects.none()
    return School.objects.filter(
        Q(pk__in=schools_with_role(user, *SchoolRole.values).values("pk"))
        | Q(foundation__in=foundations_for(user))
    ).distinct()


def visible_classes(user, capability: str = Capability.PUPIL_BASIC) -> QuerySet[SchoolClass]:
    """Classes whose pupils the user may see with ``capability``: all classes of a school where
    a school-wide role grants it, plus the classes the user teaches."""
    return SchoolClass.objects.filter(
        Q(school__in=schools_with_capability(user, capability).values("pk"))
        | Q(pk__in=classes_with_capability(user, capability).values("pk"))
    )


# --- Pupils ----------------------------------------------------------------------------------


def visible_pupils(user, capability: str = Capability.PUPIL_BASIC):
    """Pupils the user may see as staff with ``capability``, as a parent with parental
    authority, or as the pupil themself. One query, no per-row permission checks."""
    from students.models import Enrolment, GuardianLink, Pupil

    if not _signed_in(user):
        return Pupil.objects.none()
    in_taught_class = Enrolment.objects.filter(
        pupil=OuterRef("pk"),
        school_class__in=classes_with_capability(user, capability).values("pk"),
    )
    own_child = GuardianLink.objects.filter(
        pupil=OuterRef("pk"), guardian__user=user, has_parental_authority=True
    )
    return Pupil.objects.filter(
        Q(school__in=schools_with_capability(user, capability).values("pk"))
        | Exists(in_taught_class)
        | Exists(own_child)
        | Q(user=user)
    )


def _pupil_class_ids(pupil) -> list[int]:
    return list(pupil.enrolments.values_list("school_class_id", flat=True))


def pupil_capabilities(user, pupil) -> frozenset[str]:
    """The staff capabilities the user holds for this pupil (school-wide or through a class)."""
    if not _signed_in(user):
        return frozenset()
    capabilities = set(get_perms(user, pupil.school))
    for school_class in SchoolClass.objects.filter(pk__in=_pupil_class_ids(pupil)):
        capabilities |= set(get_perms(user, school_class))
    return frozenset(capabilities & set(Capability.values))


def is_parent_with_authority(user, pupil) -> bool:
    if not _signed_in(user):
        return False
    return pupil.guardian_links.filter(guardian__user=user, has_parental_authority=True).exists()


def is_the_pupil(user, pupil) -> bool:
    return _signed_in(user) and pupil.user_id == user.pk


def can_see_pupil(user, pupil) -> bool:
    return bool(
        pupil_capabilities(user, pupil) & PUPIL_CAPABILITIES
        or is_parent_with_authority(user, pupil)
        or is_the_pupil(user, pupil)
    )


def sensitivity_ceiling(user, pupil) -> Sensitivity | None:
    """The most sensitive kind of this pupil's data the user may see as staff, or None.

    Parents and the pupil see their own data through the registry's parent view (portal), not
    through a staff ceiling.
    """
    levels = [
        SENSITIVITY_BY_CAPABILITY[c]
        for c in pupil_capabilities(user, pupil)
        if c in SENSITIVITY_BY_CAPABILITY
    ]
    return max(levels) if levels else None


def audience_ceiling(user, pupil) -> Audience | None:
    """The highest dossier audience level the user reaches for this pupil."""
    capabilities = pupil_capabilities(user, pupil)
    levels = [AUDIENCE_BY_CAPABILITY[c] for c in capabilities if c in AUDIENCE_BY_CAPABILITY]
    if levels:
        return max(levels)
    if is_the_pupil(user, pupil):
        return Audience.LEERLING
    return None


def may_see_audience(user, pupil, audience: int) -> bool:
    """R11: a level sees its own documents and those of the levels to its right."""
    ceiling = audience_ceiling(user, pupil)
    return ceiling is not None and int(audience) <= int(ceiling)


def may_manage_school(user, school: School) -> bool:
    return _signed_in(user) and user.has_perm(_perm(Capability.MANAGE_SCHOOL), school)


def users_with_school_role(school: School, *roles: str, day: date | None = None):
    """People holding one of ``roles`` at ``school`` today (to address e-mails and tasks)."""
    from accounts.models import User

    today = _today(day)
    memberships = StaffMembership.objects.active_on(today).filter(school=school, role__in=roles)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def users_with_foundation_role(foundation: Foundation, *roles: str, day: date | None = None):
    from accounts.models import User

    today = _today(day)
    memberships = FoundationRole.objects.active_on(today).filter(
        foundation=foundation, role__in=roles
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


# --- A per-request summary for navigation and start pages -------------------------------------


@dataclass(frozen=True)
class AccessSummary:
    """What a person is, computed once per request (cached on the user object), so that the
    navigation and start-page hooks of every app need no queries of their own for it."""

    school_roles: dict
    foundation_roles: frozenset
    capabilities: frozenset
    is_parent: bool
    is_pupil: bool
    is_admin: bool = False  # Django-admin users (is_staff / is_superuser)

    @property
    def is_staff_person(self) -> bool:
        """Same answer as ``is_staff_person(user)``: must use two-factor sign-in."""
        return bool(self.school_roles or self.foundation_roles or self.is_admin)

    def has_school_role(self, *roles: str) -> bool:
        return any(set(roles) & held for held in self.school_roles.values())

    def has_foundation_role(self, *roles: str) -> bool:
        return bool(set(roles) & self.foundation_roles)


_EMPTY = AccessSummary({}, frozenset(), frozenset(), False, False)


def summary(user) -> AccessSummary:
    if not _signed_in(user):
        return _EMPTY
    cached = getattr(user, "_access_summary", None)
    if cached is None:
        today = timezone.localdate()
        roles: dict[int, set[str]] = {}
        capabilities: set[str] = set()
        for school_id, role in (
            StaffMembership.objects.active_on(today)
            .filter(user=user)
            .values_list("school_id", "role")
        ):
            roles.setdefault(school_id, set()).add(role)
            capabilities |= SCHOOL_ROLE_CAPABILITIES.get(role, frozenset())
        for school_id, role in (
            ClassAssignment.objects.active_on(today)
            .filter(user=user)
            .values_list("school_class__school_id", "role")
        ):
            roles.setdefault(school_id, set()).add(SchoolRole.LEERKRACHT)
            capabilities |= CLASS_ROLE_CAPABILITIES.get(role, frozenset())
        cached = AccessSummary(
            school_roles=roles,
            foundation_roles=frozenset(foundation_roles(user)),
            # From the role ceilings of roles.py, the same mapping the guardian groups are made of.
            capabilities=frozenset(capabilities),
            is_parent=is_parent(user),
            is_pupil=is_pupil(user),
            is_admin=bool(user.is_staff or user.is_superuser),
        )
        user._access_summary = cached
    return cached


# --- foundation-wide roles ---


def foundations_with_role(user, *roles: str, day: date | None = None) -> QuerySet[Foundation]:
    """Foundations in which the user holds one of the foundation-wide ``roles`` today."""
    if not _signed_in(user):
        return Foundation.objects.none()
    held = FoundationRole.objects.active_on(_today(day)).filter(user=user, role__in=roles)
    return Foundation.objects.filter(pk__in=held.values("foundation_id"))
