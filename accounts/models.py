"""People, the organisation and role memberships.

Memberships carry start and end dates; whether one is in force on a day is answered by
``active_on``. Access itself is never read from these tables directly by views: see
``accounts.access``.
"""

from datetime import date

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.roles import Capability, FoundationRoleKind, SchoolRole
from accounts.validators import validate_brin, validate_kvk, validate_postcode

# Tussenvoegsels that Dutch name order skips when sorting, longest first ("van der" before "van").
TUSSENVOEGSELS = sorted(
    {
        "van der",
        "van den",
        "van de",
        "van het",
        "van 't",
        "van",
        "de",
        "den",
        "der",
        "het",
        "'t",
        "te",
        "ten",
        "ter",
        "in 't",
        "in de",
        "in het",
        "op de",
        "op 't",
        "op den",
        "uit de",
        "uit den",
        "uit het",
        "aan de",
        "aan den",
        "bij de",
        "onder de",
        "voor de",
        "voor den",
        "d'",
        "l'",
        "la",
        "le",
        "du",
        "des",
        "von",
        "zu",
        "el",
        "al",
    },
    key=len,
    reverse=True,
)


def surname_sort_key(last_name: str) -> str:
    """The surname without a leading tussenvoegsel, lower case: "de Boer" sorts as "boer"."""
    name = " ".join((last_name or "").split()).lower()
    for prefix in TUSSENVOEGSELS:
        if name.startswith(prefix + " ") or (prefix.endswith("'") and name.startswith(prefix)):
            rest = name[len(prefix) :].strip()
            if rest:
                return rest
    return name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff, board, FG, parent or pupil. Signs in with an e-mail address.

    ``is_staff`` only opens the Django admin (functional administrators); the roles that
    matter for privacy are the memberships below.
    """

    email = models.EmailField(_("e-mailadres"), unique=True)
    first_name = models.CharField(_("voornaam"), max_length=100, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actief"), default=True)
    is_staff = models.BooleanField(_("toegang tot beheer"), default=False)
    date_joined = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    password_changed_at = models.DateTimeField(_("wachtwoord gewijzigd op"), null=True, blank=True)
    # The day on which group memberships were last brought in line with dated memberships.
    access_synced_on = models.DateField(null=True, blank=True, editable=False)
    is_demo_account = models.BooleanField(
        _("demo-account"),
        default=False,
        help_text=_("Alleen in demomodus: slaat het instellen van tweestapsverificatie over."),
    )

    # The interface language the person chose with the switch; applied again at each sign-in.
    # Empty: not chosen, so the site's default (Dutch).
    preferred_language = models.CharField(
        _("taal"), max_length=8, blank=True, default="", choices=settings.LANGUAGES
    )

    # The surname as Dutch lists sort it: without its tussenvoegsel ("de Boer" under B). Kept in
    # step by save(); staff accounts have one surname field, unlike pupils and parents.
    sort_name = models.CharField(
        max_length=150, blank=True, default="", editable=False, db_index=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        ordering = ["sort_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.sort_name = surname_sort_key(self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "last_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        super().save(*args, **kwargs)

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Foundation(models.Model):
    """The controller (bevoegd gezag): the foundation whose board runs the schools."""

    name = models.CharField(_("naam"), max_length=200)
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8, validators=[validate_kvk])
    street_address = models.CharField(_("adres"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    city = models.CharField(_("plaats"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("stichting")
        verbose_name_plural = _("stichtingen")

    def __str__(self):
        return self.name


class School(models.Model):
    """A school of the foundation, identified by its BRIN number."""

    foundation = models.ForeignKey(
        Foundation, on_delete=models.PROTECT, related_name="schools", verbose_name=_("stichting")
    )
    name = models.CharField(_("naam"), max_length=200)
    brin = models.CharField(_("BRIN"), max_length=4, unique=True, validators=[validate_brin])
    street_address = models.CharField(_("adres"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    city = models.CharField(_("plaats"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        ordering = ["name"]
        default_permissions = ("add", "change", "delete", "view")
        permissions = [(c.value, c.label) for c in Capability]

    def __str__(self):
        return self.name


def school_year_of(day: date) -> int:
    """The Dutch school year runs from 1 August; it is named after the year it starts in."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


class SchoolClass(models.Model):
    """A groep in one school year (groep 5a in 2026-2027 is another object than in 2027-2028)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="classes", verbose_name=_("school")
    )
    school_year = models.PositiveSmallIntegerField(
        _("schooljaar"), help_text=_("Het jaar waarin het schooljaar begint, bijv. 2026.")
    )
    name = models.CharField(_("naam"), max_length=50)
    grade = models.PositiveSmallIntegerField(_("leerjaar"), null=True, blank=True)

    class Meta:
        verbose_name = _("groep")
        verbose_name_plural = _("groepen")
        ordering = ["school__name", "-school_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="unique_class_name_per_school_year"
            )
        ]
        permissions = [
            (c.value, c.label) for c in Capability if c.value.startswith(("pupil", "doc"))
        ]

    def __str__(self):
        return f"{self.name} ({school_year_label(self.school_year)})"

    @property
    def school_year_label(self):
        return school_year_label(self.school_year)


class DatedMembershipQuerySet(models.QuerySet):
    def active_on(self, day: date):
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))

    def active(self):
        return self.active_on(timezone.localdate())


class DatedMembership(models.Model):
    """A membership that is in force from ``start_date`` through ``end_date`` (inclusive)."""

    start_date = models.DateField(_("begindatum"), default=timezone.localdate)
    end_date = models.DateField(_("einddatum"), null=True, blank=True)

    objects = DatedMembershipQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("De einddatum ligt voor de begindatum.")})

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class StaffMembership(DatedMembership):
    """A person works at a school in a role (directie, IB-er, leerkracht, administratie, conciërge)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="staff_memberships", verbose_name=_("persoon")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="staff_memberships", verbose_name=_("school")
    )
    role = models.CharField(_("rol"), max_length=20, choices=SchoolRole.choices)

    class Meta:
        verbose_name = _("rol op school")
        verbose_name_plural = _("rollen op scholen")
        ordering = ["school__name", "role", "user__sort_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="staff_membership_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.school}"


class ClassAssignment(DatedMembership):
    """A teacher teaches a class; the teacher's access to its pupils follows this assignment."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="class_assignments",
        verbose_name=_("leerkracht"),
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("groep")
    )
    role = models.CharField(
        _("rol"),
        max_length=20,
        choices=[(SchoolRole.LEERKRACHT, SchoolRole.LEERKRACHT.label)],
        default=SchoolRole.LEERKRACHT,
    )

    class Meta:
        verbose_name = _("groepstoewijzing")
        verbose_name_plural = _("groepstoewijzingen")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="class_assignment_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.school_class}"


class FoundationRole(DatedMembership):
    """A foundation-wide role: CvB member, FG or functional administrator."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="foundation_roles", verbose_name=_("persoon")
    )
    foundation = models.ForeignKey(
        Foundation, on_delete=models.CASCADE, related_name="roles", verbose_name=_("stichting")
    )
    role = models.CharField(_("rol"), max_length=20, choices=FoundationRoleKind.choices)

    class Meta:
        verbose_name = _("rol in de stichting")
        verbose_name_plural = _("rollen in de stichting")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="foundation_role_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}"


class RoleGroup(models.Model):
    """Links a Django group to the (school, role) or (class, role) it stands for.

    Guardian permissions are granted to these groups on their school or class; a person is a
    member exactly while a matching membership is in force.
    """

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="role_group")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE)
    school_class = models.ForeignKey(SchoolClass, null=True, blank=True, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, choices=SchoolRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "role"],
                condition=Q(school__isnull=False),
                name="one_group_per_school_role",
            ),
            models.UniqueConstraint(
                fields=["school_class", "role"],
                condition=Q(school_class__isnull=False),
                name="one_group_per_class_role",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False, school_class__isnull=True)
                | Q(school__isnull=True, school_class__isnull=False),
                name="role_group_targets_school_or_class",
            ),
        ]

    def __str__(self):
        return self.group.name


# Direct foreign-key permission tables (django-guardian): faster joins than the generic ones.
class SchoolGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class SchoolUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class SchoolClassGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(SchoolClass, on_delete=models.CASCADE)


class SchoolClassUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(SchoolClass, on_delete=models.CASCADE)


auditlog.register(User, exclude_fields=["password", "last_login", "access_synced_on"])
auditlog.register(Foundation)
auditlog.register(School)
auditlog.register(SchoolClass)
auditlog.register(StaffMembership)
auditlog.register(ClassAssignment)
auditlog.register(FoundationRole)
