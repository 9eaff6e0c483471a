"""What the transfers app adds to the navigation and the start page."""

from tests.transfers.factories import offered_dossier
from transfers import hooks, services


def test_ib_gets_the_menu_item_and_a_teacher_does_not(world):
    assert [item.label for item in hooks.navigation(world.ib)] == ["Overdracht (OSO)"]
    assert hooks.navigation(world.teacher) == []


def test_parent_is_asked_to_sign_and_the_school_is_told_when_ready(world):
    dossier = offered_dossier(world.ib, world.pupil)
    assert [item.url for item in hooks.attention(world.parent)] == [
        f"/overdracht/ouder/{dossier.pk}/"
    ]
    assert hooks.attention(world.parent_without_authority) == []
    assert hooks.attention(world.ib) == []

    services.review_sign(actor=world.parent, dossier=dossier, has_read=True)
    assert hooks.attention(world.parent) == []
    assert "klaar voor overdracht" in hooks.attention(world.directie)[0].title
