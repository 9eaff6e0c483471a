"""The rules of media consent (R8, R4), tested through the services."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from consent import services
from consent.models import ChannelText, ConsentDecision
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def status(pupil, channel, day=None):
    return services.statuses_for([pupil], [channel], day=day)[(pupil.pk, channel.pk)]


def test_no_answer_means_refused(world):
    ch = channels(world.foundation)
    for channel in ch.values():
        result = status(world.pupil, channel)
        assert result.granted is False
        assert result.answered is False
    allowed, blocked = services.may_publish(pupils=[world.pupil], channel=ch["website"])
    assert not allowed and blocked == [world.pupil]


def test_granted_consent_counts_for_the_current_school_year(world):
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    assert status(world.pupil, ch["website"]).granted is True
    assert services.may_publish(pupils=[world.pupil], channel=ch["website"]) == (True, [])


def test_withdrawal_is_effective_immediately(world):
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["sociale-media"], granted=True
    )
    assert status(world.pupil, ch["sociale-media"]).granted
    services.consent_withdraw(actor=world.parent, pupil=world.pupil, channel=ch["sociale-media"])
    after = status(world.pupil, ch["sociale-media"])
    assert after.granted is False and after.answered is True
    # The history keeps both answers.
    assert list(
        ConsentDecision.objects.filter(pupil=world.pupil).values_list("granted", flat=True)
    ) == [False, True]


def test_website_consent_does_not_imply_social_media_consent(world):
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    assert status(world.pupil, ch["website"]).granted
    assert not status(world.pupil, ch["sociale-media"]).granted
    allowed, _blocked = services.may_publish(pupils=[world.pupil], channel=ch["sociale-media"])
    assert not allowed


def test_parent_without_authority_cannot_decide(world):
    ch = channels(world.foundation)
    with pytest.raises(PermissionDenied):
        services.consent_decide(
            actor=world.parent_without_authority,
            pupil=world.pupil,
            channel=ch["website"],
            granted=True,
        )
    with pytest.raises(PermissionDenied):
        services.consent_decide(
            actor=world.teacher, pupil=world.pupil, channel=ch["website"], granted=True
        )
    assert not ConsentDecision.objects.exists()


def test_channel_of_another_foundation_is_refused(world):
    other = channels(f.FoundationFactory())
    with pytest.raises(ValidationError):
        services.consent_decide(
            actor=world.parent, pupil=world.pupil, channel=other["website"], granted=True
        )


def test_with_one_parent_the_latest_answer_of_either_parent_counts(world):
    ch = channels(world.foundation)
    second = f.parent_of(world.pupil).user
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    services.consent_decide(actor=second, pupil=world.pupil, channel=ch["website"], granted=False)
    assert not status(world.pupil, ch["website"]).granted


def test_two_parent_setting_stricter_answer_counts_until_both_answered(world):
    ch = channels(world.foundation)
    services.school_setting_update(
        actor=world.directie, school=world.school, require_both_parents=True
    )
    second = f.parent_of(world.pupil).user
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    waiting = status(world.pupil, ch["website"])
    assert waiting.granted is False and waiting.waiting_for_other_parent is True
    services.consent_decide(actor=second, pupil=world.pupil, channel=ch["website"], granted=True)
    assert status(world.pupil, ch["website"]).granted is True
    # Either parent's later refusal ends it, though the other still grants.
    services.consent_withdraw(actor=second, pupil=world.pupil, channel=ch["website"])
    assert status(world.pupil, ch["website"]).granted is False


def test_two_parent_setting_ignores_a_parent_without_authority(world):
    ch = channels(world.foundation)
    services.school_setting_update(
        actor=world.directie, school=world.school, require_both_parents=True
    )
    # world.pupil has one parent with authority and one without: one answer is enough.
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    assert status(world.pupil, ch["website"]).granted is True


def test_only_directie_changes_the_two_parent_setting(world):
    with pytest.raises(PermissionDenied):
        services.school_setting_update(
            actor=world.teacher, school=world.school, require_both_parents=True
        )
    with pytest.raises(PermissionDenied):
        services.school_setting_update(
            actor=world.directie_other_school, school=world.school, require_both_parents=True
        )


def test_pupil_of_16_or_older_decides_and_parents_no_longer_can(world):
    ch = channels(world.foundation)
    teen = f.pupil_in_class(world.class_5a, date_of_birth=date(2010, 1, 1))
    teen.user = f.UserFactory()
    teen.save()
    parent = f.parent_of(teen).user
    with pytest.raises(PermissionDenied):
        services.consent_decide(actor=parent, pupil=teen, channel=ch["website"], granted=True)
    services.consent_decide(actor=teen.user, pupil=teen, channel=ch["website"], granted=True)
    assert status(teen, ch["website"]).granted is True


def test_parents_answer_stops_counting_when_the_pupil_turns_16(world):
    ch = channels(world.foundation)
    pupil = f.pupil_in_class(world.class_5a, date_of_birth=date(2010, 12, 15))
    parent = f.parent_of(pupil).user
    services.consent_decide(actor=parent, pupil=pupil, channel=ch["website"], granted=True)
    assert status(pupil, ch["website"], day=date(2026, 12, 14)).granted is True
    assert status(pupil, ch["website"], day=date(2026, 12, 15)).granted is False
    assert services.pupil_decides_self(pupil, date(2026, 12, 15))
    assert not services.pupil_decides_self(pupil, date(2026, 12, 14))


def test_a_new_school_year_asks_again(world, mailoutbox, django_capture_on_commit_callbacks):
    ch = channels(world.foundation)
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=AMS), tick=False):
        services.consent_decide(
            actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
        )
        assert status(world.pupil, ch["website"]).granted
    with time_machine.travel(datetime(2026, 7, 31, 12, tzinfo=AMS), tick=False):
        assert status(world.pupil, ch["website"]).granted  # still school year 2025-2026
    with time_machine.travel(datetime(2026, 8, 1, 12, tzinfo=AMS), tick=False):
        new_year = status(world.pupil, ch["website"])
        assert new_year.granted is False and new_year.answered is False
        # 1 August is in the summer holiday: the round waits for the first school day.
        assert services.consent_requests_send() == 0
    with (
        time_machine.travel(datetime(2026, 9, 7, 8, tzinfo=AMS), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.consent_requests_send() == 1  # the one parent with authority
        assert services.consent_requests_send() == 0  # asked once per school year
    assert [m.to for m in mailoutbox] == [[world.parent.guardian.email]]
    assert "2026-2027" in mailoutbox[0].subject
    assert f"/ouders/toestemming/{world.pupil.pk}/" in mailoutbox[0].body
    with time_machine.travel(datetime(2027, 9, 6, 12, tzinfo=AMS), tick=False):
        assert services.consent_requests_send() == 1  # and again the next school year


def test_editing_a_text_makes_a_new_version_and_decisions_keep_theirs(world):
    ch = channels(world.foundation)
    website = ch["website"]
    first = services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=website, granted=True
    )
    new = services.channel_text_update(
        actor=world.beheerder, channel=website, text="Nieuwe tekst.", scope="editorial"
    )
    assert new.version == 2
    second = services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=website, granted=False
    )
    first.refresh_from_db()
    assert first.text.version == 1 and second.text.version == 2
    assert ChannelText.objects.filter(channel=website).count() == 2


def test_only_foundation_administrators_edit_texts(world):
    ch = channels(world.foundation)
    with pytest.raises(PermissionDenied):
        services.channel_text_update(
            actor=world.directie, channel=ch["website"], text="x", scope="editorial"
        )
    with pytest.raises(ValidationError):
        services.channel_text_update(
            actor=world.beheerder, channel=ch["website"], text="  ", scope="editorial"
        )
    with pytest.raises(ValidationError):  # the editor must say what kind of change it is
        services.channel_text_update(
            actor=world.beheerder, channel=ch["website"], text="y", scope=""
        )


def test_saving_the_same_answers_again_writes_nothing(world):
    ch = channels(world.foundation)
    answers = {ch["website"].pk: True, ch["sociale-media"].pk: False}
    assert services.consents_save(actor=world.parent, pupil=world.pupil, answers=answers) == 2
    assert services.consents_save(actor=world.parent, pupil=world.pupil, answers=answers) == 0
