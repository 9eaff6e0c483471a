"""Periodic jobs of the parent portal."""

from celery import shared_task
from celery.schedules import crontab

from portal import services
from privacy_portal.jobs import recorded_run


@shared_task(name="portal.watch_request_deadlines")
def watch_request_deadlines() -> dict:
    """Warn handlers a week before a request's deadline; escalate to the FG on the day."""
    with recorded_run("portal.watch_request_deadlines") as run:
        counts = services.deadline_watch()
        for key, value in counts.items():
            run.count(key, value)
    return counts


BEAT_SCHEDULE = {
    "portal-watch-request-deadlines": {
        "task": "portal.watch_request_deadlines",
        "schedule": crontab(minute=15, hour=7),
    },
}
