"""Numbers for the annual checklist, and what the start page asks attention for."""

import pytest
from django.urls import reverse

from consent import selectors, services
from tests import factories as f
from tests.consent.factories import channels

pytestmark = pytest.mark.django_db


def test_numbers_give_share_answered_per_channel_and_reminder_state(world):
    ch = channels(world.foundation)
    second = f.pupil_in_class(world.class_5a)
    f.parent_of(second)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=False
    )
    numbers = selectors.consent_numbers(school=world.school)
    # School A: world.pupil, pupil_other_class and ``second``.
    assert numbers["pupils"] == 3
    website = next(r for r in numbers["channels"] if r["channel"].key == "website")
    social = next(r for r in numbers["channels"] if r["channel"].key == "sociale-media")
    assert website["answered"] == 1 and website["granted"] == 0
    assert website["share_answered"] == pytest.approx(1 / 3)
    assert social["answered"] == 0
    assert numbers["reminder_parents"] == 2
    assert numbers["reminder_done"] is False
    services.consent_reminders_send()
    numbers = selectors.consent_numbers(school=world.school)
    assert numbers["reminder_sent"] == 2 and numbers["reminder_done"] is True
    # The other school's numbers are its own.
    assert selectors.consent_numbers(school=world.other_school)["reminder_parents"] == 0


def test_directie_is_reminded_until_the_yearly_reminder_went_out(world, client_for):
    channels(world.foundation)
    client = client_for(world.directie)
    assert "Jaarlijkse herinnering toestemming" in client.get(reverse("home")).text
    services.consent_reminders_send()
    assert "Jaarlijkse herinnering toestemming" not in client.get(reverse("home")).text
    # Teachers are not asked to act on it.
    assert "Jaarlijkse herinnering" not in client_for(world.teacher).get(reverse("home")).text


def test_staff_navigation_shows_consent_only_to_those_with_classes(world, client_for):
    assert 'href="/toestemming/"' in client_for(world.teacher).get(reverse("home")).text
    assert 'href="/toestemming/"' not in client_for(world.parent).get(reverse("home")).text


def test_consent_history_reaches_the_inspection_export(world):
    from consent import services
    from portal.selectors import inspection_export
    from tests.consent.factories import channels

    services.consent_decide(
        actor=world.parent,
        pupil=world.pupil,
        channel=channels(world.foundation)["website"],
        granted=True,
    )
    export = inspection_export(world.pupil)
    assert [c["answer"] for c in export["consents"]] == ["toestemming"]
    assert inspection_export(world.pupil_other_class)["consents"] == []


def test_the_overview_counts_answers_per_school_as_the_checklist_does(world):
    """``answer_numbers`` (all schools at once, for the foundation overview) gives per school
    the pairs asked and answered that ``consent_numbers`` gives for that school alone, also
    for a channel one school does not use."""
    ch = channels(world.foundation)
    ch["website"].not_at_schools.add(world.other_school)
    f.parent_of(world.pupil_other_school)
    services.consent_decide(
        actor=world.parent, pupil=world.pupil, channel=ch["website"], granted=True
    )
    together = selectors.answer_numbers(world.foundation)
    for school in (world.school, world.other_school):
        alone = selectors.consent_numbers(school=school)
        asked = alone["pupils"] * len(alone["channels"])
        answered = sum(row["answered"] for row in alone["channels"])
        assert together[school.pk] == (asked, answered)
    assert together[world.school.pk][1] == 1


def test_the_reminder_item_waits_for_the_reminder_day_of_the_foundations_round(world, client_for):
    """The start page reads the schools' numbers and the round plan as rows in its one query
    (issue 16): the item shows only from the round's reminder day, with the school's numbers."""
    from datetime import timedelta

    from django.utils import timezone

    from consent.models import ConsentRound

    channels(world.foundation)
    today = timezone.localdate()
    year = services.current_school_year(today)
    ConsentRound.objects.filter(foundation=world.foundation).delete()
    earlier = ConsentRound.objects.create(
        foundation=world.foundation, school_year=year - 1, starts_on=today, reminder_after_days=1
    )
    this_year = ConsentRound.objects.create(
        foundation=world.foundation, school_year=year, starts_on=today, reminder_after_days=3
    )
    client = client_for(world.directie)
    assert "Jaarlijkse herinnering toestemming" not in client.get(reverse("home")).text
    this_year.starts_on = today - timedelta(days=3)
    this_year.save()
    page = client.get(reverse("home")).text
    assert "Jaarlijkse herinnering toestemming" in page
    parents, sent = selectors.reminder_numbers([world.school.pk])[world.school.pk]
    assert f"{sent} van {parents} ouders herinnerd ({world.school.name})" in page
    # Without this year's round the latest earlier one gives the interval (a default start).
    this_year.delete()
    plan = services.round_plan(world.foundation.pk, year)
    assert plan.reminder_after_days == earlier.reminder_after_days
    shown = "Jaarlijkse herinnering toestemming" in client.get(reverse("home")).text
    assert shown == (plan.reminder_on <= today)
