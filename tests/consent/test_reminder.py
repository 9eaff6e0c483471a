"""R8: the yearly reminder reaches every parent exactly once per school year, whatever happens
to the job (run twice, crash half-way and rerun). Mails leave after the commit of the
transaction that marks them sent (``send_templated_mail_on_commit``), so the tests run the
jobs inside ``django_capture_on_commit_callbacks(execute=True)``."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consent import services, tasks
from consent.models import ParentNotice
from privacy_portal.celery import collect_beat_schedule
from privacy_portal.models import JobRun
from tests import factories as f

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def families(world):
    """Six parents with authority in school A and B: one with two children, one without
    authority (never mailed), one deregistered pupil's parent (never mailed)."""
    second_child = f.pupil_in_class(world.class_6b)
    from students.models import GuardianLink

    GuardianLink.objects.create(guardian=world.parent.guardian, pupil=second_child)
    parents = [world.parent.guardian]
    for school_class in (world.class_5a, world.class_6b, world.class_7c):
        for _ in range(2):
            parents.append(f.parent_of(f.pupil_in_class(school_class)))
    gone = f.pupil_in_class(world.class_5a, deregistered_on=datetime(2026, 7, 1).date())
    f.parent_of(gone)
    return parents


def reminders_per_address(mailoutbox):
    return Counter(m.to[0] for m in mailoutbox if "intrekken" in m.subject)


@pytest.fixture
def sent_on_commit(django_capture_on_commit_callbacks):
    """Run a callable and deliver the mails it queued for after commit."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


def test_every_parent_gets_one_reminder_with_all_their_children(
    families, mailoutbox, sent_on_commit
):
    assert sent_on_commit(services.consent_reminders_send) == len(families)
    counts = reminders_per_address(mailoutbox)
    assert counts == Counter({p.email: 1 for p in families})
    two_children = next(m for m in mailoutbox if m.to == [families[0].email])
    assert "altijd intrekken" in two_children.subject
    pupils = [link.pupil for link in families[0].links.all()]
    assert len(pupils) == 2
    for pupil in pupils:
        assert f"{pupil.first_name} ({pupil.school.name})" in two_children.body


def test_running_the_job_twice_sends_nothing_the_second_time(families, mailoutbox, sent_on_commit):
    assert sent_on_commit(tasks.send_yearly_reminders) == len(families)
    assert sent_on_commit(tasks.send_yearly_reminders) == 0
    assert reminders_per_address(mailoutbox) == Counter({p.email: 1 for p in families})
    runs = JobRun.objects.filter(job="consent.send_yearly_reminders").order_by("started_at")
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert ParentNotice.objects.filter(kind="reminder", sent_at__isnull=False).count() == len(
        families
    )


def test_a_crash_half_way_and_a_rerun_send_every_parent_exactly_one(
    families, mailoutbox, monkeypatch, sent_on_commit
):
    real_queue = services.send_templated_mail_on_commit
    calls = {"n": 0}

    def failing_queue(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise ConnectionError("worker died half-way")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(services, "send_templated_mail_on_commit", failing_queue)
    with pytest.raises(ConnectionError):
        sent_on_commit(tasks.send_yearly_reminders)
    assert len(mailoutbox) == 3
    assert JobRun.objects.get(job="consent.send_yearly_reminders").status == "failed"
    # The parent whose notice failed is not marked as reminded, and got no mail.
    assert ParentNotice.objects.filter(kind="reminder", sent_at__isnull=False).count() == 3

    monkeypatch.setattr(services, "send_templated_mail_on_commit", real_queue)
    assert sent_on_commit(tasks.send_yearly_reminders) == len(families) - 3
    assert sent_on_commit(tasks.send_yearly_reminders) == 0
    assert reminders_per_address(mailoutbox) == Counter({p.email: 1 for p in families})


def test_a_new_school_year_reminds_again_once(families, mailoutbox, sent_on_commit):
    with time_machine.travel(datetime(2026, 10, 1, 9, tzinfo=AMS), tick=False):
        assert sent_on_commit(services.consent_reminders_send) == len(families)
    with time_machine.travel(datetime(2027, 6, 1, 9, tzinfo=AMS), tick=False):
        assert sent_on_commit(services.consent_reminders_send) == 0
    with time_machine.travel(datetime(2027, 10, 1, 9, tzinfo=AMS), tick=False):
        assert sent_on_commit(services.consent_reminders_send) == len(families)
    assert set(reminders_per_address(mailoutbox).values()) == {2}


def test_parents_without_an_email_address_are_skipped_and_not_marked(
    world, mailoutbox, sent_on_commit
):
    guardian = world.parent.guardian
    guardian.email = ""
    guardian.save()
    world.parent.email = "ouder-account@thuis.example"
    world.parent.save()
    # Falls back to the e-mail address of the parent's account.
    assert sent_on_commit(services.consent_reminders_send) == 1
    assert mailoutbox[0].to == ["ouder-account@thuis.example"]


def test_the_beat_schedule_names_real_consent_tasks():
    from celery import current_app

    schedule = collect_beat_schedule()
    consent_entries = {k: v for k, v in schedule.items() if k.startswith("consent-")}
    assert {v["task"] for v in consent_entries.values()} == {
        "consent.send_yearly_reminders",
        "consent.ask_parents_for_school_year",
    }
    for entry in consent_entries.values():
        assert entry["task"] in current_app.tasks


def test_enrolment_asks_the_parents_after_commit(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    pupil = f.pupil_in_class(world.class_5a)
    guardian = f.parent_of(pupil)
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_request_at_enrolment(pupil_id=pupil.pk)
    assert [m.to for m in mailoutbox] == [[guardian.email]]
    assert pupil.first_name in mailoutbox[0].subject
