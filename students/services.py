"""Every change to pupil data, and the access records of reads (R11, R12).

Keyword-only functions ``<noun>_<verb>(*, actor, ...)``; each runs in one transaction,
validates its input with Dutch messages and checks the actor's right through
``students.selectors`` (which asks ``accounts.access``). django-auditlog records the field
changes with the actor; reads of very sensitive data are recorded here with
``privacy_portal.audit.record_access``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from privacy_portal import uploads
from privacy_portal.audit import record_access
from students import registry, selectors
from students.models import DossierEntry, EmergencyContact, Guardian, GuardianLink, Pupil

ALLOWED_DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
}
# A plain file name: no folders, no "..", no control characters, no leading dot.
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f.][^/\\\x00-\x1f]{0,149}$")

# Pupil fields that a category form never edits (set by enrolment and the account services).
NOT_EDITABLE_PUPIL_FIELDS = {"school", "user"}


# --- Access records --------------------------------------------------------------------------


def pupil_access_record(
    *, actor, pupil: Pupil, category_key: str, entry: DossierEntry | None = None, document=False
):
    """Record that ``actor`` opened a very sensitive category or a dossier document of ``pupil``:
    who and when (the log entry), which pupil (the object) and which category (``what``)."""
    details = {}
    if entry is not None:
        details["entry"] = entry.pk
    if document:
        details["document"] = True
    return record_access(actor=actor, instance=pupil, what=category_key, **details)


def pupil_data_read(*, actor, pupil: Pupil, what: str, categories, **details):
    """Read logging by construction: one access record for one response that showed very
    sensitive data of ``pupil`` (a page, a form, an export, a transfer dossier), naming the
    categories it showed (``categories``: keys, only those with content). Nothing shown,
    nothing recorded. Always against the pupil, so the pupil's access log and the parents'
    inspection export see every read."""
    categories = sorted(set(categories))
    if not categories:
        return None
    return record_access(actor=actor, instance=pupil, what=what, categories=categories, **details)


def pupil_file_opened(
    *, actor, pupil: Pupil, categories, entries=(), capabilities=frozenset()
) -> None:
    """The pupil page was shown with ``categories`` (and dossier ``entries``): one record naming
    the very sensitive categories that held something."""
    from students import rendering

    pupil_data_read(
        actor=actor,
        pupil=pupil,
        what="pupil_file",
        categories=rendering.very_sensitive_with_content(
            pupil, categories, entries=entries, capabilities=capabilities
        ),
    )


# --- Pupil data ------------------------------------------------------------------------------


def editable_pupil_fields(category: registry.DataCategory) -> list[str]:
    return [
        name for name in category.model_fields("Pupil") if name not in NOT_EDITABLE_PUPIL_FIELDS
    ]


def _check_dates(pupil: Pupil) -> None:
    today = timezone.localdate()
    errors = {}
    if pupil.date_of_birth and pupil.date_of_birth > today:
        errors["date_of_birth"] = _("De geboortedatum kan niet in de toekomst liggen.")
    if pupil.date_of_birth and pupil.enrolled_on and pupil.enrolled_on < pupil.date_of_birth:
        errors["enrolled_on"] = _("De inschrijfdatum ligt vóór de geboortedatum.")
    if pupil.deregistered_on and pupil.enrolled_on and pupil.deregistered_on < pupil.enrolled_on:
        errors["deregistered_on"] = _("De uitschrijfdatum ligt vóór de inschrijfdatum.")
    if pupil.destination_is_sbo and not pupil.destination_school:
        errors["destination_school"] = _("Vul de SBO-school van bestemming in.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pupil_update(*, actor, pupil: Pupil, category_key: str, data: dict) -> Pupil:
    """Change the fields of one category of a pupil's data.

    Only fields of that category change; the actor must hold the category's edit capability.
    """
    category = registry.BY_KEY.get(category_key)
    if category is None:
        raise ValidationError(_("Onbekende gegevenscategorie."))
    capabilities = access.pupil_capabilities(actor, pupil)
    if category not in selectors.editable_categories(actor, pupil, capabilities=capabilities):
        raise PermissionDenied(_("U mag deze gegevens van deze leerling niet wijzigen."))
    allowed = set(editable_pupil_fields(category))
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Deze velden horen niet bij deze categorie."))
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    for name, value in data.items():
        setattr(pupil, name, value)
    if "postal_code" in data and pupil.postal_code:
        from accounts.validators import normalise_postcode

        pupil.postal_code = normalise_postcode(pupil.postal_code)
    pupil.full_clean()
    _check_dates(pupil)
    pupil.save(update_fields=sorted(data))
    return pupil


# --- Dossier ---------------------------------------------------------------------------------


def validate_upload(upload) -> str:
    """Refuse unsafe names, oversized files and anything that is not really a PDF, PNG or
    JPEG (judged by content, not by name). Returns the content type."""
    name = getattr(upload, "name", "") or ""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValidationError(
            _("De bestandsnaam is niet toegestaan. Gebruik een gewone naam zonder mappen."),
            code="file_name",
        )
    limit = settings.MAX_UPLOAD_MEGABYTES * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("Het bestand is te groot: maximaal %(mb)s MB.")
            % {"mb": settings.MAX_UPLOAD_MEGABYTES},
            code="file_size",
        )
    mime = uploads.content_type(upload)
    if mime not in ALLOWED_DOCUMENT_TYPES:
        raise ValidationError(
            _("Alleen PDF-bestanden en afbeeldingen (PNG, JPEG) zijn toegestaan."),
            code="file_type",
        )
    return mime


@transaction.atomic
def dossier_entry_create(
    *,
    actor,
    pupil: Pupil,
    category_key: str,
    kind: str,
    title: str,
    body: str = "",
    audience: int,
    sensitivity: int,
    upload=None,
) -> DossierEntry:
    """Add a note, plan or report to the pupil's dossier.

    The actor must be allowed to change the category; the audience cannot be above the actor's
    own level (R11) and the sensitivity not below the category's nor above the actor's ceiling.
    """
    category = registry.BY_KEY.get(category_key)
    if category is None or not category.holds_dossier_entries:
        raise ValidationError({"category": _("Kies een categorie van het leerlingdossier.")})
    capabilities = access.pupil_capabilities(actor, pupil)
    if category not in selectors.editable_categories(actor, pupil, capabilities=capabilities):
        raise PermissionDenied(_("U mag geen stukken in deze categorie toevoegen."))
    errors = {}
    if int(audience) not in selectors.allowed_audiences(actor, pupil):
        errors["audience"] = _("U kunt een stuk niet zichtbaar maken voor een hoger niveau.")
    ceiling = access.sensitivity_ceiling(actor, pupil)
    if int(sensitivity) < int(category.sensitivity):
        errors["sensitivity"] = _("Een stuk in deze categorie is minstens %(level)s.") % {
            "level": category.sensitivity_label
        }
    elif ceiling is None or int(sensitivity) > int(ceiling):
        errors["sensitivity"] = _("Deze gevoeligheid ligt boven wat u zelf mag zien.")
    if not (title or "").strip():
        errors["title"] = _("Geef het stuk een titel.")
    if kind not in DossierEntry.Kind.values:
        errors["kind"] = _("Kies een soort stuk.")
    if errors:
        raise ValidationError(errors)
    content_type = ""
    if upload is not None:
        try:
            content_type = validate_upload(upload)
        except ValidationError as exc:
            raise ValidationError({"document": exc.messages}) from exc
    entry = DossierEntry(
        pupil=pupil,
        category=category.key,
        kind=kind,
        title=title.strip(),
        body=body or "",
        audience=int(audience),
        sensitivity=int(sensitivity),
        author=actor,
        content_type=content_type,
        document_name=upload.name if upload is not None else "",
    )
    entry.full_clean(exclude=["document", "author"])
    if upload is None:
        entry.save()
        return entry
    # The stored name comes from dossier_upload_to (random, under MEDIA_ROOT/dossier/), never
    # from the uploaded name. If the row cannot be written, the file goes too.
    entry.document.save(upload.name, upload, save=False)
    try:
        entry.save()
    except Exception:
        entry.document.delete(save=False)
        raise
    return entry


# --- Emergency contacts ----------------------------------------------------------------------


def _require_parents_edit(actor, pupil: Pupil) -> None:
    category = registry.get_category("parents")
    if category not in selectors.editable_categories(actor, pupil):
        raise PermissionDenied(_("U mag de contactpersonen van deze leerling niet wijzigen."))


@transaction.atomic
def emergency_contact_create(
    *, actor, pupil: Pupil, name: str, relationship: str = "", phone: str
) -> EmergencyContact:
    """Add someone to call in an emergency when the parents cannot be reached."""
    _require_parents_edit(actor, pupil)
    contact = EmergencyContact(
        pupil=pupil,
        name=(name or "").strip(),
        relationship=(relationship or "").strip(),
        phone=phone,
    )
    contact.full_clean()
    contact.save()
    return contact


GUARDIAN_FIELDS = ("first_name", "last_name", "email", "phone")


@transaction.atomic
def guardian_update(*, actor, pupil: Pupil, guardian, data: dict):
    """Correct a parent's name or contact details, from the file of one of their children.

    Only whoever may change the pupil's "parents" category may do so (R11); the change is
    recorded in the audit log with the actor. A changed e-mail address:
    - lets open portal invitations to the old address lapse and tells the old address, so a
      parent notices when someone redirects their child's mail;
    - merges this record into another guardian record of the same foundation with that
      address (one record per person across siblings), as long as neither has an account:
      a merge never gives an account a child it did not accept (that goes through the
      invitation, ``portal.services.invitation_accept``).
    """
    from auditlog.context import set_actor

    from privacy_portal.mail import send_templated_mail_on_commit

    _require_parents_edit(actor, pupil)
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    if not guardian.links.filter(pupil=pupil).exists():
        raise PermissionDenied
    unknown = set(data) - set(GUARDIAN_FIELDS)
    if unknown:
        raise ValidationError(_("Deze velden horen niet bij de gegevens van een ouder."))
    old_email = (guardian.email or "").lower()
    for name, value in data.items():
        setattr(guardian, name, (value or "").strip())
    guardian.email = guardian.email.lower()
    guardian.full_clean(exclude=["user"])
    with set_actor(actor):
        guardian.save(update_fields=sorted(data))
        if guardian.email == old_email:
            return guardian
        guardian.invitations.filter(status="sent").update(status="cancelled")
        if old_email:
            send_templated_mail_on_commit(
                "students/email/guardian_email_changed",
                {"first_name": guardian.first_name, "school_name": pupil.school.name},
                [old_email],
            )
        if not guardian.email:
            return guardian
        twin = (
            Guardian.objects.filter(
                email__iexact=guardian.email,
                links__pupil__school__foundation_id=pupil.school.foundation_id,
            )
            .exclude(pk=guardian.pk)
            .first()
        )
        if twin is not None and guardian.user_id is None and twin.user_id is None:
            return guardian_merge(duplicate=guardian, into=twin)
    return guardian


def guardian_merge(*, duplicate: Guardian, into: Guardian) -> Guardian:
    """Fold ``duplicate`` into ``into``: the same person stored twice (two children).

    Links to children move over (a child both are linked to keeps ``into``'s link); every other
    record pointing at the duplicate (consent decisions, notices, reviews, invitations) is
    pointed at ``into``; a row that would then repeat one of ``into``'s rows is dropped with the
    duplicate. Runs inside the caller's transaction; the caller decides whether merging is
    allowed (it never hands an account new children on its own).
    """
    from django.db import IntegrityError

    if duplicate.pk == into.pk:
        return into
    for link in GuardianLink.objects.filter(guardian=duplicate):
        if not GuardianLink.objects.filter(guardian=into, pupil_id=link.pupil_id).exists():
            GuardianLink.objects.filter(pk=link.pk).update(guardian=into)
    for relation in Guardian._meta.related_objects:
        model, field_name = relation.related_model, relation.field.name
        if model is GuardianLink or relation.one_to_one or relation.many_to_many:
            continue
        rows = model._base_manager.filter(**{field_name: duplicate})
        try:
            with transaction.atomic():
                rows.update(**{field_name: into})
        except IntegrityError:
            for pk in rows.values_list("pk", flat=True):
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=pk).update(**{field_name: into})
                except IntegrityError:
                    continue
    if not into.phone and duplicate.phone:
        into.phone = duplicate.phone
        into.save(update_fields=["phone"])
    duplicate.delete()
    return into


@transaction.atomic
def emergency_contact_delete(*, actor, contact: EmergencyContact) -> None:
    _require_parents_edit(actor, contact.pupil)
    contact.delete()
