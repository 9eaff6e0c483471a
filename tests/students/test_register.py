"""The FG's record of processing (verwerkingsregister), generated from the registry."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from students import registry, selectors


def test_the_register_lists_every_category_with_purpose_basis_retention_and_roles(
    world, client_for
):
    response = client_for(world.fg).get(reverse("students:register"))
    assert response.status_code == 200
    page = response.content.decode()
    for category in registry.CATEGORIES:
        assert escape(str(category.label)) in page  # "Foto's" arrives HTML-escaped
    assert "vitaal belang" in page
    assert "5 jaar na uitschrijving" in page
    assert "Leerkracht (eigen groep)" in page
    assert "BSN of onderwijsnummer" in page  # a field label


def test_roles_with_access_follow_the_role_ceilings():
    assert selectors.roles_with_access(registry.get_category("medical")) == [
        "Directie",
        "Intern begeleider (IB-er)",
    ]
    assert "Conciërge" in selectors.roles_with_access(registry.get_category("parents"))
    assert "Conciërge" not in selectors.roles_with_access(registry.get_category("allergies"))


def test_processors_come_from_the_hook_of_other_apps(world, monkeypatch):
    from privacy_portal import hooks

    def fake_collect(name, *args, **kwargs):
        if name == "register_processor_names":
            return [("results", "Toetsplatform BV")]
        return []

    monkeypatch.setattr(hooks, "collect", fake_collect)
    rows = {row.category.key: row for row in selectors.register_rows(world.foundation)}
    assert rows["results"].processors == ["Toetsplatform BV"]
    assert rows["medical"].processors == []


def test_the_register_is_printable_as_pdf(world, client_for):
    response = client_for(world.fg).get(reverse("students:register_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("persona", ["fg", "cvb", "directie"])
def test_fg_board_and_directie_read_the_register(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(reverse("students:register")).status_code == 200


@pytest.mark.parametrize(
    "persona", ["teacher", "ib", "concierge", "parent", "pupil_user", "outsider"]
)
def test_others_are_refused_the_register(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(reverse("students:register")).status_code == 403
