"""What the students app adds to the navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access
from privacy_portal.hooks import NavItem


def navigation(user):
    # Cheap conditions from the per-request access summary; the views enforce access itself.
    facts = access.summary(user)
    items = []
    if facts.capabilities & access.PUPIL_CAPABILITIES:
        items.append(
            NavItem(
                _("Leerlingenlijst"), reverse("students:pupil_list"), order=5, group="Leerlingen"
            )
        )
    if facts.has_foundation_role("fg") or facts.has_school_role("directie"):
        items.append(
            NavItem(
                _("Inzageregistratie"),
                reverse("students:access_overview"),
                order=60,
                group="Registers",
            )
        )
    if facts.foundation_roles or facts.has_school_role("directie"):
        items.append(
            NavItem(
                _("Verwerkingsregister"),
                reverse("students:register"),
                order=70,
                group="Registers",
            )
        )
    return items


def reap_jobs(*, now):
    """The reaper's hook (privacy_portal.jobs.reap): stale pupil imports."""
    from students.imports import reap_stale_imports

    return reap_stale_imports(now=now)


def retention_purge(day) -> dict[str, int]:
    """This app's retention clocks: import reports and stray import files
    (``students.registry.RECORD_CLOCKS``)."""
    from students.imports import import_records_expire

    return import_records_expire(day=day)


def recipient_languages(emails) -> dict[str, str]:
    """For the outbox (privacy_portal.mail.by_language): the language chosen on the account of
    a parent whose e-mail on the pupil's record is not the address they sign in with."""
    from django.db.models.functions import Lower

    from students.models import Guardian

    rows = (
        Guardian.objects.annotate(address=Lower("email"))
        .filter(address__in=list(emails), user__isnull=False)
        .exclude(user__preferred_language="")
        .values_list("address", "user__preferred_language")
    )
    return dict(rows)
