"""Periodic jobs: opening rounds at the start of the school year, reminders, overdue actions."""

from datetime import date, timedelta

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from checklist import services, tasks
from checklist.models import ActionItem, ChecklistRound, Verdict
from privacy_portal.celery import collect_beat_schedule
from privacy_portal.models import JobRun
from tests.checklist.factories import answer_all, open_round


def test_beat_schedule_names_real_tasks():
    schedule = collect_beat_schedule()
    for name in ("checklist-open-rounds", "checklist-send-reminders"):
        assert schedule[name]["task"] in {tasks.open_rounds.name, tasks.send_reminders.name}


def test_job_opens_a_round_for_every_school_once(world, django_capture_on_commit_callbacks):
    open_round(world.school, world.directie)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.open_rounds() == 1  # only the other school still needed one
    assert tasks.open_rounds() == 0  # running again changes nothing
    assert ChecklistRound.objects.count() == 2
    auto = ChecklistRound.objects.get(school=world.other_school)
    assert auto.opened_by is None
    assert auto.participants.filter(user=world.teacher_other_school).exists()
    assert {m.to[0] for m in mail.outbox} >= {world.teacher_other_school.email}
    runs = JobRun.objects.filter(job="checklist.open_rounds")
    assert [r.counts.get("rounds_opened") for r in runs.order_by("started_at")] == [1, 0]


def test_job_opens_the_new_school_year_on_1_august(world):
    with time_machine.travel(date(2027, 8, 1)):
        services.rounds_open_for_school_year()
    assert set(ChecklistRound.objects.values_list("school_year", flat=True)) == {2027}


def test_reminders_go_weekly_to_those_who_have_not_answered_everything(
    world, django_capture_on_commit_callbacks
):
    checklist_round = open_round(world.school, world.directie)
    answer_all(checklist_round, world.teacher)
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.round_send_reminders(now=later)
    assert sent == 5  # six asked, the teacher answered everything
    assert world.teacher.email not in {m.to[0] for m in mail.outbox}
    assert services.round_send_reminders(now=later + timedelta(hours=1)) == 0  # idempotent
    assert services.round_send_reminders(now=later + timedelta(days=8)) == 5  # a week later
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    assert services.round_send_reminders(now=later + timedelta(days=30)) == 0


def test_overdue_action_shows_on_owner_and_directie_start_page(world, client_for):
    checklist_round = open_round(world.school, world.directie)
    answer_all(checklist_round, world.teacher, overrides={"eigen-inlog": Verdict.NOT_OK})
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    action = ActionItem.objects.get(item__key="eigen-inlog")
    services.action_update(
        actor=world.directie,
        action=action,
        status=ActionItem.Status.OPEN,
        due_date=timezone.localdate() - timedelta(days=1),
        owner=world.ib,
    )
    for user in (world.ib, world.directie):
        body = client_for(user).get(reverse("home")).content.decode()
        assert "Actiepunt checklist over tijd" in body, user
    body = client_for(world.teacher).get(reverse("home")).content.decode()
    assert "Actiepunt checklist over tijd" not in body
