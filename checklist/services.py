"""Every change of the checklist app: templates, rounds, answers, closing, action items.

The round workflow: open → closed. Only an open round takes answers and threshold changes;
closing freezes the system's evidence and turns shortcomings into action items. Action items
follow open → in behandeling → afgerond (and may be reopened) after the round is closed.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Foundation, School, User, school_year_label, school_year_of
from accounts.roles import SchoolRole
from checklist import selectors
from checklist.models import (
    ActionItem,
    Answer,
    ChecklistItem,
    ChecklistRound,
    ChecklistTemplate,
    EvidenceRecord,
    Participant,
    Verdict,
)
from privacy_portal.mail import send_templated_mail_on_commit

ACTION_DUE_DAYS = 90
REMINDER_INTERVAL = timedelta(days=7)
ANSWER_VERDICTS = (Verdict.OK, Verdict.NOT_OK)


# --- Templates -------------------------------------------------------------------------------


@transaction.atomic
def template_publish(
    *, actor: User, foundation: Foundation, items: list[dict], note: str = ""
) -> ChecklistTemplate:
    """Make a new version of the foundation's checklist from ``items``.

    Each item is a dict with ``section``, ``text``, ``paragraphs`` and optionally ``key`` (kept
    from the previous version so that evidence and trends still match) and ``retired`` (left out).
    Earlier versions, and the rounds that use them, stay as they were.
    """
    if not access.has_foundation_role(actor, *selectors.TEMPLATE_EDITORS) or not (
        selectors.viewer_foundations(actor).filter(pk=foundation.pk).exists()
    ):
        raise PermissionDenied
    kept = [i for i in items if not i.get("retired")]
    if not kept:
        raise ValidationError(_("Een checklist heeft minstens één vraag."))
    keys: set[str] = set()
    rows = []
    for index, item in enumerate(kept):
        text = (item.get("text") or "").strip()
        section = (item.get("section") or "").strip()
        if not text or not section:
            raise ValidationError(_("Elke vraag heeft een onderdeel en een stelling."))
        key = (item.get("key") or "").strip() or slugify(text)[:50] or f"vraag-{index + 1}"
        base, suffix = key, 2
        while key in keys:
            key = f"{base[:55]}-{suffix}"
            suffix += 1
        keys.add(key)
        rows.append(
            {
                "key": key,
                "section": section[:100],
                "text": text[:1000],
                "paragraphs": (item.get("paragraphs") or "").strip()[:60],
                "order": (index + 1) * 10,
            }
        )
    previous = selectors.current_template(foundation)
    latest = ChecklistTemplate.objects.aggregate(latest=Max("version"))["latest"] or 0
    template = ChecklistTemplate.objects.create(
        foundation=foundation,
        version=max(latest, previous.version) + 1,
        note=note.strip()[:300],
        created_by=actor,
    )
    ChecklistItem.objects.bulk_create(ChecklistItem(template=template, **row) for row in rows)
    return template


# --- Rounds ----------------------------------------------------------------------------------


def _staff_of(school: School):
    return access.users_with_school_role(school, *selectors.ALL_SCHOOL_ROLES)


def _round_url(checklist_round: ChecklistRound) -> str:
    return reverse("checklist:round_detail", args=[checklist_round.pk])


def _mail_each(template_base: str, checklist_round: ChecklistRound, emails: list[str]) -> None:
    """One message per person, so that nobody sees the colleagues' addresses."""
    context = {
        "school_name": checklist_round.school.name,
        "school_year": checklist_round.school_year_label,
        "round_path": _round_url(checklist_round),
    }
    for email in emails:
        send_templated_mail_on_commit(template_base, context, [email])


@transaction.atomic
def round_open(
    *,
    actor: User | None,
    school: School,
    school_year: int | None = None,
    not_ok_share: int = 25,
) -> ChecklistRound:
    """Open the checklist round of ``school`` for ``school_year`` and ask every staff member.

    ``actor`` is the directie of the school, or None for the yearly job.
    """
    if actor is not None and not access.has_school_role(actor, school, SchoolRole.DIRECTIE):
        raise PermissionDenied
    today = timezone.localdate()
    school_year = school_year if school_year is not None else school_year_of(today)
    if school_year not in (school_year_of(today), school_year_of(today) + 1):
        raise ValidationError(
            _("Een ronde kan alleen voor het huidige of het volgende schooljaar worden geopend.")
        )
    if not 1 <= int(not_ok_share) <= 100:
        raise ValidationError(_("De drempel is een percentage van 1 tot en met 100."))
    if ChecklistRound.objects.filter(school=school, school_year=school_year).exists():
        raise ValidationError(
            _("Voor %(school)s is er al een ronde in schooljaar %(year)s.")
            % {"school": school.name, "year": school_year_label(school_year)}
        )
    try:
        with transaction.atomic():
            checklist_round = ChecklistRound.objects.create(
                school=school,
                school_year=school_year,
                template=selectors.current_template(school.foundation),
                not_ok_share=not_ok_share,
                opened_by=actor,
            )
    except IntegrityError as exc:  # opened at the same moment by someone else
        raise ValidationError(_("Voor deze school is deze ronde al geopend.")) from exc
    staff = list(_staff_of(school))
    Participant.objects.bulk_create(Participant(round=checklist_round, user=u) for u in staff)
    _mail_each("checklist/email/round_opened", checklist_round, [u.email for u in staff])
    return checklist_round


def _check_open(checklist_round: ChecklistRound) -> None:
    if not checklist_round.is_open:
        raise ValidationError(_("Deze ronde is gesloten en kan niet meer worden gewijzigd."))


@transaction.atomic
def round_answer(
    *, actor: User, checklist_round: ChecklistRound, answers: dict[int, tuple[str, str]]
) -> int:
    """Record the actor's answers ``{item_id: (verdict, remark)}``; earlier ones are replaced."""
    checklist_round = ChecklistRound.objects.select_for_update().get(pk=checklist_round.pk)
    if not selectors.can_answer(actor, checklist_round):
        raise PermissionDenied
    _check_open(checklist_round)
    item_ids = set(checklist_round.template.items.values_list("pk", flat=True))
    if not answers:
        raise ValidationError(_("Geef bij minstens één vraag een antwoord."))
    for item_id, (verdict, remark) in answers.items():
        if item_id not in item_ids:
            raise ValidationError(_("Deze vraag hoort niet bij deze ronde."))
        if verdict not in ANSWER_VERDICTS:
            raise ValidationError(_("Kies 'OK' of 'Niet OK'."))
        if len(remark or "") > 1000:
            raise ValidationError(_("Een opmerking is hoogstens 1000 tekens lang."))
    now = timezone.now()
    existing = {a.item_id: a for a in Answer.objects.filter(round=checklist_round, user=actor)}
    for item_id, (verdict, remark) in answers.items():
        answer = existing.get(item_id)
        if answer is None:
            Answer.objects.create(
                round=checklist_round,
                item_id=item_id,
                user=actor,
                verdict=verdict,
                remark=(remark or "").strip(),
                answered_at=now,
            )
        elif answer.verdict != verdict or answer.remark != (remark or "").strip():
            answer.verdict = verdict
            answer.remark = (remark or "").strip()
            answer.answered_at = now
            answer.save()
    participant, _created = Participant.objects.get_or_create(round=checklist_round, user=actor)
    answered = Answer.objects.filter(round=checklist_round, user=actor).count()
    participant.completed_at = now if answered >= len(item_ids) else None
    participant.save(update_fields=["completed_at"])
    return len(answers)


@transaction.atomic
def round_set_threshold(*, actor: User, checklist_round: ChecklistRound, not_ok_share) -> None:
    """The directie sets the share of 'niet OK' answers that makes an item an action."""
    checklist_round = ChecklistRound.objects.select_for_update().get(pk=checklist_round.pk)
    if not selectors.can_manage(actor, checklist_round):
        raise PermissionDenied
    _check_open(checklist_round)
    try:
        share = int(not_ok_share)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("De drempel is een percentage van 1 tot en met 100.")) from exc
    if not 1 <= share <= 100:
        raise ValidationError(_("De drempel is een percentage van 1 tot en met 100."))
    checklist_round.not_ok_share = share
    checklist_round.save(update_fields=["not_ok_share"])


def _default_owner(checklist_round: ChecklistRound, actor: User | None) -> User | None:
    if actor is not None and access.has_school_role(
        actor, checklist_round.school, SchoolRole.DIRECTIE
    ):
        return actor
    return access.users_with_school_role(checklist_round.school, SchoolRole.DIRECTIE).first()


def _derive_actions(checklist_round: ChecklistRound, actor: User | None, results) -> int:
    created = 0
    owner = _default_owner(checklist_round, actor)
    due = timezone.localdate() + timedelta(days=ACTION_DUE_DAYS)
    for result in results.items:
        if not result.needs_action or result.action is not None:
            continue
        if result.answers_not_ok and result.evidence_not_ok:
            reason = ActionItem.Reason.BOTH
        elif result.evidence_not_ok:
            reason = ActionItem.Reason.EVIDENCE
        else:
            reason = ActionItem.Reason.ANSWERS
        ActionItem.objects.create(
            round=checklist_round, item=result.item, reason=reason, owner=owner, due_date=due
        )
        created += 1
    return created


@transaction.atomic
def round_derive_actions(*, actor: User, checklist_round: ChecklistRound) -> int:
    """Turn every item over the threshold, or contradicted by evidence, into an action item."""
    checklist_round = ChecklistRound.objects.select_for_update().get(pk=checklist_round.pk)
    if not selectors.can_manage(actor, checklist_round):
        raise PermissionDenied
    _check_open(checklist_round)
    results = selectors.round_results(checklist_round)
    return _derive_actions(checklist_round, actor, results)


@transaction.atomic
def round_close(*, actor: User, checklist_round: ChecklistRound) -> ChecklistRound:
    """Close the round: freeze the evidence, make the action items; nothing changes after."""
    checklist_round = ChecklistRound.objects.select_for_update().get(pk=checklist_round.pk)
    if not selectors.can_manage(actor, checklist_round):
        raise PermissionDenied
    _check_open(checklist_round)
    results = selectors.round_results(checklist_round)
    EvidenceRecord.objects.bulk_create(
        EvidenceRecord(
            round=checklist_round,
            item=r.item,
            verdict=r.evidence.verdict,
            summary=str(r.evidence.summary)[:500],
            url=(r.evidence.url or "")[:300],
        )
        for r in results.items
        if r.evidence is not None
    )
    _derive_actions(checklist_round, actor, results)
    checklist_round.status = ChecklistRound.Status.CLOSED
    checklist_round.closed_at = timezone.now()
    checklist_round.closed_by = actor
    checklist_round.save(update_fields=["status", "closed_at", "closed_by"])
    return checklist_round


# --- Action items ----------------------------------------------------------------------------


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: ActionItem,
    status: str,
    due_date: date,
    note: str = "",
    owner: User | None = None,
) -> ActionItem:
    """The owner or the directie updates an action; only the directie hands it to someone else."""
    action = ActionItem.objects.select_for_update().select_related("round").get(pk=action.pk)
    if not selectors.can_edit_action(actor, action):
        raise PermissionDenied
    if status not in ActionItem.Status.values:
        raise ValidationError(_("Onbekende status."))
    if due_date is None:
        raise ValidationError(_("Geef een datum waarop de actie af moet zijn."))
    if owner is not None and owner.pk != action.owner_id:
        if not access.has_school_role(actor, action.round.school, SchoolRole.DIRECTIE):
            raise PermissionDenied
        if not _staff_of(action.round.school).filter(pk=owner.pk).exists():
            raise ValidationError(_("De eigenaar werkt niet (meer) op deze school."))
        action.owner = owner
    if status == ActionItem.Status.DONE and action.status != ActionItem.Status.DONE:
        action.completed_at = timezone.now()
    elif status != ActionItem.Status.DONE:
        action.completed_at = None
    action.status = status
    action.due_date = due_date
    action.note = (note or "").strip()[:2000]
    action.save()
    return action


# --- Jobs ------------------------------------------------------------------------------------


def rounds_open_for_school_year(*, day: date | None = None, run=None) -> int:
    """Open the round of the school year that contains ``day`` for every school that has none.

    Idempotent: a school that has its round (opened by the directie or an earlier run) is skipped.
    """
    day = day or timezone.localdate()
    school_year = school_year_of(day)
    opened = 0
    for school in School.objects.exclude(checklist_rounds__school_year=school_year).select_related(
        "foundation"
    ):
        try:
            round_open(actor=None, school=school, school_year=school_year)
        except ValidationError:
            continue
        opened += 1
        if run is not None:
            run.log(f"opened round for school {school.pk}")
    return opened


def round_send_reminders(*, now=None, run=None) -> int:
    """Remind everyone asked who has not answered every item; at most once per week each."""
    now = now or timezone.now()
    cutoff = now - REMINDER_INTERVAL
    sent = 0
    rounds = ChecklistRound.objects.filter(status=ChecklistRound.Status.OPEN).select_related(
        "school"
    )
    for checklist_round in rounds:
        with transaction.atomic():
            due = (
                Participant.objects.select_for_update()
                .filter(round=checklist_round, completed_at__isnull=True, user__is_active=True)
                .filter(invited_at__lte=cutoff)
                .exclude(last_reminded_at__gt=cutoff)
                .select_related("user")
            )
            participants = list(due)
            for participant in participants:
                participant.last_reminded_at = now
                participant.reminders_sent += 1
                participant.save(update_fields=["last_reminded_at", "reminders_sent"])
            _mail_each(
                "checklist/email/reminder", checklist_round, [p.user.email for p in participants]
            )
            sent += len(participants)
            if run is not None and participants:
                run.log(f"round {checklist_round.pk}: {len(participants)} reminders")
    return sent
