"""The access matrix (R11, R12): which categories of a pupil's data each role sees, for a
pupil in the user's own class, another class, another school, after a membership ended, and
for parents and the pupil themself."""

import pytest

from accounts import services as account_services
from accounts.models import ClassAssignment, StaffMembership
from students import registry, selectors

ALL = {c.key for c in registry.CATEGORIES}
ADMINISTRATIVE = {
    "identification",
    "personal_details",
    "enrolment",
    "parents",
    "contact",
    "citizen_number",
    "allergies",
    "beeldmateriaal",
}
TEACHER = {
    "identification",
    "personal_details",
    "enrolment",
    "parents",
    "allergies",
    "results",
    "beeldmateriaal",
}
CONCIERGE = {"identification", "parents"}

# persona -> (categories of ``pupil`` in 5a, of ``pupil_other_class`` in 6b, of another school)
MATRIX = {
    "directie": (ALL, ALL, set()),
    "ib": (ALL, ALL, set()),
    "administratie": (ADMINISTRATIVE, ADMINISTRATIVE, set()),
    "concierge": (CONCIERGE, CONCIERGE, set()),
    "teacher": (TEACHER, set(), set()),
    "other_teacher": (set(), TEACHER, set()),
    "teacher_other_school": (set(), set(), TEACHER),
    "directie_other_school": (set(), set(), ALL),
    "cvb": (set(), set(), set()),
    "fg": (set(), set(), set()),
    "beheerder": (set(), set(), set()),
    "parent": (set(), set(), set()),
    "parent_without_authority": (set(), set(), set()),
    "pupil_user": (set(), set(), set()),
    "outsider": (set(), set(), set()),
}


def _keys(user, pupil):
    return {c.key for c in selectors.visible_categories(user, pupil)}


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_each_role_sees_exactly_its_categories_of_each_kind_of_pupil(world, persona):
    user = getattr(world, persona)
    own, other_class, other_school = MATRIX[persona]
    assert _keys(user, world.pupil) == own
    assert _keys(user, world.pupil_other_class) == other_class
    assert _keys(user, world.pupil_other_school) == other_school


def test_teacher_sees_allergies_but_not_a_diagnosis_of_a_pupil_in_their_class(world):
    keys = _keys(world.teacher, world.pupil)
    assert "allergies" in keys
    assert "medical" not in keys
    assert "care" not in keys


def test_teacher_cannot_see_diagnosis_of_pupil_in_other_class(world):
    assert "medical" not in _keys(world.teacher, world.pupil_other_class)
    assert "allergies" not in _keys(world.teacher, world.pupil_other_class)


def test_concierge_sees_names_and_emergency_contacts_only(world):
    assert _keys(world.concierge, world.pupil) == {"identification", "parents"}


def test_ib_sees_care_notes_of_every_pupil_of_the_whole_school(world):
    assert "care" in _keys(world.ib, world.pupil)
    assert "care" in _keys(world.ib, world.pupil_other_class)
    assert "care" not in _keys(world.ib, world.pupil_other_school)


def test_directie_sees_everything_of_its_school_and_nothing_of_another_school(world):
    assert _keys(world.directie, world.pupil) == ALL
    assert _keys(world.directie, world.pupil_other_school) == set()


def test_teacher_whose_class_assignment_ended_sees_nothing_of_the_class(world):
    assignment = ClassAssignment.objects.get(user=world.teacher)
    account_services.class_assignment_end(assignment=assignment)
    assert _keys(world.teacher, world.pupil) == set()
    assert not selectors.staff_pupils(world.teacher).exists()


def test_ib_whose_membership_ended_sees_no_care_notes(world):
    membership = StaffMembership.objects.get(user=world.ib)
    account_services.staff_membership_end(membership=membership)
    assert _keys(world.ib, world.pupil) == set()


def test_a_secret_address_is_hidden_from_administration_but_not_from_ib(world):
    world.pupil.contact_is_secret = True
    world.pupil.save()
    assert "contact" not in _keys(world.administratie, world.pupil)
    assert "contact" in _keys(world.ib, world.pupil)


@pytest.mark.parametrize(
    "persona", ["parent", "parent_without_authority", "pupil_user", "outsider", "fg", "cvb"]
)
def test_non_staff_and_foundation_roles_have_no_staff_pupil_list(world, persona):
    assert not selectors.staff_pupils(getattr(world, persona)).exists()


def test_only_directie_of_the_school_and_the_fg_may_read_access_records(world):
    allowed = {"directie", "fg"}
    for persona in MATRIX:
        user = getattr(world, persona)
        assert selectors.may_read_access_records(user, world.pupil) == (persona in allowed), persona
