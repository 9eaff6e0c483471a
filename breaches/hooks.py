"""What the breaches app adds to the navigation and to the start page."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from breaches import selectors
from privacy_portal.hooks import AttentionItem, Counts, NavItem, resolve


def navigation(user):
    from accounts import access
    from breaches.models import Breach

    facts = access.summary(user)
    items = []
    if facts.school_roles or facts.foundation_roles:
        # Reachable from every page for every staff member: report a breach at once.
        items.append(NavItem(_("Datalek melden"), reverse("breaches:report"), order=92))
    if (
        facts.has_foundation_role("fg", "cvb")
        or facts.has_school_role("directie")
        or (facts.is_staff_person and Breach.objects.filter(reporter=user).exists())
    ):
        items.append(
            NavItem(_("Datalekken"), reverse("breaches:register"), order=81, group="Registers")
        )
    return items


def clock_text(breach, now=None) -> str:
    hours = breach.hours_left(now or timezone.now())
    if hours < 0:
        return _("%(reference)s: de termijn van 72 uur is %(hours)s uur geleden verstreken") % {
            "reference": breach.reference,
            "hours": int(-hours),
        }
    return _("%(reference)s: nog %(hours)s uur om te melden bij de AP") % {
        "reference": breach.reference,
        "hours": int(hours),
    }


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """The FG and the CvB (all breaches of the foundation) and directie (their schools) see
    every running 72-hour clock; the FG also the breaches awaiting assessment. Counted with
    every app's counts; the clocks are read only when one runs."""
    scope = selectors.breach_access(user)
    if not (scope.is_fg or scope.cvb_foundations or scope.directie_schools):
        return []
    running = selectors.clock_running_breaches(user, scope)
    queries = {"running": running}
    if scope.is_fg:
        queries["reported"] = selectors.visible_breaches(user, scope).filter(status="reported")

    def then(numbers):
        now = timezone.now()
        items = []
        for breach in running[:20] if numbers["running"] else []:
            hours = breach.hours_left(now)
            items.append(
                AttentionItem(
                    clock_text(breach, now),
                    url=reverse("breaches:detail", args=[breach.pk]),
                    detail=", ".join(school.name for school in breach.schools.all())
                    + " · "
                    + breach.get_kind_display(),
                    level="danger" if hours <= 8 else "warning",
                    due=breach.ap_deadline,
                )
            )
        count = numbers.get("reported", 0)
        if count:
            items.append(
                AttentionItem(
                    ngettext(
                        "%(count)s datalek wacht op uw beoordeling",
                        "%(count)s datalekken wachten op uw beoordeling",
                        count,
                    )
                    % {"count": count},
                    url=reverse("breaches:register") + "?status=reported",
                    level="warning",
                )
            )
        return items

    return [Counts(queries, then)]


def checklist_evidence():
    """Checklist item 'datalek-fg' (§13.3): breaches of the school year were assessed by the FG,
    and the notifiable ones reached the AP in time."""
    from datetime import date

    from breaches.models import Breach, BreachStatus
    from breaches.selectors import breach_statistics
    from checklist.evidence import Evidence, EvidenceProvider, Verdict

    def judge(school, school_year):
        start, end = date(school_year, 8, 1), date(school_year + 1, 7, 31)
        numbers = breach_statistics(foundation=school.foundation, start=start, end=end)
        unassessed = Breach.objects.filter(
            schools=school, status=BreachStatus.REPORTED, discovered_at__date__gte=start
        ).count()
        summary = ngettext(
            "%(total)s datalek dit schooljaar; %(open)s nog niet beoordeeld door de FG; "
            "%(late)s te laat gemeld bij de AP.",
            "%(total)s datalekken dit schooljaar; %(open)s nog niet beoordeeld door de FG; "
            "%(late)s te laat gemeld bij de AP.",
            numbers["total"],
        ) % {"total": numbers["total"], "open": unassessed, "late": numbers["notified_late"]}
        verdict = Verdict.NOT_OK if unassessed or numbers["notified_late"] else Verdict.OK
        return Evidence(verdict, summary, url=reverse("breaches:register"))

    return [EvidenceProvider(key="datalek-fg", name="breaches.assessed", judge=judge)]


def seed_demo(demo):
    """Demo: one reported breach with the 72-hour clock running, for the FG's start page."""
    from datetime import timedelta

    from breaches import services
    from breaches.models import Breach

    if Breach.objects.filter(foundation=demo.foundation).exists():
        return []
    now = timezone.now()
    services.breach_report(
        actor=demo.people["leerkracht.regenboog"],
        description=_(
            "Usb-stick met handelingsplannen van groep 5 verloren op de fiets naar huis."
        ),
        discovered_at=now - timedelta(hours=20),
        occurred_at=now - timedelta(hours=26),
        kind="lost_device",
        schools=[demo.schools["regenboog"]],
        people_count=12,
        encrypted="no",
        data_categories=["identification", "care"],
        special_categories=["health"],
        affected_groups=["pupils"],
        measures_taken=_("Route nagelopen, gevonden voorwerpen gebeld."),
    )
    return []


def foundation_figures(foundation, *, period, school_ids=None):
    """For the foundation overview (governance.overview): breaches per school reported in the
    period and per calendar year up to its end, by kind, and whether the notifiable ones reached
    the AP in time; the breaches whose 72-hour clock ran out are items the board can follow.
    Counts only, over ``school_ids`` (``None``: every school)."""
    from django.db.models import Count, F

    from breaches.models import ApNotification, Breach, BreachKind
    from governance.overview import Figure, FigureItem

    now = timezone.now()
    year = period.end.year
    breaches = Breach.objects.filter(foundation=foundation)
    if school_ids is not None:
        breaches = breaches.filter(schools__in=school_ids).distinct()
    this_year = breaches.filter(reported_at__gte=period.start_at, reported_at__lt=period.end_at)

    late_notifications = ApNotification.objects.filter(
        kind=ApNotification.Kind.INITIAL, sent_at__gt=F("breach__ap_deadline")
    )
    # Asked with the other apps' questions in one query (governance.overview.figures).
    found = yield {
        # Each breach of the period with every school it touched: the counts per school.
        "schools": Breach.objects.filter(pk__in=this_year.values("pk"))
        .values_list("pk", "schools")
        .order_by(),
        "per_year": Breach.objects.filter(pk__in=breaches.values("pk"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by(),
        "by_kind": Breach.objects.filter(pk__in=this_year.values("pk"))
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by(),
        "in_time": ApNotification.objects.filter(
            kind=ApNotification.Kind.INITIAL,
            breach__in=this_year.values("pk"),
            sent_at__lte=F("breach__ap_deadline"),
        )
        .values_list("breach_id")
        .order_by(),
        "late": late_notifications.filter(breach__in=this_year.values("pk"))
        .values_list("breach_id")
        .order_by(),
        "overdue": Breach.objects.filter(pk__in=breaches.values("pk"))
        .clock_running()
        .filter(ap_deadline__lt=now)
        .values_list("pk")
        .order_by(),
    }
    schools_of: dict[int, set] = {}
    for pk, school_id in found["schools"]:
        schools_of.setdefault(pk, set())
        if school_id is not None and (school_ids is None or school_id in school_ids):
            schools_of[pk].add(school_id)

    def per_school_of(breach_ids) -> dict:
        counted: dict = {}
        for pk in breach_ids:
            for school_id in schools_of.get(pk, ()):
                counted[school_id] = counted.get(school_id, 0) + 1
        return counted

    in_period = set(schools_of)
    per_school = per_school_of(in_period)
    per_year = dict(found["per_year"])
    years = list(range(year - 4, year + 1))
    by_kind = dict(found["by_kind"])
    in_time_ids = {pk for (pk,) in found["in_time"]}
    late_ids = {pk for (pk,) in found["late"]}
    overdue_ids = [pk for (pk,) in found["overdue"]]
    # The rows of the breaches whose clock ran out only when there are any (items to follow).
    overdue = (
        list(
            Breach.objects.filter(pk__in=overdue_ids)
            .prefetch_related("schools")
            .order_by("ap_deadline")
        )
        if overdue_ids
        else []
    )
    overdue_in_period = [b.pk for b in overdue if b.pk in in_period]
    not_in_time = (late_ids | set(overdue_in_period)) & in_period
    not_in_time_per_school = per_school_of(not_in_time)
    register = reverse("breaches:register")
    items = tuple(
        FigureItem(
            title=clock_text(breach, now),
            url=reverse("breaches:detail", args=[breach.pk]),
            detail=breach.get_kind_display(),
            school_id=school.pk,
            level="danger",
        )
        for breach in overdue
        for school in [s for s in breach.schools.all() if school_ids is None or s.pk in school_ids][
            :1
        ]
    )
    return [
        Figure(
            key="breaches.count",
            title=_("Datalekken in de periode"),
            per_school=per_school,
            total=len(in_period),
            url=register,
            description=_(
                "Gemelde datalekken per school in %(period)s (een lek kan meer scholen raken)."
            )
            % {"period": period.label},
            over_time=tuple((str(y), per_year.get(y, 0)) for y in years),
            over_time_title=_("Datalekken per jaar"),
            breakdown=tuple(
                (str(label), by_kind.get(value, 0))
                for value, label in BreachKind.choices
                if by_kind.get(value)
            ),
            breakdown_title=_("Datalekken in de periode naar soort"),
            good="low",
            order=40,
        ),
        Figure(
            key="breaches.not_in_time",
            title=_("Niet op tijd gemeld bij de AP"),
            per_school=not_in_time_per_school,
            total=len(not_in_time),
            url=register,
            description=_(
                "Meldplichtige datalekken uit de periode die later dan 72 uur of nog niet bij de "
                "AP zijn gemeld terwijl de termijn verstreken is."
            ),
            breakdown=(
                (_("op tijd gemeld"), len(in_time_ids)),
                (_("te laat gemeld"), len(late_ids)),
                (_("termijn verstreken, nog niet gemeld"), len(overdue_in_period)),
            ),
            breakdown_title=_("Meldingen aan de AP in de periode"),
            items=items,
            good="low",
            order=41,
        ),
    ]


def retention_purge(day) -> dict[str, int]:
    """This app's retention clock (``students.registry.RECORD_CLOCKS["breach_letter"]``): the
    letter to the people involved (its text) and the list of recipients (names and addresses)
    go five years after the breach was closed; the breach stays in the register (AVG art.
    33(5)) with its assessment and counts. Their audit trail forgets."""
    from breaches.models import LetterRecipient, SubjectLetter
    from retention.services import records_purge
    from students.registry import RECORD_CLOCKS

    cutoff = RECORD_CLOCKS["breach_letter"].cutoff_at(day)
    letters = list(
        SubjectLetter.objects.filter(breach__closed_at__lt=cutoff).values_list("pk", flat=True)
    )
    if not letters:
        return {}
    recipients = LetterRecipient.objects.filter(letter_id__in=letters).values_list("pk", flat=True)
    return records_purge(
        start={
            SubjectLetter: dict.fromkeys(letters),
            LetterRecipient: dict.fromkeys(recipients),
        }
    )
