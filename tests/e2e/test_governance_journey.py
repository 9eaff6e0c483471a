"""Journey (R16): the directie records that a teacher leaves today; the teacher's open browser
session is logged out on the next request; the task list appears for the directie and the
office, who work through it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import menu, sign_in
from tests.governance.factories import PNG_BYTES, record_departure

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

    # An earlier departure whose tasks are now overdue shows on the directie's start page.
    record_departure(
        world.beheerder,
        world.concierge,
        [world.school],
        day=timezone.localdate() - timedelta(days=10),
    )

    # The directie records the departure, effective today.
    directie_context, directie_outside = _context(browser, live_server)
    directie = directie_context.new_page()
    sign_in(directie, world.directie)
    directie.get_by_text(
        "Taak bij vertrek is over tijd: Inactief zetten in de leerlingenadministratie"
    ).wait_for()
    _shot(directie, "governance-start-page-overdue-directie")
    menu(directie, "Vertrek en apparatuur")
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
    assert directie.get_by_text("Inactief zetten in de leerlingenadministratie").is_visible()
    # The directie reports the mail account to the office.
    mail_row = directie.locator("tr", has_text="Mail-/Office365-account sluiten")
    mail_row.get_by_role("button", name="Gemeld").click()
    directie.locator("tr", has_text="Mail-/Office365-account sluiten").get_by_text(
        "gemeld door"
    ).first.wait_for()
    _shot(directie, "governance-departure-tasks-directie")

    # The teacher's open session is refused on the next request.
    menu(page, "Mijn groepen")
    page.wait_for_url("**/account/inloggen/**")
    assert page.get_by_role("button", name="Inloggen").is_visible()
    screenshot("governance-teacher-logged-out")

    # The office sees the task list and closes the mail account.
    office_context, office_outside = _context(browser, live_server)
    office = office_context.new_page()
    sign_in(office, world.beheerder)
    menu(office, "Vertrek en apparatuur")
    my_tasks = office.locator("section", has_text="Mijn openstaande taken")
    assert my_tasks.get_by_role("link", name="Mail-/Office365-account sluiten").is_visible()
    assert my_tasks.get_by_role("link", name="Apparatuur innemen en wissen").count() == 2
    _shot(office, "governance-office-task-overview")
    my_tasks.get_by_role("link", name="Mail-/Office365-account sluiten").click()
    office.locator("tr", has_text="Mail-/Office365-account sluiten").get_by_role(
        "button", name="Afgerond"
    ).click()
    office.locator("tr", has_text="Mail-/Office365-account sluiten").get_by_text(
        "afgerond door"
    ).wait_for()
    _shot(office, "governance-departure-tasks-office")

    # The office logs the wiped laptop (R15) and ticks off the equipment task.
    office.get_by_role("link", name="Apparaat in logboek").click()
    office.get_by_label("School").select_option(str(world.school.pk))
    office.get_by_label("Apparaat").fill("Laptop HP ProBook 450")
    office.get_by_label("Serie- of inventarisnummer").fill("5CD1234XYZ")
    office.get_by_label("Wijze").select_option("wiped")
    office.get_by_label("Uitgevoerd door").fill("ICT-partner Wisbedrijf")
    office.get_by_label("Uitgevoerd op").fill(timezone.localdate().isoformat())
    office.get_by_label("Certificaat").set_input_files(
        files=[{"name": "certificaat.png", "mimeType": "image/png", "buffer": PNG_BYTES}]
    )
    office.get_by_role("button", name="Vastleggen").click()
    office.get_by_text("Het apparaat is in het logboek vastgelegd.").wait_for()
    assert office.get_by_role("cell", name="Laptop HP ProBook 450").is_visible()
    _shot(office, "governance-disposal-log")

    # And the FG page is one click away for staff.
    menu(office, "FG en protocol")
    office.get_by_role("heading", name="Functionaris gegevensbescherming (FG)").wait_for()
    _shot(office, "governance-fg-page-empty")

    directie_context.close()
    office_context.close()
    assert not directie_outside and not office_outside


def test_cvb_records_the_fg_and_the_protocol_which_a_parent_then_reads(
    page, screenshot, world, browser, live_server
):
    sign_in(page, world.cvb)
    menu(page, "FG en protocol")
    page.get_by_role("link", name="FG vastleggen").click()
    page.get_by_label("Soort").select_option("hired")
    page.get_by_label(re.compile(r"^Naam")).fill("Anna de Vries")
    page.get_by_label("Organisatie").fill("Privacy Advies BV")
    page.get_by_label("E-mailadres").fill("fg@privacyadvies.example")
    page.get_by_label("Telefoonnummer").fill("030 123 45 67")
    page.get_by_label("Bereikbaarheid").fill("Maandag en donderdag, 9–17 uur")
    page.get_by_label("Aangemeld bij de AP op").fill("2024-03-01")
    page.get_by_role("button", name="Vastleggen").click()
    page.get_by_text("De FG is vastgelegd.").wait_for()

    page.get_by_role("link", name="Privacyprotocol beheren").click()
    page.get_by_role("link", name="Nieuwe versie toevoegen").click()
    page.get_by_label("Versie").fill("2026-1")
    page.get_by_label("Tekst").fill(
        "1. Inleiding\n\nDit protocol beschrijft hoe de scholen omgaan met persoonsgegevens."
    )
    page.get_by_role("button", name="Toevoegen").click()
    page.get_by_text("nog niet geldig: wacht op instemming").wait_for()
    screenshot("governance-protocol-draft")
    page.get_by_label("Datum van instemming door de (G)MR").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Instemming vastleggen").click()
    page.get_by_text("De instemming van de (G)MR is vastgelegd.").wait_for()
    assert page.get_by_text("geldend", exact=True).is_visible()

    parent_context, parent_outside = _context(browser, live_server)
    parent = parent_context.new_page()
    sign_in(parent, world.parent)
    menu(parent, "FG en protocol")
    assert parent.get_by_text("Anna de Vries").is_visible()
    assert parent.get_by_role("link", name="fg@privacyadvies.example").is_visible()
    _shot(parent, "governance-fg-page-parent")
    parent.get_by_role("link", name="Lees het privacyprotocol (versie 2026-1)").click()
    assert parent.get_by_text("Dit protocol beschrijft hoe de scholen").is_visible()
    _shot(parent, "governance-protocol-parent")
    parent_context.close()
    assert not parent_outside
