"""Periodic jobs of the consent app: thin wrappers around ``consent.services``."""

from celery import shared_task
from celery.schedules import crontab

from consent import services
from privacy_portal.jobs import recorded_run


@shared_task(name="consent.send_yearly_reminders")
def send_yearly_reminders() -> int:
    """R8: once per school year, after the request and the foundation's interval, remind every
    parent of a pupil under 16 of their choices and that consent can be withdrawn."""
    with recorded_run("consent.send_yearly_reminders") as run:
        return services.consent_reminders_send(run=run)


@shared_task(name="consent.ask_parents_for_school_year")
def ask_parents_for_school_year() -> int:
    """From the foundation's round start day: ask parents (and pupils of 16+) for this year."""
    with recorded_run("consent.ask_parents_for_school_year") as run:
        return services.consent_requests_send(run=run)


@shared_task(name="consent.ask_parents_of_pupil")
def ask_parents_of_pupil(pupil_id: int) -> int:
    """At enrolment: ask the parents of one pupil (takes the id, never the pupil)."""
    with recorded_run("consent.ask_parents_of_pupil") as run:
        return services.consent_requests_send(pupil_ids=[pupil_id], run=run)


@shared_task(name="consent.ask_again_after_widening")
def ask_again_after_widening(text_id: int) -> int:
    """After a widened channel text: ask again the parents whose answers stopped counting."""
    with recorded_run("consent.ask_again_after_widening") as run:
        return services.consent_ask_again_send(text_id=text_id, run=run)


# Daily: each job only sends what is due (from the foundation's round start day, the reminder
# after its interval) and was not sent yet this school year, so running it every day is how a
# missed or crashed run catches up, and how a pupil enrolled mid-year (or whose parent got an
# e-mail address later) is still asked within a day, even without the enrolment hook.
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
