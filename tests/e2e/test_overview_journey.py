"""Journey: the CvB opens the foundation overview, sees per school what needs attention next
to charts with their tables, follows the breach whose 72-hour clock ran out to its page, and
sees on the checklist dashboard where the staff's answers and the system's evidence disagree;
chooses another period and gets a message for bad dates; a directie sees the same page over their
own school only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from checklist.models import Verdict
from tests.agreements import factories as af
from tests.breaches.factories import report_breach
from tests.checklist.factories import answer_all, open_round
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_cvb_follows_an_overdue_breach_from_the_foundation_overview(page, screenshot, world):
    office = world.beheerder
    supplier = af.supplier(office, world.foundation)
    af.product_in_use(office, world.school, af.product(office, supplier))
    af.product_in_use(office, world.school, af.product(office, supplier, name="Klasbord App"))
    overdue = report_breach(
        world.teacher,
        world.school,
        discovered_at=timezone.now() - timedelta(hours=80),
        occurred_at=timezone.now() - timedelta(hours=81),
    )
    report_breach(world.teacher_other_school, world.other_school, kind="wrong_recipient")
    answer_all(open_round(world.school, world.directie), world.directie, Verdict.OK)

    sign_in(page, world.cvb)
    page.locator("nav.main-nav").get_by_role("link", name="Overzicht stichting").click()
    page.get_by_role("heading", name="Overzicht Stichting Test").wait_for()
    attention = page.locator("section", has_text="Wat aandacht vraagt")
    assert attention.get_by_role("link", name="Klasbord App – De Regenboog").is_visible()
    screenshot("overview-cvb-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("overview-cvb-390")
    page.screenshot(path=str(SCREENSHOTS / "overview-cvb-390-top.png"))  # what a phone shows first
    page.locator(
        "section.overview-card", has=page.get_by_role("heading", name="Datalekken in de periode")
    ).screenshot(path=str(SCREENSHOTS / "overview-cvb-390-breaches.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    link = attention.get_by_role("link", name=f"{overdue.reference}: de termijn van 72 uur")
    link.click()
    page.get_by_role("heading", name=f"Datalek {overdue.reference}").wait_for()
    assert "/datalekken/" in page.url
    screenshot("overview-cvb-followed-overdue-breach")

    page.goto("/checklist/stichting/")
    section = page.locator("section", has_text="Antwoord en bewijs spreken elkaar tegen")
    section.get_by_text("zonder actieve verwerkersovereenkomst").first.wait_for()
    screenshot("overview-checklist-dashboard-contradiction")


def test_the_overview_follows_the_chosen_period_and_a_directie_sees_their_own_school(
    page, screenshot, world
):
    from governance import services as governance_services

    office = world.beheerder
    supplier = af.supplier(office, world.foundation)
    af.product_in_use(office, world.school, af.product(office, supplier))
    af.product_in_use(office, world.other_school, af.product(office, supplier, name="Klasbord App"))
    report_breach(world.teacher, world.school)
    governance_services.figure_snapshots_take()

    sign_in(page, world.cvb)
    page.goto("/organisatie/overzicht/")
    form = page.get_by_role("form", name="Periode")
    form.get_by_label("Periode").select_option("custom")
    form.get_by_label("Van").fill("2026-03-01")
    form.get_by_label("Tot en met").fill("2026-01-01")
    form.get_by_role("button", name="Toon").click()
    page.get_by_text("De laatste dag ligt vóór de eerste dag.").first.wait_for()
    screenshot("overview-period-bad-dates-1280")
    form.get_by_label("Periode").select_option("last_year")
    form.get_by_role("button", name="Toon").click()
    page.get_by_text("De cijfers gaan over schooljaar").wait_for()
    card = page.locator(
        "section.overview-card",
        has=page.get_by_role("heading", name="Producten zonder getekende verwerkersovereenkomst"),
    )
    card.get_by_role("heading", name="Verloop per maand").wait_for()
    screenshot("overview-period-last-year-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("overview-period-last-year-390")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, world.directie)
    page.locator("nav.main-nav").get_by_role("link", name="Overzicht school").click()
    page.get_by_role("heading", name="Overzicht van uw school").wait_for()
    body = page.locator("main").inner_text()
    assert "De Regenboog" in body and "Het Kompas" not in body
    screenshot("overview-directie-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("overview-directie-390")
