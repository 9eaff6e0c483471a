"""Models of the retention app: the foundation's retention periods, holds and reviews, purge
runs, destruction records, pending file erasures and processors' destruction confirmations.

None of these rows holds a pupil's name or BSN: pupils are named by a pseudonymous reference
(``retention.rules.pseudonym``), an HMAC of the pupil id and the school's BRIN.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Foundation, School

# R13: the periods the protocol gives (years) are minimums. A foundation may keep longer, with a
# recorded reason; never shorter, whatever the reason.
LEGAL_ADMINISTRATION_YEARS = 5
LEGAL_DOSSIER_YEARS = 2
LEGAL_DOSSIER_SBO_YEARS = 3


class Part(models.TextChoices):
    """The parts of a pupil's data that are removed at different moments."""

    DOSSIER = "dossier", _("leerlingdossier (zorg, medisch, resultaten)")
    ADMINISTRATION = "administration", _("leerlingenadministratie en ouders")
    TRANSFER = "transfer_dossier", _("overstapdossier")


class RetentionPolicy(models.Model):
    """The retention periods of one foundation (R13). Without a row, the legal periods apply."""

    foundation = models.OneToOneField(
        Foundation,
        on_delete=models.CASCADE,
        related_name="retention_policy",
        verbose_name=_("stichting"),
    )
    administration_years = models.PositiveSmallIntegerField(
        _("leerlingenadministratie (jaren na uitschrijving)"),
        default=LEGAL_ADMINISTRATION_YEARS,
        validators=[MinValueValidator(LEGAL_ADMINISTRATION_YEARS), MaxValueValidator(50)],
    )
    dossier_years = models.PositiveSmallIntegerField(
        _("leerlingdossier (jaren na vertrek)"),
        default=LEGAL_DOSSIER_YEARS,
        validators=[MinValueValidator(LEGAL_DOSSIER_YEARS), MaxValueValidator(50)],
    )
    dossier_sbo_years = models.PositiveSmallIntegerField(
        _("leerlingdossier bij vertrek naar SBO (jaren)"),
        default=LEGAL_DOSSIER_SBO_YEARS,
        validators=[MinValueValidator(LEGAL_DOSSIER_SBO_YEARS), MaxValueValidator(50)],
    )
    longer_reason = models.TextField(
        _("reden voor een langere termijn dan de wettelijke"), blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("bewaarbeleid")
        verbose_name_plural = _("bewaarbeleid")

    def __str__(self):
        return f"{self.foundation}: {self.administration_years}/{self.dossier_years}/{self.dossier_sbo_years}"


class HoldQuerySet(models.QuerySet):
    def active(self, day):
        """Holds that block the purge on ``day``: open reviews, and holds not yet ended."""
        return self.filter(lifted_at__isnull=True).filter(
            Q(kind=Hold.Kind.REVIEW) | Q(ends_on__gte=day)
        )


class Hold(models.Model):
    """A legal hold or a review on a pupil's data: while active, nothing of the pupil is purged.

    A *hold* (dispute, request by authorities, pending parents' request) has a reason and an end
    date. A *review* marks a pupil from the preview for a decision before anything goes; the
    reviewer either keeps the data (the review becomes a hold, with reason and end date: binding)
    or releases it (the review is lifted). Lifting records who, when and why.

    After the pupil is purged the row stays as a record, with the pupil link cleared and free
    texts blanked; ``reference`` still ties it to the destruction records.
    """

    class Kind(models.TextChoices):
        HOLD = "hold", _("bewaarplicht (legal hold)")
        REVIEW = "review", _("beoordeling voor vernietiging")

    class Ground(models.TextChoices):
        DISPUTE = "dispute", _("geschil")
        AUTHORITIES = "authorities", _("verzoek van een instantie")
        PARENT_REQUEST = "parent_request", _("lopend verzoek van ouders")
        REVIEW_DECISION = "review", _("besluit na beoordeling")
        OTHER = "other", _("anders")

    pupil = models.ForeignKey(
        "students.Pupil",
        null=True,
        on_delete=models.SET_NULL,
        related_name="retention_holds",
        verbose_name=_("leerling"),
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("referentie"), max_length=64, db_index=True)
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    ground = models.CharField(
        _("grond"), max_length=20, choices=Ground.choices, default=Ground.OTHER
    )
    reason = models.TextField(_("reden"), blank=True)
    ends_on = models.DateField(_("tot en met"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(_("opgeheven op"), null=True, blank=True)
    lift_reason = models.TextField(_("reden van opheffen"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("bewaarplicht of beoordeling")
        verbose_name_plural = _("bewaarplichten en beoordelingen")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="review") | Q(ends_on__isnull=False),
                name="retention_hold_has_end_date",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference[:10]}"


class PurgeRun(models.Model):
    """One run of the purge (daily job or by hand): counts per kind of data, never names."""

    class Status(models.TextChoices):
        RUNNING = "running", _("bezig")
        SUCCEEDED = "succeeded", _("geslaagd")
        FAILED = "failed", _("mislukt")

    started_at = models.DateTimeField(_("gestart"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    day = models.DateField(_("peildatum"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A live run touches this after every batch; a running run without a beat for an hour is
    # stale (killed) and is closed by the next run.
    heartbeat_at = models.DateTimeField(_("laatste teken van leven"), null=True, blank=True)
    # Pseudonymous references of pupils (or transfer dossiers) that failed alone and stayed.
    failures = models.JSONField(_("niet verwerkt"), default=list, blank=True)
    note = models.CharField(_("toelichting"), max_length=200, blank=True)
    alerted_at = models.DateTimeField(_("gemeld op"), null=True, blank=True)

    class Meta:
        verbose_name = _("vernietigingsronde")
        verbose_name_plural = _("vernietigingsrondes")
        ordering = ["-started_at"]
        constraints = [
            # Two runs never overlap, on every database (see services._start_run).
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="one_running_purge"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.status}"


COUNT_LABELS = {
    "dossier_entries": _("dossierstukken"),
    "files": _("bestanden"),
    "dossier_fields": _("dossiervelden"),
    "pupil": _("leerling"),
    "enrolments": _("plaatsingen"),
    "guardian_links": _("ouderkoppelingen"),
    "guardians": _("ouders"),
    "emergency_contacts": _("noodcontacten"),
}


class DestructionRecord(models.Model):
    """What kind of a pupil's data was removed, when and under which rule.

    ``reference`` is pseudonymous (HMAC-SHA256 of pupil id and BRIN with the SECRET_KEY);
    ``counts`` says how many rows/files of which kind went. After a restore from backup these
    records let the purge remove the restored data again (docs/retention.md).
    """

    run = models.ForeignKey(
        PurgeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    # Indexes kept to what is asked (the purge writes a row per pupil and part): school with
    # time (the report; it also serves the foreign key), reference (the restore replay); no
    # pattern index on the reference, which is only ever compared whole.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    reference = models.CharField(_("referentie"), max_length=64)
    part = models.CharField(_("onderdeel"), max_length=20, choices=Part.choices)
    rule = models.CharField(_("regel"), max_length=200)
    due_on = models.DateField(_("vervaldatum"), null=True, blank=True)
    destroyed_at = models.DateTimeField(_("vernietigd op"))
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    after_restore = models.BooleanField(_("opnieuw na terugzetten"), default=False)

    class Meta:
        verbose_name = _("vernietigingsverklaring")
        verbose_name_plural = _("vernietigingsverklaringen")
        ordering = ["-destroyed_at", "pk"]
        indexes = [
            models.Index(fields=["school", "destroyed_at"]),
            models.Index(fields=["reference"], name="destruction_reference"),
        ]

    def __str__(self):
        return f"{self.reference[:10]} {self.part} {self.destroyed_at:%Y-%m-%d}"

    @property
    def counts_display(self) -> str:
        """'2 dossierstukken, 1 bestanden' in Dutch, zero counts left out."""
        from retention.plan import count_label

        return ", ".join(
            f"{value} {COUNT_LABELS.get(key) or count_label(key)}"
            for key, value in sorted(self.counts.items())
            if value
        )


class FileErasure(models.Model):
    """A file under MEDIA_ROOT whose row was deleted: removed from disk after the commit, and
    retried by the next run when the process died in between. The path is a random name."""

    path = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("te wissen bestand")
        verbose_name_plural = _("te wissen bestanden")

    def __str__(self):
        return self.path


def confirmation_upload_to(instance, filename):
    """A random name under confirmations/<school id>/: the uploaded name never becomes a path."""
    import uuid

    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        getattr(instance, "_content_type", ""), "bin"
    )
    return f"confirmations/{instance.school_id}/{uuid.uuid4().hex}.{extension}"


class ProcessorDestruction(models.Model):
    """R6 art. 12: a processor that received the pupil's data must confirm it destroyed it.

    Rows are created before a part of a pupil's data is purged (dossier or administration), for
    every processor another app reports through
    the ``retention_processors(pupil)`` hook (the agreements app), or when an agreement ends.
    ``agreement_id`` is a plain id so that this app does not depend on the agreements app.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("referentie"), max_length=64, db_index=True)
    processor_name = models.CharField(_("verwerker"), max_length=200)
    part = models.CharField(
        _("onderdeel"), max_length=20, choices=Part.choices, default=Part.ADMINISTRATION
    )
    agreement_id = models.PositiveIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(_("gevraagd op"), auto_now_add=True)
    reminded_at = models.DateTimeField(_("herinnerd op"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("bevestigd op"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmation_note = models.CharField(_("bevestiging"), max_length=300, blank=True)
    # The processor's written confirmation (a scan or PDF letter), stored under a random name
    # outside the web root and served only through the report's download view.
    confirmation_file = models.FileField(
        _("bevestiging (bestand)"), upload_to=confirmation_upload_to, blank=True, max_length=200
    )

    class Meta:
        verbose_name = _("vernietigingsbevestiging verwerker")
        verbose_name_plural = _("vernietigingsbevestigingen verwerkers")
        ordering = ["confirmed_at", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "processor_name", "part"],
                name="unique_processor_destruction_part",
            )
        ]

    def __str__(self):
        return f"{self.processor_name} {self.reference[:10]}"


auditlog.register(RetentionPolicy)
auditlog.register(Hold)


class DeletedChild(models.Model):
    """Which parent a row deleted one by one belonged to, taken from its audit delete record.

    The purge must make the history of such rows forget with their pupil (``plan.
    earlier_deleted``). Their delete record names the parent's id inside ``changes``; reading
    it there would need an index over ``changes``, and any index over a column the audit scrub
    rewrites turns every scrub into a full index update (no HOT update). So on PostgreSQL a
    trigger on ``auditlog_logentry`` (migration ``retention/0008``) copies the parent ids of
    each new delete record here: ids only, no personal data. The purge looks them up by index
    and deletes them once the history has forgotten. SQLite (a first look) has no trigger and
    reads the delete records themselves.
    """

    content_type_pk = models.IntegerField()
    object_pk = models.CharField(max_length=255)
    field = models.CharField(max_length=40)
    parent_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("verwijderde onderliggende rij")
        verbose_name_plural = _("verwijderde onderliggende rijen")
        indexes = [
            models.Index(fields=["content_type_pk", "field", "parent_id"], name="deleted_child"),
            models.Index(fields=["content_type_pk", "object_pk"], name="deleted_child_object"),
        ]

    def __str__(self):
        return f"{self.content_type_pk}:{self.object_pk} ({self.field} {self.parent_id})"
