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
from students import registry, rendering
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


def _people(pupil: Pupil, *, parent_user=None) -> list[tuple[str, str]]:
    """Parents and emergency contacts. Through the field policy (``students.rendering``): a
    parent sees their own contact details, never the other parent's."""
    from django.utils.translation import gettext as _

    people = [
        (
            f"{row['name']} ({row['relationship']})",
            " · ".join(filter(None, [row["email"], row["phone"]]))
            + ("" if row["authority"] else f" · {_('zonder ouderlijk gezag')}"),
        )
        for row in rendering.guardian_rows(pupil, parent_user=parent_user)
    ]
    people += [
        (f"{contact.name} ({_('noodcontact')})", contact.phone)
        for contact in pupil.emergency_contacts.all()
    ]
    return people


def data_recipients(pupil: Pupil) -> list[dict]:
    """Who else receives this child's data: suppliers (product, supplier, country, link to the
    privacybijsluiter, categories). Apps answer through a ``data_recipients(pupil)`` hook."""
    return hooks.collect("data_recipients", pupil)


def child_overview(pupil: Pupil, *, parent_user=None) -> list[dict]:
    """'What the school keeps about my child': every registry category, with the data itself where
    parents see it directly, and why, on which basis and how long it is kept. Values come from
    the field policy (``students.rendering``): a secret address is never shown to a parent."""
    direct = {c.key for c in parent_direct_categories()}
    recipients = data_recipients(pupil)
    rows = []
    for category in registry.CATEGORIES:
        facts = []
        if category.key in direct:
            facts = [
                (fact["label"], fact["value"]) for fact in rendering.pupil_facts(pupil, category)
            ]
            if category.key == "parents":
                facts += _people(pupil, parent_user=parent_user)
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
    return access.schools_with_role(user, "directie", "administratie").exists() or (
        access.has_foundation_role(user, "fg")
    )


def inspection_export(pupil: Pupil, *, requester=None) -> dict:
    """Everything about the child: all registry categories with their values, dossier entries,
    consents (when the consent app answers the ``consent_history`` hook), suppliers receiving data,
    and the access records. Only this child's data."""
    from privacy_portal.audit import access_records_for

    categories = []
    for category in registry.CATEGORIES:
        # The field policy: a secret address does not leave in an export.
        values = {fact["label"]: fact["value"] for fact in rendering.pupil_facts(pupil, category)}
        categories.append(
            {
                "key": category.key,
                "label": str(category.label),
                "purposes": [str(p) for p in category.purpose_labels],
                "legal_basis": str(category.legal_basis_label),
                "retention": str(category.retention_label),
                "values": values,
            }
        )
    # Only the requesting parent's own contact details, never the other parent's.
    guardians = [
        {
            "name": row["name"],
            "relationship": row["relationship"],
            "parental_authority": row["authority"],
            "email": row["email"],
            "phone": row["phone"],
        }
        for row in rendering.guardian_rows(pupil, parent_user=requester)
    ]
    contacts = [
        {"name": c.name, "relationship": c.relationship, "phone": c.phone}
        for c in pupil.emergency_contacts.all()
    ]
    dossier = [
        {
            "category": entry.category,
            "title": entry.title,
            "text": entry.body,
            "document": entry.document_name,
            "created": timezone.localtime(entry.created_at).isoformat()
            if getattr(entry, "created_at", None)
            else "",
        }
        for entry in pupil.dossier_entries.all()
    ]
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


def correction_audit_entries(request: ParentRequest):
    """The audit-log entries that record accepted corrections of this request on the pupil."""
    from auditlog.models import LogEntry

    fields = set(request.corrections.values_list("field_name", flat=True))
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
