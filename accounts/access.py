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

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Case, CharField, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

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


# --- The access scope: everything a person is, in one query ----------------------------------

# Per request (set by ``accounts.middleware.AccessScopeMiddleware``): user id -> AccessSummary.
# Outside a request (services, tasks, shell) nothing is kept, so a change of membership is seen
# by the very next question.
_request_cache: ContextVar[dict | None] = ContextVar("access_request_cache", default=None)


@contextmanager
def request_scope():
    """Keep each person's access summary for the length of one request."""
    token = _request_cache.set({})
    try:
        yield
    finally:
        _request_cache.reset(token)


def forget() -> None:
    """Drop the summaries kept for this request (memberships or role groups just changed)."""
    cache = _request_cache.get()
    if cache is not None:
        cache.clear()


def _rows(queryset, kind: str, a, b=None, c=None):
    """One branch of the scope query: (kind, a, b, c) rows, all annotations so that the
    branches line up column by column in the UNION ALL."""
    return (
        queryset.order_by()
        .annotate(
            scope_kind=Value(kind, output_field=CharField()),
            scope_a=a,
            scope_b=b if b is not None else Value(None, output_field=IntegerField()),
            scope_c=c if c is not None else Value("", output_field=CharField()),
        )
        .values_list("scope_kind", "scope_a", "scope_b", "scope_c")
    )


def _scope_query(user, today: date):
    """The union of everything ``summary`` needs: roles in force today, parental authority,
    the own pupil record, guardian object permissions on schools and classes (granted to the
    person directly or to their role groups) and confirmed two-factor devices."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import F
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import (
        SchoolClassGroupObjectPermission,
        SchoolClassUserObjectPermission,
        SchoolGroupObjectPermission,
        SchoolUserObjectPermission,
    )
    from students.models import GuardianLink, Pupil

    school_type = ContentType.objects.get_for_model(School)
    class_type = ContentType.objects.get_for_model(SchoolClass)
    codename = F("permission__codename")
    branches = [
        _rows(
            StaffMembership.objects.active_on(today).filter(user=user),
            "school_role",
            F("school_id"),
            c=F("role"),
        ),
        _rows(
            ClassAssignment.objects.active_on(today).filter(user=user),
            "class_role",
            F("school_class__school_id"),
            F("school_class_id"),
            F("role"),
        ),
        _rows(
            FoundationRole.objects.active_on(today).filter(user=user),
            "foundation_role",
            F("foundation_id"),
            c=F("role"),
        ),
        _rows(
            GuardianLink.objects.filter(guardian__user=user, has_parental_authority=True),
            "child",
            F("pupil_id"),
        ),
        _rows(
            Pupil.objects.filter(user=user),
            "own_record",
            F("pk"),
            c=Case(
                When(deregistered_on__isnull=True, then=Value("enrolled")),
                default=Value("left"),
                output_field=CharField(),
            ),
        ),
        _rows(
            SchoolUserObjectPermission.objects.filter(
                user=user, permission__content_type=school_type
            ),
            "school_perm",
            F("content_object_id"),
            c=codename,
        ),
        _rows(
            SchoolGroupObjectPermission.objects.filter(
                group__user=user, permission__content_type=school_type
            ),
            "school_perm",
            F("content_object_id"),
            c=codename,
        ),
        _rows(
            SchoolClassUserObjectPermission.objects.filter(
                user=user, permission__content_type=class_type
            ),
            "class_perm",
            F("content_object__school_id"),
            F("content_object_id"),
            codename,
        ),
        _rows(
            SchoolClassGroupObjectPermission.objects.filter(
                group__user=user, permission__content_type=class_type
            ),
            "class_perm",
            F("content_object__school_id"),
            F("content_object_id"),
            codename,
        ),
        _rows(
            TOTPDevice.objects.filter(user=user, confirmed=True),
            "device",
            F("pk"),
            c=Value(TOTPDevice.model_label(), output_field=CharField()),
        ),
        _rows(
            StaticDevice.objects.filter(user=user, confirmed=True),
            "device",
            F("pk"),
            c=Value(StaticDevice.model_label(), output_field=CharField()),
        ),
    ]
    return branches[0].union(*branches[1:], all=True)


@dataclass(frozen=True)
class AccessSummary:
    """What a person is and reaches today, computed in one query once per request, so that the
    navigation and start-page hooks, the middleware and the pupil queries need no queries of
    their own for it.

    ``school_scope`` and ``class_scope`` map each capability to the ids of the schools and
    classes on which the person holds it (guardian object permissions, directly or through a
    role group): the pupil queries filter by these ids instead of permission subqueries.
    """

    school_roles: dict
    foundation_roles: frozenset
    capabilities: frozenset
    is_parent: bool
    is_pupil: bool
    is_admin: bool = False  # Django-admin users (is_staff / is_superuser)
    foundation_ids: frozenset = frozenset()
    foundations_by_role: dict = field(default_factory=dict)  # role -> foundation ids
    school_scope: dict = field(default_factory=dict)
    class_scope: dict = field(default_factory=dict)
    class_schools: dict = field(default_factory=dict)  # class id -> school id (scope classes)
    child_ids: frozenset = frozenset()  # pupils the person holds parental authority over
    own_pupil_ids: frozenset = frozenset()  # the person's own pupil record(s)
    devices: frozenset = frozenset()  # persistent ids of confirmed two-factor devices

    @property
    def is_staff_person(self) -> bool:
        """Same answer as ``is_staff_person(user)``: must use two-factor sign-in."""
        return bool(self.school_roles or self.foundation_roles or self.is_admin)

    def has_school_role(self, *roles: str) -> bool:
        return any(set(roles) & held for held in self.school_roles.values())

    def has_foundation_role(self, *roles: str) -> bool:
        return bool(set(roles) & self.foundation_roles)

    def school_ids_with_role(self, *roles: str) -> set[int]:
        wanted = set(roles)
        return {school_id for school_id, held in self.school_roles.items() if held & wanted}

    def school_ids_with(self, *capabilities: str) -> set[int]:
        return set().union(*(self.school_scope.get(str(c), ()) for c in capabilities))

    def class_ids_with(self, *capabilities: str) -> set[int]:
        return set().union(*(self.class_scope.get(str(c), ()) for c in capabilities))


_EMPTY = AccessSummary({}, frozenset(), frozenset(), False, False)


def _compute_summary(user) -> AccessSummary:
    today = timezone.localdate()
    roles: dict[int, set[str]] = {}
    capabilities: set[str] = set()
    foundation_role_set: set[str] = set()
    foundation_ids: set[int] = set()
    foundations_by_role: dict[str, set[int]] = {}
    school_scope: dict[str, set[int]] = {}
    class_scope: dict[str, set[int]] = {}
    class_schools: dict[int, int] = {}
    child_ids: set[int] = set()
    own_ids: set[int] = set()
    enrolled = False
    devices: set[str] = set()
    known = set(Capability.values)
    for kind, a, b, c in _scope_query(user, today):
        if kind == "school_role":
            roles.setdefault(a, set()).add(c)
            capabilities |= SCHOOL_ROLE_CAPABILITIES.get(c, frozenset())
        elif kind == "class_role":
            roles.setdefault(a, set()).add(SchoolRole.LEERKRACHT)
            capabilities |= CLASS_ROLE_CAPABILITIES.get(c, frozenset())
        elif kind == "foundation_role":
            foundation_role_set.add(c)
            foundation_ids.add(a)
            foundations_by_role.setdefault(c, set()).add(a)
        elif kind == "child":
            child_ids.add(a)
        elif kind == "own_record":
            own_ids.add(a)
            enrolled = enrolled or c == "enrolled"
        elif kind == "school_perm" and c in known:
            school_scope.setdefault(c, set()).add(a)
        elif kind == "class_perm" and c in known:
            class_scope.setdefault(c, set()).add(b)
            class_schools[b] = a
        elif kind == "device":
            devices.add(f"{c}/{a}")
    return AccessSummary(
        school_roles=roles,
        foundation_roles=frozenset(foundation_role_set),
        # From the role ceilings of roles.py, the same mapping the guardian groups are made of.
        capabilities=frozenset(capabilities),
        is_parent=bool(child_ids),
        is_pupil=enrolled,
        is_admin=bool(user.is_staff or user.is_superuser),
        foundation_ids=frozenset(foundation_ids),
        foundations_by_role={k: frozenset(v) for k, v in foundations_by_role.items()},
        school_scope={k: frozenset(v) for k, v in school_scope.items()},
        class_scope={k: frozenset(v) for k, v in class_scope.items()},
        class_schools=class_schools,
        child_ids=frozenset(child_ids),
        own_pupil_ids=frozenset(own_ids),
        devices=frozenset(devices),
    )


def summary(user) -> AccessSummary:
    """The person's roles, capabilities and scope today: one query, kept for the request."""
    if not _signed_in(user):
        return _EMPTY
    cache = _request_cache.get()
    if cache is None:
        return _compute_summary(user)
    key = (user.pk, user.is_staff, user.is_superuser)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _compute_summary(user)
    return found


# --- Roles -----------------------------------------------------------------------------------


def foundation_roles(user, *, day: date | None = None) -> set[str]:
    """The foundation-wide roles (cvb, fg, beheerder) the user holds today."""
    if not _signed_in(user):
        return set()
    if day is None:
        return set(summary(user).foundation_roles)
    return set(
        FoundationRole.objects.active_on(_today(day))
        .filter(user=user)
        .values_list("role", flat=True)
    )


def has_foundation_role(user, *roles: str, day: date | None = None) -> bool:
    if not _signed_in(user):
        return False
    if day is None:
        return summary(user).has_foundation_role(*roles)
    return FoundationRole.objects.active_on(_today(day)).filter(user=user, role__in=roles).exists()


def school_roles(user, *, day: date | None = None) -> dict[int, set[str]]:
    """Per school id, the school roles the user holds today (teachers also through a class)."""
    if not _signed_in(user):
        return {}
    if day is None:
        return {school_id: set(held) for school_id, held in summary(user).school_roles.items()}
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
    if day is None:
        return School.objects.filter(pk__in=sorted(summary(user).school_ids_with_role(*roles)))
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
    if day is None:
        return summary(user).is_staff_person
    today = _today(day)
    return (
        StaffMembership.objects.active_on(today).filter(user=user).exists()
        or ClassAssignment.objects.active_on(today).filter(user=user).exists()
        or FoundationRole.objects.active_on(today).filter(user=user).exists()
        or user.is_staff
        or user.is_superuser
    )


def is_parent(user) -> bool:
    return _signed_in(user) and summary(user).is_parent


def is_pupil(user) -> bool:
    return _signed_in(user) and summary(user).is_pupil


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
    return Foundation.objects.filter(pk__in=sorted(summary(user).foundation_ids))


# --- Schools and classes ---------------------------------------------------------------------


def school_ids_with_capability(user, *capabilities: str) -> set[int]:
    """Ids of the schools on which the user holds any of ``capabilities`` (school-wide role)."""
    if not _signed_in(user):
        return set()
    return summary(user).school_ids_with(*capabilities)


def class_ids_with_capability(user, *capabilities: str) -> set[int]:
    """Ids of the classes on which the user holds any of ``capabilities`` (class role)."""
    if not _signed_in(user):
        return set()
    return summary(user).class_ids_with(*capabilities)


def schools_with_capability(user, *capabilities: str) -> QuerySet[School]:
    """Schools on which the user holds any of ``capabilities`` through a school-wide role."""
    return School.objects.filter(pk__in=sorted(school_ids_with_capability(user, *capabilities)))


def classes_with_capability(user, *capabilities: str) -> QuerySet[SchoolClass]:
    """Classes on which the user holds any of ``capabilities`` through a class role."""
    return SchoolClass.objects.filter(pk__in=sorted(class_ids_with_capability(user, *capabilities)))


def visible_schools(user) -> QuerySet[School]:
    """Schools the user works at, or all schools of their foundation for foundation roles."""
    if not _signed_in(user):
        return School.objects.none()
    facts = summary(user)
    return School.objects.filter(
        Q(pk__in=sorted(facts.school_roles)) | Q(foundation_id__in=sorted(facts.foundation_ids))
    )


def visible_classes(user, capability: str = Capability.PUPIL_BASIC) -> QuerySet[SchoolClass]:
    """Classes whose pupils the user may see with ``capability``: all classes of a school where
    a school-wide role grants it, plus the classes the user teaches."""
    return SchoolClass.objects.filter(
        Q(school_id__in=sorted(school_ids_with_capability(user, capability)))
        | Q(pk__in=sorted(class_ids_with_capability(user, capability)))
    )


# --- Pupils ----------------------------------------------------------------------------------


def _any_of(conditions: list[Q]) -> Q | None:
    return reduce(or_, conditions) if conditions else None


def staff_pupil_condition(user, capability: str = Capability.PUPIL_BASIC) -> Q | None:
    """The filter for pupils the user reaches as staff with ``capability``, from the ids of the
    request's access scope: ``school_id IN (…)`` or an enrolment in one of the class ids.
    None when the user reaches no pupil as staff."""
    from students.models import Enrolment

    if not _signed_in(user):
        return None
    facts = summary(user)
    conditions = []
    school_ids = facts.school_ids_with(capability)
    if school_ids:
        conditions.append(Q(school_id__in=sorted(school_ids)))
    class_ids = facts.class_ids_with(capability)
    if class_ids:
        conditions.append(
            Q(
                pk__in=Enrolment.objects.filter(school_class_id__in=sorted(class_ids)).values(
                    "pupil_id"
                )
            )
        )
    return _any_of(conditions)


def visible_pupils(user, capability: str = Capability.PUPIL_BASIC):
    """Pupils the user may see as staff with ``capability``, as a parent with parental
    authority, or as the pupil themself. One query filtered by ids, no per-row checks."""
    from students.models import Pupil

    if not _signed_in(user):
        return Pupil.objects.none()
    facts = summary(user)
    conditions = []
    staff = staff_pupil_condition(user, capability)
    if staff is not None:
        conditions.append(staff)
    own = facts.child_ids | facts.own_pupil_ids
    if own:
        conditions.append(Q(pk__in=sorted(own)))
    condition = _any_of(conditions)
    return Pupil.objects.filter(condition) if condition is not None else Pupil.objects.none()


def pupil_capabilities(user, pupil) -> frozenset[str]:
    """The staff capabilities the user holds for this pupil (school-wide or through a class).

    From the request's access scope: the pupil's school, and the pupil's enrolments in classes
    the user holds a class role on (one query for those, kept for the request, whatever the
    length of the pupil's history)."""
    from students.models import Enrolment

    if not _signed_in(user):
        return frozenset()
    facts = summary(user)
    capabilities = {c for c, ids in facts.school_scope.items() if pupil.school_id in ids}
    if facts.class_scope:
        cache = _request_cache.get()
        key = ("pupil_classes", user.pk, pupil.pk)
        class_ids = cache.get(key) if cache is not None else None
        if class_ids is None:
            all_class_ids = set(facts.class_schools)
            class_ids = frozenset(
                Enrolment.objects.filter(
                    pupil_id=pupil.pk, school_class_id__in=sorted(all_class_ids)
                ).values_list("school_class_id", flat=True)
            )
            if cache is not None:
                cache[key] = class_ids
        capabilities |= {c for c, ids in facts.class_scope.items() if ids & class_ids}
    return frozenset(capabilities & set(Capability.values))


def is_parent_with_authority(user, pupil) -> bool:
    if not _signed_in(user):
        return False
    return pupil.pk in summary(user).child_ids


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


# --- foundation-wide roles ---


def foundations_with_role(user, *roles: str, day: date | None = None) -> QuerySet[Foundation]:
    """Foundations in which the user holds one of the foundation-wide ``roles`` today."""
    if not _signed_in(user):
        return Foundation.objects.none()
    if day is None:
        facts = summary(user)
        ids = set().union(*(facts.foundations_by_role.get(role, ()) for role in roles))
        return Foundation.objects.filter(pk__in=sorted(ids))
    held = FoundationRole.objects.active_on(_today(day)).filter(user=user, role__in=roles)
    return Foundation.objects.filter(pk__in=held.values("foundation_id"))


# --- the foundation overview ---


@dataclass(frozen=True)
class OverviewScope:
    """Whose figures a user sees on the foundation overview: every school of ``foundation``
    (``school_ids`` is ``None``: the CvB and the FG), or only ``school_ids`` (a directie, who
    sees their own schools' figures and never another school's, not even in a total)."""

    foundation: Foundation
    school_ids: frozenset[int] | None = None

    @property
    def whole_foundation(self) -> bool:
        return self.school_ids is None


def overview_scope(user) -> OverviewScope | None:
    """The overview the user may open, or ``None``. Foundation-wide figures are for the CvB
    and the FG; a directie gets the same page over the schools they lead today (R11: no more
    than needed). Other roles get none."""
    if not _signed_in(user):
        return None
    facts = summary(user)
    foundation_ids = set().union(
        *(
            facts.foundations_by_role.get(role, ())
            for role in (FoundationRoleKind.CVB, FoundationRoleKind.FG)
        )
    )
    if foundation_ids:
        return OverviewScope(Foundation.objects.get(pk=min(foundation_ids)))
    school_ids = facts.school_ids_with_role(SchoolRole.DIRECTIE)
    if not school_ids:
        return None
    schools = School.objects.filter(pk__in=school_ids).order_by("foundation_id", "pk")
    first = schools.select_related("foundation").first()
    if first is None:
        return None
    own = frozenset(s.pk for s in schools if s.foundation_id == first.foundation_id)
    return OverviewScope(first.foundation, own)
