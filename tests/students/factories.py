"""Factories for the students tests (on top of tests/factories.py)."""

import factory

from accounts.roles import Audience, Sensitivity
from students.models import DossierEntry, EmergencyContact
from tests.factories import PupilFactory


class DossierEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DossierEntry

    pupil = factory.SubFactory(PupilFactory)
    category = "care"
    kind = DossierEntry.Kind.NOTE
    title = factory.Sequence(lambda n: f"Zorgnotitie {n}")
    body = "Gesprek met ouders over de leesaanpak."
    audience = Audience.IB
    sensitivity = Sensitivity.VERY_SENSITIVE


class EmergencyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyContact

    pupil = factory.SubFactory(PupilFactory)
    name = "Oma de Vries"
    relationship = "oma"
    phone = "0612345678"
