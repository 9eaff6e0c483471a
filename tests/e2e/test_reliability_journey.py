"""Journey: the mail server was away for a day. The FG sees on the start page that mails could
not be delivered, opens the list (kind, time, attempts, error: no content, no addresses) and
sends them again once the server works. The administration's import whose worker stopped
answering says so and stops refreshing itself."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from privacy_portal import mail as outbox
from privacy_portal.models import OutboxMail
from students.models import ImportRun
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_fg_sends_undelivered_mail_again_and_a_stuck_import_says_so(
    page, screenshot, world, settings
):
    subject, body = outbox.render_mail(
        "breaches/email/letter",
        {"letter": type("L", (), {"subject": "Datalek", "body": "Beste ouder"})},
    )
    OutboxMail.objects.create(  # as the outbox leaves a mail after a day of refusals
        template="breaches/email/letter",
        subject=subject,
        body=body,
        recipients=[world.parent.email],
        recipient_count=1,
        status="failed",
        attempts=6,
        last_error="ConnectionRefusedError",
    )
    mail.outbox.clear()

    sign_in(page, world.fg)
    page.get_by_role("link", name="1 e-mail kon niet worden afgeleverd").click()
    page.get_by_role("heading", name="Niet-afgeleverde e-mails").wait_for()
    assert world.parent.email not in page.content()
    screenshot("reliability-undelivered-mail")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("reliability-undelivered-mail-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Alle opnieuw versturen").click()
    page.get_by_text("1 e-mail wordt opnieuw verstuurd.").wait_for()
    outbox.sweep()
    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    page.goto("/")
    assert "kon niet worden afgeleverd" not in page.content()

    run = ImportRun.objects.create(
        school=world.school,
        actor=world.administratie,
        status=ImportRun.Status.RUNNING,
        mode="all",
        rows_total=120,
        rows_valid=120,
        upload_path="imports/verdwenen.csv",
        heartbeat_at=timezone.now() - timedelta(hours=2),
        attempts=1,
    )
    page.context.clear_cookies()
    sign_in(page, world.administratie)
    page.goto(f"/leerlingen/importeren/{run.pk}/")
    page.get_by_text("De achtergrondverwerking reageert al een tijd niet.").wait_for()
    assert "data-poll=" not in page.content()
    screenshot("reliability-stuck-import")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("reliability-stuck-import-390")


def test_the_same_form_sent_twice_from_the_browser_adds_one_emergency_contact(page, world):
    """The page renders the form's one-time token: the same filled-in form sent twice
    (as a double click or a resend does) adds the contact once, and the second answer is the
    first result with a word on why."""
    from django.urls import reverse

    sign_in(page, world.administratie)
    page.goto(reverse("students:emergency_contact_create", args=[world.pupil.pk]))
    page.get_by_label("Naam").fill("Buurvrouw Els")
    page.get_by_label("Telefoon").fill("06 12345678")
    first_url, second_url, second_page = page.evaluate(
        """async () => {
            const form = document.querySelector("main form[method='post']");
            const data = new FormData(form);
            const send = () => fetch(location.href, {method: "POST", body: data});
            const first = await send();
            const second = await send();
            return [first.url, second.url, await second.text()];
        }"""
    )
    assert world.pupil.emergency_contacts.count() == 1
    assert first_url == second_url
    assert "Dit formulier was al verstuurd" in second_page
