"""The "Wijzigingen" view: the directie and the FG read who changed what and when; values only
where that reader may see them, and masked values were never kept."""

import pytest
from auditlog.context import set_actor
from django.urls import reverse
from django.utils.html import escape

from students import services

pytestmark = pytest.mark.django_db


def url(pupil):
    return reverse("students:change_history", args=[pupil.pk])


@pytest.fixture
def changed(world):
    # In a request auditlog's middleware names the actor; here the test does.
    with set_actor(world.administratie):
        services.pupil_update(
            actor=world.administratie,
            pupil=world.pupil,
            category_key="enrolment",
            data={"previous_school": "De Eik"},
        )
    services.pupil_update(
        actor=world.ib,
        pupil=world.pupil,
        category_key="medical",
        data={"medical_information": "Epilepsie"},
    )
    return world


def test_directie_sees_who_changed_which_field_with_visible_values(client_for, changed):
    response = client_for(changed.directie).get(url(changed.pupil))
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(changed.administratie.get_full_name()) in page
    assert "De Eik" in page
    assert "Medische gegevens en diagnoses" in page
    assert "Epilepsie" not in page  # masked: never kept


def test_fg_sees_which_fields_changed_but_no_values(client_for, changed):
    response = client_for(changed.fg).get(url(changed.pupil))
    page = response.content.decode()
    assert response.status_code == 200
    assert "School van vorige" in page or "Vorige school" in page
    assert "De Eik" not in page


@pytest.mark.parametrize("persona", ["ib", "teacher", "administratie", "concierge"])
def test_other_staff_of_the_school_are_refused(client_for, changed, persona):
    assert client_for(getattr(changed, persona)).get(url(changed.pupil)).status_code == 403


@pytest.mark.parametrize(
    "persona", ["directie_other_school", "teacher_other_school", "cvb", "parent", "outsider"]
)
def test_outsiders_do_not_find_the_changes(client_for, changed, persona):
    assert client_for(getattr(changed, persona)).get(url(changed.pupil)).status_code == 404
