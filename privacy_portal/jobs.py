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


def _run_in_thread(task, args) -> None:
    from django.db import connections

    try:
        task.apply(args=args)
    except Exception:
        logger.exception("in-process job %s%r failed", task.name, args)
    finally:
        connections.close_all()  # this thread's own connections


def enqueue(task, *args, long_running: bool = False) -> bool:
    """Send a task now; a broker that is down is logged, not raised (the reaper retries).

    With tasks in-process and ``JOBS_IN_THREAD`` on, a ``long_running`` task runs in a thread
    of this process: the request that started it answers at once and the job's page can show
    its progress. The job row and its lease work the same as under Celery."""
    from django.conf import settings

    if long_running and settings.CELERY_TASK_ALWAYS_EAGER and settings.JOBS_IN_THREAD:
        import threading

        threading.Thread(
            target=_run_in_thread, args=(task, args), daemon=True, name=f"job-{task.name}"
        ).start()
        return True
    try:
        task.delay(*args)
    except Exception as exc:
        logger.warning("could not enqueue %s%r, the reaper will retry: %r", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task, *args, long_running: bool = False) -> None:
    """Send a task after the surrounding transaction commits (never raising into the request)."""
    from django.db import transaction

    transaction.on_commit(lambda: enqueue(task, *args, long_running=long_running), robust=True)


@contextmanager
def lease(model, pk):
    """Hold a job row's lease while the job commits its work in several transactions.

    On PostgreSQL a second connection keeps ``FOR KEY SHARE`` on the row until the block ends:
    the reaper's and a redelivered task's ``FOR UPDATE SKIP LOCKED`` pass the row (a living
    worker holds it), while the job's own connection may still update the row's progress (an
    ``UPDATE`` of non-key columns does not conflict with a key-share lock). When the worker
    dies, both connections go and PostgreSQL releases the lock. SQLite has no row locks; there
    the lease is the heartbeat (see ``claim_stale_before``)."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    if not connection.features.has_select_for_update_skip_locked:
        yield
        return
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            # The job may take longer than an idle transaction is normally allowed to last.
            cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            cursor.execute(
                f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
                [pk],
            )
        yield
    finally:
        try:
            holder.rollback()
        finally:
            holder.close()


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
