"""Consent under faults (issue 24): creating and deciding forms carry a one-time token (a double
submit records nothing twice), answers are saved under the pupil's row lock, and the reaper
restarts consent's follow-up jobs that died or were never started, without asking anybody
twice."""

import contextlib
import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from consent import links, services
from consent.models import Channel, ChannelText, ConsentDecision, ParentNotice
from privacy_portal import jobs
from privacy_portal.models import JobRun
from tests import factories as f
from tests.consent.factories import channels
from tests.consent.test_text_scope import widen

pytestmark = pytest.mark.django_db


def token_of(page) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)


# --- One-time form tokens --------------------------------------------------------------------


def test_a_paper_form_sent_twice_is_recorded_once(world, client_for):
    ch = channels(world.foundation)
    client = client_for(world.administratie)
    url = reverse("consent:pupil_history", args=[world.pupil.pk])
    token = token_of(client.get(url))
    data = {f"a-{world.parent.guardian.pk}-{c.pk}": "ja" for c in ch.values()}
    data["form_token"] = token
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 302
    assert second["Location"] == url
    assert ConsentDecision.objects.filter(pupil=world.pupil).count() == len(ch)
    page = client.get(url)
    assert "al verstuurd" in page.text


def test_a_new_channel_sent_twice_is_added_once_without_an_error(world, client_for):
    channels(world.foundation)
    client = client_for(world.fg)
    url = reverse("consent:channel_list")
    token = token_of(client.get(url))
    data = {"name": "Klassenapp", "text": "Foto's in de klassenapp.", "form_token": token}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # not "Er is al een kanaal met deze naam"
    assert Channel.objects.filter(name="Klassenapp").count() == 1


def test_a_widened_text_sent_twice_makes_one_version_and_asks_once(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    social = channels(world.foundation)["sociale-media"]
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)
    client = client_for(world.fg)
    url = reverse("consent:channel_edit", args=[social.pk])
    data = {"text": "Ook op TikTok.", "scope": "widening", "form_token": token_of(client.get(url))}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
        client.post(url, data)
    assert list(social.texts.values_list("version", flat=True)) == [2, 1]
    assert ParentNotice.objects.filter(kind="ask_again").count() == 1


def test_the_link_form_sent_twice_saves_once(world, client):
    ch = channels(world.foundation)
    guardian = f.parent_of(world.pupil_other_class, with_account=False)
    client.post(links.link_create(guardian=guardian))
    url = reverse("consent:link_form")
    token = token_of(client.get(url))
    data = {f"c-{world.pupil_other_class.pk}-{c.pk}": "nee" for c in ch.values()}
    data["form_token"] = token
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert ConsentDecision.objects.filter(pupil=world.pupil_other_class).count() == len(ch)


def test_the_parents_portal_form_sent_twice_saves_once(world, client_for):
    ch = channels(world.foundation)
    client = client_for(world.parent)
    url = reverse("portal:consent_detail", args=[world.pupil.pk])
    data = {f"channel-{c.pk}": "ja" for c in ch.values()}
    data["form_token"] = token_of(client.get(url))
    client.post(url, data)
    client.post(url, data)
    assert ConsentDecision.objects.filter(pupil=world.pupil).count() == len(ch)


# --- Row locks: two saves of the same answers at once ----------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_saves_of_the_same_answers_at_once_write_them_once(world, monkeypatch):
    ch = channels(world.foundation)
    answers = {c.pk: True for c in ch.values()}
    barrier = threading.Barrier(2, timeout=10)
    real = services._lock_pupil

    def wait_then_lock(pupil):
        # Both threads are past their checks before either locks: without the lock (and the
        # answers read afresh under it) both would write every answer.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real(pupil)

    monkeypatch.setattr(services, "_lock_pupil", wait_then_lock)
    results = [None, None]

    def run(index):
        try:
            results[index] = services.consents_save(
                actor=world.parent, pupil=world.pupil, answers=answers
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [0, len(ch)]
    assert ConsentDecision.objects.filter(pupil=world.pupil).count() == len(ch)


# --- The reaper ------------------------------------------------------------------------------


def test_a_widening_whose_job_was_lost_is_started_by_the_reaper_and_asks_once(
    world, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, settings
):
    social = channels(world.foundation)["sociale-media"]
    services.consent_decide(actor=world.parent, pupil=world.pupil, channel=social, granted=True)

    class BrokerDown(Exception):
        pass

    def down(*args):
        raise BrokerDown

    from consent import tasks

    monkeypatch.setattr(tasks.ask_again_after_widening, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        text = widen(world, social)
    monkeypatch.undo()
    assert not ParentNotice.objects.filter(kind="ask_again").exists()
    assert ChannelText.objects.get(pk=text.pk).asked_at is None

    later = timezone.now() + timedelta(seconds=settings.JOB_REQUEUE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        lines = jobs.reap(now=later)
    assert any("ask-again" in line for line in lines)
    assert ChannelText.objects.get(pk=text.pk).asked_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert not any("ask-again" in line for line in jobs.reap(now=later))
    asked = [m for m in mailoutbox if "Opnieuw gevraagd" in m.subject]
    assert [m.to for m in asked] == [[world.parent.guardian.email]]


def test_a_reminder_run_that_died_half_way_is_finished_by_the_reaper_nobody_twice(
    world, mailoutbox, django_capture_on_commit_callbacks, settings
):
    parents = [world.parent.guardian] + [
        f.parent_of(f.pupil_in_class(world.class_5a)) for _ in range(3)
    ]
    # The dead run: it reminded the first parent, then its worker was killed (the run row
    # stays "running").
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_reminders_send()
    reminded = list(ParentNotice.objects.filter(kind="reminder").order_by("pk"))
    ParentNotice.objects.filter(pk__in=[n.pk for n in reminded[1:]]).delete()
    mailoutbox.clear()
    dead = JobRun.objects.create(job="consent.send_yearly_reminders")
    JobRun.objects.filter(pk=dead.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 60)
    )

    with django_capture_on_commit_callbacks(execute=True):
        lines = jobs.reap()
    assert any("send_yearly_reminders died" in line for line in lines)
    dead.refresh_from_db()
    assert dead.status == JobRun.Status.FAILED and "reaper" in dead.log
    counts = Counter(m.to[0] for m in mailoutbox if "intrekken" in m.subject)
    first = reminded[0].guardian
    assert first.email not in counts  # reminded by the dead run, not again
    assert counts == Counter({p.email: 1 for p in parents if p.pk != first.pk})
    # A second reap finds nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert not any("consent" in line for line in jobs.reap())
