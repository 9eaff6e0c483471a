"""Journey: the directie drafts and submits a processor agreement, a CvB member signs it with
2FA, and the coverage dashboard turns green for that product."""

import re

import pytest
from playwright.sync_api import expect

from agreements import services
from agreements.models import Agreement, AgreementState
from tests.agreements import factories as af
from tests.e2e.helpers import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_directie_submits_cvb_signs_with_2fa_and_coverage_turns_green(world, page, screenshot):
    supplier = af.supplier(world.beheerder, world.foundation)
    product = af.product(world.beheerder, supplier)
    af.product_in_use(world.directie, world.school, product)
    other = af.supplier(world.beheerder, world.foundation, name="Klasbord", kvk_number="87654321")
    services.bijsluiter_record(
        actor=world.beheerder,
        product=(
            klasbord := services.product_create(
                actor=world.beheerder,
                supplier=other,
                name="Klasbord App",
                description="Nieuws en foto's voor ouders.",
                kind="II",
                users=["ouders", "leerkrachten"],
            )
        ),
        subprocessors=[{"name": "Cloud Inc", "task": "opslag van foto's", "country": "US"}],
        **af.bijsluiter_data(purposes="Informeren van ouders", countries=["NL", "US"]),
    )
    af.product_in_use(world.directie, world.school, klasbord, categories=["identification"])
    page.on("dialog", lambda dialog: dialog.accept())

    # The directie sees the gap on the dashboard and drafts an agreement.
    sign_in(page, world.directie)
    page.goto(f"/verwerkers/?school={world.school.pk}")
    rekentuin_row = page.locator("tr[data-product='Rekentuin Online']")
    expect(rekentuin_row).to_contain_text("geen actieve overeenkomst")
    rekentuin_row.get_by_role("link", name="Overeenkomst opstellen").click()
    page.get_by_label("Rekentuin Online").check()
    page.get_by_label("De Regenboog").check()
    page.get_by_label("Ingangsdatum").fill("2026-01-01")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("[data-state]")).to_have_text("concept")
    page.get_by_label("Artikel").fill("8.2")
    page.get_by_label("Afwijking", exact=True).fill("Melding van een datalek binnen 48 uur.")
    page.get_by_label("Motivering").fill("Kleine leverancier zonder 24-uursdienst.")
    page.get_by_role("button", name="Afwijking toevoegen").click()
    page.get_by_role("button", name="Aanbieden aan het CvB").click()
    expect(page.locator("[data-state]")).to_have_text("ter ondertekening bij het CvB")
    screenshot("agreements-submitted")
    page.get_by_role("button", name="Uitloggen").click()

    # The CvB member signs in with 2FA, reads and signs, re-entering the password.
    sign_in(page, world.cvb)
    page.get_by_role("link", name=re.compile("wacht op uw ondertekening")).click()
    page.get_by_role("link", name=re.compile("Rekentuin")).first.click()
    page.get_by_role("link", name="Lezen en ondertekenen").click()
    expect(page.locator(".contract")).to_contain_text(
        "Bijlage 1A: Privacybijsluiter Rekentuin Online"
    )
    expect(page.locator(".contract")).to_contain_text("Melding van een datalek binnen 48 uur.")
    screenshot("agreements-sign")
    page.get_by_label("Uw wachtwoord of de code uit uw authenticator-app").fill("fout-wachtwoord")
    page.get_by_label(re.compile("Ik heb de overeenkomst")).check()
    page.get_by_role("button", name="Onderteken").click()
    expect(page.locator(".field-error")).to_contain_text("klopt niet")
    page.get_by_label("Uw wachtwoord of de code uit uw authenticator-app").fill(PASSWORD)
    page.get_by_label(re.compile("Ik heb de overeenkomst")).check()
    page.get_by_role("button", name="Onderteken").click()
    expect(page.locator("[data-state]")).to_have_text("actief")
    agreement = Agreement.objects.get()
    assert agreement.state == AgreementState.ACTIVE and agreement.signed_by == world.cvb
    expect(page.locator(".hash").first).to_have_text(agreement.pdf_sha256)
    page.get_by_role("button", name="Controleer tegen de hash").click()
    expect(page.locator(".message--success")).to_contain_text("byte voor byte gelijk")
    screenshot("agreements-signed")

    # The coverage dashboard is green for that product, still red for the other.
    page.goto(f"/verwerkers/?school={world.school.pk}")
    expect(page.locator("tr[data-product='Rekentuin Online']")).to_contain_text("gedekt")
    expect(page.locator("tr[data-product='Klasbord App']")).to_contain_text(
        "geen actieve overeenkomst"
    )
    screenshot("agreements-coverage-dashboard")


def test_directie_sees_what_a_new_bijsluiter_adds_and_approves_it(world, page, screenshot):
    supplier = af.supplier(world.beheerder, world.foundation)
    product = af.product(world.beheerder, supplier)
    af.product_in_use(world.directie, world.school, product)
    wider = services.bijsluiter_record(
        actor=world.beheerder,
        product=product,
        subprocessors=[{"name": "Analytics Co", "task": "gebruiksstatistiek", "country": "US"}],
        **af.bijsluiter_data(
            version_label="2.0",
            categories=["identification", "enrolment", "results", "care"],
            core_processing="Leerlingen maken oefeningen en toetsen.\nDe leerkracht ziet de voortgang.\nAdaptieve adviezen op basis van zorgnotities.",
        ),
    )
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, world.directie)
    page.get_by_role("link", name=re.compile("verruimt de verwerking")).click()
    page.get_by_role("link", name="Rekentuin Online").first.click()
    page.get_by_role("link", name="Versie 2.0").click()
    expect(page.locator(".eea-warning")).to_contain_text("Verenigde Staten")
    expect(page.locator(".diff-added").first).to_be_visible()
    screenshot("agreements-bijsluiter-diff")
    page.get_by_role("button", name="Geïnformeerd instemmen").click()
    expect(page.locator(".badge--ok")).to_have_text("ingestemd")
    assert wider.approvals.filter(school=world.school).exists()
