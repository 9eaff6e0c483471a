"""Purge runs: other clocks (transfer dossiers), holds from other apps, one run at a time, and
failures that surface on the start page and in one mail."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from privacy_portal import hooks
from retention import services
from retention.hooks import attention
from retention.models import DestructionRecord, Part, PurgeRun
from students.models import Pupil
from tests import factories as f
from tests.retention.factories import left_pupil
from transfers.models import ParentReview, TransferDossier

TODAY = date(2026, 6, 15)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.purge_expired(day=TODAY, **kwargs)

    return run


def handed_over(pupil, *, until: date) -> TransferDossier:
    dossier = TransferDossier.objects.create(
        pupil=pupil,
        state=TransferDossier.State.HANDED_OVER,
        destination_name="Basisschool Elders",
        destination_brin="09XY",
        leaves_on=until.replace(year=until.year - 2),
        content={"zorg": "Zorgnotitie Pientere Pim", "adres": "Kerkstraat 1"},
        retention_until=until,
    )
    guardian = f.parent_of(pupil)
    ParentReview.objects.create(dossier=dossier, guardian=guardian, remarks="Akkoord, Pim")
    return dossier


def test_transfer_dossier_goes_on_its_own_date_while_the_pupil_stays(world, purge):
    """Issue 15: expired_dossiers() was never called; the care note stayed for 5 years."""
    pupil = left_pupil(world.class_5a, deregistered_on=date(2024, 6, 1), entries=0)
    expired = handed_over(pupil, until=date(2026, 6, 14))
    run = purge()
    assert run.status == PurgeRun.Status.SUCCEEDED
    assert not TransferDossier.objects.filter(pk=expired.pk).exists()
    assert not ParentReview.objects.filter(dossier_id=expired.pk).exists()
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    record = DestructionRecord.objects.get()
    assert record.part == Part.TRANSFER and record.due_on == date(2026, 6, 14)
    assert run.counts["transfers.transferdossier"] == 1


def test_transfer_dossier_stays_until_its_date_and_under_a_hold(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2024, 6, 1), entries=0)
    today_last_day = handed_over(pupil, until=TODAY)
    held_pupil = left_pupil(world.class_5a, deregistered_on=date(2024, 6, 1), entries=0)
    held = handed_over(held_pupil, until=date(2026, 1, 1))
    services.hold_place(
        actor=world.directie,
        pupil=held_pupil,
        ground="dispute",
        reason="Geschil met de nieuwe school",
        ends_on=date(2026, 12, 31),
    )
    purge()
    assert TransferDossier.objects.filter(pk__in=[today_last_day.pk, held.pk]).count() == 2


def test_hold_from_another_app_keeps_the_pupil(world, purge, monkeypatch):
    """``retention_holds(pupil_ids)`` in any app's hooks.py, e.g. an open parents' request."""
    kept = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    gone = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    original = hooks.collect_mapping

    def collect_mapping(name, *args, **kwargs):
        if name == "retention_holds":
            return {kept.pk: "lopend verzoek van ouders"} if kept.pk in kwargs["pupil_ids"] else {}
        return original(name, *args, **kwargs)

    monkeypatch.setattr(hooks, "collect_mapping", collect_mapping)
    run = purge()
    assert Pupil.objects.filter(pk=kept.pk).exists()
    assert not Pupil.objects.filter(pk=gone.pk).exists()
    assert run.counts["held_by_other_apps"] == 1


def test_a_live_run_keeps_a_second_run_out(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    PurgeRun.objects.create(day=TODAY, heartbeat_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(services.PurgeAlreadyRunning):
        purge()
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    assert PurgeRun.objects.count() == 1


def test_the_database_refuses_a_second_running_run(world):
    from django.db import IntegrityError, transaction

    PurgeRun.objects.create(day=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        PurgeRun.objects.create(day=TODAY)


def test_stale_run_is_closed_by_the_next_reported_and_mailed_once(
    world, purge, mailoutbox, client_for
):
    """Issue 15: a run killed with SIGKILL stayed "running" forever."""
    pupil = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    stale = PurgeRun.objects.create(day=TODAY, heartbeat_at=timezone.now() - timedelta(hours=2))
    titles = [item.title for item in attention(world.fg)]
    assert any("gestopt zonder af te ronden" in t for t in titles)
    assert any("gestopt" in item.title for item in attention(world.directie))
    assert attention(world.teacher) == []
    run = purge()
    stale.refresh_from_db()
    assert stale.status == PurgeRun.Status.FAILED and stale.finished_at
    assert run.status == PurgeRun.Status.SUCCEEDED
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert len(mailoutbox) == 1 and world.fg.email in mailoutbox[0].to
    assert pupil.last_name not in mailoutbox[0].body
    assert services.run_failure_alert(run=stale) is False  # once
    assert not any("vernietigingsronde" in i.title for i in attention(world.fg))


def test_failed_pupil_shows_on_the_start_page_and_is_mailed_once(
    world, purge, mailoutbox, monkeypatch
):
    bad = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    good = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    original = services._anonymise_accounts
    bad.user = f.UserFactory()
    bad.save()

    def crash(account_ids):
        if bad.user_id in account_ids:
            raise RuntimeError("kapot")
        return original(account_ids)

    monkeypatch.setattr(services, "_anonymise_accounts", crash)
    run = purge()
    assert run.status == PurgeRun.Status.FAILED and len(run.failures) == 1
    assert not Pupil.objects.filter(pk=good.pk).exists()
    items = [i for i in attention(world.fg) if "mislukt" in i.title]
    assert items and items[0].level == "danger" and "1 leerling kon niet" in items[0].detail
    assert len(mailoutbox) == 1 and bad.last_name not in mailoutbox[0].body
    assert services.run_failure_alert(run=run) is False
    assert len(mailoutbox) == 1


def test_processor_reminder_counts_pupils_and_processors_right(world, mailoutbox):
    from django.test import TestCase

    from retention.models import ProcessorDestruction

    for name in ("Leerlingvolgsysteem BV", "Toetsen BV"):
        for part in ("dossier", "administration"):
            item = ProcessorDestruction.objects.create(
                school=world.school, reference="a" * 64, processor_name=name, part=part
            )
            ProcessorDestruction.objects.filter(pk=item.pk).update(
                requested_at=timezone.now() - timedelta(days=20)
            )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.reminders_send(day=TODAY)
    body = mailoutbox[0].body
    assert "Voor 1 vernietigde leerling hebben" in body
    assert "leerling(en)" not in body
    assert "2 verwerkers hebben" in mailoutbox[0].subject


def test_processors_are_asked_before_each_part_goes_with_what_they_need(
    world, purge, mailoutbox, monkeypatch
):
    """Issue 15: dossier purges made no request, nothing was sent, and the reference alone
    was useless to the supplier."""
    from retention.models import ProcessorDestruction

    dossier_only = left_pupil(
        world.class_5a, deregistered_on=date(2023, 1, 1), first_name="Pien", last_name="Dossier"
    )
    everything = left_pupil(
        world.class_5a, deregistered_on=date(2019, 1, 1), first_name="Bas", last_name="Alles"
    )
    original_collect, original_mapping = hooks.collect, hooks.collect_mapping

    def collect(name, *args, **kwargs):
        if name == "retention_processors":
            return [(pk, "Leerlingvolgsysteem BV", 7) for pk in kwargs["pupil_ids"]]
        return original_collect(name, *args, **kwargs)

    def collect_mapping(name, *args, **kwargs):
        if name == "processor_contacts":
            return {7: "privacy@lvs.example"}
        return original_mapping(name, *args, **kwargs)

    monkeypatch.setattr(hooks, "collect", collect)
    monkeypatch.setattr(hooks, "collect_mapping", collect_mapping)
    purge()
    parts = sorted(ProcessorDestruction.objects.values_list("part", flat=True))
    assert parts == ["administration", "dossier", "dossier"]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["privacy@lvs.example"]
    assert "2 leerlingen" in mail.subject
    assert "Pien Dossier" in mail.body and "Bas Alles" in mail.body
    assert everything.date_of_birth.strftime("%d-%m-%Y") in mail.body
    assert not Pupil.objects.filter(pk=everything.pk).exists()
    assert Pupil.objects.filter(pk=dossier_only.pk).exists()
    purge()
    assert len(mailoutbox) == 1  # nothing due any more: not asked twice


def test_the_daily_task_and_the_command_step_aside_while_another_run_is_alive(world):
    from django.core.management import CommandError, call_command

    from retention import tasks

    pupil = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1))
    PurgeRun.objects.create(day=TODAY, heartbeat_at=timezone.now())
    assert tasks.purge_expired() is None
    with pytest.raises(CommandError):
        call_command("purge_expired")
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_the_reaper_closes_a_dead_run_reports_it_once_and_queues_a_run_that_takes_over(
    world, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 24: a purge run has a job row with a lease (its heartbeat); a run whose worker died
    is not left "running" until the next night: the job reaper closes, reports and requeues it."""
    from privacy_portal import jobs

    queued = []
    monkeypatch.setattr(
        jobs, "enqueue", lambda task, *args, **options: queued.append(task.name) or True
    )
    dead = PurgeRun.objects.create(day=TODAY, heartbeat_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        lines = jobs.reap()
    dead.refresh_from_db()
    assert dead.status == PurgeRun.Status.FAILED and dead.finished_at and dead.note
    assert any(f"purge run {dead.pk}" in line for line in lines)
    assert queued == ["retention.purge_expired"]
    assert len(mailoutbox) == 1 and world.fg.email in mailoutbox[0].to
    assert any("gestopt" in item.title for item in attention(world.fg))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.reap()  # nothing left to reap: no second mail, no second run
    assert len(mailoutbox) == 1 and queued == ["retention.purge_expired"]


def test_the_reaper_leaves_a_live_run_alone(world, monkeypatch):
    from privacy_portal import jobs

    monkeypatch.setattr(
        jobs, "enqueue", lambda task, *args, **options: pytest.fail("nothing to requeue")
    )
    alive = PurgeRun.objects.create(day=TODAY, heartbeat_at=timezone.now() - timedelta(minutes=50))
    jobs.reap()
    alive.refresh_from_db()
    assert alive.status == PurgeRun.Status.RUNNING
