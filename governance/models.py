"""Offboarding records and their tasks, the FG registration, protocol versions and the
equipment disposal log.

State changes happen only in ``governance.services``; these models hold data and invariants.
"""

import uuid
from pathlib import PurePath

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Foundation, School


def _random_name(folder: str, filename: str) -> str:
    """Uploaded files get a random name: a file name can hold personal data."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"governance/{folder}/{uuid.uuid4().hex}{suffix}"


def protocol_upload_to(instance, filename):
    return _random_name("protocol", filename)


def certificate_upload_to(instance, filename):
    return _random_name("certificates", filename)


class TaskActor(models.TextChoices):
    """Who acts on an offboarding task: the directie of the school, or the office (beheerder)."""

    DIRECTIE = "directie", _("Directie / locatieleider")
    OFFICE = "office", _("Bestuursbureau / beheerder")


class OffboardingTaskTemplate(models.Model):
    """One line of a foundation's offboarding task list; copied into each new departure.

    ``reporter`` is set for tasks that one party reports and another does (R16: the directie
    reports that the mail account must close, the office closes it).
    """

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="offboarding_task_templates",
        verbose_name=_("stichting"),
    )
    title = models.CharField(_("taak"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    owner = models.CharField(_("uitvoerder"), max_length=20, choices=TaskActor.choices)
    reporter = models.CharField(
        _("melder"),
        max_length=20,
        choices=TaskActor.choices,
        blank=True,
        help_text=_("Alleen invullen als iemand anders de taak eerst moet melden."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("termijn in dagen"),
        default=0,
        help_text=_("Aantal dagen na de vertrekdatum waarop de taak klaar moet zijn."),
    )
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("in gebruik"), default=True)
    key = models.SlugField(_("sleutel"), max_length=50, blank=True, editable=False)

    class Meta:
        verbose_name = _("standaardtaak bij vertrek")
        verbose_name_plural = _("standaardtaken bij vertrek")
        ordering = ["foundation", "position", "pk"]

    def __str__(self):
        return self.title


class Departure(models.Model):
    """A staff member leaves one or more schools on ``departure_date`` (R16).

    From that date the person holds no role at those schools. ``applied_at`` records when the
    consequences (roles, sessions, devices, password) were carried out; the periodic job applies
    departures whose date has come and that were not applied yet.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("gepland")
        APPLIED = "applied", _("uitgevoerd")

    foundation = models.ForeignKey(
        Foundation, on_delete=models.PROTECT, related_name="departures", verbose_name=_("stichting")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="departures",
        verbose_name=_("medewerker"),
    )
    schools = models.ManyToManyField(School, related_name="departures", verbose_name=_("scholen"))
    departure_date = models.DateField(
        _("vertrekdatum"), help_text=_("Vanaf deze dag heeft de medewerker geen toegang meer.")
    )
    note = models.TextField(_("opmerking"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)
    applied_at = models.DateTimeField(_("uitgevoerd op"), null=True, blank=True)
    account_deactivated = models.BooleanField(_("account gedeactiveerd"), default=False)
    sessions_ended = models.PositiveIntegerField(_("beëindigde sessies"), default=0)

    class Meta:
        verbose_name = _("vertrek")
        verbose_name_plural = _("vertrekken")
        ordering = ["-departure_date", "-pk"]
        indexes = [models.Index(fields=["status", "departure_date"])]

    def __str__(self):
        return f"{self.person} – {self.departure_date:%d-%m-%Y}"


class OffboardingTask(models.Model):
    """A task of one departure for what lives outside this system (R16, R15).

    Workflow: open → done, or open → reported → done when the task has a reporter.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        REPORTED = "reported", _("gemeld")
        DONE = "done", _("afgerond")

    departure = models.ForeignKey(
        Departure, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("vertrek")
    )
    title = models.CharField(_("taak"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    owner = models.CharField(_("uitvoerder"), max_length=20, choices=TaskActor.choices)
    reporter = models.CharField(_("melder"), max_length=20, choices=TaskActor.choices, blank=True)
    key = models.SlugField(_("sleutel"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    due_date = models.DateField(_("uiterlijk"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeld door"),
    )
    reported_at = models.DateTimeField(_("gemeld op"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgerond door"),
    )
    done_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)

    class Meta:
        verbose_name = _("taak bij vertrek")
        verbose_name_plural = _("taken bij vertrek")
        ordering = ["departure", "position", "pk"]

    def __str__(self):
        return self.title

    @property
    def next_actor(self) -> str:
        """The party that must act now: the reporter while open (if any), else the owner."""
        if self.status == self.Status.OPEN and self.reporter:
            return self.reporter
        return self.owner

    def is_overdue(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.status != self.Status.DONE and self.due_date < day


class FgRegistration(models.Model):
    """The foundation's FG (functionaris gegevensbescherming, R18), as registered with the AP.

    The contact details are shown to every staff member and parent. A registration ends with
    ``deregistered_on`` (the date of deregistration at the AP). ``conflict_reason`` is only set
    when the foundation insisted on an FG who also determines purposes and means (CvB/directie).
    """

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("intern (medewerker van de stichting)")
        HIRED = "hired", _("extern ingehuurd")

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="fg_registrations",
        verbose_name=_("stichting"),
    )
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fg_registrations",
        verbose_name=_("account in het portaal"),
    )
    name = models.CharField(_("naam"), max_length=200)
    organisation = models.CharField(_("organisatie"), max_length=200, blank=True)
    email = models.EmailField(_("e-mailadres"))
    phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True)
    reachability = models.TextField(
        _("bereikbaarheid"),
        blank=True,
        help_text=_("Bijv. dagen en tijden waarop de FG bereikbaar is."),
    )
    registered_with_ap_on = models.DateField(_("aangemeld bij de AP op"), null=True, blank=True)
    ap_reference = models.CharField(_("registratienummer AP"), max_length=50, blank=True)
    deregistered_on = models.DateField(_("afgemeld bij de AP op"), null=True, blank=True)
    conflict_reason = models.TextField(_("motivering bij functiecombinatie"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("FG-registratie")
        verbose_name_plural = _("FG-registraties")
        ordering = ["foundation", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["foundation"],
                condition=Q(deregistered_on__isnull=True),
                name="one_current_fg_per_foundation",
            )
        ]

    def __str__(self):
        return self.name


class ProtocolVersion(models.Model):
    """A version of the foundation's privacy protocol (R7).

    A version takes effect only with the (G)MR's consent (``gmr_consent_on``); the version in
    force is the one with the latest consent date that has come. Once consent is recorded the
    version is immutable; a change is a new version.
    """

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="protocol_versions",
        verbose_name=_("stichting"),
    )
    label = models.CharField(_("versie"), max_length=50)
    title = models.CharField(_("titel"), max_length=200)
    text = models.TextField(_("tekst"), blank=True)
    file = models.FileField(_("PDF-bestand"), upload_to=protocol_upload_to, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    gmr_consent_on = models.DateField(_("instemming (G)MR op"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instemming vastgelegd door"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("toegevoegd door"),
    )
    created_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("versie van het privacyprotocol")
        verbose_name_plural = _("versies van het privacyprotocol")
        ordering = ["foundation", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["foundation", "label"], name="unique_protocol_label_per_foundation"
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.label})"


class EquipmentDisposal(models.Model):
    """A device that held school data and how it was wiped or destroyed (R15)."""

    class Method(models.TextChoices):
        WIPED = "wiped", _("gewist met wissoftware")
        FACTORY_RESET = "factory_reset", _("fabrieksinstellingen na versleuteling")
        DESTROYED = "destroyed", _("fysiek vernietigd")
        CERTIFIED_COMPANY = "certified_company", _("vernietigd door gecertificeerd bedrijf")

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="equipment_disposals",
        verbose_name=_("stichting"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment_disposals",
        verbose_name=_("school"),
    )
    device = models.CharField(_("apparaat"), max_length=200)
    serial_number = models.CharField(_("serie- of inventarisnummer"), max_length=100, blank=True)
    method = models.CharField(_("wijze"), max_length=30, choices=Method.choices)
    performed_by = models.CharField(_("uitgevoerd door"), max_length=200)
    performed_on = models.DateField(_("uitgevoerd op"))
    certificate = models.FileField(_("certificaat"), upload_to=certificate_upload_to, blank=True)
    note = models.TextField(_("opmerking"), blank=True)
    departure = models.ForeignKey(
        Departure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disposals",
        verbose_name=_("bij vertrek"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    recorded_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("afgevoerd apparaat")
        verbose_name_plural = _("afgevoerde apparaten")
        ordering = ["-performed_on", "-pk"]

    def __str__(self):
        return self.device


auditlog.register(Departure, m2m_fields={"schools"})
auditlog.register(OffboardingTask)
auditlog.register(OffboardingTaskTemplate)
auditlog.register(FgRegistration)
auditlog.register(ProtocolVersion)
auditlog.register(EquipmentDisposal)


class FigureSnapshot(models.Model):
    """The value one school had on one figure of the foundation overview in one month.

    Written nightly by ``governance.snapshot_figures`` for the figures that only know "now"
    (products without agreement, consent response): the row of a month holds the last value
    measured in it, so that the overview can draw the trend and show a past period's end value.
    Aggregates only: no personal data.
    """

    foundation = models.ForeignKey(
        Foundation, on_delete=models.CASCADE, related_name="+", verbose_name=_("stichting")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    key = models.CharField(_("cijfer"), max_length=80)
    month = models.DateField(_("maand"), help_text=_("De eerste dag van de maand."))
    value = models.IntegerField(_("waarde"), null=True, blank=True)
    base = models.IntegerField(_("uit"), null=True, blank=True)
    taken_at = models.DateTimeField(_("gemeten op"), auto_now=True)

    class Meta:
        verbose_name = _("meting van een cijfer")
        verbose_name_plural = _("metingen van cijfers")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "key", "month"], name="one_snapshot_per_school_figure_month"
            )
        ]
        indexes = [models.Index(fields=["foundation", "key", "month"])]

    def __str__(self):
        return f"{self.key} {self.month:%Y-%m}"
