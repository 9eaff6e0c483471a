"""Journey: the IB-er compiles a transfer dossier, a parent reads it on a phone and signs with a
remark, and the IB-er hands it over and downloads the OSO export and the final PDF."""

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import menu, sign_in
from tests.transfers.factories import DossierEntryFactory
from transfers.models import TransferDossier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REMARK = "Wij zijn het niet eens met het verslag over rekenen; graag bespreken op de nieuwe school."


def _phone_page(browser, live_server):
    """A second browser (the parent's phone), with the same no-outside-requests guard."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="nl-NL",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context, context.new_page(), outside


def test_ib_compiles_parent_signs_with_remark_ib_hands_over(
    page, screenshot, world, browser, live_server
):
    DossierEntryFactory(pupil=world.pupil, title="Handelingsplan rekenen", category="care")

    # The IB-er compiles the dossier and sees exactly what will go.
    sign_in(page, world.ib)
    menu(page, "Overdracht (OSO)")
    page.get_by_role("link", name="Nieuw overstapdossier").click()
    page.get_by_role("link", name="Dossier samenstellen voor Mila").click()
    page.get_by_label("School van bestemming").fill("SBO De Brug")
    page.get_by_label("BRIN-nummer van de nieuwe school").fill("98YY")
    page.get_by_label("speciaal basisonderwijs (SBO)").check()
    page.get_by_label("Vertrekdatum").fill("2026-07-10")
    page.get_by_label("Zorg en begeleiding").check()
    page.get_by_label("Handelingsplan rekenen").check()
    screenshot("transfers-1-compile")
    page.get_by_role("button", name="Opslaan en voorbeeld bekijken").click()
    page.get_by_role("heading", name="Voorbeeld: precies dit gaat mee").wait_for()
    assert page.get_by_text("Handelingsplan rekenen").is_visible()
    screenshot("transfers-2-preview")
    page.get_by_role("link", name="Aanbieden aan de ouders").click()
    page.get_by_role("button", name="Ja, aanbieden").click()
    page.get_by_text("Het dossier is aan de ouders aangeboden.").wait_for()
    dossier = TransferDossier.objects.get()
    assert dossier.state == TransferDossier.State.OFFERED

    # The parent reads it on a phone and signs for inspection with a remark.
    context, phone, outside = _phone_page(browser, live_server)
    try:
        sign_in(phone, world.parent)
        phone.get_by_role("link", name="Lees en teken het overstapdossier van Mila").click()
        phone.get_by_role("heading", name="Overstapdossier van Mila").wait_for()
        assert phone.get_by_text("Handelingsplan rekenen").is_visible()
        phone.screenshot(path=str(SCREENSHOTS / "transfers-3-parent-reads.png"), full_page=True)
        phone.get_by_label("Opmerkingen of bezwaren (niet verplicht)").fill(REMARK)
        phone.get_by_label("Ik heb het overstapdossier gelezen.").check()
        phone.get_by_role("button", name="Tekenen voor inzage").click()
        phone.get_by_text("U hebt getekend voor inzage").wait_for()
        phone.screenshot(path=str(SCREENSHOTS / "transfers-4-parent-signed.png"), full_page=True)
    finally:
        context.close()
    assert not outside, outside

    # The IB-er sees when the parent viewed and signed, with the remark, and hands over.
    page.reload()
    assert page.get_by_text(REMARK).is_visible()
    screenshot("transfers-5-school-sees-signature")
    page.get_by_role("link", name="Overdragen", exact=True).click()
    page.get_by_label("Ik draag dit dossier nu over").check()
    page.get_by_role("button", name="Overdracht vastleggen").click()
    page.get_by_text("De overdracht is vastgelegd.").wait_for()
    screenshot("transfers-6-handed-over")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exportbestand voor OSO").click()
    export = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert export["parents"][0]["remarks"] == REMARK
    assert export["retention_until"] == "2029-07-10"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Definitief dossier (PDF)").click()
    download_info.value.save_as(str(SCREENSHOTS / "transfers-final-dossier.pdf"))
    dossier.refresh_from_db()
    assert dossier.handed_over_by == world.ib
