"""Background work of the shared core: mail delivery from the outbox, its sweep, and the reaper
of stale background jobs (thin wrappers; the work is in privacy_portal.mail and .jobs)."""

from datetime import timedelta

from celery import shared_task
from celery.schedules import schedule

from privacy_portal import jobs, mail
from privacy_portal.jobs import recorded_run


@shared_task(name="privacy_portal.deliver_mail", acks_late=True, ignore_result=True)
def deliver_mail(mail_id: int) -> str:
    """Deliver one outbox mail (enqueued after the commit of the action that wrote it)."""
    return mail.deliver(mail_id)


@shared_task(name="privacy_portal.sweep_outbox", acks_late=True, ignore_result=True)
def sweep_outbox() -> dict:
    """Deliver what is due: mails whose task was lost (broker down) and retries."""
    return mail.sweep()


@shared_task(name="privacy_portal.reap_jobs", acks_late=True, ignore_result=True)
def reap_jobs() -> list:
    """Requeue or fail background jobs whose worker stopped answering."""
    with recorded_run("privacy_portal.reap_jobs") as run:
        lines = jobs.reap()
        for line in lines:
            run.log(line)
        run.count("reaped", len(lines))
    return lines


# Schedule objects, not bare numbers: runserver_with_jobs asks each entry ``is_due``.
BEAT_SCHEDULE = {
    "privacy_portal.sweep_outbox": {
        "task": "privacy_portal.sweep_outbox",
        "schedule": schedule(timedelta(minutes=1)),
    },
    "privacy_portal.reap_jobs": {
        "task": "privacy_portal.reap_jobs",
        "schedule": schedule(timedelta(minutes=2)),
    },
}
