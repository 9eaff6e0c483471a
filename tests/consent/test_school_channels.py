"""A directie adds channels for its own school (issue 17: "channel management for the
directie/FG"): such a channel is asked, shown and counted only at that school, and the directie
of another school can neither see nor change it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from consent import selectors, services
from consent.models import Channel
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db

INSTAGRAM = {"name": "Instagram De Regenboog", "text": "Foto's op het Instagram-account."}


@pytest.fixture
def own_channel(world, client_for):
    channels(world.foundation)
    response = client_for(world.directie).post(
        reverse("consent:channel_list"), {"scope": str(world.school.pk), **INSTAGRAM}
    )
    assert response.status_code == 302
    return Channel.objects.get(name=INSTAGRAM["name"])


def test_the_directie_adds_a_channel_for_its_own_school(world, own_channel, client_for):
    assert own_channel.school == world.school
    assert own_channel.texts.get().scope == "initial"
    overview = client_for(world.teacher).get(
        reverse("consent:class_overview", args=[world.class_5a.pk])
    )
    assert INSTAGRAM["name"] in overview.text
    # Parents of this school are asked; a parent answers and it counts.
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=own_channel, granted=True
    )
    statuses = services.statuses_for([world.pupil], [own_channel])
    assert statuses[(world.pupil.pk, own_channel.pk)].granted


def test_a_schools_own_channel_is_invisible_at_another_school(world, own_channel, client_for):
    other = client_for(world.teacher_other_school).get(
        reverse("consent:class_overview", args=[world.class_7c.pk])
    )
    assert INSTAGRAM["name"] not in other.text
    assert own_channel not in selectors.active_channels(
        world.foundation.pk, school_id=world.other_school.pk
    )
    assert own_channel not in selectors.active_channels(world.foundation.pk)  # foundation-wide
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.consent_decide(
            actor=world.parent, pupil=world.pupil_other_school, channel=own_channel, granted=True
        )


def test_the_directie_of_another_school_cannot_see_or_change_it(world, own_channel, client_for):
    client = client_for(world.directie_other_school)
    listing = client.get(reverse("consent:channel_list"))
    assert listing.status_code == 200
    assert INSTAGRAM["name"] not in listing.text
    assert client.get(reverse("consent:channel_edit", args=[own_channel.pk])).status_code == 404
    response = client.post(
        reverse("consent:channel_action", args=[own_channel.pk]), {"action": "retire"}
    )
    assert response.status_code == 404
    own_channel.refresh_from_db()
    assert own_channel.is_active
    with pytest.raises(PermissionDenied):
        services.channel_text_update(
            actor=world.directie_other_school,
            channel=own_channel,
            text="Ook op TikTok.",
            scope="widening",
        )
    # Nor add a channel for a school where they are not directie.
    response = client.post(
        reverse("consent:channel_list"), {"scope": str(world.school.pk), "name": "X", "text": "Y"}
    )
    assert response.status_code == 400
    assert not Channel.objects.filter(name="X").exists()


def test_the_directie_edits_and_retires_its_own_channel_but_not_the_foundations(
    world, own_channel, client_for
):
    client = client_for(world.directie)
    edit = reverse("consent:channel_edit", args=[own_channel.pk])
    response = client.post(
        edit, {"text": "Foto's op Instagram en in Stories.", "scope": "widening"}
    )
    assert response.status_code == 302
    assert own_channel.texts.count() == 2
    website = channels(world.foundation)["website"]
    # The foundation's channels are visible to the directie, but not theirs to change.
    assert client.get(reverse("consent:channel_edit", args=[website.pk])).status_code == 403
    assert (
        client.post(reverse("consent:channel_action", args=[website.pk]), {"action": "retire"})
    ).status_code == 403
    listing = client.get(reverse("consent:channel_list"))
    assert "Website van de school" in listing.text  # the foundation's channels, to read
    assert reverse("consent:channel_edit", args=[website.pk]) not in listing.text
    client.post(reverse("consent:channel_action", args=[own_channel.pk]), {"action": "retire"})
    own_channel.refresh_from_db()
    assert not own_channel.is_active


def test_moving_a_schools_own_channel_leaves_the_foundations_order_alone(
    world, own_channel, client_for
):
    before = list(
        Channel.objects.filter(school__isnull=True).order_by("order").values_list("pk", "order")
    )
    second = services.channel_create(
        actor=world.directie,
        foundation=world.foundation,
        school=world.school,
        name="Schoolkrant",
        text="Foto's in de schoolkrant.",
    )
    services.channel_move(actor=world.directie, channel=second, up=True)
    after = list(
        Channel.objects.filter(school__isnull=True).order_by("order").values_list("pk", "order")
    )
    assert before == after
    own = list(
        Channel.objects.filter(school=world.school).order_by("order").values_list("name", flat=True)
    )
    assert own == ["Schoolkrant", INSTAGRAM["name"]]
    with pytest.raises(PermissionDenied):
        services.channel_move(
            actor=world.directie, channel=channels(world.foundation)["website"], up=False
        )
