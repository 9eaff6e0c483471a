"""Staff who may change the "parents" category correct a parent's details in a form."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(world, guardian, pupil=None):
    return reverse("students:guardian_edit", args=[(pupil or world.pupil).pk, guardian.pk])


def _guardian(world):
    return world.pupil.guardian_links.filter(has_parental_authority=True).get().guardian


def _data(guardian, **changes):
    data = {
        "first_name": guardian.first_name,
        "last_name": guardian.last_name,
        "email": guardian.email,
        "phone": guardian.phone,
    }
    data.update(changes)
    return data


def test_administratie_corrects_a_parents_phone_and_the_audit_log_names_them(client_for, world):
    guardian = _guardian(world)
    response = client_for(world.administratie).post(
        _url(world, guardian), _data(guardian, phone="0612345678")
    )
    assert response.status_code == 302
    guardian.refresh_from_db()
    assert guardian.phone == "0612345678"
    entry = LogEntry.objects.get_for_object(guardian).latest("timestamp")
    assert entry.actor == world.administratie
    assert entry.changes_dict["phone"][1] == "0612345678"


def test_a_wrong_phone_number_gives_a_dutch_message_and_changes_nothing(client_for, world):
    guardian = _guardian(world)
    before = guardian.phone
    response = client_for(world.administratie).post(
        _url(world, guardian), _data(guardian, phone="bel maar")
    )
    assert response.status_code == 400
    assert "telefoonnummer" in response.content.decode()
    guardian.refresh_from_db()
    assert guardian.phone == before


def test_teacher_of_the_class_may_not_change_a_parent(client_for, world):
    guardian = _guardian(world)
    assert client_for(world.teacher).get(_url(world, guardian)).status_code == 403


def test_parent_of_another_pupil_is_not_found_through_this_pupil(client_for, world):
    from tests.factories import parent_of

    other = parent_of(world.pupil_other_class)
    assert client_for(world.administratie).get(_url(world, other)).status_code == 404


def test_pupil_page_links_to_the_parent_form_for_administratie_only(client_for, world):
    guardian = _guardian(world)
    page = reverse("students:pupil_detail", args=[world.pupil.pk])
    assert _url(world, guardian) in client_for(world.administratie).get(page).content.decode()
    assert _url(world, guardian) not in client_for(world.teacher).get(page).content.decode()
