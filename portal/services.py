"""Parents' rights (R5): requests with the 4-week clock, their handling by the school, the
inspection export, and invitations to the portal.

Every change goes through a function here; each checks who acts, runs in one transaction, and
sends mail only after commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import access
from accounts.models import User
from portal import selectors
from portal.models import (
    CorrectionItem,
    DeadlineNotice,
    Invitation,
    ObjectionEffect,
    ParentRequest,
    RequestMessage,
    WithheldItem,
)
from privacy_portal import hooks
from privacy_portal.audit import record_access
from privacy_portal.mail import send_templated_mail_on_commit
from students import registry, rendering
from students.models import EmergencyContact, Guardian, Pupil

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


# Pupil fields a parent can know and so may propose a correction for. Internal fields
# (leerlingnummer, ingeschreven op, SBO) and care or medical notes are not among them.
PARENT_CORRECTABLE = (
    "first_name",
    "last_name",
    "date_of_birth",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "previous_school",
    "allergies",
    "emergency_instructions",
)


def correctable_fields(pupil: Pupil | None = None, viewer: User | None = None) -> dict:
    """Pupil fields a parent may propose a correction for: field -> (category key, label).

    Only fields a parent can know, in categories parents see directly; a field the secret flag
    hides (``registry.may_see``) is left out, so its value never appears on the form.
    """
    direct = {
        name: category.key
        for category in selectors.parent_direct_categories()
        for name in category.model_fields("Pupil")
    }
    result = {}
    for name in PARENT_CORRECTABLE:
        if name not in direct:
            continue
        if pupil is not None and not registry.may_see(
            f"Pupil.{name}", pupil=pupil, reader=registry.Reader.for_parent(viewer)
        ):
            continue
        result[name] = (direct[name], str(Pupil._meta.get_field(name).verbose_name))
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
    allowed = correctable_fields(pupil, actor)
    if kind == ParentRequest.Kind.CORRECTION:
        # A note alone is a valid correction request ("the allergy list is out of date").
        if not corrections and not description:
            raise ValidationError(
                _(
                    "Vul bij minstens één gegeven de juiste waarde in, of beschrijf wat er niet klopt."
                )
            )
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
            # A secret address is not copied into the request (the field policy).
            old_value=""
            if rendering.hidden_by_secret(pupil, name)
            else str(getattr(pupil, name) or ""),
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
        % {"date": date_format(timezone.localtime(new_deadline)), "reason": reason},
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
    # The decision per field with its reason goes into the mail; the values do not (a mail is
    # easily forwarded, and a value may be an address).
    send_templated_mail_on_commit(
        "portal/email/request_closed",
        {"request": request, "corrections": list(request.corrections.all())},
        [request.requester.email],
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
            decision=ngettext(
                "%(accepted)s van %(total)s correctie overgenomen.",
                "%(accepted)s van %(total)s correcties overgenomen.",
                total,
            )
            % {"accepted": accepted, "total": total},
        )
    return item


@transaction.atomic
def request_decide(
    *,
    actor: User,
    request: ParentRequest,
    granted: bool,
    decision: str,
    effect: str = "",
    product_use_id: int | None = None,
) -> ParentRequest:
    """Close an erasure, objection or question with a decision in plain Dutch.

    A refusal must give the legal reason (for an erasure, e.g. the retention duty of R13). A
    granted objection records its effect: which supplier no longer receives the child's data
    (``product_use_id``, one of the child's recipients) and/or what stops (``effect``).
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
    effect = (effect or "").strip()
    if granted and request.kind == ParentRequest.Kind.OBJECTION:
        recipient = None
        if product_use_id:
            recipient = next(
                (
                    r
                    for r in selectors.data_recipients(request.pupil)
                    if r.get("use_id") == product_use_id
                ),
                None,
            )
            if recipient is None:
                raise ValidationError(
                    {"product_use": _("Dit product ontvangt geen gegevens van deze leerling.")}
                )
        if recipient is None and not effect:
            raise ValidationError(
                {
                    "effect": _(
                        "Een toegewezen bezwaar verandert iets: kies het product dat geen gegevens "
                        "meer ontvangt of beschrijf welke verwerking stopt."
                    )
                }
            )
        ObjectionEffect.objects.create(
            request=request,
            product_use_id=product_use_id if recipient else None,
            product_name=f"{recipient['product']} ({recipient['supplier']})" if recipient else "",
            description=effect
            or _("%(product)s ontvangt geen gegevens van uw kind meer.")
            % {"product": recipient["product"]},
            recorded_by=actor,
        )
        if recipient:
            # The agreements app records that the product's data flow for this pupil stops
            # and mails the supplier (apps meet through hooks), in this same transaction.
            hooks.collect(
                "objection_granted",
                actor=actor,
                pupil=request.pupil,
                product_use_id=product_use_id,
                reference=request.reference,
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
    request.export_json = _apply_withheld(
        request, selectors.inspection_export(request.pupil, viewer=request.requester)
    )
    request.status = ParentRequest.Status.IN_PROGRESS
    request.handled_by = actor
    request.save(update_fields=["export_json", "status", "handled_by"])
    record_access(
        actor=actor, instance=request.pupil, what="export:inzage", request=request.reference
    )
    return request


def _apply_withheld(request: ParentRequest, export: dict) -> dict:
    """Leave the withheld entries out of ``export`` and say, in their place, that something was
    withheld and why (recompiling the export keeps earlier decisions)."""
    withheld = list(request.withheld.all())
    ids = {item.entry_id for item in withheld}
    export["dossier"] = [d for d in export.get("dossier", []) if d.get("id") not in ids]
    export["withheld"] = [
        {
            "what": item.description,
            "reason": item.reason,
            "decided": timezone.localtime(item.withheld_at).isoformat(),
        }
        for item in withheld
    ]
    return export


@transaction.atomic
def inspection_withhold(
    *, actor: User, request: ParentRequest, entry_id: int, reason: str
) -> WithheldItem:
    """Leave one dossier entry out of the inspection export before it is released, with the
    reason the parent will read (art. 15(4): the copy must not harm the rights of others). The
    export then says that a piece was withheld, of which kind, and why; never its title or
    content. Only the directie, who compiles and releases the export, decides this."""
    _require_handler(actor, request)
    _lock_open(request)
    if request.kind != ParentRequest.Kind.INSPECTION:
        raise ValidationError(_("Alleen bij een inzageverzoek kunt u stukken achterhouden."))
    if not access.has_school_role(actor, request.pupil.school, "directie"):
        raise PermissionDenied(_("Alleen de directie beslist wat er in de inzage-export staat."))
    if not request.export_json:
        raise ValidationError(_("Stel eerst de export samen en controleer die."))
    if request.released_at:
        raise ValidationError(_("De export is al vrijgegeven."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Schrijf op waarom dit stuk niet wordt verstrekt; de ouder krijgt die reden "
                    "te lezen."
                )
            }
        )
    entry = request.pupil.dossier_entries.filter(pk=entry_id).first()
    if entry is None or not any(
        d.get("id") == entry.pk for d in request.export_json.get("dossier", [])
    ):
        raise ValidationError(_("Dit stuk staat niet (meer) in de export."))
    category = registry.BY_KEY.get(entry.category)
    label = category.label if category else entry.category
    description = f"{label}: {entry.get_kind_display()}"
    if entry.created_at:
        description += f" ({timezone.localtime(entry.created_at):%d-%m-%Y})"
    item = WithheldItem.objects.create(
        request=request,
        entry_id=entry.pk,
        description=description[:200],
        reason=reason[:2000],
        withheld_by=actor,
    )
    request.export_json = _apply_withheld(request, request.export_json)
    request.save(update_fields=["export_json"])
    return item


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


# --- Parents correct their own contact details directly ----------------------------------------


def _own_guardian(actor: User) -> Guardian:
    guardian = Guardian.objects.filter(user=actor).first()
    if guardian is None or not selectors.parent_children(actor).exists():
        raise PermissionDenied
    return guardian


def _school_handler_emails(pupils) -> list[str]:
    emails: set[str] = set()
    for school in {pupil.school for pupil in pupils}:
        handlers = access.users_with_school_role(school, "directie", "administratie")
        emails |= set(handlers.values_list("email", flat=True))
    return sorted(emails)


@transaction.atomic
def parent_contact_update(*, actor: User, email: str, phone: str) -> Guardian:
    """A parent corrects their own e-mail address and phone number. The change is recorded in the
    audit log with the parent as actor; the school is told (without the values: it reads them in
    the pupil file), and a changed e-mail address is told to the old address too."""
    from auditlog.context import set_actor

    guardian = Guardian.objects.select_for_update().get(pk=_own_guardian(actor).pk)
    old_email = guardian.email
    guardian.email = (email or "").strip().lower()
    guardian.phone = (phone or "").strip()
    if not guardian.email:
        raise ValidationError({"email": _("Vul een e-mailadres in: de school mailt u hierop.")})
    guardian.full_clean(exclude=["user"])
    previous = Guardian.objects.get(pk=guardian.pk)
    changed = [
        name for name in ("email", "phone") if getattr(previous, name) != getattr(guardian, name)
    ]
    if not changed:
        return guardian
    with set_actor(actor):
        guardian.save(update_fields=changed)
    children = list(selectors.parent_children(actor))
    send_templated_mail_on_commit(
        "portal/email/contact_changed_school",
        {"guardian": guardian, "children": children, "fields": changed},
        _school_handler_emails(children),
    )
    if "email" in changed and old_email:
        send_templated_mail_on_commit(
            "portal/email/contact_changed_old_address", {"guardian": guardian}, [old_email]
        )
    return guardian


def _require_parent(actor: User, pupil: Pupil) -> None:
    if not access.is_parent_with_authority(actor, pupil):
        raise PermissionDenied


@transaction.atomic
def parent_emergency_contact_save(
    *,
    actor: User,
    pupil: Pupil,
    name: str,
    phone: str,
    relationship: str = "",
    contact: EmergencyContact | None = None,
) -> EmergencyContact:
    """A parent with authority adds or corrects an emergency contact of their child (audited,
    the school is told)."""
    from auditlog.context import set_actor

    _require_parent(actor, pupil)
    if contact is None:
        contact = EmergencyContact(pupil=pupil)
    else:
        contact = EmergencyContact.objects.select_for_update().get(pk=contact.pk, pupil=pupil)
    contact.name = (name or "").strip()
    contact.relationship = (relationship or "").strip()
    contact.phone = (phone or "").strip()
    contact.full_clean()
    with set_actor(actor):
        contact.save()
    send_templated_mail_on_commit(
        "portal/email/emergency_contacts_changed",
        {"pupil": pupil},
        _school_handler_emails([pupil]),
    )
    return contact


@transaction.atomic
def parent_emergency_contact_delete(*, actor: User, contact: EmergencyContact) -> None:
    from auditlog.context import set_actor

    pupil = contact.pupil
    _require_parent(actor, pupil)
    with set_actor(actor):
        contact.delete()
    send_templated_mail_on_commit(
        "portal/email/emergency_contacts_changed",
        {"pupil": pupil},
        _school_handler_emails([pupil]),
    )


# --- Invitations -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation behind a mailed token, or None when it is unknown, used, cancelled,
    expired (``PASSWORD_RESET_TIMEOUT``) or no longer matches the guardian's e-mail address."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("guardian", "user")
        .filter(token_hash=_token_hash(token), status=Invitation.Status.SENT)
        .first()
    )
    if invitation is None or invitation.user is None:
        return None
    if invitation.sent_at < timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
        return None
    if invitation.email.lower() != (invitation.guardian.email or "").lower():
        return None
    return invitation


def _schools_of(guardian: Guardian):
    from accounts.models import School

    return School.objects.filter(pupils__guardian_links__guardian=guardian).distinct()


@transaction.atomic
def guardian_invite(*, actor: User, guardian: Guardian) -> Invitation:
    """The school invites a parent to the portal.

    Sending links nothing: the account (an existing one with this e-mail address, or a new one
    without a password) is linked to the guardian only when the invitee accepts through the
    mailed link (``invitation_accept``). Earlier open invitations of this guardian lapse.
    """
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    pupils = Pupil.objects.filter(guardian_links__guardian=guardian)
    if not any(
        access.has_school_role(actor, pupil.school, "directie", "administratie") for pupil in pupils
    ):
        raise PermissionDenied
    return _invitation_send(guardian=guardian, invited_by=actor)


@transaction.atomic
def guardian_invite_from_consent_link(*, guardian: Guardian) -> Invitation:
    """A parent asks for an account beside the consent form they opened through the personal
    link in a consent mail (``consent.views_link``). The invitation goes to the address the
    school registered (where that link was mailed), and, as with an invitation by the school,
    nothing is linked until the invitee accepts (with the directie's confirmation where that is
    needed). At most one such request a day."""
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    if guardian.invitations.filter(
        invited_by__isnull=True, sent_at__gte=timezone.now() - timedelta(days=1)
    ).exists():
        raise ValidationError(_("Er is vandaag al een uitnodiging verstuurd. Kijk in uw e-mail."))
    return _invitation_send(guardian=guardian, invited_by=None)


def _invitation_send(*, guardian: Guardian, invited_by: User | None) -> Invitation:
    """Mail ``guardian`` a one-time link to the address the school registered. Nothing is linked
    until the invitee accepts (``invitation_accept``); earlier open invitations lapse."""
    if not guardian.email:
        raise ValidationError(_("Van deze ouder is geen e-mailadres bekend."))
    if not guardian.links.filter(has_parental_authority=True).exists():
        raise ValidationError(
            _("Deze ouder heeft geen ouderlijk gezag en krijgt geen toegang tot het portaal.")
        )
    email = guardian.email.lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, first_name=guardian.first_name, last_name=guardian.last_name)
        user.set_unusable_password()
        user.save()
    guardian.invitations.filter(status=Invitation.Status.SENT).update(
        status=Invitation.Status.CANCELLED
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        guardian=guardian,
        invited_by=invited_by,
        user=user,
        email=email,
        token_hash=_token_hash(token),
    )
    send_templated_mail_on_commit(
        "portal/email/invitation",
        {"guardian": guardian, "link": reverse("portal:invitation_accept", args=[token])},
        [email],
    )
    return invitation


def _needs_confirmation(invitation: Invitation) -> bool:
    """Linking needs the directie when the account is staff at one of the child's schools (a
    staff member must not make themselves "parent"), or when the guardian is already linked
    to another account."""
    guardian, user = invitation.guardian, invitation.user
    if guardian.user_id and guardian.user_id != user.pk:
        return True
    if user.is_staff or user.is_superuser:
        return True
    roles = access.school_roles(user)
    return any(
        roles.get(school_id) for school_id in _schools_of(guardian).values_list("pk", flat=True)
    )


def _link(invitation: Invitation, *, now) -> Guardian:
    """Link the invitation's account to its guardian. A person is one guardian record: when the
    account already belongs to another guardian (a sibling's record), the two are merged."""
    from students.services import guardian_merge

    guardian, user = invitation.guardian, invitation.user
    existing = Guardian.objects.filter(user=user).exclude(pk=guardian.pk).first()
    if existing is not None:
        guardian = guardian_merge(duplicate=guardian, into=existing)
    else:
        guardian.user = user
        guardian.save(update_fields=["user"])
    Invitation.objects.filter(pk=invitation.pk).update(
        status=Invitation.Status.ACCEPTED, accepted_at=now
    )
    return guardian


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Invitation:
    """The invitee accepts through the mailed link (``user`` is who opened it and signed in).

    Either the account is linked at once, or the invitation waits for the directie's
    confirmation (``invitation_confirm``), which is asked by mail.
    """
    # Lock the invitation row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # joins that select_related adds.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("guardian", "user")
        .get(pk=invitation.pk)
    )
    if invitation.status != Invitation.Status.SENT:
        raise ValidationError(_("Deze uitnodiging is al gebruikt of vervallen."))
    if invitation.user_id != user.pk:
        raise PermissionDenied
    if _needs_confirmation(invitation):
        invitation.status = Invitation.Status.AWAITING_CONFIRMATION
        invitation.save(update_fields=["status"])
        directie = set()
        for school in _schools_of(invitation.guardian):
            directie.update(
                access.users_with_school_role(school, "directie").values_list("email", flat=True)
            )
        directie.discard(user.email)
        pupil = Pupil.objects.filter(guardian_links__guardian=invitation.guardian).first()
        send_templated_mail_on_commit(
            "portal/email/invitation_confirm",
            {"link": reverse("portal:staff_guardians", args=[pupil.pk])},
            sorted(directie),
        )
        return invitation
    _link(invitation, now=timezone.now())
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def invitation_confirm(*, actor: User, invitation: Invitation) -> Invitation:
    """The directie of the child's school confirms a link that needs it; never the invitee."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("guardian", "user")
        .get(pk=invitation.pk)
    )
    if actor.pk == invitation.user_id or not any(
        access.has_school_role(actor, school, "directie")
        for school in _schools_of(invitation.guardian)
    ):
        raise PermissionDenied
    if invitation.status != Invitation.Status.AWAITING_CONFIRMATION:
        raise ValidationError(_("Deze uitnodiging wacht niet op bevestiging."))
    if invitation.email.lower() != (invitation.guardian.email or "").lower():
        raise ValidationError(_("Het e-mailadres van deze ouder is intussen gewijzigd."))
    Invitation.objects.filter(pk=invitation.pk).update(confirmed_by=actor)
    _link(invitation, now=timezone.now())
    invitation.refresh_from_db()
    return invitation


def correction_for_display(item: CorrectionItem) -> dict:
    category = registry.BY_KEY.get(item.category_key)
    return {"item": item, "category": category}
