"""Periodic jobs of the governance app (thin wrappers around services)."""

from celery import shared_task
from celery.schedules import crontab

from governance import services
from privacy_portal.jobs import recorded_run


@shared_task(name="governance.apply_due_departures")
def apply_due_departures() -> int:
    """Carry out departures whose date has come (idempotent; runs every hour so that a late or
    missed run is caught up the same day)."""
    with recorded_run("governance.apply_due_departures") as run:
        count = services.departures_apply_due(
            on_apply=lambda pk: run.log(f"departure {pk} applied")
        )
        run.count("departures", count)
    return count


BEAT_SCHEDULE = {
    "governance-apply-due-departures": {
        "task": "governance.apply_due_departures",
        "schedule": crontab(minute=10),
    },
}
