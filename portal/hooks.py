"""What the portal adds to the navigation and the start page."""

from datetime import timedelta
from functools import partial

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import selectors
from portal.models import ParentRequest
from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve


def navigation(user):
    from accounts import access

    facts = access.summary(user)
    items = []
    if facts.is_parent:
        items.append(
            NavItem(_("Mijn kinderen"), reverse("portal:index"), order=5, section="/ouders/kind")
        )
        items.append(
            NavItem(
                _("Mijn gegevens"),
                reverse("portal:my_details"),
                order=6,
                section="/ouders/mijn-gegevens",
            )
        )
    if facts.is_pupil:
        items.append(
            NavItem(
                _("Mijn pagina"),
                reverse("portal:pupil_home"),
                order=5,
                section="/ouders/mijn-pagina",
            )
        )
    if facts.has_school_role("directie", "administratie") or facts.has_foundation_role("fg"):
        items.append(
            NavItem(
                _("Verzoeken van ouders"),
                reverse("portal:staff_queue"),
                order=40,
                group="Leerlingen",
            )
        )
    return items + _parent_consent_navigation(user)


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """The pupil's own page; for staff the parents' requests whose deadline is near (listed)
    and the others (a count), counted first with every app's counts; for parents and pupils
    the consent choices still open."""
    from accounts import access

    items = []
    if access.is_pupil(user):
        items.append(
            AttentionItem(
                _("Bekijk je eigen pagina"),
                url=reverse("portal:pupil_home"),
                detail=_("Wat de school over jou bewaart, en wie je een vraag kunt stellen."),
            )
        )
    if selectors.may_see_requests(user):
        open_requests = selectors.staff_requests(user).filter(
            status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS]
        )
        soon = timezone.now() + timedelta(days=7)
        near = open_requests.filter(deadline__lte=soon)
        later = open_requests.filter(deadline__gt=soon)
        items.append(Counts({"near": near, "later": later}, partial(_request_items, near)))
    return items + _parent_consent_attention(user)


def _request_items(near, numbers):
    items = []
    if numbers["near"]:
        now = timezone.now()
        for request in near[:10]:
            overdue = request.deadline < now
            items.append(
                AttentionItem(
                    _("Verzoek %(ref)s (%(kind)s) – %(state)s")
                    % {
                        "ref": request.reference,
                        "kind": request.get_kind_display().lower(),
                        "state": _("termijn verstreken")
                        if overdue
                        else _("termijn loopt bijna af"),
                    },
                    url=reverse("portal:staff_request", args=[request.pk]),
                    level="danger" if overdue else "warning",
                    due=request.deadline,
                )
            )
    other = numbers["later"]
    if other:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)s open verzoek van ouders",
                    "%(count)s open verzoeken van ouders",
                    other,
                )
                % {"count": other},
                url=reverse("portal:staff_queue"),
            )
        )
    return items


# --- Media consent for parents (screens in views_consent.py, rules in consent/) ---


def _parent_consent_navigation(user):
    from accounts import access

    facts = access.summary(user)
    if facts.is_parent or facts.is_pupil:
        return [
            NavItem(
                # A pupil reads about pictures of themself, not of "uw kind".
                _("Toestemming foto's") if facts.is_parent else _("Foto's van mij"),
                reverse("portal:consent_index"),
                order=20,
                section="ouders/toestemming",
            )
        ]
    return []


def _parent_consent_attention(user):
    """Parents: channels not yet answered this school year (no answer = no consent)."""
    from accounts import access
    from consent import selectors, services

    facts = access.summary(user)
    if not (facts.is_parent or facts.is_pupil):
        return []  # staff: no query (the start page's budget, docs/performance.md)
    items = []
    for pupil in selectors.children_for_consent(user):
        # Only whoever decides is asked: a parent under 16, the pupil from 16.
        if services.pupil_decides_self(pupil) != (pupil.user_id == user.pk):
            continue
        channels = selectors.active_channels(pupil.school.foundation_id, school_id=pupil.school_id)
        statuses = services.statuses_for([pupil], channels)
        open_count = sum(1 for c in channels if not statuses[(pupil.pk, c.pk)].answered)
        if open_count and pupil.user_id == user.pk:
            items.append(
                AttentionItem(
                    _("Kies zelf of de school foto's van jou mag gebruiken"),
                    url=reverse("portal:consent_detail", args=[pupil.pk]),
                    detail=ngettext(
                        "%(count)s keuze staat nog open; zolang je niets kiest, gebruikt de school geen foto's van jou.",
                        "%(count)s keuzes staan nog open; zolang je niets kiest, gebruikt de school geen foto's van jou.",
                        open_count,
                    )
                    % {"count": open_count},
                )
            )
        elif open_count:
            items.append(
                AttentionItem(
                    _("Geef uw keuze door over foto's van %(name)s") % {"name": pupil.first_name},
                    url=reverse("portal:consent_detail", args=[pupil.pk]),
                    detail=_(
                        "%(count)s kanalen nog niet beantwoord; zonder antwoord gebruikt de school geen beeld."
                    )
                    % {"count": open_count},
                )
            )
    return items


def _without_authority_text():
    return _(
        "U staat bij de school ingeschreven als ouder of verzorger, maar zonder ouderlijk gezag. "
        "Daarom ziet u hier geen gegevens van uw kind en kunt u geen verzoeken indienen: dat mag "
        "alleen een ouder met gezag. U mag de school wel vragen hoe het met uw kind gaat; de "
        "school vertelt u dan over belangrijke zaken. Heeft u wel gezag? Laat de school een "
        "uittreksel uit het gezagsregister zien, dan passen wij het aan."
    )


def welcome_note(user):
    """The start page of a parent without parental authority: why they see nothing, in their words."""
    from accounts import access
    from students.models import GuardianLink

    facts = access.summary(user)
    if facts.is_parent or facts.is_pupil:
        return []
    if GuardianLink.objects.filter(guardian__user=user, has_parental_authority=False).exists():
        return [_without_authority_text()]
    return []


def retention_holds(pupil_ids: list[int]) -> dict[int, str]:
    """Hold on destruction: pupil id -> reason, for each of ``pupil_ids`` with an open request of
    a parent. The purge keeps such a pupil's data until the request is closed (a parent who asked
    for inspection or correction must get an answer about data that still exists)."""
    import retention.plan  # noqa: F401  (registers the ``any_of`` lookup)

    open_requests = (
        ParentRequest.objects.filter(
            pupil_id__any_of=[int(pk) for pk in pupil_ids],
            status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS],
        )
        .order_by("pupil_id", "received_at")
        .values_list("pupil_id", "reference", "kind")
    )
    holds: dict[int, str] = {}
    for pupil_id, reference, kind in open_requests:
        if pupil_id not in holds:
            holds[pupil_id] = _("Open verzoek van een ouder: %(ref)s (%(kind)s)") % {
                "ref": reference,
                "kind": ParentRequest.Kind(kind).label.lower(),
            }
    return holds


def retention_purge(day) -> dict[str, int]:
    """This app's retention clocks (``students.registry.RECORD_CLOCKS``), run by the nightly
    purge: an inspection export (a whole copy of the child's file) is cleared four weeks after
    it was released; a closed request goes two years after it was closed, with its messages,
    corrections and deadline notices, and its audit trail forgets. A granted objection whose
    effect still applies stays while the pupil does (its effect is read from it)."""
    from portal.models import ObjectionEffect
    from retention.services import records_purge
    from students.registry import RECORD_CLOCKS

    closed = [ParentRequest.Status.DONE, ParentRequest.Status.REFUSED]
    export_cutoff = RECORD_CLOCKS["inspection_export"].cutoff_at(day)
    exports = (
        ParentRequest.objects.filter(status__in=closed, export_json__isnull=False)
        .filter(
            Q(released_at__lt=export_cutoff)
            | Q(released_at__isnull=True, closed_at__lt=export_cutoff)
        )
        .update(export_json=None)
    )
    request_cutoff = RECORD_CLOCKS["parent_request"].cutoff_at(day)
    expired = dict(
        ParentRequest.objects.filter(status__in=closed, closed_at__lt=request_cutoff)
        .exclude(pk__in=ObjectionEffect.objects.values("request_id"))
        .values_list("pk", "pupil_id")
    )
    counts = records_purge(start={ParentRequest: expired}) if expired else {}
    return {**counts, "portal.inspection_exports_cleared": exports}


def checklist_evidence():
    """Checklist item 'inzage-correctie' (§3.5): requests of parents handled within 4 weeks."""
    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def judge(school, school_year):
        overdue = ParentRequest.objects.filter(
            pupil__school=school,
            status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS],
            deadline__lt=timezone.now(),
        ).count()
        if overdue:
            return Evidence(
                Verdict.NOT_OK,
                ngettext(
                    "%(count)s verzoek van ouders over de termijn van 4 weken.",
                    "%(count)s verzoeken van ouders over de termijn van 4 weken.",
                    overdue,
                )
                % {"count": overdue},
                url=reverse("portal:staff_queue"),
            )
        return Evidence(
            Verdict.OK,
            _("Geen verzoeken van ouders over de termijn."),
            url=reverse("portal:staff_queue"),
        )

    return [EvidenceProvider(key="inzage-correctie", name="portal.deadlines", judge=judge)]


def seed_demo(demo):
    """Demo: the demo parent asked to correct the home phone number."""
    from portal import services
    from students.models import Guardian

    guardian = Guardian.objects.filter(user__email__startswith="ouder@").first()
    if guardian is None or ParentRequest.objects.filter(requester=guardian.user).exists():
        return []
    pupil = guardian.links.filter(has_parental_authority=True).first().pupil
    services.parent_request_create(
        actor=guardian.user,
        pupil=pupil,
        kind=ParentRequest.Kind.CORRECTION,
        description=_("Wij hebben een nieuw vast nummer."),
        corrections={"phone": "0162 987654"},
    )
    return []


def pupil_actions(user, pupil):
    """On the staff pupil page: invite the parents to the portal (directie, administratie)."""
    from accounts import access

    if access.has_school_role(user, pupil.school, "directie", "administratie"):
        return [
            AttentionItem(
                _("Ouders uitnodigen voor het portaal"),
                url=reverse("portal:staff_guardians", args=[pupil.pk]),
            )
        ]
    return []


def foundation_figures(foundation, *, period, school_ids=None):
    """For the foundation overview (governance.overview): parents' requests per school that
    are open at the end of the period, and open past their 4-week deadline then; requests
    received per year up to its end. Counts only, over ``school_ids`` (``None``: every school).

    For a period up to today "open" is the request's status; for a past period it follows from
    the dates (received before its end, closed after it or not at all)."""
    from django.db.models import Count, Q

    from governance.overview import Figure

    year = period.end.year
    requests = ParentRequest.objects.filter(pupil__school__foundation=foundation)
    if school_ids is not None:
        requests = requests.filter(pupil__school__in=school_ids)
    if period.reaches_today():
        now = timezone.now()
        open_requests = requests.filter(
            status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS]
        )
    else:
        now = period.end_at
        open_requests = requests.filter(received_at__lt=now).filter(
            Q(closed_at__gte=now)
            | Q(
                closed_at__isnull=True,
                status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS],
            )
        )

    def per_school(queryset):
        return queryset.values_list("pupil__school").annotate(n=Count("pk")).order_by()

    # Asked with the other apps' questions in one query (governance.overview.figures).
    found = yield {
        "per_year": requests.values_list("received_at__year").annotate(n=Count("pk")).order_by(),
        "open": per_school(open_requests),
        "overdue": per_school(open_requests.filter(deadline__lt=now)),
    }
    per_year = dict(found["per_year"])
    queue = reverse("portal:staff_queue")
    return [
        Figure(
            key="portal.open",
            title=_("Open verzoeken van ouders"),
            per_school=dict(found["open"]),
            url=queue,
            url_roles=("fg",),  # the queue is the schools' and the FG's, not the CvB's
            description=_(
                "Inzage, correctie, verwijdering en bezwaar die nog niet zijn afgehandeld."
            ),
            over_time=tuple((str(y), per_year.get(y, 0)) for y in range(year - 4, year + 1)),
            over_time_title=_("Verzoeken van ouders per jaar"),
            order=20,
        ),
        Figure(
            key="portal.overdue",
            title=_("Verzoeken van ouders over de termijn"),
            per_school=dict(found["overdue"]),
            url=queue,
            url_roles=("fg",),  # the queue is the schools' and the FG's, not the CvB's
            description=_(
                "Open verzoeken waarvan de termijn van 4 weken (of de verlenging) voorbij is."
            ),
            order=21,
        ),
    ]
