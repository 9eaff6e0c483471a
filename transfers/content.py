"""What a transfer dossier holds: the sections (administrative data, care and guidance data,
learning results), the registry categories the compiler may choose in each, and the content
built from the choices.

The content is a JSON-serialisable dict. While the dossier is a draft it is built live for the
preview; when it is offered to the parents it is frozen on the dossier (``content``), so that
what the parents read is exactly what goes to the next school.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from students import registry, rendering
from students import selectors as student_selectors
from students.models import Pupil

FORMAT = "privacyportaal.overstapdossier/1"

ADMINISTRATIVE = "administrative"
CARE = "care"
RESULTS = "results"
SECTIONS = (
    (ADMINISTRATIVE, gettext_lazy("Administratieve gegevens")),
    (CARE, gettext_lazy("Zorg- en begeleidingsgegevens")),
    (RESULTS, gettext_lazy("Leerresultaten")),
)
SECTION_LABELS = dict(SECTIONS)
# Registry category -> section. A category missing here goes by its retention class: dossier
# data is care and guidance, administration data is administrative.
SECTION_OF_CATEGORY = {
    "identification": ADMINISTRATIVE,
    "personal_details": ADMINISTRATIVE,
    "enrolment": ADMINISTRATIVE,
    "parents": ADMINISTRATIVE,
    "contact": ADMINISTRATIVE,
    "citizen_number": ADMINISTRATIVE,
    "secret_contact": ADMINISTRATIVE,
    "allergies": CARE,
    "medical": CARE,
    "care": CARE,
    "results": RESULTS,
}
# Chosen when a dossier is started: the legally required administrative data and the learning
# results (§9). Care data and documents are added on purpose only (R4, data minimisation).
DEFAULT_CATEGORIES = (
    "identification",
    "personal_details",
    "enrolment",
    "parents",
    "contact",
    "citizen_number",
    "results",
)
HIDDEN_PUPIL_FIELDS = {"school", "user"}


def section_of(category: registry.DataCategory) -> str:
    if category.key in SECTION_OF_CATEGORY:
        return SECTION_OF_CATEGORY[category.key]
    return CARE if category.retention == registry.RetentionClass.DOSSIER else ADMINISTRATIVE


def choosable_categories(user, pupil) -> list[registry.DataCategory]:
    """The registry categories the compiler may put in the dossier: those they may see."""
    return student_selectors.visible_categories(user, pupil)


def choosable_entries(user, pupil):
    """The dossier documents the compiler may put in the dossier: those they may see (R11)."""
    return student_selectors.visible_dossier_entries(user, pupil)


@dataclass
class ChoiceGroup:
    key: str
    label: str
    categories: list
    entries: list


def choice_groups(categories, entries) -> list[ChoiceGroup]:
    """Categories and documents grouped by section, for the compile form."""
    groups = {key: ChoiceGroup(key, str(label), [], []) for key, label in SECTIONS}
    for category in categories:
        groups[section_of(category)].categories.append(category)
    for entry in entries:
        category = registry.BY_KEY.get(entry.category)
        groups[section_of(category) if category else CARE].entries.append(entry)
    return list(groups.values())


def _facts(pupil: Pupil, category: registry.DataCategory, reader) -> list[dict]:
    """The category's facts through the field policy (``students.rendering``,
    ``registry.may_see``) for the audience of a transfer dossier: every parent with authority and
    the receiving school. So a secret address is shown as shielded, and parents appear with name
    and relationship only (their e-mail and phone would reach the other parent; the next school
    gets them through OSO)."""
    facts = [
        {
            "field": fact["field"],
            "label": fact["label"],
            "value": fact["value"],
            # A secret value sent by decision: parents read it as shielded (content_for_parents).
            "secret": fact["secret"],
        }
        for fact in rendering.pupil_facts(pupil, category, reader=reader)
        if fact["field"] not in HIDDEN_PUPIL_FIELDS
    ]
    if category.key == "identification":
        classes = pupil.enrolments.select_related("school_class").order_by(
            "-school_class__school_year", "school_class__name"
        )
        facts.append(
            {
                "field": "groups",
                "label": _("Groepen"),
                "value": ", ".join(
                    f"{e.school_class.name} ({e.school_class.school_year_label})" for e in classes
                )
                or "—",
            }
        )
    if category.key == "parents":
        for row in rendering.guardian_rows(pupil, reader=reader):
            details = ", ".join(
                part
                for part in (
                    row["relationship"],
                    "" if row["authority"] else _("geen ouderlijk gezag"),
                    row["email"],
                    row["phone"],
                )
                if part
            )
            facts.append(
                {
                    "field": "guardian",
                    "label": _("Ouder/verzorger"),
                    "value": f"{row['guardian'].first_name} {row['guardian'].last_name} ({details})",
                }
            )
        for contact in pupil.emergency_contacts.all():
            relation = f" ({contact.relationship})" if contact.relationship else ""
            facts.append(
                {
                    "field": "emergency_contact",
                    "label": _("Noodcontact"),
                    "value": f"{contact.name}{relation}, {contact.phone}",
                }
            )
    return facts


def build_content(dossier, *, category_keys=None, entries=None) -> dict:
    """The dossier's content from its chosen categories and documents (for the preview and
    for freezing when offered). Categories are kept in registry order, documents newest first."""
    pupil = dossier.pupil
    keys = set(dossier.categories if category_keys is None else category_keys)
    if entries is None:
        entries = list(dossier.entries.order_by("-created_at", "-pk"))
    sections = {
        key: {"key": key, "label": str(label), "categories": [], "documents": []}
        for key, label in SECTIONS
    }
    released = dossier.secret_contact_released
    reader = registry.Reader.receiving_school(secret_released=released)
    for category in registry.CATEGORIES:
        if category.key not in keys:
            continue
        sections[section_of(category)]["categories"].append(
            {
                "key": category.key,
                "label": str(category.label),
                "facts": _facts(pupil, category, reader),
            }
        )
    for entry in entries:
        category = registry.BY_KEY.get(entry.category)
        sections[section_of(category) if category else CARE]["documents"].append(
            {
                "id": entry.pk,
                "title": entry.title,
                "kind": entry.kind,
                "kind_label": str(entry.get_kind_display()),
                "category": entry.category,
                "category_label": str(category.label) if category else entry.category,
                "created_at": timezone.localtime(entry.created_at).date().isoformat(),
                "created_on_label": date_format(timezone.localtime(entry.created_at), "j F Y"),
                "body": entry.body,
                "document_name": entry.document_name if entry.document else "",
                "content_type": entry.content_type if entry.document else "",
            }
        )
    school = pupil.school
    return {
        "format": FORMAT,
        "pupil": {
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "date_of_birth": pupil.date_of_birth.isoformat(),
        },
        "school": {"name": school.name, "brin": school.brin},
        "destination": {
            "name": dossier.destination_name,
            "brin": dossier.destination_brin,
            "type": dossier.destination_type,
            "type_label": str(dossier.get_destination_type_display()),
        },
        "leaves_on": dossier.leaves_on.isoformat(),
        "leaves_on_label": date_format(dossier.leaves_on, "j F Y"),
        "sections": [sections[key] for key, _label in SECTIONS],
        "secret_contact": _secret_contact_decision(dossier) if released else None,
    }


def _secret_contact_decision(dossier) -> dict:
    """Who decided, when and why the secret address goes along (shown on the dossier)."""
    decided_at = timezone.localtime(dossier.secret_contact_decided_at)
    return {
        "decided_by": str(dossier.secret_contact_decided_by or ""),
        "decided_at": decided_at.isoformat(),
        "decided_at_label": date_format(decided_at, "j F Y"),
        "reason": dossier.secret_contact_reason,
    }


def content_for_parents(content: dict) -> dict:
    """The dossier as the parents read it: a secret address that goes to the next school by
    decision is shown as shielded (the other parent must not learn it); the decision itself,
    with who, when and why, stays visible, so parents see that it was included."""
    if not content or not content.get("secret_contact"):
        return content
    shielded = copy.deepcopy(content)
    for section in shielded.get("sections", []):
        for category in section.get("categories", []):
            for fact in category.get("facts", []):
                if fact.get("secret"):
                    fact["value"] = str(rendering.SECRET_PLACEHOLDER)
    return shielded


def may_compile(user, pupil) -> bool:
    """Only the IB-er and the directie of the pupil's own school compile a transfer dossier."""
    return access.has_school_role(user, pupil.school, "ib", "directie")
