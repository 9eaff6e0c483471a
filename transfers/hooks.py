"""What the transfers app adds to the navigation and the start page."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve
from transfers import selectors
from transfers.models import TransferDossier


def navigation(user):
    items = []
    from accounts import access

    facts = access.summary(user)  # the views check access; the menu only needs roles
    if facts.has_school_role(*selectors.COMPILER_ROLES):
        items.append(
            NavItem(
                _("Overdracht (OSO)"),
                reverse("transfers:dossier_list"),
                order=40,
                group="Leerlingen",
            )
        )
    elif facts.is_parent and selectors.parent_dossiers(user).exists():
        items.append(
            NavItem(
                _("Overstapdossier"),
                reverse("transfers:parent_list"),
                order=40,
                section="overdracht",
            )
        )
    return items


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """Staff: dossiers the parents signed (counted with every app's counts); parents: the
    dossiers to read and sign."""
    from accounts import access

    def then(numbers):
        ready = numbers["ready"]
        if not ready:
            return []
        return [
            AttentionItem(
                _("Overstapdossiers klaar voor overdracht: %(count)s") % {"count": ready},
                url=reverse("transfers:dossier_list") + "?status=signed",
                detail=_("De ouders hebben getekend; draag het dossier over via OSO."),
                level="warning",
            )
        ]

    ready = selectors.staff_dossiers(user).filter(state=TransferDossier.State.SIGNED)
    items = [Counts({"ready": ready}, then)]

    if not access.summary(user).is_parent:
        return items  # only parents sign (no query for staff: the start page's budget)
    for dossier in selectors.awaiting_parent(user).select_related("pupil").distinct():
        items.append(
            AttentionItem(
                _("Lees en teken het overstapdossier van %(name)s")
                % {"name": dossier.pupil.first_name},
                url=reverse("transfers:parent_detail", args=[dossier.pk]),
                detail=_("U tekent voor inzage; u mag opmerkingen toevoegen."),
                level="warning",
            )
        )
    return items


def pupil_actions(user, pupil):
    """On the staff pupil page: compile a transfer dossier (the pupil's IB-er and directie)."""
    from accounts import access

    if access.has_school_role(user, pupil.school, "ib", "directie"):
        return [
            AttentionItem(
                _("Overstapdossier samenstellen"),
                url=reverse("transfers:dossier_create", args=[pupil.pk]),
            )
        ]
    return []


def checklist_evidence():
    """Checklist item 'overstap-inzage' (§9): every dossier handed over this school year was
    signed for inspection by the parents, or the directie recorded why not."""
    from datetime import date

    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def judge(school, school_year):
        handed_over = TransferDossier.objects.filter(
            pupil__school=school,
            state=TransferDossier.State.HANDED_OVER,
            handed_over_at__date__gte=date(school_year, 8, 1),
        )
        unsigned = handed_over.filter(signed_at__isnull=True, override_reason="").count()
        overridden = handed_over.filter(signed_at__isnull=True).exclude(override_reason="").count()
        total = handed_over.count()
        summary = ngettext(
            "%(total)s overstapdossier overgedragen; %(overridden)s zonder handtekening met "
            "vastgelegde reden; %(unsigned)s zonder handtekening en zonder reden.",
            "%(total)s overstapdossiers overgedragen; %(overridden)s zonder handtekening met "
            "vastgelegde reden; %(unsigned)s zonder handtekening en zonder reden.",
            total,
        ) % {"total": total, "overridden": overridden, "unsigned": unsigned}
        verdict = Verdict.NOT_OK if unsigned else Verdict.OK
        return Evidence(verdict, summary, url=reverse("transfers:dossier_list"))

    return [EvidenceProvider(key="overstap-inzage", name="transfers.signed", judge=judge)]
