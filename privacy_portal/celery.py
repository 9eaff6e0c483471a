"""The Celery app. Periodic jobs are listed in BEAT_SCHEDULE below; each app contributes its
entries through a ``BEAT_SCHEDULE`` dict in its own ``tasks.py`` so that apps stay independent."""

import os
from importlib import import_module

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_portal.settings")

app = Celery("privacy_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def collect_beat_schedule() -> dict:
    """Merge the BEAT_SCHEDULE dicts of every installed app's tasks module."""
    from django.apps import apps as django_apps

    schedule: dict = {}
    for config in django_apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tasks":
                raise
            continue
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    return schedule


@app.on_after_finalize.connect
def _install_beat_schedule(sender, **kwargs):
    sender.conf.beat_schedule = collect_beat_schedule()
