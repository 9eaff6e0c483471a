"""Journey: a parent withdraws social-media consent in the portal, and the teacher's class
photo list shows it at once."""

import pytest

from consent import services
from tests.consent.factories import channels
from tests.e2e.helpers import menu, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_parent_withdraws_social_media_consent_and_teacher_sees_it_at_once(world, page, screenshot):
    ch = channels(world.foundation)
    for key in ("website", "sociale-media"):
        services.consent_decide(
            actor=world.parent, pupil=world.pupil, channel=ch[key], granted=True
        )

    # The parent withdraws consent for social media.
    sign_in(page, world.parent)
    page.get_by_role("link", name="Toestemming foto's").first.click()
    page.get_by_role("link", name="Mila Jansen").click()
    social = page.locator(
        "section.consent-channel", has=page.get_by_role("heading", name="Sociale media")
    )
    assert social.get_by_label("Ja, dat mag").is_checked()
    social.get_by_label("Nee, liever niet").check()
    page.get_by_role("button", name="Keuzes opslaan").click()
    page.get_by_text("Uw keuzes zijn opgeslagen en gelden vanaf nu.").wait_for()
    social = page.locator(
        "section.consent-channel", has=page.get_by_role("heading", name="Sociale media")
    )
    assert "nee" in social.locator(".consent-now").inner_text()
    website = page.locator(
        "section.consent-channel", has=page.get_by_role("heading", name="Website van de school")
    )
    assert "ja" in website.locator(".consent-now").inner_text()
    screenshot("consent-parent-withdrew-social-media")
    page.get_by_role("button", name="Uitloggen").click()

    # The teacher's photo list of class 5a shows it straight away.
    sign_in(page, world.teacher)
    menu(page, "Toestemming beeld")
    page.get_by_role("link", name="Groep 5a").first.click()
    table = page.locator("#consent-overview")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has=page.get_by_role("link", name="Jansen, Mila"))
    cells = row.locator("td").all_inner_texts()
    social_cell = cells[headers.index("Sociale media") - 1]
    website_cell = cells[headers.index("Website van de school") - 1]
    assert "nee" in social_cell and "ja" not in social_cell
    assert "ja" in website_cell
    screenshot("consent-teacher-class-overview")

    # And the "may I publish this?" check says no for social media.
    page.get_by_role("link", name="Mag ik dit publiceren?").click()
    page.get_by_label("Kanaal").select_option(label="Sociale media")
    page.get_by_label("Jansen, Mila").check()
    page.get_by_role("button", name="Controleren").click()
    page.get_by_text("Nee: niet publiceren op Sociale media.").wait_for()
    screenshot("consent-teacher-publish-check")
