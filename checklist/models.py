"""Models of the checklist app: templates and their items, rounds, answers, evidence, actions.

A template version is never changed once rounds use it: the foundation's changes make a new
version (``checklist.services.template_publish``), and each round keeps the version it was
opened with. A closed round is frozen: its answers, evidence and score no longer change.
"""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Foundation, School, school_year_label


class Verdict(models.TextChoices):
    """A verdict on a checklist item, by a person (ok/not_ok) or by the system (also unknown)."""

    OK = "ok", _("OK")
    NOT_OK = "not_ok", _("Niet OK")
    UNKNOWN = "unknown", _("Onbekend")


class ChecklistTemplate(models.Model):
    """A version of the checklist. ``foundation`` empty: the built-in default of appendix c."""

    foundation = models.ForeignKey(
        Foundation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checklist_templates",
        verbose_name=_("stichting"),
    )
    version = models.PositiveIntegerField(_("versie"))
    note = models.CharField(_("toelichting bij deze versie"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("vastgesteld op"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vastgesteld door"),
    )

    class Meta:
        verbose_name = _("checklistversie")
        verbose_name_plural = _("checklistversies")
        ordering = ["-version"]

    def __str__(self):
        return _("Checklist privacy, versie %(version)s") % {"version": self.version}


class ChecklistItem(models.Model):
    """One statement of the checklist, answered OK / niet OK, with the protocol § explaining it.

    ``key`` is stable across versions: evidence providers and the trend over the years use it.
    """

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("versie")
    )
    key = models.SlugField(_("sleutel"), max_length=60)
    section = models.CharField(_("onderdeel"), max_length=100)
    text = models.TextField(_("stelling"), max_length=1000)
    paragraphs = models.CharField(
        _("protocolparagraaf"),
        max_length=60,
        blank=True,
        help_text=_("Bijvoorbeeld '10.3' of '11.3, 11.4'; 'sociale-media' voor het protocol."),
    )
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("checklistvraag")
        verbose_name_plural = _("checklistvragen")
        ordering = ["template", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="checklist_item_key_unique")
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def display_text(self) -> str:
        """The statement in the reader's language while it is the seeded text of the protocol
        (checklist.defaults, in the catalogue); a statement the foundation wrote itself as is."""
        return gettext(self.text) if self.text else ""

    @property
    def display_section(self) -> str:
        return gettext(self.section) if self.section else ""

    @property
    def paragraph_refs(self) -> list[str]:
        return [ref.strip() for ref in self.paragraphs.split(",") if ref.strip()]


class ChecklistRound(models.Model):
    """The checklist of one school in one school year: open for answers until the directie closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("gesloten")

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="checklist_rounds", verbose_name=_("school")
    )
    school_year = models.PositiveSmallIntegerField(_("schooljaar"))
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("versie")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    not_ok_share = models.PositiveSmallIntegerField(
        _("drempel voor een actie (%)"),
        default=25,
        help_text=_(
            "Een vraag wordt een actiepunt als minstens dit percentage van de antwoorden 'niet OK' is."
        ),
    )
    opened_at = models.DateTimeField(_("geopend op"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("geopend door"),
    )
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("gesloten door"),
    )

    class Meta:
        verbose_name = _("checklistronde")
        verbose_name_plural = _("checklistrondes")
        ordering = ["-school_year", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="one_checklist_round_per_school_year"
            ),
            models.CheckConstraint(
                condition=Q(not_ok_share__gte=1) & Q(not_ok_share__lte=100),
                name="checklist_not_ok_share_is_a_percentage",
            ),
        ]

    def __str__(self):
        return f"{self.school} {school_year_label(self.school_year)}"

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Participant(models.Model):
    """A staff member asked to answer a round (by e-mail and a start-page task)."""

    round = models.ForeignKey(ChecklistRound, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checklist_participations"
    )
    invited_at = models.DateTimeField(_("uitgenodigd op"), default=timezone.now)
    last_reminded_at = models.DateTimeField(_("laatst herinnerd op"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("herinneringen"), default=0)
    completed_at = models.DateTimeField(_("alles beantwoord op"), null=True, blank=True)

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_participant_per_round")
        ]

    def __str__(self):
        return f"{self.user} – {self.round}"


class Answer(models.Model):
    """One staff member's OK / niet OK on one item of a round, with an optional remark."""

    round = models.ForeignKey(ChecklistRound, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checklist_answers"
    )
    verdict = models.CharField(
        _("antwoord"),
        max_length=10,
        choices=[(Verdict.OK, Verdict.OK.label), (Verdict.NOT_OK, Verdict.NOT_OK.label)],
    )
    remark = models.CharField(_("opmerking"), max_length=1000, blank=True)
    answered_at = models.DateTimeField(_("beantwoord op"), default=timezone.now)

    class Meta:
        verbose_name = _("antwoord")
        verbose_name_plural = _("antwoorden")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "item", "user"], name="one_answer_per_item_and_person"
            )
        ]

    def __str__(self):
        return f"{self.item_id}: {self.verdict}"


class EvidenceRecord(models.Model):
    """The system's evidence on an item, frozen when the round was closed."""

    round = models.ForeignKey(ChecklistRound, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("oordeel"), max_length=10, choices=Verdict.choices)
    summary = models.CharField(_("samenvatting"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("bewijs")
        verbose_name_plural = _("bewijs")
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="one_evidence_per_round_item")
        ]

    def __str__(self):
        return f"{self.item_id}: {self.verdict}"


class ActionItem(models.Model):
    """A shortcoming found in a round, to be dealt with by its owner before the due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in behandeling")
        DONE = "done", _("afgerond")

    class Reason(models.TextChoices):
        ANSWERS = "answers", _("niet OK volgens medewerkers")
        EVIDENCE = "evidence", _("niet OK volgens het systeem")
        BOTH = "both", _("niet OK volgens medewerkers en het systeem")

    round = models.ForeignKey(ChecklistRound, on_delete=models.CASCADE, related_name="actions")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("aanleiding"), max_length=10, choices=Reason.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checklist_actions",
        verbose_name=_("eigenaar"),
    )
    due_date = models.DateField(_("uiterlijk op"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    note = models.TextField(_("aanpak"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    completed_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)

    class Meta:
        verbose_name = _("actiepunt")
        verbose_name_plural = _("actiepunten")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="one_action_per_round_item")
        ]

    def __str__(self):
        return str(self.item)

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.DONE and self.due_date < timezone.localdate()


auditlog.register(ChecklistTemplate)
auditlog.register(ChecklistItem)
auditlog.register(ChecklistRound)
auditlog.register(Participant)
auditlog.register(Answer)
auditlog.register(ActionItem)
