"""The AP notification record and PDF carry every field of the AP's online form (contact person
with phone, number of people as minimum–maximum, ongoing or ended with its date, cross-border,
follow-up), and the register exports hold the reason for not notifying and the measures."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from breaches import services
from breaches.models import Breach
from governance import services as governance_services
from tests.breaches.factories import assess, report_breach

pytestmark = pytest.mark.django_db


def details(**extra):
    ended = timezone.localtime() - timedelta(hours=1)
    return {
        "d-contact_name": "Anna de Vries",
        "d-contact_role": "FG",
        "d-contact_email": "anna@privacyadvies.example",
        "d-contact_phone": "030 123 45 67",
        "d-people_min": "20",
        "d-people_max": "35",
        "d-is_ongoing": "no",
        "d-ended_at": ended.strftime("%Y-%m-%dT%H:%M"),
        "d-cross_border": "yes",
        "d-cross_border_countries": "België",
        "d-follow_up_expected": "yes",
        "d-follow_up_note": "Aantal betrokkenen wordt nagezocht.",
        **extra,
    }


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_fg_records_the_ap_form_fields_and_the_pdf_carries_them(world, client_for, tmp_path):
    breach = report_breach(world.teacher, world.school)
    client = client_for(world.fg)
    response = client.post(f"/datalekken/{breach.pk}/gegevens-ap/", details())
    assert response.status_code == 302
    breach.refresh_from_db()
    assert (breach.people_min, breach.people_max) == (20, 35)
    assert breach.is_ongoing is False and breach.ended_at is not None
    assert breach.cross_border and breach.cross_border_countries == "België"
    assert breach.contact_phone == "030 123 45 67"
    text = pdf_text(client.get(f"/datalekken/{breach.pk}/melding-ap.pdf").content, tmp_path)
    for expected in [
        "Anna de Vries",
        "030 123 45 67",
        "anna@privacyadvies.example",
        "minimaal 20, maximaal 35",
        "Nee, beëindigd op",
        "Ja: België",
        "er volgt een vervolgmelding",
        "Aantal betrokkenen wordt nagezocht.",
    ]:
        assert expected in " ".join(text.split()), expected


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("d-people_max", "10", "Het maximum is kleiner dan het minimum."),
        ("d-contact_phone", "bel me", "Vul een telefoonnummer in"),
        ("d-ended_at", "", "Vul in wanneer het lek is beëindigd."),
        ("d-cross_border_countries", "", "Noem de landen."),
    ],
)
def test_bad_ap_details_are_refused_with_a_message_and_change_nothing(
    world, client_for, field, value, message
):
    breach = report_breach(world.teacher, world.school)
    response = client_for(world.fg).post(
        f"/datalekken/{breach.pk}/gegevens-ap/", details(**{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    breach.refresh_from_db()
    assert breach.people_max == 28 and breach.cross_border is None


def test_an_ongoing_breach_has_no_end_date(world):
    breach = report_breach(world.teacher, world.school)
    services.breach_ap_details_update(
        breach=breach,
        actor=world.fg,
        contact_name="FG",
        contact_email="fg@example.org",
        contact_phone="0612345678",
        people_min=1,
        people_max=2,
        is_ongoing=True,
        ended_at=timezone.now(),
        cross_border=False,
        cross_border_countries="Duitsland",
        follow_up_expected=False,
    )
    breach.refresh_from_db()
    assert breach.ended_at is None and breach.cross_border_countries == ""


def test_a_new_report_takes_the_registered_fg_as_contact_and_the_estimate_as_range(world):
    governance_services.fg_register(
        actor=world.cvb,
        foundation=world.foundation,
        kind="hired",
        name="Anna de Vries",
        email="anna@privacyadvies.example",
        phone="030 123 45 67",
    )
    breach = report_breach(world.teacher, world.school, people_count=12)
    assert (breach.contact_name, breach.contact_phone) == ("Anna de Vries", "030 123 45 67")
    assert breach.people_range == "12"


def test_the_register_exports_hold_the_reason_for_not_notifying_and_the_measures(
    world, client_for, tmp_path
):
    quiet = report_breach(world.teacher, world.school)
    assess(
        quiet,
        world.fg,
        risk="none",
        notify_ap=False,
        notify_ap_reason="Versleutelde laptop, sleutel niet meegenomen.",
        inform_subjects=False,
    )
    services.breach_record_only(breach=quiet, actor=world.fg)
    services.measure_add(
        breach=quiet,
        actor=world.fg,
        description="Schijfversleuteling op alle laptops controleren",
        owner=world.directie,
        due_date=timezone.localdate() + timedelta(days=14),
    )
    client = client_for(world.cvb)
    csv_text = client.get("/datalekken/register.csv").content.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert "Reden niet gemeld bij AP" in header and "Vervolgmaatregelen" in header
    assert "Versleutelde laptop, sleutel niet meegenomen." in row
    assert "Schijfversleuteling op alle laptops controleren" in row
    text = " ".join(pdf_text(client.get("/datalekken/register.pdf").content, tmp_path).split())
    assert "Versleutelde" in text and "Schijfversleuteling" in text  # table cells wrap


def test_existing_breaches_get_their_estimate_as_minimum_and_maximum(world):
    """The data migration's rule, checked on the rows it touches."""
    from importlib import import_module

    from django.apps import apps

    breach = report_breach(world.teacher, world.school, people_count=40)
    Breach.objects.filter(pk=breach.pk).update(people_min=None, people_max=None)
    migration = import_module("breaches.migrations.0003_ap_form_fields")
    migration.fill_from_the_report_and_the_fg(apps, None)
    breach.refresh_from_db()
    assert (breach.people_min, breach.people_max) == (40, 40)
