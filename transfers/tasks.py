"""Periodic jobs of the transfers app (thin wrappers around services)."""

from celery import shared_task
from celery.schedules import crontab

from privacy_portal.jobs import recorded_run
from transfers import services


@shared_task(name="transfers.send_parent_reminders")
def send_parent_reminders() -> int:
    """Remind parents who have not yet signed an offered transfer dossier (weekly, max 3)."""
    with recorded_run("transfers.send_parent_reminders") as run:
        sent = services.reminders_send()
        run.count("reminders", sent)
        run.log(f"{sent} reminders sent")
    return sent


BEAT_SCHEDULE = {
    "transfers-send-parent-reminders": {
        "task": "transfers.send_parent_reminders",
        "schedule": crontab(minute=30, hour=8),
    },
}
