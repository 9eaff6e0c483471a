"""Every change to people, memberships and role groups goes through these functions.

They keep the guardian role groups in step with the dated memberships, so that access starts
on a membership's start date and ends the moment it ends (R11, R16).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts import access
from accounts.models import (
    ClassAssignment,
    Foundation,
    FoundationRole,
    RoleGroup,
    School,
    SchoolClass,
    StaffMembership,
    User,
)
from accounts.roles import (
    CLASS_ROLE_CAPABILITIES,
    SCHOOL_ROLE_CAPABILITIES,
    Capability,
    FoundationRoleKind,
    SchoolRole,
)


def _grant(group: Group, capabilities, target) -> None:
    for capability in capabilities:
        assign_perm(f"accounts.{capability}", group, target)


def role_group_for_school(school: School, role: str) -> Group:
    """The group of everybody holding ``role`` at ``school``, with its object permissions."""
    existing = RoleGroup.objects.filter(school=school, role=role).select_related("group").first()
    if existing:
        return existing.group
    with transaction.atomic():
        group = Group.objects.create(name=f"school:{school.pk}:{role}")
        RoleGroup.objects.create(group=group, school=school, role=role)
        _grant(group, SCHOOL_ROLE_CAPABILITIES[role], school)
    return group


def role_group_for_class(school_class: SchoolClass, role: str) -> Group:
    existing = (
        RoleGroup.objects.filter(school_class=school_class, role=role)
        .select_related("group")
        .first()
    )
    if existing:
        return existing.group
    with transaction.atomic():
        group = Group.objects.create(name=f"class:{school_class.pk}:{role}")
        RoleGroup.objects.create(group=group, school_class=school_class, role=role)
        _grant(group, CLASS_ROLE_CAPABILITIES[role], school_class)
    return group


ADMINISTRATORS_GROUP = "beheerders"
# The functional administrator maintains the organisation in the Django admin; pupil files are
# deliberately not in this list (access.py never accepts global permissions for pupil data).
ADMINISTRATOR_MODELS = [
    "foundation",
    "school",
    "schoolclass",
    "user",
    "staffmembership",
    "classassignment",
    "foundationrole",
]


def administrators_group() -> Group:
    from django.contrib.auth.models import Permission

    group, created = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    if created:
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="accounts", content_type__model__in=ADMINISTRATOR_MODELS
            ).exclude(codename__in=list(Capability.values))
        )
    return group


@transaction.atomic
def sync_user_groups(user: User, *, day: date | None = None) -> None:
    """Make the user's role-group memberships match the memberships in force on ``day``."""
    today = day or timezone.localdate()
    wanted: set[int] = set()
    is_administrator = (
        user.is_active
        and FoundationRole.objects.active_on(today)
        .filter(user=user, role=FoundationRoleKind.BEHEERDER)
        .exists()
    )
    if is_administrator:
        wanted.add(administrators_group().pk)
    if is_administrator and not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    if user.is_active:
        for membership in (
            StaffMembership.objects.active_on(today).filter(user=user).select_related("school")
        ):
            wanted.add(role_group_for_school(membership.school, membership.role).pk)
        for assignment in (
            ClassAssignment.objects.active_on(today)
            .filter(user=user)
            .select_related("school_class")
        ):
            wanted.add(role_group_for_class(assignment.school_class, assignment.role).pk)
    current = set(
        user.groups.filter(Q(role_group__isnull=False) | Q(name=ADMINISTRATORS_GROUP)).values_list(
            "pk", flat=True
        )
    )
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))
    User.objects.filter(pk=user.pk).update(access_synced_on=today)
    user.access_synced_on = today
    access.forget()  # the request's access summaries were computed from the old groups


def sync_all_user_groups(*, day: date | None = None) -> int:
    """The daily job: applies memberships that started or ended since the last sync, and takes
    role groups away from people whose memberships are gone altogether."""
    people = User.objects.filter(
        Q(staff_memberships__isnull=False)
        | Q(class_assignments__isnull=False)
        | Q(foundation_roles__isnull=False)
        | Q(groups__role_group__isnull=False)
    ).distinct()
    count = 0
    for user in people.iterator():
        sync_user_groups(user, day=day)
        count += 1
    return count


@transaction.atomic
def class_role_groups_prune(*, day: date | None = None) -> int:
    """Remove the role groups of classes whose school year has ended and that nobody teaches
    any more (no assignment in force), with their guardian permissions and memberships.

    Without this every school year left ~20 groups per school and three permission rows per
    class behind, so the permission tables grew by a school's worth each year although no one
    could use them. A class that gets a teacher again later gets a new group on the next sync
    (``role_group_for_class``). Returns the number of groups removed.
    """
    from django.db.models import Exists, OuterRef

    from accounts.models import SchoolClassGroupObjectPermission, school_year_of

    today = day or timezone.localdate()
    taught = ClassAssignment.objects.active_on(today).filter(
        school_class_id=OuterRef("school_class_id")
    )
    stale = (
        RoleGroup.objects.select_for_update()
        .filter(school_class__isnull=False, school_class__school_year__lt=school_year_of(today))
        .exclude(Exists(taught))
    )
    group_ids = list(stale.values_list("group_id", flat=True))
    if not group_ids:
        return 0
    SchoolClassGroupObjectPermission.objects.filter(group_id__in=group_ids).delete()
    User.groups.through.objects.filter(group_id__in=group_ids).delete()
    RoleGroup.objects.filter(group_id__in=group_ids).delete()
    Group.objects.filter(pk__in=group_ids).delete()
    access.forget()
    return len(group_ids)


def _validated(instance):
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def user_create(
    *, email: str, first_name: str = "", last_name: str = "", password: str | None = None
) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Er bestaat al een account met dit e-mailadres.")})
    user = User(email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def staff_membership_create(
    *,
    user: User,
    school: School,
    role: str,
    start_date: date | None = None,
    end_date: date | None = None,
) -> StaffMembership:
    """Give a person a role at a school; it takes effect on its start date, not before."""
    if role not in SchoolRole.values:
        raise ValidationError({"role": _("Onbekende rol.")})
    membership = _validated(
        StaffMembership(
            user=user,
            school=school,
            role=role,
            start_date=start_date or timezone.localdate(),
            end_date=end_date,
        )
    )
    sync_user_groups(user)
    return membership


def _end_membership(membership, end_date: date | None) -> None:
    """End a dated membership on ``end_date``; without a date it ends now, so that access stops
    at once: the last day in force becomes yesterday, or the membership goes if it never began."""
    today = timezone.localdate()
    if end_date is None and membership.start_date >= today:
        membership.delete()
        return
    membership.end_date = end_date or today - timedelta(days=1)
    _validated(membership)


@transaction.atomic
def staff_membership_end(*, membership: StaffMembership, end_date: date | None = None) -> None:
    """End a role at a school (on a date, or at once)."""
    _end_membership(membership, end_date)
    sync_user_groups(membership.user)


@transaction.atomic
def class_assignment_create(
    *,
    user: User,
    school_class: SchoolClass,
    start_date: date | None = None,
    end_date: date | None = None,
) -> ClassAssignment:
    assignment = _validated(
        ClassAssignment(
            user=user,
            school_class=school_class,
            start_date=start_date or timezone.localdate(),
            end_date=end_date,
        )
    )
    sync_user_groups(user)
    return assignment


@transaction.atomic
def class_assignment_end(*, assignment: ClassAssignment, end_date: date | None = None) -> None:
    """A teacher leaves a class (on a date, or at once)."""
    _end_membership(assignment, end_date)
    sync_user_groups(assignment.user)


@transaction.atomic
def foundation_role_create(
    *,
    user: User,
    foundation: Foundation,
    role: str,
    start_date: date | None = None,
    end_date: date | None = None,
) -> FoundationRole:
    role_record = _validated(
        FoundationRole(
            user=user,
            foundation=foundation,
            role=role,
            start_date=start_date or timezone.localdate(),
            end_date=end_date,
        )
    )
    sync_user_groups(user)
    return role_record


@transaction.atomic
def foundation_role_end(*, role: FoundationRole, end_date: date | None = None) -> None:
    """End a foundation-wide role (on a date, or at once); used when the FG registration
    changes (R18), so that the registration stays the source of truth for who acts as FG."""
    _end_membership(role, end_date)
    sync_user_groups(role.user)


# --- offboarding ---
# Used by governance.services when a staff member leaves (R16): access is blocked at once.


def user_sessions_end(*, user: User) -> int:
    """End every open session of ``user`` in the session store; returns how many ended.

    Sessions are found by decoding the stored sessions that have not expired yet: the session
    store keeps no index by user, and the number of live sessions of a foundation is small.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = str(user.pk)
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == wanted
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def user_reset_links_revoke(*, user: User) -> None:
    """Make outstanding password-reset links of ``user`` invalid.

    Django's reset token hashes the last-login time; moving it invalidates every link issued
    before, without touching the password.
    """
    # The token uses whole seconds: make sure the new value differs from the old one.
    moved = timezone.now().replace(microsecond=0)
    if user.last_login and user.last_login.replace(microsecond=0) >= moved:
        moved = user.last_login.replace(microsecond=0) + timedelta(seconds=1)
    User.objects.filter(pk=user.pk).update(last_login=moved)
    user.refresh_from_db(fields=["last_login"])


def user_object_permissions_remove(*, user: User, schools=None) -> int:
    """Remove object permissions granted to ``user`` directly (not through a role group) on
    the given schools and their classes, or everywhere when ``schools`` is None."""
    from guardian.models import UserObjectPermission

    from accounts.models import SchoolClassUserObjectPermission, SchoolUserObjectPermission

    on_schools = SchoolUserObjectPermission.objects.filter(user=user)
    on_classes = SchoolClassUserObjectPermission.objects.filter(user=user)
    if schools is not None:
        on_schools = on_schools.filter(content_object__in=schools)
        on_classes = on_classes.filter(content_object__school__in=schools)
    removed = on_schools.delete()[0] + on_classes.delete()[0]
    if schools is None:
        removed += UserObjectPermission.objects.filter(user=user).delete()[0]
    return removed


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Close an account: it can no longer sign in, its password and reset links stop working,
    its two-factor devices are deleted and it leaves every role group and object permission.
    Open sessions are ended separately with ``user_sessions_end``."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password", "password_changed_at"])
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_object_permissions_remove(user=user)
    user.groups.clear()
    sync_user_groups(user)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    """Remember the interface language a person chose, so it applies again at each sign-in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"preferred_language": _("Deze taal wordt niet ondersteund.")})
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.preferred_language != language:
        locked.preferred_language = language
        locked.save(update_fields=["preferred_language"])
    user.preferred_language = language
