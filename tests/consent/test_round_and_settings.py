"""The paper form per pupil, the yearly round (start day, one request, one reminder), the 16+
rule in the mailings, channel management, and the two-parent rule's consequence."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from consent import services
from consent.models import Channel, ConsentDecision, ParentNotice
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=AMS), tick=False)


# --- Paper form ------------------------------------------------------------------------------


def test_paper_entry_of_seven_channels_times_two_parents_is_one_post(world, client_for):
    ch = channels(world.foundation)
    assert len(ch) == 7
    second = f.parent_of(world.pupil)
    first = world.parent.guardian
    data = {}
    for i, channel in enumerate(ch.values()):
        data[f"a-{first.pk}-{channel.pk}"] = "ja"
        data[f"a-{second.pk}-{channel.pk}"] = "ja" if i % 2 else "nee"
    url = reverse("consent:pupil_history", args=[world.pupil.pk])
    page = client_for(world.administratie).get(url)
    assert page.status_code == 200
    assert page.text.count('type="radio"') == 7 * 2 * 3
    response = client_for(world.administratie).post(url, data)
    assert response.status_code == 302
    decisions = ConsentDecision.objects.filter(pupil=world.pupil)
    assert decisions.count() == 14
    assert {d.source for d in decisions} == {"paper"}
    assert {d.decided_by_id for d in decisions} == {world.administratie.pk}
    assert {d.guardian_id for d in decisions} == {first.pk, second.pk}


def test_a_paper_form_with_one_bad_cell_records_nothing(world, client_for):
    ch = channels(world.foundation)
    data = {
        f"a-{world.parent.guardian.pk}-{ch['website'].pk}": "ja",
        f"a-{world.parent.guardian.pk}-{ch['nieuwsbrief'].pk}": "misschien",
    }
    url = reverse("consent:pupil_history", args=[world.pupil.pk])
    assert client_for(world.administratie).post(url, data).status_code == 400
    assert not ConsentDecision.objects.exists()


def test_an_empty_paper_form_is_refused(world, client_for):
    channels(world.foundation)
    url = reverse("consent:pupil_history", args=[world.pupil.pk])
    response = client_for(world.administratie).post(url, {})
    assert response.status_code == 400
    assert "ten minste één antwoord" in response.text


# --- The yearly round ------------------------------------------------------------------------


def test_the_round_starts_on_the_first_school_day_not_on_1_august(world):
    assert services.default_round_start(2026) == date(2026, 9, 7)
    assert services.default_round_start(2027) == date(2027, 9, 6)
    assert services.default_round_start(2025) == date(2025, 9, 1)
    channels(world.foundation)
    with at(2026, 8, 1, 8):
        assert services.consent_requests_send() == 0
        assert services.consent_reminders_send() == 0
    with at(2026, 9, 7, 8):
        assert services.consent_requests_send() == 1
        # Request and reminder never go out the same morning.
        assert services.consent_reminders_send() == 0
    with at(2026, 9, 20, 8):
        assert services.consent_reminders_send() == 0
    with at(2026, 9, 21, 8):
        assert services.consent_reminders_send() == 1
        assert services.consent_reminders_send() == 0


def test_the_foundation_sets_its_own_start_day_and_interval(world, client_for):
    channels(world.foundation)
    url = reverse("consent:round_settings")
    # (Roles start today, so the settings are made now, for this school year 2026-2027.)
    assert client_for(world.directie).get(url).status_code == 403
    response = client_for(world.fg).post(
        url, {"starts_on": "2026-08-24", "reminder_after_days": "7"}
    )
    assert response.status_code == 302
    bad = client_for(world.fg).post(url, {"starts_on": "2027-08-24", "reminder_after_days": "7"})
    assert bad.status_code == 400
    with at(2026, 8, 23, 8):
        assert services.consent_requests_send() == 0
    with at(2026, 8, 24, 8):
        assert services.consent_requests_send() == 1
    with at(2026, 8, 31, 8):
        assert services.consent_reminders_send() == 1


def test_a_parent_asked_later_in_the_year_waits_the_interval_for_the_reminder(world):
    channels(world.foundation)
    with at(2026, 10, 1, 8):
        assert services.consent_requests_send() == 1
        assert services.consent_reminders_send() == 0
    with at(2026, 10, 15, 8):
        assert services.consent_reminders_send() == 1


def test_the_mails_are_signed_with_the_school_and_list_the_current_choices(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    ch = channels(world.foundation)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    with at(2026, 10, 1, 8), django_capture_on_commit_callbacks(execute=True):
        services.consent_requests_send()
    with at(2026, 10, 15, 8), django_capture_on_commit_callbacks(execute=True):
        services.consent_reminders_send()
    request, reminder = mailoutbox
    for mail in (request, reminder):
        assert mail.body.rstrip().endswith(world.school.name)
        assert "De school" not in mail.body
        assert "Website van de school: toestemming" in mail.body
        assert "Nieuwsbrief: geen antwoord" in mail.body
        assert "/toestemming/ouder/" in mail.body


# --- 16+ -------------------------------------------------------------------------------------


def test_parents_of_a_pupil_of_16_get_no_revocation_reminder_and_the_pupil_gets_the_request(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    channels(world.foundation)
    world.pupil.date_of_birth = date(2010, 1, 1)
    world.pupil.save()
    no_account = f.pupil_in_class(world.class_6b, date_of_birth=date(2010, 2, 2))
    f.parent_of(no_account)
    with at(2026, 10, 1, 8), django_capture_on_commit_callbacks(execute=True):
        # world.pupil_other_class and pupil_other_school have no parents in this world.
        assert services.consent_requests_send() == 1
    with at(2026, 11, 1, 8), django_capture_on_commit_callbacks(execute=True):
        assert services.consent_reminders_send() == 0
    assert [m.to for m in mailoutbox] == [[world.pupil_user.email]]
    assert "Jij beslist" in mailoutbox[0].subject
    assert ParentNotice.objects.get().guardian is None
    assert not ParentNotice.objects.filter(kind="reminder").exists()


# --- Channel management ----------------------------------------------------------------------


def test_the_fg_adds_retires_and_orders_channels(world, client_for):
    channels(world.foundation)
    url = reverse("consent:channel_list")
    assert client_for(world.teacher).get(url).status_code == 403
    client = client_for(world.fg)
    response = client.post(url, {"name": "Klassenapp", "text": "Foto's in de klassenapp."})
    assert response.status_code == 302
    app = Channel.objects.get(name="Klassenapp")
    assert app.key == "klassenapp" and app.texts.get().scope == "initial"
    assert client.post(url, {"name": "klassenapp", "text": "x"}).status_code == 400
    action = reverse("consent:channel_action", args=[app.pk])
    client.post(action, {"action": "up"})
    names = list(
        Channel.objects.filter(foundation=world.foundation)
        .order_by("order")
        .values_list("name", flat=True)
    )
    assert names[-2:] == ["Klassenapp", "Video voor coaching van leerkrachten"]
    client.post(action, {"action": "retire"})
    assert not Channel.objects.get(pk=app.pk).is_active
    assert client.post(action, {"action": "bogus"}).status_code == 400
    other = channels(f.FoundationFactory())["website"]
    assert (
        client.post(reverse("consent:channel_action", args=[other.pk]), {"action": "retire"})
    ).status_code == 404
    overview = client_for(world.teacher).get(
        reverse("consent:class_overview", args=[world.class_5a.pk])
    )
    assert "Klassenapp" not in overview.text


def test_the_directie_chooses_which_channels_apply_at_the_school(world, client_for):
    ch = channels(world.foundation)
    url = reverse("consent:school_settings", args=[world.school.pk])
    used = [str(c.pk) for key, c in ch.items() if key != "sociale-media"]
    response = client_for(world.directie).post(url, {"form": "channels", "channels": used})
    assert response.status_code == 302
    overview = client_for(world.teacher).get(
        reverse("consent:class_overview", args=[world.class_5a.pk])
    )
    assert "Sociale media" not in overview.text
    # The other school still uses it.
    other = client_for(world.teacher_other_school).get(
        reverse("consent:class_overview", args=[world.class_7c.pk])
    )
    assert "Sociale media" in other.text
    # And a parent cannot answer for a channel the school does not use.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.consent_decide(
            actor=world.parent, pupil=world.pupil, channel=ch["sociale-media"], granted=True
        )


# --- The two-parent rule ---------------------------------------------------------------------


def test_switching_on_the_two_parent_rule_shows_how_many_pupils_lose_consent(world, client_for):
    ch = channels(world.foundation)
    # Mila: one of two parents said yes to two channels -> loses both.
    f.parent_of(world.pupil)
    for key in ("website", "nieuwsbrief"):
        services.consent_decide(
            actor=world.parent, pupil=world.pupil, channel=ch[key], granted=True
        )
    # Sem: both parents said yes -> keeps it.
    a, b = f.parent_of(world.pupil_other_class), f.parent_of(world.pupil_other_class)
    for parent in (a, b):
        services.consent_decide(
            actor=parent.user, pupil=world.pupil_other_class, channel=ch["website"], granted=True
        )
    consequence = services.two_parent_rule_consequence(school=world.school, require_both=True)
    assert (consequence.pupils, consequence.channels) == (1, 2)
    assert consequence.message == "1 leerling verliest toestemming voor 2 kanalen"
    url = reverse("consent:school_settings", args=[world.school.pk])
    response = client_for(world.directie).post(url, {"form": "rule", "require_both_parents": "on"})
    assert response.status_code == 200
    assert "1 leerling verliest toestemming voor 2 kanalen" in response.text
    assert not services.requires_both_parents(world.school.pk)
    assert services.statuses_for([world.pupil], [ch["website"]])[
        (world.pupil.pk, ch["website"].pk)
    ].granted


def test_the_consequence_message_counts_in_dutch():
    from consent.services import RuleConsequence

    assert RuleConsequence(23, 2).message == "23 leerlingen verliezen toestemming voor 2 kanalen"
    assert RuleConsequence(1, 1).message == "1 leerling verliest toestemming voor 1 kanaal"
