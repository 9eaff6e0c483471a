"""Retention of transfer dossiers (R13), as plain functions the retention app can call.

The pupil dossier is kept **2 years** after the pupil left the school, **3 years** when the pupil
moved to special primary education (SBO). The date counts from the leaving date.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

DOSSIER_YEARS_REGULAR = 2
DOSSIER_YEARS_SBO = 3


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year: the day after 28 February
        return day.replace(year=day.year + years, month=3, day=1)


def dossier_retention_date(*, left_on: date, destination_is_sbo: bool) -> date:
    """The last day a pupil's dossier may be kept: 3 years after leaving for SBO, else 2."""
    years = DOSSIER_YEARS_SBO if destination_is_sbo else DOSSIER_YEARS_REGULAR
    return _add_years(left_on, years)


def retention_date_for_dossier(dossier) -> date:
    """The retention date of a transfer dossier, from its leaving date and destination type."""
    return dossier_retention_date(left_on=dossier.leaves_on, destination_is_sbo=dossier.is_sbo)


def expired_dossiers(today: date) -> QuerySet:
    """Handed-over transfer dossiers whose retention date has passed (for the purge job)."""
    from transfers.models import TransferDossier

    return TransferDossier.objects.filter(
        state=TransferDossier.State.HANDED_OVER, retention_until__lt=today
    )
