"""The rules of media consent (R8, protocol §7) and every write of the consent app.

Rules, in short:
- consent is per pupil × channel × school year; no answer means **refused** (no consent = no use);
- a later answer replaces an earlier one by the same person at once (a withdrawal is a refusal);
- consent for one channel never implies another;
- an answer counts only for the text it was given on and later *editorial* versions: a
  *widening* version (new use, audience or medium) makes earlier answers stop counting, the
  parents are asked again, and until they answer the pupil shows "opnieuw gevraagd" (no);
- where the school requires both parents with authority to agree, the stricter answer counts
  (refused) until every parent with authority has granted;
- a pupil of 16 or older decides alone (R4); parents' answers then no longer count;
- a new school year asks again: answers of last year do not carry over;
- a channel the school's directie switched off for the school is not asked and not shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import access
from accounts.models import Foundation, School, school_year_label, school_year_of
from consent.models import (
    Channel,
    ChannelText,
    ConsentDecision,
    ConsentRound,
    ParentNotice,
    SchoolConsentSetting,
)
from privacy_portal import jobs
from privacy_portal.mail import send_templated_mail_on_commit

logger = logging.getLogger(__name__)

SELF_DECISION_AGE = 16
DEFAULT_REMINDER_AFTER_DAYS = 14
# The registry's category for photos and video: its purposes, legal basis (consent) and
# retention are what the consent screens show as "why and on what basis".
MEDIA_CATEGORY_KEY = "beeldmateriaal"


def media_category():
    from students import registry

    return registry.get_category(MEDIA_CATEGORY_KEY)


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
            ChannelText.objects.create(
                channel=channel, version=1, text=str(text), scope=ChannelText.Scope.INITIAL
            )
            channels.append(channel)
        return channels


def may_manage_channels(user, foundation: Foundation) -> bool:
    """The FG and the functional administrator of the foundation add, retire and order the
    foundation-wide channels and write their texts (the same for every school)."""
    from accounts.roles import FoundationRoleKind

    return access.foundations_for(user).filter(pk=foundation.pk).exists() and (
        access.has_foundation_role(user, FoundationRoleKind.BEHEERDER, FoundationRoleKind.FG)
    )


def channel_schools_for(user):
    """The schools whose own channels ``user`` manages: where they are directie."""
    from accounts.roles import SchoolRole

    return access.schools_with_role(user, SchoolRole.DIRECTIE)


def may_manage_channel(user, channel: Channel) -> bool:
    """A foundation-wide channel: the FG or administrator. A school's own channel: also the
    directie of that school (and nobody of another school)."""
    if may_manage_channels(user, channel.foundation):
        return True
    return channel.school_id is not None and (
        channel_schools_for(user).filter(pk=channel.school_id).exists()
    )


def _require_channel_manager(actor, foundation):
    if not may_manage_channels(actor, foundation):
        raise PermissionDenied


def _require_manager_of(actor, channel):
    if not may_manage_channel(actor, channel):
        raise PermissionDenied


def channel_text_update(
    *, actor, channel: Channel, text: str, scope: str, reason: str = ""
) -> ChannelText:
    """A changed consent text becomes a new version; earlier decisions keep pointing at theirs.

    ``scope`` is the editor's judgement: ``editorial`` keeps earlier answers, ``widening``
    makes them stop counting and asks the parents again (after commit).
    """
    _require_manager_of(actor, channel)
    text = (text or "").strip()
    reason = (reason or "").strip()[:300]
    if not text:
        raise ValidationError({"text": _("Vul de tekst in die ouders te zien krijgen.")})
    if scope not in (ChannelText.Scope.EDITORIAL, ChannelText.Scope.WIDENING):
        raise ValidationError(
            {"scope": _("Kies of de wijziging redactioneel is of het gebruik verruimt.")}
        )
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        latest = channel.texts.order_by("-version").first()
        if latest and latest.text == text and scope == ChannelText.Scope.EDITORIAL:
            return latest
        new = ChannelText.objects.create(
            channel=channel,
            version=(latest.version + 1) if latest else 1,
            text=text,
            scope=scope,
            reason=reason,
            created_by=actor,
        )
        if scope == ChannelText.Scope.WIDENING:
            from consent import tasks

            # A broker that is down must not fail the saved text (privacy_portal.jobs.enqueue).
            jobs.enqueue_on_commit(tasks.ask_again_after_widening, new.pk)
        return new


def channel_create(
    *, actor, foundation: Foundation, name: str, text: str, school: School | None = None
) -> Channel:
    """A new channel, with version 1 of its text, placed last. No pupil has consent for it
    until a parent answers; the next request and reminder include it. With ``school`` it is
    that school's own channel (its directie adds it), asked and shown only there."""
    from django.utils.text import slugify

    name = (name or "").strip()
    text = (text or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Geef het kanaal een naam.")
    if not text:
        errors["text"] = _("Vul de tekst in die ouders te zien krijgen.")
    if errors:
        raise ValidationError(errors)
    if school is None:
        _require_channel_manager(actor, foundation)
    elif school.foundation_id != foundation.pk or not (
        may_manage_channels(actor, foundation)
        or channel_schools_for(actor).filter(pk=school.pk).exists()
    ):
        raise PermissionDenied
    with transaction.atomic():
        Foundation.objects.select_for_update().get(pk=foundation.pk)
        existing = Channel.objects.filter(foundation=foundation)
        # A name must be clear where parents read it: unique among the channels of the school
        # (its own and the foundation's), and a foundation-wide name unique everywhere.
        clash = (
            existing
            if school is None
            else existing.filter(Q(school__isnull=True) | Q(school=school))
        )
        if clash.filter(name__iexact=name).exists():
            raise ValidationError({"name": _("Er is al een kanaal met deze naam.")})
        base = slugify(name)[:40] or "kanaal"
        key, n = base, 2
        while existing.filter(key=key).exists():
            key, n = f"{base}-{n}", n + 1
        last = existing.aggregate(m=Max("order"))["m"] or 0
        channel = Channel.objects.create(
            foundation=foundation, school=school, key=key, name=name[:100], order=last + 10
        )
        ChannelText.objects.create(
            channel=channel,
            version=1,
            text=text,
            scope=ChannelText.Scope.INITIAL,
            created_by=actor,
        )
        return channel


def channel_set_active(*, actor, channel: Channel, active: bool) -> Channel:
    """Retire a channel (no longer asked, shown or counted; its history stays) or take it
    back into use."""
    _require_manager_of(actor, channel)
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.is_active != bool(active):
            channel.is_active = bool(active)
            channel.save(update_fields=["is_active"])
        return channel


def channel_move(*, actor, channel: Channel, up: bool) -> None:
    """Swap a channel with its neighbour in the order parents and lists show them. A school's
    own channel moves among that school's own channels only (a directie never reorders the
    foundation's channels of other schools)."""
    _require_manager_of(actor, channel)
    with transaction.atomic():
        channels = list(
            Channel.objects.select_for_update()
            .filter(foundation_id=channel.foundation_id, school_id=channel.school_id)
            .order_by("order", "name", "pk")
        )
        index = next(i for i, c in enumerate(channels) if c.pk == channel.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(channels):
            return
        slots = sorted(item.order for item in channels)
        if len(set(slots)) < len(slots):  # equal numbers: spread them out first
            base = slots[0]
            slots = [base + 10 * i for i in range(len(slots))]
        channels[index], channels[other] = channels[other], channels[index]
        for slot, item in zip(slots, channels, strict=True):
            if item.order != slot:
                item.order = slot
                item.save(update_fields=["order"])


def school_channels_update(*, actor, school: School, channel_ids: Iterable[int]) -> None:
    """The directie says which of the foundation's channels the school uses; the others are
    not asked, shown or counted at this school."""
    from accounts.roles import SchoolRole

    if not access.has_school_role(actor, school, SchoolRole.DIRECTIE):
        raise PermissionDenied
    used = {int(pk) for pk in channel_ids}
    with transaction.atomic():
        channels = list(
            Channel.objects.select_for_update()
            .filter(foundation_id=school.foundation_id, is_active=True)
            .filter(Q(school__isnull=True) | Q(school=school))
        )
        if used - {c.pk for c in channels}:
            raise ValidationError(_("Onbekend kanaal gekozen."))
        for channel in channels:
            if channel.pk in used:
                channel.not_at_schools.remove(school)
            else:
                channel.not_at_schools.add(school)


def channel_applies(channel: Channel, school_id: int) -> bool:
    return (
        channel.is_active
        and channel.school_id in (None, school_id)
        and not channel.not_at_schools.filter(pk=school_id).exists()
    )


def current_text(channel: Channel) -> ChannelText:
    text = channel.texts.order_by("-version").first()
    if text is None:
        raise ValidationError(_("Voor dit kanaal is nog geen toestemmingstekst vastgesteld."))
    return text


def counting_from_versions(channel_ids: Iterable[int]) -> dict[int, int]:
    """Per channel: the oldest text version whose answers still count (the newest first or
    widening version). Answers on an older version stopped counting when the text widened."""
    return dict(
        ChannelText.objects.filter(
            channel_id__in=list(channel_ids),
            scope__in=[ChannelText.Scope.INITIAL, ChannelText.Scope.WIDENING],
        )
        .values("channel_id")
        .annotate(v=Max("version"))
        .values_list("channel_id", "v")
    )


# --- The two-parent rule ---------------------------------------------------------------------


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


@dataclass(frozen=True)
class RuleConsequence:
    """What switching the two-parent rule would change today at one school."""

    pupils: int
    channels: int

    @property
    def message(self) -> str:
        pupils = ngettext(
            "%(count)d leerling verliest",
            "%(count)d leerlingen verliezen",
            self.pupils,
        ) % {"count": self.pupils}
        channels = ngettext(
            "toestemming voor %(count)d kanaal",
            "toestemming voor %(count)d kanalen",
            self.channels,
        ) % {"count": self.channels}
        return f"{pupils} {channels}"


def two_parent_rule_consequence(*, school: School, require_both: bool, day=None):
    """Switching the rule on can only take consent away: count the enrolled pupils that would
    lose consent for at least one channel, and the channels concerned."""
    from consent.selectors import active_channels
    from students.models import Pupil

    pupils = list(Pupil.objects.enrolled().filter(school=school))
    channels = active_channels(school.foundation_id, school_id=school.pk)
    now = statuses_for(pupils, channels, day=day)
    then = statuses_for(pupils, channels, day=day, require_both=require_both)
    losing = {key for key, status in now.items() if status.granted and not then[key].granted}
    return RuleConsequence(
        pupils=len({pupil_id for pupil_id, _c in losing}),
        channels=len({channel_id for _p, channel_id in losing}),
    )


# --- Decisions -------------------------------------------------------------------------------


def _check_channel(channel: Channel, pupil) -> None:
    if channel.foundation_id != pupil.school.foundation_id or not channel_applies(
        channel, pupil.school_id
    ):
        raise ValidationError(_("Dit kanaal hoort niet bij de school van deze leerling."))


def _record(*, pupil, channel, granted, guardian, by_pupil, decided_by, source, day):
    return ConsentDecision.objects.create(
        pupil=pupil,
        channel=channel,
        school_year=school_year_of(day),
        granted=bool(granted),
        text=current_text(channel),
        guardian=guardian,
        by_pupil=by_pupil,
        decided_by=decided_by,
        decided_at=timezone.now(),
        source=source,
    )


def consent_decide(
    *, actor, pupil, channel: Channel, granted: bool, day: date | None = None
) -> ConsentDecision:
    """Record one answer of a parent with authority (pupil under 16) or of the pupil (16+) for
    this school year. Takes effect at once: the status is derived from the latest answers."""
    day = day or timezone.localdate()
    _check_channel(channel, pupil)
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
        return _record(
            pupil=pupil,
            channel=channel,
            granted=granted,
            guardian=guardian,
            by_pupil=by_pupil,
            decided_by=actor,
            source=ConsentDecision.Source.ONLINE,
            day=day,
        )


def guardian_has_authority(guardian, pupil) -> bool:
    return pupil.guardian_links.filter(guardian=guardian, has_parental_authority=True).exists()


def may_record_paper_answers(user, pupil) -> bool:
    """The administration and the directie enter answers given on paper (the enrolment form)."""
    from accounts.roles import SchoolRole

    return access.has_school_role(
        user, pupil.school_id, SchoolRole.ADMINISTRATIE, SchoolRole.DIRECTIE
    )


def consent_record_paper_answers(
    *, actor, pupil, answers: dict[tuple[int | None, int], bool], day: date | None = None
) -> int:
    """Record the answers of one paper form in one transaction: ``answers`` maps
    (guardian id, channel id) to granted; guardian id ``None`` is the pupil of 16+ themself.
    Every row names the parent it came from and the staff member who entered it. Either all
    answers are valid and recorded, or none is. Returns the number of rows written."""
    from students.models import Guardian

    day = day or timezone.localdate()
    if not may_record_paper_answers(actor, pupil):
        raise PermissionDenied
    if pupil.deregistered_on:
        raise ValidationError(_("Deze leerling is uitgeschreven."))
    if not answers:
        raise ValidationError(_("Vul ten minste één antwoord in."))
    decides_self = pupil_decides_self(pupil, day)
    guardian_ids = {gid for gid, _cid in answers if gid is not None}
    guardians = {
        g.pk: g
        for g in Guardian.objects.filter(
            pk__in=guardian_ids, links__pupil=pupil, links__has_parental_authority=True
        )
    }
    if decides_self and guardian_ids:
        raise ValidationError(
            _("Deze leerling is 16 jaar of ouder en beslist zelf; ouders beslissen niet meer.")
        )
    if not decides_self and None in {gid for gid, _cid in answers}:
        raise ValidationError(_("Kies de ouder met gezag van wie het antwoord komt."))
    if guardian_ids - set(guardians):
        raise ValidationError(_("Deze ouder heeft geen ouderlijk gezag over deze leerling."))
    channels = {
        c.pk: c
        for c in Channel.objects.for_school(pupil.school_id).filter(
            foundation_id=pupil.school.foundation_id,
            is_active=True,
            pk__in={cid for _gid, cid in answers},
        )
    }
    if {cid for _gid, cid in answers} - set(channels):
        raise ValidationError(_("Dit kanaal hoort niet bij de school van deze leerling."))
    with transaction.atomic():
        # The pupil's row first: two paper forms for one pupil at once take turns, and the
        # state they start from (still enrolled) is checked under the lock.
        _lock_pupil(pupil)
        for (guardian_id, channel_id), granted in answers.items():
            _record(
                pupil=pupil,
                channel=channels[channel_id],
                granted=granted,
                guardian=guardians.get(guardian_id),
                by_pupil=guardian_id is None,
                decided_by=actor,
                source=ConsentDecision.Source.PAPER,
                day=day,
            )
    return len(answers)


def consent_record_paper_answer(
    *, actor, pupil, guardian, channel: Channel, granted: bool, day: date | None = None
) -> ConsentDecision:
    """One paper answer of a parent (or a pupil of 16+, ``guardian=None``)."""
    consent_record_paper_answers(
        actor=actor,
        pupil=pupil,
        answers={(guardian.pk if guardian else None, channel.pk): granted},
        day=day,
    )
    return ConsentDecision.objects.filter(pupil=pupil, channel=channel).latest("decided_at", "pk")


def consent_withdraw(*, actor, pupil, channel: Channel, day: date | None = None):
    """Withdrawal is a refusal that counts from this moment."""
    return consent_decide(actor=actor, pupil=pupil, channel=channel, granted=False, day=day)


def own_latest_answers(
    pupil, *, guardian=None, user=None, as_pupil: bool = False, day: date | None = None
):
    """One person's own latest answer per channel this school year that still counts (given
    on the current text or an editorial change of it), to fill in their form: after a widening
    the form asks again instead of showing the old "ja"."""
    year = school_year_of(day or timezone.localdate())
    decisions = ConsentDecision.objects.filter(pupil=pupil, school_year=year)
    if as_pupil:
        decisions = decisions.filter(by_pupil=True)
    elif guardian is not None:
        decisions = decisions.filter(guardian=guardian, by_pupil=False)
    elif user is not None and pupil.user_id == user.pk:
        decisions = decisions.filter(by_pupil=True)
    elif user is not None and hasattr(user, "guardian"):
        decisions = decisions.filter(guardian=user.guardian, by_pupil=False)
    else:
        return {}
    rows = list(
        decisions.order_by("decided_at", "pk").values_list("channel_id", "granted", "text__version")
    )
    valid_from = counting_from_versions({channel_id for channel_id, _g, _v in rows})
    answers: dict[int, bool] = {}
    for channel_id, granted, version in rows:
        if version >= valid_from.get(channel_id, 0):
            answers[channel_id] = granted
    return answers


def _lock_pupil(pupil):
    """Lock the pupil's row for the rest of the transaction and check it is still enrolled."""
    from students.models import Pupil

    locked = Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    if locked is None or locked.deregistered_on:
        raise ValidationError(_("Deze leerling is uitgeschreven."))
    return locked


def _save_answers(*, pupil, answers, own, record, day) -> int:
    channels = {
        c.pk: c
        for c in Channel.objects.for_school(pupil.school_id).filter(
            foundation_id=pupil.school.foundation_id, is_active=True, pk__in=answers.keys()
        )
    }
    if set(answers) - set(channels):
        raise ValidationError(_("Onbekend kanaal in het formulier."))
    written = 0
    with transaction.atomic():
        # Under the pupil's row lock, the person's own answers are read afresh: a form sent
        # twice at once writes its changes once (the second finds nothing changed).
        _lock_pupil(pupil)
        own = own() if callable(own) else own
        for channel_id, granted in answers.items():
            if own.get(channel_id) is granted:
                continue
            record(channels[channel_id], granted)
            written += 1
    return written


def consents_save(*, actor, pupil, answers: dict[int, bool], day: date | None = None) -> int:
    """Save the answers of one form (channel id -> granted) in one transaction; only answers
    that differ from the person's own latest counting answer make a new row. Returns rows
    written."""
    day = day or timezone.localdate()
    return _save_answers(
        pupil=pupil,
        answers=answers,
        own=lambda: own_latest_answers(pupil, user=actor, day=day),
        record=lambda channel, granted: consent_decide(
            actor=actor, pupil=pupil, channel=channel, granted=granted, day=day
        ),
        day=day,
    )


def consents_save_by_link(
    *, guardian, pupil, answers: dict[int, bool], day: date | None = None
) -> int:
    """Save the answers a parent gave through the personal link in a consent mail (no account).
    The parent must hold parental authority over this pupil, and the pupil must be under 16;
    the rows record the parent and the source "via persoonlijke link"."""
    day = day or timezone.localdate()
    if pupil.deregistered_on:
        raise ValidationError(_("Deze leerling is uitgeschreven."))
    if not guardian_has_authority(guardian, pupil):
        raise PermissionDenied(_("Alleen een ouder met ouderlijk gezag kan dit beslissen."))
    if pupil_decides_self(pupil, day):
        raise PermissionDenied(
            _("Deze leerling is 16 jaar of ouder en beslist zelf over toestemming.")
        )

    def record(channel, granted):
        return _record(
            pupil=pupil,
            channel=channel,
            granted=granted,
            guardian=guardian,
            by_pupil=False,
            decided_by=guardian.user if guardian.user_id else None,
            source=ConsentDecision.Source.LINK,
            day=day,
        )

    return _save_answers(
        pupil=pupil,
        answers=answers,
        own=lambda: own_latest_answers(pupil, guardian=guardian, day=day),
        record=record,
        day=day,
    )


def consents_save_by_pupil_link(*, pupil, answers: dict[int, bool], day: date | None = None) -> int:
    """Save the answers a pupil of 16+ gave through the personal link in their own consent
    mail. Only a pupil who decides alone (R4) answers this way; the rows record the pupil as
    the one who decided and the source "via persoonlijke link"."""
    day = day or timezone.localdate()
    if pupil.deregistered_on:
        raise ValidationError(_("Deze leerling is uitgeschreven."))
    if not pupil_decides_self(pupil, day):
        raise PermissionDenied(_("Alleen een ouder met ouderlijk gezag kan dit beslissen."))

    def record(channel, granted):
        return _record(
            pupil=pupil,
            channel=channel,
            granted=granted,
            guardian=None,
            by_pupil=True,
            decided_by=pupil.user if pupil.user_id else None,
            source=ConsentDecision.Source.LINK,
            day=day,
        )

    return _save_answers(
        pupil=pupil,
        answers=answers,
        own=lambda: own_latest_answers(pupil, as_pupil=True, day=day),
        record=record,
        day=day,
    )


@dataclass(frozen=True)
class ConsentStatus:
    """What counts for one pupil × channel × school year."""

    granted: bool
    answered: bool
    waiting_for_other_parent: bool = False
    decided_at: object = None
    # Every answer was given on a text that has since been widened: the parents were asked
    # again and have not answered the new text yet. Counts as no.
    asked_again: bool = False

    @property
    def label(self):
        if self.granted:
            return _("toestemming")
        if self.asked_again:
            return _("opnieuw gevraagd")
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
    counting_from: int = 0,
) -> ConsentStatus:
    """The answer that counts, from the decisions of one pupil × channel × school year.

    ``decisions`` may come in any order and carry ``text_version`` (or ``text``); those on a
    version older than ``counting_from`` were given on a text that has since been widened and
    no longer count. A pure function, so that lists can compute it for hundreds of pupils
    from a few queries.
    """
    ordered = sorted(decisions, key=lambda d: (d.decided_at, d.pk))
    relevant = [
        d
        for d in ordered
        if (
            d.by_pupil
            if pupil_decides
            else (not d.by_pupil and d.guardian_id in authority_guardian_ids)
        )
    ]
    valid = [d for d in relevant if _version_of(d) >= counting_from]
    asked_again = bool(relevant) and len(valid) < len(relevant)
    if pupil_decides:
        if not valid:
            return ConsentStatus(granted=False, answered=False, asked_again=asked_again)
        return ConsentStatus(
            granted=valid[-1].granted, answered=True, decided_at=valid[-1].decided_at
        )
    latest_by_parent: dict[int, ConsentDecision] = {}
    for decision in valid:
        latest_by_parent[decision.guardian_id] = decision
    if not latest_by_parent:
        return ConsentStatus(granted=False, answered=False, asked_again=asked_again)
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


def _version_of(decision) -> int:
    version = getattr(decision, "text_version", None)
    return version if version is not None else decision.text.version


def statuses_for(
    pupils, channels, *, day: date | None = None, require_both: bool | None = None
) -> dict[tuple[int, int], ConsentStatus]:
    """Statuses for every (pupil id, channel id) of these pupils this school year, in four
    queries whatever the number of pupils. ``require_both`` overrides the schools' two-parent
    setting (to show what switching it would do)."""
    from django.db.models import F

    from students.models import GuardianLink

    day = day or timezone.localdate()
    year = school_year_of(day)
    pupils = list(pupils)
    channels = list(channels)
    pupil_ids = [p.pk for p in pupils]
    authority: dict[int, set[int]] = {pid: set() for pid in pupil_ids}
    for pupil_id, guardian_id in GuardianLink.objects.filter(
        pupil_id__in=pupil_ids, has_parental_authority=True
    ).values_list("pupil_id", "guardian_id"):
        authority[pupil_id].add(guardian_id)
    if require_both is None:
        both_schools = set(
            SchoolConsentSetting.objects.filter(
                school_id__in={p.school_id for p in pupils}, require_both_parents=True
            ).values_list("school_id", flat=True)
        )
    else:
        both_schools = {p.school_id for p in pupils} if require_both else set()
    counting_from = counting_from_versions(c.pk for c in channels) if channels else {}
    grouped: dict[tuple[int, int], list] = {}
    for decision in (
        ConsentDecision.objects.filter(pupil_id__in=pupil_ids, school_year=year)
        .annotate(text_version=F("text__version"))
        .only("pk", "pupil_id", "channel_id", "granted", "guardian_id", "by_pupil", "decided_at")
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
                counting_from=counting_from.get(channel.pk, 0),
            )
    return result


def may_publish(*, pupils, channel: Channel, day: date | None = None) -> tuple[bool, list]:
    """ "May I publish this?": yes only when every pupil on the picture has consent for this
    channel now. Returns (allowed, pupils without consent)."""
    statuses = statuses_for(pupils, [channel], day=day)
    blocked = [p for p in pupils if not statuses[(p.pk, channel.pk)].granted]
    return (not blocked, blocked)


# --- The yearly round ------------------------------------------------------------------------


def default_round_start(school_year: int) -> date:
    """The first school day after the summer holiday, for every region: the Monday on or
    after 1 September of ``school_year``. (The summer holidays of the three Dutch regions end
    between mid-August and the first days of September; 1 August, the formal start of the
    school year, is in the middle of the holiday.)"""
    first = date(school_year, 9, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


@dataclass(frozen=True)
class RoundPlan:
    school_year: int
    starts_on: date
    reminder_after_days: int
    configured: bool

    @property
    def reminder_on(self) -> date:
        return self.starts_on + timedelta(days=self.reminder_after_days)


def round_plan(foundation_id: int, school_year: int) -> RoundPlan:
    """When this foundation's round of this school year starts and when the reminder follows.
    Without a configured round: the default start, and last configured interval (or 14 days)."""
    # One query: this year's round if configured, else the latest earlier one.
    latest = (
        ConsentRound.objects.filter(foundation_id=foundation_id, school_year__lte=school_year)
        .order_by("-school_year", "pk")
        .first()
    )
    return round_plan_from(latest, school_year)


def round_plan_from(latest, school_year: int) -> RoundPlan:
    """``round_plan`` from the foundation's latest round up to ``school_year`` (a row with
    ``school_year``, ``starts_on`` and ``reminder_after_days``; None: no round configured), for
    callers that read the rounds of several foundations at once."""
    if latest is not None and latest.school_year == school_year:
        return RoundPlan(school_year, latest.starts_on, latest.reminder_after_days, configured=True)
    previous = latest
    return RoundPlan(
        school_year,
        default_round_start(school_year),
        previous.reminder_after_days if previous else DEFAULT_REMINDER_AFTER_DAYS,
        configured=False,
    )


def consent_round_update(
    *, actor, foundation: Foundation, school_year: int, starts_on: date, reminder_after_days: int
) -> ConsentRound:
    """The FG or administrator sets the day this year's requests go out and the interval
    before the reminder."""
    _require_channel_manager(actor, foundation)
    if school_year_of(starts_on) != school_year:
        raise ValidationError(
            {
                "starts_on": _("Kies een datum in schooljaar %(year)s.")
                % {"year": school_year_label(school_year)}
            }
        )
    if not 1 <= int(reminder_after_days) <= 120:
        raise ValidationError({"reminder_after_days": _("Kies een aantal dagen tussen 1 en 120.")})
    with transaction.atomic():
        Foundation.objects.select_for_update().get(pk=foundation.pk)
        round_, _created = ConsentRound.objects.update_or_create(
            foundation=foundation,
            school_year=school_year,
            defaults={"starts_on": starts_on, "reminder_after_days": int(reminder_after_days)},
        )
        return round_


# --- Mailings: the request, the reminder, and asking again after a widening ------------------


def _guardian_address(guardian) -> str:
    return guardian.email or (guardian.user.email if guardian.user_id else "")


def _claim_notice(**lookup):
    """The notice row for these fields, locked; None when it was sent before."""
    notice, _created = ParentNotice.objects.get_or_create(**lookup)
    notice = ParentNotice.objects.select_for_update().get(pk=notice.pk)
    return None if notice.sent_at else notice


def _send_notice(
    *, notice, address: str, template: str, context: dict, guardian=None, pupil=None
) -> None:
    """Queue the mail (after commit) with a personal link for ``guardian`` (a parent) or
    ``pupil`` (a pupil of 16+), and mark the notice sent in the same transaction, so a rerun
    never sends twice."""
    from consent import links

    if guardian is not None or pupil is not None:
        context = {
            **context,
            "personal_path": links.link_create(guardian=guardian, pupil=pupil, notice=notice),
            "link_days": links.LINK_VALID_DAYS,
        }
    send_templated_mail_on_commit(template, context, [address])
    notice.sent_at = timezone.now()
    notice.save(update_fields=["sent_at"])


def _parent_links(pupil_ids=None):
    from students.models import GuardianLink

    links = GuardianLink.objects.filter(
        has_parental_authority=True, pupil__deregistered_on__isnull=True
    ).select_related("guardian__user", "pupil__school")
    if pupil_ids is not None:
        links = links.filter(pupil_id__in=pupil_ids)
    return links.order_by("guardian_id", "pupil_id")


def _choices_of(pupils, day) -> dict[int, list]:
    """Per pupil: [(channel, status)] for the channels of the pupil's school, for mails."""
    from consent.selectors import active_channels

    result = {}
    by_school: dict[int, list] = {}
    for pupil in pupils:
        by_school.setdefault(pupil.school_id, []).append(pupil)
    for school_id, school_pupils in by_school.items():
        channels = active_channels(school_pupils[0].school.foundation_id, school_id=school_id)
        statuses = statuses_for(school_pupils, channels, day=day)
        for pupil in school_pupils:
            result[pupil.pk] = [(c, statuses[(pupil.pk, c.pk)]) for c in channels]
    return result


def _round_started(pupil, year: int, day: date) -> bool:
    return round_plan(pupil.school.foundation_id, year).starts_on <= day


def consent_requests_send(
    *,
    school_year: int | None = None,
    pupil_ids: Iterable[int] | None = None,
    day: date | None = None,
    run=None,
) -> int:
    """Ask for this school year's answers: each parent with authority of an enrolled pupil
    under 16, and each pupil of 16+ with an account, once per school year; with a personal
    link for parents. The yearly round waits for the foundation's start day; at enrolment
    (``pupil_ids``) the parents are asked at once. Until they answer, every channel counts as
    refused."""
    day = day or timezone.localdate()
    school_year = school_year or current_school_year(day)
    pupil_ids = list(pupil_ids) if pupil_ids is not None else None
    started: dict[int, bool] = {}

    def may_ask(pupil) -> bool:
        if pupil_ids is not None:
            return True
        fid = pupil.school.foundation_id
        if fid not in started:
            started[fid] = _round_started(pupil, school_year, day)
        return started[fid]

    sent = 0
    # Only what is still due: not asked yet this year, the round started, an address known.
    # (The daily job then does no work at all outside the first days of a round.)
    asked = set(
        ParentNotice.objects.filter(
            kind=ParentNotice.Kind.REQUEST,
            school_year=school_year,
            guardian__isnull=False,
            sent_at__isnull=False,
        ).values_list("guardian_id", "pupil_id")
    )
    links = [
        link
        for link in _parent_links(pupil_ids)
        if (link.guardian_id, link.pupil_id) not in asked
        and not pupil_decides_self(link.pupil, day)
        and may_ask(link.pupil)
        and _guardian_address(link.guardian)
    ]
    choices = _choices_of({link.pupil for link in links}, day)
    for link in links:
        address = _guardian_address(link.guardian)
        with transaction.atomic():
            notice = _claim_notice(
                kind=ParentNotice.Kind.REQUEST,
                guardian=link.guardian,
                pupil=link.pupil,
                school_year=school_year,
            )
            if notice is None:
                continue
            _send_notice(
                notice=notice,
                address=address,
                template="consent/email/request",
                context={
                    "guardian": link.guardian,
                    "pupil": link.pupil,
                    "choices": choices.get(link.pupil_id, []),
                    "school_year": school_year_label(school_year),
                    "school_name": link.pupil.school.name,
                    "portal_path": reverse("portal:consent_detail", args=[link.pupil_id]),
                    "has_account": bool(link.guardian.user_id),
                },
                guardian=link.guardian,
            )
        sent += 1
        if run:
            run.count("sent")
    sent += _requests_to_pupils_send(
        school_year=school_year, pupil_ids=pupil_ids, day=day, may_ask=may_ask, run=run
    )
    return sent


def _requests_to_pupils_send(*, school_year, pupil_ids, day, may_ask, run) -> int:
    """A pupil of 16+ decides and is asked themself, when they have an account with an
    e-mail address (the school has no other address of the pupil)."""
    from students.models import Pupil

    pupils = Pupil.objects.enrolled().filter(
        user__isnull=False, date_of_birth__lte=_sixteenth_birthday_cutoff(day)
    )
    if pupil_ids is not None:
        pupils = pupils.filter(pk__in=pupil_ids)
    sent = 0
    for pupil in pupils.select_related("user", "school"):
        if not pupil.user.email or not pupil_decides_self(pupil, day) or not may_ask(pupil):
            continue
        sent += _notify_pupil(
            pupil,
            run=run,
            notice={"kind": ParentNotice.Kind.REQUEST, "school_year": school_year},
            template="consent/email/request_pupil",
            context=lambda pupil=pupil: {
                "choices": _choices_of([pupil], day)[pupil.pk],
                "school_year": school_year_label(school_year),
            },
        )
    return sent


def _notify_pupil(pupil, *, run, notice: dict, template: str, context, personal_link=False) -> int:
    """Mail a pupil of 16+ (who decides themself) at their account's address, once: claim the
    notice (``notice``: its kind and the fields that make it unique) and queue the mail in one
    transaction. ``context()`` gives the mail's own fields (only for a mail that is sent);
    ``personal_link`` adds a link that reaches only this pupil. 1 when sent, 0 when it was
    sent before."""
    with transaction.atomic():
        claimed = _claim_notice(guardian=None, pupil=pupil, **notice)
        if claimed is None:
            return 0
        _send_notice(
            notice=claimed,
            address=pupil.user.email,
            template=template,
            context={
                "pupil": pupil,
                "school_name": pupil.school.name,
                "portal_path": reverse("portal:consent_detail", args=[pupil.pk]),
                **context(),
            },
            pupil=pupil if personal_link else None,
        )
    if run:
        run.count("sent")
    return 1


def _sixteenth_birthday_cutoff(day: date) -> date:
    try:
        return day.replace(year=day.year - SELF_DECISION_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - SELF_DECISION_AGE, day=28)


def consent_reminders_send(*, school_year: int | None = None, day=None, run=None) -> int:
    """R8: once per school year, after the request and the foundation's interval, tell every
    parent with authority of an enrolled pupil under 16 their current choices and that they
    can change or withdraw them at any time. Parents whose children are all 16+ get none (the
    pupil decides). A parent asked less than the interval ago (enrolled later) waits. Safe to
    run twice or after a crash."""
    day = day or timezone.localdate()
    school_year = school_year or current_school_year(day)
    already = set(
        ParentNotice.objects.filter(
            kind=ParentNotice.Kind.REMINDER, school_year=school_year, sent_at__isnull=False
        ).values_list("guardian_id", flat=True)
    )
    plans: dict[int, RoundPlan] = {}
    children: dict[int, list] = {}
    guardians = {}
    for link in _parent_links():
        if link.guardian_id in already or pupil_decides_self(link.pupil, day):
            continue
        fid = link.pupil.school.foundation_id
        if fid not in plans:
            plans[fid] = round_plan(fid, school_year)
        if plans[fid].reminder_on > day:
            continue
        guardians[link.guardian_id] = link.guardian
        children.setdefault(link.guardian_id, []).append(link.pupil)
    if not guardians:
        return 0
    interval = {fid: plan.reminder_after_days for fid, plan in plans.items()}
    recent_requests: dict[int, date] = {}
    for guardian_id, sent_at in ParentNotice.objects.filter(
        kind=ParentNotice.Kind.REQUEST,
        school_year=school_year,
        guardian_id__in=list(guardians),
        sent_at__isnull=False,
    ).values_list("guardian_id", "sent_at"):
        sent_on = timezone.localdate(sent_at)
        if sent_on > recent_requests.get(guardian_id, date.min):
            recent_requests[guardian_id] = sent_on
    all_pupils = {p for pupils in children.values() for p in pupils}
    choices = _choices_of(all_pupils, day)
    sent = 0
    for guardian_id, guardian in guardians.items():
        pupils = children[guardian_id]
        wait = max(interval[p.school.foundation_id] for p in pupils)
        last_request = recent_requests.get(guardian_id)
        if last_request and last_request + timedelta(days=wait) > day:
            continue
        address = _guardian_address(guardian)
        if not address:
            continue
        with transaction.atomic():
            notice = _claim_notice(
                kind=ParentNotice.Kind.REMINDER, guardian=guardian, school_year=school_year
            )
            if notice is None:
                continue
            _send_notice(
                notice=notice,
                address=address,
                template="consent/email/reminder",
                context={
                    "guardian": guardian,
                    "children": [{"pupil": p, "choices": choices[p.pk]} for p in pupils],
                    "school_year": school_year_label(school_year),
                    "school_names": sorted({p.school.name for p in pupils}),
                    "portal_path": reverse("portal:consent_index"),
                    "has_account": bool(guardian.user_id),
                },
                guardian=guardian,
            )
        sent += 1
        if run:
            run.count("sent")
    return sent


def consent_ask_again_send(*, text_id: int, day: date | None = None, run=None) -> int:
    """After a widening of a channel's text: ask again everyone whose answer this school year
    on an earlier text of that channel stopped counting, with a personal link: the parents
    (with authority) of an enrolled pupil under 16, and a pupil of 16+ themself (who decides
    alone, R4). Once per person × pupil × text version, so a rerun sends nothing twice."""
    day = day or timezone.localdate()
    text = ChannelText.objects.select_related("channel").get(pk=text_id)
    if text.scope != ChannelText.Scope.WIDENING:
        return 0
    if not text.channel.is_active:
        _mark_asked(text)
        return 0
    year = school_year_of(day)
    pupil_ids = set(
        ConsentDecision.objects.filter(
            channel=text.channel, school_year=year, text__version__lt=text.version
        ).values_list("pupil_id", flat=True)
    )
    sent = 0
    for link in _parent_links(pupil_ids):
        pupil = link.pupil
        if pupil_decides_self(pupil, day) or not channel_applies(text.channel, pupil.school_id):
            continue
        address = _guardian_address(link.guardian)
        if not address:
            continue
        with transaction.atomic():
            notice = _claim_notice(
                kind=ParentNotice.Kind.ASK_AGAIN,
                guardian=link.guardian,
                pupil=pupil,
                text=text,
                school_year=year,
            )
            if notice is None:
                continue
            _send_notice(
                notice=notice,
                address=address,
                template="consent/email/ask_again",
                context={
                    "guardian": link.guardian,
                    "pupil": pupil,
                    "channel": text.channel,
                    "text": text,
                    "school_name": pupil.school.name,
                    "portal_path": reverse("portal:consent_detail", args=[pupil.pk]),
                    "has_account": bool(link.guardian.user_id),
                },
                guardian=link.guardian,
            )
        sent += 1
        if run:
            run.count("sent")
    sent += _ask_again_pupils_send(text=text, pupil_ids=pupil_ids, year=year, day=day, run=run)
    _mark_asked(text)
    return sent


def _mark_asked(text) -> None:
    """The run for this widening finished: the reaper no longer needs to start it."""
    ChannelText.objects.filter(pk=text.pk, asked_at__isnull=True).update(asked_at=timezone.now())


def _ask_again_pupils_send(*, text, pupil_ids, year, day, run) -> int:
    """The pupils of 16+ among ``pupil_ids`` who answered themselves on an earlier text: asked
    again at the address of their account, with a personal link of their own."""
    from students.models import Pupil

    answered_self = set(
        ConsentDecision.objects.filter(
            channel=text.channel,
            school_year=year,
            text__version__lt=text.version,
            by_pupil=True,
            pupil_id__in=pupil_ids,
        ).values_list("pupil_id", flat=True)
    )
    pupils = (
        Pupil.objects.enrolled()
        .filter(pk__in=answered_self, user__isnull=False)
        .select_related("user", "school")
        .order_by("pk")
    )
    sent = 0
    for pupil in pupils:
        if (
            not pupil.user.email
            or not pupil_decides_self(pupil, day)
            or not channel_applies(text.channel, pupil.school_id)
        ):
            continue
        sent += _notify_pupil(
            pupil,
            run=run,
            notice={"kind": ParentNotice.Kind.ASK_AGAIN, "text": text, "school_year": year},
            template="consent/email/ask_again_pupil",
            context=lambda: {"channel": text.channel, "text": text},
            personal_link=True,
        )
    return sent


def consent_request_at_enrolment(*, pupil_id: int) -> None:
    """Called when a pupil is enrolled: ask the parents after the enrolment commits."""
    from consent import tasks

    # A broker that is down must not fail the enrolment (privacy_portal.jobs.enqueue).
    jobs.enqueue_on_commit(tasks.ask_parents_of_pupil, pupil_id)


def guardian_account_invite(*, guardian) -> None:
    """A parent who answered through the personal link asks for an account: the portal's
    invitation goes to the address the school registered (``portal.services``), so only the
    person who received the consent mail can take it up."""
    from portal.services import guardian_invite_from_consent_link

    if guardian.user_id and guardian.user.has_usable_password():
        raise ValidationError(_("U hebt al een account: log in met uw e-mailadres."))
    guardian_invite_from_consent_link(guardian=guardian)


# --- The reaper: follow-up jobs that died or never started -----------------------------------

# A widening older than this whose run did not finish is started again; older ones are left
# alone (a later widening or the next school year has overtaken them).
ASK_AGAIN_REAP_WINDOW = timedelta(days=14)


def consent_jobs_reap(*, now=None) -> list[str]:
    """Restart consent's follow-up jobs that died or were never started, and say so in the
    run records (ids and counts only):

    - a run of a daily job (requests, reminders) still "running" after the lease has no living
      worker: it is marked failed and started again now instead of tomorrow;
    - a widening whose ask-again run never finished (the broker was down when it was saved, or
      the worker died half-way) is started again.

    Nobody is asked twice: each mail is claimed through a ``ParentNotice`` row, and the claim
    and the mail commit together."""
    from django.conf import settings

    from consent import tasks
    from consent.hooks import RESTARTABLE
    from privacy_portal.models import JobRun

    now = now or timezone.now()
    lines = []
    stale_before = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    restart = set()
    with transaction.atomic():
        for run in jobs.locked(
            JobRun.objects.filter(
                job__in=RESTARTABLE, status=JobRun.Status.RUNNING, started_at__lt=stale_before
            )
        ):
            run.status = JobRun.Status.FAILED
            run.finished_at = now
            run.log = (run.log + "\n" if run.log else "") + (
                f"{now:%H:%M:%S} no living worker after the lease: failed by the reaper, "
                "started again"
            )
            run.save(update_fields=["status", "finished_at", "log"])
            restart.add(run.job)
    by_name = {
        "consent.ask_parents_for_school_year": tasks.ask_parents_for_school_year,
        "consent.send_yearly_reminders": tasks.send_yearly_reminders,
    }
    for job in sorted(restart):
        # After the failed mark committed; a broker that is down is retried by the next reap
        # only for widenings, but the daily beat starts these jobs again anyway.
        jobs.enqueue(by_name[job])
        lines.append(f"consent: {job} died, started again")
    waiting = list(
        ChannelText.objects.filter(
            scope=ChannelText.Scope.WIDENING,
            asked_at__isnull=True,
            created_at__lt=now - timedelta(seconds=settings.JOB_REQUEUE_SECONDS),
            created_at__gte=now - ASK_AGAIN_REAP_WINDOW,
        ).values_list("pk", flat=True)
    )
    for text_id in waiting:
        jobs.enqueue(tasks.ask_again_after_widening, text_id)
    if waiting:
        lines.append(f"consent: ask-again after {len(waiting)} widened text(s) started again")
    return lines
