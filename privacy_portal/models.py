"""Shared records: the run log of periodic jobs."""

from django.db import models
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
