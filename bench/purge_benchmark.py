"""Benchmark: the retention purge against a plain SQL delete of the same rows (PostgreSQL).

Not part of the test run. Usage (from the project root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench \\
        .venv/bin/python bench/purge_benchmark.py --pupils 100000

It creates the database if needed, migrates it and builds the data set once: N pupils who left
seven years ago with realistic relations (see ``build``): siblings sharing a parent with a
portal account, consents, transfer dossiers with chosen documents, dossiers and audit history.
Then it copies that database (``CREATE DATABASE … TEMPLATE``), so that both rounds start from
the very same pages. Round 1 runs the real purge on the original
(``retention.services.purge_expired``: batches, locks, audit scrubbing, destruction records),
and a second run that must delete nothing. Round 2 deletes the same rows of the copy with plain
SQL ``DELETE`` statements in one transaction (audit rows deleted, no records, no checks): the
lower bound. It prints rows per second for both and the ratio; the copy is dropped at the end.
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
    """N leavers with realistic relations, inserted in bulk: siblings in pairs sharing a parent
    with a portal account, a second parent per pupil, an enrolment, two dossier entries, an
    emergency contact, a consent decision by the shared parent, a handed-over transfer dossier
    with a chosen document for every tenth pupil, and audit history (a create record per row
    with the personal data in ``changes``, and an access record per pupil)."""
    from auditlog.models import LogEntry
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from accounts.models import User
    from consent.models import ChannelText, ConsentDecision
    from consent.services import channels_ensure_defaults
    from students.models import (
        DossierEntry,
        EmergencyContact,
        Enrolment,
        Guardian,
        GuardianLink,
        Pupil,
    )
    from transfers.models import TransferDossier

    school = school_class.school
    channel = channels_ensure_defaults(foundation=school.foundation)[0]
    text = ChannelText.objects.filter(channel=channel).order_by("-version").first()
    models_ = (Pupil, DossierEntry, Guardian, ConsentDecision, TransferDossier)
    ct = {m: ContentType.objects.get_for_model(m) for m in models_}
    password = make_password(None)
    stamp = User.objects.count()

    def created(model, obj, changes):
        return LogEntry(
            content_type=ct[model],
            object_pk=str(obj.pk),
            object_id=obj.pk,
            object_repr=str(obj)[:200],
            action=LogEntry.Action.CREATE,
            changes=changes,
        )

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
                        street_address=f"Kerkstraat {start + i}",
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
            pairs = (size + 1) // 2
            accounts = User.objects.bulk_create(
                [
                    User(
                        email=f"ouder{stamp + start + i}@thuis.example",
                        first_name="Ouder",
                        last_name=f"Achternaam{start + 2 * i}",
                        password=password,
                    )
                    for i in range(pairs)
                ]
            )
            shared = Guardian.objects.bulk_create(
                [
                    Guardian(first_name="Ouder", last_name=a.last_name, email=a.email, user=a)
                    for a in accounts
                ]
            )
            own = Guardian.objects.bulk_create(
                [Guardian(first_name="Tweede ouder", last_name=p.last_name) for p in pupils]
            )
            GuardianLink.objects.bulk_create(
                [GuardianLink(guardian=shared[i // 2], pupil=p) for i, p in enumerate(pupils)]
                + [GuardianLink(guardian=g, pupil=p) for g, p in zip(own, pupils, strict=True)]
            )
            EmergencyContact.objects.bulk_create(
                [
                    EmergencyContact(pupil=p, name=f"Oma {p.last_name}", phone="0201234567")
                    for p in pupils
                ]
            )
            decisions = ConsentDecision.objects.bulk_create(
                [
                    ConsentDecision(
                        pupil=p,
                        channel=channel,
                        school_year=2018,
                        granted=True,
                        text=text,
                        guardian=shared[i // 2],
                    )
                    for i, p in enumerate(pupils)
                ]
            )
            dossiers = TransferDossier.objects.bulk_create(
                [
                    TransferDossier(
                        pupil=p,
                        state=TransferDossier.State.HANDED_OVER,
                        destination_name="Basisschool Elders",
                        destination_brin="09XY",
                        leaves_on=date(2019, 1, 1),
                        content={"zorg": f"Zorgnotitie {p.first_name}"},
                        retention_until=date(2021, 1, 1),
                    )
                    for p in pupils[::10]
                ]
            )
            first_entry = {e.pupil_id: e for e in reversed(entries)}
            TransferDossier.entries.through.objects.bulk_create(
                [
                    TransferDossier.entries.through(
                        transferdossier_id=d.pk, dossierentry_id=first_entry[d.pupil_id].pk
                    )
                    for d in dossiers
                ]
            )
            logs = []
            for p in pupils:
                changes = {"first_name": ["None", p.first_name], "last_name": ["None", p.last_name]}
                logs.append(created(Pupil, p, changes))
                logs.append(
                    LogEntry(
                        content_type=ct[Pupil],
                        object_pk=str(p.pk),
                        object_id=p.pk,
                        object_repr=str(p),
                        action=LogEntry.Action.ACCESS,
                        additional_data={"what": "medical"},
                    )
                )
            for e in entries:
                logs.append(
                    created(
                        DossierEntry,
                        e,
                        {"body": ["None", e.body], "pupil": ["None", str(e.pupil_id)]},
                    )
                )
            for g in shared + own:
                logs.append(created(Guardian, g, {"last_name": ["None", g.last_name]}))
            for d in decisions:
                logs.append(created(ConsentDecision, d, {"pupil": ["None", str(d.pupil_id)]}))
            for d in dossiers:
                logs.append(created(TransferDossier, d, {"pupil": ["None", str(d.pupil_id)]}))
            LogEntry.objects.bulk_create(logs, batch_size=2000)


def row_count() -> dict:
    from auditlog.models import LogEntry

    from consent.models import ConsentDecision
    from students.models import (
        DossierEntry,
        EmergencyContact,
        Enrolment,
        Guardian,
        GuardianLink,
        Pupil,
    )
    from transfers.models import TransferDossier

    return {
        "pupils": Pupil.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "dossier_entries": DossierEntry.objects.count(),
        "guardians": Guardian.objects.count(),
        "guardian_links": GuardianLink.objects.count(),
        "emergency_contacts": EmergencyContact.objects.count(),
        "consent_decisions": ConsentDecision.objects.count(),
        "transfer_dossiers": TransferDossier.objects.count(),
        "chosen_documents": TransferDossier.entries.through.objects.count(),
        "audit_entries": LogEntry.objects.count(),
    }


PLAIN_SQL = [
    # The same rows, deleted without any of the purge's care: no locks, no checks, no records,
    # no hooks, audit rows simply deleted, accounts blanked in one statement.
    "CREATE TEMP TABLE lp AS SELECT id FROM students_pupil WHERE deregistered_on <= %(cutoff)s",
    "CREATE TEMP TABLE le AS SELECT id FROM students_dossierentry WHERE pupil_id IN (SELECT id FROM lp)",
    "CREATE TEMP TABLE lc AS SELECT id FROM consent_consentdecision WHERE pupil_id IN (SELECT id FROM lp)",
    "CREATE TEMP TABLE lt AS SELECT id FROM transfers_transferdossier WHERE pupil_id IN (SELECT id FROM lp)",
    """CREATE TEMP TABLE lg AS SELECT DISTINCT guardian_id AS id FROM students_guardianlink
       WHERE pupil_id IN (SELECT id FROM lp)""",
    """CREATE TEMP TABLE lu AS SELECT user_id AS id FROM students_guardian
       WHERE id IN (SELECT id FROM lg) AND user_id IS NOT NULL""",
    # Statistics for the temporary tables, and one join per kind: the OR of five IN
    # subqueries this used before ran for over six minutes at 100,000 pupils (a bad plan),
    # which made the lower bound anything but a lower bound.
    "ANALYZE lp, le, lc, lt, lg, lu",
    """DELETE FROM auditlog_logentry a USING lp
       WHERE a.content_type_id = %(pupil_ct)s AND a.object_pk = lp.id::text""",
    """DELETE FROM auditlog_logentry a USING le
       WHERE a.content_type_id = %(entry_ct)s AND a.object_pk = le.id::text""",
    """DELETE FROM auditlog_logentry a USING lg
       WHERE a.content_type_id = %(guardian_ct)s AND a.object_pk = lg.id::text""",
    """DELETE FROM auditlog_logentry a USING lc
       WHERE a.content_type_id = %(consent_ct)s AND a.object_pk = lc.id::text""",
    """DELETE FROM auditlog_logentry a USING lt
       WHERE a.content_type_id = %(transfer_ct)s AND a.object_pk = lt.id::text""",
    "DELETE FROM transfers_transferdossier_entries WHERE transferdossier_id IN (SELECT id FROM lt)",
    "DELETE FROM transfers_transferdossier WHERE id IN (SELECT id FROM lt)",
    "DELETE FROM consent_consentdecision WHERE id IN (SELECT id FROM lc)",
    "DELETE FROM students_dossierentry WHERE id IN (SELECT id FROM le)",
    "DELETE FROM students_enrolment WHERE pupil_id IN (SELECT id FROM lp)",
    "DELETE FROM students_emergencycontact WHERE pupil_id IN (SELECT id FROM lp)",
    "DELETE FROM students_guardianlink WHERE pupil_id IN (SELECT id FROM lp)",
    """DELETE FROM students_guardian g WHERE g.id IN (SELECT id FROM lg)
       AND NOT EXISTS (SELECT 1 FROM students_guardianlink l WHERE l.guardian_id = g.id)""",
    """UPDATE accounts_user SET email = 'verwijderd-' || id || '@verwijderd.invalid',
       first_name = '', last_name = '', is_active = false WHERE id IN (SELECT id FROM lu)""",
    "DELETE FROM students_pupil WHERE id IN (SELECT id FROM lp)",
    "DROP TABLE lp, le, lc, lt, lg, lu",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--skip-purge",
        action="store_true",
        help="measure only the plain SQL lower bound (round 2), e.g. to repeat it",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. .../pp_bench).")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Foundation, School, SchoolClass

    call_command("migrate", verbosity=0)
    foundation, _ = Foundation.objects.get_or_create(name="Bench", kvk_number="41000000")
    school, _ = School.objects.get_or_create(
        brin="99ZZ", defaults={"foundation": foundation, "name": "Bench"}
    )
    school_class, _ = SchoolClass.objects.get_or_create(
        school=school, school_year=2018, name="Groep 8", defaults={"grade": 8}
    )
    with connection.cursor() as cursor:  # a clean slate: the bench database holds only this
        cursor.execute(
            "TRUNCATE students_pupil, students_guardian, auditlog_logentry, "
            "retention_destructionrecord, retention_purgerun, retention_processordestruction "
            "RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", ["%%verwijderd%%"])
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", ["ouder%%@thuis.example"])
    day = date(2026, 6, 15)
    n = args.pupils

    print(f"Building {n} pupils with dossiers, parents and audit history ...", flush=True)
    t = time.perf_counter()
    build(n, school_class)
    with connection.cursor() as cursor:  # as autovacuum would, before either round
        cursor.execute("ANALYZE")
    before = row_count()
    print(f"  built in {time.perf_counter() - t:.1f}s: {before}", flush=True)
    copy = copy_database(url)

    purge_seconds = None
    if not args.skip_purge:
        purge_seconds = round_one(n, day, args.batch_size, before)
    use_database(copy)
    try:
        round_two(n, purge_seconds, before)
    finally:
        use_database(url.rsplit("/", 1)[1])
        drop_database(url, copy)


def copy_database(url: str) -> str:
    """A copy of the built database for the lower bound: the same rows on the same pages."""
    import psycopg
    from django.db import connection

    name = url.rsplit("/", 1)[1]
    copy = f"{name}_lower_bound"
    connection.close()  # a template must have no other connections
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return copy


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def round_one(n, day, batch_size, before) -> float:
    from retention import services
    from retention.models import PurgeRun

    t = time.perf_counter()
    run = services.purge_expired(day=day, batch_size=batch_size)
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
    assert run.status == PurgeRun.Status.SUCCEEDED, run.failures
    t = time.perf_counter()
    second = services.purge_expired(day=day, batch_size=batch_size)
    second_seconds = time.perf_counter() - t
    assert row_count() == after and second.counts.get("pupils", 0) == 0
    print(f"Second run: nothing to delete, {second_seconds:.1f}s", flush=True)

    return purge_seconds


def round_two(n, purge_seconds, before) -> None:
    """The same data (the copy), deleted with plain SQL in one transaction: the lower bound."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from consent.models import ConsentDecision
    from students.models import DossierEntry, Guardian, Pupil
    from transfers.models import TransferDossier

    ContentType.objects.clear_cache()
    LogEntry_ct = ContentType.objects.get_for_model
    assert row_count() == before, "the copy holds other rows than the original"
    params = {
        "cutoff": date(2021, 6, 15),
        "pupil_ct": LogEntry_ct(Pupil).pk,
        "entry_ct": LogEntry_ct(DossierEntry).pk,
        "guardian_ct": LogEntry_ct(Guardian).pk,
        "consent_ct": LogEntry_ct(ConsentDecision).pk,
        "transfer_ct": LogEntry_ct(TransferDossier).pk,
    }
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # One statement of the lower bound runs longer than the application's statement
        # timeout at 100,000 pupils; the purge itself stays within it (batches).
        cursor.execute("SET LOCAL statement_timeout = 0")
        for statement in PLAIN_SQL:
            cursor.execute(statement, params)
    sql_seconds = time.perf_counter() - t
    after = row_count()
    sql_rows = sum(before[k] - after[k] for k in before)
    print(
        f"Plain SQL delete: {sql_rows} rows in {sql_seconds:.1f}s = {sql_rows / sql_seconds:,.0f} rows/s",
        flush=True,
    )
    if purge_seconds is not None:
        print(
            f"Summary N={n}: purge {purge_seconds:.1f}s, plain SQL {sql_seconds:.1f}s, "
            f"ratio {purge_seconds / sql_seconds:.1f}x"
        )


if __name__ == "__main__":
    main()
