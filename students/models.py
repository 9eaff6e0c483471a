"""Pupils, enrolments (class per school year) and the parents/guardians linked to them."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import School, SchoolClass
from accounts.validators import validate_phone


class PupilQuerySet(models.QuerySet):
    def enrolled(self):
        return self.filter(deregistered_on__isnull=True)


class Pupil(models.Model):
    """A pupil (leerling) of one school. The data subject; under 16 the parents act for them."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school")
    )
    first_name = models.CharField(_("roepnaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    date_of_birth = models.DateField(_("geboortedatum"))
    enrolled_on = models.DateField(_("ingeschreven op"))
    deregistered_on = models.DateField(_("uitgeschreven op"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupil",
        verbose_name=_("leerlingaccount"),
    )

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Enrolment(models.Model):
    """A pupil sits in a class in a school year; the history of these is the enrolment history."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("groep")
    )

    class Meta:
        verbose_name = _("plaatsing in groep")
        verbose_name_plural = _("plaatsingen in groepen")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "school_class"], name="unique_enrolment")
        ]

    def __str__(self):
        return f"{self.pupil} – {self.school_class}"


class Guardian(models.Model):
    """A parent or guardian (ouder/verzorger). Gets a user account once invited to the portal."""

    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=20, blank=True, validators=[validate_phone])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("ouder/verzorger")
        verbose_name_plural = _("ouders/verzorgers")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class GuardianLink(models.Model):
    """Links a parent to a pupil; only with parental authority may the parent see or decide."""

    class Relationship(models.TextChoices):
        MOTHER = "moeder", _("moeder")
        FATHER = "vader", _("vader")
        GUARDIAN = "voogd", _("voogd")
        CARER = "verzorger", _("verzorger")

    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(
        _("relatie"), max_length=20, choices=Relationship.choices, default=Relationship.CARER
    )
    has_parental_authority = models.BooleanField(_("heeft ouderlijk gezag"), default=True)

    class Meta:
        verbose_name = _("ouderkoppeling")
        verbose_name_plural = _("ouderkoppelingen")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "pupil"], name="unique_guardian_link")
        ]
        indexes = [
            models.Index(
                fields=["pupil"], condition=Q(has_parental_authority=True), name="authority_idx"
            )
        ]

    def __str__(self):
        return f"{self.guardian} – {self.pupil}"


auditlog.register(Pupil)
auditlog.register(Enrolment)
auditlog.register(Guardian)
auditlog.register(GuardianLink)
