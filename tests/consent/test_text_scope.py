"""A channel text's scope (AVG art. 7: consent is specific to what the parent was told).

A widening edit ("ook op TikTok") makes earlier answers stop counting, asks the parents again
and shows "opnieuw gevraagd" until they answer; an editorial edit keeps the answers. The
history shows on which text version each answer was given.
"""

import pytest
from django.urls import reverse

from consent import services
from consent.models import ChannelText, ConsentDecision, ParentNotice
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db

TIKTOK = (
    "Foto's en video's waarop uw kind herkenbaar is, mogen op de sociale-mediakanalen van de "
    "school (zoals Facebook en Instagram). Ook op TikTok."
)


def status(pupil, channel):
    return services.statuses_for([pupil], [channel])[(pupil.pk, channel.pk)]


def widen(world, channel, text=TIKTOK):
    return services.channel_text_update(
        actor=world.fg, channel=channel, text=text, scope="widening", reason="TikTok erbij"
    )


def test_a_widening_edit_makes_the_old_yes_stop_counting_and_asks_again(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    social = channels(world.foundation)["sociale-media"]
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)
    assert status(world.pupil, social).granted

    with django_capture_on_commit_callbacks(execute=True):
        new = widen(world, social)

    assert new.version == 2 and new.scope == ChannelText.Scope.WIDENING
    now = status(world.pupil, social)
    assert now.granted is False and now.asked_again is True
    assert str(now.label) == "opnieuw gevraagd"
    allowed, blocked = services.may_publish(pupils=[world.pupil], channel=social)
    assert not allowed and blocked == [world.pupil]
    # The parent with authority is asked again, once, with a personal link; the parent
    # without authority is not.
    notice = ParentNotice.objects.get(kind="ask_again")
    assert notice.guardian == world.parent.guardian and notice.text == new
    assert [m.to for m in mailoutbox] == [[world.parent.guardian.email]]
    assert "Ook op TikTok" in mailoutbox[0].body
    assert "/toestemming/ouder/" in mailoutbox[0].body
    assert services.consent_ask_again_send(text_id=new.pk) == 0


def test_after_a_widening_the_parent_page_does_not_show_the_old_yes(world, client_for):
    social = channels(world.foundation)["sociale-media"]
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)
    widen(world, social)
    page = client_for(world.parent).get(reverse("portal:consent_detail", args=[world.pupil.pk]))
    assert page.status_code == 200
    assert f'name="channel-{social.pk}" value="ja" checked' not in page.text
    assert "Ook op TikTok" in page.text
    assert "opnieuw gevraagd" in page.text


def test_answering_the_widened_text_counts_again_and_the_history_names_both_versions(
    world, client_for
):
    social = channels(world.foundation)["sociale-media"]
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)
    widen(world, social)
    # The same "ja" again is a new answer, on the new text.
    assert (
        services.consents_save(actor=world.parent, pupil=world.pupil, answers={social.pk: True})
        == 1
    )
    assert status(world.pupil, social).granted
    versions = list(
        ConsentDecision.objects.filter(channel=social)
        .order_by("decided_at", "pk")
        .values_list("text__version", flat=True)
    )
    assert versions == [1, 2]
    history = client_for(world.directie).get(
        reverse("consent:pupil_history", args=[world.pupil.pk])
    )
    assert "versie 1" in history.text and "versie 2" in history.text


def test_an_editorial_edit_keeps_the_answers(world, mailoutbox, django_capture_on_commit_callbacks):
    website = channels(world.foundation)["website"]
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=website, granted=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_text_update(
            actor=world.fg,
            channel=website,
            text="Foto's en video's waarop uw kind herkenbaar is, mogen op de schoolwebsite.",
            scope="editorial",
        )
    assert status(world.pupil, website).granted
    assert mailoutbox == []
    assert not ParentNotice.objects.filter(kind="ask_again").exists()


def test_an_editorial_edit_after_a_widening_keeps_answers_on_the_widened_text(world):
    social = channels(world.foundation)["sociale-media"]
    widen(world, social)
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)
    services.channel_text_update(
        actor=world.fg, channel=social, text=TIKTOK + " ", scope="editorial"
    )
    services.channel_text_update(
        actor=world.fg, channel=social, text=TIKTOK.replace("Ook", "En ook"), scope="editorial"
    )
    assert status(world.pupil, social).granted


def test_the_fg_sees_which_kind_each_version_was(world, client_for):
    social = channels(world.foundation)["sociale-media"]
    widen(world, social)
    page = client_for(world.fg).get(reverse("consent:channel_edit", args=[social.pk]))
    assert page.status_code == 200
    assert "verruiming: opnieuw gevraagd" in page.text
    assert "TikTok erbij" in page.text
    listing = client_for(world.fg).get(reverse("consent:channel_list"))
    assert "verruimd" in listing.text


def test_the_editor_must_choose_the_kind_of_change(world, client_for):
    social = channels(world.foundation)["sociale-media"]
    url = reverse("consent:channel_edit", args=[social.pk])
    response = client_for(world.fg).post(url, {"text": TIKTOK})
    assert response.status_code == 400
    assert ChannelText.objects.filter(channel=social).count() == 1
    response = client_for(world.fg).post(url, {"text": TIKTOK, "scope": "widening"})
    assert response.status_code == 302
    assert ChannelText.objects.get(channel=social, version=2).scope == "widening"


def test_a_widening_asks_a_pupil_of_another_school_only_where_the_channel_is_used(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    social = channels(world.foundation)["sociale-media"]
    other_parent = f.parent_of(world.pupil_other_school)
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)
    services.consent_decide(
        actor=other_parent.user, pupil=world.pupil_other_school, channel=social, granted=True
    )
    services.school_channels_update(
        actor=world.directie_other_school,
        school=world.other_school,
        channel_ids=[c.pk for c in channels(world.foundation).values() if c.pk != social.pk],
    )
    with django_capture_on_commit_callbacks(execute=True):
        widen(world, social)
    assert [m.to for m in mailoutbox] == [[world.parent.guardian.email]]
