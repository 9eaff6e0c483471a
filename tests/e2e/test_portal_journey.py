"""Journey: a parent asks to correct a phone number on a phone; the administratie accepts; the
pupil record and the audit log show the change; the parent sees the request done."""

import pytest

from tests.e2e.helpers import menu, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _context(browser, live_server, **kwargs):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", **kwargs)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    return context


def test_parent_correction_is_accepted_and_shows_everywhere(
    browser, live_server, page, screenshot, world
):
    world.pupil.phone = "0611111111"
    world.pupil.save()

    parent = _context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    parent_page = parent.new_page()
    sign_in(parent_page, world.parent)
    parent_page.get_by_role("link", name="Mijn kinderen").first.click()
    parent_page.get_by_role("link", name="Wat de school bewaart").click()
    parent_page.get_by_role("heading", name="Wat de school bewaart over Mila").wait_for()
    assert parent_page.get_by_text("0611111111").first.is_visible()
    parent_page.screenshot(path=str(_shot("portal-phone-child-overview")), full_page=True)
    parent_page.get_by_role("link", name="Iets klopt niet: correctie vragen").click()
    # First the choice of fields, then only the chosen ones (no script needed).
    parent_page.get_by_label("Telefoon thuis").check()
    parent_page.get_by_role("button", name="Verder").click()
    parent_page.get_by_label("Telefoon thuis").fill("0622222222")
    parent_page.screenshot(path=str(_shot("portal-phone-correction-form")), full_page=True)
    parent_page.get_by_role("button", name="Verzoek versturen").click()
    parent_page.get_by_text("Uw verzoek is ontvangen met kenmerk").wait_for()
    parent_page.screenshot(path=str(_shot("portal-phone-request-received")), full_page=True)

    sign_in(page, world.administratie)
    menu(page, "Verzoeken van ouders")
    page.get_by_role("link", name="VZ-").first.click()
    page.get_by_role("button", name="Overnemen").click()
    page.get_by_text("Vastgelegd in het auditlog").wait_for()
    # The audit log keeps contact values masked (issue 14): the entry names the field.
    assert page.locator("section.card li", has_text="telefoon thuis:").first.is_visible()
    screenshot("portal-staff-correction-accepted")
    page.goto(f"/leerlingen/{world.pupil.pk}/")
    assert page.get_by_text("0622222222").first.is_visible()

    parent_page.reload()
    assert parent_page.get_by_text("afgehandeld").first.is_visible()
    parent_page.screenshot(path=str(_shot("portal-phone-request-done")), full_page=True)
    parent.close()


def _shot(name):
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
