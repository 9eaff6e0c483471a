"""Media consent (R8, protocol §7): channels, the texts parents agree to, decisions and mailings.

Decisions are append-only: every grant or refusal (a withdrawal is a refusal) is a new row, so
the full history is kept and the answer that counts is derived from the rows by
``consent.services.effective_status``. No row means no consent.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Foundation, School, school_year_label


class Channel(models.Model):
    """A way the school publishes pictures (website, newsletter, social media, ...), per foundation.

    Consent for one channel never implies consent for another (R8).
    """

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="consent_channels",
        verbose_name=_("stichting"),
    )
    key = models.SlugField(_("sleutel"), max_length=50)
    name = models.CharField(_("naam"), max_length=100)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("in gebruik"), default=True)

    class Meta:
        verbose_name = _("kanaal")
        verbose_name_plural = _("kanalen")
        ordering = ["foundation_id", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["foundation", "key"], name="unique_channel_key")
        ]

    def __str__(self):
        return self.name


class ChannelText(models.Model):
    """One version of the text parents read for a channel. Texts are never edited in place:
    a change makes a new version, and each decision points at the version it was given on."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="texts", verbose_name=_("kanaal")
    )
    version = models.PositiveIntegerField(_("versie"))
    text = models.TextField(_("tekst"))
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )

    class Meta:
        verbose_name = _("toestemmingstekst")
        verbose_name_plural = _("toestemmingsteksten")
        ordering = ["channel_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "version"], name="unique_text_version")
        ]

    def __str__(self):
        return f"{self.channel} v{self.version}"


class SchoolConsentSetting(models.Model):
    """Per school: whether both parents with authority must agree before a channel counts as granted."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="consent_setting", verbose_name=_("school")
    )
    require_both_parents = models.BooleanField(
        _("beide ouders met gezag moeten toestemming geven"),
        default=False,
        help_text=_(
            "Zolang niet beide ouders hebben geantwoord, telt het strengste antwoord: geen toestemming."
        ),
    )

    class Meta:
        verbose_name = _("toestemmingsinstelling")
        verbose_name_plural = _("toestemmingsinstellingen")

    def __str__(self):
        return str(self.school)


class ConsentDecision(models.Model):
    """One answer for a pupil × channel × school year, given by a parent with authority or by a
    pupil of 16 or older. Rows are never changed; a later row by the same person replaces the
    earlier one (a withdrawal is a refusal)."""

    pupil = models.ForeignKey(
        "students.Pupil",
        on_delete=models.CASCADE,
        related_name="consent_decisions",
        verbose_name=_("leerling"),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("kanaal")
    )
    school_year = models.PositiveSmallIntegerField(_("schooljaar"))
    granted = models.BooleanField(_("toestemming"))
    text = models.ForeignKey(
        ChannelText, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("tekst")
    )
    guardian = models.ForeignKey(
        "students.Guardian",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_decisions",
        verbose_name=_("ouder/verzorger"),
    )
    by_pupil = models.BooleanField(_("door de leerling zelf"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    decided_at = models.DateTimeField(_("tijdstip"), default=timezone.now)

    class Meta:
        verbose_name = _("toestemmingsbesluit")
        verbose_name_plural = _("toestemmingsbesluiten")
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "school_year", "channel"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(by_pupil=True) | Q(guardian__isnull=False),
                name="decision_by_parent_or_pupil",
            )
        ]

    def __str__(self):
        return f"{self.pupil} – {self.channel} – {school_year_label(self.school_year)}"

    @property
    def school_year_label(self):
        return school_year_label(self.school_year)


class ParentNotice(models.Model):
    """A mail sent to a parent once per school year: the request to review consent (per pupil)
    or the yearly reminder that consent can be withdrawn (R8, per parent).

    The row is the idempotency record: the jobs send only while ``sent_at`` is empty and set it
    in the same transaction as the send, so a rerun never sends twice.
    """

    class Kind(models.TextChoices):
        REQUEST = "request", _("verzoek om toestemming")
        REMINDER = "reminder", _("jaarlijkse herinnering")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    guardian = models.ForeignKey(
        "students.Guardian",
        on_delete=models.CASCADE,
        related_name="consent_notices",
        verbose_name=_("ouder/verzorger"),
    )
    pupil = models.ForeignKey(
        "students.Pupil",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consent_notices",
        verbose_name=_("leerling"),
    )
    school_year = models.PositiveSmallIntegerField(_("schooljaar"))
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("bericht aan ouder")
        verbose_name_plural = _("berichten aan ouders")
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "school_year"],
                condition=Q(kind="reminder"),
                name="one_reminder_per_parent_per_year",
            ),
            models.UniqueConstraint(
                fields=["guardian", "pupil", "school_year"],
                condition=Q(kind="request"),
                name="one_request_per_parent_pupil_year",
            ),
            models.CheckConstraint(
                condition=Q(kind="reminder") | Q(pupil__isnull=False),
                name="request_names_pupil",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {school_year_label(self.school_year)}"


auditlog.register(Channel)
auditlog.register(ChannelText)
auditlog.register(SchoolConsentSetting)
auditlog.register(ConsentDecision)
auditlog.register(ParentNotice)
