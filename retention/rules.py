"""The R13 retention rules as pure functions: when each part of a pupil's data is removed.

The parts follow the registry's retention classes (``students.registry.RetentionClass``):
categories of class *dossier* (care, medical, results: dossier entries and the Pupil fields of
those categories) go first; categories of class *administration* (everything else, the parents
included) go with the pupil itself.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from retention.models import (
    LEGAL_ADMINISTRATION_YEARS,
    LEGAL_DOSSIER_SBO_YEARS,
    LEGAL_DOSSIER_YEARS,
    Part,
    RetentionPolicy,
)
from students import registry


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 1 March (never earlier than the period)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def subtract_years(day: date, years: int) -> date:
    """The latest deregistration date whose period has run out on ``day`` (inverse of
    ``add_years``: 29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def pseudonym(pupil_id: int, brin: str) -> str:
    """The pseudonymous reference of a pupil: HMAC-SHA256 of id and BRIN with the SECRET_KEY.

    Stable (the same pupil always gets the same reference, also after a restore), not
    reversible without the key, and never the name or BSN.
    """
    message = f"pupil:{pupil_id}:{brin.upper()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def pupil_reference(pupil) -> str:
    return pseudonym(pupil.pk, pupil.school.brin)


@dataclass(frozen=True)
class Periods:
    administration_years: int = LEGAL_ADMINISTRATION_YEARS
    dossier_years: int = LEGAL_DOSSIER_YEARS
    dossier_sbo_years: int = LEGAL_DOSSIER_SBO_YEARS

    def dossier_for(self, *, sbo: bool) -> int:
        return self.dossier_sbo_years if sbo else self.dossier_years


LEGAL_PERIODS = Periods()


def periods_for_foundation(foundation_id: int) -> Periods:
    policy = RetentionPolicy.objects.filter(foundation_id=foundation_id).first()
    if policy is None:
        return LEGAL_PERIODS
    # The legal periods are minimums: a row written before they were enforced never shortens them.
    return Periods(
        max(policy.administration_years, LEGAL_ADMINISTRATION_YEARS),
        max(policy.dossier_years, LEGAL_DOSSIER_YEARS),
        max(policy.dossier_sbo_years, LEGAL_DOSSIER_SBO_YEARS),
    )


def dossier_fields() -> list[str]:
    """Pupil fields of the registry's dossier-class categories: blanked when the dossier goes."""
    names: list[str] = []
    for category in registry.CATEGORIES:
        if category.retention == registry.RetentionClass.DOSSIER:
            names.extend(category.model_fields("Pupil"))
    return names


def dossier_categories() -> list:
    return [c for c in registry.CATEGORIES if c.retention == registry.RetentionClass.DOSSIER]


def administration_categories() -> list:
    return [c for c in registry.CATEGORIES if c.retention == registry.RetentionClass.ADMINISTRATION]


@dataclass(frozen=True)
class Removal:
    """When one part of a pupil's data is removed, and by which rule."""

    part: str
    label: object  # a lazy translation
    years: int
    rule: str
    on: date | None  # None: the pupil is still enrolled, the clock has not started
    categories: tuple  # lazy category labels

    @property
    def part_label(self):
        return Part(self.part).label


def rule_text(part: str, years: int, *, sbo: bool = False) -> str:
    """The rule as stored in destruction records (stable, no personal data)."""
    if part == Part.ADMINISTRATION:
        return f"R13 leerlingenadministratie: {years} jaar na uitschrijving"
    if sbo:
        return f"R13 leerlingdossier (SBO): {years} jaar na vertrek"
    return f"R13 leerlingdossier: {years} jaar na vertrek"


def removal_dates(pupil, periods: Periods | None = None) -> list[Removal]:
    """For each part of the pupil's data, the day it will be removed (the hook for the pupil
    page). The dossier never outlives the administration."""
    periods = periods or periods_for_foundation(pupil.school.foundation_id)
    left = pupil.deregistered_on
    sbo = bool(pupil.destination_is_sbo)
    dossier_years = min(periods.dossier_for(sbo=sbo), periods.administration_years)
    return [
        Removal(
            Part.DOSSIER,
            _("Leerlingdossier"),
            dossier_years,
            rule_text(Part.DOSSIER, dossier_years, sbo=sbo),
            add_years(left, dossier_years) if left else None,
            tuple(c.label for c in dossier_categories()),
        ),
        Removal(
            Part.ADMINISTRATION,
            _("Leerlingenadministratie"),
            periods.administration_years,
            rule_text(Part.ADMINISTRATION, periods.administration_years),
            add_years(left, periods.administration_years) if left else None,
            tuple(c.label for c in administration_categories()),
        ),
    ]
