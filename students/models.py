"""Pupils, enrolments (class per school year) and the parents/guardians linked to them."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import School, SchoolClass
from accounts.roles import Audience, Sensitivity
from accounts.validators import validate_bsn, validate_phone, validate_postcode
from students import registry


def full_name(person) -> str:
    """The displayed name: first name, surname prefix, surname ("Daan de Vries")."""
    return " ".join(
        part for part in (person.first_name, person.surname_prefix, person.last_name) if part
    )


def list_name(person) -> str:
    """The name as lists show it, in Dutch name order: surname without the tussenvoegsel
    first, then first name and tussenvoegsel ("Berg, Jan van den"), so that it reads the way
    the list is sorted (``NAME_ORDER``)."""
    rest = " ".join(part for part in (person.first_name, person.surname_prefix) if part)
    return f"{person.last_name}, {rest}" if rest else person.last_name


# Dutch name order for every list of pupils or parents: by surname without the tussenvoegsel
# ("van den Berg" under B), then first name; the id keeps equal names in a stable order.
NAME_ORDER = ("last_name", "first_name", "pk")


class PupilQuerySet(models.QuerySet):
    def enrolled(self):
        return self.filter(deregistered_on__isnull=True)


class Pupil(models.Model):
    """A pupil (leerling) of one school. The data subject; under 16 the parents act for them."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school")
    )
    first_name = models.CharField(_("roepnaam"), max_length=100)
    # Dutch names: "de" in "Daan de Vries" is kept apart so lists sort on "Vries" (Dutch order).
    surname_prefix = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150)
    date_of_birth = models.DateField(_("geboortedatum"))
    enrolled_on = models.DateField(_("ingeschreven op"))
    deregistered_on = models.DateField(_("uitgeschreven op"), null=True, blank=True)
    administration_number = models.CharField(
        _("leerlingnummer"),
        max_length=20,
        blank=True,
        help_text=_("Het nummer van de leerling in de leerlingenadministratie (voor de import)."),
    )
    citizen_number = models.CharField(
        _("BSN of onderwijsnummer"), max_length=9, blank=True, validators=[validate_bsn]
    )
    street_address = models.CharField(_("adres"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    city = models.CharField(_("woonplaats"), max_length=100, blank=True)
    phone = models.CharField(
        _("telefoon thuis"), max_length=20, blank=True, validators=[validate_phone]
    )
    contact_is_secret = models.BooleanField(
        _("adres en telefoon zijn geheim"),
        default=False,
        help_text=_(
            "Bijvoorbeeld bij een beschermde woonsituatie: alleen directie en IB-er zien dan "
            "adres en telefoonnummer."
        ),
    )
    previous_school = models.CharField(_("vorige school"), max_length=200, blank=True)
    destination_school = models.CharField(_("school van bestemming"), max_length=200, blank=True)
    destination_is_sbo = models.BooleanField(
        _("naar speciaal basisonderwijs (SBO)"),
        default=False,
        help_text=_("Bepaalt de bewaartermijn van het dossier: 3 jaar in plaats van 2."),
    )
    allergies = models.TextField(_("allergieën"), blank=True)
    emergency_instructions = models.TextField(_("medische noodinstructies"), blank=True)
    medical_information = models.TextField(
        _("medische gegevens en diagnoses"),
        blank=True,
        help_text=_("Alleen wat nodig is voor de begeleiding van de leerling."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupil",
        verbose_name=_("leerlingaccount"),
    )

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "administration_number"],
                condition=~Q(administration_number=""),
                name="unique_administration_number_per_school",
            ),
            # A BSN (or onderwijsnummer) names one person: two pupil records with one number
            # would mix two children's files. The import checks it first with a clear message;
            # the constraint holds it for every other way in.
            models.UniqueConstraint(
                fields=["citizen_number"],
                condition=~Q(citizen_number=""),
                name="unique_citizen_number",
                violation_error_message=_("Dit BSN hoort al bij een andere leerling."),
            ),
        ]

    def __str__(self):
        return full_name(self)

    @property
    def list_name(self) -> str:
        return list_name(self)


class Enrolment(models.Model):
    """A pupil sits in a class in a school year; the history of these is the enrolment history."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("groep")
    )

    class Meta:
        verbose_name = _("plaatsing in groep")
        verbose_name_plural = _("plaatsingen in groepen")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "school_class"], name="unique_enrolment")
        ]

    def __str__(self):
        return f"{self.pupil} – {self.school_class}"


class Guardian(models.Model):
    """A parent or guardian (ouder/verzorger). Gets a user account once invited to the portal."""

    first_name = models.CharField(_("voornaam"), max_length=100)
    surname_prefix = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=20, blank=True, validators=[validate_phone])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("ouder/verzorger")
        verbose_name_plural = _("ouders/verzorgers")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return full_name(self)

    @property
    def list_name(self) -> str:
        return list_name(self)


class GuardianLink(models.Model):
    """Links a parent to a pupil; only with parental authority may the parent see or decide."""

    class Relationship(models.TextChoices):
        MOTHER = "moeder", _("moeder")
        FATHER = "vader", _("vader")
        GUARDIAN = "voogd", _("voogd")
        CARER = "verzorger", _("verzorger")

    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(
        _("relatie"), max_length=20, choices=Relationship.choices, default=Relationship.CARER
    )
    has_parental_authority = models.BooleanField(_("heeft ouderlijk gezag"), default=True)

    class Meta:
        verbose_name = _("ouderkoppeling")
        verbose_name_plural = _("ouderkoppelingen")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "pupil"], name="unique_guardian_link")
        ]
        indexes = [
            models.Index(
                fields=["pupil"], condition=Q(has_parental_authority=True), name="authority_idx"
            )
        ]

    def __str__(self):
        return f"{self.guardian} – {self.pupil}"


class EmergencyContact(models.Model):
    """Someone the school calls in an emergency when the parents cannot be reached."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(_("naam"), max_length=200)
    relationship = models.CharField(_("relatie tot de leerling"), max_length=100, blank=True)
    phone = models.CharField(_("telefoon"), max_length=20, validators=[validate_phone])

    class Meta:
        verbose_name = _("noodcontact")
        verbose_name_plural = _("noodcontacten")
        ordering = ["pk"]

    def __str__(self):
        return self.name


def dossier_upload_to(instance, filename):
    """A random name under dossier/<school id>/: the uploaded name never becomes a path."""
    import uuid

    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.content_type, "bin"
    )
    return f"dossier/{instance.pupil.school_id}/{uuid.uuid4().hex}.{extension}"


class DossierEntry(models.Model):
    """A note, plan or report in the pupil's dossier (leerlingdossier), with an audience level
    (R11: directie > IB-er > leerkracht > leerling) and a sensitivity (R12).

    An entry belongs to one registry category (care, medical or results); it can never be less
    sensitive than its category. An uploaded document is stored under MEDIA_ROOT with a random
    name and is only served by a view that checks access.
    """

    class Kind(models.TextChoices):
        NOTE = "note", _("notitie")
        PLAN = "plan", _("plan")
        REPORT = "report", _("verslag of rapport")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="dossier_entries")
    category = models.CharField(_("categorie"), max_length=40)
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    title = models.CharField(_("titel"), max_length=200)
    body = models.TextField(_("tekst"), blank=True)
    audience = models.PositiveSmallIntegerField(
        _("zichtbaar vanaf"), choices=Audience.choices, default=Audience.IB
    )
    sensitivity = models.PositiveSmallIntegerField(
        _("gevoeligheid"), choices=Sensitivity.choices, default=Sensitivity.VERY_SENSITIVE
    )
    document = models.FileField(_("document"), upload_to=dossier_upload_to, blank=True)
    document_name = models.CharField(_("bestandsnaam"), max_length=150, blank=True)
    content_type = models.CharField(_("bestandstype"), max_length=50, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossierstuk")
        verbose_name_plural = _("dossierstukken")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "category"])]

    def __str__(self):
        # Never the title: this string ends up in the audit log and in lists of changes.
        return f"{self.get_kind_display()} {self.pk or ''}".strip()


class ImportRun(models.Model):
    """One pupil import (dry run or real): counts and the per-row report, never the file itself.

    The report names rows by number and reason only, so it holds no personal data.
    """

    class Status(models.TextChoices):
        DRY_RUN = "dry_run", _("proefimport")
        QUEUED = "queued", _("wacht op verwerking")
        RUNNING = "running", _("bezig")
        DONE = "done", _("geïmporteerd")
        REFUSED = "refused", _("geweigerd")
        FAILED = "failed", _("mislukt")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pupil_imports")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    # Progress of a background import: rows applied and committed so far. Written per batch in
    # the batch's own transaction, so the progress page reads it from the row (no cache needed).
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    # A real import runs as a background task: the uploaded file waits under MEDIA_ROOT/imports/
    # (outside the web root) and is deleted as soon as the run ends, whatever the outcome.
    mode = models.CharField(max_length=12, blank=True)
    create_classes = models.BooleanField(default=False)
    upload_path = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The job's lease (see privacy_portal.jobs): when it was queued or claimed last, how often a
    # worker claimed it, and what the reaper did about a worker that stopped answering.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Interruption(models.TextChoices):
        NONE = "", _("geen")
        REQUEUED = "requeued", _("opnieuw gestart na een onderbreking")
        WORKER_LOST = "worker_lost", _("de verwerking stopte steeds")
        NEVER_STARTED = "never_started", _("de verwerking begon niet")

    interruption = models.CharField(
        max_length=20, choices=Interruption.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("leerlingimport")
        verbose_name_plural = _("leerlingimports")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.school} {self.started_at:%Y-%m-%d %H:%M}"


# The audit log keeps no protected value: the registry says which fields are masked.
_MASK = "students.registry.mask_audit_value"
auditlog.register(Pupil, mask_fields=registry.audit_masked_fields("Pupil"), mask_callable=_MASK)
auditlog.register(Enrolment)
auditlog.register(
    Guardian, mask_fields=registry.audit_masked_fields("Guardian"), mask_callable=_MASK
)
auditlog.register(GuardianLink)
auditlog.register(EmergencyContact)
auditlog.register(
    DossierEntry, mask_fields=registry.audit_masked_fields("DossierEntry"), mask_callable=_MASK
)
