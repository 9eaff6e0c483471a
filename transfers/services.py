"""Every change to a transfer dossier: compile, offer to the parents, sign, hand over (R10, R13).

Keyword-only functions ``<noun>_<verb>(*, actor, ...)``; each runs in one transaction, checks the
actor's right, validates its input with Dutch messages and checks the workflow:

    draft → offered (to the parents) → signed (all parents, with remarks) → handed over
    offered → handed over only by the directie, with a recorded reason (parents unreachable)
    offered or signed → draft, to correct what goes (the parents sign again)

Field changes are recorded by django-auditlog; views and exports with ``record_access``. Mail
goes out after commit.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import SchoolRole
from accounts.validators import validate_brin
from privacy_portal.audit import record_access
from privacy_portal.mail import send_templated_mail_on_commit
from students import registry
from students.services import pupil_data_read
from transfers import content as dossier_content
from transfers import selectors
from transfers.models import DestinationType, ParentReview, TransferDossier
from transfers.retention import retention_date_for_dossier

State = TransferDossier.State
REMINDER_INTERVAL = timedelta(days=7)
MAX_REMINDERS = 3
MIN_OVERRIDE_REASON = 15
MAX_REMARKS = 5000

# The allowed transitions; everything else is refused.
TRANSITIONS = {
    State.DRAFT: {State.OFFERED},
    State.OFFERED: {State.SIGNED, State.HANDED_OVER, State.DRAFT},
    State.SIGNED: {State.HANDED_OVER, State.DRAFT},
    State.HANDED_OVER: set(),
}


def _check_transition(dossier: TransferDossier, target: str) -> None:
    if target not in TRANSITIONS[State(dossier.state)]:
        raise ValidationError(
            _("Dit kan niet: het dossier is %(state)s.") % {"state": dossier.get_state_display()}
        )


def _require_compiler(actor, pupil) -> None:
    if not dossier_content.may_compile(actor, pupil):
        raise PermissionDenied(
            _("Alleen de IB-er en de directie van de school stellen een overstapdossier samen.")
        )


def _locked(dossier: TransferDossier) -> TransferDossier:
    """Lock the dossier's row for this transaction and reload the caller's instance in place,
    so that the caller's object shows the outcome of the service."""
    list(TransferDossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk"))
    dossier.refresh_from_db()
    return dossier


# --- Compiling -------------------------------------------------------------------------------


def _validated_choices(
    *,
    actor,
    pupil,
    destination_name,
    destination_brin,
    destination_type,
    leaves_on,
    category_keys,
    entry_ids,
):
    errors: dict[str, list[str]] = {}
    destination_name = (destination_name or "").strip()
    destination_brin = (destination_brin or "").strip().upper()
    if not destination_name:
        errors.setdefault("destination_name", []).append(_("Vul de school van bestemming in."))
    try:
        validate_brin(destination_brin)
    except ValidationError as exc:
        errors.setdefault("destination_brin", []).extend(exc.messages)
    if destination_brin and destination_brin == pupil.school.brin:
        errors.setdefault("destination_brin", []).append(
            _("Dit is het BRIN-nummer van de eigen school.")
        )
    if destination_type not in DestinationType.values:
        errors.setdefault("destination_type", []).append(_("Kies het soort school."))
    if not isinstance(leaves_on, date):
        errors.setdefault("leaves_on", []).append(_("Vul de vertrekdatum in."))
    elif pupil.enrolled_on and leaves_on < pupil.enrolled_on:
        errors.setdefault("leaves_on", []).append(_("De vertrekdatum ligt vóór de inschrijfdatum."))
    choosable = {c.key for c in dossier_content.choosable_categories(actor, pupil)}
    keys = list(dict.fromkeys(category_keys or []))
    if set(keys) - choosable:
        errors.setdefault("categories", []).append(
            _("U kunt alleen gegevens meegeven die u zelf mag zien.")
        )
    if "identification" not in keys:
        errors.setdefault("categories", []).append(
            _("Naam en groep gaan altijd mee: zonder die gegevens is het dossier van niemand.")
        )
    entry_ids = {int(pk) for pk in (entry_ids or [])}
    entries = list(dossier_content.choosable_entries(actor, pupil).filter(pk__in=entry_ids))
    if len(entries) != len(entry_ids):
        errors.setdefault("entries", []).append(
            _("U kunt alleen dossierstukken meegeven die u zelf mag zien.")
        )
    if errors:
        raise ValidationError(errors)
    ordered = [c.key for c in dossier_content.choosable_categories(actor, pupil) if c.key in keys]
    return destination_name, destination_brin, ordered, entries


@transaction.atomic
def dossier_create(
    *,
    actor,
    pupil,
    destination_name: str,
    destination_brin: str,
    destination_type: str,
    leaves_on,
    category_keys,
    entry_ids=(),
) -> TransferDossier:
    """Start a transfer dossier (a draft) for a pupil who leaves for another school."""
    _require_compiler(actor, pupil)
    name, brin, keys, entries = _validated_choices(
        actor=actor,
        pupil=pupil,
        destination_name=destination_name,
        destination_brin=destination_brin,
        destination_type=destination_type,
        leaves_on=leaves_on,
        category_keys=category_keys,
        entry_ids=entry_ids,
    )
    if TransferDossier.objects.filter(pupil=pupil).exclude(state=State.HANDED_OVER).exists():
        raise ValidationError(_("Voor deze leerling is al een overstapdossier in behandeling."))
    dossier = TransferDossier.objects.create(
        pupil=pupil,
        destination_name=name,
        destination_brin=brin,
        destination_type=destination_type,
        leaves_on=leaves_on,
        categories=keys,
        created_by=actor,
    )
    dossier.entries.set(entries)
    return dossier


@transaction.atomic
def dossier_update(
    *,
    actor,
    dossier: TransferDossier,
    destination_name: str,
    destination_brin: str,
    destination_type: str,
    leaves_on,
    category_keys,
    entry_ids=(),
) -> TransferDossier:
    """Change the destination or the choice of what goes; only while the dossier is a draft."""
    dossier = _locked(dossier)
    _require_compiler(actor, dossier.pupil)
    if dossier.state != State.DRAFT:
        raise ValidationError(
            _("Het dossier is al aan de ouders aangeboden en kan niet meer veranderen.")
        )
    name, brin, keys, entries = _validated_choices(
        actor=actor,
        pupil=dossier.pupil,
        destination_name=destination_name,
        destination_brin=destination_brin,
        destination_type=destination_type,
        leaves_on=leaves_on,
        category_keys=category_keys,
        entry_ids=entry_ids,
    )
    dossier.destination_name = name
    dossier.destination_brin = brin
    dossier.destination_type = destination_type
    dossier.leaves_on = leaves_on
    dossier.categories = keys
    dossier.save()
    dossier.entries.set(entries)
    return dossier


def dossier_preview(dossier: TransferDossier, *, for_parents: bool = False) -> dict:
    """Exactly what will go: the frozen content once offered, else built from the choices.
    ``for_parents``: as the parents read it (a secret address sent by decision is shielded)."""
    content = (
        dossier.content if dossier.content is not None else dossier_content.build_content(dossier)
    )
    return dossier_content.content_for_parents(content) if for_parents else content


@transaction.atomic
def dossier_secret_contact_decide(
    *, actor, dossier: TransferDossier, include: bool, reason: str = ""
) -> TransferDossier:
    """The directie decides, with a reason, that the receiving school needs the pupil's secret
    address and phone (or withdraws that decision). Without this decision a secret address never
    leaves the school; with it, the dossier shows who decided, when and why, the parents see
    that it was included (not the address itself), and the audit log records the change.

    Only while the dossier is a draft (what the parents sign for must not change under them),
    only for a pupil whose contact details are secret, and only with "Contact en adres" chosen.
    """
    from auditlog.context import set_actor

    dossier = _locked(dossier)
    pupil = dossier.pupil
    if not access.has_school_role(actor, pupil.school, SchoolRole.DIRECTIE):
        raise PermissionDenied(
            _("Alleen de directie besluit of een geheim adres naar de nieuwe school gaat.")
        )
    if dossier.state != State.DRAFT:
        raise ValidationError(
            _("Het dossier is al aan de ouders aangeboden. Zet het eerst terug naar concept.")
        )
    if include:
        reason = (reason or "").strip()
        errors = {}
        if not pupil.contact_is_secret:
            errors["reason"] = [_("Het adres van deze leerling is niet geheim.")]
        elif "contact" not in dossier.categories:
            errors["reason"] = [_("Kies eerst de categorie 'Contact en adres' voor dit dossier.")]
        elif len(reason) < MIN_OVERRIDE_REASON:
            errors["reason"] = [
                _("Leg in minstens %(min)s tekens uit waarom de nieuwe school dit nodig heeft.")
                % {"min": MIN_OVERRIDE_REASON}
            ]
        elif len(reason) > MAX_REMARKS:
            errors["reason"] = [
                _("Houd de reden korter dan %(max)s tekens.") % {"max": MAX_REMARKS}
            ]
        if errors:
            raise ValidationError(errors)
        dossier.secret_contact_decided_by = actor
        dossier.secret_contact_decided_at = timezone.now()
        dossier.secret_contact_reason = reason
    else:
        dossier.secret_contact_decided_by = None
        dossier.secret_contact_decided_at = None
        dossier.secret_contact_reason = ""
    with set_actor(actor):
        dossier.save()
    return dossier


# --- Offering to the parents -----------------------------------------------------------------


@transaction.atomic
def dossier_offer(*, actor, dossier: TransferDossier) -> TransferDossier:
    """Freeze the content and offer it to every parent with parental authority (R10)."""
    dossier = _locked(dossier)
    _require_compiler(actor, dossier.pupil)
    _check_transition(dossier, State.OFFERED)
    links = list(
        dossier.pupil.guardian_links.filter(has_parental_authority=True).select_related("guardian")
    )
    if not links:
        raise ValidationError(
            _(
                "Deze leerling heeft geen ouders met ouderlijk gezag in de administratie. "
                "Leg die eerst vast: zij moeten het dossier inzien."
            )
        )
    dossier.content = dossier_content.build_content(dossier)
    dossier.state = State.OFFERED
    dossier.offered_at = timezone.now()
    dossier.offered_by = actor
    dossier.save()
    for link in links:
        ParentReview.objects.get_or_create(dossier=dossier, guardian=link.guardian)
        send_templated_mail_on_commit(
            "transfers/email/offered",
            {
                "first_name": dossier.pupil.first_name,
                "dossier_id": dossier.pk,
                # Without a portal account the link is useless: the mail offers paper instead.
                "has_account": link.guardian.user_id is not None,
            },
            [link.guardian.email],
        )
    return dossier


@transaction.atomic
def dossier_reopen(*, actor, dossier: TransferDossier) -> TransferDossier:
    """Take an offered or signed dossier back to draft, to correct it (checklist §9: parents
    can have corrected what goes to the next school). The parents' signatures of this round
    lapse (their history stays in the audit log); offering again asks them anew."""
    dossier = _locked(dossier)
    _require_compiler(actor, dossier.pupil)
    _check_transition(dossier, State.DRAFT)
    dossier.reviews.all().delete()
    dossier.state = State.DRAFT
    dossier.content = None
    dossier.offered_at = None
    dossier.offered_by = None
    dossier.signed_at = None
    dossier.save()
    return dossier


# --- Views and exports (audit) ---------------------------------------------------------------


def very_sensitive_in_content(content: dict) -> list[str]:
    """The very sensitive categories a dossier's content shows: chosen categories with a filled
    fact, a secret address sent by decision (very sensitive for whoever reads it), and the
    categories of its documents."""
    from students.rendering import SECRET_PLACEHOLDER

    keys = set()
    for section in content.get("sections", []):
        for category in section.get("categories", []):
            data_category = registry.BY_KEY.get(category.get("key"))
            if data_category is None:
                continue
            if any(
                fact.get("secret") and fact.get("value") != str(SECRET_PLACEHOLDER)
                for fact in category["facts"]
            ):
                keys.add(data_category.key)
            if not data_category.is_very_sensitive:
                continue
            if any(fact.get("value") not in ("", "—", None) for fact in category["facts"]):
                keys.add(data_category.key)
        for document in section.get("documents", []):
            data_category = registry.BY_KEY.get(document.get("category"))
            if data_category is not None and data_category.is_very_sensitive:
                keys.add(data_category.key)
    return sorted(keys)


@transaction.atomic
def dossier_viewed(
    *, actor, dossier: TransferDossier, what: str = "view", for_parents: bool = False
) -> None:
    """Record a view or export of the dossier; a parent's first and last view is kept too.

    The read is recorded against the pupil as well (the pupil's access log and the parents'
    inspection export must see it), naming the very sensitive categories the dossier shows.
    """
    record_access(actor=actor, instance=dossier, what=f"transfer_dossier:{what}")
    pupil_data_read(
        actor=actor,
        pupil=dossier.pupil,
        what=f"transfer_dossier:{what}",
        categories=very_sensitive_in_content(dossier_preview(dossier, for_parents=for_parents)),
        dossier=dossier.pk,
    )
    now = timezone.now()
    review = (
        ParentReview.objects.select_for_update()
        .filter(dossier=dossier, guardian__user=actor)
        .first()
        if getattr(actor, "is_authenticated", False)
        else None
    )
    if review is not None:
        review.first_viewed_at = review.first_viewed_at or now
        review.last_viewed_at = now
        review.save(update_fields=["first_viewed_at", "last_viewed_at"])


# --- Signing ---------------------------------------------------------------------------------


def _clean_remarks(remarks: str) -> str:
    remarks = (remarks or "").strip()
    if len(remarks) > MAX_REMARKS:
        raise ValidationError(
            {"remarks": _("Houd uw opmerkingen korter dan %(max)s tekens.") % {"max": MAX_REMARKS}}
        )
    return remarks


def _after_signature(dossier: TransferDossier) -> None:
    if dossier.reviews.filter(signed_at__isnull=True).exists():
        return
    _check_transition(dossier, State.SIGNED)
    dossier.state = State.SIGNED
    dossier.signed_at = timezone.now()
    dossier.save(update_fields=["state", "signed_at"])
    recipients = list(
        access.users_with_school_role(
            dossier.pupil.school, SchoolRole.IB, SchoolRole.DIRECTIE
        ).values_list("email", flat=True)
    )
    send_templated_mail_on_commit("transfers/email/signed", {"dossier_id": dossier.pk}, recipients)


@transaction.atomic
def review_sign(
    *, actor, dossier: TransferDossier, has_read: bool, remarks: str = ""
) -> ParentReview:
    """A parent with authority signs for inspection (not for agreement), with remarks."""
    dossier = _locked(dossier)
    if not access.is_parent_with_authority(actor, dossier.pupil):
        raise PermissionDenied(_("Alleen ouders met ouderlijk gezag tekenen voor inzage."))
    review = (
        ParentReview.objects.select_for_update()
        .filter(dossier=dossier, guardian__user=actor)
        .first()
    )
    if review is None:
        raise PermissionDenied(_("Dit dossier is niet aan u aangeboden."))
    if dossier.state != State.OFFERED:
        raise ValidationError(_("Dit dossier kan niet meer getekend worden."))
    if review.signed_at:
        raise ValidationError(_("U hebt dit dossier al getekend."))
    if not has_read:
        raise ValidationError(
            {"has_read": _("Bevestig dat u het dossier hebt gelezen voordat u tekent.")}
        )
    review.remarks = _clean_remarks(remarks)
    review.signed_at = timezone.now()
    review.save(update_fields=["remarks", "signed_at"])
    _after_signature(dossier)
    return review


@transaction.atomic
def review_record_paper_signature(
    *, actor, review: ParentReview, remarks: str = ""
) -> ParentReview:
    """The school records that a parent signed the printed dossier, with their written remarks."""
    dossier = _locked(review.dossier)
    _require_compiler(actor, dossier.pupil)
    review = ParentReview.objects.select_for_update().get(pk=review.pk)
    if dossier.state != State.OFFERED:
        raise ValidationError(_("Dit dossier kan niet meer getekend worden."))
    if review.signed_at:
        raise ValidationError(_("Deze ouder heeft al getekend."))
    review.remarks = _clean_remarks(remarks)
    review.signed_at = timezone.now()
    review.signed_on_paper = True
    review.recorded_by = actor
    review.save(update_fields=["remarks", "signed_at", "signed_on_paper", "recorded_by"])
    _after_signature(dossier)
    return review


# --- Reminders -------------------------------------------------------------------------------


def reminders_send(*, now=None) -> int:
    """Remind parents who have not signed an offered dossier: once a week, at most three times.

    Idempotent: a reminder is only due when the last one (or the offer) is a week old, so a run
    that happens twice, or not at all, sends nothing extra.
    """
    now = now or timezone.now()
    due = ParentReview.objects.filter(
        dossier__state=State.OFFERED,
        signed_at__isnull=True,
        reminders_sent__lt=MAX_REMINDERS,
    ).select_related("guardian", "dossier__pupil")
    sent = 0
    for review_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            review = (
                ParentReview.objects.select_for_update()
                .select_related("guardian", "dossier__pupil")
                .get(pk=review_id)
            )
            last = review.last_reminded_at or review.dossier.offered_at
            if review.signed_at or last is None or now - last < REMINDER_INTERVAL:
                continue
            review.reminders_sent += 1
            review.last_reminded_at = now
            review.save(update_fields=["reminders_sent", "last_reminded_at"])
            send_templated_mail_on_commit(
                "transfers/email/reminder",
                {
                    "first_name": review.dossier.pupil.first_name,
                    "dossier_id": review.dossier_id,
                    "has_account": review.guardian.user_id is not None,
                },
                [review.guardian.email],
            )
            sent += 1
    return sent


# --- Handing over ----------------------------------------------------------------------------


@transaction.atomic
def dossier_hand_over(
    *, actor, dossier: TransferDossier, override_reason: str = ""
) -> TransferDossier:
    """Record the hand-over to the next school (the OSO upload is done with the export).

    Refused before all parents have signed for inspection, unless the directie records why
    (parents unreachable after reminders). Sets the retention date (R13) and copies the
    destination onto the pupil's enrolment data.
    """
    from transfers import exports

    dossier = _locked(dossier)
    _require_compiler(actor, dossier.pupil)
    _check_transition(dossier, State.HANDED_OVER)
    override_reason = (override_reason or "").strip()
    if dossier.state == State.OFFERED:
        if not override_reason:
            raise ValidationError(
                _(
                    "De ouders hebben nog niet voor inzage getekend. Het dossier kan pas daarna "
                    "worden overgedragen, tenzij de directie vastlegt waarom niet."
                )
            )
        if not selectors.may_override(actor, dossier):
            raise PermissionDenied(
                _("Alleen de directie kan overdragen zonder handtekening van de ouders.")
            )
        if len(override_reason) < MIN_OVERRIDE_REASON:
            raise ValidationError(
                {
                    "override_reason": _(
                        "Beschrijf waarom de ouders niet getekend hebben (minstens %(min)s tekens)."
                    )
                    % {"min": MIN_OVERRIDE_REASON}
                }
            )
        dossier.override_reason = override_reason
    elif override_reason:
        raise ValidationError(
            {"override_reason": _("De ouders hebben getekend: een reden is niet nodig.")}
        )
    dossier.state = State.HANDED_OVER
    dossier.handed_over_at = timezone.now()
    dossier.handed_over_by = actor
    dossier.retention_until = retention_date_for_dossier(dossier)
    dossier.export_sha256 = exports.export_sha256(dossier)
    dossier.save()
    _copy_destination_to_pupil(actor=actor, dossier=dossier)
    record_access(actor=actor, instance=dossier, what="transfer_dossier:hand_over")
    return dossier


def _copy_destination_to_pupil(*, actor, dossier: TransferDossier) -> None:
    """Keep the pupil's enrolment data in line: destination school and SBO drive retention."""
    from students import services as student_services

    pupil = dossier.pupil
    data = {"destination_school": dossier.destination_name, "destination_is_sbo": dossier.is_sbo}
    if all(getattr(pupil, name) == value for name, value in data.items()):
        return
    student_services.pupil_update(actor=actor, pupil=pupil, category_key="enrolment", data=data)
