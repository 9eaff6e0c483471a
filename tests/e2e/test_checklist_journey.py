"""Journey: the directie opens the checklist round, two teachers answer, one 'niet OK' becomes an
action item, the directie closes the round and downloads the report; the FG sees all schools."""

import subprocess

import pytest

from checklist.models import Verdict
from tests.checklist.factories import answer_all, current_year, open_round, past_round
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OWN_LOGIN = "We werken nooit onder andermans inlog"


@pytest.fixture
def new_page(browser, live_server):
    """Another browser context (another person at another computer), offline like ``page``."""
    contexts, outside = [], []

    def make():
        context = browser.new_context(
            base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
        )

        def guard(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not outside, f"page tried to load from outside: {outside}"


def _answer_everything(page, *, not_ok: str | None = None):
    for radio in page.locator("input[type=radio][value=ok]").all():
        radio.check()
    if not_ok:
        group = page.get_by_role("group", name=not_ok)
        group.get_by_label("Niet OK").check()
        group.get_by_label("Opmerking (niet verplicht)").fill("Invallers krijgen soms onze inlog.")
    page.get_by_role("button", name="Antwoorden opslaan").click()
    page.get_by_text("uw antwoorden zijn opgeslagen").wait_for()


def test_directie_runs_a_round_and_fg_sees_all_schools(page, new_page, screenshot, world):
    year = current_year()
    # History for the trend: three earlier school years at both schools.
    for offset, (regenboog, kompas) in enumerate([(0.6, 0.5), (0.7, 0.65), (0.85, 0.7)]):
        past_round(world.school, year - 3 + offset, [world.teacher, world.ib], regenboog)
        past_round(world.other_school, year - 3 + offset, [world.teacher_other_school], kompas)

    # The directie opens this year's round.
    sign_in(page, world.directie)
    page.goto("/checklist/")
    page.get_by_role("link", name="Ronde openen").click()
    page.get_by_label("Drempel voor een actiepunt (%)").fill("25")
    page.get_by_role("button", name="Ronde openen").click()
    page.get_by_text("De ronde is geopend").wait_for()
    round_url = page.url

    # Two teachers answer; one says 'niet OK' on working under someone else's login.
    teacher_page = new_page()
    sign_in(teacher_page, world.teacher)
    teacher_page.get_by_role("link", name="Vul de Checklist privacy").click()
    screenshot_path = SCREENSHOTS / "checklist-teacher-answers.png"
    _answer_everything(teacher_page, not_ok=OWN_LOGIN)
    teacher_page.screenshot(path=str(screenshot_path), full_page=True)

    other_page = new_page()
    sign_in(other_page, world.other_teacher)
    other_page.goto(round_url)
    _answer_everything(other_page)

    # The directie makes the action items, then closes the round.
    page.goto(round_url)
    assert page.get_by_text("2 van 6 medewerkers hebben alles ingevuld").is_visible()
    page.get_by_role("button", name="Actiepunten maken").click()
    page.get_by_text("nieuwe actiepunten.").wait_for()
    actions = page.locator("#actions-title + table tbody tr")
    rows = [actions.nth(i).inner_text() for i in range(actions.count())]
    own_login = [row for row in rows if OWN_LOGIN in row]
    assert len(own_login) == 1
    assert "niet OK volgens medewerkers" in own_login[0]
    # The other actions are items the teachers called OK but the system's evidence contradicts
    # (in this fresh world: no consent answers yet, no FG registered with the AP).
    others = [row for row in rows if OWN_LOGIN not in row]
    assert others and all("niet OK volgens het systeem" in row for row in others)
    page.get_by_role("link", name="Ronde sluiten").click()
    page.get_by_role("button", name="Ja, ronde sluiten").click()
    page.get_by_text("De ronde is gesloten.").wait_for()
    assert page.locator("#actions-title + table tbody tr").count() == len(rows)
    screenshot("checklist-round-closed")

    # A teacher can no longer change anything.
    teacher_page.goto(round_url)
    assert teacher_page.get_by_role("button", name="Antwoorden opslaan").count() == 0

    # The report for the (G)MR.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rapport voor de (G)MR (pdf)").click()
    pdf_path = SCREENSHOTS / "checklist-report.pdf"
    download_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf_path), str(SCREENSHOTS / "checklist-report")],
        check=True,
    )

    # The other school runs its round too (through the services: not part of this journey).
    other_round = open_round(world.other_school, world.directie_other_school)
    answer_all(
        other_round,
        world.teacher_other_school,
        overrides=dict.fromkeys(
            ["eigen-inlog", "schoolmail-mobiel", "niet-op-de-pc", "geen-wachtwoordbriefjes"],
            Verdict.NOT_OK,
        ),
    )

    # The FG sees all schools side by side and the trend over the years.
    fg_page = new_page()
    sign_in(fg_page, world.fg)
    fg_page.goto("/checklist/stichting/")
    fg_page.get_by_role("heading", name="Scholen naast elkaar").wait_for()
    assert fg_page.locator("svg.chart polyline").count() == 2
    assert fg_page.get_by_role("link", name="De Regenboog").is_visible()
    assert fg_page.get_by_role("link", name="Het Kompas").is_visible()
    fg_page.screenshot(path=str(SCREENSHOTS / "checklist-foundation-dashboard.png"), full_page=True)
