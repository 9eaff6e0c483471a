"""The rules of media consent (R8, protocol §7) and every write of the consent app.

Rules, in short:
- consent is per pupil × channel × school year; no answer means **refused** (no consent = no use);
- a later answer replaces an earlier one by the same person at once (a withdrawal is a refusal);
- consent for one channel never implies another;
- where the school requires both parents with authority to agree, the stricter answer counts
  (refused) until every parent with authority has granted;
- a pupil of 16 or older decides alone (R4); parents' answers then no longer count;
- a new school year asks again: answers of last year do not carry over.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import Foundation, School, school_year_label, school_year_of
from consent.models import (
    Channel,
    ChannelText,
    ConsentDecision,
    ParentNotice,
    SchoolConsentSetting,
)
from privacy_portal.mail import send_templated_mail

logger = logging.getLogger(__name__)

SELF_DECISION_AGE = 16

DEFAULT_CHANNELS = [
    (
        "website",
        _("Website van de school"),
        _("Foto's en video's waarop uw kind herkenbaar is, mogen op de website van de school."),
    ),
    (
        "nieuwsbrief",
        _("Nieuwsbrief"),
        _("Foto's waarop uw kind herkenbaar is, mogen in de nieuwsbrief van de school."),
    ),
    (
        "schoolgids",
        _("Schoolgids"),
        _("Foto's waarop uw kind herkenbaar is, mogen in de schoolgids."),
    ),
    (
        "folders",
        _("Folders en brochures"),
        _("Foto's waarop uw kind herkenbaar is, mogen in folders en brochures van de school."),
    ),
    (
        "sociale-media",
        _("Sociale media"),
        _(
            "Foto's en video's waarop uw kind herkenbaar is, mogen op de sociale-mediakanalen van de "
            "school (zoals Facebook en Instagram)."
        ),
    ),
    (
        "ouderportaal",
        _("Afgeschermde ouder-app/portaal"),
        _(
            "Foto's waarop uw kind herkenbaar is, mogen in de afgeschermde ouder-app, alleen "
            "zichtbaar voor ouders van de groep met een wachtwoord of code."
        ),
    ),
    (
        "video-coaching",
        _("Video voor coaching van leerkrachten"),
        _(
            "Video-opnamen in de klas waarop uw kind te zien is, mogen worden gebruikt voor de "
            "begeleiding van leerkrachten. De opnamen worden niet gepubliceerd."
        ),
    ),
]


def current_school_year(day: date | None = None) -> int:
    return school_year_of(day or timezone.localdate())


def age_on(date_of_birth: date, day: date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def pupil_decides_self(pupil, day: date | None = None) -> bool:
    """R4: from 16 the pupil decides, not the parents."""
    return age_on(pupil.date_of_birth, day or timezone.localdate()) >= SELF_DECISION_AGE


# --- Channels and texts ----------------------------------------------------------------------


def channels_ensure_defaults(*, foundation: Foundation) -> list[Channel]:
    """Create the default channels (with version 1 of their text) for a foundation that has
    none yet. Running it again changes nothing."""
    with transaction.atomic():
        if Channel.objects.filter(foundation=foundation).exists():
            return list(Channel.objects.filter(foundation=foundation))
        channels = []
        for order, (key, name, text) in enumerate(DEFAULT_CHANNELS, start=1):
            channel = Channel.objects.create(
                foundation=foundation, key=key, name=str(name), order=order * 10
            )
            ChannelText.objects.create(channel=channel, version=1, text=str(text))
            channels.append(channel)
        return channels


def may_manage_channels(user, foundation: Foundation) -> bool:
    from accounts.roles import FoundationRoleKind

    return access.foundations_for(user).filter(pk=foundation.pk).exists() and (
        access.has_foundation_role(user, FoundationRoleKind.BEHEERDER, FoundationRoleKind.FG)
    )


def channel_text_update(*, actor, channel: Channel, text: str) -> ChannelText:
    """A changed consent text becomes a new version; earlier decisions keep pointing at theirs."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Vul de tekst in die ouders te zien krijgen.")})
    if not may_manage_channels(actor, channel.foundation):
        raise PermissionDenied
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        latest = channel.texts.order_by("-version").first()
        if latest and latest.text == text:
            return latest
        return ChannelText.objects.create(
            channel=channel,
            version=(latest.version + 1) if latest else 1,
            text=text,
            created_by=actor,
        )


def current_text(channel: Channel) -> ChannelText:
    text = channel.texts.order_by("-version").first()
    if text is None:
        raise ValidationError(_("Voor dit kanaal is nog geen toestemmingstekst vastgesteld."))
    return text


def school_setting_update(*, actor, school: School, require_both_parents: bool):
    """The directie decides whether both parents with authority must agree."""
    from accounts.roles import SchoolRole

    if not access.has_school_role(actor, school, SchoolRole.DIRECTIE):
        raise PermissionDenied
    with transaction.atomic():
        setting, _created = SchoolConsentSetting.objects.select_for_update().get_or_create(
            school=school
        )
        setting.require_both_parents = bool(require_both_parents)
        setting.save()
        return setting


def requires_both_parents(school_id: int) -> bool:
    return SchoolConsentSetting.objects.filter(
        school_id=school_id, require_both_parents=True
    ).exists()


# --- Decisions -------------------------------------------------------------------------------


def consent_decide(
    *, actor, pupil, channel: Channel, granted: bool, day: date | None = None
) -> ConsentDecision:
    """Record one answer of a parent with authority (pupil under 16) or of the pupil (16+) for
    this school year. Takes effect at once: the status is derived from the latest answers."""
    day = day or timezone.localdate()
    if channel.foundation_id != pupil.school.foundation_id or not channel.is_active:
        raise ValidationError(_("Dit kanaal hoort niet bij de school van deze leerling."))
    if pupil.deregistered_on:
        raise ValidationError(_("Deze leerling is uitgeschreven."))
    guardian = None
    by_pupil = False
    if pupil_decides_self(pupil, day):
        if not access.is_the_pupil(actor, pupil):
            raise PermissionDenied(
                _("Deze leerling is 16 jaar of ouder en beslist zelf over toestemming.")
            )
        by_pupil = True
    else:
        if not access.is_parent_with_authority(actor, pupil):
            raise PermissionDenied(_("Alleen een ouder met ouderlijk gezag kan dit beslissen."))
        guardian = actor.guardian
    with transaction.atomic():
        return ConsentDecision.objects.create(
            pupil=pupil,
            channel=channel,
            school_year=school_year_of(day),
            granted=bool(granted),
            text=current_text(channel),
            guardian=guardian,
            by_pupil=by_pupil,
            decided_by=actor,
            decided_at=timezone.now(),
        )


def may_record_paper_answers(user, pupil) -> bool:
    """The administration and the directie enter answers given on paper (the enrolment form)."""
    from accounts.roles import SchoolRole

    return access.has_school_role(
        user, pupil.school_id, SchoolRole.ADMINISTRATIE, SchoolRole.DIRECTIE
    )


def consent_record_paper_answer(
    *, actor, pupil, guardian, channel: Channel, granted: bool, day: date | None = None
) -> ConsentDecision:
    """Record an answer a parent (or a pupil of 16+, ``guardian=None``) gave on paper. The row
    names the parent it came from and the staff member who entered it."""
    day = day or timezone.localdate()
    if not may_record_paper_answers(actor, pupil):
        raise PermissionDenied
    if channel.foundation_id != pupil.school.foundation_id or not channel.is_active:
        raise ValidationError(_("Dit kanaal hoort niet bij de school van deze leerling."))
    decides_self = pupil_decides_self(pupil, day)
    if guardian is None and not decides_self:
        raise ValidationError(_("Kies de ouder met gezag van wie het antwoord komt."))
    if guardian is not None:
        if decides_self:
            raise ValidationError(
                _("Deze leerling is 16 jaar of ouder en beslist zelf; ouders beslissen niet meer.")
            )
        if not pupil.guardian_links.filter(guardian=guardian, has_parental_authority=True).exists():
            raise ValidationError(_("Deze ouder heeft geen ouderlijk gezag over deze leerling."))
    with transaction.atomic():
        return ConsentDecision.objects.create(
            pupil=pupil,
            channel=channel,
            school_year=school_year_of(day),
            granted=bool(granted),
            text=current_text(channel),
            guardian=guardian,
            by_pupil=guardian is None,
            decided_by=actor,
            decided_at=timezone.now(),
        )


def consent_withdraw(*, actor, pupil, channel: Channel, day: date | None = None):
    """Withdrawal is a refusal that counts from this moment."""
    return consent_decide(actor=actor, pupil=pupil, channel=channel, granted=False, day=day)


def consents_save(*, actor, pupil, answers: dict[int, bool], day: date | None = None) -> int:
    """Save the answers of one form (channel id -> granted) in one transaction; only answers
    that differ from the person's own latest answer make a new row. Returns rows written."""
    day = day or timezone.localdate()
    year = school_year_of(day)
    channels = {
        c.pk: c
        for c in Channel.objects.filter(
            foundation_id=pupil.school.foundation_id, is_active=True, pk__in=answers.keys()
        )
    }
    if set(answers) - set(channels):
        raise ValidationError(_("Onbekend kanaal in het formulier."))
    own = ConsentDecision.objects.filter(pupil=pupil, school_year=year, decided_by=actor)
    latest: dict[int, bool] = {}
    for channel_id, granted in own.order_by("decided_at", "pk").values_list(
        "channel_id", "granted"
    ):
        latest[channel_id] = granted
    written = 0
    with transaction.atomic():
        for channel_id, granted in answers.items():
            if latest.get(channel_id) is granted:
                continue
            consent_decide(
                actor=actor, pupil=pupil, channel=channels[channel_id], granted=granted, day=day
            )
            written += 1
    return written


@dataclass(frozen=True)
class ConsentStatus:
    """What counts for one pupil × channel × school year."""

    granted: bool
    answered: bool
    waiting_for_other_parent: bool = False
    decided_at: object = None

    @property
    def label(self):
        if self.granted:
            return _("toestemming")
        if self.waiting_for_other_parent:
            return _("wacht op andere ouder")
        if self.answered:
            return _("geen toestemming")
        return _("geen antwoord")


def resolve_status(
    decisions: Iterable[ConsentDecision],
    *,
    authority_guardian_ids: set[int],
    require_both: bool,
    pupil_decides: bool,
) -> ConsentStatus:
    """The answer that counts, from the decisions of one pupil × channel × school year.

    ``decisions`` may come in any order. A pure function, so that lists can compute it for
    hundreds of pupils from three queries.
    """
    ordered = sorted(decisions, key=lambda d: (d.decided_at, d.pk))
    if pupil_decides:
        own = [d for d in ordered if d.by_pupil]
        if not own:
            return ConsentStatus(granted=False, answered=False)
        return ConsentStatus(granted=own[-1].granted, answered=True, decided_at=own[-1].decided_at)
    latest_by_parent: dict[int, ConsentDecision] = {}
    for decision in ordered:
        if not decision.by_pupil and decision.guardian_id in authority_guardian_ids:
            latest_by_parent[decision.guardian_id] = decision
    if not latest_by_parent:
        return ConsentStatus(granted=False, answered=False)
    newest = max(latest_by_parent.values(), key=lambda d: (d.decided_at, d.pk))
    if require_both and len(authority_guardian_ids) > 1:
        all_answered = set(latest_by_parent) >= authority_guardian_ids
        all_granted = all_answered and all(d.granted for d in latest_by_parent.values())
        any_refused = any(not d.granted for d in latest_by_parent.values())
        return ConsentStatus(
            granted=all_granted,
            answered=True,
            waiting_for_other_parent=not all_answered and not any_refused,
            decided_at=newest.decided_at,
        )
    return ConsentStatus(granted=newest.granted, answered=True, decided_at=newest.decided_at)


def statuses_for(
    pupils, channels, *, day: date | None = None
) -> dict[tuple[int, int], ConsentStatus]:
    """Statuses for every (pupil id, channel id) of these pupils this school year, in three
    queries whatever the number of pupils."""
    from students.models import GuardianLink

    day = day or timezone.localdate()
    year = school_year_of(day)
    pupils = list(pupils)
    pupil_ids = [p.pk for p in pupils]
    authority: dict[int, set[int]] = {pid: set() for pid in pupil_ids}
    for pupil_id, guardian_id in GuardianLink.objects.filter(
        pupil_id__in=pupil_ids, has_parental_authority=True
    ).values_list("pupil_id", "guardian_id"):
        authority[pupil_id].add(guardian_id)
    both_schools = set(
        SchoolConsentSetting.objects.filter(
            school_id__in={p.school_id for p in pupils}, require_both_parents=True
        ).values_list("school_id", flat=True)
    )
    grouped: dict[tuple[int, int], list] = {}
    for decision in ConsentDecision.objects.filter(pupil_id__in=pupil_ids, school_year=year).only(
        "pk", "pupil_id", "channel_id", "granted", "guardian_id", "by_pupil", "decided_at"
    ):
        grouped.setdefault((decision.pupil_id, decision.channel_id), []).append(decision)
    result = {}
    for pupil in pupils:
        decides = pupil_decides_self(pupil, day)
        for channel in channels:
            result[(pupil.pk, channel.pk)] = resolve_status(
                grouped.get((pupil.pk, channel.pk), []),
                authority_guardian_ids=authority[pupil.pk],
                require_both=pupil.school_id in both_schools,
                pupil_decides=decides,
            )
    return result


def may_publish(*, pupils, channel: Channel, day: date | None = None) -> tuple[bool, list]:
    """ "May I publish this?": yes only when every pupil on the picture has consent for this
    channel now. Returns (allowed, pupils without consent)."""
    statuses = statuses_for(pupils, [channel], day=day)
    blocked = [p for p in pupils if not statuses[(p.pk, channel.pk)].granted]
    return (not blocked, blocked)


# --- Mailings: the request to review, and the yearly reminder (R8) ---------------------------


def _guardian_address(guardian) -> str:
    return guardian.email or (guardian.user.email if guardian.user_id else "")


def _send_notice_once(*, kind, guardian, pupil, school_year: int, template: str, context) -> bool:
    """Send one notice unless it was sent before. Returns whether a mail went out now.

    Exactly-once as far as the database can promise: the row is claimed under a lock and marked
    sent in the same transaction as the (synchronous) send. A crash before the commit rolls the
    mark back, so a rerun sends again; a finished send is never repeated. Each notice has its
    own transaction, so a crash half-way keeps the notices already sent.
    """
    address = _guardian_address(guardian)
    if not address:
        return False
    with transaction.atomic():
        lookup = {"kind": kind, "guardian": guardian, "school_year": school_year}
        if kind == ParentNotice.Kind.REQUEST:
            lookup["pupil"] = pupil
        notice, _created = ParentNotice.objects.get_or_create(**lookup)
        notice = ParentNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.sent_at:
            return False
        send_templated_mail(template, context(), [address])
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return True


def _parent_links(pupil_ids=None):
    from students.models import GuardianLink

    links = GuardianLink.objects.filter(
        has_parental_authority=True, pupil__deregistered_on__isnull=True
    ).select_related("guardian__user", "pupil__school")
    if pupil_ids is not None:
        links = links.filter(pupil_id__in=pupil_ids)
    return links.order_by("guardian_id", "pupil_id")


def consent_reminders_send(*, school_year: int | None = None, run=None) -> int:
    """R8: once per school year, tell every parent with authority of an enrolled pupil that
    consent can be withdrawn at any time. Safe to run twice or after a crash."""
    school_year = school_year or current_school_year()
    already = set(
        ParentNotice.objects.filter(
            kind=ParentNotice.Kind.REMINDER, school_year=school_year, sent_at__isnull=False
        ).values_list("guardian_id", flat=True)
    )
    children: dict[int, list] = {}
    guardians = {}
    for link in _parent_links():
        if link.guardian_id in already:
            continue
        guardians[link.guardian_id] = link.guardian
        children.setdefault(link.guardian_id, []).append(link.pupil)
    sent = 0
    for guardian_id, guardian in guardians.items():
        pupils = children[guardian_id]

        def context(guardian=guardian, pupils=pupils):
            return {
                "guardian": guardian,
                "pupils": pupils,
                "school_year": school_year_label(school_year),
                "portal_path": reverse("portal:consent_index"),
            }

        if _send_notice_once(
            kind=ParentNotice.Kind.REMINDER,
            guardian=guardian,
            pupil=None,
            school_year=school_year,
            template="consent/email/reminder",
            context=context,
        ):
            sent += 1
            if run:
                run.count("sent")
    return sent


def consent_requests_send(
    *, school_year: int | None = None, pupil_ids: Iterable[int] | None = None, run=None
) -> int:
    """Ask parents to review consent for this school year (at the start of each school year,
    and at enrolment for one pupil): an e-mail with a link to the portal. Until they answer,
    every channel counts as refused. Each parent × pupil × year is asked once."""
    school_year = school_year or current_school_year()
    sent = 0
    for link in _parent_links(list(pupil_ids) if pupil_ids is not None else None):
        if pupil_decides_self(link.pupil):
            continue  # the pupil decides; parents are not asked

        def context(link=link):
            return {
                "guardian": link.guardian,
                "pupil": link.pupil,
                "school_year": school_year_label(school_year),
                "portal_path": reverse("portal:consent_detail", args=[link.pupil_id]),
            }

        if _send_notice_once(
            kind=ParentNotice.Kind.REQUEST,
            guardian=link.guardian,
            pupil=link.pupil,
            school_year=school_year,
            template="consent/email/request",
            context=context,
        ):
            sent += 1
            if run:
                run.count("sent")
    return sent


def consent_request_at_enrolment(*, pupil_id: int) -> None:
    """Called when a pupil is enrolled: ask the parents after the enrolment commits."""
    from consent import tasks

    transaction.on_commit(lambda: tasks.ask_parents_of_pupil.delay(pupil_id))
