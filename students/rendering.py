"""The one renderer of registry fields: every screen, export, PDF and transfer dossier that shows
pupil or guardian data gets its values here, so that the field policy (``students.registry``)
is applied in one place:

- a category is shown only to an audience holding one of its capabilities (staff), or to a
  parent for the categories parents see directly;
- a field the secret-contact flag hides (``secret_hides``) shows ``SECRET_PLACEHOLDER`` to
  everyone without ``registry.SECRET_AUDIENCE``: to administratie, teachers, the FG, every
  parent (the other parent must never learn it) and the receiving school of a transfer;
- other parents' e-mail addresses and phone numbers are never shown to a parent;
- ``categories_with_content`` says which categories a response really shows, so that read
  logging records exactly those (``students.services.pupil_data_read``).
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from students import registry
from students.models import Pupil

SECRET_PLACEHOLDER = gettext_lazy("afgeschermd (geheim adres)")
# Pupil fields that are relations to the organisation or an account, not shown as facts.
NOT_SHOWN = {"school", "user"}


def display_value(pupil: Pupil, name: str) -> str:
    """A pupil field as text: dates in Dutch, yes/no, a dash for empty."""
    model_field = Pupil._meta.get_field(name)
    value = getattr(pupil, name)
    if value in (None, ""):
        return "—"
    if model_field.get_internal_type() == "BooleanField":
        return str(_("ja")) if value else str(_("nee"))
    if model_field.get_internal_type() == "DateField":
        return date_format(value, "DATE_FORMAT")
    return str(value)


def hidden_by_secret(pupil: Pupil, name: str, reader=None) -> bool:
    """True when the field policy (``registry.may_see``) hides ``Pupil.<name>`` from
    ``reader`` (default: a parent)."""
    if reader is None:
        reader = registry.Reader(parents_read=True)
    return not registry.may_see(f"Pupil.{name}", pupil=pupil, reader=reader)


def pupil_facts(pupil: Pupil, category: registry.DataCategory, *, reader) -> list[dict]:
    """The pupil fields of ``category`` as ``{"field", "label", "value", "hidden", "secret"}``
    for ``reader`` (a ``registry.Reader``). ``secret``: the value is a secret address or
    phone that this reader sees (only by decision or with very sensitive access)."""
    facts = []
    for name in category.model_fields("Pupil"):
        if name in NOT_SHOWN:
            continue
        hidden = hidden_by_secret(pupil, name, reader)
        facts.append(
            {
                "field": name,
                "label": capfirst(str(Pupil._meta.get_field(name).verbose_name)),
                "value": str(SECRET_PLACEHOLDER) if hidden else display_value(pupil, name),
                "hidden": hidden,
                "secret": not hidden
                and pupil.contact_is_secret
                and f"Pupil.{name}" in registry.HIDDEN_WHEN_SECRET,
            }
        )
    return facts


def guardian_rows(pupil: Pupil, *, reader) -> list[dict]:
    """The pupil's parents as ``{"name", "relationship", "authority", "email", "phone",
    "guardian"}`` for ``reader``: e-mail and phone only where ``registry.may_see`` allows (a
    parent sees their own, never the other parent's)."""
    rows = []
    links = pupil.guardian_links.select_related("guardian").order_by("pk")
    for link in links:
        guardian = link.guardian
        contact = {
            name: getattr(guardian, name)
            if registry.may_see(f"Guardian.{name}", pupil=pupil, reader=reader, owner=guardian)
            else ""
            for name in ("email", "phone")
        }
        rows.append(
            {
                "guardian": guardian,
                "link": link,
                "name": str(guardian),
                "relationship": link.get_relationship_display(),
                "authority": link.has_parental_authority,
                **contact,
            }
        )
    return rows


def category_has_content(pupil: Pupil, category: registry.DataCategory, *, entries=()) -> bool:
    """Whether showing ``category`` of ``pupil`` shows any data (an empty field, a "no" flag or
    a category without entries shows nothing worth an access record)."""
    for name in category.model_fields("Pupil"):
        if name in NOT_SHOWN:
            continue
        if getattr(pupil, name) not in (None, "", False):
            return True
    return any(getattr(entry, "category", None) == category.key for entry in entries)


def very_sensitive_with_content(
    pupil: Pupil, categories, *, entries=(), capabilities=frozenset()
) -> list[str]:
    """Keys of the very sensitive categories among ``categories`` that show data of ``pupil``
    (a secret address counts as very sensitive for whoever it is shown to)."""
    keys = []
    for category in categories:
        secret_shown = (
            category.secret_hides
            and pupil.contact_is_secret
            and registry.SECRET_AUDIENCE in set(capabilities)
        )
        if (category.is_very_sensitive or secret_shown) and category_has_content(
            pupil, category, entries=entries
        ):
            keys.append(category.key)
    return keys
