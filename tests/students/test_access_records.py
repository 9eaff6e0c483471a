"""Access records (R11, R12): reads of very sensitive data are recorded, and the directie of
the school and the FG see per pupil who looked at what."""

import pytest
from django.urls import reverse

from tests.students.factories import DossierEntryFactory


def log_url(pupil):
    return reverse("students:access_log", args=[pupil.pk])


def test_directie_sees_that_the_ib_read_a_care_note(world, client_for):
    entry = DossierEntryFactory(pupil=world.pupil, title="Gesprek met moeder")
    client_for(world.ib).get(reverse("students:dossier_entry", args=[world.pupil.pk, entry.pk]))
    page = client_for(world.directie).get(log_url(world.pupil)).content.decode()
    assert world.ib.get_full_name() in page
    assert "Zorg en begeleiding" in page
    assert "Gesprek met moeder" in page


def test_fg_of_the_foundation_reads_the_access_records_too(world, client_for):
    client_for(world.ib).get(reverse("students:pupil_detail", args=[world.pupil.pk]))
    response = client_for(world.fg).get(log_url(world.pupil))
    assert response.status_code == 200
    assert "Medische gegevens en diagnoses" in response.content.decode()


def test_fg_overview_lists_recent_reads_with_a_link_per_pupil(world, client_for):
    client_for(world.ib).get(reverse("students:pupil_detail", args=[world.pupil.pk]))
    page = client_for(world.fg).get(reverse("students:access_overview")).content.decode()
    assert log_url(world.pupil) in page
    assert "Zorg en begeleiding" in page


@pytest.mark.parametrize("persona", ["ib", "teacher", "administratie", "concierge"])
def test_other_staff_of_the_school_are_refused_the_access_records(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(log_url(world.pupil)).status_code == 403


@pytest.mark.parametrize(
    "persona", ["directie_other_school", "teacher_other_school", "cvb", "parent", "outsider"]
)
def test_outsiders_do_not_find_the_access_records(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(log_url(world.pupil)).status_code == 404


def test_directie_overview_shows_only_its_own_school(world, client_for):
    client_for(world.directie_other_school).get(
        reverse("students:pupil_detail", args=[world.pupil_other_school.pk])
    )
    page = client_for(world.directie).get(reverse("students:access_overview")).content.decode()
    assert "Tess" not in page


@pytest.mark.parametrize("persona", ["ib", "teacher", "cvb", "parent"])
def test_overview_is_for_directie_and_fg_only(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(reverse("students:access_overview"))
    assert response.status_code == 403
