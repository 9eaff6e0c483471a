"""Journey: the directie drafts and submits a processor agreement, a CvB member signs it with
2FA, the supplier's signatory accepts through the personal link, and the coverage dashboard turns
green for that product. The sealed PDF is rendered to PNG for people to look at."""

import re
import shutil
import subprocess

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from agreements import documents, selectors, services
from agreements.models import Agreement, AgreementState
from tests.agreements import factories as af
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_directie_submits_cvb_signs_with_2fa_processor_accepts_and_coverage_turns_green(
    world, page, screenshot
):
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
    expect(page.locator("[data-state]")).to_have_text("wacht op de verwerker")
    agreement = Agreement.objects.get()
    assert agreement.state == AgreementState.AWAITING_PROCESSOR
    assert agreement.signed_by == world.cvb
    expect(page.locator(".hash").first).to_have_text(agreement.pdf_sha256)
    page.get_by_role("button", name="Controleer tegen de hash").click()
    expect(page.locator(".message--success")).to_contain_text("byte voor byte gelijk")
    screenshot("agreements-signed-by-cvb")
    page.get_by_role("button", name="Uitloggen").click()

    # Not yet covered: the processor has not signed.
    [row] = [
        r
        for r in selectors.coverage(world.directie, school=world.school).rows
        if r.use.product == product
    ]
    assert row.status == "awaiting_processor"

    # The supplier's signatory opens the personal link (no account), reads and accepts.
    page.goto(f"/verwerkers/verwerker/ondertekenen/{services.processor_token(agreement)}/")
    expect(page.locator(".contract")).to_contain_text("Artikel 14: Duur en beëindiging")
    expect(page.locator("[data-hash]")).to_have_text(agreement.pdf_sha256)
    page.get_by_label("Uw naam").fill("J. de Vries")
    page.get_by_label("Uw functie").fill("directeur Rekentuin B.V.")
    page.get_by_label(re.compile("aanvaard de overeenkomst")).check()
    screenshot("agreements-processor-sign")
    page.get_by_role("button", name="Aanvaarden en ondertekenen").click()
    expect(page.locator("h1")).to_contain_text("de overeenkomst is ondertekend")
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ACTIVE
    assert agreement.processor_signer_name == "J. de Vries"

    # The directie sees the product covered; the other product is still red. (A second sign-in
    # within the same 30 seconds would reuse the TOTP code, which django-otp rightly refuses.)
    TOTPDevice.objects.filter(user=world.directie).update(last_t=-1)
    sign_in(page, world.directie)
    page.goto(f"/verwerkers/?school={world.school.pk}")
    expect(page.locator("tr[data-product='Rekentuin Online']")).to_contain_text("gedekt")
    expect(page.locator("tr[data-product='Klasbord App']")).to_contain_text(
        "geen actieve overeenkomst"
    )
    screenshot("agreements-coverage-dashboard")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("agreements-coverage-dashboard-390")

    # The sealed PDF, rendered to PNG for a person to look at.
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                str(documents.media_path(agreement.sealed_file)),
                str(SCREENSHOTS / "agreements-sealed-pdf"),
            ],
            check=True,
        )


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
