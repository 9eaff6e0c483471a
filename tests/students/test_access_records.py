"""Access records (R11, R12): reads of very sensitive data are recorded, and the directie of
the school and the FG see per pupil who looked at what."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Audience
from tests.students.factories import DossierEntryFactory


def log_url(pupil):
    return reverse("students:access_log", args=[pupil.pk])


def test_directie_sees_that_the_ib_read_a_care_note(world, client_for):
    entry = DossierEntryFactory(pupil=world.pupil, title="Gesprek met moeder")
    client_for(world.ib).get(reverse("students:dossier_entry", args=[world.pupil.pk, entry.pk]))
    page = client_for(world.directie).get(log_url(world.pupil)).content.decode()
    # The page escapes names as HTML (a generated name may hold an apostrophe: "D'Hondt").
    assert escape(world.ib.get_full_name()) in page
    assert "Zorg en begeleiding" in page
    assert "Gesprek met moeder" in page


def test_fg_of_the_foundation_reads_the_access_records_too(world, client_for):
    world.pupil.medical_information = "Astma"
    world.pupil.save()
    client_for(world.ib).get(reverse("students:pupil_detail", args=[world.pupil.pk]))
    response = client_for(world.fg).get(log_url(world.pupil))
    assert response.status_code == 200
    assert "Medische gegevens en diagnoses" in response.content.decode()


def test_fg_overview_lists_recent_reads_with_a_link_per_pupil(world, client_for):
    DossierEntryFactory(pupil=world.pupil, title="Gesprek met moeder")
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


def test_fg_reads_categories_but_never_titles_of_care_entries(world, client_for):
    entry = DossierEntryFactory(pupil=world.pupil, title="Vermoeden van huiselijk geweld")
    directie_only = DossierEntryFactory(
        pupil=world.pupil, title="Alleen voor de directie", audience=Audience.DIRECTIE
    )
    for item in (entry, directie_only):
        client_for(world.directie).get(
            reverse("students:dossier_entry", args=[world.pupil.pk, item.pk])
        )
    response = client_for(world.fg).get(log_url(world.pupil))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Zorg en begeleiding" in page
    assert "Vermoeden van huiselijk geweld" not in page
    assert "Alleen voor de directie" not in page


def test_fg_gets_no_link_to_a_pupil_page_it_cannot_open(world, client_for):
    page = client_for(world.fg).get(log_url(world.pupil)).content.decode()
    assert f'href="{reverse("students:pupil_detail", args=[world.pupil.pk])}"' not in page
    assert (
        client_for(world.fg)
        .get(reverse("students:pupil_detail", args=[world.pupil.pk]))
        .status_code
        == 404
    )


def test_the_access_log_page_showing_titles_is_itself_recorded(world, client_for):
    from privacy_portal.audit import access_records_for

    entry = DossierEntryFactory(pupil=world.pupil, title="Gesprek met moeder")
    client_for(world.ib).get(reverse("students:dossier_entry", args=[world.pupil.pk, entry.pk]))
    client_for(world.directie).get(log_url(world.pupil))
    record = access_records_for(world.pupil).filter(actor=world.directie).get()
    assert record.additional_data["what"] == "access_log"
    assert record.additional_data["categories"] == ["care"]


@pytest.mark.parametrize(
    ("category", "data"),
    [
        ("medical", {"medical_information": "Astma"}),
        ("citizen_number", {"citizen_number": "111222333"}),
    ],
)
def test_opening_the_edit_form_of_very_sensitive_data_is_recorded(
    world, client_for, category, data
):
    from privacy_portal.audit import access_records_for

    for name, value in data.items():
        setattr(world.pupil, name, value)
    world.pupil.save()
    response = client_for(world.directie).get(
        reverse("students:pupil_edit", args=[world.pupil.pk, category])
    )
    assert response.status_code == 200
    record = access_records_for(world.pupil).get()
    assert record.additional_data["categories"] == [category]


def test_opening_the_secret_address_form_is_recorded(world, client_for):
    from privacy_portal.audit import access_records_for

    world.pupil.street_address = "Schuilplaats 12"
    world.pupil.contact_is_secret = True
    world.pupil.save()
    client_for(world.directie).get(reverse("students:pupil_edit", args=[world.pupil.pk, "contact"]))
    assert access_records_for(world.pupil).get().additional_data["categories"] == ["contact"]
