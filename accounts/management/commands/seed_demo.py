"""Create the demo foundation: 2 schools, classes, ~60 pupils with parents, a person per role.

Idempotent: running it again changes nothing and prints the same logins. Refuses to run unless
DEMO_MODE is on, because the demo accounts share one known password.
"""

import random
from datetime import date
from types import SimpleNamespace

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import (
    ClassAssignment,
    Foundation,
    FoundationRole,
    School,
    SchoolClass,
    StaffMembership,
    User,
    school_year_of,
)
from accounts.roles import FoundationRoleKind, SchoolRole
from privacy_portal import hooks
from students.models import Enrolment, Guardian, GuardianLink, Pupil

DEMO_PASSWORD = "Demo-wachtwoord-2026!"

FIRST_NAMES = [
    "Emma",
    "Noah",
    "Julia",
    "Liam",
    "Mila",
    "Luca",
    "Sophie",
    "Sem",
    "Tess",
    "Daan",
    "Zoë",
    "Finn",
    "Nora",
    "Levi",
    "Saar",
    "Milan",
    "Yara",
    "Bram",
    "Fenna",
    "Jesse",
    "Lotte",
    "Mees",
    "Evi",
    "Thijs",
    "Anna",
    "Ruben",
    "Fleur",
    "Sven",
    "Isa",
    "Ayoub",
]
LAST_NAMES = [
    "de Vries",
    "Jansen",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "El Amrani",
    "Yilmaz",
    "Kaya",
    "Postma",
    "Kok",
]

SCHOOLS = [
    {"brin": "12AB", "name": "Basisschool De Regenboog", "city": "Oosterhout", "code": "regenboog"},
    {"brin": "34CD", "name": "Basisschool Het Kompas", "city": "Oosterhout", "code": "kompas"},
]
STAFF = [
    # (code, first, last, school code or None, role)
    ("directie.regenboog", "Ingrid", "Hermans", "regenboog", SchoolRole.DIRECTIE),
    ("ib.regenboog", "Petra", "Claassen", "regenboog", SchoolRole.IB),
    ("leerkracht.regenboog", "Mark", "Verhoeven", "regenboog", SchoolRole.LEERKRACHT),
    ("leerkracht2.regenboog", "Anouk", "Willems", "regenboog", SchoolRole.LEERKRACHT),
    ("administratie.regenboog", "Karin", "Schouten", "regenboog", SchoolRole.ADMINISTRATIE),
    ("concierge.regenboog", "Henk", "Maas", "regenboog", SchoolRole.CONCIERGE),
    ("directie.kompas", "Rob", "van den Berg", "kompas", SchoolRole.DIRECTIE),
    ("ib.kompas", "Mirjam", "Kuipers", "kompas", SchoolRole.IB),
    ("leerkracht.kompas", "Joost", "Martens", "kompas", SchoolRole.LEERKRACHT),
]
FOUNDATION_PEOPLE = [
    ("cvb", "Annemiek", "Dortmans", FoundationRoleKind.CVB),
    ("fg", "Frank", "Gerritsen", FoundationRoleKind.FG),
    ("beheerder", "Bas", "Beheer", FoundationRoleKind.BEHEERDER),
]


def demo_email(code: str) -> str:
    return f"{code}@demo.privacyportaal.nl"


class Command(BaseCommand):
    help = "Create demo data (foundation, schools, classes, pupils, parents, one person per role)."

    def add_arguments(self, parser):
        parser.add_argument("--pupils-per-class", type=int, default=12)

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "seed_demo only runs with DEMO_MODE=1 (and DEBUG=1): demo logins share a password."
            )
        with transaction.atomic():
            created = self._seed(options["pupils_per_class"])
            # Other apps add their own demo records (agreements, consents, breaches, …) through
            # a ``seed_demo(demo)`` function in their hooks module; each must be idempotent.
            hooks.collect("seed_demo", self.demo)
        self._print_logins(created)

    def _user(self, code, first, last, **extra):
        user, created = User.objects.get_or_create(
            email=demo_email(code),
            defaults={"first_name": first, "last_name": last, "is_demo_account": True, **extra},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _seed(self, pupils_per_class: int) -> bool:
        foundation, created = Foundation.objects.get_or_create(
            kvk_number="41234567",
            defaults={
                "name": "Stichting Openbaar Primair Onderwijs Demo",
                "street_address": "Schoolstraat 1",
                "postal_code": "4901 AA",
                "city": "Oosterhout",
            },
        )
        year = school_year_of(timezone.localdate())
        year_start = date(year, 8, 1)
        schools = {}
        for spec in SCHOOLS:
            schools[spec["code"]], _ = School.objects.get_or_create(
                brin=spec["brin"],
                defaults={"foundation": foundation, "name": spec["name"], "city": spec["city"]},
            )
        classes = {}
        for code, school in schools.items():
            for grade, name in (
                [(3, "Groep 3"), (5, "Groep 5"), (8, "Groep 8")]
                if code == "regenboog"
                else [(4, "Groep 4"), (7, "Groep 7")]
            ):
                classes[(code, name)], _ = SchoolClass.objects.get_or_create(
                    school=school, school_year=year, name=name, defaults={"grade": grade}
                )
        people = {}
        for code, first, last, school_code, role in STAFF:
            user = self._user(code, first, last)
            people[code] = user
            if not StaffMembership.objects.filter(
                user=user, school=schools[school_code], role=role
            ).exists():
                services.staff_membership_create(
                    user=user, school=schools[school_code], role=role, start_date=year_start
                )
        for code, first, last, role in FOUNDATION_PEOPLE:
            user = self._user(code, first, last, is_staff=(role == FoundationRoleKind.BEHEERDER))
            people[code] = user
            if not FoundationRole.objects.filter(user=user, role=role).exists():
                services.foundation_role_create(
                    user=user, foundation=foundation, role=role, start_date=year_start
                )
        teaching = [
            ("leerkracht.regenboog", ("regenboog", "Groep 5")),
            ("leerkracht2.regenboog", ("regenboog", "Groep 8")),
            ("leerkracht2.regenboog", ("regenboog", "Groep 3")),
            ("leerkracht.kompas", ("kompas", "Groep 7")),
            ("leerkracht.kompas", ("kompas", "Groep 4")),
        ]
        for code, class_key in teaching:
            if not ClassAssignment.objects.filter(
                user=people[code], school_class=classes[class_key]
            ).exists():
                services.class_assignment_create(
                    user=people[code], school_class=classes[class_key], start_date=year_start
                )
        self.demo = SimpleNamespace(
            foundation=foundation, schools=schools, classes=classes, people=people, year=year
        )
        if Pupil.objects.filter(school__in=schools.values()).exists():
            return created
        rng = random.Random(2026)  # noqa: S311 - demo names, not security
        parent_count = 0
        first_parent = None
        for (school_code, _class_name), school_class in classes.items():
            grade = school_class.grade or 4
            for _ in range(pupils_per_class):
                last = rng.choice(LAST_NAMES)
                birth_year = year - grade - 4
                pupil = Pupil.objects.create(
                    school=schools[school_code],
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=last,
                    date_of_birth=date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
                    enrolled_on=date(year - grade + 1, 8, 20),
                )
                Enrolment.objects.create(pupil=pupil, school_class=school_class)
                for relationship, first in [
                    ("moeder", rng.choice(["Sanne", "Linda", "Fatima", "Eva"])),
                    ("vader", rng.choice(["Tom", "Mohamed", "Pieter", "Kees"])),
                ]:
                    parent_count += 1
                    guardian = Guardian.objects.create(
                        first_name=first,
                        last_name=last,
                        email=f"ouder{parent_count}@demo.privacyportaal.nl",
                        phone=f"06{rng.randint(10000000, 99999999)}",
                    )
                    GuardianLink.objects.create(
                        guardian=guardian,
                        pupil=pupil,
                        relationship=relationship,
                        has_parental_authority=True,
                    )
                    if first_parent is None:
                        first_parent = guardian
        # One parent gets a portal account; one step-parent link without parental authority.
        parent_user = self._user("ouder", first_parent.first_name, first_parent.last_name)
        first_parent.user = parent_user
        first_parent.email = parent_user.email
        first_parent.save()
        stepparent_user = self._user("ouder.zondergezag", "Stef", "Zondergezag")
        stepparent = Guardian.objects.create(
            first_name="Stef",
            last_name="Zondergezag",
            email=stepparent_user.email,
            user=stepparent_user,
        )
        GuardianLink.objects.create(
            guardian=stepparent,
            pupil=first_parent.links.first().pupil,
            relationship="verzorger",
            has_parental_authority=False,
        )
        # A pupil account in groep 8.
        pupil = Pupil.objects.filter(
            enrolments__school_class=classes[("regenboog", "Groep 8")]
        ).first()
        pupil.user = self._user("leerling", pupil.first_name, pupil.last_name)
        pupil.save()
        return True

    def _print_logins(self, created: bool):
        out = self.stdout
        out.write("")
        out.write(f"Demo-logins (wachtwoord voor allemaal: {DEMO_PASSWORD})")
        out.write("In demomodus slaan deze accounts tweestapsverificatie over.")
        rows = [(code, role.label) for code, _f, _l, _s, role in STAFF]
        rows += [(code, role.label) for code, _f, _l, role in FOUNDATION_PEOPLE]
        rows += [
            ("ouder", "Ouder met gezag"),
            ("ouder.zondergezag", "Ouder zonder gezag"),
            ("leerling", "Leerling"),
        ]
        for code, label in rows:
            out.write(f"  {demo_email(code):48} {label}")
        out.write("")
