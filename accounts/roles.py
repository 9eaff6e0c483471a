"""The roles of the privacy protocol (§2.1, §10, §14) and what each may do with pupil data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolRole(models.TextChoices):
    DIRECTIE = "directie", _("Directie")
    IB = "ib", _("Intern begeleider (IB-er)")
    LEERKRACHT = "leerkracht", _("Leerkracht")
    ADMINISTRATIE = "administratie", _("Administratie")
    CONCIERGE = "concierge", _("Conciërge")


class FoundationRoleKind(models.TextChoices):
    CVB = "cvb", _("College van Bestuur")
    FG = "fg", _("Functionaris gegevensbescherming")
    BEHEERDER = "beheerder", _("Functioneel beheerder")


class Sensitivity(models.IntegerChoices):
    """R12: three kinds of personal data, ordered so that a ceiling can be compared."""

    PUBLIC = 1, _("openbaar")
    SENSITIVE = 2, _("gevoelig")
    VERY_SENSITIVE = 3, _("zeer gevoelig")


class Audience(models.IntegerChoices):
    """R11: document hierarchy directie > IB-er > leerkracht > leerling.

    A level sees its own documents and those of the levels with a lower number.
    """

    LEERLING = 1, _("leerling")
    LEERKRACHT = 2, _("leerkracht")
    IB = 3, _("IB-er")
    DIRECTIE = 4, _("directie")


class Capability(models.TextChoices):
    """What a role may do with the pupils in its scope: these are the guardian permissions.

    Each is a permission codename on School (school-wide roles) and on SchoolClass (roles that
    follow a class), so that access ends the moment a membership or class assignment ends.
    """

    PUPIL_BASIC = "pupil_basic", _("namen, groep en noodcontacten van leerlingen zien")
    PUPIL_ADMINISTRATIVE = "pupil_administrative", _("administratieve leerlinggegevens zien")
    PUPIL_SENSITIVE = "pupil_sensitive", _("gevoelige leerlinggegevens zien")
    PUPIL_VERY_SENSITIVE = "pupil_very_sensitive", _("zeer gevoelige leerlinggegevens zien")
    DOCUMENTS_LEERKRACHT = "documents_leerkracht", _("dossierstukken voor leerkrachten zien")
    DOCUMENTS_IB = "documents_ib", _("dossierstukken voor de IB-er zien")
    DOCUMENTS_DIRECTIE = "documents_directie", _("dossierstukken voor de directie zien")
    MANAGE_SCHOOL = "manage_school", _("de school beheren (rollen, groepen, checklist)")


C = Capability
# The role ceilings of DESIGN.md "Access". School-wide roles reach every pupil of the school.
SCHOOL_ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    SchoolRole.DIRECTIE: frozenset(
        {
            C.PUPIL_BASIC,
            C.PUPIL_ADMINISTRATIVE,
            C.PUPIL_SENSITIVE,
            C.PUPIL_VERY_SENSITIVE,
            C.DOCUMENTS_LEERKRACHT,
            C.DOCUMENTS_IB,
            C.DOCUMENTS_DIRECTIE,
            C.MANAGE_SCHOOL,
        }
    ),
    SchoolRole.IB: frozenset(
        {
            C.PUPIL_BASIC,
            C.PUPIL_ADMINISTRATIVE,
            C.PUPIL_SENSITIVE,
            C.PUPIL_VERY_SENSITIVE,
            C.DOCUMENTS_LEERKRACHT,
            C.DOCUMENTS_IB,
        }
    ),
    SchoolRole.ADMINISTRATIE: frozenset({C.PUPIL_BASIC, C.PUPIL_ADMINISTRATIVE}),
    SchoolRole.CONCIERGE: frozenset({C.PUPIL_BASIC}),
    # A teacher's school membership alone gives no pupil access: that follows the class.
    SchoolRole.LEERKRACHT: frozenset(),
}
# Roles that follow a class assignment (teacher × class).
CLASS_ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    SchoolRole.LEERKRACHT: frozenset({C.PUPIL_BASIC, C.PUPIL_SENSITIVE, C.DOCUMENTS_LEERKRACHT}),
}

SENSITIVITY_BY_CAPABILITY = {
    C.PUPIL_VERY_SENSITIVE: Sensitivity.VERY_SENSITIVE,
    C.PUPIL_SENSITIVE: Sensitivity.SENSITIVE,
    C.PUPIL_ADMINISTRATIVE: Sensitivity.PUBLIC,
    C.PUPIL_BASIC: Sensitivity.PUBLIC,
}
AUDIENCE_BY_CAPABILITY = {
    C.DOCUMENTS_DIRECTIE: Audience.DIRECTIE,
    C.DOCUMENTS_IB: Audience.IB,
    C.DOCUMENTS_LEERKRACHT: Audience.LEERKRACHT,
}

PUPIL_CAPABILITIES = frozenset(
    {C.PUPIL_BASIC, C.PUPIL_ADMINISTRATIVE, C.PUPIL_SENSITIVE, C.PUPIL_VERY_SENSITIVE}
)
