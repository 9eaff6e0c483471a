"""Load run: gunicorn with the Dockerfile's workers on PostgreSQL, signed-in sessions with think
time, real pages against their bare twins (see ``bench/pages.py``) in the same run.

Not part of the test run. Usage (from the project root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench_load \\
        .venv/bin/python bench/load.py --pupils 10000 --sessions 50 --seconds 30

It recreates and seeds the database like ``bench/pages.py``, starts gunicorn (3 workers, as in
the Dockerfile) on ``--port`` with production settings and the bare twins mounted under
``/bare/``, creates one signed-in session (two-factor passed) per simulated person — half
directie, half teacher — and lets each of them, for ``--seconds``, request in turn the pupil
list, the pupil page and their bare twins, with ``--think`` seconds (1–3 s) in between. It
prints per page the number of requests, errors, p50 and p95 in ms, and for each real page the
ratio of its p50 and p95 to its bare twin's in the same run: on a machine that is busy with
other work the milliseconds say little, the ratios still say what the access checks cost.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import pages  # noqa: E402  (bench/pages.py: seeding and the bare twins)

WARM_UP_ROUNDS = 6


def make_session(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    store["last_seen"] = time.time()
    store.save()
    return store.session_key


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8016)
    parser.add_argument(
        "--reuse", action="store_true", help="the database of an earlier run, as it is"
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="think time between a person's requests, in seconds",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own (it is recreated).")
    if not args.reuse:
        pages.ensure_fresh_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    found = pages.seeded() if args.reuse else None
    people, school, school_class, pupil = found or pages.seed(args.pupils)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from accounts.roles import CLASS_ROLE_CAPABILITIES, SCHOOL_ROLE_CAPABILITIES

    bare = {
        "school": school.pk,
        "class": school_class.pk,
        "pupil": pupil.pk,
        "capabilities": {
            "directie": sorted(SCHOOL_ROLE_CAPABILITIES["directie"]),
            "teacher": sorted(CLASS_ROLE_CAPABILITIES["leerkracht"]),
        },
    }
    env = dict(os.environ, BENCH_BARE=json.dumps(bare), PYTHONPATH=f"{BENCH}:{ROOT}")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "load_wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "3",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(60):
            try:
                probe = urllib.request.Request(
                    base + reverse("accounts:login"),
                    headers={"X-Forwarded-Proto": "https", "Host": "testserver"},
                )
                urllib.request.urlopen(probe, timeout=2)
                break
            except OSError:
                time.sleep(1)
        targets = {
            "directie": [
                ("pupil list", reverse("students:pupil_list")),
                ("pupil list (bare)", "/bare/list/directie/"),
                ("pupil page", reverse("students:pupil_detail", args=[pupil.pk])),
                ("pupil page (bare)", "/bare/pupil/directie/"),
            ],
            "teacher": [
                ("pupil list", reverse("students:pupil_list")),
                ("pupil list (bare)", "/bare/list/teacher/"),
                ("pupil page", reverse("students:pupil_detail", args=[pupil.pk])),
                ("pupil page (bare)", "/bare/pupil/teacher/"),
            ],
        }
        sessions = [
            (role, make_session(people[role]))
            for role in ("directie", "teacher")
            for _ in range(args.sessions // 2)
        ]
        # Warm-up, not measured: every worker's first requests open its database connection and
        # compile the templates (hundreds of milliseconds), for real and bare pages alike; a
        # p95 over ~180 requests per page would measure that, not the steady state.
        for _ in range(WARM_UP_ROUNDS):
            for role, key in (sessions[0], sessions[-1]):
                for _name, path in targets[role]:
                    warm = urllib.request.Request(
                        base + path,
                        headers={
                            "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}",
                            "X-Forwarded-Proto": "https",
                            "Host": "testserver",
                        },
                    )
                    with urllib.request.urlopen(warm, timeout=30) as response:
                        response.read()
        results: dict[str, list] = {}
        errors: dict[str, int] = {}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def person(role, key):
            rng = random.Random(key)
            # The first request after a think time like every other: 50 people arriving within
            # one second would be twice the steady rate, a burst the bench made, not the pages.
            time.sleep(rng.uniform(*args.think))
            # Each person starts at a random page of the round: the burst of 50 first
            # requests at the start would otherwise all land on the real pupil list.
            step = rng.randrange(4)
            while time.monotonic() < deadline:
                name, path = targets[role][step % 4]
                step += 1
                request = urllib.request.Request(
                    base + path,
                    headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}",
                        "X-Forwarded-Proto": "https",
                        "Host": "testserver",
                    },
                )
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        ok = response.status == 200 and response.url.endswith(path)
                except Exception:
                    ok = False
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    results.setdefault(name, []).append(elapsed)
                    if not ok:
                        errors[name] = errors.get(name, 0) + 1
                time.sleep(rng.uniform(*args.think))

        load_before = os.getloadavg()[0]
        threads = [threading.Thread(target=person, args=s) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    total = sum(len(v) for v in results.values())
    print(
        f"{len(sessions)} sessions, {args.seconds} s, {total} requests "
        f"({total / args.seconds:.1f}/s), {args.pupils:,} pupils, gunicorn 3 workers; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
        f"{os.cpu_count()} cores"
    )
    print(report(results, errors))


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report(results: dict, errors: dict) -> str:
    """Per page: requests, errors, p50 and p95 in ms, and for a real page the ratio of its p50
    and p95 to those of its bare twin in the same run (the machine's load weighs on both, so
    the ratio is the price of the access checks; the milliseconds are the machine's)."""
    lines = [
        f"{'page':<20} {'requests':>8} {'errors':>6} {'p50':>8} {'p95':>8} "
        f"{'p50 ratio':>9} {'p95 ratio':>9}"
    ]
    for name in sorted(results):
        times = results[name]
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        ratios = ""
        twin = results.get(f"{name} (bare)")
        if twin:
            ratios = f" {p50 / statistics.median(twin):8.2f}x {p95 / percentile(twin, 0.95):8.2f}x"
        lines.append(
            f"{name:<20} {len(times):>8} {errors.get(name, 0):>6} {p50:8.1f} {p95:8.1f}{ratios}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
