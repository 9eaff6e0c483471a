"""The 72-hour clock with frozen time: a breach discovered on a Friday evening must be notified
by Monday evening (weekends count); reminders at 24 and 8 hours left and an overdue alert fire
once each; a late notification needs the reason for the delay."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from breaches import services, tasks
from breaches.models import BreachReminder
from privacy_portal.models import JobRun
from tests.breaches.factories import assess, notify, report_breach

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
FRIDAY_EVENING = datetime(2026, 11, 20, 19, 30, tzinfo=AMS)  # a Friday


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def breach(world, time_machine):
    time_machine.move_to(at(20, 19, 50), tick=False)
    return report_breach(
        world.teacher,
        world.school,
        discovered_at=FRIDAY_EVENING,
        occurred_at=at(20, 17, 0),
    )


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    def run():
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_clock_reminders.apply()
        return [m.subject for m in mail.outbox]

    return run


def test_friday_evening_discovery_must_be_notified_by_monday_evening(breach):
    assert breach.ap_deadline == at(23, 19, 30)
    assert breach.ap_deadline.astimezone(AMS).strftime("%A") == "Monday"


def test_nothing_is_sent_while_more_than_24_hours_are_left(breach, time_machine, run_job):
    time_machine.move_to(at(21, 12), tick=False)  # Saturday noon: 55.5 hours left
    assert run_job() == []
    assert not BreachReminder.objects.exists()


def test_reminders_fire_once_each_at_24_and_8_hours_and_an_alert_when_overdue(
    world, breach, time_machine, run_job
):
    # Since issue 20 each reminder goes to three roles (FG, CvB, directie): three mails.
    time_machine.move_to(at(22, 19, 45), tick=False)  # Sunday: 23h45 left
    first = run_job()
    assert len(first) == 3 and all("Nog 23 uur" in subject for subject in first)
    assert [world.fg.email] in [m.to for m in mail.outbox]
    assert run_job() == []  # the job runs again: nothing new

    time_machine.move_to(at(23, 11, 45), tick=False)  # Monday: 7h45 left
    assert len(run_job()) == 3
    assert run_job() == []

    time_machine.move_to(at(23, 19, 45), tick=False)  # Monday: 15 minutes overdue
    overdue = run_job()
    assert len(overdue) == 3 and all("Termijn verstreken" in subject for subject in overdue)
    time_machine.move_to(at(24, 9), tick=False)
    assert run_job() == []

    kinds = sorted(breach.reminders.values_list("kind", flat=True))
    assert kinds == ["24h", "8h", "overdue"]
    assert JobRun.objects.filter(job="breaches.send_clock_reminders").count() == 6
    assert JobRun.objects.filter(status="succeeded").count() == 6


def test_a_job_that_did_not_run_for_a_day_sends_only_the_most_urgent_reminder(
    breach, time_machine, run_job
):
    time_machine.move_to(at(23, 12), tick=False)  # first run on Monday noon: 7.5 hours left
    sent = run_job()
    assert len(sent) == 3 and all("Nog 7 uur" in subject for subject in sent)
    reminders = dict(breach.reminders.values_list("kind", "mailed"))
    assert reminders == {"24h": False, "8h": True}


def test_notified_breach_gets_no_reminders(world, breach, time_machine, run_job):
    time_machine.move_to(at(21, 10), tick=False)
    assess(breach, world.fg)
    notify(breach, world.fg, sent_at=at(21, 10))
    time_machine.move_to(at(23, 20), tick=False)
    assert run_job() == []


def test_breach_judged_not_notifiable_stops_the_clock(world, breach, time_machine, run_job):
    time_machine.move_to(at(21, 10), tick=False)
    assess(breach, world.fg, risk="none", notify_ap=False, inform_subjects=False)
    time_machine.move_to(at(23, 20), tick=False)
    assert run_job() == []


def test_a_late_first_notification_requires_the_reason_for_the_delay(world, breach, time_machine):
    time_machine.move_to(at(24, 10), tick=False)  # Tuesday morning: overdue
    assess(breach, world.fg)
    with pytest.raises(ValidationError) as error:
        notify(breach, world.fg, sent_at=at(24, 9, 30))
    assert "late_reason" in error.value.error_dict
    assert "72 uur" in error.value.error_dict["late_reason"][0].message
    notification = notify(
        breach,
        world.fg,
        sent_at=at(24, 9, 30),
        late_reason="Het meldloket van de AP was in het weekend niet bereikbaar voor ons.",
    )
    assert notification.is_late


def test_a_notification_within_72_hours_needs_no_reason(world, breach, time_machine):
    time_machine.move_to(at(23, 19, 0), tick=False)  # Monday, half an hour before the deadline
    assess(breach, world.fg)
    assert not notify(breach, world.fg, sent_at=at(23, 19, 0)).is_late


def test_a_follow_up_after_the_deadline_needs_no_reason(world, breach, time_machine):
    time_machine.move_to(at(21, 10), tick=False)
    assess(breach, world.fg)
    notify(breach, world.fg, sent_at=at(21, 10))
    time_machine.move_to(at(26, 10), tick=False)
    follow_up = notify(breach, world.fg, sent_at=at(26, 10), summary="Aanvulling.")
    assert follow_up.kind == "follow_up"


def test_hours_left_are_shown_on_the_breach_and_the_fg_start_page(
    world, breach, time_machine, client_for
):
    time_machine.move_to(at(21, 1, 30), tick=False)  # Saturday 01:30: 66 hours left
    client = client_for(world.fg)
    page = client.get(f"/datalekken/{breach.pk}/").content.decode()
    assert "Nog 66 uur om te melden bij de AP" in page
    home = client.get("/").content.decode()
    assert f"{breach.reference}: nog 66 uur om te melden bij de AP" in home


def test_overdue_breach_is_shown_as_overdue(world, breach, time_machine, client_for):
    time_machine.move_to(at(24, 1, 30), tick=False)
    home = client_for(world.fg).get("/").content.decode()
    assert "72 uur is 6 uur geleden verstreken" in home


def test_beat_schedule_names_the_real_task():
    from privacy_portal.celery import app

    entry = tasks.BEAT_SCHEDULE["breaches-send-clock-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_the_service_is_idempotent_for_the_same_moment(breach, time_machine):
    time_machine.move_to(at(23, 12), tick=False)
    assert services.breach_send_clock_reminders() == 1
    assert services.breach_send_clock_reminders() == 0


def _received(address):
    return [m.subject for m in mail.outbox if address in m.to]


def test_each_escalation_mail_goes_once_to_the_fg_the_cvb_and_the_directie_involved(
    world, breach, time_machine, django_capture_on_commit_callbacks
):
    roles = {
        "fg": world.fg.email,
        "cvb": world.cvb.email,
        "directie": world.directie.email,
    }
    mail.outbox.clear()
    for moment in [at(22, 19, 45), at(22, 20), at(23, 11, 45), at(23, 12), at(23, 19, 45)]:
        time_machine.move_to(moment, tick=False)
        for _run in range(2):  # a job that runs twice sends nothing twice
            with django_capture_on_commit_callbacks(execute=True):
                tasks.send_clock_reminders.apply()
    for role, address in roles.items():
        subjects = _received(address)
        assert len(subjects) == 3, role
        assert "Nog 23 uur" in subjects[0] and "Nog 7 uur" in subjects[1], role
        assert "Termijn verstreken" in subjects[2], role
    # The directie of a school that is not involved, and other staff, hear nothing.
    assert _received(world.directie_other_school.email) == []
    assert _received(world.teacher.email) == []
    stored = dict(breach.reminders.values_list("kind", "sent_to"))
    assert stored == {
        "24h": ["fg", "cvb", "directie"],
        "8h": ["fg", "cvb", "directie"],
        "overdue": ["fg", "cvb", "directie"],
    }


def test_the_board_and_directie_mail_says_why_they_receive_it(world, breach, time_machine, run_job):
    time_machine.move_to(at(23, 19, 45), tick=False)
    run_job()
    by_address = {m.to[0]: m.body for m in mail.outbox}
    assert "als College van Bestuur" in by_address[world.cvb.email]
    assert "als directie van een betrokken school" in by_address[world.directie.email]
    assert "reden van de vertraging" in by_address[world.fg.email]
    assert "De Regenboog" in by_address[world.cvb.email]
    # No personal data of the people involved in the mail: not the description.
    assert "zorgnotities" not in by_address[world.cvb.email]


def test_the_cvb_sees_running_clocks_on_the_start_page(world, breach, time_machine, client_for):
    time_machine.move_to(at(24, 1, 30), tick=False)
    home = client_for(world.cvb).get("/").content.decode()
    assert "72 uur is 6 uur geleden verstreken" in home
