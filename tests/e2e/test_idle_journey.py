"""Journey: a teacher answering the checklist is warned before the idle time-out and stays signed
in; when the time-out does strike, signing in again brings back the typed answers (WCAG 2.2.1)."""

import time

import pytest
from django.contrib.sessions.models import Session

from tests.checklist.factories import open_round
from tests.e2e.helpers import confirmed_totp_device, current_code, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REMARK = "Invallers krijgen soms onze inlog."


def _expire_every_session(settings):
    for stored in Session.objects.all():
        data = stored.get_decoded()
        if "last_seen" in data:
            data["last_seen"] = time.time() - settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - 5
            stored.session_data = Session.objects.encode(data)
            stored.save()


def test_idle_warning_keeps_the_teacher_signed_in_and_a_time_out_loses_no_answers(
    page, world, settings, screenshot
):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 1
    checklist_round = open_round(world.school, world.directie)
    page.clock.install()
    sign_in(page, world.teacher)
    page.goto(f"/checklist/rondes/{checklist_round.pk}/")

    # Half a minute without activity (the limit is one minute): the warning opens.
    page.clock.fast_forward("00:31")
    dialog = page.get_by_role("dialog", name="U wordt bijna automatisch uitgelogd")
    dialog.wait_for()
    screenshot("idle-warning")
    with page.expect_response("**/sessie/verlengen/") as renewed:
        dialog.get_by_role("button", name="Blijf ingelogd").click()
    assert renewed.value.status == 204
    assert not dialog.is_visible()

    # The teacher types answers, walks away, and the session ends on the server.
    for radio in page.locator("input[type=radio][value=ok]").all():
        radio.check()
    remark = page.get_by_label("Opmerking (niet verplicht)").first
    remark.fill(REMARK)
    _expire_every_session(settings)
    page.get_by_role("button", name="Antwoorden opslaan").click()

    # Signed out, the sign-in returns to the checklist page with the answers filled in again.
    page.get_by_label("E-mailadres").wait_for()
    assert "beoordelen" not in page.url and "next=%2Fchecklist%2Frondes" in page.url
    page.get_by_label("E-mailadres").fill(world.teacher.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if "/account/tweestaps/" in page.url:
        # A code counts once and the first sign-in used this period's; a person would wait for
        # the next code, the test lets the device forget the last one instead.
        device = confirmed_totp_device(world.teacher)
        device.refresh_from_db()
        device.last_t = -1
        device.save(update_fields=["last_t"])
        code = current_code(device)
        page.get_by_label("Code uit uw authenticator-app").fill(code)
        page.get_by_role("button", name="Verder").click()
    page.wait_for_url(f"**/checklist/rondes/{checklist_round.pk}/")
    page.get_by_text("Wat u had ingevuld is teruggezet").wait_for()
    assert page.get_by_label("Opmerking (niet verplicht)").first.input_value() == REMARK
    checked = page.locator("input[type=radio][value=ok]:checked").count()
    assert checked == page.locator("input[type=radio][value=ok]").count() > 20
    screenshot("idle-answers-restored")
