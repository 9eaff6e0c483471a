"""What the consent app adds to the navigation and the start page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import SchoolRole
from privacy_portal.hooks import AttentionItem, NavItem, Rows, resolve


def navigation(user):
    facts = access.summary(user)
    if facts.capabilities & access.PUPIL_CAPABILITIES or facts.foundation_roles:
        return [
            NavItem(
                _("Toestemming beeld"),
                reverse("consent:class_list"),
                order=30,
                group="Leerlingen",
            )
        ]
    return []


def attention(user):
    return resolve(attention_parts(user))


def attention_parts(user):
    """Directie: this school year's reminder (R8) is due and has not reached every parent yet.

    The schools where the reminder has not reached every parent (with their numbers), the
    schools' names and their foundations' round plans are asked as rows with every app's
    counts, in the start page's one query (``Rows``): the start page never loads a school's
    pupils, and this item costs no query of its own."""
    from types import SimpleNamespace

    from django.utils import timezone

    from accounts.models import School
    from consent import selectors, services
    from consent.models import ConsentRound

    school_ids = sorted(access.summary(user).school_ids_with_role(SchoolRole.DIRECTIE))
    if not school_ids:
        return []
    today = timezone.localdate()
    year = services.current_school_year(today)
    schools = School.objects.filter(pk__in=school_ids)

    def then(rows):
        numbers = {school_id: (parents, sent) for school_id, parents, sent in rows["open"]}
        if not numbers:
            return []
        latest: dict[int, SimpleNamespace] = {}
        # As round_plan: the highest school year up to this one, the first row of that year.
        for foundation_id, school_year, _pk, starts_on, after_days in sorted(
            rows["rounds"], key=lambda row: (row[0], -row[1], row[2])
        ):
            latest.setdefault(
                foundation_id,
                SimpleNamespace(
                    school_year=school_year, starts_on=starts_on, reminder_after_days=after_days
                ),
            )
        items = []
        for school_id, name, foundation_id in rows["schools"]:
            plan = services.round_plan_from(latest.get(foundation_id), year)
            parents, sent = numbers.get(school_id, (0, 0))
            if plan.reminder_on <= today and parents and sent < parents:
                items.append(
                    AttentionItem(
                        _(
                            "Jaarlijkse herinnering toestemming beeldmateriaal nog niet aan alle ouders"
                        ),
                        url=reverse("consent:school_settings", args=[school_id]),
                        detail=_("%(sent)s van %(total)s ouders herinnerd (%(school)s).")
                        % {"sent": sent, "total": parents, "school": name},
                        level="warning",
                    )
                )
        return items

    return [
        Rows(
            {
                "open": selectors.schools_not_all_reminded(school_ids).values_list(
                    "pupil__school_id", "parents", "sent"
                ),
                "schools": schools.values_list("pk", "name", "foundation_id").order_by("name"),
                "rounds": ConsentRound.objects.filter(
                    foundation_id__in=schools.values("foundation_id"), school_year__lte=year
                )
                .values_list(
                    "foundation_id", "school_year", "pk", "starts_on", "reminder_after_days"
                )
                .order_by(),
            },
            then,
        )
    ]


def checklist_evidence():
    """Checklist item 'toestemming-beeldmateriaal' (§7): this school year's reminder reached
    every parent, and every pupil has an answer for every channel (no answer = no use)."""
    from checklist.evidence import Evidence, EvidenceProvider, Verdict
    from consent import selectors

    def judge(school, school_year):
        numbers = selectors.consent_numbers(school=school, school_year=school_year)
        unanswered = max(
            (numbers["pupils"] - row["answered"] for row in numbers["channels"]), default=0
        )
        summary = _(
            "Herinnering %(year)s: %(sent)s van %(parents)s ouders; "
            "hoogstens %(open)s van %(pupils)s leerlingen zonder antwoord per kanaal."
        ) % {
            "year": numbers["school_year"],
            "sent": numbers["reminder_sent"],
            "parents": numbers["reminder_parents"],
            "open": unanswered,
            "pupils": numbers["pupils"],
        }
        verdict = Verdict.OK if numbers["reminder_done"] and not unanswered else Verdict.NOT_OK
        return Evidence(verdict, summary, url=reverse("consent:class_list"))

    return [EvidenceProvider(key="toestemming-beeldmateriaal", name="consent.answers", judge=judge)]


def consent_history(pupil):
    """For the inspection export of the parents' portal: every consent answer for the pupil."""
    from django.utils import timezone

    from consent import selectors

    return [
        {
            "channel": decision.channel.name,
            "answer": _("toestemming") if decision.granted else _("geen toestemming"),
            "when": timezone.localtime(decision.decided_at).strftime("%d-%m-%Y %H:%M"),
            "school_year": decision.school_year,
            "by": str(decision.guardian or (_("de leerling") if decision.by_pupil else "")),
            "text_version": decision.text.version,
            "source": str(decision.get_source_display()),
        }
        for decision in selectors.decision_history(pupil)
    ]


def seed_demo(demo):
    """Demo: the default channels, and answers for the demo parent's child."""
    from consent import services
    from students.models import Guardian

    channels = services.channels_ensure_defaults(foundation=demo.foundation)
    guardian = Guardian.objects.filter(user__email__startswith="ouder@").first()
    if guardian is None:
        return []
    pupil = guardian.links.filter(has_parental_authority=True).first().pupil
    if pupil.consent_decisions.exists():
        return []
    for channel in channels[:3]:
        services.consent_decide(actor=guardian.user, pupil=pupil, channel=channel, granted=True)
    return []


def foundation_figures(foundation, *, period=None, school_ids=None):
    """For the foundation overview (governance.overview): per school, the share of answers
    parents gave this school year over all pupils and channels (the same numbers as the
    checklist evidence). Percentages only; a state of today, kept monthly for the trend."""
    from consent import selectors
    from governance.overview import Figure

    per_school, bases, answered_total = {}, {}, 0
    # All schools at once, asked with the other apps' questions in one query (issue 16); a
    # directie's overview keeps only their schools.
    numbers = yield from selectors.answer_number_steps(foundation)
    for school_id, (asked, answered) in numbers.items():
        if school_ids is not None and school_id not in school_ids:
            continue
        per_school[school_id] = round(100 * answered / asked) if asked else None
        bases[school_id] = asked
        answered_total += answered
    asked_total = sum(bases.values())
    return [
        Figure(
            key="consent.response",
            title=_("Antwoord op de toestemmingsvraag beeldmateriaal"),
            per_school=per_school,
            bases=bases,
            total=round(100 * answered_total / asked_total) if asked_total else None,
            unit="percent",
            url=reverse("consent:class_list"),
            description=_(
                "Aandeel leerlingen en kanalen waarvoor ouders dit schooljaar antwoord gaven."
            ),
            good="high",
            snapshot=True,
            order=30,
        )
    ]


# The consent jobs the reaper restarts when a run died (a worker killed mid-run, a database
# that went away): the daily ones take no arguments, and each only sends what is still due.
RESTARTABLE = ("consent.ask_parents_for_school_year", "consent.send_yearly_reminders")


def reap_jobs(*, now):
    """The reaper's hook (privacy_portal.jobs.reap): consent's follow-up jobs that died or were
    never started. Safe to run any number of times: every mail is claimed through a
    ``ParentNotice`` row in the transaction that writes it to the outbox, so a restarted job
    sends only what the dead one did not."""
    from consent import services

    return services.consent_jobs_reap(now=now)


def retention_purge(day) -> dict[str, int]:
    """This app's retention clock (``students.registry.RECORD_CLOCKS["consent_decision"]``):
    a consent decision is the proof for the publications of its school year, kept five years
    after that school year ended (31 July); then it goes, and its audit trail forgets. A former
    parent kept only for such a decision goes with it (the deletion plan)."""
    from accounts.models import school_year_of
    from consent.models import ConsentDecision
    from retention.services import records_purge
    from students.registry import RECORD_CLOCKS

    # School year Y ends on 31 July Y+1: it ended before the cut-off iff Y is an earlier year.
    last_kept = school_year_of(RECORD_CLOCKS["consent_decision"].cutoff(day))
    expired = dict(
        ConsentDecision.objects.filter(school_year__lt=last_kept).values_list("pk", "pupil_id")
    )
    return records_purge(start={ConsentDecision: expired}) if expired else {}
