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


class ChannelQuerySet(models.QuerySet):
    def for_school(self, school_id):
        """The channels that apply at one school: the foundation-wide ones the school did not
        switch off, and the school's own."""
        return self.filter(Q(school__isnull=True) | Q(school_id=school_id)).exclude(
            not_at_schools=school_id
        )


class Channel(models.Model):
    """A way the school publishes pictures (website, newsletter, social media, ...), per foundation.

    Consent for one channel never implies consent for another (R8). A channel is foundation-wide
    (``school`` empty: the FG or administrator manages it) or one school's own (a school's
    Instagram account: its directie manages it, and it is asked, shown and counted only there).
    """

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="consent_channels",
        verbose_name=_("stichting"),
    )
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_consent_channels",
        verbose_name=_("alleen voor school"),
    )
    key = models.SlugField(_("sleutel"), max_length=50)
    name = models.CharField(_("naam"), max_length=100)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    is_active = models.BooleanField(_("in gebruik"), default=True)
    # A channel applies to every school of the foundation unless the school's directie says it
    # does not use it (a school without a social-media account asks nothing about it).
    not_at_schools = models.ManyToManyField(
        School,
        blank=True,
        related_name="consent_channels_not_used",
        verbose_name=_("niet in gebruik op"),
    )

    objects = ChannelQuerySet.as_manager()

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
    a change makes a new version, and each decision points at the version it was given on.

    The person who writes a new version says what kind of change it is (``scope``): an
    editorial change (spelling, clearer words, same use) keeps earlier answers; a widening
    (a new use, audience or medium, such as "ook op TikTok") asks again, because consent is
    specific to what the parent was told (AVG art. 7): answers given on an earlier text stop
    counting from that version on.
    """

    class Scope(models.TextChoices):
        INITIAL = "initial", _("eerste versie")
        EDITORIAL = "editorial", _("redactioneel: eerdere antwoorden blijven gelden")
        WIDENING = "widening", _("verruiming: eerdere antwoorden vervallen, opnieuw vragen")

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="texts", verbose_name=_("kanaal")
    )
    version = models.PositiveIntegerField(_("versie"))
    text = models.TextField(_("tekst"))
    scope = models.CharField(
        _("soort wijziging"), max_length=20, choices=Scope.choices, default=Scope.EDITORIAL
    )
    reason = models.CharField(_("toelichting"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )
    # A widening is followed by a job that asks again; this records that the job finished,
    # so the reaper (consent.hooks.reap_jobs) starts it again when the broker lost it or the
    # worker died half-way (the notices make sure nobody is asked twice).
    asked_at = models.DateTimeField(_("opnieuw gevraagd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("toestemmingstekst")
        verbose_name_plural = _("toestemmingsteksten")
        ordering = ["channel_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "version"], name="unique_text_version")
        ]

    def __str__(self):
        return f"{self.channel} v{self.version}"

    @property
    def asks_again(self) -> bool:
        return self.scope in (self.Scope.INITIAL, self.Scope.WIDENING)


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
    earlier one (a withdrawal is a refusal). ``source`` says how the answer reached the school."""

    class Source(models.TextChoices):
        ONLINE = "online", _("zelf, online")
        LINK = "link", _("via persoonlijke link")
        PAPER = "paper", _("op papier")

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
    source = models.CharField(
        _("bron"), max_length=10, choices=Source.choices, default=Source.ONLINE
    )

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
    """A mail about consent: the request to answer for this school year (per parent × pupil,
    or to a pupil of 16+ with an account: ``guardian`` empty), the reminder after the request
    that lists the current choices and says they can be withdrawn (R8, per parent), or a new
    request after a widened text (per parent × pupil × text version).

    The row is the idempotency record: the jobs send only while ``sent_at`` is empty and set it
    in the same transaction that queues the mail, so a rerun never sends twice.
    """

    class Kind(models.TextChoices):
        REQUEST = "request", _("verzoek om toestemming")
        REMINDER = "reminder", _("herinnering")
        ASK_AGAIN = "ask_again", _("opnieuw gevraagd na een verruimde tekst")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    guardian = models.ForeignKey(
        "students.Guardian",
        null=True,
        blank=True,
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
    text = models.ForeignKey(
        ChannelText,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("tekstversie"),
    )
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
            models.UniqueConstraint(
                fields=["pupil", "school_year"],
                condition=Q(kind="request", guardian__isnull=True),
                name="one_request_per_pupil_self_year",
            ),
            models.UniqueConstraint(
                fields=["guardian", "pupil", "text"],
                condition=Q(kind="ask_again"),
                name="one_ask_again_per_parent_pupil_text",
            ),
            models.CheckConstraint(
                condition=Q(kind="reminder") | Q(pupil__isnull=False),
                name="request_names_pupil",
            ),
            # A pupil of 16+ decides for themself: the request and the ask-again after a
            # widening go to the pupil (no parent); the yearly reminder only to parents.
            models.UniqueConstraint(
                fields=["pupil", "text"],
                condition=Q(kind="ask_again", guardian__isnull=True),
                name="one_ask_again_per_pupil_self_text",
            ),
            models.CheckConstraint(
                condition=Q(guardian__isnull=False) | Q(kind__in=["request", "ask_again"]),
                name="notice_without_parent_is_to_pupil",
            ),
            models.CheckConstraint(
                condition=~Q(kind="ask_again") | Q(text__isnull=False),
                name="ask_again_names_text",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {school_year_label(self.school_year)}"


class ConsentLink(models.Model):
    """A personal link in a consent mail: lets one parent answer for their own children
    without an account, or a pupil of 16+ (who decides alone) answer for themself. The signed
    token (``consent.links``) names this row; the row makes it single-use and expiring, and
    binds it to that one person. Opening the link starts a short session for this person only
    (see ``consent.views_link``)."""

    guardian = models.ForeignKey(
        "students.Guardian",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consent_links",
        verbose_name=_("ouder/verzorger"),
    )
    pupil = models.ForeignKey(
        "students.Pupil",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consent_links",
        verbose_name=_("leerling (16+)"),
    )
    notice = models.ForeignKey(
        ParentNotice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="links",
        verbose_name=_("bericht"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("persoonlijke toestemmingslink")
        verbose_name_plural = _("persoonlijke toestemmingslinks")
        constraints = [
            models.CheckConstraint(
                condition=Q(guardian__isnull=False, pupil__isnull=True)
                | Q(guardian__isnull=True, pupil__isnull=False),
                name="consent_link_for_one_person",
            )
        ]

    def __str__(self):
        return f"link {self.pk}"


class ConsentRound(models.Model):
    """The yearly consent round of a foundation: the day the requests go out (by default the
    first school day after the summer holiday, see ``consent.services.default_round_start``) and
    how many days later the reminder follows."""

    foundation = models.ForeignKey(
        Foundation,
        on_delete=models.CASCADE,
        related_name="consent_rounds",
        verbose_name=_("stichting"),
    )
    school_year = models.PositiveSmallIntegerField(_("schooljaar"))
    starts_on = models.DateField(_("verzoeken versturen op"))
    reminder_after_days = models.PositiveSmallIntegerField(_("herinnering na (dagen)"), default=14)

    class Meta:
        verbose_name = _("toestemmingsronde")
        verbose_name_plural = _("toestemmingsrondes")
        constraints = [
            models.UniqueConstraint(
                fields=["foundation", "school_year"], name="one_consent_round_per_year"
            )
        ]

    def __str__(self):
        return f"{self.foundation} {school_year_label(self.school_year)}"


auditlog.register(Channel, m2m_fields={"not_at_schools"})
auditlog.register(ChannelText)
auditlog.register(SchoolConsentSetting)
auditlog.register(ConsentDecision)
auditlog.register(ParentNotice)
auditlog.register(ConsentLink)
auditlog.register(ConsentRound)
