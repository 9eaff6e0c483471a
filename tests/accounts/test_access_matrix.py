"""R11/R12 as a matrix: for each persona, which schools, classes and pupils it reaches."""

import pytest

from accounts import access
from accounts.roles import Audience, Sensitivity

pytestmark = pytest.mark.django_db

PUPILS = ["pupil", "pupil_other_class", "pupil_other_school"]

# persona -> pupils it may see (any capability, or as parent / the pupil itself)
EXPECTED_PUPILS = {
    "directie": {"pupil", "pupil_other_class"},
    "ib": {"pupil", "pupil_other_class"},
    "administratie": {"pupil", "pupil_other_class"},
    "concierge": {"pupil", "pupil_other_class"},
    "teacher": {"pupil"},
    "other_teacher": {"pupil_other_class"},
    "teacher_other_school": {"pupil_other_school"},
    "directie_other_school": {"pupil_other_school"},
    "cvb": set(),
    "fg": set(),
    "beheerder": set(),
    "parent": {"pupil"},
    "parent_without_authority": set(),
    "pupil_user": {"pupil"},
    "outsider": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_PUPILS))
def test_each_role_reaches_exactly_its_pupils(world, persona):
    user = getattr(world, persona)
    visible = set(access.visible_pupils(user).values_list("pk", flat=True))
    expected = {getattr(world, name).pk for name in EXPECTED_PUPILS[persona]}
    assert visible == expected
    for name in PUPILS:
        assert access.can_see_pupil(user, getattr(world, name)) == (
            name in EXPECTED_PUPILS[persona]
        )


EXPECTED_CLASSES = {
    "directie": {"class_5a", "class_6b"},
    "ib": {"class_5a", "class_6b"},
    "concierge": {"class_5a", "class_6b"},
    "teacher": {"class_5a"},
    "teacher_other_school": {"class_7c"},
    "cvb": set(),
    "fg": set(),
    "parent": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_CLASSES))
def test_each_role_reaches_exactly_its_classes(world, persona):
    visible = set(access.visible_classes(getattr(world, persona)).values_list("pk", flat=True))
    assert visible == {getattr(world, name).pk for name in EXPECTED_CLASSES[persona]}


EXPECTED_SCHOOLS = {
    "directie": {"school"},
    "teacher": {"school"},
    "concierge": {"school"},
    "teacher_other_school": {"other_school"},
    "cvb": {"school", "other_school"},
    "fg": {"school", "other_school"},
    "parent": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_SCHOOLS))
def test_each_role_reaches_exactly_its_schools(world, persona):
    visible = set(access.visible_schools(getattr(world, persona)).values_list("pk", flat=True))
    assert visible == {getattr(world, name).pk for name in EXPECTED_SCHOOLS[persona]}


@pytest.mark.parametrize(
    ("persona", "ceiling"),
    [
        ("directie", Sensitivity.VERY_SENSITIVE),
        ("ib", Sensitivity.VERY_SENSITIVE),
        ("teacher", Sensitivity.SENSITIVE),
        ("administratie", Sensitivity.PUBLIC),
        ("concierge", Sensitivity.PUBLIC),
        ("other_teacher", None),
        ("directie_other_school", None),
        ("cvb", None),
        ("fg", None),
        ("outsider", None),
    ],
)
def test_sensitivity_ceiling_follows_role(world, persona, ceiling):
    assert access.sensitivity_ceiling(getattr(world, persona), world.pupil) == ceiling


@pytest.mark.parametrize(
    ("persona", "highest_audience"),
    [
        ("directie", Audience.DIRECTIE),
        ("ib", Audience.IB),
        ("teacher", Audience.LEERKRACHT),
        ("pupil_user", Audience.LEERLING),
        ("concierge", None),
        ("administratie", None),
        ("other_teacher", None),
        ("parent", None),
    ],
)
def test_document_hierarchy_sees_own_level_and_levels_to_the_right(
    world, persona, highest_audience
):
    user = getattr(world, persona)
    for audience in Audience:
        expected = highest_audience is not None and audience <= highest_audience
        assert access.may_see_audience(user, world.pupil, audience) == expected


def test_teacher_who_leaves_the_class_loses_access_at_once(world):
    from accounts import services

    assignment = world.teacher.class_assignments.get()
    services.class_assignment_end(assignment=assignment)
    assert not access.can_see_pupil(world.teacher, world.pupil)
    assert not access.visible_pupils(world.teacher).exists()


def test_ended_membership_gives_no_access(world):
    from accounts import services

    membership = world.directie.staff_memberships.get()
    services.staff_membership_end(membership=membership)
    assert not access.visible_pupils(world.directie).exists()
    assert access.sensitivity_ceiling(world.directie, world.pupil) is None


def test_future_membership_gives_no_access_before_its_start(world, time_machine):
    from datetime import date, timedelta

    from django.utils import timezone

    from accounts import services
    from tests.factories import UserFactory

    newcomer = UserFactory()
    start = timezone.localdate() + timedelta(days=3)
    services.staff_membership_create(
        user=newcomer, school=world.school, role="ib", start_date=start
    )
    assert not access.visible_pupils(newcomer).exists()
    time_machine.move_to(date.fromordinal(start.toordinal()).isoformat() + "T09:00:00+01:00")
    services.sync_all_user_groups()
    newcomer.refresh_from_db()
    assert access.can_see_pupil(newcomer, world.pupil)


def test_deactivated_person_sees_nothing(world):
    world.directie.is_active = False
    world.directie.save()
    assert not access.visible_pupils(world.directie).exists()
    assert not access.visible_schools(world.directie).exists()
