"""Periodic jobs of the checklist (thin wrappers around ``checklist.services``)."""

from celery import shared_task
from celery.schedules import crontab

from checklist import services
from privacy_portal.jobs import recorded_run


@shared_task(name="checklist.open_rounds")
def open_rounds() -> int:
    """At the start of the school year, open the round of every school that has none yet."""
    with recorded_run("checklist.open_rounds") as run:
        count = services.rounds_open_for_school_year(run=run)
        run.count("rounds_opened", count)
    return count


@shared_task(name="checklist.send_reminders")
def send_reminders() -> int:
    """Remind staff who have not answered every item of an open round (at most weekly each)."""
    with recorded_run("checklist.send_reminders") as run:
        count = services.round_send_reminders(run=run)
        run.count("reminders", count)
    return count


BEAT_SCHEDULE = {
    # 1 August starts the school year; the first week catches up on a missed run.
    "checklist-open-rounds": {
        "task": "checklist.open_rounds",
        "schedule": crontab(minute=30, hour=2, day_of_month="1-7", month_of_year=8),
    },
    "checklist-send-reminders": {
        "task": "checklist.send_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
}
