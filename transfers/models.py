"""The transfer dossier and the parents' reading of it (R10), with its retention date (R13)."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_brin
from students.models import DossierEntry, Guardian, Pupil


class DestinationType(models.TextChoices):
    REGULAR = "regular", _("reguliere basisschool")
    SBO = "sbo", _("speciaal basisonderwijs (SBO)")


class TransferDossier(models.Model):
    """What goes to the next school when a pupil leaves (overstapdossier, §9 / R10).

    States: draft → offered to the parents → signed (with remarks) → handed over. While a draft,
    the chosen categories and dossier documents can change and the preview is built live; when
    offered, the content is frozen in ``content`` so that the parents read exactly what goes,
    and the final PDF and the OSO export are rendered from that frozen content plus the parents'
    remarks. ``retention_until`` follows from the leaving date and the destination type (R13).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("concept")
        OFFERED = "offered", _("aangeboden aan ouders")
        SIGNED = "signed", _("getekend door ouders")
        HANDED_OVER = "handed_over", _("overgedragen")

    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.CASCADE,
        related_name="transfer_dossiers",
        verbose_name=_("leerling"),
    )
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.DRAFT)
    destination_name = models.CharField(_("school van bestemming"), max_length=200)
    destination_brin = models.CharField(
        _("BRIN-nummer van de nieuwe school"), max_length=4, validators=[validate_brin]
    )
    destination_type = models.CharField(
        _("soort school"),
        max_length=10,
        choices=DestinationType.choices,
        default=DestinationType.REGULAR,
    )
    leaves_on = models.DateField(_("vertrekdatum"))
    categories = models.JSONField(
        _("gegevenscategorieën"), default=list, blank=True, help_text=_("Registersleutels.")
    )
    entries = models.ManyToManyField(
        DossierEntry, blank=True, related_name="+", verbose_name=_("dossierstukken")
    )
    content = models.JSONField(
        _("vastgelegde inhoud"),
        null=True,
        blank=True,
        help_text=_("De inhoud zoals aan de ouders aangeboden; daarna verandert die niet meer."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    offered_at = models.DateTimeField(_("aangeboden op"), null=True, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("door alle ouders getekend op"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("overgedragen op"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("overgedragen door"),
    )
    override_reason = models.TextField(
        _("reden overdracht zonder handtekening"),
        blank=True,
        help_text=_("Alleen de directie: bijvoorbeeld ouders na herinneringen onbereikbaar."),
    )
    # A secret address leaves the school only by an explicit decision of the directie (issue
    # 14): who, when and why, shown on the dossier and recorded in the audit log.
    secret_contact_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("besluit geheim adres door"),
    )
    secret_contact_decided_at = models.DateTimeField(
        _("besluit geheim adres op"), null=True, blank=True
    )
    secret_contact_reason = models.TextField(
        _("reden om het geheime adres mee te sturen"),
        blank=True,
        help_text=_(
            "Waarom de nieuwe school het geheime adres of telefoonnummer nodig heeft, "
            "bijvoorbeeld op verzoek van de ouder bij wie het kind woont."
        ),
    )
    export_sha256 = models.CharField(_("SHA-256 van het exportbestand"), max_length=64, blank=True)
    retention_until = models.DateField(_("bewaren tot"), null=True, blank=True)

    class Meta:
        verbose_name = _("overstapdossier")
        verbose_name_plural = _("overstapdossiers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=~Q(state="handed_over"),
                name="one_open_transfer_dossier_per_pupil",
            )
        ]
        indexes = [models.Index(fields=["state", "retention_until"])]

    def __str__(self):
        return f"{self.pupil} → {self.destination_name}"

    @property
    def secret_contact_released(self) -> bool:
        """Whether the secret address goes to the receiving school (a decision is recorded and
        the pupil's contact details are secret)."""
        return (
            self.secret_contact_decided_at is not None
            and self.pupil.contact_is_secret
            and "contact" in (self.categories or [])
        )

    @property
    def is_sbo(self) -> bool:
        return self.destination_type == DestinationType.SBO


class ParentReview(models.Model):
    """One parent with authority reading and signing the dossier for inspection (R10).

    Signing means "I have read it", not "I agree"; the remarks or objections become part of the
    dossier and go along to the next school. The school sees when the parent first viewed and
    when they signed; reminders are counted so that the directie can judge an override.
    """

    dossier = models.ForeignKey(TransferDossier, on_delete=models.CASCADE, related_name="reviews")
    guardian = models.ForeignKey(
        Guardian, on_delete=models.CASCADE, related_name="+", verbose_name=_("ouder/verzorger")
    )
    first_viewed_at = models.DateTimeField(_("eerst ingezien op"), null=True, blank=True)
    last_viewed_at = models.DateTimeField(_("laatst ingezien op"), null=True, blank=True)
    signed_at = models.DateTimeField(_("getekend op"), null=True, blank=True)
    remarks = models.TextField(_("opmerkingen of bezwaren"), blank=True)
    signed_on_paper = models.BooleanField(_("op papier getekend"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminders_sent = models.PositiveSmallIntegerField(_("herinneringen verstuurd"), default=0)
    last_reminded_at = models.DateTimeField(_("laatste herinnering"), null=True, blank=True)

    class Meta:
        verbose_name = _("inzage door ouder")
        verbose_name_plural = _("inzage door ouders")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "guardian"], name="unique_parent_review")
        ]

    def __str__(self):
        return f"{self.guardian} – {self.dossier_id}"


auditlog.register(TransferDossier, m2m_fields={"entries"}, exclude_fields=["content"])
# Parents' remarks may describe care or health: the audit trail does not copy them.
auditlog.register(
    ParentReview, mask_fields=["remarks"], mask_callable="students.registry.mask_audit_value"
)
