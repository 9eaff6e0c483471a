"""Benchmark: the pupil import of 10,000 pupils with parents on PostgreSQL (issue 23).

Not part of the test run. Usage (from the project root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench_import \\
        .venv/bin/python bench/import_benchmark.py --pupils 10000

It creates the database if needed, migrates it and empties the pupil tables, then generates an
export the way Dutch Excel saves it (Windows-1252, ``;``, CRLF) of N pupils in 16 classes, each
with two parents, siblings in pairs sharing both parents. It times, in this order:

1. the dry run (read, check, compare with the school, families: ``pupil_import`` dry run);
2. the real run as the web page starts it (``import_queue``: the check, then the background
   task applying the rows in batches with progress on the run row, tasks in-process);
3. a re-import of the same file (dry run and real run): it must change nothing;
4. the baseline: the same pupils, enrolments, parents and links written with plain
   ``bulk_create`` into a second school (no reading, checking, matching or audit records).

It prints rows per second for each, and the real run's ratio to the baseline. The import passes
when the dry run and the real run each take at most 60 seconds (``--limit``).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_portal.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="pp-import-bench-"))


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def bsns(count: int) -> list[str]:
    """``count`` different nine-digit numbers that pass the eleven-test: per eight-digit
    prefix the one last digit that makes the weighted sum divisible by 11, when it is a digit."""
    found = []
    prefix = 10_000_000
    while len(found) < count:
        digits = f"{prefix:08d}"
        last = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        if last < 10:
            found.append(digits + str(last))
        prefix += 1
    return found


CLASSES = [f"Groep {grade}{letter}" for grade in range(1, 9) for letter in "ab"]
HEADER = (
    "Leerlingnummer;Achternaam;Voorvoegsel;Roepnaam;Geboortedatum;Groep;Jaargroep;"
    "Datum inschrijving;BSN;Straat;Huisnummer;Postcode;Plaats;"
    "Verzorger 1 roepnaam;Verzorger 1 achternaam;Verzorger 1 e-mail;Verzorger 1 telefoon mobiel;"
    "Verzorger 1 relatie;Verzorger 1 gezag;"
    "Verzorger 2 roepnaam;Verzorger 2 achternaam;Verzorger 2 e-mail;Verzorger 2 telefoon mobiel;"
    "Verzorger 2 relatie;Verzorger 2 gezag"
)


def export(n: int, year: int) -> bytes:
    """A ParnasSys export of ``n`` pupils: siblings in pairs, two parents per family."""
    lines = [HEADER]
    numbers = bsns(n)
    for i in range(n):
        family = i // 2
        name = CLASSES[i % len(CLASSES)]
        grade = int(name.split()[1][0])
        born = f"{(i % 27) + 1:02d}-{(i % 12) + 1:02d}-{year - grade - 4}"
        lines.append(
            f"{100000 + i};Vries{family};de;Kind{i};{born};{name};{grade};20-08-{year - 1};"
            f"{numbers[i]};Lindelaan;{i % 200 + 1};6711 AB;Ede;"
            f"Anne{family};Vries{family};moeder{family}@thuis.example;0612345678;Moeder;Ja;"
            f"Pieter{family};Vries{family};vader{family}@thuis.example;0687654321;Vader;Ja"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def baseline(n: int, school, classes) -> float:
    """The same rows with plain bulk inserts: the lower bound for writing them."""
    from datetime import date

    from django.db import transaction

    from students.models import Enrolment, Guardian, GuardianLink, Pupil

    started = time.perf_counter()
    with transaction.atomic():
        pupils = Pupil.objects.bulk_create(
            [
                Pupil(
                    school=school,
                    first_name=f"Kind{i}",
                    surname_prefix="de",
                    last_name=f"Vries{i // 2}",
                    date_of_birth=date(2016, 1, 1),
                    enrolled_on=date(2022, 8, 20),
                    administration_number=f"{100000 + i}",
                    street_address="Lindelaan 1",
                    postal_code="6711 AB",
                    city="Ede",
                )
                for i in range(n)
            ],
            batch_size=1000,
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(pupil=p, school_class=classes[i % len(classes)])
                for i, p in enumerate(pupils)
            ],
            batch_size=1000,
        )
        parents = Guardian.objects.bulk_create(
            [
                Guardian(
                    first_name=f"{who}{f}", last_name=f"Vries{f}", email=f"b{who}{f}@x.example"
                )
                for f in range((n + 1) // 2)
                for who in ("Anne", "Pieter")
            ],
            batch_size=1000,
        )
        GuardianLink.objects.bulk_create(
            [
                GuardianLink(guardian=parents[(i // 2) * 2 + k], pupil=p, relationship="moeder")
                for i, p in enumerate(pupils)
                for k in (0, 1)
            ],
            batch_size=1000,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds allowed per run")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. .../pp_bench_import).")
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Foundation, School, SchoolClass, User, school_year_of
    from students import imports
    from students.models import Guardian, ImportRun, Pupil

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.JOBS_IN_THREAD = False
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a clean slate: the bench database holds only this
        cursor.execute(
            "TRUNCATE students_pupil, students_guardian, students_importrun, auditlog_logentry "
            "RESTART IDENTITY CASCADE"
        )
    year = school_year_of(timezone.localdate())
    foundation, _ = Foundation.objects.get_or_create(name="Bench", kvk_number="41000001")
    schools = []
    for brin, name in (("98ZZ", "Import"), ("97ZZ", "Baseline")):
        school, _ = School.objects.get_or_create(
            brin=brin, defaults={"foundation": foundation, "name": name}
        )
        classes = [
            SchoolClass.objects.get_or_create(school=school, school_year=year, name=c)[0]
            for c in CLASSES
        ]
        schools.append((school, classes))
    (school, _classes), (base_school, base_classes) = schools
    actor, _ = User.objects.get_or_create(
        email="bench-import@example.org", defaults={"first_name": "Bench", "last_name": "Import"}
    )
    n = args.pupils
    raw = export(n, year)
    print(f"{n} pupils, {len(raw) / 1024 / 1024:.1f} MB, {len(CLASSES)} classes", flush=True)

    def timed(label, work):
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        print(f"{label}: {seconds:.1f}s = {n / seconds:,.0f} rows/s", flush=True)
        return result, seconds

    dry, dry_seconds = timed(
        "Dry run",
        lambda: imports.pupil_import(actor=actor, school=school, raw=raw, mode="dry_run"),
    )
    assert not dry.errors and dry.planned_new == n, [r.errors for r in dry.errors[:3]]
    run, real_seconds = timed(
        "Real run (check + background batches)",
        lambda: imports.import_queue(actor=actor, school=school, raw=raw, mode="all"),
    )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.created == n, (run.status, run.created)
    assert Pupil.objects.filter(school=school).count() == n
    families = (n + 1) // 2
    assert Guardian.objects.filter(email__endswith="@thuis.example").count() == 2 * families
    again, again_dry = timed(
        "Re-import, dry run",
        lambda: imports.pupil_import(actor=actor, school=school, raw=raw, mode="dry_run"),
    )
    assert again.planned_new == 0 and again.planned_updates == 0
    rerun, again_real = timed(
        "Re-import, real run",
        lambda: imports.pupil_import(actor=actor, school=school, raw=raw, mode="all"),
    )
    assert rerun.created == 0 and rerun.updated == 0
    base_seconds = baseline(n, base_school, base_classes)
    print(f"Baseline (plain bulk_create): {base_seconds:.1f}s = {n / base_seconds:,.0f} rows/s")
    print(
        f"Ratio real run / baseline: {real_seconds / base_seconds:.1f}x; "
        f"dry run / baseline: {dry_seconds / base_seconds:.1f}x"
    )
    ok = dry_seconds <= args.limit and real_seconds <= args.limit
    print(f"{'PASS' if ok else 'FAIL'}: dry and real run each within {args.limit:.0f}s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
