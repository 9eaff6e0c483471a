"""Periodic jobs of the agreements app: thin wrappers that call services and leave a JobRun.

Each is idempotent: reminders are recorded per agreement and period (``Reminder``), so a job that
runs twice sends nothing twice, and a job that did not run catches up on its next run.
"""

from celery import shared_task
from celery.schedules import crontab

from agreements import services
from privacy_portal.jobs import recorded_run


@shared_task(name="agreements.activate_due")
def activate_due() -> int:
    with recorded_run("agreements.activate_due") as run:
        count = services.agreements_activate_due()
        run.count("activated", count)
    return count


@shared_task(name="agreements.remind_awaiting_cvb")
def remind_awaiting_cvb() -> int:
    with recorded_run("agreements.remind_awaiting_cvb") as run:
        count = services.reminders_send_awaiting()
        run.count("reminders", count)
    return count


@shared_task(name="agreements.remind_ending")
def remind_ending() -> int:
    with recorded_run("agreements.remind_ending") as run:
        ending = services.reminders_send_ending()
        destruction = services.reminders_send_destruction()
        run.count("ending", ending)
        run.count("destruction", destruction)
    return ending + destruction


BEAT_SCHEDULE = {
    "agreements-activate-due": {
        "task": "agreements.activate_due",
        "schedule": crontab(minute=15, hour=0),
    },
    "agreements-remind-awaiting-cvb": {
        "task": "agreements.remind_awaiting_cvb",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "agreements-remind-ending": {
        "task": "agreements.remind_ending",
        "schedule": crontab(minute=30, hour=7),
    },
}
