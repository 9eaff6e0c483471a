"""What the governance app adds to the navigation and the start page."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from governance import selectors
from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve

MAX_TASK_ITEMS = 10


def navigation(user):
    from accounts import access

    facts = access.summary(user)
    items = []
    if facts.is_staff_person or facts.is_parent or facts.is_pupil:
        items.append(
            NavItem(
                _("FG en protocol"),
                reverse("governance:fg_page"),
                order=80,
                group="Organisatie",
            )
        )
    if facts.has_foundation_role("cvb", "fg"):
        items.append(NavItem(_("Overzicht stichting"), reverse("governance:overview"), order=5))
    elif facts.has_school_role("directie"):
        # The same page over the directie's own schools (access.overview_scope).
        items.append(NavItem(_("Overzicht school"), reverse("governance:overview"), order=5))
    # The same roles as the views' guards: departures for whoever records them (directie, office),
    # the equipment log for the board and the FG.
    if facts.has_school_role("directie") or facts.has_foundation_role("beheerder"):
        items.append(
            NavItem(
                _("Vertrek en apparatuur"),
                reverse("governance:departure_list"),
                order=70,
                group="Organisatie",
            )
        )
    elif facts.has_foundation_role("cvb", "fg"):
        items.append(
            NavItem(
                _("Afgevoerde apparatuur"),
                reverse("governance:disposal_list"),
                order=70,
                group="Organisatie",
            )
        )
    return items


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """Overdue offboarding tasks for whoever must act on them (counted with every app's
    counts, read only when there are any); for the CvB and the office, a missing FG
    registration or protocol in force."""
    overdue = selectors.overdue_tasks_for(user)
    return [
        Counts({"overdue": overdue}, lambda numbers: _task_items(overdue, numbers["overdue"])),
        *_foundation_items(user),
    ]


def _task_items(overdue_tasks, count):
    if not count:
        return []
    items = []
    overdue = list(overdue_tasks.order_by("due_date")[: MAX_TASK_ITEMS + 1])
    for task in overdue[:MAX_TASK_ITEMS]:
        items.append(
            AttentionItem(
                _("Taak bij vertrek is over tijd: %(task)s") % {"task": task.title},
                url=reverse("governance:departure_detail", args=[task.departure_id]),
                detail=_("Vertrek van %(person)s op %(date)s; uiterlijk %(due)s")
                % {
                    "person": task.departure.person,
                    "date": date_format(task.departure.departure_date, "j F Y"),
                    "due": date_format(task.due_date, "j F Y"),
                },
                level="danger",
            )
        )
    if len(overdue) > MAX_TASK_ITEMS:
        items.append(
            AttentionItem(
                _("Nog meer taken bij vertrek zijn over tijd"),
                url=reverse("governance:departure_list"),
                level="danger",
            )
        )
    return items


def _foundation_items(user):
    items = []
    for foundation in selectors.manager_foundations(user):
        fg = selectors.current_fg(foundation)
        if fg is None:
            items.append(
                AttentionItem(
                    _("Er is geen FG vastgelegd"),
                    url=reverse("governance:fg_register"),
                    detail=_("Elke school moet een FG hebben, aangemeld bij de AP (§14)."),
                    level="warning",
                )
            )
        elif not fg.registered_with_ap_on:
            items.append(
                AttentionItem(
                    _("De FG is nog niet aangemeld bij de AP"),
                    url=reverse("governance:fg_page"),
                    level="warning",
                )
            )
        if selectors.protocol_in_force(foundation) is None:
            items.append(
                AttentionItem(
                    _("Er is geen privacyprotocol met instemming van de (G)MR"),
                    url=reverse("governance:protocol_list"),
                    detail=_("Het protocol geldt pas na instemming van de (G)MR (§6)."),
                    level="warning",
                )
            )
    return items


def _departing_staff_fact(foundation):
    from governance.models import OffboardingTask

    overdue = selectors.overdue_tasks_in(foundation)
    open_tasks = OffboardingTask.objects.filter(departure__foundation=foundation).exclude(
        status=OffboardingTask.Status.DONE
    )
    overdue_count = overdue.count()
    return {
        "key": "departing-staff",
        "paragraph": "§12",
        "ok": not overdue_count,
        "detail": _("%(overdue)s taken bij vertrek over tijd, %(open)s open")
        % {"overdue": overdue_count, "open": open_tasks.count()},
    }


def _old_equipment_fact(foundation):
    from governance.models import EquipmentDisposal

    overdue_equipment = selectors.overdue_tasks_in(foundation).filter(key="equipment").count()
    year_ago = timezone.localdate() - timedelta(days=365)
    disposals = EquipmentDisposal.objects.filter(
        foundation=foundation, performed_on__gte=year_ago
    ).count()
    return {
        "key": "old-equipment",
        "paragraph": "§11.3, §11.4",
        "ok": overdue_equipment == 0,
        "detail": _("%(count)s apparaten afgevoerd in het afgelopen jaar") % {"count": disposals},
    }


def _fg_registered_fact(foundation):
    fg = selectors.current_fg(foundation)
    return {
        "key": "fg-registered",
        "paragraph": "§14",
        "ok": bool(fg and fg.registered_with_ap_on),
        "detail": str(fg) if fg else _("geen FG vastgelegd"),
    }


def _protocol_consent_fact(foundation):
    protocol = selectors.protocol_in_force(foundation)
    return {
        "key": "protocol-consent",
        "paragraph": "§6",
        "ok": protocol is not None,
        "detail": protocol.label if protocol else _("geen protocol met instemming"),
    }


_FACTS = {
    "departing-staff": _departing_staff_fact,
    "old-equipment": _old_equipment_fact,
    "fg-registered": _fg_registered_fact,
    "protocol-consent": _protocol_consent_fact,
}


def governance_facts(foundation, keys=None):
    """Facts for the annual checklist (R19): each names the protocol paragraph it answers,
    whether it is in order, and a plain-Dutch explanation (see ``checklist_evidence``)."""
    return [fact(foundation) for key, fact in _FACTS.items() if keys is None or key in keys]


# Checklist item keys (docs/checklist.md) judged by these facts.
_EVIDENCE_KEYS = {
    "departing-staff": ["vertrek-niet-actief", "vertrek-office365"],
    "old-equipment": ["oude-apparatuur"],
    "fg-registered": ["fg-aangemeld"],
}


def checklist_evidence():
    """Evidence providers for the checklist (R19) built on ``governance_facts``."""
    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def judge_of(fact_key):
        def judge(school, school_year):
            fact = _FACTS[fact_key](school.foundation)
            return Evidence(
                Verdict.OK if fact["ok"] else Verdict.NOT_OK,
                f"{fact['paragraph']}: {fact['detail']}",
                url=reverse("governance:departure_list")
                if fact_key != "fg-registered"
                else reverse("governance:fg_page"),
            )

        return judge

    # One judge per fact, shared by the items it answers: checklist.evidence.judge asks it once.
    return [
        EvidenceProvider(key=item_key, name=f"governance.{fact_key}", judge=judge)
        for fact_key, item_keys in _EVIDENCE_KEYS.items()
        for judge in [judge_of(fact_key)]
        for item_key in item_keys
    ]


def fg_contact(foundation):
    """The current FG as contact person (for the AP's notification form of the breaches app)."""
    fg = selectors.current_fg(foundation)
    if fg is None:
        return []
    return [{"name": fg.name, "email": fg.email, "phone": fg.phone}]


def seed_demo(demo):
    """Demo: the FG registered with the AP, and the protocol in force with (G)MR consent."""
    from datetime import date

    from governance import services
    from governance.models import FgRegistration, ProtocolVersion

    foundation, office, fg = demo.foundation, demo.people["beheerder"], demo.people["fg"]
    if not FgRegistration.objects.filter(foundation=foundation).exists():
        services.fg_register(
            actor=office,
            foundation=foundation,
            kind=FgRegistration._meta.get_field("kind").choices[0][0],
            name=fg.get_full_name(),
            email=fg.email,
            phone="0162 123 456",
            reachability=_("Op werkdagen van 9 tot 17 uur."),
            person=fg,
            registered_with_ap_on=date(demo.year - 3, 5, 25),
            ap_reference="FG-012345",
        )
    if not ProtocolVersion.objects.filter(foundation=foundation).exists():
        version = services.protocol_version_add(
            actor=office,
            foundation=foundation,
            label="2026.1",
            title=_("Privacyprotocol van de stichting"),
            text=_(
                "Dit protocol beschrijft hoe de scholen van de stichting omgaan met "
                "persoonsgegevens van leerlingen, ouders en medewerkers."
            ),
        )
        services.protocol_consent_record(
            actor=office, version=version, consent_on=date(demo.year, 6, 12)
        )
    return []
