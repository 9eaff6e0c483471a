"""The staff pupil screens over HTTP: list, pupil page and category edits, for every persona."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from students.models import Pupil
from tests import factories as f
from tests.students.factories import DossierEntryFactory, EmergencyContactFactory

STAFF_OF_SCHOOL = ["directie", "ib", "administratie", "concierge", "teacher"]
NOT_FOR_THIS_PUPIL = [
    "other_teacher",
    "teacher_other_school",
    "directie_other_school",
    "cvb",
    "fg",
    "beheerder",
    "parent",
    "parent_without_authority",
    "pupil_user",
    "outsider",
]


def detail_url(pupil):
    return reverse("students:pupil_detail", args=[pupil.pk])


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    for url in [reverse("students:pupil_list"), detail_url(world.pupil)]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/inloggen/" in response["Location"]


@pytest.mark.parametrize("persona", STAFF_OF_SCHOOL)
def test_staff_of_the_pupil_open_the_pupil_page(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(detail_url(world.pupil))
    assert response.status_code == 200
    assert "Mila" in response.content.decode()


@pytest.mark.parametrize("persona", NOT_FOR_THIS_PUPIL)
def test_everyone_else_gets_not_found_for_the_pupil_page(world, client_for, persona):
    response = client_for(getattr(world, persona)).get(detail_url(world.pupil))
    assert response.status_code == 404


def _fill_pupil(pupil):
    pupil.allergies = "Pinda-allergie"
    pupil.emergency_instructions = "EpiPen in de la van de leerkracht"
    pupil.medical_information = "Diagnose dyslexie"
    pupil.citizen_number = "111222333"
    pupil.street_address = "Lindelaan 4"
    pupil.save()


def test_teacher_page_shows_allergies_but_not_the_diagnosis_nor_the_bsn(world, client_for):
    _fill_pupil(world.pupil)
    page = client_for(world.teacher).get(detail_url(world.pupil)).content.decode()
    assert "Pinda-allergie" in page
    assert "EpiPen" in page
    assert "dyslexie" not in page
    assert "111222333" not in page
    assert "Lindelaan" not in page


def test_concierge_page_shows_names_and_emergency_contacts_only(world, client_for):
    _fill_pupil(world.pupil)
    EmergencyContactFactory(pupil=world.pupil, name="Oma Bep", phone="0612345678")
    page = client_for(world.concierge).get(detail_url(world.pupil)).content.decode()
    assert "Oma Bep" in page
    assert "0612345678" in page
    for secret in ["Pinda-allergie", "dyslexie", "111222333", "Lindelaan", "4 mei 2017"]:
        assert secret not in page


def test_each_category_shows_its_purpose_and_legal_basis(world, client_for):
    page = client_for(world.ib).get(detail_url(world.pupil)).content.decode()
    assert "Grondslag" in page
    assert "vitaal belang" in page  # allergies
    assert "begeleiden van leerlingen" in page  # care


def test_ib_opening_the_page_writes_one_record_naming_only_categories_with_content(
    world, client_for
):
    # Changed with issue 14: one record per response, only categories that hold something
    # (it used to be four rows, including empty categories and "secret address: no").
    world.pupil.citizen_number = "111222333"
    world.pupil.medical_information = "Astma"
    world.pupil.save()
    client_for(world.ib).get(detail_url(world.pupil))
    records = LogEntry.objects.get_for_object(world.pupil).filter(action=LogEntry.Action.ACCESS)
    record = records.get()
    assert record.actor == world.ib
    assert record.additional_data["categories"] == ["citizen_number", "medical"]


def test_opening_a_page_with_nothing_very_sensitive_writes_no_record(world, client_for):
    client_for(world.ib).get(detail_url(world.pupil))
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_teacher_opening_the_page_writes_no_access_record(world, client_for):
    client_for(world.teacher).get(detail_url(world.pupil))
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_ib_sees_a_care_note_of_a_pupil_in_any_class_of_the_school(world, client_for):
    DossierEntryFactory(pupil=world.pupil_other_class, title="Gesprek over gedrag")
    page = client_for(world.ib).get(detail_url(world.pupil_other_class)).content.decode()
    assert "Gesprek over gedrag" in page


# --- The list --------------------------------------------------------------------------------


def test_list_shows_only_pupils_in_scope(world, client_for):
    page = client_for(world.teacher).get(reverse("students:pupil_list")).content.decode()
    assert "Jansen" in page
    assert "Bakker" not in page
    assert "Visser" not in page


def test_list_searches_by_name_and_filters_by_class(world, client_for):
    client = client_for(world.directie)
    page = client.get(reverse("students:pupil_list"), {"q": "bakk"}).content.decode()
    assert "Bakker" in page and "Jansen" not in page
    page = client.get(reverse("students:pupil_list"), {"groep": world.class_5a.pk}).content.decode()
    assert "Jansen" in page and "Bakker" not in page


def test_list_with_a_class_of_another_school_in_the_filter_is_a_bad_request(world, client_for):
    response = client_for(world.directie).get(
        reverse("students:pupil_list"), {"groep": world.class_7c.pk}
    )
    assert response.status_code == 400


def test_list_is_paginated(world, client_for):
    for i in range(30):
        f.pupil_in_class(world.class_5a, last_name=f"Extra{i:02d}")
    client = client_for(world.directie)
    first = client.get(reverse("students:pupil_list")).content.decode()
    second = client.get(reverse("students:pupil_list"), {"pagina": 2}).content.decode()
    assert "Pagina 1 van 2" in first
    assert "Pagina 2 van 2" in second


@pytest.mark.parametrize("count", [10, 500])
def test_list_runs_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries, count
):
    pupils = Pupil.objects.bulk_create(
        [
            Pupil(
                school=world.school,
                first_name=f"Kind{i}",
                last_name=f"Achternaam{i:04d}",
                date_of_birth=date(2017, 1, 1),
                enrolled_on=date(2021, 8, 20),
            )
            for i in range(count)
        ]
    )
    from students.models import Enrolment

    Enrolment.objects.bulk_create(
        [Enrolment(pupil=pupil, school_class=world.class_5a) for pupil in pupils]
    )
    client = client_for(world.directie)
    client.get(reverse("students:pupil_list"))  # warm the session and access sync
    with django_assert_max_num_queries(20):
        response = client.get(reverse("students:pupil_list"))
    assert response.status_code == 200


# --- Editing ---------------------------------------------------------------------------------


def edit_url(pupil, category):
    return reverse("students:pupil_edit", args=[pupil.pk, category])


def test_administration_changes_the_bsn_after_the_eleven_test(world, client_for):
    client = client_for(world.administratie)
    response = client.post(edit_url(world.pupil, "citizen_number"), {"citizen_number": "123456789"})
    assert response.status_code == 400
    assert "elfproef" in response.content.decode()
    world.pupil.refresh_from_db()
    assert world.pupil.citizen_number == ""
    response = client.post(edit_url(world.pupil, "citizen_number"), {"citizen_number": "111222333"})
    assert response.status_code == 302
    world.pupil.refresh_from_db()
    assert world.pupil.citizen_number == "111222333"


def test_a_change_is_recorded_with_its_actor(world, client_for):
    client_for(world.administratie).post(
        edit_url(world.pupil, "citizen_number"), {"citizen_number": "111222333"}
    )
    change = (
        LogEntry.objects.get_for_object(world.pupil)
        .filter(action=LogEntry.Action.UPDATE)
        .latest("timestamp")
    )
    assert change.actor == world.administratie
    assert "citizen_number" in change.changes_dict


def test_contact_form_refuses_a_wrong_postcode_and_phone_number(world, client_for):
    response = client_for(world.administratie).post(
        edit_url(world.pupil, "contact"),
        {"street_address": "Lindelaan 4", "postal_code": "0123 XY", "city": "Ede", "phone": "12"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "geldige postcode" in page
    assert "geldig Nederlands telefoonnummer" in page
    world.pupil.refresh_from_db()
    assert world.pupil.street_address == ""


def test_contact_form_normalises_a_good_postcode(world, client_for):
    response = client_for(world.administratie).post(
        edit_url(world.pupil, "contact"),
        {"street_address": "Lindelaan 4", "postal_code": "6711ab", "city": "Ede", "phone": ""},
    )
    assert response.status_code == 302
    world.pupil.refresh_from_db()
    assert world.pupil.postal_code == "6711 AB"


def test_a_date_of_birth_in_the_future_is_refused(world, client_for):
    response = client_for(world.administratie).post(
        edit_url(world.pupil, "personal_details"),
        {"date_of_birth": "2999-01-01", "administration_number": "123"},
    )
    assert response.status_code == 400
    assert "toekomst" in response.content.decode()


def test_deregistration_before_enrolment_is_refused(world, client_for):
    response = client_for(world.administratie).post(
        edit_url(world.pupil, "enrolment"),
        {"enrolled_on": "2021-08-20", "deregistered_on": "2020-01-01"},
    )
    assert response.status_code == 400
    assert "vóór de inschrijfdatum" in response.content.decode()


def test_teacher_may_see_but_not_change_allergies(world, client_for):
    response = client_for(world.teacher).post(
        edit_url(world.pupil, "allergies"), {"allergies": "x", "emergency_instructions": ""}
    )
    assert response.status_code == 403


def test_teacher_asking_for_the_medical_form_gets_not_found(world, client_for):
    response = client_for(world.teacher).get(edit_url(world.pupil, "medical"))
    assert response.status_code == 404


def test_ib_changes_the_medical_information(world, client_for):
    response = client_for(world.ib).post(
        edit_url(world.pupil, "medical"), {"medical_information": "ADHD, medicatie om 12 uur"}
    )
    assert response.status_code == 302
    world.pupil.refresh_from_db()
    assert world.pupil.medical_information.startswith("ADHD")


def test_an_unknown_category_is_not_found(world, client_for):
    assert client_for(world.directie).get(edit_url(world.pupil, "shoe_size")).status_code == 404


def test_directie_cannot_edit_a_pupil_of_another_school(world, client_for):
    response = client_for(world.directie).post(
        edit_url(world.pupil_other_school, "medical"), {"medical_information": "x"}
    )
    assert response.status_code == 404


def test_navigation_shows_pupils_to_staff_only(world, client_for):
    home = client_for(world.concierge).get("/").content.decode()
    assert reverse("students:pupil_list") in home
    home = client_for(world.parent).get("/").content.decode()
    assert reverse("students:pupil_list") not in home


def test_every_students_url_sends_anonymous_visitors_to_the_login_page(client, world):
    """Walks the URL configuration of the app: a new view without login protection fails here."""
    from students import urls

    kwargs_for = {
        "pk": world.pupil.pk,
        "entry_pk": 1,
        "contact_pk": 1,
        "guardian_pk": 1,
        "category": "care",
    }
    for pattern in urls.urlpatterns:
        kwargs = {name: kwargs_for[name] for name in pattern.pattern.converters}
        url = reverse(f"students:{pattern.name}", kwargs=kwargs)
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/inloggen/" in response["Location"], url


def test_administration_adds_an_emergency_contact_with_a_valid_phone(world, client_for):
    client = client_for(world.administratie)
    url = reverse("students:emergency_contact_create", args=[world.pupil.pk])
    response = client.post(
        url, {"name": "Buurvrouw Els", "relationship": "buurvrouw", "phone": "12"}
    )
    assert response.status_code == 400
    assert not world.pupil.emergency_contacts.exists()
    response = client.post(url, {"name": "Buurvrouw Els", "phone": "06 12345678"})
    assert response.status_code == 302
    assert world.pupil.emergency_contacts.get().name == "Buurvrouw Els"


def test_removing_an_emergency_contact_asks_for_confirmation_first(world, client_for):
    contact = EmergencyContactFactory(pupil=world.pupil)
    client = client_for(world.administratie)
    url = reverse("students:emergency_contact_delete", args=[world.pupil.pk, contact.pk])
    assert client.get(url).status_code == 200
    assert world.pupil.emergency_contacts.exists()
    assert client.post(url).status_code == 302
    assert not world.pupil.emergency_contacts.exists()


@pytest.mark.parametrize("persona", ["concierge", "teacher"])
def test_concierge_and_teacher_see_but_do_not_change_emergency_contacts(world, client_for, persona):
    contact = EmergencyContactFactory(pupil=world.pupil)
    client = client_for(getattr(world, persona))
    url = reverse("students:emergency_contact_delete", args=[world.pupil.pk, contact.pk])
    assert client.post(url).status_code == 403
    assert world.pupil.emergency_contacts.exists()


def test_the_page_of_a_pupil_who_left_for_sbo_shows_until_when_data_is_kept(world, client_for):
    world.pupil.deregistered_on = date(2026, 7, 10)
    world.pupil.destination_school = "SBO De Brug"
    world.pupil.destination_is_sbo = True
    world.pupil.save()
    page = client_for(world.ib).get(detail_url(world.pupil)).content.decode()
    assert "bewaren tot 10 juli 2031" in page  # administration: 5 years
    assert "bewaren tot 10 juli 2029" in page  # dossier, SBO: 3 years


def test_the_pupil_page_leads_with_allergies_then_whom_to_call_then_the_group(world, client_for):
    # Issue 21: what a teacher needs in an emergency comes first, before the administration.
    _fill_pupil(world.pupil)
    EmergencyContactFactory(pupil=world.pupil, name="Oma Bep", phone="0612345678")
    page = client_for(world.directie).get(detail_url(world.pupil)).content.decode()
    order = [
        page.index('id="allergies"'),
        page.index('id="parents"'),
        page.index('id="identification"'),
        page.index('id="personal_details"'),
        page.index('id="medical"'),
    ]
    assert order == sorted(order)


def test_the_pupil_page_explains_why_data_is_kept_once_in_a_disclosure(world, client_for):
    page = client_for(world.directie).get(detail_url(world.pupil)).content.decode()
    assert page.count("<details") == page.count("</details>")
    disclosure = page[page.index('<details class="card why-kept"') :]
    disclosure = disclosure[: disclosure.index("</details>")]
    assert "Grondslag" not in page.replace(disclosure, "")  # not repeated on every card
    assert disclosure.count("<dt>Grondslag</dt>") == page.count('class="card category ')


def test_a_one_school_director_gets_no_school_filter_nor_school_column(world, client_for):
    page = client_for(world.directie).get(reverse("students:pupil_list")).content.decode()
    assert 'name="school"' not in page and "Alle scholen" not in page
    assert '<th scope="col">School</th>' not in page
    assert 'name="groep"' in page


def test_someone_in_two_schools_can_filter_by_school(world, client_for):
    from accounts import services as account_services

    account_services.staff_membership_create(
        user=world.directie,
        school=world.other_school,
        role="directie",
        start_date=date(2020, 1, 1),
    )
    page = client_for(world.directie).get(reverse("students:pupil_list")).content.decode()
    assert 'name="school"' in page and "Alle scholen" in page
    assert '<th scope="col">School</th>' in page
