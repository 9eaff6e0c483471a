"""Helpers for the transfers tests: dossier documents and dossiers built through the services."""

from datetime import date

import factory

from accounts.roles import Audience, Sensitivity
from students.models import DossierEntry
from tests.factories import PupilFactory
from transfers import services


class DossierEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DossierEntry

    pupil = factory.SubFactory(PupilFactory)
    category = "care"
    kind = DossierEntry.Kind.PLAN
    title = factory.Sequence(lambda n: f"Handelingsplan lezen {n}")
    body = "Extra leesbegeleiding twee keer per week."
    audience = Audience.IB
    sensitivity = Sensitivity.VERY_SENSITIVE


def compile_dossier(actor, pupil, **overrides):
    arguments = {
        "destination_name": "De Vlinder",
        "destination_brin": "99ZZ",
        "destination_type": "regular",
        "leaves_on": date(2026, 7, 10),
        "category_keys": ["identification", "personal_details", "enrolment", "results"],
        "entry_ids": [],
    }
    arguments.update(overrides)
    return services.dossier_create(actor=actor, pupil=pupil, **arguments)


def offered_dossier(actor, pupil, **overrides):
    dossier = compile_dossier(actor, pupil, **overrides)
    return services.dossier_offer(actor=actor, dossier=dossier)
