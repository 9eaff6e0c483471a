"""The data-category registry (R1–R5, R12, R13): every kind of pupil data the school keeps,
why (purpose, R1), on which basis (R3), how sensitive (R12), how long (R13), and what parents
are told. Other apps refer to categories by ``key`` (agreements: which data flows to a product;
breaches: which data was involved; retention: what is purged when).

The issue on pupil records fills in the fields and wires the registry to the pupil file; the
keys below are stable and may be used by other apps now.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability, Sensitivity


class Purpose(models.TextChoices):
    """R1 a–j."""

    EDUCATION = "a", _("onderwijs geven en organiseren")
    GUIDANCE = "b", _("begeleiden van leerlingen (voortgang)")
    LEARNING_MATERIALS = "c", _("leermiddelen verstrekken")
    INFORMING = "d", _("informeren van ouders en leerlingen")
    PUPIL_NEWS = "e", _("leerlingnieuws op eigen kanalen")
    SCHOOL_ACTIVITIES = "f", _("publiceren van schoolactiviteiten")
    FEES = "g", _("bijdragen en vergoedingen")
    DISPUTES = "h", _("behandelen van geschillen")
    AUDITS = "i", _("accountantscontrole")
    LEGAL_OBLIGATION = "j", _("wettelijke verplichtingen (o.a. DUO-telling)")


class LegalBasis(models.TextChoices):
    """R3 a–f."""

    CONSENT = "a", _("toestemming")
    CONTRACT = "b", _("overeenkomst (onderwijsovereenkomst)")
    LAW = "c", _("wettelijke verplichting")
    PUBLIC_TASK = "d", _("publieke taak")
    VITAL_INTEREST = "e", _("vitaal belang")
    LEGITIMATE_INTEREST = "f", _("gerechtvaardigd belang")


class RetentionClass(models.TextChoices):
    """R13."""

    ADMINISTRATION = "administration", _("leerlingadministratie: 5 jaar na uitschrijving")
    DOSSIER = "dossier", _("leerlingdossier: 2 jaar na vertrek (3 jaar bij SBO)")


@dataclass(frozen=True)
class DataCategory:
    key: str
    label: str
    sensitivity: Sensitivity
    capability: Capability
    purposes: tuple[str, ...]
    legal_basis: str
    retention: str
    parent_explanation: str
    fields: tuple[str, ...] = field(default_factory=tuple)


CATEGORIES: tuple[DataCategory, ...] = (
    DataCategory(
        "identification",
        _("Identificatie"),
        Sensitivity.PUBLIC,
        Capability.PUPIL_BASIC,
        (Purpose.EDUCATION, Purpose.LEGAL_OBLIGATION),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("Naam en geboortedatum, zodat we weten wie uw kind is."),
        ("first_name", "last_name", "date_of_birth"),
    ),
    DataCategory(
        "enrolment",
        _("Inschrijving"),
        Sensitivity.PUBLIC,
        Capability.PUPIL_BASIC,
        (Purpose.EDUCATION, Purpose.LEGAL_OBLIGATION),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("School, groep en data van in- en uitschrijving."),
        ("school", "enrolled_on", "deregistered_on"),
    ),
    DataCategory(
        "parents",
        _("Ouders/verzorgers en noodcontacten"),
        Sensitivity.PUBLIC,
        Capability.PUPIL_BASIC,
        (Purpose.INFORMING,),
        LegalBasis.CONTRACT,
        RetentionClass.ADMINISTRATION,
        _("Wie we bellen of mailen over uw kind, ook in noodgevallen."),
    ),
    DataCategory(
        "contact",
        _("Contact en adres"),
        Sensitivity.PUBLIC,
        Capability.PUPIL_ADMINISTRATIVE,
        (Purpose.EDUCATION, Purpose.INFORMING),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("Adres en telefoonnummer van het gezin."),
    ),
    DataCategory(
        "citizen_number",
        _("BSN / onderwijsnummer"),
        Sensitivity.VERY_SENSITIVE,
        Capability.PUPIL_ADMINISTRATIVE,
        (Purpose.LEGAL_OBLIGATION,),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("Het burgerservicenummer, dat de wet voorschrijft voor de telling van DUO."),
    ),
    DataCategory(
        "allergies",
        _("Allergieën en medische noodinstructies"),
        Sensitivity.SENSITIVE,
        Capability.PUPIL_SENSITIVE,
        (Purpose.EDUCATION,),
        LegalBasis.VITAL_INTEREST,
        RetentionClass.ADMINISTRATION,
        _("Zodat de leerkracht weet wat te doen als uw kind iets overkomt."),
    ),
    DataCategory(
        "medical",
        _("Medische gegevens en diagnoses"),
        Sensitivity.VERY_SENSITIVE,
        Capability.PUPIL_VERY_SENSITIVE,
        (Purpose.GUIDANCE,),
        LegalBasis.CONSENT,
        RetentionClass.DOSSIER,
        _("Alleen wat nodig is om uw kind goed te begeleiden."),
    ),
    DataCategory(
        "care",
        _("Zorg en begeleiding"),
        Sensitivity.VERY_SENSITIVE,
        Capability.PUPIL_VERY_SENSITIVE,
        (Purpose.GUIDANCE,),
        LegalBasis.PUBLIC_TASK,
        RetentionClass.DOSSIER,
        _("Notities en plannen van de intern begeleider en verslagen van deskundigen."),
    ),
    DataCategory(
        "results",
        _("Leerresultaten"),
        Sensitivity.SENSITIVE,
        Capability.PUPIL_SENSITIVE,
        (Purpose.EDUCATION, Purpose.GUIDANCE),
        LegalBasis.PUBLIC_TASK,
        RetentionClass.DOSSIER,
        _("Toetsresultaten en rapporten, om de voortgang van uw kind te volgen."),
    ),
    DataCategory(
        "secret_contact",
        _("Geheim adres of telefoonnummer"),
        Sensitivity.VERY_SENSITIVE,
        Capability.PUPIL_VERY_SENSITIVE,
        (Purpose.EDUCATION,),
        LegalBasis.VITAL_INTEREST,
        RetentionClass.ADMINISTRATION,
        _(
            "Of uw adres of nummer geheim moet blijven, bijvoorbeeld bij een beschermde woonsituatie."
        ),
    ),
)

BY_KEY = {category.key: category for category in CATEGORIES}


def category_choices() -> list[tuple[str, str]]:
    """Choices for forms and model fields in other apps that name data categories."""
    return [(category.key, category.label) for category in CATEGORIES]


def get_category(key: str) -> DataCategory:
    return BY_KEY[key]
