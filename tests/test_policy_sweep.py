"""What each persona's response contains, compared with what the field policy allows.

Every text field of the pupil gets a marker value; for each persona (including a second
foundation, a second family and a teacher whose class assignment ended) the pupil page and the
parents' page are fetched, with and without the secret-address flag. The expectation is built
from the registry and the role ceilings in ``accounts.roles`` (not from ``accounts.access``): a
marker may appear only when the persona's role shows its category, and a field the secret flag
hides only to ``registry.SECRET_AUDIENCE``."""

from datetime import date

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import ClassAssignment
from accounts.roles import CLASS_ROLE_CAPABILITIES, SCHOOL_ROLE_CAPABILITIES, Capability
from students import registry
from tests import factories as f

pytestmark = pytest.mark.django_db

TEXT_FIELDS = [
    "administration_number",
    "citizen_number",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "previous_school",
    "destination_school",
    "allergies",
    "emergency_instructions",
    "medical_information",
]


def _marker(name: str) -> str:
    # Cut to the field's length (a postcode holds seven characters): PostgreSQL, unlike SQLite,
    # refuses a longer value. The index keeps each marker unique.
    from students.models import Pupil

    marker = f"M{TEXT_FIELDS.index(name):02d}{name[:3].upper()}Q"
    return marker[: Pupil._meta.get_field(name).max_length or len(marker)]


@pytest.fixture
def sweep(world):
    for name in TEXT_FIELDS:
        setattr(world.pupil, name, _marker(name))
    world.pupil.save()
    # A second foundation, a second family, and a teacher who left the class.
    other_foundation = f.FoundationFactory(name="Stichting Elders")
    other_school = f.SchoolFactory(foundation=other_foundation)
    world.directie_other_foundation = f.staff(other_school, "directie")
    world.fg_other_foundation = f.foundation_person(other_foundation, "fg")
    world.parent_other_family = f.parent_of(world.pupil_other_class).user
    world.teacher_who_left = f.teacher_of(world.class_5a)
    account_services.class_assignment_end(
        assignment=ClassAssignment.objects.get(user=world.teacher_who_left),
        end_date=date(2021, 1, 1),
    )
    return world


# persona -> the capabilities its role gives for world.pupil (None: no pupil access at all)
STAFF = {
    "directie": SCHOOL_ROLE_CAPABILITIES["directie"],
    "ib": SCHOOL_ROLE_CAPABILITIES["ib"],
    "administratie": SCHOOL_ROLE_CAPABILITIES["administratie"],
    "concierge": SCHOOL_ROLE_CAPABILITIES["concierge"],
    "teacher": CLASS_ROLE_CAPABILITIES["leerkracht"],
    "other_teacher": None,
    "teacher_who_left": None,
    "teacher_other_school": None,
    "directie_other_school": None,
    "directie_other_foundation": None,
    "fg": None,
    "fg_other_foundation": None,
    "cvb": None,
    "beheerder": None,
    "parent": None,
    "parent_other_family": None,
    "outsider": None,
}


def _expected_staff(name: str, capabilities, secret: bool) -> bool:
    policy = registry.field_policy(f"Pupil.{name}")
    if not policy.audiences & capabilities:
        return False
    return not (policy.secret_hides and secret and registry.SECRET_AUDIENCE not in capabilities)


def _expected_parent(name: str, secret: bool) -> bool:
    policy = registry.field_policy(f"Pupil.{name}")
    category = policy.category
    if category.holds_dossier_entries or category.capability == Capability.PUPIL_VERY_SENSITIVE:
        return False  # care and medical data: reviewed first, reach parents by inspection
    return not (policy.secret_hides and secret)


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
@pytest.mark.parametrize("persona", sorted(STAFF))
def test_pupil_page_shows_exactly_what_the_policy_allows(client_for, sweep, persona, secret):
    sweep.pupil.contact_is_secret = secret
    sweep.pupil.save()
    response = client_for(getattr(sweep, persona)).get(
        reverse("students:pupil_detail", args=[sweep.pupil.pk])
    )
    capabilities = STAFF[persona]
    if capabilities is None:
        assert response.status_code in (403, 404), persona
        return
    assert response.status_code == 200
    page = response.content.decode()
    wrong = [
        name
        for name in TEXT_FIELDS
        if (_marker(name) in page) != _expected_staff(name, set(capabilities), secret)
    ]
    assert wrong == [], f"{persona}: shown or hidden against the policy: {wrong}"


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
@pytest.mark.parametrize(
    "persona", ["parent", "parent_without_authority", "parent_other_family", "directie", "outsider"]
)
def test_parents_page_shows_exactly_what_the_policy_allows(client_for, sweep, persona, secret):
    sweep.pupil.contact_is_secret = secret
    sweep.pupil.save()
    response = client_for(getattr(sweep, persona)).get(
        reverse("portal:child_detail", args=[sweep.pupil.pk])
    )
    if persona != "parent":
        assert response.status_code in (403, 404), persona
        return
    page = response.content.decode()
    wrong = [
        name for name in TEXT_FIELDS if (_marker(name) in page) != _expected_parent(name, secret)
    ]
    assert wrong == [], f"shown or hidden against the policy: {wrong}"
