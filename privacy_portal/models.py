"""Shared records: the run log of periodic jobs, the mail outbox and one-time form tokens."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a periodic job: status, counts and log lines that staff can read.

    Log lines never hold personal data: jobs log ids and counts only.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("bezig")
        SUCCEEDED = "succeeded", _("geslaagd")
        FAILED = "failed", _("mislukt")

    job = models.CharField(_("taak"), max_length=100, db_index=True)
    started_at = models.DateTimeField(_("gestart"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    log = models.TextField(_("logboek"), blank=True)

    class Meta:
        verbose_name = _("taakuitvoering")
        verbose_name_plural = _("taakuitvoeringen")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"


class OutboxMail(models.Model):
    """A mail committed with the action that caused it, delivered afterwards by a task.

    The row is written in the action's own transaction, so a rolled-back action sends nothing
    and a committed one cannot lose its mail. Delivery locks the row, so each mail goes out
    once; a mail server that fails or hangs only delays it (retries with back-off). After
    delivery the subject, body and addresses are cleared: the outbox keeps no copy of what a
    mail said about a pupil, only that a mail of this kind was delivered when.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("wacht op verzending")
        SENT = "sent", _("verzonden")
        FAILED = "failed", _("niet afgeleverd")

    template = models.CharField(_("soort bericht"), max_length=200)
    subject = models.CharField(_("onderwerp"), max_length=998, blank=True)
    body = models.TextField(_("tekst"), blank=True)
    recipients = models.JSONField(_("ontvangers"), default=list, blank=True)
    recipient_count = models.PositiveSmallIntegerField(_("aantal ontvangers"), default=0)
    # The language the mail was written in (its recipients'), so a page that shows it can mark it.
    language = models.CharField(_("taal"), max_length=8, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    next_attempt_at = models.DateTimeField(_("volgende poging"), default=timezone.now)
    last_error = models.CharField(_("laatste fout"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)
    sent_at = models.DateTimeField(_("verzonden op"), null=True, blank=True)

    class Meta:
        verbose_name = _("uitgaand bericht")
        verbose_name_plural = _("uitgaande berichten")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.template} #{self.pk} ({self.status})"


class FormToken(models.Model):
    """A one-time token of a creating form: the first submit claims it and records what it
    made; a second submit of the same form (a double click, a reload) finds the token used and
    is shown the first result instead of creating a second object.

    Kept in the database, not the cache, so that it holds across processes and restarts.
    The token says nothing about the person: an opaque value, the form's name and the URL of
    the result.
    """

    token = models.CharField(max_length=64, unique=True)
    form = models.CharField(max_length=100)
    user_id = models.BigIntegerField(null=True, blank=True)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("formuliersleutel")
        verbose_name_plural = _("formuliersleutels")

    def __str__(self):
        return f"{self.form} {self.created_at:%Y-%m-%d %H:%M}"
