"""Periodic jobs of the breaches app (thin wrappers around services)."""

from celery import shared_task
from celery.schedules import crontab

from breaches import services
from privacy_portal.jobs import recorded_run


@shared_task(name="breaches.send_clock_reminders")
def send_clock_reminders() -> int:
    """Remind the FG at 24 and 8 hours before the 72-hour AP deadline, and alert when overdue."""
    with recorded_run("breaches.send_clock_reminders") as run:
        sent = services.breach_send_clock_reminders(run=run)
        run.count("mailed", sent)
    return sent


BEAT_SCHEDULE = {
    # Every 15 minutes: a reminder is at most a quarter of an hour late, and each fires once.
    "breaches-send-clock-reminders": {
        "task": "breaches.send_clock_reminders",
        "schedule": crontab(minute="*/15"),
    },
}
