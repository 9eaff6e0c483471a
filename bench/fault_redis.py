"""Fault drill: a private Redis stops for 60 seconds while a parent files a request, a teacher
reports a breach and the administration imports pupils. Afterwards it counts lost and
duplicated jobs and mails. Expected: 0 and 0.

Not part of the test run. Usage (from the project root; needs redis-server and PostgreSQL):

    .venv/bin/python bench/fault_redis.py [--port 6390] [--outage 60]

What runs: a private ``redis-server`` on ``--port`` (append-only file in a temporary folder),
a fresh PostgreSQL database ``pp_issue24_fault``, one Celery worker (a subprocess), a tiny
SMTP sink that records every message, and this process as the web side (Django's test client
against the real URL configuration, REDIS_URL pointing at the private Redis). While Redis is
down the three actions are posted; each must answer at once with its normal redirect. When
Redis is back the script plays Celery beat (the outbox sweep and the job reaper) until the
outbox and the import are done, or gives up after five minutes.
"""

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE = "pp_issue24_fault"
PG = "postgres://postgres@127.0.0.1:5432"


# --- A minimal SMTP sink -----------------------------------------------------------------------


class SmtpSink:
    """Accepts mail on a local port and keeps (recipients, message) of each one."""

    def __init__(self):
        self.messages: list[tuple[str, bytes]] = []
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            conn, _addr = self.server.accept()
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        stream = conn.makefile("rb")
        conn.sendall(b"220 sink\r\n")
        recipients: list[str] = []
        while True:
            line = stream.readline()
            if not line:
                break
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                conn.sendall(b"250 sink\r\n")
            elif command.startswith(b"MAIL"):
                recipients = []
                conn.sendall(b"250 ok\r\n")
            elif command.startswith(b"RCPT"):
                recipients.append(line.split(b":", 1)[1].strip().decode())
                conn.sendall(b"250 ok\r\n")
            elif command == b"DATA":
                conn.sendall(b"354 go\r\n")
                data = b""
                while True:
                    chunk = stream.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data += chunk
                self.messages.append((",".join(sorted(recipients)), data))
                conn.sendall(b"250 queued\r\n")
            elif command == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()


# --- Processes ---------------------------------------------------------------------------------


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=6390)
    parser.add_argument("--outage", type=int, default=60, help="seconds Redis is down")
    args = parser.parse_args()

    sink = SmtpSink()
    folder = Path(tempfile.mkdtemp(prefix="fault-redis-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "privacy_portal.settings",
        "DEBUG": "1",
        "DEMO_MODE": "0",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": f"redis://127.0.0.1:{args.port}/0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "MEDIA_ROOT": str(folder / "media"),
        "JOB_REQUEUE_SECONDS": "10",
    }
    os.environ.update(env)
    prepare_database()
    redis = start_redis(args.port, folder)
    restarted: list[subprocess.Popen] = []
    worker = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "privacy_portal",
                "worker",
                "--pool=solo",
                "--loglevel=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        return drill(
            args, redis_folder=folder, sink=sink, port=args.port, redis=redis, restarted=restarted
        )
    finally:
        if worker is not None:
            stop(worker)
        for process in [redis, *restarted]:
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def drill(args, *, redis_folder, sink, port, redis, restarted) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from breaches.models import Breach
    from portal.models import ParentRequest
    from privacy_portal import tasks
    from privacy_portal.models import OutboxMail
    from students.models import ImportRun, Pupil
    from tests import factories as f
    from tests.conftest import sign_in

    foundation = f.FoundationFactory(name="Stichting Storing")
    school = f.SchoolFactory(foundation=foundation, name="De Storing")
    group = f.SchoolClassFactory(school=school, name="Groep 5a")
    pupil = f.pupil_in_class(group, first_name="Noa", last_name="'t Hart")
    parent = f.parent_of(pupil).user
    teacher = f.teacher_of(group)
    administratie = f.staff(school, "administratie")
    f.foundation_person(foundation, "fg")
    f.staff(school, "directie")

    redis_process = redis
    print(f"Redis on :{port} stops for {args.outage} s")
    stop(redis_process)
    outage_started = time.monotonic()
    timings = {}

    def timed(name, call):
        started = time.monotonic()
        response = call()
        timings[name] = (response.status_code, time.monotonic() - started)

    now = timezone.localtime()
    timed(
        "parent request",
        lambda: sign_in(Client(), parent).post(
            reverse("portal:request_new", args=[pupil.pk]),
            {
                "kind": "bezwaar",
                "description": "Geen foto's op de website.",
                "form_token": "p" * 32,
            },
        ),
    )
    timed(
        "breach report",
        lambda: sign_in(Client(), teacher).post(
            reverse("breaches:report"),
            {
                "description": "Mail met cijferlijst naar de verkeerde ouders gestuurd.",
                "occurred_at": (now - timezone.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
                "discovered_at": (now - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "kind": "wrong_recipient",
                "schools": [school.pk],
                "data_categories": ["identification", "results"],
                "people_count": "25",
                "affected_groups": ["pupils", "parents"],
                "encrypted": "no",
                "processor_name": "",
                "measures_taken": "",
                "form_token": "b" * 32,
            },
        ),
    )
    sample = (ROOT / "docs" / "import-sample.csv").read_bytes()
    timed(
        "pupil import",
        lambda: sign_in(Client(), administratie).post(
            reverse("students:pupil_import"),
            {
                "school": school.pk,
                "file": SimpleUploadedFile("export.csv", sample),
                "mode": "all",
                "create_classes": "on",
            },
        ),
    )
    run = ImportRun.objects.filter(mode="all").first()
    if run is not None:
        page = sign_in(Client(), administratie).get(reverse("students:import_run", args=[run.pk]))
        timings["import progress page"] = (page.status_code, 0.0)
    for name, (code, seconds) in timings.items():
        print(f"  during the outage: {name}: HTTP {code} in {seconds:.1f} s")

    time.sleep(max(0, args.outage - (time.monotonic() - outage_started)))
    restarted.append(start_redis(port, redis_folder))
    print("Redis is back; playing beat (outbox sweep, job reaper) until done")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for task in (tasks.sweep_outbox, tasks.reap_jobs):
            try:
                task.delay()
            except Exception as exc:  # noqa: BLE001 - a drill reports, it does not stop
                print(f"  enqueue failed: {exc!r}")
        time.sleep(5)
        pending = OutboxMail.objects.exclude(status=OutboxMail.Status.SENT).count()
        open_runs = ImportRun.objects.filter(status__in=["queued", "running"]).count()
        if not pending and not open_runs:
            break
    time.sleep(3)  # let the last deliveries reach the sink

    outbox_rows = OutboxMail.objects.count()
    sent_rows = OutboxMail.objects.filter(status=OutboxMail.Status.SENT).count()
    fingerprints = [
        hashlib.sha256(to.encode() + b"|" + message.split(b"\r\n\r\n", 1)[-1]).hexdigest()
        for to, message in sink.messages
    ]
    delivered, unique = len(fingerprints), len(set(fingerprints))
    imports_done = ImportRun.objects.filter(mode="all", status="done").count()
    imports_total = ImportRun.objects.filter(mode="all").count()
    imported = Pupil.objects.exclude(administration_number="").count()
    expected_pupils = len([line for line in sample.decode().splitlines()[1:] if line.strip()])
    lost_jobs = (imports_total - imports_done) + (1 - min(imports_total, 1))
    duplicated_jobs = (
        max(0, imports_total - 1)
        + max(0, imported - expected_pupils)
        + max(0, ParentRequest.objects.count() - 1)
        + max(0, Breach.objects.count() - 1)
    )
    lost_mails = (outbox_rows - sent_rows) + max(0, outbox_rows - unique)
    duplicated_mails = delivered - unique
    print(f"  requests {ParentRequest.objects.count()}, breaches {Breach.objects.count()}, ")
    print(f"  imports {imports_done}/{imports_total} done, pupils imported {imported}")
    print(f"  mails: {outbox_rows} in the outbox, {sent_rows} sent, {delivered} at the sink")
    print(f"lost jobs: {lost_jobs}, duplicated jobs: {duplicated_jobs}")
    print(f"lost mails: {lost_mails}, duplicated mails: {duplicated_mails}")
    slow = [name for name, (code, seconds) in timings.items() if code >= 500 or seconds > 10]
    ok = not (lost_jobs or duplicated_jobs or lost_mails or duplicated_mails or slow)
    print("RESULT:", "0 and 0" if ok else f"FAILED {slow}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
