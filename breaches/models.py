"""Data breaches (R17, GDPR art. 33/34): the report, the FG's assessment and decisions, the
72-hour clock, notifications to the AP and to the people involved, and the register.

Every change goes through ``breaches.services``; reads go through ``breaches.selectors``.
"""

from datetime import timedelta

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Foundation, School

# GDPR art. 33(1): notify the AP within 72 hours of becoming aware of the breach. The protocol
# (§13.3) says "two working days"; the stricter deadline rules (DOMAIN.md R17).
AP_DEADLINE = timedelta(hours=72)


class BreachKind(models.TextChoices):
    LOST_DEVICE = "lost_device", _("Verloren of gestolen apparaat, usb-stick of papier")
    WRONG_RECIPIENT = "wrong_recipient", _("E-mail of post naar verkeerde ontvanger")
    UNAUTHORISED_ACCESS = "unauthorised_access", _("Onbevoegde toegang")
    HACK = "hack", _("Hack, malware of phishing")
    WRONGFUL_DISCLOSURE = "wrongful_disclosure", _("Onterecht verstrekt of gepubliceerd")
    DESTRUCTION = "destruction", _("Vernietiging of verlies van gegevens")
    OTHER = "other", _("Anders")


class SpecialCategory(models.TextChoices):
    """Special categories (GDPR art. 9) and other data the AP asks about separately."""

    HEALTH = "health", _("Gezondheid (medische gegevens, diagnoses, zorg)")
    ETHNICITY = "ethnicity", _("Ras of etnische afkomst")
    RELIGION = "religion", _("Godsdienst of levensovertuiging")
    CRIMINAL = "criminal", _("Strafrechtelijke gegevens")
    CITIZEN_NUMBER = "citizen_number", _("BSN of ander identificatienummer")
    FINANCIAL = "financial", _("Financiële gegevens")


class AffectedGroup(models.TextChoices):
    PUPILS = "pupils", _("Leerlingen")
    PARENTS = "parents", _("Ouders/verzorgers")
    STAFF = "staff", _("Medewerkers")


class Encryption(models.TextChoices):
    YES = "yes", _("Ja, versleuteld of anderszins onleesbaar")
    NO = "no", _("Nee, leesbaar")
    UNKNOWN = "unknown", _("Weet ik niet")


class Risk(models.TextChoices):
    NONE = "none", _("Geen risico (waarschijnlijk geen risico voor de betrokkenen)")
    RISK = "risk", _("Risico")
    HIGH = "high", _("Hoog risico")


class BreachStatus(models.TextChoices):
    REPORTED = "reported", _("Gemeld")
    ASSESSED = "assessed", _("Beoordeeld")
    NOTIFIED = "notified", _("Gemeld bij de AP")
    RECORDED_ONLY = "recorded_only", _("Alleen geregistreerd")
    CLOSED = "closed", _("Afgesloten")


class BreachQuerySet(models.QuerySet):
    def clock_running(self):
        """Breaches whose 72-hour AP clock still runs: not closed, no first AP notification,
        and the FG has not decided that notifying is not required."""
        return (
            self.exclude(status=BreachStatus.CLOSED)
            .exclude(notify_ap=False)
            .exclude(ap_notifications__isnull=False)
        )


class Breach(models.Model):
    """A security incident involving personal data (datalek), as reported and as assessed.

    ``ap_deadline`` is stored (discovery + 72 hours) so that periodic jobs and lists can query it.
    """

    foundation = models.ForeignKey(
        Foundation, on_delete=models.PROTECT, related_name="breaches", verbose_name=_("stichting")
    )
    year = models.PositiveSmallIntegerField(_("jaar"), editable=False)
    number = models.PositiveIntegerField(_("volgnummer"), editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="reported_breaches",
        verbose_name=_("gemeld door"),
    )
    reported_at = models.DateTimeField(_("gemeld op"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=BreachStatus.choices, default=BreachStatus.REPORTED
    )

    # What the reporter says.
    description = models.TextField(_("wat is er gebeurd"))
    occurred_at = models.DateTimeField(_("wanneer gebeurd"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("wanneer ontdekt"))
    kind = models.CharField(_("soort"), max_length=30, choices=BreachKind.choices)
    schools = models.ManyToManyField(School, related_name="breaches", verbose_name=_("scholen"))
    data_categories = models.JSONField(_("soorten gegevens"), default=list, blank=True)
    special_categories = models.JSONField(_("bijzondere gegevens"), default=list, blank=True)
    people_count = models.PositiveIntegerField(_("aantal betrokkenen (ongeveer)"))
    affected_groups = models.JSONField(_("groepen betrokkenen"), default=list, blank=True)
    encrypted = models.CharField(
        _("versleuteld of onleesbaar"), max_length=10, choices=Encryption.choices
    )
    # The agreements register is built in parallel; until it can be linked, the processor is
    # kept as its name.
    processor_name = models.CharField(_("betrokken verwerker"), max_length=200, blank=True)
    measures_taken = models.TextField(_("al genomen maatregelen"), blank=True)

    ap_deadline = models.DateTimeField(_("uiterste meldmoment AP"), editable=False)

    # What the AP's notification form asks beyond the report, completed by the FG.
    people_min = models.PositiveIntegerField(
        _("aantal betrokkenen minimaal"), null=True, blank=True
    )
    people_max = models.PositiveIntegerField(
        _("aantal betrokkenen maximaal"), null=True, blank=True
    )
    is_ongoing = models.BooleanField(_("duurt het lek nog voort"), null=True, blank=True)
    ended_at = models.DateTimeField(_("lek beëindigd op"), null=True, blank=True)
    cross_border = models.BooleanField(_("betrokkenen in andere EU-landen"), null=True, blank=True)
    cross_border_countries = models.CharField(_("welke landen"), max_length=200, blank=True)
    contact_name = models.CharField(_("contactpersoon voor de AP"), max_length=200, blank=True)
    contact_role = models.CharField(_("functie contactpersoon"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-mailadres contactpersoon"), blank=True)
    contact_phone = models.CharField(_("telefoonnummer contactpersoon"), max_length=30, blank=True)
    follow_up_expected = models.BooleanField(_("vervolgmelding volgt"), null=True, blank=True)
    follow_up_note = models.TextField(_("toelichting op het vervolg"), blank=True)

    # The FG's assessment.
    risk = models.CharField(_("risico"), max_length=10, choices=Risk.choices, blank=True)
    risk_reasoning = models.TextField(_("onderbouwing risico"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("beoordeeld door"),
    )
    assessed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    notify_ap = models.BooleanField(_("melden bij de AP"), null=True, blank=True)
    notify_ap_reason = models.TextField(_("reden besluit AP"), blank=True)
    notify_ap_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notify_ap_decided_at = models.DateTimeField(null=True, blank=True)
    inform_subjects = models.BooleanField(_("betrokkenen informeren"), null=True, blank=True)
    inform_subjects_reason = models.TextField(_("reden besluit betrokkenen"), blank=True)
    inform_subjects_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inform_subjects_decided_at = models.DateTimeField(null=True, blank=True)
    board_informed_at = models.DateTimeField(_("CvB geïnformeerd op"), null=True, blank=True)

    not_notified_reason = models.TextField(_("reden niet gemeld bij de AP"), blank=True)
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closing_note = models.TextField(_("afsluitende notitie"), blank=True)

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("datalek")
        verbose_name_plural = _("datalekken")
        ordering = ["-discovered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["foundation", "year", "number"], name="unique_breach_reference"
            ),
            models.CheckConstraint(
                condition=models.Q(people_count__gte=0), name="breach_people_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(people_min__isnull=True)
                | models.Q(people_max__isnull=True)
                | models.Q(people_max__gte=models.F("people_min")),
                name="breach_people_max_not_below_min",
            ),
        ]
        indexes = [models.Index(fields=["status", "ap_deadline"])]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"DL-{self.year}-{self.number:04d}"

    def hours_left(self, now=None) -> float:
        """Hours until the AP deadline (negative once overdue)."""
        return (self.ap_deadline - (now or timezone.now())).total_seconds() / 3600

    @property
    def people_range(self) -> str:
        """The number of people involved as the AP asks it: minimum–maximum."""
        low = self.people_min if self.people_min is not None else self.people_count
        high = self.people_max if self.people_max is not None else low
        return str(low) if low == high else f"{low}–{high}"

    @property
    def not_notified_explanation(self) -> str:
        """Why the AP was not notified, for the register: the recorded reason, else the FG's
        reason for deciding not to notify."""
        if self.not_notified_reason:
            return self.not_notified_reason
        if self.notify_ap is False:
            return self.notify_ap_reason
        return ""

    @property
    def is_notifiable(self) -> bool:
        return bool(self.notify_ap)


class ApNotification(models.Model):
    """A notification to the Autoriteit Persoonsgegevens (first, or a follow-up in phased
    reporting), as sent through the AP's own form; this is the record of it."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Eerste melding")
        FOLLOW_UP = "follow_up", _("Aanvullende (vervolg)melding")

    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, related_name="ap_notifications", verbose_name=_("datalek")
    )
    kind = models.CharField(_("soort melding"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("verzonden op"))
    ap_reference = models.CharField(_("meldnummer AP"), max_length=100)
    summary = models.TextField(_("samenvatting van de melding"))
    late_reason = models.TextField(_("reden van de vertraging"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("melding aan de AP")
        verbose_name_plural = _("meldingen aan de AP")
        ordering = ["sent_at", "pk"]

    def __str__(self):
        return f"{self.breach} – {self.ap_reference}"

    @property
    def is_late(self) -> bool:
        return self.sent_at > self.breach.ap_deadline


class FollowUpMeasure(models.Model):
    """A measure the FG agreed on to limit the damage or prevent a repeat, with owner and due date."""

    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, related_name="measures", verbose_name=_("datalek")
    )
    description = models.CharField(_("maatregel"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="breach_measures",
        verbose_name=_("eigenaar"),
    )
    due_date = models.DateField(_("uiterlijk klaar op"))
    done_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vervolgmaatregel")
        verbose_name_plural = _("vervolgmaatregelen")
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description


class SubjectLetter(models.Model):
    """The letter/e-mail to the people involved (GDPR art. 34): generated as a draft in plain
    Dutch, edited by the FG, then sent; each recipient is recorded."""

    breach = models.OneToOneField(
        Breach, on_delete=models.CASCADE, related_name="letter", verbose_name=_("datalek")
    )
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("tekst"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("verzonden op"), null=True, blank=True)

    class Meta:
        verbose_name = _("brief aan betrokkenen")
        verbose_name_plural = _("brieven aan betrokkenen")

    def __str__(self):
        return f"{self.breach} – {self.subject}"


class LetterRecipient(models.Model):
    """One person the letter was sent to (the record per recipient)."""

    letter = models.ForeignKey(SubjectLetter, on_delete=models.CASCADE, related_name="recipients")
    name = models.CharField(_("naam"), max_length=250, blank=True)
    email = models.EmailField(_("e-mailadres"))
    sent_at = models.DateTimeField(_("verzonden op"), default=timezone.now)

    class Meta:
        verbose_name = _("ontvanger")
        verbose_name_plural = _("ontvangers")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "email"], name="one_letter_per_address")
        ]

    def __str__(self):
        return self.email


class BreachReminder(models.Model):
    """A reminder or alert sent by the periodic clock job to the FG, the CvB and the directie of
    the schools involved; one row per kind per breach, so that each fires exactly once whatever
    how often the job runs. ``sent_to`` keeps which roles were mailed."""

    class Kind(models.TextChoices):
        HOURS_24 = "24h", _("nog 24 uur")
        HOURS_8 = "8h", _("nog 8 uur")
        OVERDUE = "overdue", _("termijn verstreken")

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    mailed = models.BooleanField(
        default=True, help_text="False when a more urgent reminder was sent in the same run."
    )
    sent_to = models.JSONField(
        default=list,
        blank=True,
        help_text="The roles mailed (fg, cvb, directie); each hears each reminder once.",
    )

    class Meta:
        verbose_name = _("herinnering")
        verbose_name_plural = _("herinneringen")
        constraints = [
            models.UniqueConstraint(fields=["breach", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self):
        return f"{self.breach} – {self.kind}"


auditlog.register(Breach, m2m_fields={"schools"})
auditlog.register(ApNotification)
auditlog.register(FollowUpMeasure)
auditlog.register(SubjectLetter)
auditlog.register(LetterRecipient)
