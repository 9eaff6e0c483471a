"""Journey (R16): the directie records that a teacher leaves today; the teacher's open browser
session is logged out on the next request; the task list appears for the directie and the
office, who work through it."""

import pytest
from django.utils import timezone

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server):
    """A second, separate browser (its own cookies) that may load nothing from outside."""
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context, outside


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_directie_records_departing_teacher_who_is_logged_out_and_tasks_follow(
    page, screenshot, world, browser, live_server
):
    # The teacher is at work, signed in.
    sign_in(page, world.teacher)
    page.get_by_role("heading", name=f"Welkom, {world.teacher.first_name}").wait_for()

    # The directie records the departure, effective today.
    directie_context, directie_outside = _context(browser, live_server)
    directie = directie_context.new_page()
    sign_in(directie, world.directie)
    directie.get_by_role("link", name="Vertrek en apparatuur").click()
    directie.get_by_role("heading", name="Vertrekkende medewerkers").wait_for()
    directie.get_by_role("link", name="Vertrek vastleggen").click()
    directie.get_by_label("Medewerker", exact=False).and_(directie.locator("select")).select_option(
        str(world.teacher.pk)
    )
    directie.get_by_label("De Regenboog").check()
    directie.get_by_role("textbox", name="Vertrekdatum").fill(timezone.localdate().isoformat())
    directie.get_by_label("Ik begrijp dat de medewerker").check()
    _shot(directie, "governance-departure-form")
    directie.get_by_role("button", name="Vertrek vastleggen").click()
    directie.get_by_text("de toegang is direct gestopt").wait_for()
    assert directie.get_by_role("heading", name="Takenlijst").is_visible()
    assert directie.get_by_text("Inactief zetten in de leerlingadministratie").is_visible()
    # The directie reports the mail account to the office.
    mail_row = directie.locator("tr", has_text="Mail-/Office365-account sluiten")
    mail_row.get_by_role("button", name="Gemeld").click()
    directie.locator("tr", has_text="Mail-/Office365-account sluiten").get_by_text(
        "gemeld door"
    ).first.wait_for()
    _shot(directie, "governance-departure-tasks-directie")

    # The teacher's open session is refused on the next request.
    page.get_by_role("link", name="Mijn groepen").click()
    page.wait_for_url("**/account/inloggen/**")
    assert page.get_by_role("button", name="Inloggen").is_visible()
    screenshot("governance-teacher-logged-out")

    # The office sees the task list and closes the mail account.
    office_context, office_outside = _context(browser, live_server)
    office = office_context.new_page()
    sign_in(office, world.beheerder)
    office.get_by_role("link", name="Vertrek en apparatuur").click()
    my_tasks = office.locator("section", has_text="Mijn openstaande taken")
    assert my_tasks.get_by_role("link", name="Mail-/Office365-account sluiten").is_visible()
    assert my_tasks.get_by_role("link", name="Apparatuur innemen en wissen").is_visible()
    _shot(office, "governance-office-task-overview")
    my_tasks.get_by_role("link", name="Mail-/Office365-account sluiten").click()
    office.locator("tr", has_text="Mail-/Office365-account sluiten").get_by_role(
        "button", name="Afgerond"
    ).click()
    office.locator("tr", has_text="Mail-/Office365-account sluiten").get_by_text(
        "afgerond door"
    ).wait_for()
    _shot(office, "governance-departure-tasks-office")

    # And the FG page is one click away for staff.
    office.get_by_role("link", name="FG en protocol").click()
    office.get_by_role("heading", name="Functionaris gegevensbescherming (FG)").wait_for()
    _shot(office, "governance-fg-page-empty")

    directie_context.close()
    office_context.close()
    assert not directie_outside and not office_outside
