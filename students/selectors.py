"""Reads of pupil data that apply the access policy of ``accounts.access`` (R11, R12).

Every view of the students app gets its pupils, categories and dossier entries from here, so
that the staff list, the pupil page, the edit forms and the downloads all answer the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from accounts.models import School, SchoolClass
from accounts.roles import Audience, Capability, FoundationRoleKind, SchoolRole
from students import registry, rendering
from students.models import NAME_ORDER, DossierEntry, Enrolment, Guardian, Pupil

# --- Categories ------------------------------------------------------------------------------


def categories_for_capabilities(
    capabilities, *, contact_is_secret: bool = False
) -> list[registry.DataCategory]:
    """The registry categories that ``capabilities`` show, in registry order.

    A secret address (the secret_contact flag) raises the contact category to the very
    sensitive level: only those who may see very sensitive data still see the address.
    """
    capabilities = set(capabilities)
    result = []
    for category in registry.CATEGORIES:
        if not (category.capabilities & capabilities):
            continue
        if (
            category.key == "contact"
            and contact_is_secret
            and Capability.PUPIL_VERY_SENSITIVE not in capabilities
        ):
            continue
        result.append(category)
    return result


def visible_categories(user, pupil, *, capabilities=None) -> list[registry.DataCategory]:
    """The categories of ``pupil``'s data that ``user`` may see as staff.

    A category is visible when its capability (or one of ``also_with``) is among the user's
    capabilities for this pupil (``accounts.access.pupil_capabilities``). Parents and the pupil
    themself see their data through the parents' portal, not through the staff file: for them
    this returns nothing.
    """
    if capabilities is None:
        capabilities = access.pupil_capabilities(user, pupil)
    return categories_for_capabilities(capabilities, contact_is_secret=pupil.contact_is_secret)


def editable_categories(user, pupil, *, capabilities=None) -> list[registry.DataCategory]:
    """Visible categories the user may also change (``edit_capability``)."""
    if capabilities is None:
        capabilities = access.pupil_capabilities(user, pupil)
    return [
        category
        for category in visible_categories(user, pupil, capabilities=capabilities)
        if category.edit_capability in capabilities
    ]


# --- Pupils ----------------------------------------------------------------------------------


def staff_pupils(user) -> QuerySet[Pupil]:
    """Pupils the user may see as staff (school-wide role or through a class they teach).

    Filtered by the ids of the request's access scope (``school_id IN (…)`` or an enrolment in
    one of the user's classes), so the planner starts from the visible rows whatever the size
    of the deployment. Parents and pupils are not staff: they see their own data in the portal.
    """
    condition = access.staff_pupil_condition(user, Capability.PUPIL_BASIC)
    if condition is None:
        return Pupil.objects.none()
    return Pupil.objects.filter(condition)


def staff_pupil_list(user, *, query: str = "", school_id=None, class_id=None) -> QuerySet[Pupil]:
    """The staff pupil list: searchable by name or leerlingnummer, filtered by school and class,
    with the current class annotated (one query per page, whatever the number of pupils)."""
    latest_enrolment = Enrolment.objects.filter(pupil=OuterRef("pk")).order_by(
        "-school_class__school_year", "-pk"
    )
    pupils = (
        staff_pupils(user)
        .select_related("school")
        .annotate(
            current_class_name=Subquery(latest_enrolment.values("school_class__name")[:1]),
        )
        .order_by(*NAME_ORDER)
    )
    for word in (query or "").split()[:5]:
        pupils = pupils.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(surname_prefix__iexact=word)
            | Q(administration_number=word)
        )
    if school_id:
        pupils = pupils.filter(school_id=school_id)
    if class_id:
        pupils = pupils.filter(enrolments__school_class_id=class_id)
    return pupils


def import_schools(user) -> QuerySet[School]:
    """Schools into which the user may import pupils: directie and administratie."""
    return access.schools_with_role(user, SchoolRole.DIRECTIE, SchoolRole.ADMINISTRATIE).order_by(
        "name"
    )


def staff_pupil_or_404(user, pk) -> Pupil:
    try:
        return staff_pupils(user).select_related("school").get(pk=pk)
    except (Pupil.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def list_filter_options(user) -> tuple[QuerySet[School], QuerySet[SchoolClass]]:
    """Schools and classes to filter the pupil list by: only those the user reaches."""
    classes = (
        access.visible_classes(user, Capability.PUPIL_BASIC)
        .select_related("school")
        .order_by("school__name", "-school_year", "name")
    )
    facts = access.summary(user)
    school_ids = facts.school_ids_with(Capability.PUPIL_BASIC) | {
        facts.class_schools[pk] for pk in facts.class_ids_with(Capability.PUPIL_BASIC)
    }
    schools = School.objects.filter(pk__in=sorted(school_ids)).order_by("name")
    return schools, classes


# --- Dossier ---------------------------------------------------------------------------------


def visible_dossier_entries(user, pupil, *, capabilities=None) -> QuerySet[DossierEntry]:
    """Dossier entries of ``pupil`` the user may see: the entry's category is visible, its
    audience is at or below the user's level (R11), and its sensitivity within the ceiling."""
    if capabilities is None:
        capabilities = access.pupil_capabilities(user, pupil)
    keys = [c.key for c in visible_categories(user, pupil, capabilities=capabilities)]
    ceiling = access.sensitivity_ceiling(user, pupil)
    audience = access.audience_ceiling(user, pupil)
    if not keys or ceiling is None or audience is None:
        return DossierEntry.objects.none()
    return (
        pupil.dossier_entries.filter(
            category__in=keys, audience__lte=int(audience), sensitivity__lte=int(ceiling)
        )
        .select_related("author")
        .order_by("-created_at", "-pk")
    )


def allowed_audiences(user, pupil) -> list[int]:
    """The audience levels the user may give a new dossier entry: their own level and below."""
    ceiling = access.audience_ceiling(user, pupil)
    return [] if ceiling is None else [a for a in Audience.values if a <= int(ceiling)]


def dossier_entry_or_404(user, pupil, pk) -> DossierEntry:
    try:
        return visible_dossier_entries(user, pupil).get(pk=pk)
    except (DossierEntry.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- Access records --------------------------------------------------------------------------


def may_read_access_records(user, pupil) -> bool:
    """The directie of the pupil's school and the FG of its foundation see who looked at what."""
    return access.has_school_role(user, pupil.school_id, SchoolRole.DIRECTIE) or (
        access.has_foundation_role(user, FoundationRoleKind.FG)
        and access.foundations_for(user).filter(pk=pupil.school.foundation_id).exists()
    )


def access_record_pupils(user) -> QuerySet[Pupil]:
    """Pupils whose access records the user may read (directie: own schools; FG: foundation)."""
    schools = access.schools_with_role(user, SchoolRole.DIRECTIE)
    query = Q(school__in=schools.values("pk"))
    if access.has_foundation_role(user, FoundationRoleKind.FG):
        query |= Q(school__foundation__in=access.foundations_for(user).values("pk"))
    return Pupil.objects.filter(query)


def may_read_any_access_records(user) -> bool:
    return access.has_foundation_role(user, FoundationRoleKind.FG) or (
        access.schools_with_role(user, SchoolRole.DIRECTIE).exists()
    )


def recent_access_records(pupils: QuerySet[Pupil]):
    """Access records (auditlog ACCESS entries) of ``pupils``, newest first, for a paginator."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.functions import Cast

    return (
        LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS,
            content_type=ContentType.objects.get_for_model(Pupil),
            object_pk__in=pupils.annotate(
                pk_text=Cast("pk", output_field=models.CharField())
            ).values("pk_text"),
        )
        .select_related("actor")
        .order_by("-timestamp")
    )


@dataclass(frozen=True)
class AccessRow:
    timestamp: object
    actor: object
    category_label: str
    detail: str
    category_key: str = ""


ACCESS_WHAT_LABELS = {
    "pupil_file": gettext_lazy("leerlingpagina"),
    "access_log": gettext_lazy("inzageregistratie"),
    "transfer_dossier": gettext_lazy("overstapdossier"),
}


def access_record_categories(data: dict) -> list[str]:
    """The category keys an access record names (one record per response: ``categories``;
    older records: one key in ``what``)."""
    if data.get("categories"):
        return list(data["categories"])
    what = data.get("what", "")
    return [what] if what in registry.BY_KEY else []


def access_record_label(data: dict) -> str:
    """Categories only, never titles: safe for every reader of access records (the FG too)."""
    keys = access_record_categories(data)
    if keys:
        return ", ".join(str(registry.BY_KEY[k].label) for k in keys if k in registry.BY_KEY)
    what = str(data.get("what", ""))
    return str(ACCESS_WHAT_LABELS.get(what.split(":")[0], what))


def access_records(pupil, viewer=None) -> list[AccessRow]:
    """Who read which very sensitive category or dossier document of this pupil, newest first.

    The title of a document appears only for a ``viewer`` who may read that document itself
    (the directie); the FG sees categories, never titles.
    """
    from privacy_portal.audit import access_records_for

    readable = (
        set(visible_dossier_entries(viewer, pupil).values_list("pk", flat=True))
        if viewer is not None
        else set()
    )
    titles = dict(pupil.dossier_entries.filter(pk__in=readable).values_list("pk", "title"))
    rows = []
    for entry in access_records_for(pupil)[:500]:
        data = entry.additional_data or {}
        keys = access_record_categories(data)
        detail = titles.get(data.get("entry"), "") if data.get("entry") else ""
        if detail and data.get("document"):
            detail = _("document bij: %(title)s") % {"title": detail}
        rows.append(
            AccessRow(
                entry.timestamp,
                entry.actor,
                access_record_label(data),
                detail,
                keys[0] if keys else "",
            )
        )
    return rows


# --- Change history ("Wijzigingen") ---------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    timestamp: object
    actor: object
    action: str
    what: str
    # (field label, old, new); old and new are None where the reader may not see the values.
    fields: list


def change_history(pupil, viewer) -> list[ChangeRow]:
    """Read-only trail of changes to ``pupil``'s data (the pupil, its enrolments, parents and
    their links, emergency contacts and dossier entries), newest first: who, when, which
    fields. Values appear only for categories ``viewer`` may see on the pupil page (the FG sees
    field names, no values), and masked fields never had their values kept."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.core.exceptions import FieldDoesNotExist

    from students.models import EmergencyContact, GuardianLink

    capabilities = access.pupil_capabilities(viewer, pupil)
    visible_keys = {c.key for c in visible_categories(viewer, pupil, capabilities=capabilities)}
    readable_entries = set(
        visible_dossier_entries(viewer, pupil, capabilities=capabilities).values_list(
            "pk", flat=True
        )
    )
    related = {
        Pupil: [pupil.pk],
        Enrolment: list(pupil.enrolments.values_list("pk", flat=True)),
        GuardianLink: list(pupil.guardian_links.values_list("pk", flat=True)),
        Guardian: list(pupil.guardian_links.values_list("guardian_id", flat=True)),
        EmergencyContact: list(pupil.emergency_contacts.values_list("pk", flat=True)),
        DossierEntry: list(pupil.dossier_entries.values_list("pk", flat=True)),
    }
    query = Q(pk__in=[])
    for model, ids in related.items():
        if ids:
            query |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_pk__in=[str(i) for i in ids],
            )
    entries = (
        LogEntry.objects.filter(query)
        .exclude(action=LogEntry.Action.ACCESS)
        .select_related("actor", "content_type")
        .order_by("-timestamp")[:500]
    )
    fields_of = registry.registered_fields()
    rows = []
    for entry in entries:
        model = entry.content_type.model_class()
        model_name = model.__name__ if model else ""
        rows_fields = []
        for name, values in (entry.changes_dict or {}).items():
            category_key = fields_of.get(f"{model_name}.{name}")
            if model is DossierEntry:
                may_read = int(entry.object_pk) in readable_entries
            else:
                may_read = category_key in visible_keys
            try:
                label = capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))
            except FieldDoesNotExist:  # a field that no longer exists
                label = name
            old, new = (values + [None, None])[:2] if isinstance(values, list) else (None, None)
            old, new = ("" if v == "None" else v for v in (old, new))
            rows_fields.append((label, old, new) if may_read else (label, None, None))
        rows.append(
            ChangeRow(
                timestamp=entry.timestamp,
                actor=entry.actor,
                action=entry.get_action_display(),
                what=str(model._meta.verbose_name) if model else "",
                fields=rows_fields,
            )
        )
    return rows


# --- The pupil page --------------------------------------------------------------------------


@dataclass
class Section:
    """One visible category on the pupil page, with what it holds for this pupil."""

    category: registry.DataCategory
    facts: list[tuple[str, str]]
    editable: bool
    entries: list
    retention_until: object = None  # a date once the pupil has left (R13)


# The pupil page leads with what staff need at once, in an emergency first: allergies and medical
# instructions, then whom to call, then the group. The other categories follow in registry order.
# Which categories and fields show stays the registry's and the renderer's decision.
STAFF_PAGE_FIRST = ("allergies", "parents", "identification")


def _staff_page_order(category) -> int:
    if category.key in STAFF_PAGE_FIRST:
        return STAFF_PAGE_FIRST.index(category.key)
    return len(STAFF_PAGE_FIRST)


def pupil_file(user, pupil) -> dict:
    """Everything the pupil page shows for ``user``: the visible categories with their facts and
    dossier entries, and the enrolment and parent details of the categories that hold them."""
    capabilities = access.pupil_capabilities(user, pupil)
    categories = visible_categories(user, pupil, capabilities=capabilities)
    editable = {c.key for c in editable_categories(user, pupil, capabilities=capabilities)}
    entries = list(visible_dossier_entries(user, pupil, capabilities=capabilities))
    reader = registry.Reader.staff(capabilities)
    sections = [
        Section(
            category=category,
            # Through the one renderer (students.rendering): the field policy applies here too.
            facts=[
                (fact["label"], fact["value"])
                for fact in rendering.pupil_facts(pupil, category, reader=reader)
            ],
            editable=category.key in editable,
            entries=[entry for entry in entries if entry.category == category.key],
            retention_until=registry.retention_until(pupil, category.retention),
        )
        for category in sorted(categories, key=_staff_page_order)  # stable: registry order after
    ]
    keys = {c.key for c in categories}
    return {
        "sections": sections,
        "categories": categories,
        "capabilities": capabilities,
        "enrolments": list(
            pupil.enrolments.select_related("school_class").order_by(
                "-school_class__school_year", "school_class__name"
            )
        )
        if "identification" in keys
        else [],
        "guardians": rendering.guardian_rows(pupil, reader=reader) if "parents" in keys else [],
        "emergency_contacts": list(pupil.emergency_contacts.all()) if "parents" in keys else [],
        "may_add_dossier_entry": any(
            c.holds_dossier_entries for c in categories if c.key in editable
        ),
        "may_read_access_records": may_read_access_records(user, pupil),
    }


# --- The record of processing (verwerkingsregister, GDPR art. 30) ------------------------------


@dataclass(frozen=True)
class RegisterRow:
    category: registry.DataCategory
    field_labels: list[str]
    roles: list[str]
    processors: list[str]


def roles_with_access(category: registry.DataCategory) -> list[str]:
    """The roles whose ceiling shows this category (from ``accounts.roles``)."""
    from accounts.roles import CLASS_ROLE_CAPABILITIES, SCHOOL_ROLE_CAPABILITIES

    labels = []
    for role in SchoolRole:
        if SCHOOL_ROLE_CAPABILITIES.get(role, frozenset()) & category.capabilities:
            labels.append(str(role.label))
        elif CLASS_ROLE_CAPABILITIES.get(role, frozenset()) & category.capabilities:
            labels.append(_("%(role)s (eigen groep)") % {"role": role.label})
    return labels


def _field_label(name: str) -> str | None:
    from django.apps import apps

    model_name, field_name = name.split(".", 1)
    model_field = apps.get_model("students", model_name)._meta.get_field(field_name)
    if model_name == "DossierEntry":
        return None  # summarised as "dossierstukken" below
    if model_field.is_relation and model_field.related_model in (Pupil, Guardian):
        return None  # a link between pupil and parent is not a separate kind of data
    return str(model_field.verbose_name)


def processors_by_category(foundation) -> dict[str, list[str]]:
    """Per category key, the processors that receive it. Filled by other apps through the hook
    ``register_processor_names(foundation) -> [(category_key, name)]`` in ``<app>/hooks.py``
    (the agreements app: the products with an active processor agreement), every category in
    one answer, so that the record costs the same whatever the number of categories."""
    from privacy_portal.hooks import collect

    names: dict[str, set[str]] = {}
    for category_key, name in collect("register_processor_names", foundation):
        names.setdefault(category_key, set()).add(str(name))
    return {category_key: sorted(found) for category_key, found in names.items()}


def processors_for(foundation, category_key: str) -> list[str]:
    """The processors that receive this category (``processors_by_category`` for one)."""
    return processors_by_category(foundation).get(category_key, [])


def register_rows(foundation) -> list[RegisterRow]:
    processors = processors_by_category(foundation)
    rows = []
    for category in registry.CATEGORIES:
        labels = [label for label in map(_field_label, category.fields) if label]
        if category.holds_dossier_entries:
            labels.append(str(_("dossierstukken (notities, plannen, verslagen)")))
        rows.append(
            RegisterRow(
                category=category,
                field_labels=list(dict.fromkeys(labels)),
                roles=roles_with_access(category),
                processors=processors.get(category.key, []),
            )
        )
    return rows


def register_foundation(user):
    """The foundation whose register the user may read: FG, CvB and beheerder of the
    foundation, and the directie of one of its schools. None when the user may not."""
    foundation = access.foundations_for(user).first()
    if foundation is not None:
        return foundation
    school = (
        access.schools_with_role(user, SchoolRole.DIRECTIE).select_related("foundation").first()
    )
    return school.foundation if school else None
