"""The import at scale: set-based batches whose query count does not grow with the rows, progress
kept on the run's own row (no Redis needed) and readable as JSON, change records written for the
bulk writes, and a BSN that the database itself keeps unique."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from privacy_portal import jobs
from students import imports
from students.models import Guardian, ImportRun, Pupil
from tests import factories as f
from tests.students.test_import import SAMPLE, post_import

HEADER = (
    "leerlingnummer;roepnaam;achternaam;geboortedatum;groep;inschrijfdatum;bsn"
    ";ouder1_voornaam;ouder1_achternaam;ouder1_email;ouder1_relatie"
    ";ouder2_voornaam;ouder2_achternaam;ouder2_email;ouder2_relatie"
)


def export(count: int, *, start: int = 0, surname: str = "Jansen") -> bytes:
    """``count`` pupils, two of them per family (siblings share their parents' e-mail)."""
    lines = [HEADER]
    for i in range(start, start + count):
        family = i // 2
        lines.append(
            f"{20000 + i};Kind{i};{surname}{i};01-02-2016;Groep 5a;20-08-2021;;"
            f"Moeder{family};{surname};m{family}@thuis.example;moeder;"
            f"Vader{family};{surname};v{family}@thuis.example;vader"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def run(world, raw, **kwargs):
    return imports.pupil_import(
        actor=world.administratie,
        school=world.school,
        raw=raw,
        mode=imports.Mode.ALL_OR_NOTHING,
        **kwargs,
    )


def _queries_to_import(world, raw) -> tuple[int, int]:
    """(lookups and other statements, bulk INSERT and UPDATE statements) to import ``raw``."""
    with CaptureQueriesContext(connection) as queries:
        report = run(world, raw)
    assert report.applied and not report.errors
    writes = sum(1 for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE")))
    return len(queries) - writes, writes


def _assert_same_shape(small, large):
    """Lookups are the same number of statements; a bulk insert or update is one statement per
    table, split only where the database caps the parameters of one statement (SQLite)."""
    assert large[0] == small[0], (small, large)
    if connection.features.max_query_params is None:
        assert large[1] == small[1], (small, large)
    else:
        assert large[1] <= 3 * small[1], (small, large)


def test_the_number_of_queries_does_not_grow_with_the_rows_of_a_batch(world):
    small = _queries_to_import(world, export(10, start=0))
    large = _queries_to_import(world, export(100, start=1000))
    _assert_same_shape(small, large)


def test_the_queries_of_a_reimport_with_changes_do_not_grow_with_the_rows(world):
    run(world, export(10, start=0))
    run(world, export(100, start=1000))
    small = _queries_to_import(world, export(10, start=0, surname="Pietersen"))
    large = _queries_to_import(world, export(100, start=1000, surname="Pietersen"))
    _assert_same_shape(small, large)
    assert Pupil.objects.get(administration_number="21050").last_name == "Pietersen1050"


def test_queries_grow_per_batch_only(world, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 50)
    one_batch = _queries_to_import(world, export(50, start=0))
    four_batches = _queries_to_import(world, export(200, start=1000))
    per_batch = (sum(four_batches) - sum(one_batch)) / 3
    assert 0 < per_batch <= 20, (one_batch, four_batches)


def test_siblings_in_different_batches_share_one_parent_record(world, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)  # pupils 2 and 3 are siblings across batches
    report = run(world, export(6))
    assert report.created == 6
    assert Guardian.objects.filter(email="m1@thuis.example").count() == 1
    mother = Guardian.objects.get(email="m1@thuis.example")
    assert sorted(mother.links.values_list("pupil__administration_number", flat=True)) == [
        "20002",
        "20003",
    ]


def test_the_bulk_writes_leave_change_records_with_the_actor_and_a_masked_bsn(world):
    from auditlog.models import LogEntry

    run(world, SAMPLE.read_bytes())
    daan = Pupil.objects.get(administration_number="1001")
    created = LogEntry.objects.get_for_object(daan).get(action=LogEntry.Action.CREATE)
    assert created.actor == world.administratie
    assert "111222333" not in str(created.changes)
    assert created.changes["last_name"][1] == "Vries"
    guardian = daan.guardian_links.first().guardian
    assert LogEntry.objects.get_for_object(guardian).filter(action=LogEntry.Action.CREATE).exists()


def test_a_reimport_that_changes_a_pupil_records_the_change(world):
    from auditlog.models import LogEntry

    run(world, export(2))
    run(world, export(2, surname="Bakker"))
    pupil = Pupil.objects.get(administration_number="20000")
    update = LogEntry.objects.get_for_object(pupil).get(action=LogEntry.Action.UPDATE)
    assert update.changes["last_name"] == ["Jansen0", "Bakker0"]


# --- Progress on the run's row ------------------------------------------------------------------


def _queued(client, world, raw=None):
    response = post_import(client, world, raw or SAMPLE.read_bytes(), mode="all")
    assert response.status_code == 302
    return ImportRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_background_import_commits_its_progress_on_the_run_row_batch_by_batch(
    world, client_for, monkeypatch
):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    run_row = _queued(client_for(world.administratie), world)
    seen = []
    real_batch = imports._apply_batch

    def batch_noting_progress(batch, **kwargs):
        seen.append(ImportRun.objects.get(pk=run_row.pk).rows_done)
        return real_batch(batch, **kwargs)

    monkeypatch.setattr(imports, "_apply_batch", batch_noting_progress)
    imports.import_apply(run_row.pk)
    assert seen == [0, 2]
    run_row.refresh_from_db()
    assert (run_row.status, run_row.rows_done, run_row.created) == ("done", 3, 3)


def test_the_progress_endpoint_answers_counts_and_percentage(world, client_for):
    client = client_for(world.administratie)
    run_row = _queued(client, world)
    ImportRun.objects.filter(pk=run_row.pk).update(status="running", rows_done=1)
    url = reverse("students:import_progress", args=[run_row.pk])
    data = client.get(url).json()
    assert data["state"] == "running" and data["running"] is True
    assert (data["done"], data["total"], data["percent"]) == (1, 3, 33)
    ImportRun.objects.filter(pk=run_row.pk).update(status="queued")
    imports.import_apply(run_row.pk)
    data = client.get(url).json()
    assert (data["state"], data["running"], data["percent"], data["created"]) == (
        "done",
        False,
        100,
        3,
    )


def test_the_progress_of_another_schools_import_is_not_found(world, client_for):
    run_row = _queued(client_for(world.administratie), world)
    url = reverse("students:import_progress", args=[run_row.pk])
    assert client_for(world.directie_other_school).get(url).status_code == 404


def test_the_run_page_shows_progress_from_the_row(world, client_for):
    client = client_for(world.administratie)
    run_row = _queued(client, world)
    ImportRun.objects.filter(pk=run_row.pk).update(status="running", rows_done=2)
    page = client.get(reverse("students:import_run", args=[run_row.pk])).content.decode()
    assert '<progress max="3" value="2">' in page


def test_a_long_job_runs_in_a_thread_when_jobs_are_in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.JOBS_IN_THREAD = True
    ran_in = []
    done = threading.Event()

    class Task:
        name = "test.task"

        def apply(self, args):
            ran_in.append((threading.current_thread().name, args))
            done.set()

    assert jobs.enqueue(Task(), 7, long_running=True)
    assert done.wait(10)
    assert ran_in == [("job-test.task", (7,))]


# --- The BSN in the database --------------------------------------------------------------------


def test_the_database_refuses_a_second_pupil_with_the_same_bsn(world):
    f.PupilFactory(school=world.school, citizen_number="123456782")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PupilFactory(school=world.other_school, citizen_number="123456782")


def test_many_pupils_without_a_bsn_are_fine(world):
    f.PupilFactory(school=world.school, citizen_number="")
    f.PupilFactory(school=world.school, citizen_number="")


def test_the_migration_stops_on_duplicate_bsns_naming_ids_not_numbers(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("students.migrations.0008_bsn_unique_and_import_progress")
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX unique_citizen_number")
    first = f.PupilFactory(school=world.school, citizen_number="123456782")
    second = f.PupilFactory(school=world.other_school, citizen_number="123456782")
    with pytest.raises(migration.DuplicateCitizenNumbers) as refused:
        migration.refuse_duplicate_citizen_numbers(apps, None)
    message = str(refused.value)
    assert f"{first.pk}, {second.pk}" in message and "123456782" not in message
    assert Pupil.objects.filter(citizen_number="123456782").count() == 2  # nothing deleted


def test_a_bsn_held_outside_the_foundation_is_an_error_that_names_nobody(world):
    stranger_school = f.SchoolFactory(foundation=f.FoundationFactory(name="Andere stichting"))
    f.PupilFactory(school=stranger_school, citizen_number="111222333", administration_number="77")
    report = imports.pupil_import(
        actor=world.administratie, school=world.school, raw=SAMPLE.read_bytes(), mode="dry_run"
    )
    errors = " ".join(" ".join(row.errors) for row in report.errors)
    assert "buiten deze stichting" in errors and "77" not in errors


def test_the_quick_create_record_is_what_auditlog_itself_would_write(world):
    from auditlog.diff import model_instance_diff

    pupil = f.PupilFactory(
        school=world.school, citizen_number="123456782", medical_information="astma"
    )
    guardian = f.GuardianFactory(email="a@b.example")
    for obj in (pupil, guardian, pupil.enrolments.first() or pupil):
        expected = {k: tuple(v) for k, v in model_instance_diff(None, obj).items()}
        assert imports.created_changes(obj) == expected


def test_a_file_over_the_size_cap_is_a_413_with_a_clear_message(world, client_for, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    line = b"7001;Piet;Puk;01-02-2017;Groep 5a;20-08-2021;\n"
    raw = b"leerlingnummer;roepnaam;achternaam;geboortedatum;groep;inschrijfdatum;bsn\n"
    raw += line * (1024 * 1024 // len(line) + 10)  # just over 1 MB: the view's own check
    response = post_import(client_for(world.administratie), world, raw, mode="all")
    assert response.status_code == 413
    assert "te groot: maximaal 1 MB" in response.content.decode()
    assert not Pupil.objects.filter(administration_number="7001").exists()


def test_a_far_larger_upload_is_refused_before_it_is_read(world, client_for, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    response = post_import(client_for(world.administratie), world, b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
