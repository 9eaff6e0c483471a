"""Periodic jobs of the consent app: thin wrappers around ``consent.services``."""

from celery import shared_task
from celery.schedules import crontab

from consent import services
from privacy_portal.jobs import recorded_run


@shared_task(name="consent.send_yearly_reminders")
def send_yearly_reminders() -> int:
    """R8: remind every parent once per school year that consent can be withdrawn."""
    with recorded_run("consent.send_yearly_reminders") as run:
        return services.consent_reminders_send(run=run)


@shared_task(name="consent.ask_parents_for_school_year")
def ask_parents_for_school_year() -> int:
    """At the start of the school year: ask parents to review consent for the new year."""
    with recorded_run("consent.ask_parents_for_school_year") as run:
        return services.consent_requests_send(run=run)


@shared_task(name="consent.ask_parents_of_pupil")
def ask_parents_of_pupil(pupil_id: int) -> int:
    """At enrolment: ask the parents of one pupil (takes the id, never the pupil)."""
    with recorded_run("consent.ask_parents_of_pupil") as run:
        return services.consent_requests_send(pupil_ids=[pupil_id], run=run)


# Daily: each job only sends what was not sent yet this school year, so running it every day is
# how a missed or crashed run catches up, and how a pupil enrolled mid-year (or whose parent got
# an e-mail address later) is still asked within a day, even without the enrolment hook.
BEAT_SCHEDULE = {
    "consent-ask-parents-for-school-year": {
        "task": "consent.ask_parents_for_school_year",
        "schedule": crontab(minute=0, hour=7),
    },
    "consent-send-yearly-reminders": {
        "task": "consent.send_yearly_reminders",
        "schedule": crontab(minute=30, hour=7),
    },
}
