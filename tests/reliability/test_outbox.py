"""Mail leaves through the outbox: an action succeeds whatever the mail server does, and its
mails go out exactly once afterwards."""

import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from breaches.models import Breach
from portal.models import ParentRequest
from privacy_portal import hooks, tasks
from privacy_portal import mail as outbox
from privacy_portal.models import OutboxMail
from tests.breaches.factories import report_breach

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class RefusingBackend:
    """A mail server that refuses every connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def refusing_mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


@pytest.fixture
def hanging_mail_server(settings):
    """A real SMTP backend talking to a server that accepts the connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = listener.getsockname()
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _file_objection(client_for, world, callbacks):
    with callbacks(execute=True):
        return client_for(world.parent).post(
            reverse("portal:request_new", args=[world.pupil.pk]),
            {"kind": "bezwaar", "description": "Geen foto's op de website, graag."},
        )


def _later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def test_a_parents_request_succeeds_with_the_mail_server_down_and_its_mails_go_once_later(
    world, client_for, django_capture_on_commit_callbacks, refusing_mail_server, settings
):
    response = _file_objection(client_for, world, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert ParentRequest.objects.count() == 1
    assert mail.outbox == []
    assert set(OutboxMail.objects.values_list("status", "attempts")) == {("pending", 1)}

    settings.EMAIL_BACKEND = LOCMEM  # the mail server is back
    with _later(2):
        tasks.sweep_outbox()
        tasks.sweep_outbox()  # a second sweep (or a second worker) sends nothing again
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert world.parent.email in recipients
    assert len(mail.outbox) == OutboxMail.objects.count() == 2
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_breach_report_succeeds_with_a_hanging_mail_server_and_the_mail_goes_once_later(
    world, client_for, django_capture_on_commit_callbacks, hanging_mail_server, settings
):
    from tests.breaches.test_bad_input import valid_report

    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.teacher).post(reverse("breaches:report"), valid_report(world))
    assert response.status_code == 302, response.content.decode()[:500]
    assert timezone.now() - started < timedelta(seconds=8)  # bounded by EMAIL_TIMEOUT
    assert Breach.objects.count() == 1
    queued = OutboxMail.objects.get()
    assert (queued.status, queued.attempts) == ("pending", 1)
    assert queued.last_error == "SMTPServerDisconnected"  # "timed out" after EMAIL_TIMEOUT

    settings.EMAIL_BACKEND = LOCMEM
    with _later(2):
        tasks.sweep_outbox()
        tasks.deliver_mail(queued.pk)  # a late, redelivered task
    assert [m.to for m in mail.outbox] == [[world.fg.email]]


def test_a_delivered_mail_keeps_no_copy_of_what_it_said(world):
    outbox.send_templated_mail_on_commit(
        "breaches/email/reported",
        {"breach": report_breach(world.teacher, world.school), "url": "/"},
        [world.fg.email],
    )
    queued = OutboxMail.objects.filter(status="pending").last()
    assert queued.body and queued.recipients
    assert outbox.deliver(queued.pk) == "sent"
    queued.refresh_from_db()
    assert (queued.subject, queued.body, queued.recipients) == ("", "", [])
    assert queued.recipient_count == 1 and queued.sent_at


def test_a_rolled_back_action_sends_nothing(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        report_breach(world.teacher, world.school)
        raise RuntimeError("the action failed after writing its mail")
    assert not OutboxMail.objects.exists()
    assert mail.outbox == []


def test_plain_text_mails_are_not_html_escaped():
    from types import SimpleNamespace

    letter = SimpleNamespace(subject="Foto's & video's", body="Beste ouder, 't is <kort>.")
    subject, body = outbox.render_mail("breaches/email/letter", {"letter": letter})
    assert subject == "Foto's & video's"
    assert "&#x27;" not in subject + body and "&amp;" not in subject + body


def test_the_fg_sees_mails_that_failed_after_the_retries_and_can_send_them_again(
    world, client_for, refusing_mail_server, settings
):
    outbox.send_templated_mail_on_commit("breaches/email/letter", {"letter": None}, ["a@b.nl"])
    queued = OutboxMail.objects.get()
    for minutes in range(0, 24 * 60, 30):  # a day of sweeps against a dead server
        with _later(minutes):
            outbox.sweep()
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", settings.MAIL_MAX_ATTEMPTS)

    items = hooks.attention(world.fg)
    assert any("kon niet worden afgeleverd" in item.title for item in items)
    assert not any("afgeleverd" in item.title for item in hooks.attention(world.directie))
    page = client_for(world.fg).get(reverse("outbox_failed")).content.decode()
    assert "breaches/email/letter" in page and "a@b.nl" not in page

    settings.EMAIL_BACKEND = LOCMEM
    client_for(world.fg).post(reverse("outbox_failed"))
    outbox.sweep()
    assert [m.to for m in mail.outbox] == [["a@b.nl"]]


def test_only_the_fg_opens_the_undelivered_mail_page(world, client_for):
    assert client_for(world.directie).get(reverse("outbox_failed")).status_code == 403


def test_a_broker_that_is_down_fails_no_action_and_the_sweep_delivers(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.deliver_mail, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        report_breach(world.teacher, world.school)
    assert mail.outbox == []
    tasks.sweep_outbox()
    assert [m.to for m in mail.outbox] == [[world.fg.email]]


def test_the_sweep_and_the_reaper_are_on_the_beat_schedule_also_for_make_run():
    from privacy_portal.celery import collect_beat_schedule

    schedule = collect_beat_schedule()
    long_ago = timezone.now() - timedelta(minutes=5)
    for name in ("privacy_portal.sweep_outbox", "privacy_portal.reap_jobs"):
        # runserver_with_jobs (make run) asks every entry is_due, as Celery beat does.
        assert schedule[name]["schedule"].is_due(long_ago)[0]


def test_the_outbox_is_no_archive_records_of_old_sent_mail_go(world):
    outbox.send_templated_mail_on_commit("breaches/email/letter", {"letter": None}, ["a@b.nl"])
    assert outbox.sweep()["sent"] == 1
    with _later(60 * 24 * 89):
        tasks.reap_jobs()
    assert OutboxMail.objects.count() == 1
    with _later(60 * 24 * 91):
        tasks.reap_jobs()
    assert not OutboxMail.objects.exists()


def test_a_failed_mail_forgets_what_it_said_after_30_days_and_its_record_after_a_year(
    world, client_for, refusing_mail_server, settings
):
    """Issue 15: undelivered mails kept naming the pupil for ever. Retention: the FG can send
    them again for 30 days; then subject, body and addresses go, the row stays as the fact of a
    failed delivery, and after a year the row goes too."""
    outbox.send_templated_mail_on_commit(
        "breaches/email/letter", {"letter": None}, ["ouder@thuis.nl"]
    )
    queued = OutboxMail.objects.get()
    for minutes in range(0, 24 * 60, 30):
        with _later(minutes):
            outbox.sweep()
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.recipients == ["ouder@thuis.nl"]
    with _later(60 * 24 * 29):
        tasks.reap_jobs()
    queued.refresh_from_db()
    assert queued.body and queued.recipients  # within the term: still to be sent again

    with _later(60 * 24 * 32):
        tasks.reap_jobs()
        queued.refresh_from_db()
        assert (queued.subject, queued.body, queued.recipients) == ("", "", [])
        assert queued.status == "failed" and queued.recipient_count == 1
        assert not any("afgeleverd" in item.title for item in hooks.attention(world.fg))
        page = client_for(world.fg).get(reverse("outbox_failed")).content.decode()
        assert "breaches/email/letter" in page and "gewist" in page
        assert outbox.retry_failed() == 0  # nothing left to send, and to no one

    with _later(60 * 24 * 366):
        tasks.reap_jobs()
    assert not OutboxMail.objects.exists()


def test_only_a_given_up_mail_past_its_30_days_forgets_its_text():
    """The boundary of ``forget_failed``: a mail given up 31 days ago is cleared (the row stays
    as the fact of a failed delivery), one given up 29 days ago can still be sent again, and a
    delivered or still pending mail is not touched."""
    now = timezone.now()

    def mail_of(status, given_up_days_ago):
        return OutboxMail.objects.create(
            template="breaches/email/letter",
            subject="Datalek: Sanne",
            body="Over Sanne de Vries",
            recipients=["ouder@thuis.nl"],
            recipient_count=1,
            status=status,
            attempts=6,
            next_attempt_at=now - timedelta(days=given_up_days_ago),
        )

    old = mail_of(OutboxMail.Status.FAILED, 31)
    recent = mail_of(OutboxMail.Status.FAILED, 29)
    delivered = mail_of(OutboxMail.Status.SENT, 31)  # as in demo mode, which keeps the text
    pending = mail_of(OutboxMail.Status.PENDING, 31)

    assert outbox.forget_failed(now=now) == {"cleared": 1, "deleted": 0}
    old.refresh_from_db()
    assert (old.subject, old.body, old.recipients) == ("", "", [])
    assert (old.status, old.template, old.recipient_count) == ("failed", "breaches/email/letter", 1)
    for kept in (recent, delivered, pending):
        kept.refresh_from_db()
        assert (kept.subject, kept.body, kept.recipients) == (
            "Datalek: Sanne",
            "Over Sanne de Vries",
            ["ouder@thuis.nl"],
        )
