"""Bad input on the report form and the FG's forms: a clear Dutch message, status 400, and
nothing saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from breaches.models import ApNotification, Breach
from tests.breaches.factories import assess, report_breach

pytestmark = pytest.mark.django_db


def fmt(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def valid_report(world, **overrides):
    data = {
        "description": "Mail met cijferlijst naar de verkeerde ouders gestuurd.",
        "occurred_at": fmt(timezone.now() - timedelta(hours=3)),
        "discovered_at": fmt(timezone.now() - timedelta(hours=1)),
        "kind": "wrong_recipient",
        "schools": [world.school.pk],
        "data_categories": ["identification", "results"],
        "people_count": "25",
        "affected_groups": ["pupils", "parents"],
        "encrypted": "no",
        "processor_name": "",
        "measures_taken": "",
    }
    data.update(overrides)
    return data


def test_valid_report_is_saved_and_shows_the_reference(world, client_for):
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world), follow=True
    )
    breach = Breach.objects.get()
    assert breach.reference in response.content.decode()
    assert breach.reporter == world.teacher


def test_discovery_date_in_the_future_is_refused(world, client_for):
    tomorrow = fmt(timezone.now() + timedelta(days=1))
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, discovered_at=tomorrow)
    )
    assert response.status_code == 400
    assert "Het moment van ontdekken kan niet in de toekomst liggen." in response.content.decode()
    assert not Breach.objects.exists()


def test_negative_number_of_people_is_refused(world, client_for):
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, people_count="-3")
    )
    assert response.status_code == 400
    assert "Het aantal betrokkenen kan niet negatief zijn." in response.content.decode()
    assert not Breach.objects.exists()


def test_enormous_description_is_refused_with_a_clear_message(world, client_for):
    # Over the form's own limit (5000) the form says how long it is and what the maximum is.
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, description="x" * 12_000)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "te lang (12000 tekens)" in page
    assert "maximaal 5000 tekens" in page
    # Far over it too: the form's own message (the site-wide guard in privacy_portal.middleware
    # only stops values far beyond any form's bound).
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, description="x" * 100_000)
    )
    assert response.status_code == 400
    assert "te lang (100000 tekens)" in response.content.decode()
    assert not Breach.objects.exists()


def test_request_larger_than_the_upload_limit_is_a_400_not_a_500(world, client_for):
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, description="x" * 6 * 1024 * 1024)
    )
    assert response.status_code == 400
    assert not Breach.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discovered_at", "gisteren", "Voer een geldige datum/tijd in."),
        ("people_count", "veel", "Voer een geheel getal in."),
        ("kind", "alien", "Selecteer een geldige keuze."),
        ("schools", [], "Kies minstens één school."),
        ("data_categories", ["shoe_size"], "Selecteer een geldige keuze."),
    ],
)
def test_malformed_fields_get_a_dutch_message(world, client_for, field, value, message):
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, **{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Breach.objects.exists()


def test_occurrence_after_discovery_is_refused(world, client_for):
    response = client_for(world.teacher).post(
        "/datalekken/melden/",
        valid_report(
            world,
            occurred_at=fmt(timezone.now() - timedelta(minutes=5)),
            discovered_at=fmt(timezone.now() - timedelta(hours=1)),
        ),
    )
    assert response.status_code == 400
    assert "later gebeurd zijn dan het is ontdekt" in response.content.decode()


def test_teacher_cannot_report_for_another_school_by_editing_the_form(world, client_for):
    response = client_for(world.teacher).post(
        "/datalekken/melden/", valid_report(world, schools=[world.other_school.pk])
    )
    assert response.status_code == 400
    assert not Breach.objects.exists()


def test_ap_notification_with_a_future_date_is_refused(world, client_for):
    breach = report_breach(world.teacher, world.school)
    assess(breach, world.fg)
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/melding-ap/",
        {
            "n-sent_at": fmt(timezone.now() + timedelta(days=2)),
            "n-ap_reference": "M-1",
            "n-summary": "Samenvatting",
        },
    )
    assert response.status_code == 400
    assert "De verzenddatum kan niet in de toekomst liggen." in response.content.decode()
    assert not ApNotification.objects.exists()


def test_assessment_without_reasons_is_refused_and_changes_nothing(world, client_for):
    breach = report_breach(world.teacher, world.school)
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/beoordelen/",
        {"a-risk": "high", "a-notify_ap": "no", "a-inform_subjects": "yes"},
    )
    assert response.status_code == 400
    breach.refresh_from_db()
    assert breach.status == "reported" and breach.risk == ""


def test_risk_without_ap_notification_is_refused_on_screen(world, client_for):
    breach = report_breach(world.teacher, world.school)
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/beoordelen/",
        {
            "a-risk": "risk",
            "a-risk_reasoning": "Adreslijst gelekt.",
            "a-notify_ap": "no",
            "a-notify_ap_reason": "Liever niet.",
            "a-inform_subjects": "no",
            "a-inform_subjects_reason": "Geen hoog risico.",
        },
    )
    assert response.status_code == 400
    assert "melden bij de AP verplicht" in response.content.decode()
    breach.refresh_from_db()
    assert breach.status == "reported"


def test_closing_a_notifiable_breach_without_notification_shows_why_on_screen(world, client_for):
    from breaches import services

    breach = report_breach(world.teacher, world.school)
    assess(breach, world.fg)
    services.breach_record_only(breach=breach, actor=world.fg)
    response = client_for(world.fg).post(f"/datalekken/{breach.pk}/afsluiten/", {"c-note": ""})
    assert response.status_code == 400
    assert "Dit datalek moet bij de AP worden gemeld" in response.content.decode()
    breach.refresh_from_db()
    assert breach.status == "recorded_only"


def test_register_filter_with_a_reversed_period_is_a_400(world, client_for):
    response = client_for(world.fg).get("/datalekken/?start=2026-12-01&end=2026-01-01")
    assert response.status_code == 400
    assert "De begindatum ligt na de einddatum." in response.content.decode()


def test_letter_send_with_a_bad_address_is_refused(world, client_for):
    from breaches import services

    breach = report_breach(world.teacher, world.school)
    assess(breach, world.fg)
    letter = services.letter_draft(breach=breach, actor=world.fg)
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/brief/versturen/", {"extra_addresses": "geen-adres"}
    )
    assert response.status_code == 400
    assert "is geen geldig e-mailadres" in response.content.decode()
    assert not letter.recipients.exists()


def test_a_reporter_of_one_school_is_not_asked_which_school(world, client_for):
    # Issue 21: a single pre-ticked checkbox is a question without a choice.
    page = client_for(world.teacher).get("/datalekken/melden/").content.decode()
    assert "Welke school of scholen?" not in page
    assert f"Melding voor {world.school.name}." in page
    assert f'<input type="hidden" name="schools" value="{world.school.pk}"' in page
    response = client_for(world.teacher).post("/datalekken/melden/", valid_report(world))
    assert response.status_code == 302
    assert list(Breach.objects.get().schools.all()) == [world.school]
