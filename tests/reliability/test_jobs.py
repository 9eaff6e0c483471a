"""Background jobs live in the database: a pupil import whose worker died, whose message was
lost, or whose broker is down is requeued or failed by the reaper, its page says so and stops
refreshing, and its uploaded file does not outlive it."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from privacy_portal import tasks
from privacy_portal.models import JobRun
from students import imports
from students import tasks as student_tasks
from students.models import ImportRun, Pupil
from tests.students.test_import import SAMPLE, post_import

pytestmark = pytest.mark.django_db


def _queued_import(client, world) -> tuple[ImportRun, str]:
    """Post an import whose task has not run (no on-commit callbacks in a test transaction)."""
    response = post_import(client, world, SAMPLE.read_bytes(), mode="all")
    assert response.status_code == 302
    run = ImportRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
    return run, response["Location"]


def _stored_files(settings):
    return list((Path(settings.MEDIA_ROOT) / "imports").glob("*"))


def _later(seconds):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False)


def _imported():
    return Pupil.objects.exclude(administration_number="")


def test_an_import_whose_worker_died_is_requeued_by_the_reaper_and_applied_once(
    world, client_for, settings
):
    client = client_for(world.administratie)
    run, url = _queued_import(client, world)
    assert imports._claim(run.pk)  # a worker claims the run ... and is killed: nothing applied
    assert not _imported().exists()

    with _later(settings.JOB_LEASE_SECONDS + 60):
        tasks.reap_jobs()  # finds the dead claim, requeues, the (eager) worker applies it
        tasks.reap_jobs()  # nothing left to do
    run.refresh_from_db()
    assert (run.status, run.attempts, run.interruption) == ("done", 2, "requeued")
    assert _imported().count() == 3
    assert _stored_files(settings) == []
    log = JobRun.objects.filter(job="privacy_portal.reap_jobs").order_by("started_at").first().log
    assert f"import {run.pk}: worker lost, requeued" in log


def test_a_redelivered_task_takes_over_a_run_whose_worker_died(world, client_for, settings):
    run, _url = _queued_import(client_for(world.administratie), world)
    assert imports._claim(run.pk)
    student_tasks.apply_pupil_import(run.pk)  # redelivered at once: the claim is fresh
    assert not _imported().exists()
    with _later(settings.JOB_LEASE_SECONDS + 60):
        student_tasks.apply_pupil_import(run.pk)  # redelivered after the lease: takes over
    run.refresh_from_db()
    assert run.status == "done" and _imported().count() == 3


def test_an_import_whose_worker_keeps_dying_fails_and_its_file_is_deleted(
    world, client_for, settings
):
    client = client_for(world.administratie)
    run, url = _queued_import(client, world)
    assert _stored_files(settings)
    for attempt in range(settings.JOB_MAX_ATTEMPTS):
        with _later((attempt + 1) * (settings.JOB_LEASE_SECONDS + 60)):
            ImportRun.objects.filter(pk=run.pk).update(status="queued")
            assert imports._claim(run.pk)  # claimed, and the worker dies again
    with _later((settings.JOB_MAX_ATTEMPTS + 2) * (settings.JOB_LEASE_SECONDS + 60)):
        tasks.reap_jobs()
    run.refresh_from_db()
    assert (run.status, run.interruption, run.upload_path) == ("failed", "worker_lost", "")
    assert _stored_files(settings) == []
    page = client.get(url).content.decode()
    assert "stopte steeds" in page and "data-poll=" not in page
    assert not _imported().exists()


def test_with_the_broker_down_the_import_is_accepted_and_runs_when_it_is_back(
    world, client_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(student_tasks.apply_pupil_import, "delay", broker_down)
    client = client_for(world.administratie)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, world, SAMPLE.read_bytes(), mode="all")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "wacht op de achtergrondverwerking" in page.content.decode()
    with _later(settings.JOB_REQUEUE_SECONDS + 5):
        tasks.reap_jobs()  # still down: stays queued, nothing lost
    assert ImportRun.objects.get(mode="all").status == "queued"

    monkeypatch.undo()  # the broker is back
    with _later(2 * settings.JOB_REQUEUE_SECONDS + 10):
        tasks.reap_jobs()
    assert ImportRun.objects.get(mode="all").status == "done"
    assert _imported().count() == 3 and _stored_files(settings) == []


def test_an_import_that_never_starts_fails_in_the_end_and_its_file_is_deleted(
    world, client_for, settings, monkeypatch
):
    monkeypatch.setattr(student_tasks.apply_pupil_import, "delay", lambda *a: 1 / 0)
    run, url = _queued_import(client_for(world.administratie), world)
    with _later(settings.JOB_QUEUE_MAX_HOURS * 3600 + 60):
        tasks.reap_jobs()
    run.refresh_from_db()
    assert (run.status, run.interruption) == ("failed", "never_started")
    assert _stored_files(settings) == []


def test_the_progress_page_of_a_stuck_import_stops_refreshing_and_says_so(
    world, client_for, settings
):
    client = client_for(world.administratie)
    run, url = _queued_import(client, world)
    assert "data-poll=" in client.get(url).content.decode()
    imports._claim(run.pk)
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 60)
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)  # no worker since
    page = client.get(url).content.decode()
    assert "data-poll=" not in page
    assert "reageert al een tijd niet" in page


def test_the_progress_page_and_the_import_work_with_the_cache_down(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    def cache_down(*args, **kwargs):
        raise ConnectionError("Redis is away")

    for name in ("get", "set", "delete"):
        monkeypatch.setattr(cache, name, cache_down)
    client = client_for(world.administratie)
    run, url = _queued_import(client, world)
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        student_tasks.apply_pupil_import(run.pk)
    run.refresh_from_db()
    assert run.status == "done"


def test_a_stored_upload_that_no_run_points_at_is_deleted(world, settings):
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True)
    orphan = folder / "0123abcd.csv"
    orphan.write_bytes(SAMPLE.read_bytes())
    hour_ago = time.time() - 3700
    os.utime(orphan, (hour_ago, hour_ago))
    tasks.reap_jobs()
    assert not orphan.exists()


def test_a_purge_whose_file_hand_off_fails_still_succeeds_and_the_files_go_later(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import date

    from retention import services as retention_services
    from retention import tasks as retention_tasks
    from retention.models import FileErasure
    from students.models import DossierEntry
    from tests.retention.factories import left_pupil
    from tests.retention.test_purge import TODAY

    pupil = left_pupil(world.class_5a, deregistered_on=date(2024, 6, 15), entries=1, with_file=True)
    path = DossierEntry.objects.filter(pupil=pupil).exclude(document="").get().document.path

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(retention_tasks.erase_files, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_services.purge_expired(day=TODAY, batch_size=2)
    assert run.counts["files"] == 1
    assert not DossierEntry.objects.filter(pupil=pupil).exists()
    assert FileErasure.objects.count() == 1 and os.path.exists(path)  # waiting, not lost

    retention_tasks.erase_files()  # the hourly run
    assert not os.path.exists(path) and not FileErasure.objects.exists()
