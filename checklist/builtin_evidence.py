"""Evidence the checklist can judge from the foundation itself (accounts and settings).

- ``vertrek-niet-actief`` and ``vertrek-logins-gestopt``: departed staff still active: people
  whose memberships at the school have all ended but whose account is still active, with a
  class of this school still assigned or without any role left (the account should be inactive).
- ``wachtwoorden-complex``: two-factor sign-in for staff is enforced and passwords are validated.
- ``afmelden-vergrendelen``: idle sessions of staff are logged out.
- ``fg-aangemeld``: the foundation has an FG in force.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import ClassAssignment, FoundationRole, StaffMembership, User
from checklist.evidence import Evidence, EvidenceProvider, Verdict

IDLE_MIDDLEWARE = "accounts.middleware.IdleSessionTimeoutMiddleware"
TWO_FACTOR_MIDDLEWARE = "accounts.middleware.TwoFactorRequiredMiddleware"
# The protocol asks to lock the workstation when leaving it: a session idle longer is too long.
MAX_IDLE_MINUTES = 30


def _admin_url(name: str) -> str:
    try:
        return reverse(name)
    except Exception:
        return ""


def departed_staff_still_active(school) -> list[int]:
    """Ids of people who left ``school`` (they had a staff membership there, none is in force
    now) and whose access was not stopped: their account is still active and either a class
    assignment at this school is still in force, or they hold no role in force anywhere, so the
    account should have been made inactive (§12). Someone who moved to another school of the
    foundation keeps an active account for that school and is not counted."""
    today = timezone.localdate()

    def in_force(queryset):
        return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))

    ended_here = StaffMembership.objects.filter(school=school, end_date__lt=today)
    departed = User.objects.filter(is_active=True, pk__in=ended_here.values("user_id")).exclude(
        pk__in=in_force(StaffMembership.objects.filter(school=school)).values("user_id")
    )
    class_here = Exists(
        in_force(ClassAssignment.objects.filter(user=OuterRef("pk"), school_class__school=school))
    )
    any_role = (
        Exists(in_force(StaffMembership.objects.filter(user=OuterRef("pk"))))
        | Exists(in_force(ClassAssignment.objects.filter(user=OuterRef("pk"))))
        | Exists(in_force(FoundationRole.objects.filter(user=OuterRef("pk"))))
    )
    return sorted(departed.filter(class_here | ~any_role).values_list("pk", flat=True))


def judge_departed_staff(school, school_year) -> Evidence:
    ids = departed_staff_still_active(school)
    url = _admin_url("admin:accounts_staffmembership_changelist")
    url = f"{url}?school__id__exact={school.pk}" if url else ""
    if ids:
        return Evidence(
            Verdict.NOT_OK,
            ngettext(
                "%(count)s vertrokken medewerker van deze school heeft nog een actief account "
                "zonder rol, of nog een groep op deze school.",
                "%(count)s vertrokken medewerkers van deze school hebben nog een actief account "
                "zonder rol, of nog een groep op deze school.",
                len(ids),
            )
            % {"count": len(ids)},
            url,
        )
    return Evidence(
        Verdict.OK, _("Alle vertrokken medewerkers van deze school zijn afgesloten."), url
    )


def judge_idle_logout(school, school_year) -> Evidence:
    minutes = getattr(settings, "STAFF_IDLE_TIMEOUT_MINUTES", None)
    if IDLE_MIDDLEWARE not in settings.MIDDLEWARE or not minutes:
        return Evidence(
            Verdict.NOT_OK, _("Het portaal meldt inactieve medewerkers niet automatisch af.")
        )
    if minutes > MAX_IDLE_MINUTES:
        return Evidence(
            Verdict.NOT_OK,
            _(
                "Het portaal meldt medewerkers pas na %(minutes)s minuten zonder activiteit af "
                "(meer dan %(max)s)."
            )
            % {"minutes": minutes, "max": MAX_IDLE_MINUTES},
        )
    return Evidence(
        Verdict.OK,
        _("Het portaal meldt medewerkers af na %(minutes)s minuten zonder activiteit.")
        % {"minutes": minutes},
    )


def judge_two_factor(school, school_year) -> Evidence:
    if TWO_FACTOR_MIDDLEWARE not in settings.MIDDLEWARE:
        return Evidence(
            Verdict.NOT_OK, _("Tweestapsverificatie voor medewerkers is niet afgedwongen.")
        )
    if not settings.AUTH_PASSWORD_VALIDATORS:
        return Evidence(Verdict.NOT_OK, _("Wachtwoorden worden niet op sterkte gecontroleerd."))
    return Evidence(
        Verdict.OK,
        _(
            "Medewerkers loggen in met tweestapsverificatie; wachtwoorden worden op sterkte "
            "gecontroleerd."
        ),
    )


def judge_fg_present(school, school_year) -> Evidence:
    today = timezone.localdate()
    has_fg = (
        FoundationRole.objects.active_on(today)
        .filter(foundation_id=school.foundation_id, role="fg", user__is_active=True)
        .exists()
    )
    url = _admin_url("admin:accounts_foundationrole_changelist")
    url = f"{url}?role__exact=fg" if url else ""
    if has_fg:
        return Evidence(
            Verdict.OK,
            _(
                "Er is een FG aangesteld voor de stichting. De aanmelding bij de AP controleert "
                "het systeem niet."
            ),
            url,
        )
    return Evidence(Verdict.NOT_OK, _("De stichting heeft geen FG in functie."), url)


def providers() -> list[EvidenceProvider]:
    return [
        EvidenceProvider("vertrek-niet-actief", "accounts.departed_staff", judge_departed_staff),
        EvidenceProvider(
            "vertrek-logins-gestopt", "accounts.departed_staff_logins", judge_departed_staff
        ),
        EvidenceProvider("afmelden-vergrendelen", "settings.idle_logout", judge_idle_logout),
        EvidenceProvider("wachtwoorden-complex", "settings.two_factor", judge_two_factor),
        EvidenceProvider("fg-aangemeld", "accounts.fg_present", judge_fg_present),
    ]
