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


# --- Background jobs whose state lives in the database ---------------------------------------
#
# A job (a pupil import, a purge's file erasure) is a row first and a Celery message second. The
# row is written in the starter's transaction; the message is only a nudge, sent after the
# commit. When the broker is down the nudge fails quietly and the reaper (``reap``, a periodic
# task) sends it again later, so the user never sees an error for it.
#
# The lease: a worker claims a row (status "running", ``heartbeat_at`` now) and keeps it locked
# (``select_for_update``) in the transaction that does the work. While the worker lives, the
# lock is held; when the worker dies, PostgreSQL rolls its transaction back and releases the
# lock. The reaper and a redelivered task take running rows with ``skip_locked``: a row they
# can lock and whose claim is older than ``JOB_CLAIM_GRACE_SECONDS`` has no living worker.
# SQLite has no row locks; there the claim counts as stale only after ``JOB_LEASE_SECONDS``.


def enqueue(task, *args) -> bool:
    """Send a task now; a broker that is down is logged, not raised (the reaper retries)."""
    try:
        task.delay(*args)
    except Exception as exc:
        logger.warning("could not enqueue %s%r, the reaper will retry: %r", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Send a task after the surrounding transaction commits (never raising into the request)."""
    from django.db import transaction

    transaction.on_commit(lambda: enqueue(task, *args), robust=True)


def locked(queryset):
    """``select_for_update`` that passes rows another transaction holds (PostgreSQL)."""
    from django.db import connection

    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def claim_stale_before(now=None):
    """A running claim older than this has no living worker (see the lease above)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import connection

    now = now or timezone.now()
    if connection.features.has_select_for_update_skip_locked:
        return now - timedelta(seconds=settings.JOB_CLAIM_GRACE_SECONDS)
    return now - timedelta(seconds=settings.JOB_LEASE_SECONDS)


def reap(now=None) -> list[str]:
    """Ask every app to requeue or fail its stale jobs (hook ``reap_jobs(now=...)``), and return
    their log lines (ids and counts only)."""
    from privacy_portal import hooks, mail, once

    now = now or timezone.now()
    lines = hooks.collect("reap_jobs", now=now)
    forgotten = once.forget_old(now)
    if forgotten:
        lines.append(f"form tokens: {forgotten} old tokens deleted")
    sent = mail.forget_sent(now=now)
    if sent:
        lines.append(f"outbox: {sent} records of mails sent over 90 days ago deleted")
    failed = mail.forget_failed(now=now)
    if failed["cleared"] or failed["deleted"]:
        lines.append(
            f"outbox: content of {failed['cleared']} failed mails cleared, "
            f"{failed['deleted']} records of failed mails deleted"
        )
    return lines
