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


@shared_task(name="accounts.prune_class_role_groups")
def prune_class_role_groups() -> int:
    """Remove role groups of classes of past school years that nobody teaches any more."""
    with recorded_run("accounts.prune_class_role_groups") as run:
        count = services.class_role_groups_prune()
        run.count("groups", count)
    return count


BEAT_SCHEDULE = {
    "accounts-sync-role-groups": {
        "task": "accounts.sync_role_groups",
        "schedule": crontab(minute=5, hour=0),
    },
    # After the nightly sync, so that assignments that ended yesterday count as ended.
    "accounts-prune-class-role-groups": {
        "task": "accounts.prune_class_role_groups",
        "schedule": crontab(minute=25, hour=0),
    },
}
