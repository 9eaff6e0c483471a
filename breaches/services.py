"""Every change to a data breach: reporting, assessment, notifications, measures, the letter to
the people involved, closing, and the 72-hour clock job.

The workflow (DESIGN.md): reported → assessed → notified | recorded_only → closed. Allowed
transitions are in ``TRANSITIONS`` and checked by ``_move``; nothing else sets ``status``.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import FoundationRoleKind
from breaches.models import (
    AP_DEADLINE,
    AffectedGroup,
    ApNotification,
    Breach,
    BreachKind,
    BreachReminder,
    BreachStatus,
    Encryption,
    FollowUpMeasure,
    LetterRecipient,
    Risk,
    SpecialCategory,
    SubjectLetter,
)
from privacy_portal.mail import send_templated_mail_on_commit
from students.registry import category_choices

S = BreachStatus
TRANSITIONS: dict[str, set[str]] = {
    S.REPORTED: {S.ASSESSED},
    S.ASSESSED: {S.ASSESSED, S.NOTIFIED, S.RECORDED_ONLY},
    S.RECORDED_ONLY: {S.NOTIFIED, S.CLOSED},
    S.NOTIFIED: {S.NOTIFIED, S.CLOSED},
    S.CLOSED: set(),
}

PLACEHOLDER = re.compile(r"\[[^\]\n]{3,}\]")  # "[vul aan]" in the generated draft
MAX_TEXT = 5000  # characters in a free-text field of the report
MAX_PEOPLE = 10_000_000


def _move(breach: Breach, target: str) -> None:
    if target not in TRANSITIONS[breach.status]:
        raise ValidationError(
            _("Een datalek met status “%(from)s” kan niet naar “%(to)s”.")
            % {"from": S(breach.status).label, "to": S(target).label}
        )
    breach.status = target


def _lock(breach: Breach) -> Breach:
    """Reload the breach under a row lock so that two FG actions cannot interleave."""
    return Breach.objects.select_for_update().get(pk=breach.pk)


def _emails(users) -> list[str]:
    return [user.email for user in users]


def _breach_url(breach: Breach) -> str:
    return reverse("breaches:detail", args=[breach.pk])


def _check_text(errors: dict, field: str, value: str, *, required: bool, label: str) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("Vul %(label)s in.") % {"label": label}
    elif len(value) > MAX_TEXT:
        errors[field] = _(
            "%(label)s is te lang (%(length)s tekens); houd het bij maximaal %(max)s tekens."
        ) % {"label": capfirst(label), "length": len(value), "max": MAX_TEXT}
    return value


def _fg_contact(foundation) -> dict:
    """The FG registered for the foundation as the AP's contact person (the governance app
    answers the ``fg_contact`` hook); empty when none is registered."""
    from privacy_portal.hooks import collect

    for contact in collect("fg_contact", foundation):
        return {
            "contact_name": contact["name"][:200],
            "contact_role": "FG",
            "contact_email": contact["email"],
            "contact_phone": contact["phone"][:30],
        }
    return {}


# --- Reporting -------------------------------------------------------------------------------


def breach_report(
    *,
    actor,
    description: str,
    discovered_at: datetime,
    kind: str,
    schools,
    people_count: int,
    encrypted: str,
    occurred_at: datetime | None = None,
    data_categories=(),
    special_categories=(),
    affected_groups=(),
    processor_name: str = "",
    measures_taken: str = "",
) -> Breach:
    """A staff member reports a security incident. The FG is e-mailed once the report is saved."""
    now = timezone.now()
    errors: dict[str, str] = {}
    if not access.is_staff_person(actor):
        raise ValidationError(_("Alleen medewerkers kunnen een datalek melden."))
    description = _check_text(
        errors, "description", description, required=True, label=_("wat er is gebeurd")
    )
    measures_taken = _check_text(
        errors, "measures_taken", measures_taken, required=False, label=_("de maatregelen")
    )
    if discovered_at is None:
        errors["discovered_at"] = _("Vul in wanneer het lek is ontdekt.")
    elif discovered_at > now:
        errors["discovered_at"] = _("Het moment van ontdekken kan niet in de toekomst liggen.")
    if occurred_at is not None:
        if occurred_at > now:
            errors["occurred_at"] = _("Het moment van het lek kan niet in de toekomst liggen.")
        elif discovered_at is not None and occurred_at > discovered_at:
            errors["occurred_at"] = _("Het lek kan niet later gebeurd zijn dan het is ontdekt.")
    if kind not in BreachKind.values:
        errors["kind"] = _("Kies wat voor soort lek het is.")
    if encrypted not in Encryption.values:
        errors["encrypted"] = _("Geef aan of de gegevens versleuteld of onleesbaar waren.")
    if people_count is None or people_count < 0:
        errors["people_count"] = _("Het aantal betrokkenen kan niet negatief zijn.")
    elif people_count > MAX_PEOPLE:
        errors["people_count"] = _("Dit aantal betrokkenen is onwaarschijnlijk groot.")
    schools = list(schools)
    allowed_schools = set(access.visible_schools(actor).values_list("pk", flat=True))
    if not schools:
        errors["schools"] = _("Kies minstens één school.")
    elif any(school.pk not in allowed_schools for school in schools):
        errors["schools"] = _("U kunt alleen een lek melden voor een school waar u werkt.")
    elif len({school.foundation_id for school in schools}) > 1:
        errors["schools"] = _("Meld een lek per stichting.")
    known = {key for key, _label in category_choices()}
    if set(data_categories) - known:
        errors["data_categories"] = _("Onbekende soort gegevens.")
    if set(special_categories) - set(SpecialCategory.values):
        errors["special_categories"] = _("Onbekende bijzondere gegevens.")
    if set(affected_groups) - set(AffectedGroup.values):
        errors["affected_groups"] = _("Onbekende groep betrokkenen.")
    if len(processor_name or "") > 200:
        errors["processor_name"] = _("De naam van de verwerker is te lang (maximaal 200 tekens).")
    if errors:
        raise ValidationError(errors)

    year = timezone.localdate(now).year
    foundation = schools[0].foundation
    for _attempt in range(3):
        try:
            with transaction.atomic():
                number = (
                    Breach.objects.filter(foundation=foundation, year=year).aggregate(
                        m=Max("number")
                    )["m"]
                    or 0
                ) + 1
                breach = Breach.objects.create(
                    foundation=foundation,
                    year=year,
                    number=number,
                    reporter=actor,
                    reported_at=now,
                    description=description,
                    occurred_at=occurred_at,
                    discovered_at=discovered_at,
                    ap_deadline=discovered_at + AP_DEADLINE,
                    kind=kind,
                    data_categories=sorted(set(data_categories)),
                    special_categories=sorted(set(special_categories)),
                    people_count=people_count,
                    people_min=people_count,
                    people_max=people_count,
                    **_fg_contact(foundation),
                    affected_groups=sorted(set(affected_groups)),
                    encrypted=encrypted,
                    processor_name=(processor_name or "").strip(),
                    measures_taken=measures_taken,
                )
                breach.schools.set(schools)
                fgs = access.users_with_foundation_role(foundation, FoundationRoleKind.FG)
                send_templated_mail_on_commit(
                    "breaches/email/reported",
                    {"breach": breach, "url": _breach_url(breach)},
                    _emails(fgs),
                )
                return breach
        except IntegrityError:
            continue  # another report took the same number at the same moment: try the next
    raise ValidationError(_("De melding kon niet worden opgeslagen; probeer het opnieuw."))


# --- Assessment ------------------------------------------------------------------------------


@transaction.atomic
def breach_assess(
    *,
    breach: Breach,
    actor,
    risk: str,
    risk_reasoning: str,
    notify_ap: bool,
    notify_ap_reason: str,
    inform_subjects: bool,
    inform_subjects_reason: str,
) -> Breach:
    """The FG's assessment: risk with reasoning, and the two decisions, each with who and why.

    GDPR art. 33(1): notify the AP unless the breach is unlikely to result in a risk.
    GDPR art. 34: inform the people involved when the risk is high, unless the data was
    encrypted/unreadable or there are other weighty reasons (which must then be written down).
    """
    breach = _lock(breach)
    _move(breach, S.ASSESSED)
    errors: dict[str, str] = {}
    if risk not in Risk.values:
        errors["risk"] = _("Kies het risico voor de betrokkenen.")
    risk_reasoning = _check_text(
        errors, "risk_reasoning", risk_reasoning, required=True, label=_("de onderbouwing")
    )
    notify_ap_reason = _check_text(
        errors, "notify_ap_reason", notify_ap_reason, required=True, label=_("de reden")
    )
    inform_subjects_reason = _check_text(
        errors, "inform_subjects_reason", inform_subjects_reason, required=True, label=_("de reden")
    )
    if risk in (Risk.RISK, Risk.HIGH) and not notify_ap:
        errors["notify_ap"] = _(
            "Bij een risico voor de betrokkenen is melden bij de AP verplicht (AVG art. 33)."
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if breach.notify_ap != notify_ap or not breach.notify_ap_decided_at:
        breach.notify_ap_decided_by, breach.notify_ap_decided_at = actor, now
    if breach.inform_subjects != inform_subjects or not breach.inform_subjects_decided_at:
        breach.inform_subjects_decided_by, breach.inform_subjects_decided_at = actor, now
    breach.risk, breach.risk_reasoning = risk, risk_reasoning
    breach.notify_ap, breach.notify_ap_reason = notify_ap, notify_ap_reason
    breach.inform_subjects, breach.inform_subjects_reason = inform_subjects, inform_subjects_reason
    breach.assessed_by, breach.assessed_at = actor, now
    if notify_ap and not breach.board_informed_at:
        # The board (controller) is told of every notifiable breach.
        breach.board_informed_at = now
        board = access.users_with_foundation_role(breach.foundation, FoundationRoleKind.CVB)
        send_templated_mail_on_commit(
            "breaches/email/board", {"breach": breach, "url": _breach_url(breach)}, _emails(board)
        )
    breach.save()
    return breach


@transaction.atomic
def breach_ap_details_update(
    *,
    breach: Breach,
    actor,
    contact_name: str,
    contact_role: str = "",
    contact_email: str,
    contact_phone: str,
    people_min: int | None,
    people_max: int | None,
    is_ongoing: bool | None,
    ended_at: datetime | None = None,
    cross_border: bool | None,
    cross_border_countries: str = "",
    follow_up_expected: bool | None,
    follow_up_note: str = "",
) -> Breach:
    """The FG completes what the AP's notification form asks beyond the report: the contact
    person with a phone number, the number of people as minimum–maximum, whether the breach
    still goes on (or when it ended), cross-border, and whether a follow-up notification
    will come."""
    breach = _lock(breach)
    if breach.status == S.CLOSED:
        raise ValidationError(_("Een afgesloten datalek kan niet meer worden gewijzigd."))
    errors: dict[str, str] = {}
    contact_name = (contact_name or "").strip()
    contact_phone = (contact_phone or "").strip()
    contact_email = (contact_email or "").strip().lower()
    if not contact_name:
        errors["contact_name"] = _("Vul de naam van de contactpersoon in.")
    if not contact_email:
        errors["contact_email"] = _("Vul het e-mailadres van de contactpersoon in.")
    if not re.fullmatch(r"[0-9 +()\-]{6,30}", contact_phone):
        errors["contact_phone"] = _("Vul een telefoonnummer in (cijfers, spaties, + of -).")
    for field, value in (("people_min", people_min), ("people_max", people_max)):
        if value is None:
            errors[field] = _("Vul een aantal in.")
        elif value < 0 or value > MAX_PEOPLE:
            errors[field] = _("Vul een aantal tussen 0 en 10 miljoen in.")
    if not {"people_min", "people_max"} & errors.keys() and people_max < people_min:
        errors["people_max"] = _("Het maximum is kleiner dan het minimum.")
    now = timezone.now()
    if is_ongoing is None:
        errors["is_ongoing"] = _("Geef aan of het lek nog voortduurt.")
    elif is_ongoing:
        ended_at = None
    elif ended_at is None:
        errors["ended_at"] = _("Vul in wanneer het lek is beëindigd.")
    elif ended_at > now:
        errors["ended_at"] = _("Dit moment ligt in de toekomst.")
    elif breach.occurred_at and ended_at < breach.occurred_at:
        errors["ended_at"] = _("Het lek kan niet zijn beëindigd voordat het begon.")
    cross_border_countries = (cross_border_countries or "").strip()
    if cross_border is None:
        errors["cross_border"] = _("Geef aan of er betrokkenen in andere EU-landen zijn.")
    elif cross_border and not cross_border_countries:
        errors["cross_border_countries"] = _("Noem de landen.")
    elif not cross_border:
        cross_border_countries = ""
    if follow_up_expected is None:
        errors["follow_up_expected"] = _("Geef aan of er een vervolgmelding komt.")
    follow_up_note = _check_text(
        errors, "follow_up_note", follow_up_note, required=False, label=_("de toelichting")
    )
    if errors:
        raise ValidationError(errors)
    breach.contact_name, breach.contact_role = contact_name[:200], (contact_role or "")[:100]
    breach.contact_email, breach.contact_phone = contact_email, contact_phone
    breach.people_min, breach.people_max = people_min, people_max
    breach.is_ongoing, breach.ended_at = is_ongoing, ended_at
    breach.cross_border, breach.cross_border_countries = cross_border, cross_border_countries
    breach.follow_up_expected, breach.follow_up_note = follow_up_expected, follow_up_note
    breach.save()
    return breach


def subjects_must_be_informed(breach: Breach) -> bool:
    """The default advice of GDPR art. 34: high risk and the data was readable."""
    return breach.risk == Risk.HIGH and breach.encrypted != Encryption.YES


# --- Notifications to the AP -----------------------------------------------------------------


@transaction.atomic
def ap_notification_record(
    *,
    breach: Breach,
    actor,
    sent_at: datetime,
    ap_reference: str,
    summary: str,
    late_reason: str = "",
) -> ApNotification:
    """Record a notification sent to the AP: the first one, or a follow-up (phased reporting).

    A first notification after the 72-hour deadline needs the reason for the delay (art. 33(1)).
    """
    breach = _lock(breach)
    if breach.status == S.REPORTED:
        raise ValidationError(_("Beoordeel het datalek eerst, dan kunt u de melding vastleggen."))
    _move(breach, S.NOTIFIED)
    errors: dict[str, str] = {}
    now = timezone.now()
    if sent_at is None:
        errors["sent_at"] = _("Vul in wanneer de melding is verzonden.")
    elif sent_at > now:
        errors["sent_at"] = _("De verzenddatum kan niet in de toekomst liggen.")
    elif sent_at < breach.discovered_at:
        errors["sent_at"] = _("De melding kan niet verzonden zijn vóór het lek werd ontdekt.")
    ap_reference = (ap_reference or "").strip()
    if not ap_reference:
        errors["ap_reference"] = _("Vul het meldnummer in dat de AP heeft gegeven.")
    elif len(ap_reference) > 100:
        errors["ap_reference"] = _("Het meldnummer is te lang (maximaal 100 tekens).")
    summary = _check_text(errors, "summary", summary, required=True, label=_("de samenvatting"))
    late_reason = _check_text(
        errors, "late_reason", late_reason, required=False, label=_("de reden")
    )
    is_first = not breach.ap_notifications.filter(kind=ApNotification.Kind.INITIAL).exists()
    if is_first and sent_at and sent_at > breach.ap_deadline and not late_reason:
        errors["late_reason"] = _(
            "De melding is later dan 72 uur na ontdekking gedaan: vermeld de reden van de "
            "vertraging (AVG art. 33 lid 1)."
        )
    if errors:
        raise ValidationError(errors)
    notification = ApNotification.objects.create(
        breach=breach,
        kind=ApNotification.Kind.INITIAL if is_first else ApNotification.Kind.FOLLOW_UP,
        sent_at=sent_at,
        ap_reference=ap_reference,
        summary=summary,
        late_reason=late_reason,
        recorded_by=actor,
    )
    breach.save(update_fields=["status"])
    return notification


@transaction.atomic
def breach_record_only(*, breach: Breach, actor, reason: str = "") -> Breach:
    """Keep the breach in the register without notifying the AP (for now)."""
    breach = _lock(breach)
    _move(breach, S.RECORDED_ONLY)
    errors: dict[str, str] = {}
    reason = _check_text(errors, "reason", reason, required=False, label=_("de reden"))
    if errors:
        raise ValidationError(errors)
    if reason:
        breach.not_notified_reason = reason
    breach.save(update_fields=["status", "not_notified_reason"])
    return breach


@transaction.atomic
def breach_close(*, breach: Breach, actor, reason: str = "", note: str = "") -> Breach:
    """Close the breach. A notifiable breach is only closed with an AP notification or with a
    recorded reason why it was not notified."""
    breach = _lock(breach)
    _move(breach, S.CLOSED)
    errors: dict[str, str] = {}
    reason = _check_text(errors, "reason", reason, required=False, label=_("de reden"))
    note = _check_text(errors, "note", note, required=False, label=_("de notitie"))
    notified = breach.ap_notifications.exists()
    if breach.notify_ap and not notified and not (reason or breach.not_notified_reason):
        errors["reason"] = _(
            "Dit datalek moet bij de AP worden gemeld. Leg eerst de melding vast, of schrijf op "
            "waarom het niet is gemeld."
        )
    if errors:
        raise ValidationError(errors)
    if reason:
        breach.not_notified_reason = reason
    breach.closing_note = note
    breach.closed_by, breach.closed_at = actor, timezone.now()
    breach.save()
    return breach


# --- Follow-up measures ----------------------------------------------------------------------


@transaction.atomic
def measure_add(*, breach: Breach, actor, description: str, owner, due_date) -> FollowUpMeasure:
    breach = _lock(breach)
    if breach.status == S.CLOSED:
        raise ValidationError(_("Een afgesloten datalek kan geen nieuwe maatregelen krijgen."))
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Beschrijf de maatregel.")
    elif len(description) > 500:
        errors["description"] = _("Houd de maatregel bij maximaal 500 tekens.")
    if owner is None or not access.is_staff_person(owner):
        errors["owner"] = _("Kies een medewerker als eigenaar.")
    if due_date is None:
        errors["due_date"] = _("Vul een datum in.")
    if errors:
        raise ValidationError(errors)
    return FollowUpMeasure.objects.create(
        breach=breach, description=description, owner=owner, due_date=due_date
    )


@transaction.atomic
def measure_complete(*, measure: FollowUpMeasure, actor) -> FollowUpMeasure:
    if not measure.done_at:
        measure.done_at = timezone.now()
        measure.save(update_fields=["done_at"])
    return measure


# --- The letter to the people involved -------------------------------------------------------


@transaction.atomic
def letter_draft(*, breach: Breach, actor) -> SubjectLetter:
    """Generate the draft letter from the breach, in plain Dutch (once; later edits are kept)."""
    from django.template.loader import render_to_string

    breach = _lock(breach)
    existing = SubjectLetter.objects.filter(breach=breach).first()
    if existing:
        return existing
    if breach.status in (S.REPORTED, S.CLOSED):
        raise ValidationError(_("Een brief kan pas na de beoordeling en vóór het afsluiten."))
    from students.registry import BY_KEY

    context = {
        "breach": breach,
        "schools": list(breach.schools.all()),
        "category_labels": [
            str(BY_KEY[key].label).lower() for key in breach.data_categories if key in BY_KEY
        ],
    }
    subject = " ".join(render_to_string("breaches/letter_subject.txt", context).split())
    body = render_to_string("breaches/letter_body.txt", context).strip() + "\n"
    return SubjectLetter.objects.create(
        breach=breach, subject=subject[:200], body=body, updated_by=actor
    )


@transaction.atomic
def letter_update(*, letter: SubjectLetter, actor, subject: str, body: str) -> SubjectLetter:
    letter = SubjectLetter.objects.select_for_update().get(pk=letter.pk)
    if letter.sent_at:
        raise ValidationError(_("Deze brief is al verzonden en kan niet meer worden gewijzigd."))
    errors: dict[str, str] = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = _("Vul een onderwerp in.")
    elif len(subject) > 200:
        errors["subject"] = _("Het onderwerp is te lang (maximaal 200 tekens).")
    body = _check_text(errors, "body", body, required=True, label=_("de tekst"))
    if errors:
        raise ValidationError(errors)
    letter.subject, letter.body = subject, body
    letter.updated_by, letter.updated_at = actor, timezone.now()
    letter.save()
    return letter


@transaction.atomic
def letter_send(*, letter: SubjectLetter, actor, recipients: list[tuple[str, str]]) -> int:
    """Send the letter to each recipient (name, e-mail) after commit; record each one.

    Addresses that already received it are skipped, so sending again reaches only new people.
    """
    letter = SubjectLetter.objects.select_for_update().get(pk=letter.pk)
    if letter.breach.status == S.CLOSED:
        raise ValidationError(_("Het datalek is afgesloten."))
    if PLACEHOLDER.search(letter.subject) or PLACEHOLDER.search(letter.body):
        raise ValidationError(
            _("De brief bevat nog open plekken tussen [ en ]. Vul die eerst in en sla op.")
        )
    already = set(letter.recipients.values_list("email", flat=True))
    new = [(name, email.lower()) for name, email in recipients if email.lower() not in already]
    if not new:
        raise ValidationError(_("Kies ten minste één ontvanger die de brief nog niet heeft."))
    now = timezone.now()
    LetterRecipient.objects.bulk_create(
        [LetterRecipient(letter=letter, name=name, email=email, sent_at=now) for name, email in new]
    )
    letter.sent_at = letter.sent_at or now
    letter.save(update_fields=["sent_at"])
    for _name, email in new:
        send_templated_mail_on_commit("breaches/email/letter", {"letter": letter}, [email])
    return len(new)


# --- The clock -------------------------------------------------------------------------------

R = BreachReminder.Kind
# (kind, fires when at most this many hours are left), most urgent first.
REMINDER_THRESHOLDS = [(R.OVERDUE, 0), (R.HOURS_8, 8), (R.HOURS_24, 24)]


# Who hears the clock, in this order (a person with two of these roles gets one mail): the FG
# acts, the CvB is the controller that answers for a late notification, and the directie of
# each school involved must know that its breach is running out of time.
ESCALATION_ROLES = ["fg", "cvb", "directie"]


def _escalation_recipients(breach: Breach) -> dict[str, list[str]]:
    """Addresses per role for a clock mail, each person once, on the day it is sent."""
    from accounts.roles import SchoolRole

    people = {
        "fg": list(access.users_with_foundation_role(breach.foundation, FoundationRoleKind.FG)),
        "cvb": list(access.users_with_foundation_role(breach.foundation, FoundationRoleKind.CVB)),
        "directie": [
            user
            for school in breach.schools.all()
            for user in access.users_with_school_role(school, SchoolRole.DIRECTIE)
        ],
    }
    seen: set[int] = set()
    recipients: dict[str, list[str]] = {}
    for role in ESCALATION_ROLES:
        addresses = []
        for user in sorted(people[role], key=lambda u: u.pk):
            if user.pk not in seen and user.email:
                seen.add(user.pk)
                addresses.append(user.email)
        recipients[role] = addresses
    return recipients


def breach_send_clock_reminders(*, now: datetime | None = None, run=None) -> int:
    """Send the 24-hour and 8-hour reminders and the overdue alert to the FG, the CvB and the
    directie of the schools involved, each once.

    Idempotent: a reminder is a row (unique per breach and kind) that records which roles were
    mailed; running twice, or not at all for a while, changes nothing twice. When a run finds
    more than one threshold passed, only the most urgent is mailed and the passed ones are
    recorded as such. Returns the number of reminders mailed (one per breach and kind).
    """
    now = now or timezone.now()
    sent = 0
    candidates = Breach.objects.clock_running().filter(ap_deadline__lte=now + AP_DEADLINE / 3)
    for breach_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            breach = (
                Breach.objects.select_for_update()
                .clock_running()
                .filter(pk=breach_id)
                .select_related("foundation")
                .first()
            )
            if breach is None:
                continue
            hours_left = breach.hours_left(now)
            done = set(breach.reminders.values_list("kind", flat=True))
            due = [kind for kind, limit in REMINDER_THRESHOLDS if hours_left <= limit]
            new = [kind for kind in due if kind not in done]
            if not new:
                continue
            most_urgent = new[0]
            recipients = _escalation_recipients(breach)
            mailed_roles = [role for role in ESCALATION_ROLES if recipients[role]]
            BreachReminder.objects.bulk_create(
                [
                    BreachReminder(
                        breach=breach,
                        kind=kind,
                        sent_at=now,
                        mailed=kind == most_urgent,
                        sent_to=mailed_roles if kind == most_urgent else [],
                    )
                    for kind in new
                ]
            )
            context = {
                "breach": breach,
                "url": _breach_url(breach),
                "overdue": most_urgent == R.OVERDUE,
                "hours_left": max(int(hours_left), 0),
                "schools": ", ".join(school.name for school in breach.schools.all()),
            }
            for role in mailed_roles:
                send_templated_mail_on_commit(
                    "breaches/email/reminder", {**context, "audience": role}, recipients[role]
                )
            sent += 1
            if run is not None:
                run.count(str(most_urgent))
                run.log(f"breach {breach.pk}: {most_urgent} to {','.join(mailed_roles)}")
    return sent
