"""Periodic jobs of the retention app (thin wrappers around ``retention.services``)."""

from celery import shared_task
from celery.schedules import crontab

from privacy_portal.jobs import recorded_run
from retention import services


@shared_task(name="retention.purge_expired", acks_late=True)
def purge_expired() -> int | None:
    """Daily: remove what has expired (R13), in batches; returns the PurgeRun id, or None when
    another run is still alive (it goes on; this one changes nothing)."""
    with recorded_run("retention.purge_expired") as job:
        try:
            run = services.purge_expired()
        except services.PurgeAlreadyRunning:
            job.log("another purge run is alive; this one skipped")
            return None
        for key, value in run.counts.items():
            job.count(key, value)
        job.log(f"purge run {run.pk}: {run.counts.get('pupils', 0)} pupils")
    return run.pk


@shared_task(name="retention.erase_files", acks_late=True)
def erase_files() -> int:
    """Remove files whose dossier rows were purged (enqueued after the purge commits)."""
    with recorded_run("retention.erase_files") as job:
        removed = services.files_erase()
        job.count("files", removed)
    return removed


BEAT_SCHEDULE = {
    "retention-purge-expired": {
        "task": "retention.purge_expired",
        "schedule": crontab(minute=30, hour=2),
    },
    # Files whose hand-off after a purge was lost (broker down) are erased within the hour.
    "retention-erase-files": {"task": "retention.erase_files", "schedule": crontab(minute=45)},
}
