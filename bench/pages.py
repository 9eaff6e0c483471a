"""Benchmark: the price of privacy on the main pages, per role, against bare twins (PostgreSQL).

Not part of the test run. Usage (from the project root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench_pages \\
        .venv/bin/python bench/pages.py --pupils 10000 --rounds 30

It (re)creates the database named in DATABASE_URL, migrates it and seeds a foundation:
``--pupils`` pupils in schools of 500 (20 classes of 25), each pupil with a parent and an
enrolment; the measured school ("De Meetschool") always has the same 500 pupils, so at 10 and
100,000 pupils the measured persons see the same rows (with ``--pupils 10`` the whole
foundation is one class of 10). The measured pupil has four earlier school years. Every school
has a history too (``_seed_history``): second parents and siblings, two dossier entries per
pupil, media-consent answers of two school years and ten access records per pupil. The
persons: a directie, an IB-er and a teacher of the measured school, and a parent.

Each page is requested through the whole stack (middleware, production settings with
``DEBUG=0``, the layout) with Django's test client, and so is its **bare twin**: a view in
this file that runs the same page query for the same rows without any access question and
renders the same template. Real and bare requests alternate in one run; the script prints per
page and role the number of queries, the median of each and their ratio. Both include the
per-request floor (session, user, the access summary the layout's menu asks for).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_portal.settings")
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

SCHOOL_SIZE = 500
CLASS_SIZE = 25


def ensure_fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(n: int):
    """The foundation, the measured persons and ``n`` pupils (bulk inserts)."""
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import services
    from accounts.models import Foundation, School, SchoolClass, User, school_year_of
    from students.models import Enrolment, Guardian, GuardianLink, Pupil

    year = school_year_of(date.today())
    foundation = Foundation.objects.create(name="Stichting Meten", kvk_number="41000001")
    measured_size = min(n, SCHOOL_SIZE)
    sizes = [measured_size]
    rest = n - measured_size
    while rest > 0:
        sizes.append(min(rest, SCHOOL_SIZE))
        rest -= sizes[-1]
    measured_class = None
    for number, size in enumerate(sizes):
        with transaction.atomic():
            school = School.objects.create(
                foundation=foundation,
                name="De Meetschool" if number == 0 else f"School {number:04d}",
                brin=f"{number % 100:02d}{chr(65 + number // 100 % 26)}{chr(65 + number % 26)}",
            )
            classes = SchoolClass.objects.bulk_create(
                SchoolClass(school=school, school_year=year, name=f"Groep {c + 1}", grade=c % 8 + 1)
                for c in range(max(1, (size + CLASS_SIZE - 1) // CLASS_SIZE))
            )
            pupils = Pupil.objects.bulk_create(
                Pupil(
                    school=school,
                    first_name=f"Kind{i}",
                    last_name=f"Achternaam{number}-{i:04d}",
                    date_of_birth=date(2016, 1, 1) + timedelta(days=i % 700),
                    enrolled_on=date(2021, 8, 20),
                    administration_number=f"{number:04d}{i:04d}",
                )
                for i in range(size)
            )
            Enrolment.objects.bulk_create(
                Enrolment(pupil=p, school_class=classes[i // CLASS_SIZE])
                for i, p in enumerate(pupils)
            )
            guardians = Guardian.objects.bulk_create(
                Guardian(first_name="Ouder", last_name=p.last_name, email=f"o{p.pk}@thuis.example")
                for p in pupils
            )
            GuardianLink.objects.bulk_create(
                GuardianLink(guardian=g, pupil=p, has_parental_authority=True)
                for g, p in zip(guardians, pupils, strict=True)
            )
            _seed_history(foundation, school, pupils, guardians, year)
            if number == 0:
                measured_class, measured_pupil = classes[0], pupils[0]
    # Four earlier school years for the measured pupil.
    for back in range(1, 5):
        old = SchoolClass.objects.create(
            school=measured_class.school, school_year=year - back, name=f"Groep {8 - back}"
        )
        Enrolment.objects.create(pupil=measured_pupil, school_class=old)

    def person(email):
        user = User.objects.create_user(email=email, password=None)
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        return user

    school = measured_class.school
    people = {"directie": person("directie@bench.example"), "ib": person("ib@bench.example")}
    services.staff_membership_create(user=people["directie"], school=school, role="directie")
    services.staff_membership_create(user=people["ib"], school=school, role="ib")
    people["teacher"] = person("teacher@bench.example")
    services.staff_membership_create(user=people["teacher"], school=school, role="leerkracht")
    services.class_assignment_create(user=people["teacher"], school_class=measured_class)
    parent = person("parent@bench.example")
    TOTPDevice.objects.filter(user=parent).delete()
    first_parent = measured_pupil.guardian_links.order_by("pk").first()
    Guardian.objects.filter(pk=first_parent.guardian_id).update(user=parent)
    people["parent"] = parent
    return people, school, measured_class, measured_pupil


def _seed_history(foundation, school, pupils, guardians, year):
    """What a school collects over the years, so that no page is measured on empty tables: a
    second parent for half the pupils and siblings (every fourth pupil shares a parent with the
    one before), two dossier entries per pupil (care, very sensitive; results), media-consent
    answers for every channel this school year and last, and ten access records per pupil."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from consent.models import ConsentDecision
    from consent.services import channels_ensure_defaults, current_text
    from students.models import DossierEntry, Guardian, GuardianLink

    second = Guardian.objects.bulk_create(
        Guardian(first_name="Tweede", last_name=p.last_name, email=f"t{p.pk}@thuis.example")
        for p in pupils[::2]
    )
    links = [
        GuardianLink(guardian=g, pupil=p, has_parental_authority=True)
        for g, p in zip(second, pupils[::2], strict=True)
    ]
    links += [
        GuardianLink(guardian=guardians[i - 1], pupil=pupils[i], has_parental_authority=True)
        for i in range(1, len(pupils), 4)
    ]
    GuardianLink.objects.bulk_create(links)
    DossierEntry.objects.bulk_create(
        DossierEntry(pupil=p, category=category, title=f"{title} {p.first_name}", body="…")
        for p in pupils
        for category, title in (("care", "Handelingsplan"), ("results", "Toetsuitslag"))
    )
    channels = channels_ensure_defaults(foundation=foundation)
    texts = {channel.pk: current_text(channel) for channel in channels}
    ConsentDecision.objects.bulk_create(
        ConsentDecision(
            pupil=p,
            channel=channel,
            school_year=school_year,
            granted=(p.pk + channel.pk) % 3 != 0,
            text=texts[channel.pk],
            guardian=g,
        )
        for p, g in zip(pupils, guardians, strict=True)
        for channel in channels
        for school_year in (year - 1, year)
    )
    pupil_type = ContentType.objects.get(app_label="students", model="pupil")
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=pupil_type,
            object_pk=str(p.pk),
            object_id=p.pk,
            object_repr=str(p.pk),
            action=LogEntry.Action.ACCESS,
            additional_data={"what": "pupil_file", "categories": ["care"]},
        )
        for p in pupils
        for _ in range(10)
    )


def seeded():
    """The persons, school, class and pupil of an earlier ``seed`` (``--reuse``), or None."""
    from accounts.models import School, User
    from students.models import Pupil

    people = {
        role: User.objects.filter(email=f"{role}@bench.example").first()
        for role in ("directie", "ib", "teacher", "parent")
    }
    if not all(people.values()):
        return None
    school = School.objects.get(name="De Meetschool")
    school_class = people["teacher"].class_assignments.get().school_class
    pupil = Pupil.objects.filter(guardian_links__guardian__user=people["parent"]).order_by("pk")[0]
    return people, school, school_class, pupil


# --- The bare twins: same query, same rows, same template, no access question -----------------

BARE = {}  # filled in main(): school, class, pupil ids and the capability set per role


def bare_pupil_list(request, role):
    from django.core.paginator import Paginator
    from django.db.models import OuterRef, Subquery
    from django.shortcuts import render

    from accounts.models import School, SchoolClass
    from students.forms import PupilSearchForm
    from students.models import Enrolment, Pupil

    if role == "teacher":
        pupils = Pupil.objects.filter(enrolments__school_class_id=BARE["class"])
        classes = SchoolClass.objects.filter(pk=BARE["class"])
    else:
        pupils = Pupil.objects.filter(school_id=BARE["school"])
        classes = SchoolClass.objects.filter(school_id=BARE["school"])
    latest = Enrolment.objects.filter(pupil=OuterRef("pk")).order_by(
        "-school_class__school_year", "-pk"
    )
    pupils = (
        pupils.select_related("school")
        .annotate(current_class_name=Subquery(latest.values("school_class__name")[:1]))
        .order_by("last_name", "first_name", "pk")
    )
    form = PupilSearchForm(
        None,
        schools=School.objects.filter(pk=BARE["school"]),
        classes=classes.select_related("school").order_by("school__name", "-school_year", "name"),
    )
    page = Paginator(pupils, 25).get_page(1)
    context = {"form": form, "page": page, "query": "", "may_import": role == "directie"}
    return render(request, "students/pupil_list.html", context)


def bare_pupil_page(request, role):
    from django.shortcuts import render
    from django.utils.text import capfirst

    from students import registry, rendering, selectors
    from students.models import Pupil

    pupil = Pupil.objects.select_related("school").get(pk=BARE["pupil"])
    capabilities = BARE["capabilities"][role]
    categories = selectors.categories_for_capabilities(
        capabilities, contact_is_secret=pupil.contact_is_secret
    )
    keys = [c.key for c in categories]
    entries = list(
        pupil.dossier_entries.filter(category__in=keys)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
    sections = [
        selectors.Section(
            category=category,
            facts=[
                (
                    capfirst(Pupil._meta.get_field(name).verbose_name),
                    rendering.display_value(pupil, name),
                )
                for name in category.model_fields("Pupil")
                if name not in {"school", "user"}
            ],
            editable=False,
            entries=[e for e in entries if e.category == category.key],
            retention_until=registry.retention_until(pupil, category.retention),
        )
        for category in categories
    ]
    context = {
        "pupil": pupil,
        "sections": sections,
        "categories": categories,
        "capabilities": capabilities,
        "enrolments": list(pupil.enrolments.select_related("school_class")),
        "guardian_links": list(pupil.guardian_links.select_related("guardian")),
        "emergency_contacts": list(pupil.emergency_contacts.all()),
        "may_add_dossier_entry": False,
        "may_read_access_records": role == "directie",
        "pupil_actions": [],
    }
    return render(request, "students/pupil_detail.html", context)


def bare_start_page(request, role):
    from django.shortcuts import render

    return render(request, "home.html", {"roles": [role], "attention_items": []})


def bare_portal(request, role):
    from django.shortcuts import render

    from students.models import Pupil

    children = list(Pupil.objects.filter(pk=BARE["pupil"]).select_related("school"))
    return render(request, "portal/index.html", {"children": children, "requests": []})


def _urlpatterns():
    from django.urls import path

    from privacy_portal.urls import urlpatterns

    return [
        path("bare/list/<str:role>/", bare_pupil_list),
        path("bare/pupil/<str:role>/", bare_pupil_page),
        path("bare/start/<str:role>/", bare_start_page),
        path("bare/portal/<str:role>/", bare_portal),
        *urlpatterns,
    ]


# --- Measuring --------------------------------------------------------------------------------


def client_for(user):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user).first()
    if device:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def timed(client, url):
    start = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        client.get(url, secure=True)
    return len(context.captured_queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database of an earlier run as it is"
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print each real page's queries first"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own (it is recreated).")
    if not args.reuse:
        ensure_fresh_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ROOT_URLCONF = __name__
    sys.modules[__name__].urlpatterns = _urlpatterns()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)

    started = time.perf_counter()
    found = seeded() if args.reuse else None
    if found:
        people, school, school_class, pupil = found
        print("measuring the database of an earlier run")
    else:
        people, school, school_class, pupil = seed(args.pupils)
        print(f"seeded {args.pupils:,} pupils in {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]

    from django.urls import reverse

    from accounts.roles import CLASS_ROLE_CAPABILITIES, SCHOOL_ROLE_CAPABILITIES

    BARE.update(
        school=school.pk,
        **{"class": school_class.pk},
        pupil=pupil.pk,
        capabilities={
            "directie": SCHOOL_ROLE_CAPABILITIES["directie"],
            "ib": SCHOOL_ROLE_CAPABILITIES["ib"],
            "teacher": CLASS_ROLE_CAPABILITIES["leerkracht"],
        },
    )
    pages = [
        ("pupil list", role, reverse("students:pupil_list"), f"/bare/list/{role}/")
        for role in ("directie", "teacher")
    ]
    pages += [
        (
            "pupil page",
            role,
            reverse("students:pupil_detail", args=[pupil.pk]),
            f"/bare/pupil/{role}/",
        )
        for role in ("directie", "ib", "teacher")
    ]
    pages += [
        ("start page", role, reverse("home"), f"/bare/start/{role}/")
        for role in ("directie", "ib", "teacher")
    ]
    pages.append(("parent portal", "parent", reverse("portal:index"), "/bare/portal/parent/"))

    clients = {role: client_for(user) for role, user in people.items()}
    if args.show_queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for page, role, real, _ in pages:
            clients[role].get(real, secure=True)
            with CaptureQueriesContext(connection) as context:
                clients[role].get(real, secure=True)
            print(f"--- {page} ({role}): {len(context.captured_queries)} queries")
            for query in context.captured_queries:
                print(f"  {query['time']}s {query['sql'][:160]}")
    for _, role, real, bare in pages:  # warm up: first request of the day, caches
        timed(clients[role], real)
        timed(clients[role], bare)
    samples = {(page, role): ([], []) for page, role, _, _ in pages}
    for _ in range(args.rounds):
        for page, role, real, bare in pages:
            samples[(page, role)][0].append(timed(clients[role], real))
            samples[(page, role)][1].append(timed(clients[role], bare))

    print(f"PostgreSQL jit = {jit}; {args.rounds} interleaved rounds; medians in ms")
    print(f"{'page':<14} {'role':<9} {'queries':>8} {'real':>8} {'bare':>8} {'ratio':>6}")
    for page, role, real, bare in pages:
        real_ms = statistics.median(samples[(page, role)][0])
        bare_ms = statistics.median(samples[(page, role)][1])
        queries = f"{count_queries(clients[role], real)}/{count_queries(clients[role], bare)}"
        print(
            f"{page:<14} {role:<9} {queries:>8} {real_ms:8.1f} {bare_ms:8.1f} "
            f"{real_ms / bare_ms:5.2f}x"
        )


if __name__ == "__main__":
    main()
