"""Template versions: the seeded appendix c, and changes that never alter past rounds."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from checklist import protocol, selectors, services
from checklist.defaults import DEFAULT_ITEMS
from checklist.models import ChecklistTemplate
from tests.checklist.factories import open_round


def _items_of(template):
    return [
        {"key": i.key, "section": i.section, "text": i.text, "paragraphs": i.paragraphs}
        for i in selectors.template_items(template)
    ]


def test_default_template_is_appendix_c_with_sections_and_paragraphs(db):
    template = selectors.current_template(None)
    items = selectors.template_items(template)
    assert template.version == 1
    assert len(items) == len(DEFAULT_ITEMS) == 27
    assert selectors.sections_of(template) == [
        "Leerlingenadministratie",
        "Leermateriaal",
        "Beeldmateriaal",
        "Sociale media",
        "Overstap naar andere school",
        "Gegevensbeveiliging",
        "Functionaris gegevensbescherming",
    ]
    by_key = {i.key: i for i in items}
    assert by_key["oude-apparatuur"].paragraph_refs == ["11.3", "11.4"]
    assert by_key["bewaartermijn-dossier"].paragraph_refs == ["10.3"]


def test_every_paragraph_the_default_template_names_has_a_readable_page(db):
    refs = {ref for item in DEFAULT_ITEMS for ref in item["paragraphs"].split(", ")}
    for ref in refs:
        paragraph = protocol.paragraph(ref)
        assert paragraph is not None, ref
        assert paragraph.blocks, ref
    retention = protocol.paragraph("10.3")
    assert retention.label == "§10.3 Bewaartermijnen"
    assert any("minimaal 5 jaar vanaf de datum van uitschrijving" in b for b in retention.blocks)


def test_template_change_makes_a_new_version_and_past_rounds_keep_theirs(world):
    past = open_round(world.school, world.directie)
    old_texts = [i.text for i in selectors.template_items(past.template)]
    items = _items_of(past.template)
    items[0]["text"] = "Ouders weten precies wat we bijhouden en waarom."
    items[1]["retired"] = True
    items.append(
        {
            "section": "Gegevensbeveiliging",
            "text": "Wij gebruiken een wachtwoordkluis.",
            "paragraphs": "11.2",
        }
    )
    new = services.template_publish(
        actor=world.fg, foundation=world.foundation, items=items, note="Herzien"
    )
    assert new.version == 2
    new_items = selectors.template_items(new)
    assert new_items[0].text == "Ouders weten precies wat we bijhouden en waarom."
    assert new_items[0].key == "ouders-weten-wat"  # stable key: evidence and trends still match
    assert "ouders-weten-cijfers" not in {i.key for i in new_items}
    assert new_items[-1].key == "wij-gebruiken-een-wachtwoordkluis"
    past.refresh_from_db()
    assert past.template.version == 1
    assert [i.text for i in selectors.template_items(past.template)] == old_texts
    # A new round, at the other school, uses the new version.
    other = open_round(world.other_school, world.directie_other_school)
    assert other.template == new


def test_only_foundation_roles_change_the_template(world):
    items = _items_of(selectors.current_template(world.foundation))
    with pytest.raises(PermissionDenied):
        services.template_publish(actor=world.directie, foundation=world.foundation, items=items)
    with pytest.raises(ValidationError):
        services.template_publish(
            actor=world.cvb,
            foundation=world.foundation,
            items=[dict(i, retired=True) for i in items],
        )
    assert ChecklistTemplate.objects.count() == 1
