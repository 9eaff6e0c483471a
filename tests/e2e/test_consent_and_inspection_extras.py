"""Journeys: a directie adds a channel for its own school; a parent reads on a phone which dossier
piece was withheld from the inspection export and why; a pupil of 16+ answers a widened text
through their own link on a phone. Screenshots at 390 and 1280 px; no page wider than the
viewport."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Audience, Sensitivity
from consent import services as consent_services
from consent.models import Channel, ConsentDecision
from portal import services as portal_services
from students import services as student_services
from tests import factories as f
from tests.consent.factories import channels
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.django_db(transaction=True)
def test_directie_adds_a_channel_for_its_own_school(world, page, screenshot):
    channels(world.foundation)
    sign_in(page, world.directie)
    page.goto("/toestemming/kanalen/")
    page.get_by_label("Naam van het kanaal").fill("Instagram De Regenboog")
    page.get_by_label("Tekst voor ouders").fill("Foto's op het Instagram-account van de school.")
    page.get_by_role("button", name="Toevoegen").click()
    page.get_by_text("Het kanaal is toegevoegd.").wait_for()
    assert Channel.objects.get(name="Instagram De Regenboog").school == world.school
    screenshot("consent-school-channel-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    fits(page, 390)
    screenshot("consent-school-channel-390")


@pytest.mark.django_db(transaction=True)
def test_parent_reads_on_a_phone_what_was_withheld_and_why(world, page, screenshot):
    for title in ("Ruzie op het plein", "Verslag logopedie"):
        student_services.dossier_entry_create(
            actor=world.ib,
            pupil=world.pupil,
            category_key="care",
            kind="report",
            title=title,
            audience=Audience.IB,
            sensitivity=Sensitivity.VERY_SENSITIVE,
            upload=SimpleUploadedFile("verslag.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
    request = portal_services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="inzage"
    )
    portal_services.inspection_prepare(actor=world.directie, request=request)
    sign_in(page, world.directie)
    page.goto(f"/ouders/behandeling/{request.pk}/")
    page.get_by_text("Een stuk niet verstrekken").click()
    page.get_by_label("Dossierstuk").select_option(label="Ruzie op het plein (Zorg en begeleiding)")
    page.get_by_label("Reden (de ouder leest dit)").fill(
        "Het verslag gaat ook over een ander kind."
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Niet verstrekken").click()
    page.get_by_text("Het stuk is uit de export gehaald").wait_for()
    screenshot("inspection-withhold-staff-1280")
    portal_services.inspection_release(actor=world.directie, request=request)

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world.parent)
    page.goto(f"/ouders/verzoeken/{request.pk}/")
    page.get_by_role("heading", name="Niet verstrekt").wait_for()
    assert "ander kind" in page.content() and "Ruzie" not in page.content()
    fits(page, 390)
    screenshot("inspection-withheld-parent-390")


@pytest.mark.django_db(transaction=True)
def test_pupil_of_16_answers_a_widened_text_through_their_own_link(
    world, page, screenshot, mailoutbox
):
    from datetime import date

    social = channels(world.foundation)["sociale-media"]
    teen = f.pupil_in_class(world.class_5a, first_name="Noor", date_of_birth=date(2008, 1, 1))
    teen.user = f.UserFactory(email="noor@leerling.example")
    teen.save()
    consent_services.consent_decide(actor=teen.user, pupil=teen, channel=social, granted=True)
    consent_services.channel_text_update(
        actor=world.fg, channel=social, text="Ook op TikTok.", scope="widening"
    )
    mail = next(m for m in mailoutbox if m.to == ["noor@leerling.example"])
    path = re.search(r"https?://[^/\s]+(/toestemming/ouder/[^/\s]+/)", mail.body).group(1)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    page.get_by_role("button", name="Naar mijn keuzes").click()
    page.get_by_role("heading", name="Foto's en video's van jou").wait_for()
    block = page.locator(
        "div.consent-channel", has=page.get_by_role("heading", name="Sociale media", exact=True)
    )
    block.get_by_label("Nee, liever niet").check()
    fits(page, 390)
    screenshot("consent-pupil-link-form-390")
    page.get_by_role("button", name="Keuzes opslaan").click()
    page.get_by_text("Je keuzes zijn opgeslagen").wait_for()
    latest = ConsentDecision.objects.filter(pupil=teen, channel=social).latest("decided_at", "pk")
    assert latest.by_pupil and latest.source == "link" and latest.granted is False
