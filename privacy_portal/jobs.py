"""Runs leave a record: wrap a periodic job so that it writes a JobRun row."""

import logging
from contextlib import contextmanager

from django.utils import timezone

from privacy_portal.models import JobRun

logger = logging.getLogger(__name__)


class RunRecorder:
    def __init__(self, run: JobRun):
        self.run = run
        self.lines: list[str] = []

    def count(self, key: str, amount: int = 1) -> None:
        self.run.counts[key] = self.run.counts.get(key, 0) + amount

    def log(self, line: str) -> None:
        """Add a log line. Only ids and counts: never names or other personal data."""
        self.lines.append(f"{timezone.now():%H:%M:%S} {line}")


@contextmanager
def recorded_run(job: str):
    run = JobRun.objects.create(job=job)
    recorder = RunRecorder(run)
    try:
        yield recorder
    except Exception:
        run.status = JobRun.Status.FAILED
        recorder.log("failed; see the server log for the traceback")
        logger.exception("job %s failed", job)
        raise
    else:
        run.status = JobRun.Status.SUCCEEDED
    finally:
        run.finished_at = timezone.now()
        run.log = "\n".join(recorder.lines)
        run.save()
