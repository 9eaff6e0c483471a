"""Journey: the directie decides, with a reason, that the next school needs a pupil's secret
address; the dossier shows the decision; a parent reading the dossier on a phone sees that the
address goes along, and why, but not the address itself."""

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in
from tests.e2e.test_transfers_journey import _phone_page
from tests.transfers.factories import compile_dossier
from transfers import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADDRESS = "Schuilweg 3"
REASON = "De moeder vraagt het zelf: de nieuwe school moet haar kunnen bereiken."


def test_directie_sends_the_secret_address_and_the_parent_sees_that_it_goes(
    page, screenshot, world, browser, live_server
):
    world.pupil.street_address = ADDRESS
    world.pupil.contact_is_secret = True
    world.pupil.save()
    dossier = compile_dossier(
        world.ib, world.pupil, category_keys=["identification", "contact", "parents"]
    )

    sign_in(page, world.directie)
    page.goto(f"/overdracht/{dossier.pk}/")
    assert page.get_by_text("Deze leerling heeft een geheim adres.").is_visible()
    page.get_by_role("link", name="Besluit over het geheime adres").click()
    page.get_by_label("Ja, de nieuwe school heeft het geheime adres nodig").check()
    page.get_by_label("Reden").fill(REASON)
    screenshot("transfers-secret-1-decide")
    page.get_by_role("button", name="Besluit vastleggen").click()
    page.get_by_text("Het besluit over het geheime adres is vastgelegd.").wait_for()
    assert page.get_by_text(REASON).is_visible()
    screenshot("transfers-secret-2-dossier")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("transfers-secret-2-dossier-390")

    dossier.refresh_from_db()
    services.dossier_offer(actor=world.ib, dossier=dossier)
    context, phone, outside = _phone_page(browser, live_server)
    try:
        sign_in(phone, world.parent)
        phone.goto(f"/overdracht/ouder/{dossier.pk}/")
        phone.get_by_text("Het geheime adres gaat mee naar de nieuwe school.").wait_for()
        assert phone.get_by_text(REASON).is_visible()
        assert ADDRESS not in phone.content()
        phone.screenshot(path=str(SCREENSHOTS / "transfers-secret-3-parent.png"), full_page=True)
    finally:
        context.close()
    assert not outside
