"""Helpers for retention tests: pupils who left, with dossiers, files and audit history."""

from datetime import date

from django.core.files.base import ContentFile

from students.models import DossierEntry, EmergencyContact
from tests import factories as f


def left_pupil(
    school_class,
    *,
    deregistered_on: date,
    sbo: bool = False,
    entries: int = 1,
    with_file: bool = False,
    medical: str = "",
    **kwargs,
):
    """A pupil who left on ``deregistered_on``, with dossier entries (and a PDF file) and an
    emergency contact, created with auditlog on so that the audit log holds their data."""
    pupil = f.pupil_in_class(school_class, **kwargs)
    pupil.deregistered_on = deregistered_on
    pupil.destination_is_sbo = sbo
    pupil.destination_school = "SBO De Brug" if sbo else "Basisschool Elders"
    pupil.medical_information = medical
    pupil.save()
    for number in range(entries):
        entry = DossierEntry(
            pupil=pupil,
            category="care",
            title=f"Handelingsplan {pupil.first_name} {number}",
            body=f"Gesprek over {pupil.first_name} {pupil.last_name}: dyslexie-onderzoek {number}",
        )
        if with_file and number == 0:
            entry.content_type = "application/pdf"
            entry.document_name = "verslag.pdf"
            entry.document.save("verslag.pdf", ContentFile(b"%PDF-1.4 verslag"), save=False)
        entry.save()
    EmergencyContact.objects.create(pupil=pupil, name="Oma " + pupil.last_name, phone="0201234567")
    return pupil
