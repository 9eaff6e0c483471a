"""Periodic jobs of the governance app (thin wrappers around services)."""

from celery import shared_task
from celery.schedules import crontab

from governance import services
from privacy_portal.jobs import recorded_run


@shared_task(name="governance.apply_due_departures")
def apply_due_departures() -> int:
    """Carry out departures whose date has come (idempotent; runs every hour so that a late or
    missed run is caught up the same day)."""
    failed: list[int] = []
    with recorded_run("governance.apply_due_departures") as run:
        count = services.departures_apply_due(
            on_apply=lambda pk: run.log(f"departure {pk} applied"),
            on_error=failed.append,
        )
        run.count("departures", count)
        if failed:
            # Mark the run as failed (after applying the others) so that staff see it.
            raise RuntimeError(f"departures not applied: {failed}")
    return count


@shared_task(name="governance.snapshot_figures")
def snapshot_figures() -> int:
    """Keep this month's values of the overview's "now" figures (nightly; idempotent per month,
    so that a missed or doubled night changes nothing but the month's latest value)."""
    with recorded_run("governance.snapshot_figures") as run:
        count = services.figure_snapshots_take()
        run.count("snapshots", count)
    return count


BEAT_SCHEDULE = {
    "governance-snapshot-figures": {
        "task": "governance.snapshot_figures",
        "schedule": crontab(hour=2, minute=40),
    },
    "governance-apply-due-departures": {
        "task": "governance.apply_due_departures",
        "schedule": crontab(minute=10),
    },
}
