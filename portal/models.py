"""Parents' requests under R5 (inspection, correction, erasure, objection, a question for the FG)
and invitations to the parent portal."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from students.models import Guardian, Pupil


class ParentRequest(models.Model):
    """A request by a parent with parental authority about their child. The school acts within
    four weeks of receipt (R5); a reasoned extension moves the deadline and is told to the parent."""

    class Kind(models.TextChoices):
        INSPECTION = "inzage", _("Inzage")
        CORRECTION = "correctie", _("Correctie")
        ERASURE = "verwijdering", _("Verwijdering")
        OBJECTION = "bezwaar", _("Bezwaar")
        QUESTION = "vraag", _("Vraag of klacht voor de FG")

    class Status(models.TextChoices):
        RECEIVED = "ontvangen", _("ontvangen")
        IN_PROGRESS = "in_behandeling", _("in behandeling")
        DONE = "afgehandeld", _("afgehandeld")
        REFUSED = "afgewezen", _("afgewezen")

    reference = models.CharField(_("kenmerk"), max_length=20, unique=True)
    kind = models.CharField(_("soort verzoek"), max_length=20, choices=Kind.choices)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="parent_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="parent_requests"
    )
    description = models.TextField(_("toelichting"), blank=True)
    received_at = models.DateTimeField(_("ontvangen op"))
    deadline = models.DateTimeField(_("uiterste datum"))
    extension_reason = models.TextField(_("reden verlenging"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_parent_requests",
    )
    decision = models.TextField(_("besluit en motivering"), blank=True)
    closed_at = models.DateTimeField(_("afgehandeld op"), null=True, blank=True)
    # Inspection: the export staff reviewed and released; nothing reaches the parent before.
    export_json = models.JSONField(_("inzage-export"), null=True, blank=True)
    released_at = models.DateTimeField(_("vrijgegeven op"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("verzoek van ouder")
        verbose_name_plural = _("verzoeken van ouders")
        ordering = ["deadline"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return f"{self.reference} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.IN_PROGRESS)


class RequestMessage(models.Model):
    """A message in the thread of a request, from the parent or from the school."""

    request = models.ForeignKey(ParentRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_school = models.BooleanField(default=False)
    body = models.TextField(_("bericht"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.request.reference} {self.created_at:%Y-%m-%d %H:%M}"


class CorrectionItem(models.Model):
    """One field a parent asks to correct, with the value at the time and the proposed value."""

    class Decision(models.TextChoices):
        OPEN = "open", _("nog te beoordelen")
        ACCEPTED = "geaccepteerd", _("overgenomen")
        REFUSED = "afgewezen", _("afgewezen")

    request = models.ForeignKey(ParentRequest, on_delete=models.CASCADE, related_name="corrections")
    category_key = models.CharField(max_length=40)
    field_name = models.CharField(max_length=60)
    field_label = models.CharField(max_length=100)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.OPEN)
    refusal_reason = models.TextField(blank=True)

    def __str__(self):
        return f"{self.request.reference} {self.field_name}"


class ObjectionEffect(models.Model):
    """What a granted objection changes (art. 21): a supplier no longer receives the child's data,
    or a processing stops. The portal shows it to the parent; the recipients list leaves out a
    stopped product for this child."""

    request = models.ForeignKey(ParentRequest, on_delete=models.CASCADE, related_name="effects")
    product_use = models.ForeignKey(
        "agreements.ProductUse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product dat geen gegevens meer ontvangt"),
    )
    product_name = models.CharField(_("product"), max_length=200, blank=True)
    description = models.TextField(_("wat er verandert"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gevolg van bezwaar")
        verbose_name_plural = _("gevolgen van bezwaar")
        ordering = ["recorded_at"]

    def __str__(self):
        return f"{self.request.reference}: {self.product_name or self.description[:40]}"


class WithheldItem(models.Model):
    """A dossier entry that staff left out of an inspection export, with the reason (GDPR art.
    15(4) and 23: a copy must not harm the rights of others, e.g. a report that names another
    child). The parent is told that something was withheld and why (art. 12(4)), without its
    title or content; the row records who decided it and when."""

    request = models.ForeignKey(ParentRequest, on_delete=models.CASCADE, related_name="withheld")
    # The entry's id, not a foreign key: the record of the decision outlives a later change
    # of the dossier, and names nothing of the entry itself.
    entry_id = models.PositiveIntegerField(_("dossierstuk"))
    description = models.CharField(_("soort stuk"), max_length=200)
    reason = models.TextField(_("reden"))
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withheld_at = models.DateTimeField(_("besloten op"), auto_now_add=True)

    class Meta:
        verbose_name = _("niet verstrekt stuk")
        verbose_name_plural = _("niet verstrekte stukken")
        ordering = ["withheld_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "entry_id"], name="withhold_entry_once")
        ]

    def __str__(self):
        return f"{self.request.reference}: {self.description}"


class DeadlineNotice(models.Model):
    """Records that a deadline notice went out, so that the periodic job sends each only once."""

    class Kind(models.TextChoices):
        WEEK_BEFORE = "week_before", _("een week voor de uiterste datum")
        ESCALATED = "escalated", _("op de uiterste datum naar de FG")

    request = models.ForeignKey(ParentRequest, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    deadline = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "deadline"], name="one_notice_per_deadline"
            )
        ]

    def __str__(self):
        return f"{self.request.reference} {self.kind}"


class Invitation(models.Model):
    """An invitation e-mail to a parent to use the portal.

    Nothing is linked when the school sends it: the account is linked to the guardian (and so
    to the children) only when the invitee opens the mailed link and accepts. When the account
    belongs to staff of the child's school, or the guardian is already linked to another
    account, the directie must confirm first (no self-escalation). Only a hash of the token
    is stored.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("verstuurd")
        AWAITING_CONFIRMATION = "awaiting", _("wacht op bevestiging door de directie")
        ACCEPTED = "accepted", _("geaccepteerd")
        CANCELLED = "cancelled", _("vervallen")

    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The account the invitation is for (found or created by e-mail when it was sent).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_invitations",
    )
    email = models.EmailField(_("verstuurd naar"), blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.guardian} {self.sent_at:%Y-%m-%d}"


# The inspection export is a copy of the whole file: the audit trail records that it was made
# and released (who, when), never its content.
auditlog.register(ParentRequest, exclude_fields=["export_json"])
auditlog.register(RequestMessage)
# The proposed values may be a secret address: the audit trail keeps neither.
auditlog.register(
    CorrectionItem,
    mask_fields=["old_value", "new_value"],
    mask_callable="students.registry.mask_audit_value",
)
auditlog.register(ObjectionEffect)
auditlog.register(WithheldItem)
