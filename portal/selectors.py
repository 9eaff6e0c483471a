"""Reads for the parent portal and for staff handling parents' requests, scoped by
``accounts.access``: a parent reaches only children for whom they hold parental authority; a
request is handled by the directie or administratie of the child's school; the FG oversees all
requests of its foundation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.roles import Capability
from portal.models import ParentRequest
from privacy_portal import hooks
from students import registry
from students.models import Pupil

# Categories whose content staff must review before release (care notes, reports, medical data):
# parents see what the category is and why it is kept, the content only through an inspection.
REVIEW_BEFORE_RELEASE = {Capability.PUPIL_VERY_SENSITIVE}


def parent_direct_categories() -> list[registry.DataCategory]:
    return [
        c
        for c in registry.CATEGORIES
        if not c.holds_dossier_entries and c.capability not in REVIEW_BEFORE_RELEASE
    ]


def parent_children(user) -> QuerySet[Pupil]:
    """Children for whom the user holds parental authority."""
    if not (user and user.is_authenticated):
        return Pupil.objects.none()
    return (
        Pupil.objects.filter(
            guardian_links__guardian__user=user, guardian_links__has_parental_authority=True
        )
        .select_related("school")
        .distinct()
        .order_by("first_name")
    )


def child_or_404(user, pk) -> Pupil:
    try:
        return parent_children(user).get(pk=pk)
    except (Pupil.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _people(pupil: Pupil, viewer) -> list[tuple[str, str]]:
    """Parents and emergency contacts as a parent may see them: the viewer's own e-mail and
    phone, never those of the other parent (``registry.may_see`` through the renderer)."""
    from django.utils.translation import gettext as _

    from students import rendering

    people = []
    for row in rendering.guardian_rows(pupil, reader=registry.Reader.for_parent(viewer)):
        details = [row["email"], row["phone"]]
        if not row["authority"]:
            details.append(_("zonder ouderlijk gezag"))
        people.append((f"{row['name']} ({row['relationship']})", " · ".join(filter(None, details))))
    people += [
        (f"{contact.name} ({_('noodcontact')})", contact.phone)
        for contact in pupil.emergency_contacts.all()
    ]
    return people


def parent_pupil_facts(pupil: Pupil, category: registry.DataCategory, viewer) -> list:
    """(label, value) of ``category``'s pupil fields as a parent may see them; a field the
    secret flag hides reads "afgeschermd"."""
    from students import rendering

    reader = registry.Reader.for_parent(viewer)
    return [
        (fact["label"], fact["value"])
        for fact in rendering.pupil_facts(pupil, category, reader=reader)
    ]


def stopped_product_uses(pupil: Pupil) -> set[int]:
    """Product uses that no longer receive this child's data after a granted objection."""
    from portal.models import ObjectionEffect

    return set(
        ObjectionEffect.objects.filter(request__pupil=pupil, product_use__isnull=False).values_list(
            "product_use_id", flat=True
        )
    )


def data_recipients(pupil: Pupil) -> list[dict]:
    """Who else receives this child's data: suppliers (product, supplier, country, link to the
    privacybijsluiter, categories). Apps answer through a ``data_recipients(pupil)`` hook. A
    product stopped for this child by a granted objection is left out."""
    stopped = stopped_product_uses(pupil)
    return [r for r in hooks.collect("data_recipients", pupil) if r.get("use_id") not in stopped]


def objection_effects(pupil: Pupil):
    """What granted objections changed for this child, newest first."""
    from portal.models import ObjectionEffect

    return (
        ObjectionEffect.objects.filter(request__pupil=pupil)
        .select_related("request")
        .order_by("-recorded_at")
    )


def child_overview(pupil: Pupil, viewer) -> list[dict]:
    """'What the school keeps about my child': every registry category, with the data itself where
    parents see it directly, and why, on which basis and how long it is kept. Values come from
    the field policy (``students.rendering``): a secret address is never shown to a parent."""
    direct = {c.key for c in parent_direct_categories()}
    recipients = data_recipients(pupil)
    rows = []
    for category in registry.CATEGORIES:
        facts = []
        if category.key in direct:
            facts = parent_pupil_facts(pupil, category, viewer)
            if category.key == "parents":
                facts += _people(pupil, viewer)
        rows.append(
            {
                "category": category,
                "shown": category.key in direct,
                "facts": facts,
                "recipients": [r for r in recipients if category.key in r.get("categories", ())],
            }
        )
    return rows


def requests_for_parent(user) -> QuerySet[ParentRequest]:
    return ParentRequest.objects.filter(
        requester=user, pupil__in=parent_children(user).values("pk")
    ).select_related("pupil")


def parent_request_or_404(user, pk) -> ParentRequest:
    try:
        return requests_for_parent(user).get(pk=pk)
    except (ParentRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def is_fg_for(user, request: ParentRequest) -> bool:
    return access.foundations_for(user).filter(pk=request.pupil.school.foundation_id).exists() and (
        access.has_foundation_role(user, "fg")
    )


def may_handle(user, request: ParentRequest) -> bool:
    """The directie and administratie of the child's school handle requests; the FG handles
    questions and complaints addressed to the FG."""
    if access.has_school_role(user, request.pupil.school, "directie", "administratie"):
        return True
    return request.kind == ParentRequest.Kind.QUESTION and is_fg_for(user, request)


def staff_requests(user) -> QuerySet[ParentRequest]:
    """The queue: requests of the user's schools (directie, administratie), or all requests of
    the foundation for the FG. Sorted by deadline."""
    schools = access.schools_with_role(user, "directie", "administratie")
    queryset = ParentRequest.objects.filter(pupil__school__in=schools.values("pk"))
    if access.has_foundation_role(user, "fg"):
        queryset = (
            ParentRequest.objects.filter(
                pupil__school__foundation__in=access.foundations_for(user).values("pk")
            )
            | queryset
        )
    return queryset.select_related("pupil__school", "requester").order_by("deadline")


def staff_request_or_404(user, pk) -> ParentRequest:
    try:
        return staff_requests(user).get(pk=pk)
    except (ParentRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def may_see_requests(user) -> bool:
    # From the access summary (no query): the start page asks this for everyone.
    facts = access.summary(user)
    return bool(facts.school_ids_with_role("directie", "administratie")) or (
        facts.has_foundation_role("fg")
    )


def inspection_export(pupil: Pupil, viewer=None) -> dict:
    """Everything about the child for the parent ``viewer`` (art. 15): all registry categories with
    their values, dossier entries (with a reference to each document), consents (the
    ``consent_history`` hook), suppliers receiving data and where, and the access records. Only
    this child's data, and only what ``registry.may_see`` lets a parent see: never the
    other parent's contact details, never a secret address."""
    from privacy_portal.audit import access_records_for

    categories = []
    for category in registry.CATEGORIES:
        categories.append(
            {
                "key": category.key,
                "label": str(category.label),
                "explanation": str(category.parent_explanation),
                "purposes": [str(p) for p in category.purpose_labels],
                "legal_basis": str(category.legal_basis_label),
                "retention": str(category.retention_label),
                "values": dict(parent_pupil_facts(pupil, category, viewer)),
            }
        )
    from students import rendering

    guardians = []
    for row in rendering.guardian_rows(pupil, reader=registry.Reader.for_parent(viewer)):
        guardian = {
            "name": row["name"],
            "relationship": row["relationship"],
            "parental_authority": row["authority"],
        }
        guardian.update({name: row[name] for name in ("email", "phone") if row[name]})
        guardians.append(guardian)
    contacts = [
        {"name": c.name, "relationship": c.relationship, "phone": c.phone}
        for c in pupil.emergency_contacts.all()
    ]
    dossier = []
    for entry in pupil.dossier_entries.all():
        category = registry.BY_KEY.get(entry.category)
        dossier.append(
            {
                "id": entry.pk,
                "category": entry.category,
                "category_label": str(category.label) if category else entry.category,
                "kind": entry.get_kind_display(),
                "title": entry.title,
                "text": entry.body,
                "document": entry.document_name if entry.document else "",
                "document_file": document_path(entry) if entry.document else "",
                "created": timezone.localtime(entry.created_at).isoformat()
                if entry.created_at
                else "",
            }
        )
    enrolments = [
        {"class": e.school_class.name, "school_year": e.school_class.school_year_label}
        for e in pupil.enrolments.select_related("school_class")
    ]
    records = [
        {
            "when": timezone.localtime(entry.timestamp).isoformat(),
            "who": str(entry.actor) if entry.actor else "",
            "what": (entry.additional_data or {}).get("what", ""),
        }
        for entry in access_records_for(pupil)
    ]
    return {
        "pupil": {"name": str(pupil), "school": pupil.school.name},
        "generated_at": timezone.localtime().isoformat(),
        "categories": categories,
        "guardians": guardians,
        "emergency_contacts": contacts,
        "enrolments": enrolments,
        "dossier": dossier,
        "consents": hooks.collect("consent_history", pupil),
        "recipients": data_recipients(pupil),
        "access_records": records,
    }


def document_path(entry) -> str:
    """The name of a dossier document inside the inspection zip: never the stored path."""
    import re

    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", entry.document_name or "document").strip("-.")
    stem = stem or "document"
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        entry.content_type, ""
    )
    if extension and not stem.lower().endswith(extension):
        stem += extension
    return f"documenten/{entry.pk}-{stem}"


def correction_value_visible(request: ParentRequest, field_name: str, viewer) -> bool:
    """Whether ``viewer`` may read the old and new value of a correction of ``field_name``: the
    parent and staff alike through ``registry.may_see``."""
    pupil = request.pupil
    capabilities = access.pupil_capabilities(viewer, pupil)
    if request.requester_id == viewer.pk and not capabilities:
        reader = registry.Reader.for_parent(viewer)
    else:
        reader = registry.Reader.staff(capabilities)
    return registry.may_see(f"Pupil.{field_name}", pupil=pupil, reader=reader)


def correction_rows(request: ParentRequest, viewer) -> list[dict]:
    """The corrections of a request as ``viewer`` may read them: a secret value is masked."""
    rows = []
    for item in request.corrections.all():
        visible = correction_value_visible(request, item.field_name, viewer)
        rows.append(
            {
                "item": item,
                "visible": visible,
                "old_value": item.old_value if visible else None,
                "new_value": item.new_value if visible else None,
            }
        )
    return rows


def correction_audit_entries(request: ParentRequest, viewer=None):
    """The audit-log entries that record accepted corrections of this request on the pupil;
    values the viewer may not read (a secret phone) are left out."""
    from auditlog.models import LogEntry

    fields = set(request.corrections.values_list("field_name", flat=True))
    if viewer is not None:
        fields = {name for name in fields if correction_value_visible(request, name, viewer)}
    entries = (
        LogEntry.objects.get_for_object(request.pupil)
        .filter(action=LogEntry.Action.UPDATE, timestamp__gte=request.received_at)
        .select_related("actor")
        .order_by("timestamp")
    )
    return [
        {
            "entry": e,
            "changes": [
                (str(Pupil._meta.get_field(k).verbose_name), v[0], v[1])
                for k, v in e.changes_dict.items()
                if k in fields
            ],
        }
        for e in entries
        if fields & set(e.changes_dict)
    ]


# --- The pupil's own page ----------------------------------------------------------------------


def own_pupil_or_404(user) -> Pupil:
    """The pupil record of a signed-in pupil (role ``leerling``); nobody else's."""
    if not (user and user.is_authenticated):
        raise Http404
    pupil = Pupil.objects.select_related("school").filter(user=user).first()
    if pupil is None:
        raise Http404
    return pupil


def pupil_page(pupil: Pupil) -> dict:
    """What a pupil sees about themself: name, current group, the consent choices for their
    pictures, and dossier entries meant for the pupil (audience "leerling"). Only this pupil:
    no classmate appears, not even in the group."""
    from accounts.models import school_year_of
    from accounts.roles import Audience
    from consent import selectors as consent_selectors
    from consent import services as consent_services

    year = school_year_of(timezone.localdate())
    enrolments = list(
        pupil.enrolments.select_related("school_class").order_by("-school_class__school_year")
    )
    current = next((e.school_class for e in enrolments if e.school_class.school_year == year), None)
    channels = consent_selectors.active_channels(
        pupil.school.foundation_id, school_id=pupil.school_id
    )
    statuses = consent_services.statuses_for([pupil], channels)
    consents = [{"channel": c, "status": statuses[(pupil.pk, c.pk)]} for c in channels]
    entries = pupil.dossier_entries.filter(audience=Audience.LEERLING).order_by("-created_at")
    return {
        "pupil": pupil,
        "group": current or (enrolments[0].school_class if enrolments else None),
        "consents": consents,
        "decides_self": consent_services.pupil_decides_self(pupil),
        "entries": list(entries),
    }


def child_very_sensitive_shown(pupil: Pupil) -> list[str]:
    """Keys of the very sensitive categories the parents' page of ``pupil`` shows with content
    (for the access record of that page)."""
    from students import rendering

    return rendering.very_sensitive_with_content(pupil, parent_direct_categories())


def correction_secret_shown(request: ParentRequest, viewer) -> list[str]:
    """The registry categories whose secret values the request page shows ``viewer`` (a
    correction of a secret address or phone, shown to the directie): for its access record."""
    keys = set()
    for row in correction_rows(request, viewer):
        item = row["item"]
        field = f"Pupil.{item.field_name}"
        if (
            row["visible"]
            and request.pupil.contact_is_secret
            and field in registry.HIDDEN_WHEN_SECRET
            and (item.old_value or item.new_value)
        ):
            keys.add(item.category_key)
    return sorted(keys)
