"""Parents' rights (R5): requests with the 4-week clock, their handling by the school, the
inspection export, and invitations to the portal.

Every change goes through a function here; each checks who acts, runs in one transaction, and
sends mail only after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from portal import selectors
from portal.models import CorrectionItem, DeadlineNotice, Invitation, ParentRequest, RequestMessage
from privacy_portal.audit import record_access
from privacy_portal.mail import send_templated_mail_on_commit
from students import registry
from students.models import Guardian, Pupil

RESPONSE_TIME = timedelta(weeks=4)
# GDPR art. 12(3): the period may be extended by two further months where necessary.
MAX_EXTENSION = timedelta(days=61)
MAX_DESCRIPTION = 5000


def request_deadline(received_at: datetime) -> datetime:
    """R5: the school acts within four weeks of receipt."""
    return received_at + RESPONSE_TIME


def days_left(request: ParentRequest, now: datetime | None = None) -> int:
    """Whole days until the deadline; negative when overdue."""
    now = now or timezone.now()
    return (timezone.localdate(request.deadline) - timezone.localdate(now)).days


def _next_reference(now: datetime) -> str:
    prefix = f"VZ-{now:%Y}-"
    last = (
        ParentRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _handlers(request: ParentRequest) -> list[str]:
    school = request.pupil.school
    handlers = access.users_with_school_role(school, "directie", "administratie")
    emails = list(handlers.values_list("email", flat=True))
    if request.kind == ParentRequest.Kind.QUESTION:
        emails += list(
            access.users_with_foundation_role(school.foundation, "fg").values_list(
                "email", flat=True
            )
        )
    return emails


def _fg_emails(request: ParentRequest) -> list[str]:
    foundation = request.pupil.school.foundation
    return list(access.users_with_foundation_role(foundation, "fg").values_list("email", flat=True))


def correctable_fields() -> dict[str, tuple[str, str]]:
    """Pupil fields a parent may propose a correction for: field -> (category key, label).

    Only categories parents see directly; care and medical notes go through inspection first.
    """
    from students.models import Pupil

    result = {}
    for category in selectors.parent_direct_categories():
        for name in category.model_fields("Pupil"):
            field = Pupil._meta.get_field(name)
            if field.is_relation or not field.editable:
                continue
            result[name] = (category.key, str(field.verbose_name))
    return result


@transaction.atomic
def parent_request_create(
    *,
    actor: User,
    pupil: Pupil,
    kind: str,
    description: str = "",
    corrections: dict[str, str] | None = None,
) -> ParentRequest:
    """A parent with parental authority files a request about their child."""
    if not access.is_parent_with_authority(actor, pupil):
        raise PermissionDenied
    if kind not in ParentRequest.Kind.values:
        raise ValidationError({"kind": _("Kies een soort verzoek.")})
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            {
                "description": _("De toelichting is te lang (maximaal %(max)s tekens).")
                % {"max": MAX_DESCRIPTION}
            }
        )
    corrections = {
        k: (v or "").strip() for k, v in (corrections or {}).items() if (v or "").strip()
    }
    allowed = correctable_fields()
    if kind == ParentRequest.Kind.CORRECTION:
        if not corrections:
            raise ValidationError(_("Vul bij minstens één gegeven de juiste waarde in."))
        unknown = set(corrections) - set(allowed)
        if unknown:
            raise ValidationError(_("Voor deze gegevens kunt u geen correctie voorstellen."))
    elif kind != ParentRequest.Kind.INSPECTION and not description:
        raise ValidationError({"description": _("Beschrijf uw verzoek.")})
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                request = ParentRequest.objects.create(
                    reference=_next_reference(now),
                    kind=kind,
                    pupil=pupil,
                    requester=actor,
                    description=description,
                    received_at=now,
                    deadline=request_deadline(now),
                )
            break
        except IntegrityError:
            continue
    else:
        raise ValidationError(_("Het verzoek kon niet worden opgeslagen. Probeer het opnieuw."))
    for name, new_value in corrections.items():
        category_key, label = allowed[name]
        CorrectionItem.objects.create(
            request=request,
            category_key=category_key,
            field_name=name,
            field_label=label,
            old_value=str(getattr(pupil, name) or ""),
            new_value=new_value,
        )
    send_templated_mail_on_commit(
        "portal/email/request_received_school", {"request": request}, _handlers(request)
    )
    send_templated_mail_on_commit(
        "portal/email/request_received_parent", {"request": request}, [actor.email]
    )
    return request


def _require_handler(actor, request: ParentRequest) -> None:
    if not selectors.may_handle(actor, request):
        raise PermissionDenied(_("U mag dit verzoek niet behandelen."))


def _require_open(request: ParentRequest) -> None:
    if not request.is_open:
        raise ValidationError(_("Dit verzoek is al afgehandeld."))


def _lock_open(request: ParentRequest) -> None:
    """Lock the request's row for the rest of the transaction, reload it, and check that it is
    still open. Two staff acting at once take turns here: the second sees the first one's
    decision and gets a clear message instead of a second decision (and a second mail)."""
    request.refresh_from_db(from_queryset=ParentRequest.objects.select_for_update())
    _require_open(request)


@transaction.atomic
def request_message_add(*, actor: User, request: ParentRequest, body: str) -> RequestMessage:
    """A message in the request's thread, from the parent or from a handler."""
    from_school = selectors.may_handle(actor, request) or selectors.is_fg_for(actor, request)
    if not from_school and request.requester_id != actor.pk:
        raise PermissionDenied
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Het bericht is leeg.")})
    if len(body) > MAX_DESCRIPTION:
        raise ValidationError({"body": _("Het bericht is te lang.")})
    message = RequestMessage.objects.create(
        request=request, author=actor, from_school=from_school, body=body
    )
    recipients = [request.requester.email] if from_school else _handlers(request)
    send_templated_mail_on_commit(
        "portal/email/request_message", {"request": request, "message": message}, recipients
    )
    return message


@transaction.atomic
def request_start(*, actor: User, request: ParentRequest) -> ParentRequest:
    _require_handler(actor, request)
    _lock_open(request)
    request.status = ParentRequest.Status.IN_PROGRESS
    request.handled_by = actor
    request.save(update_fields=["status", "handled_by"])
    return request


@transaction.atomic
def request_extend(
    *, actor: User, request: ParentRequest, new_deadline: datetime, reason: str
) -> ParentRequest:
    """A reasoned extension; the parent is told the new date and the reason."""
    _require_handler(actor, request)
    _lock_open(request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Geef de reden van de verlenging; de ouder krijgt die te lezen.")}
        )
    if new_deadline <= request.deadline:
        raise ValidationError(
            {"new_deadline": _("De nieuwe datum moet na de huidige uiterste datum liggen.")}
        )
    if new_deadline > request_deadline(request.received_at) + MAX_EXTENSION:
        raise ValidationError(
            {
                "new_deadline": _(
                    "De termijn mag met hoogstens twee maanden worden verlengd (AVG art. 12 lid 3)."
                )
            }
        )
    request.deadline = new_deadline
    request.extension_reason = reason
    request.status = ParentRequest.Status.IN_PROGRESS
    request.handled_by = request.handled_by or actor
    request.save(update_fields=["deadline", "extension_reason", "status", "handled_by"])
    RequestMessage.objects.create(
        request=request,
        author=actor,
        from_school=True,
        body=_("De termijn is verlengd tot %(date)s. Reden: %(reason)s")
        % {"date": timezone.localtime(new_deadline).strftime("%d-%m-%Y"), "reason": reason},
    )
    send_templated_mail_on_commit(
        "portal/email/request_extended", {"request": request}, [request.requester.email]
    )
    return request


def _close(request: ParentRequest, *, actor, status: str, decision: str) -> ParentRequest:
    request.status = status
    request.decision = decision
    request.closed_at = timezone.now()
    request.handled_by = request.handled_by or actor
    request.save(update_fields=["status", "decision", "closed_at", "handled_by"])
    send_templated_mail_on_commit(
        "portal/email/request_closed", {"request": request}, [request.requester.email]
    )
    return request


@transaction.atomic
def correction_decide(
    *, actor: User, item: CorrectionItem, accept: bool, reason: str = ""
) -> CorrectionItem:
    """Accept (write through the pupil service, so the audit log records it) or refuse one field."""
    request = item.request
    _require_handler(actor, request)
    # The request's row first, then the item's: every decision on a request takes the locks in
    # this order, so two staff deciding at once take turns instead of deadlocking.
    _lock_open(request)
    item.refresh_from_db(from_queryset=CorrectionItem.objects.select_for_update())
    if item.decision != CorrectionItem.Decision.OPEN:
        raise ValidationError(_("Over dit gegeven is al besloten."))
    if accept:
        from auditlog.context import set_actor

        from students.services import pupil_update

        try:
            with set_actor(actor):
                pupil_update(
                    actor=actor,
                    pupil=request.pupil,
                    category_key=item.category_key,
                    data={item.field_name: item.new_value},
                )
        except ValidationError as exc:
            messages = exc.messages if hasattr(exc, "messages") else [str(exc)]
            raise ValidationError(
                _("De voorgestelde waarde is niet geldig: %(errors)s")
                % {"errors": " ".join(messages)}
            ) from exc
        item.decision = CorrectionItem.Decision.ACCEPTED
    else:
        if not (reason or "").strip():
            raise ValidationError(
                {"reason": _("Geef aan waarom de correctie niet wordt overgenomen.")}
            )
        item.decision = CorrectionItem.Decision.REFUSED
        item.refusal_reason = reason.strip()
    item.save(update_fields=["decision", "refusal_reason"])
    if request.status == ParentRequest.Status.RECEIVED:
        request.status = ParentRequest.Status.IN_PROGRESS
        request.handled_by = actor
        request.save(update_fields=["status", "handled_by"])
    if not request.corrections.filter(decision=CorrectionItem.Decision.OPEN).exists():
        accepted = request.corrections.filter(decision=CorrectionItem.Decision.ACCEPTED).count()
        total = request.corrections.count()
        _close(
            request,
            actor=actor,
            status=ParentRequest.Status.DONE,
            decision=_("%(accepted)s van %(total)s correcties overgenomen.")
            % {"accepted": accepted, "total": total},
        )
    return item


@transaction.atomic
def request_decide(
    *, actor: User, request: ParentRequest, granted: bool, decision: str
) -> ParentRequest:
    """Close an erasure, objection or question with a decision in plain Dutch.

    A refusal must give the legal reason (for an erasure, e.g. the retention duty of R13).
    """
    _require_handler(actor, request)
    _lock_open(request)
    if request.kind in (ParentRequest.Kind.CORRECTION, ParentRequest.Kind.INSPECTION):
        raise ValidationError(_("Dit soort verzoek wordt via de eigen stappen afgehandeld."))
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError(
            {
                "decision": _(
                    "Schrijf het besluit en de motivering op; de ouder krijgt die te lezen."
                )
            }
        )
    status = ParentRequest.Status.DONE if granted else ParentRequest.Status.REFUSED
    return _close(request, actor=actor, status=status, decision=decision)


@transaction.atomic
def inspection_prepare(*, actor: User, request: ParentRequest) -> ParentRequest:
    """Build the complete export of everything about the child, for staff to review."""
    _require_handler(actor, request)
    _lock_open(request)
    if request.kind != ParentRequest.Kind.INSPECTION:
        raise ValidationError(_("Alleen een inzageverzoek levert een export op."))
    if not access.has_school_role(actor, request.pupil.school, "directie"):
        raise PermissionDenied(_("Alleen de directie stelt een inzage-export samen."))
    request.export_json = selectors.inspection_export(request.pupil)
    request.status = ParentRequest.Status.IN_PROGRESS
    request.handled_by = actor
    request.save(update_fields=["export_json", "status", "handled_by"])
    record_access(
        actor=actor, instance=request.pupil, what="export:inzage", request=request.reference
    )
    return request


@transaction.atomic
def inspection_release(*, actor: User, request: ParentRequest) -> ParentRequest:
    """After review, release the export to the parent; until then nothing reaches them."""
    _require_handler(actor, request)
    _lock_open(request)
    if not request.export_json:
        raise ValidationError(_("Stel eerst de export samen en controleer die."))
    if not access.has_school_role(actor, request.pupil.school, "directie"):
        raise PermissionDenied(_("Alleen de directie geeft een inzage-export vrij."))
    request.released_at = timezone.now()
    request.released_by = actor
    request.save(update_fields=["released_at", "released_by"])
    return _close(
        request,
        actor=actor,
        status=ParentRequest.Status.DONE,
        decision=_("De inzage-export is vrijgegeven en staat voor u klaar in het portaal."),
    )


def deadline_watch(*, now: datetime | None = None) -> dict[str, int]:
    """Warn handlers a week before the deadline and escalate to the FG on the day.

    Each notice is recorded per (request, kind, deadline), so a rerun sends nothing twice and an
    extended deadline gets its own notices.
    """
    now = now or timezone.now()
    counts = {"week_before": 0, "escalated": 0}
    open_requests = ParentRequest.objects.filter(
        status__in=[ParentRequest.Status.RECEIVED, ParentRequest.Status.IN_PROGRESS],
        deadline__lte=now + timedelta(days=7),
    ).select_related("pupil__school__foundation", "requester")
    for request in open_requests.iterator():
        if timezone.localdate(request.deadline) <= timezone.localdate(now):
            kind, template, recipients = (
                DeadlineNotice.Kind.ESCALATED,
                "portal/email/deadline_escalated",
                _fg_emails(request) + _handlers(request),
            )
        else:
            kind, template, recipients = (
                DeadlineNotice.Kind.WEEK_BEFORE,
                "portal/email/deadline_week_before",
                _handlers(request),
            )
        with transaction.atomic():
            _notice, created = DeadlineNotice.objects.get_or_create(
                request=request, kind=kind, deadline=request.deadline
            )
            if created:
                send_templated_mail_on_commit(template, {"request": request}, recipients)
                counts[kind] += 1
    return counts


# --- Invitations -----------------------------------------------------------------------------


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("portal:invitation_accept", args=[uid, token])


@transaction.atomic
def guardian_invite(*, actor: User, guardian: Guardian) -> Invitation:
    """The school invites a parent to the portal; the e-mail link sets a password."""
    pupils = Pupil.objects.filter(guardian_links__guardian=guardian)
    if not any(
        access.has_school_role(actor, pupil.school, "directie", "administratie") for pupil in pupils
    ):
        raise PermissionDenied
    if not guardian.email:
        raise ValidationError(_("Van deze ouder is geen e-mailadres bekend."))
    if not guardian.links.filter(has_parental_authority=True).exists():
        raise ValidationError(
            _("Deze ouder heeft geen ouderlijk gezag en krijgt geen toegang tot het portaal.")
        )
    user = guardian.user
    if user is None:
        user = User.objects.filter(email__iexact=guardian.email).first()
        if user is None:
            user = User(
                email=guardian.email.lower(),
                first_name=guardian.first_name,
                last_name=guardian.last_name,
            )
            user.set_unusable_password()
            user.save()
        guardian.user = user
        guardian.save(update_fields=["user"])
    invitation = Invitation.objects.create(guardian=guardian, invited_by=actor)
    send_templated_mail_on_commit(
        "portal/email/invitation",
        {"guardian": guardian, "link": invitation_link(user)},
        [guardian.email],
    )
    return invitation


def invitation_accepted(*, user: User) -> None:
    Invitation.objects.filter(guardian__user=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )


def correction_for_display(item: CorrectionItem) -> dict:
    category = registry.BY_KEY.get(item.category_key)
    return {"item": item, "category": category}
