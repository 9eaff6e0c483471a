"""Journey: a parent without an account opens the personal link from the consent request mail
on a phone, answers every channel, and the teacher's class photo list shows the result."""

import re

import pytest

from consent import services
from consent.models import ConsentDecision
from tests import factories as f
from tests.consent.factories import channels
from tests.e2e.helpers import menu, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_parent_without_account_answers_through_the_mailed_link_on_a_phone(
    world, page, screenshot, mailoutbox
):
    ch = channels(world.foundation)
    guardian = f.parent_of(world.pupil, with_account=False)
    services.consent_requests_send(pupil_ids=[world.pupil.pk])
    mail = next(m for m in mailoutbox if m.to == [guardian.email])
    path = re.search(r"https?://[^/\s]+(/toestemming/ouder/[^/\s]+/)", mail.body).group(1)

    # On a phone: the link opens a landing page; its button opens the form.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    screenshot("consent-link-landing-390")
    page.get_by_role("button", name="Naar mijn keuzes").click()
    page.get_by_role("heading", name="Foto's en video's van uw kinderen").wait_for()
    child = page.locator("section.consent-child", has=page.get_by_text("Mila"))
    for channel in ch.values():
        block = child.locator(
            "div.consent-channel", has=page.get_by_role("heading", name=channel.name, exact=True)
        )
        answer = "Nee, liever niet" if channel.key == "sociale-media" else "Ja, dat mag"
        block.get_by_label(answer).check()
    screenshot("consent-link-form-filled-390")
    page.get_by_role("button", name="Keuzes opslaan").click()
    page.get_by_text("Uw keuzes zijn opgeslagen en gelden vanaf nu.").wait_for()
    screenshot("consent-link-form-saved-390")
    assert ConsentDecision.objects.filter(pupil=world.pupil, source="link").count() == len(ch)
    # No horizontal scrolling on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The teacher's photo list shows the answers at once.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, world.teacher)
    menu(page, "Toestemming beeld")
    page.get_by_role("link", name="Groep 5a").first.click()
    table = page.locator("#consent-overview")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has=page.get_by_role("link", name="Jansen, Mila"))
    cells = row.locator("td").all_inner_texts()
    for channel in ch.values():
        cell = cells[headers.index(channel.name) - 1]
        if channel.key == "sociale-media":
            assert "nee" in cell and "ja" not in cell
        else:
            assert "ja" in cell
    screenshot("consent-link-teacher-photo-list-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("consent-link-teacher-photo-list-390")


@pytest.mark.django_db(transaction=True)
def test_administratie_enters_a_whole_paper_form_and_directie_confirms_the_two_parent_rule(
    world, page, screenshot
):
    ch = channels(world.foundation)
    second = f.parent_of(world.pupil, with_account=False)

    # The administratie copies the enrolment form: every channel × both parents, one post.
    sign_in(page, world.administratie)
    page.goto(f"/toestemming/leerling/{world.pupil.pk}/")
    form = page.locator("#paper-form")
    rows = form.locator("tbody tr")
    assert rows.count() == len(ch)
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        cells.nth(0).get_by_label("ja", exact=True).check()
        if i == 0:  # the second parent only filled in the first line
            cells.nth(1).get_by_label("nee", exact=True).check()
    screenshot("consent-paper-form-1280")
    form.get_by_role("button", name="Formulier vastleggen").click()
    page.get_by_text("8 antwoorden op papier zijn vastgelegd.").wait_for()
    assert ConsentDecision.objects.filter(pupil=world.pupil, source="paper").count() == 8
    assert {d.guardian_id for d in ConsentDecision.objects.all()} == {
        world.parent.guardian.pk,
        second.pk,
    }
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("consent-paper-history-390")
    page.context.clear_cookies()

    # The directie switches on the two-parent rule: the consequence first, then confirm.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, world.directie)
    page.goto(f"/toestemming/school/{world.school.pk}/")
    page.get_by_label("Beide ouders met gezag moeten toestemming geven").check()
    page.locator("#rule-form").get_by_role("button", name="Opslaan").click()
    page.get_by_text("1 leerling verliest toestemming voor 6 kanalen").wait_for()
    screenshot("consent-two-parent-rule-consequence-1280")
    page.get_by_role("button", name="Ja, wijzigen").click()
    page.get_by_text("De instelling is opgeslagen.").wait_for()
    assert services.requires_both_parents(world.school.pk)
