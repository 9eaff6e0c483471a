"""The data-category registry (R1–R5, R12, R13): every kind of pupil data the school keeps,
why (purpose, R1), on which basis (R3), how sensitive (R12), how long (R13), and what parents
are told. Other apps refer to categories by ``key`` (agreements: which data flows to a product;
breaches: which data was involved; retention: what is purged when).

Each category lists the model fields it covers as ``"Model.field"`` (models of the students
app). ``tests/students/test_registry.py`` fails when a field on a students model is neither in a
category nor in ``NOT_PERSONAL`` (technical fields, with the reason they hold no personal data).
The keys are stable: other apps store them.

Who sees a category: a staff member whose capabilities for the pupil include ``capability`` or
one of ``also_with`` (see ``students.selectors.visible_categories``). Who may change it: whoever
holds ``edit_capability`` for the pupil.

The registry is the one **field policy** (``field_policy("Pupil.phone")``): per field its
category and sensitivity, its audiences (the capabilities above), whether the secret-contact
flag hides it (``secret_hides``: then only holders of ``SECRET_AUDIENCE`` see it, never the
other parent, and it leaves the school only by an explicit decision), and whether the audit log
may keep its value (``audit_masked``: BSN, health data, care and dossier texts and secret
contact data are stored as ``MASK`` in ``auditlog``). ``tests/students/test_registry.py`` fails
when a field of a students model is not classified.
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

    ADMINISTRATION = "administration", _("leerlingenadministratie: 5 jaar na uitschrijving")
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
    also_with: tuple[str, ...] = field(default_factory=tuple)
    edit_capability: str = Capability.PUPIL_ADMINISTRATIVE
    # Dossier categories hold DossierEntry rows (notes, plans, reports) besides fields.
    holds_dossier_entries: bool = False
    # "Model.field" names whose values the audit log must not keep (masked, see MASK).
    audit_masked: tuple[str, ...] = field(default_factory=tuple)
    # The pupil's secret-contact flag hides this category from all but SECRET_AUDIENCE.
    secret_hides: bool = False

    @property
    def capabilities(self) -> frozenset[str]:
        """Any of these capabilities for a pupil shows the category."""
        return frozenset({self.capability, *self.also_with})

    @property
    def purpose_labels(self) -> list[str]:
        return [f"{code}. {Purpose(code).label}" for code in self.purposes]

    @property
    def legal_basis_label(self) -> str:
        return f"{self.legal_basis}. {LegalBasis(self.legal_basis).label}"

    @property
    def retention_label(self) -> str:
        return str(RetentionClass(self.retention).label)

    @property
    def sensitivity_label(self) -> str:
        return str(Sensitivity(self.sensitivity).label)

    @property
    def is_very_sensitive(self) -> bool:
        return self.sensitivity == Sensitivity.VERY_SENSITIVE

    def model_fields(self, model_name: str) -> list[str]:
        """The field names of ``model_name`` (e.g. "Pupil") that this category covers."""
        prefix = f"{model_name}."
        return [name[len(prefix) :] for name in self.fields if name.startswith(prefix)]


C = Capability
CATEGORIES: tuple[DataCategory, ...] = (
    DataCategory(
        "identification",
        _("Naam en groep"),
        Sensitivity.PUBLIC,
        C.PUPIL_BASIC,
        (Purpose.EDUCATION, Purpose.LEGAL_OBLIGATION),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("Naam, school en groep van uw kind, zodat we weten wie uw kind is."),
        (
            "Pupil.first_name",
            "Pupil.surname_prefix",
            "Pupil.last_name",
            "Pupil.school",
            "Pupil.user",
            "Enrolment.pupil",
            "Enrolment.school_class",
        ),
    ),
    DataCategory(
        "personal_details",
        _("Geboortedatum en leerlingnummer"),
        Sensitivity.PUBLIC,
        C.PUPIL_ADMINISTRATIVE,
        (Purpose.EDUCATION, Purpose.LEGAL_OBLIGATION),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("De geboortedatum en het nummer van uw kind in onze leerlingenadministratie."),
        ("Pupil.date_of_birth", "Pupil.administration_number"),
        also_with=(C.PUPIL_SENSITIVE,),
    ),
    DataCategory(
        "enrolment",
        _("Inschrijving"),
        Sensitivity.PUBLIC,
        C.PUPIL_ADMINISTRATIVE,
        (Purpose.EDUCATION, Purpose.LEGAL_OBLIGATION),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _(
            "Wanneer uw kind is in- of uitgeschreven, van welke school het kwam en naar welke "
            "school het gaat."
        ),
        (
            "Pupil.enrolled_on",
            "Pupil.deregistered_on",
            "Pupil.previous_school",
            "Pupil.destination_school",
            "Pupil.destination_is_sbo",
        ),
        also_with=(C.PUPIL_SENSITIVE,),
    ),
    DataCategory(
        "parents",
        _("Ouders/verzorgers en noodcontacten"),
        Sensitivity.PUBLIC,
        C.PUPIL_BASIC,
        (Purpose.INFORMING,),
        LegalBasis.CONTRACT,
        RetentionClass.ADMINISTRATION,
        _("Wie we bellen of mailen over uw kind, ook in noodgevallen."),
        (
            "Guardian.first_name",
            "Guardian.surname_prefix",
            "Guardian.last_name",
            "Guardian.email",
            "Guardian.phone",
            "Guardian.user",
            "GuardianLink.guardian",
            "GuardianLink.pupil",
            "GuardianLink.relationship",
            "GuardianLink.has_parental_authority",
            "EmergencyContact.pupil",
            "EmergencyContact.name",
            "EmergencyContact.relationship",
            "EmergencyContact.phone",
        ),
    ),
    DataCategory(
        "contact",
        _("Contact en adres"),
        Sensitivity.PUBLIC,
        C.PUPIL_ADMINISTRATIVE,
        (Purpose.EDUCATION, Purpose.INFORMING),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("Adres en telefoonnummer van het gezin."),
        ("Pupil.street_address", "Pupil.postal_code", "Pupil.city", "Pupil.phone"),
        # May be secret (protected living situation): the audit log never keeps it.
        audit_masked=("Pupil.street_address", "Pupil.postal_code", "Pupil.city", "Pupil.phone"),
        secret_hides=True,
    ),
    DataCategory(
        "citizen_number",
        _("BSN / onderwijsnummer"),
        Sensitivity.VERY_SENSITIVE,
        C.PUPIL_ADMINISTRATIVE,
        (Purpose.LEGAL_OBLIGATION,),
        LegalBasis.LAW,
        RetentionClass.ADMINISTRATION,
        _("Het burgerservicenummer, dat de wet voorschrijft voor de telling van DUO."),
        ("Pupil.citizen_number",),
        audit_masked=("Pupil.citizen_number",),
    ),
    DataCategory(
        "allergies",
        _("Allergieën en medische noodinstructies"),
        Sensitivity.SENSITIVE,
        C.PUPIL_SENSITIVE,
        (Purpose.EDUCATION,),
        LegalBasis.VITAL_INTEREST,
        RetentionClass.ADMINISTRATION,
        _("Zodat de leerkracht weet wat te doen als uw kind iets overkomt."),
        ("Pupil.allergies", "Pupil.emergency_instructions"),
        also_with=(C.PUPIL_ADMINISTRATIVE,),
        # Health data (GDPR art. 9) even when teachers may see it.
        audit_masked=("Pupil.allergies", "Pupil.emergency_instructions"),
    ),
    DataCategory(
        "medical",
        _("Medische gegevens en diagnoses"),
        Sensitivity.VERY_SENSITIVE,
        C.PUPIL_VERY_SENSITIVE,
        (Purpose.GUIDANCE,),
        LegalBasis.CONSENT,
        RetentionClass.DOSSIER,
        _("Alleen wat nodig is om uw kind goed te begeleiden."),
        ("Pupil.medical_information",),
        edit_capability=C.PUPIL_VERY_SENSITIVE,
        holds_dossier_entries=True,
        audit_masked=("Pupil.medical_information",),
    ),
    DataCategory(
        "care",
        _("Zorg en begeleiding"),
        Sensitivity.VERY_SENSITIVE,
        C.PUPIL_VERY_SENSITIVE,
        (Purpose.GUIDANCE,),
        LegalBasis.PUBLIC_TASK,
        RetentionClass.DOSSIER,
        _("Notities en plannen van de intern begeleider en verslagen van deskundigen."),
        (
            "DossierEntry.pupil",
            "DossierEntry.category",
            "DossierEntry.kind",
            "DossierEntry.title",
            "DossierEntry.body",
            "DossierEntry.audience",
            "DossierEntry.sensitivity",
            "DossierEntry.document",
            "DossierEntry.document_name",
            "DossierEntry.content_type",
            "DossierEntry.author",
            "DossierEntry.created_at",
        ),
        edit_capability=C.PUPIL_VERY_SENSITIVE,
        holds_dossier_entries=True,
        # Dossier texts (of every dossier category: the entry's own category decides).
        audit_masked=("DossierEntry.title", "DossierEntry.body", "DossierEntry.document_name"),
    ),
    DataCategory(
        "results",
        _("Leerresultaten"),
        Sensitivity.SENSITIVE,
        C.PUPIL_SENSITIVE,
        (Purpose.EDUCATION, Purpose.GUIDANCE),
        LegalBasis.PUBLIC_TASK,
        RetentionClass.DOSSIER,
        _("Toetsresultaten en rapporten, om de voortgang van uw kind te volgen."),
        edit_capability=C.PUPIL_SENSITIVE,
        holds_dossier_entries=True,
    ),
    DataCategory(
        # Photos and video of a recognisable pupil (R8). The pictures themselves live on the
        # school's channels and with processors (Klasbord, the school photographer), not in
        # this application; what the school keeps here is the consent per channel
        # (``consent`` app), which says where pictures may be used.
        # Staff who take or publish pictures see it (teachers of the class, administratie,
        # directie, IB), not the conciërge. Sensitive: pictures are shielded from outsiders (R8).
        "beeldmateriaal",
        _("Beeldmateriaal (foto en video)"),
        Sensitivity.SENSITIVE,
        C.PUPIL_SENSITIVE,
        (Purpose.PUPIL_NEWS, Purpose.SCHOOL_ACTIVITIES),
        LegalBasis.CONSENT,
        RetentionClass.ADMINISTRATION,
        _(
            "Foto's en video's waarop uw kind herkenbaar is, alleen voor de kanalen waarvoor u "
            "toestemming hebt gegeven. Zonder toestemming gebruikt de school geen beeld van uw "
            "kind; u kunt uw toestemming altijd intrekken."
        ),
        also_with=(C.PUPIL_ADMINISTRATIVE,),
    ),
    DataCategory(
        "secret_contact",
        _("Geheim adres of telefoonnummer"),
        Sensitivity.VERY_SENSITIVE,
        C.PUPIL_VERY_SENSITIVE,
        (Purpose.EDUCATION,),
        LegalBasis.VITAL_INTEREST,
        RetentionClass.ADMINISTRATION,
        _(
            "Of uw adres of nummer geheim moet blijven, bijvoorbeeld bij een beschermde woonsituatie."
        ),
        ("Pupil.contact_is_secret",),
        edit_capability=C.PUPIL_VERY_SENSITIVE,
        audit_masked=("Pupil.contact_is_secret",),
    ),
)

# Fields on students models that are not personal data, with the reason. Everything else must
# be in a category above (tests/students/test_registry.py).
NOT_PERSONAL: dict[str, str] = {
    "Pupil.id": "technical key",
    "Enrolment.id": "technical key",
    "Guardian.id": "technical key",
    "GuardianLink.id": "technical key",
    "EmergencyContact.id": "technical key",
    "DossierEntry.id": "technical key",
    "ImportRun.id": "technical key",
    "ImportRun.school": "which school imported",
    "ImportRun.actor": "the staff member who imported (staff account, not pupil data)",
    "ImportRun.status": "state of the run",
    "ImportRun.rows_total": "count",
    "ImportRun.rows_valid": "count",
    "ImportRun.rows_done": "count (progress of a background run)",
    "ImportRun.created": "count",
    "ImportRun.updated": "count",
    "ImportRun.errors": "row numbers and reasons only, no values",
    "ImportRun.started_at": "time of the run",
    "ImportRun.finished_at": "time the run ended",
    "ImportRun.mode": "how the import was asked for",
    "ImportRun.create_classes": "an option of the run",
    "ImportRun.upload_path": "a random file name; the file is deleted when the run ends",
    "ImportRun.heartbeat_at": "the job's lease: when it was queued or claimed last",
    "ImportRun.attempts": "count of workers that claimed the run",
    "ImportRun.interruption": "what the reaper did about a lost worker",
}

# Dossier entries carry their own category; these are the ones they may carry.
DOSSIER_CATEGORY_KEYS = tuple(c.key for c in CATEGORIES if c.holds_dossier_entries)

BY_KEY = {category.key: category for category in CATEGORIES}


def category_choices() -> list[tuple[str, str]]:
    """Choices for forms and model fields in other apps that name data categories."""
    return [(category.key, category.label) for category in CATEGORIES]


def dossier_category_choices() -> list[tuple[str, str]]:
    return [(key, BY_KEY[key].label) for key in DOSSIER_CATEGORY_KEYS]


def get_category(key: str) -> DataCategory:
    return BY_KEY[key]


def registered_fields() -> dict[str, str]:
    """``"Model.field"`` -> category key, for every registered field."""
    return {name: category.key for category in CATEGORIES for name in category.fields}


# Who still sees a category that the secret-contact flag hides (directie and IB-er, R12).
SECRET_AUDIENCE = Capability.PUPIL_VERY_SENSITIVE
# What the audit log keeps instead of a masked value (an empty value stays empty, so the trail
# still shows that a field was filled in or cleared).
MASK = "••••••"


@dataclass(frozen=True)
class FieldPolicy:
    """The policy of one registered field, as every screen, export and log must apply it."""

    name: str
    category: DataCategory
    audit_masked: bool
    secret_hides: bool

    @property
    def sensitivity(self) -> Sensitivity:
        return self.category.sensitivity

    @property
    def audiences(self) -> frozenset[str]:
        return self.category.capabilities


def field_policy(name: str) -> FieldPolicy:
    """The policy of ``"Model.field"``; KeyError for a field that is not registered."""
    category = BY_KEY[registered_fields()[name]]
    return FieldPolicy(
        name=name,
        category=category,
        audit_masked=name in category.audit_masked,
        secret_hides=category.secret_hides,
    )


def audit_masked_fields(model_name: str) -> list[str]:
    """Field names of ``model_name`` whose values django-auditlog must mask."""
    prefix = f"{model_name}."
    return sorted(
        name[len(prefix) :]
        for category in CATEGORIES
        for name in category.audit_masked
        if name.startswith(prefix)
    )


def mask_audit_value(value: str) -> str:
    """django-auditlog's ``mask_callable``: nothing of the value survives (auditlog's own mask
    keeps half of it)."""
    return "" if value in ("", "None") else MASK


def secret_hidden_fields(model_name: str) -> list[str]:
    """Field names of ``model_name`` that the secret-contact flag hides."""
    return [
        name
        for category in CATEGORIES
        if category.secret_hides
        for name in category.model_fields(model_name)
    ]


def _years_after(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retention_until(pupil, retention: str):
    """R13: the last day data of ``retention`` class may be kept for ``pupil``, or None while
    the pupil is still enrolled. Administration: 5 years after deregistration; dossier: 2 years
    after leaving, 3 years when the pupil went to special education (SBO)."""
    if pupil.deregistered_on is None:
        return None
    if retention == RetentionClass.ADMINISTRATION:
        return _years_after(pupil.deregistered_on, 5)
    return _years_after(pupil.deregistered_on, 3 if pupil.destination_is_sbo else 2)


# --- Who may see a field: the one answer ----------------------------------------------------
# The secret flag (``Pupil.contact_is_secret``) hides the fields of the categories marked
# ``secret_hides`` from parents (the portal, the request form, the inspection export), from staff
# without SECRET_AUDIENCE and from the receiving school of a transfer (unless the directie or
# IB-er decided, with a reason, to send it): in a protected-living case one parent must not learn
# where the child lives. A parent's own e-mail and phone are that parent's: no other parent ever
# sees them. ``may_see`` is the only place that decides this; the staff renderer
# (``students.rendering``), the portal, the inspection export and the transfer dossier all ask it.
HIDDEN_WHEN_SECRET: frozenset[str] = frozenset(
    f"Pupil.{name}" for name in secret_hidden_fields("Pupil")
)
# A parent's own contact details: that parent sees them, another parent of the child never does.
OWN_PARENT_ONLY: frozenset[str] = frozenset({"Guardian.email", "Guardian.phone"})


@dataclass(frozen=True)
class Reader:
    """Who reads a response, as far as the field policy cares.

    ``capabilities``: a staff member's capabilities for the pupil. ``parents_read``: parents read
    it (the portal, the inspection export, a transfer dossier offered to every parent with
    authority), so a parent's e-mail and phone appear only for that parent (``parent``, the
    reading user, or nobody for a document all parents read). ``secret_released``: a transfer
    dossier for which an explicit decision sends the secret address to the receiving school.
    """

    capabilities: frozenset = frozenset()
    parents_read: bool = False
    parent: object = None
    secret_released: bool = False

    @classmethod
    def staff(cls, capabilities) -> "Reader":
        return cls(capabilities=frozenset(capabilities or ()))

    @classmethod
    def for_parent(cls, user) -> "Reader":
        return cls(parents_read=True, parent=user)

    @classmethod
    def receiving_school(cls, *, secret_released: bool = False) -> "Reader":
        """A transfer dossier: read by every parent with authority and by the next school."""
        return cls(parents_read=True, secret_released=secret_released)


def may_see(field: str, *, pupil, reader: Reader, owner=None) -> bool:
    """Whether ``reader`` may see the value of ``field`` ("Model.field") of ``pupil``.

    ``owner`` is the Guardian a Guardian field belongs to. Whether the reader sees the field's
    category at all is the access policy's answer (``students.selectors.visible_categories``);
    this answers what the secret flag and the parents' own contact details add to it.
    """
    if field in HIDDEN_WHEN_SECRET and pupil.contact_is_secret:
        if reader.secret_released:
            return True
        if reader.parents_read:
            return False
        return SECRET_AUDIENCE in reader.capabilities
    if field in OWN_PARENT_ONLY and reader.parents_read:
        viewer = reader.parent
        return owner is not None and viewer is not None and owner.user_id == viewer.pk
    return True


# --- Records with a retention clock of their own (R13, issue 15) ------------------------------
# Not fields of the pupil file but records about pupils and parents that the school keeps for a
# while: each goes on its own date, by its own app's ``retention_purge(day)`` hook (run by the
# nightly purge after the pupils). The protocol names no term for them; these are the
# foundation's, chosen as "as short as the purpose allows" (AVG art. 5(1)(e)) and shown in
# docs/retention.md. A pupil whose administration goes takes all of them along earlier.


@dataclass(frozen=True)
class RecordClock:
    key: str
    label: str
    years: int
    days: int
    runs_from: str
    rule: str

    def cutoff(self, day):
        """Records whose clock started before this day have expired on ``day``."""
        from datetime import timedelta

        start = day - timedelta(days=self.days)
        try:
            return start.replace(year=start.year - self.years)
        except ValueError:  # 29 February
            return start.replace(year=start.year - self.years, day=28)

    def cutoff_at(self, day):
        """``cutoff`` as the first moment of that day (for timestamps)."""
        from datetime import datetime, time

        from django.utils import timezone

        return timezone.make_aware(datetime.combine(self.cutoff(day), time.min))


RECORD_CLOCKS: dict[str, RecordClock] = {
    clock.key: clock
    for clock in (
        RecordClock(
            "parent_request",
            _("afgehandelde verzoeken van ouders (met berichten en correcties)"),
            2,
            0,
            "afgehandeld op",
            "verzoeken: 2 jaar na afhandeling (niet zolang een toegekend bezwaar geldt)",
        ),
        RecordClock(
            "inspection_export",
            _("inzage-exports"),
            0,
            28,
            "vrijgegeven op (anders afgehandeld op)",
            "inzage-export: 4 weken na vrijgeven",
        ),
        RecordClock(
            "consent_decision",
            _("toestemmingsbesluiten over beeldmateriaal"),
            5,
            0,
            "einde van het schooljaar (31 juli)",
            "toestemming: 5 jaar na het einde van het schooljaar",
        ),
        RecordClock(
            "breach_letter",
            _("brieven aan betrokkenen bij een datalek, met de ontvangers"),
            5,
            0,
            "datalek afgesloten op",
            "brief aan betrokkenen: 5 jaar na afsluiten van het datalek",
        ),
        RecordClock(
            "import_report",
            _("verslagen van leerlingimports"),
            0,
            90,
            "gestart op",
            "importverslag: 90 dagen",
        ),
        RecordClock(
            "import_file",
            _("geüploade importbestanden"),
            0,
            1,
            "einde van de import",
            "importbestand: een dag na afloop (normaal direct)",
        ),
    )
}
