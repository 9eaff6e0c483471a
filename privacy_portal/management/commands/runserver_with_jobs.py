"""The development server plus the periodic jobs, in one process (no Redis, no Celery worker).

Tasks run in-process because CELERY_TASK_ALWAYS_EAGER is on without REDIS_URL; this command
also plays the part of Celery beat: a background thread calls every scheduled job when due.
Without a SITE_URL in the environment, links in mails use the address this server listens on
(``make run PORT=8123`` mails links to port 8123).
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand
from django.utils import timezone

logger = logging.getLogger(__name__)


def _beat_loop(stop: threading.Event, tick_seconds: int = 30) -> None:
    from privacy_portal.celery import app, collect_beat_schedule

    schedule = collect_beat_schedule()
    last_run = {name: timezone.now() for name in schedule}
    while not stop.wait(tick_seconds):
        for name, entry in schedule.items():
            due, _next = entry["schedule"].is_due(last_run[name])
            if not due:
                continue
            last_run[name] = timezone.now()
            try:
                app.tasks[entry["task"]].apply(
                    args=entry.get("args", ()), kwargs=entry.get("kwargs", {})
                )
                logger.info("periodic job %s ran", name)
            except Exception:
                logger.exception("periodic job %s failed", name)


class Command(RunserverCommand):
    help = "Run the development server with the periodic jobs in-process."

    def inner_run(self, *args, **options):
        if not os.environ.get("SITE_URL"):
            host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
            settings.SITE_URL = f"{self.protocol}://{host}:{self.port}"
        stop = threading.Event()
        thread = threading.Thread(
            target=_beat_loop, args=(stop,), daemon=True, name="in-process-beat"
        )
        thread.start()
        self.stdout.write("Periodieke taken draaien in dit proces (geen Redis nodig).")
        try:
            super().inner_run(*args, **options)
        finally:
            stop.set()
            time.sleep(0)
