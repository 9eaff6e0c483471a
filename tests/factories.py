"""factory_boy factories for the organisation and pupils.

Memberships are made through ``accounts.services`` so that role groups and guardian permissions
exist exactly as in production; use the helper functions at the bottom for that.
"""

from datetime import date

import factory
from django.utils import timezone

from accounts import services
from accounts.models import Foundation, School, SchoolClass, User, school_year_of
from students.models import Enrolment, Guardian, GuardianLink, Pupil

PASSWORD = "Sterk-wachtwoord-123!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persoon{n}@school.example")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class FoundationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Foundation

    name = factory.Sequence(lambda n: f"Stichting {n}")
    kvk_number = factory.Sequence(lambda n: f"{41000000 + n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    foundation = factory.SubFactory(FoundationFactory)
    name = factory.Sequence(lambda n: f"Basisschool {n}")
    brin = factory.Sequence(
        lambda n: f"{10 + n % 90:02d}{chr(65 + (n // 90) % 26)}{chr(65 + n % 26)}"
    )


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.LazyFunction(lambda: school_year_of(timezone.localdate()))
    name = factory.Sequence(lambda n: f"Groep {n}")
    grade = 5


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    date_of_birth = date(2017, 5, 4)
    enrolled_on = date(2021, 8, 20)


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.Sequence(lambda n: f"ouder{n}@thuis.example")


def pupil_in_class(school_class: SchoolClass, **kwargs) -> Pupil:
    pupil = PupilFactory(school=school_class.school, **kwargs)
    Enrolment.objects.create(pupil=pupil, school_class=school_class)
    return pupil


def staff(school: School, role: str, **kwargs) -> User:
    user = UserFactory(**kwargs)
    services.staff_membership_create(
        user=user, school=school, role=role, start_date=date(2020, 1, 1)
    )
    return user


def teacher_of(school_class: SchoolClass, **kwargs) -> User:
    user = staff(school_class.school, "leerkracht", **kwargs)
    services.class_assignment_create(
        user=user, school_class=school_class, start_date=date(2020, 1, 1)
    )
    return user


def foundation_person(foundation: Foundation, role: str, **kwargs) -> User:
    user = UserFactory(**kwargs)
    services.foundation_role_create(
        user=user, foundation=foundation, role=role, start_date=date(2020, 1, 1)
    )
    return user


def parent_of(pupil: Pupil, *, authority: bool = True, with_account: bool = True) -> Guardian:
    guardian = GuardianFactory(user=UserFactory() if with_account else None)
    GuardianLink.objects.create(guardian=guardian, pupil=pupil, has_parental_authority=authority)
    return guardian
