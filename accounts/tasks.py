"""Periodic jobs of the accounts app (thin wrappers around services)."""

from celery import shared_task
from celery.schedules import crontab

from accounts import services
from privacy_portal.jobs import recorded_run


@shared_task(name="accounts.sync_role_groups")
def sync_role_groups() -> int:
    """Apply memberships that start or end today to everyone's role groups."""
    with recorded_run("accounts.sync_role_groups") as run:
        count = services.sync_all_user_groups()
        run.count("users", count)
    return count


BEAT_SCHEDULE = {
    "accounts-sync-role-groups": {
        "task": "accounts.sync_role_groups",
        "schedule": crontab(minute=5, hour=0),
    },
}
