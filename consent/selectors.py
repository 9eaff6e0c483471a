"""Reads of the consent app, scoped through ``accounts.access``.

Staff reach consent through the classes they may see (a teacher: only their own classes);
parents reach only their own children with parental authority, and a pupil of 16 or older
reaches themself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts import access
from accounts.models import School, SchoolClass
from consent import services
from consent.models import Channel, ChannelText, ConsentDecision, ParentNotice
from students.models import NAME_ORDER


def active_channels(
    foundation_id: int, *, school_id: int | None = None, all_of_school: bool = False
) -> list[Channel]:
    """The foundation's channels in use, each with ``current`` (its newest text). At
    ``school_id``: the foundation-wide channels that school uses and the school's own (with
    ``all_of_school``, also those it switched off, for its settings page). Without a school:
    the foundation-wide channels only (a school's own channel belongs to that school)."""
    channels = Channel.objects.filter(foundation_id=foundation_id, is_active=True)
    if school_id is None:
        channels = channels.filter(school__isnull=True)
    elif all_of_school:
        channels = channels.filter(Q(school__isnull=True) | Q(school_id=school_id))
    else:
        channels = channels.for_school(school_id)
    channels = list(
        channels.order_by("order", "name").prefetch_related(
            Prefetch("texts", queryset=ChannelText.objects.order_by("-version"))
        )
    )
    for channel in channels:
        texts = list(channel.texts.all())
        channel.current = texts[0] if texts else None
    return channels


# --- Staff -----------------------------------------------------------------------------------


def classes_for_consent(user):
    """Classes whose consent overview the user may see: the classes they may see pupils of."""
    return access.visible_classes(user).select_related("school")


def class_for_consent(user, class_id: int) -> SchoolClass:
    return get_object_or_404(classes_for_consent(user), pk=class_id)


@dataclass
class OverviewRow:
    pupil: object
    statuses: list  # ConsentStatus per channel, in channel order


SORT_NAME = "naam"


def class_overview(
    user, school_class: SchoolClass, *, sort: str = SORT_NAME, day: date | None = None
):
    """The photo list: per pupil of the class and per channel, whether pictures may be used.

    Sorted by name in Dutch order (surname without the tussenvoegsel, then first name:
    ``students.models.NAME_ORDER``, as the pupil list), or by a channel key (pupils without consent first, so the photographer
    sees them at the top). A fixed number of queries whatever the class size.
    """
    channels = active_channels(school_class.school.foundation_id, school_id=school_class.school_id)
    pupils = list(
        access.visible_pupils(user)
        .filter(enrolments__school_class=school_class, deregistered_on__isnull=True)
        .order_by(*NAME_ORDER)
        .distinct()
    )
    statuses = services.statuses_for(pupils, channels, day=day)
    rows = [OverviewRow(p, [statuses[(p.pk, c.pk)] for c in channels]) for p in pupils]
    keys = [c.key for c in channels]
    if sort in keys:
        index = keys.index(sort)
        rows.sort(key=lambda row: row.statuses[index].granted)
    return channels, rows


def pupils_of_class(user, school_class: SchoolClass, pupil_ids):
    return list(
        access.visible_pupils(user)
        .filter(enrolments__school_class=school_class, pk__in=pupil_ids)
        .distinct()
        .order_by(*NAME_ORDER)
    )


def pupil_for_staff(user, pupil_id: int):
    """A pupil in one of the classes the user sees as staff (parents and pupils use the portal)."""
    in_staff_class = access.visible_pupils(user).filter(
        enrolments__school_class__in=access.visible_classes(user).values("pk")
    )
    return get_object_or_404(in_staff_class.select_related("school").distinct(), pk=pupil_id)


def decision_history(pupil):
    """Every answer given for this pupil, newest first: kept for accountability until five years
    after its school year ended (``registry.RECORD_CLOCKS["consent_decision"]``)."""
    return (
        ConsentDecision.objects.filter(pupil=pupil)
        .select_related("channel", "text", "guardian", "decided_by", "pupil")
        .order_by("-decided_at", "-pk")
    )


# --- Parents (and pupils of 16+) -------------------------------------------------------------


def children_for_consent(user):
    """The pupils this user answers for: children with parental authority, and themself as a
    pupil (who decides from 16)."""
    from students.models import GuardianLink, Pupil

    if not (user and user.is_authenticated):
        return Pupil.objects.none()
    own_child = GuardianLink.objects.filter(
        pupil=OuterRef("pk"), guardian__user=user, has_parental_authority=True
    )
    return (
        Pupil.objects.enrolled()
        .filter(Exists(own_child) | Q(user=user))
        .select_related("school")
        .order_by("first_name")
    )


def child_for_consent(user, pupil_id: int):
    """A child of another family is a 404."""
    pupil = get_object_or_404(children_for_consent(user), pk=pupil_id)
    if not (access.is_parent_with_authority(user, pupil) or access.is_the_pupil(user, pupil)):
        from django.http import Http404

        raise Http404
    return pupil


def own_latest_answers(user, pupil, *, day: date | None = None) -> dict[int, bool]:
    """This person's own latest answer per channel this school year that still counts (to fill
    in the form; an answer on a text that has since been widened is not shown as chosen)."""
    return services.own_latest_answers(pupil, user=user, day=day)


def children_for_guardian(guardian):
    """The enrolled children over whom this parent has parental authority (for the personal
    link: nothing else is reachable through it)."""
    from students.models import Pupil

    return (
        Pupil.objects.enrolled()
        .filter(guardian_links__guardian=guardian, guardian_links__has_parental_authority=True)
        .select_related("school")
        .distinct()
        .order_by("first_name", "pk")
    )


# --- Numbers for the checklist ---------------------------------------------------------------


def consent_numbers(*, school: School, school_year: int | None = None) -> dict:
    """For the annual checklist: per channel the share of enrolled pupils with an answer this
    school year, and whether this year's reminder (R8) reached every parent.

    Returns ``{"school_year", "pupils", "channels": [{"channel", "answered", "granted",
    "share_answered"}], "reminder_parents", "reminder_sent", "reminder_done"}``.
    """
    from students.models import GuardianLink, Pupil

    year = school_year or services.current_school_year()
    pupils = list(Pupil.objects.enrolled().filter(school=school))
    channels = active_channels(school.foundation_id, school_id=school.pk)
    day = date(year, 8, 1) if year != services.current_school_year() else None
    statuses = services.statuses_for(pupils, channels, day=day)
    rows = []
    for channel in channels:
        answered = sum(1 for p in pupils if statuses[(p.pk, channel.pk)].answered)
        granted = sum(1 for p in pupils if statuses[(p.pk, channel.pk)].granted)
        rows.append(
            {
                "channel": channel,
                "answered": answered,
                "granted": granted,
                "share_answered": (answered / len(pupils)) if pupils else 0.0,
            }
        )
    # Parents of pupils of 16+ get no reminder (the pupil decides): they are not counted.
    reminded_pupils = [p for p in pupils if not services.pupil_decides_self(p, day)]
    parent_ids = set(
        GuardianLink.objects.filter(
            pupil__in=reminded_pupils, has_parental_authority=True
        ).values_list("guardian_id", flat=True)
    )
    reminded = set(
        ParentNotice.objects.filter(
            kind=ParentNotice.Kind.REMINDER,
            school_year=year,
            sent_at__isnull=False,
            guardian_id__in=parent_ids,
        ).values_list("guardian_id", flat=True)
    )
    return {
        "school_year": year,
        "pupils": len(pupils),
        "channels": rows,
        "reminder_parents": len(parent_ids),
        "reminder_sent": len(reminded),
        "reminder_done": bool(parent_ids) and reminded >= parent_ids,
    }


def answer_numbers(foundation) -> dict[int, tuple[int, int]]:
    """Per school id of ``foundation``: (pupil × channel pairs asked, pairs answered) this school
    year, the same counts as ``consent_numbers`` per school (its ``pupils`` × channels and the
    sum of ``answered``), for all schools in one query (``answer_number_steps``)."""
    from privacy_portal.hooks import run_together

    (numbers,) = run_together([answer_number_steps(foundation)])
    if isinstance(numbers, Exception):
        raise numbers
    return numbers


def answer_number_steps(foundation):
    """``answer_numbers`` as a generator for ``privacy_portal.hooks.run_together``: it asks
    its eight questions (pupils, channels, their texts, parents, decisions, …) in one step, so
    the foundation overview asks them together with the other apps' figures. The statuses are
    the same pure function as ``services.statuses_for`` (``services.resolve_status``)."""
    from types import SimpleNamespace

    from django.db.models import Max

    from accounts.models import school_year_of
    from consent.models import SchoolConsentSetting
    from students.models import GuardianLink, Pupil

    day = timezone.localdate()
    year = school_year_of(day)
    pupils = Pupil.objects.enrolled().filter(school__foundation=foundation)
    channels = Channel.objects.filter(
        foundation_id=foundation.pk, is_active=True, school__isnull=True
    )  # as active_channels(foundation.pk): the foundation-wide channels in use
    found = yield {
        "schools": foundation.schools.values_list("pk").order_by(),
        "pupils": pupils.values_list("pk", "school_id", "date_of_birth").order_by(),
        "channels": channels.values_list("pk").order_by(),
        "excluded": Channel.not_at_schools.through.objects.filter(channel__in=channels.values("pk"))
        .values_list("channel_id", "school_id")
        .order_by(),
        "authority": GuardianLink.objects.filter(
            pupil__in=pupils.values("pk"), has_parental_authority=True
        )
        .values_list("pupil_id", "guardian_id")
        .order_by(),
        "both": SchoolConsentSetting.objects.filter(
            school__foundation=foundation, require_both_parents=True
        )
        .values_list("school_id")
        .order_by(),
        # services.counting_from_versions for these channels
        "counting_from": ChannelText.objects.filter(
            channel__in=channels.values("pk"),
            scope__in=[ChannelText.Scope.INITIAL, ChannelText.Scope.WIDENING],
        )
        .values("channel_id")
        .annotate(v=Max("version"))
        .values_list("channel_id", "v")
        .order_by(),
        "decisions": ConsentDecision.objects.filter(pupil__in=pupils.values("pk"), school_year=year)
        .values_list(
            "pk",
            "pupil_id",
            "channel_id",
            "granted",
            "guardian_id",
            "by_pupil",
            "decided_at",
            "text__version",
        )
        .order_by(),
    }
    channel_ids = [pk for (pk,) in found["channels"]]
    excluded = set(found["excluded"])
    authority: dict[int, set[int]] = {}
    for pupil_id, guardian_id in found["authority"]:
        authority.setdefault(pupil_id, set()).add(guardian_id)
    both_schools = {school_id for (school_id,) in found["both"]}
    counting_from = dict(found["counting_from"])
    grouped: dict[tuple[int, int], list] = {}
    for pk, pupil_id, channel_id, granted, guardian_id, by_pupil, decided_at, version in found[
        "decisions"
    ]:
        grouped.setdefault((pupil_id, channel_id), []).append(
            SimpleNamespace(
                pk=pk,
                granted=granted,
                guardian_id=guardian_id,
                by_pupil=by_pupil,
                decided_at=decided_at,
                text_version=version,
            )
        )
    numbers: dict[int, list[int]] = {school_id: [0, 0] for (school_id,) in found["schools"]}
    for pupil_id, school_id, date_of_birth in found["pupils"]:
        row = numbers.setdefault(school_id, [0, 0])
        decides = services.pupil_decides_self(SimpleNamespace(date_of_birth=date_of_birth), day)
        for channel_id in channel_ids:
            if (channel_id, school_id) in excluded:
                continue
            status = services.resolve_status(
                grouped.get((pupil_id, channel_id), []),
                authority_guardian_ids=authority.get(pupil_id, set()),
                require_both=school_id in both_schools,
                pupil_decides=decides,
                counting_from=counting_from.get(channel_id, 0),
            )
            row[0] += 1
            row[1] += status.answered
    return {school_id: (asked, answered) for school_id, (asked, answered) in numbers.items()}


def reminder_numbers(school_ids) -> dict[int, tuple[int, int]]:
    """Per school id: how many parents with authority over its enrolled pupils there are, and
    how many of them this school year's reminder (R8) reached. One aggregate query for all the
    schools (the start page), whatever their number of pupils; the same counts as
    ``consent_numbers``'s ``reminder_parents`` and ``reminder_sent``."""
    rows = reminder_rows(school_ids)
    return {row["pupil__school_id"]: (row["parents"], row["sent"]) for row in rows}


def schools_not_all_reminded(school_ids):
    """The rows of ``reminder_rows`` of schools where the reminder has not reached every parent
    (to count: the start page asks further only when there are any)."""
    from django.db.models import F

    return reminder_rows(school_ids).filter(sent__lt=F("parents"))


def reminder_rows(school_ids):
    """``reminder_numbers`` as a queryset: per school id ``parents`` and ``sent``."""
    from django.db.models import Count, Exists, OuterRef

    from consent.services import SELF_DECISION_AGE
    from students.models import GuardianLink

    today = timezone.localdate()
    year = services.current_school_year()
    # Parents of pupils of 16+ get no reminder (the pupil decides), as in consent_numbers.
    try:
        sixteen_years_ago = today.replace(year=today.year - SELF_DECISION_AGE)
    except ValueError:  # 29 February
        sixteen_years_ago = today.replace(year=today.year - SELF_DECISION_AGE, day=28)
    reminded = ParentNotice.objects.filter(
        guardian_id=OuterRef("guardian_id"),
        kind=ParentNotice.Kind.REMINDER,
        school_year=year,
        sent_at__isnull=False,
    )
    return (
        GuardianLink.objects.filter(
            pupil__school_id__in=list(school_ids),
            pupil__deregistered_on__isnull=True,
            pupil__date_of_birth__gt=sixteen_years_ago,
            has_parental_authority=True,
        )
        .order_by()
        .values("pupil__school_id")
        .annotate(
            parents=Count("guardian_id", distinct=True),
            sent=Count("guardian_id", distinct=True, filter=Exists(reminded)),
        )
    )


def class_pupil_ids(school_class: SchoolClass):
    """Ids of the enrolled pupils of a class (a subquery, filtered further by visible_pupils)."""
    return school_class.enrolments.filter(pupil__deregistered_on__isnull=True).values("pupil_id")
