"""Benchmark: the retention purge against a plain SQL delete of the same rows (PostgreSQL).

Not part of the test run. Usage (from the project root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench \\
        .venv/bin/python bench/purge_benchmark.py --pupils 100000

It creates the database if needed, migrates it, and then twice builds the same data set: N
pupils who left seven years ago, each with two dossier entries, an enrolment, a parent (with
link) and an emergency contact, and audit history (a create record per row with the personal
data in ``changes``, and an access record per pupil). Round 1 runs the real purge
(``retention.services.purge_expired``: batches, locks, audit scrubbing, destruction records).
Round 2 deletes the same kind of rows with plain SQL ``DELETE`` statements (audit rows deleted,
no records): the lower bound. It prints rows per second for both.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_portal.settings")
os.environ.setdefault("DEBUG", "1")


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def build(n: int, school_class, chunk: int = 5000) -> None:
    """N leavers with dossiers, parents and audit history, inserted in bulk."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from students.models import (
        DossierEntry,
        EmergencyContact,
        Enrolment,
        Guardian,
        GuardianLink,
        Pupil,
    )

    ct = {m: ContentType.objects.get_for_model(m) for m in (Pupil, DossierEntry, Guardian)}
    school = school_class.school
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        with transaction.atomic():
            pupils = Pupil.objects.bulk_create(
                [
                    Pupil(
                        school=school,
                        first_name=f"Voornaam{start + i}",
                        last_name=f"Achternaam{start + i}",
                        date_of_birth=date(2008, 1, 1),
                        enrolled_on=date(2012, 8, 20),
                        deregistered_on=date(2019, 1, 1),
                        citizen_number=f"{100000000 + start + i}",
                        medical_information="diagnose",
                    )
                    for i in range(size)
                ]
            )
            Enrolment.objects.bulk_create(
                [Enrolment(pupil=p, school_class=school_class) for p in pupils]
            )
            entries = DossierEntry.objects.bulk_create(
                [
                    DossierEntry(
                        pupil=p, category="care", title=f"Plan {p.first_name}", body="gesprek " * 20
                    )
                    for p in pupils
                    for _ in range(2)
                ]
            )
            guardians = Guardian.objects.bulk_create(
                [Guardian(first_name="Ouder", last_name=p.last_name) for p in pupils]
            )
            GuardianLink.objects.bulk_create(
                [GuardianLink(guardian=g, pupil=p) for g, p in zip(guardians, pupils, strict=True)]
            )
            EmergencyContact.objects.bulk_create(
                [
                    EmergencyContact(pupil=p, name=f"Oma {p.last_name}", phone="0201234567")
                    for p in pupils
                ]
            )
            logs = []
            for p in pupils:
                changes = {"first_name": ["None", p.first_name], "last_name": ["None", p.last_name]}
                for action in (LogEntry.Action.CREATE, LogEntry.Action.ACCESS):
                    logs.append(
                        LogEntry(
                            content_type=ct[Pupil],
                            object_pk=str(p.pk),
                            object_id=p.pk,
                            object_repr=f"{p.first_name} {p.last_name}",
                            action=action,
                            changes=changes if action == LogEntry.Action.CREATE else None,
                            additional_data={"what": "medical"} if action else None,
                        )
                    )
            for e in entries:
                logs.append(
                    LogEntry(
                        content_type=ct[DossierEntry],
                        object_pk=str(e.pk),
                        object_id=e.pk,
                        object_repr=e.title,
                        action=LogEntry.Action.CREATE,
                        changes={"body": ["None", e.body], "pupil": ["None", str(e.pupil_id)]},
                    )
                )
            LogEntry.objects.bulk_create(logs, batch_size=2000)


def row_count() -> dict:
    from auditlog.models import LogEntry

    from students.models import (
        DossierEntry,
        EmergencyContact,
        Enrolment,
        Guardian,
        GuardianLink,
        Pupil,
    )

    return {
        "pupils": Pupil.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "dossier_entries": DossierEntry.objects.count(),
        "guardians": Guardian.objects.count(),
        "guardian_links": GuardianLink.objects.count(),
        "emergency_contacts": EmergencyContact.objects.count(),
        "audit_entries": LogEntry.objects.count(),
    }


PLAIN_SQL = [
    # The same rows, deleted without any of the purge's care (no locks, no records, audit rows
    # simply deleted).
    """DELETE FROM auditlog_logentry WHERE content_type_id = %(pupil_ct)s AND object_pk IN
       (SELECT id::text FROM students_pupil WHERE deregistered_on <= %(cutoff)s)""",
    """DELETE FROM auditlog_logentry WHERE content_type_id = %(entry_ct)s AND object_pk IN
       (SELECT e.id::text FROM students_dossierentry e JOIN students_pupil p ON p.id = e.pupil_id
        WHERE p.deregistered_on <= %(cutoff)s)""",
    """DELETE FROM students_dossierentry WHERE pupil_id IN
       (SELECT id FROM students_pupil WHERE deregistered_on <= %(cutoff)s)""",
    """DELETE FROM students_enrolment WHERE pupil_id IN
       (SELECT id FROM students_pupil WHERE deregistered_on <= %(cutoff)s)""",
    """DELETE FROM students_emergencycontact WHERE pupil_id IN
       (SELECT id FROM students_pupil WHERE deregistered_on <= %(cutoff)s)""",
    """CREATE TEMP TABLE leaving AS SELECT guardian_id FROM students_guardianlink WHERE pupil_id IN
       (SELECT id FROM students_pupil WHERE deregistered_on <= %(cutoff)s)""",
    """DELETE FROM students_guardianlink WHERE pupil_id IN
       (SELECT id FROM students_pupil WHERE deregistered_on <= %(cutoff)s)""",
    """DELETE FROM students_guardian g WHERE g.id IN (SELECT guardian_id FROM leaving)
       AND NOT EXISTS (SELECT 1 FROM students_guardianlink l WHERE l.guardian_id = g.id)""",
    """DELETE FROM students_pupil WHERE deregistered_on <= %(cutoff)s""",
    """DROP TABLE leaving""",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. .../pp_bench).")
    ensure_database(url)

    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Foundation, School, SchoolClass
    from retention import services
    from retention.models import DestructionRecord, PurgeRun
    from students.models import DossierEntry, Pupil

    call_command("migrate", verbosity=0)
    foundation, _ = Foundation.objects.get_or_create(name="Bench", kvk_number="41000000")
    school, _ = School.objects.get_or_create(
        brin="99ZZ", defaults={"foundation": foundation, "name": "Bench"}
    )
    school_class, _ = SchoolClass.objects.get_or_create(
        school=school, school_year=2018, name="Groep 8", defaults={"grade": 8}
    )
    Pupil.objects.filter(school=school).delete()
    DestructionRecord.objects.filter(school=school).delete()
    PurgeRun.objects.all().delete()
    day = date(2026, 6, 15)
    n = args.pupils

    print(f"Building {n} pupils with dossiers, parents and audit history ...", flush=True)
    t = time.perf_counter()
    build(n, school_class)
    before = row_count()
    print(f"  built in {time.perf_counter() - t:.1f}s: {before}", flush=True)
    t = time.perf_counter()
    run = services.purge_expired(day=day, batch_size=args.batch_size)
    purge_seconds = time.perf_counter() - t
    after = row_count()
    deleted = sum(before[k] - after[k] for k in before)
    scrubbed = run.counts.get("audit_entries_scrubbed", 0)
    records = run.counts.get("records", 0)
    purge_rows = deleted + scrubbed
    print(
        f"Purge: {run.counts.get('pupils', 0)} pupils, {deleted} rows deleted, {scrubbed} audit rows "
        f"scrubbed, {records} destruction records, {run.counts.get('batches', 0)} batches "
        f"in {purge_seconds:.1f}s = {purge_rows / purge_seconds:,.0f} rows/s "
        f"({n / purge_seconds:,.0f} pupils/s)",
        flush=True,
    )
    assert after["pupils"] == before["pupils"] - n

    # Round 2: the same data again, deleted with plain SQL.
    LogEntry_ct = ContentType.objects.get_for_model
    t = time.perf_counter()
    build(n, school_class)
    before = row_count()
    print(f"  rebuilt in {time.perf_counter() - t:.1f}s", flush=True)
    params = {
        "cutoff": date(2021, 6, 15),
        "pupil_ct": LogEntry_ct(Pupil).pk,
        "entry_ct": LogEntry_ct(DossierEntry).pk,
    }
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in PLAIN_SQL:
            cursor.execute(statement, params)
    sql_seconds = time.perf_counter() - t
    after = row_count()
    sql_rows = sum(before[k] - after[k] for k in before)
    print(
        f"Plain SQL delete: {sql_rows} rows in {sql_seconds:.1f}s = {sql_rows / sql_seconds:,.0f} rows/s",
        flush=True,
    )
    print(
        f"Summary N={n}: purge {purge_seconds:.1f}s ({purge_rows / purge_seconds:,.0f} rows/s), "
        f"plain SQL {sql_seconds:.1f}s ({sql_rows / sql_seconds:,.0f} rows/s), "
        f"ratio {purge_seconds / sql_seconds:.1f}x"
    )


if __name__ == "__main__":
    main()
