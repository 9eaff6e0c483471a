"""Rounds: who answers, what a closed round refuses, and how shortcomings become actions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from checklist import selectors, services
from checklist.models import ActionItem, Answer, ChecklistRound, EvidenceRecord, Verdict
from tests.checklist.factories import answer_all, item, open_round


@pytest.fixture
def checklist_round(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return open_round(world.school, world.directie)


def test_directie_opens_round_and_every_staff_member_is_asked_by_mail(world, checklist_round):
    asked = set(checklist_round.participants.values_list("user__email", flat=True))
    assert asked == {
        u.email
        for u in (
            world.directie,
            world.ib,
            world.administratie,
            world.concierge,
            world.teacher,
            world.other_teacher,
        )
    }
    assert {m.to[0] for m in mail.outbox} == asked
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert "Checklist privacy" in mail.outbox[0].subject


def test_teacher_cannot_open_a_round(world):
    with pytest.raises(PermissionDenied):
        services.round_open(actor=world.teacher, school=world.school)


def test_directie_cannot_open_a_round_for_another_school(world):
    with pytest.raises(PermissionDenied):
        services.round_open(actor=world.directie, school=world.other_school)


def test_a_school_has_one_round_per_school_year(world, checklist_round):
    with pytest.raises(ValidationError):
        open_round(world.school, world.directie)


def test_teacher_of_other_school_cannot_answer(world, checklist_round):
    with pytest.raises(PermissionDenied):
        answer_all(checklist_round, world.teacher_other_school)


def test_closed_round_refuses_answers_threshold_and_actions(world, checklist_round):
    answer_all(checklist_round, world.teacher)
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    with pytest.raises(ValidationError):
        answer_all(checklist_round, world.other_teacher)
    with pytest.raises(ValidationError):
        answer_all(checklist_round, world.teacher, verdict=Verdict.NOT_OK)
    with pytest.raises(ValidationError):
        services.round_set_threshold(
            actor=world.directie, checklist_round=checklist_round, not_ok_share=50
        )
    with pytest.raises(ValidationError):
        services.round_close(actor=world.directie, checklist_round=checklist_round)
    assert not Answer.objects.filter(round=checklist_round, verdict=Verdict.NOT_OK).exists()
    assert not Answer.objects.filter(round=checklist_round, user=world.other_teacher).exists()


def test_only_directie_closes_a_round(world, checklist_round):
    with pytest.raises(PermissionDenied):
        services.round_close(actor=world.ib, checklist_round=checklist_round)


def test_not_ok_at_or_over_the_threshold_becomes_an_action_for_the_directie(world, checklist_round):
    services.round_set_threshold(
        actor=world.directie, checklist_round=checklist_round, not_ok_share=50
    )
    answer_all(checklist_round, world.teacher, overrides={"eigen-inlog": Verdict.NOT_OK})
    answer_all(checklist_round, world.other_teacher)  # 1 of 2 = 50 %: at the threshold
    services.round_answer(  # 1 of 3 for this item: under 50 %
        actor=world.ib,
        checklist_round=checklist_round,
        answers={item(checklist_round, "schoolmail-mobiel").pk: (Verdict.NOT_OK, "")},
    )
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    actions = ActionItem.objects.filter(round=checklist_round, reason=ActionItem.Reason.ANSWERS)
    assert [a.item.key for a in actions] == ["eigen-inlog"]
    action = actions.get()
    assert action.owner == world.directie
    assert action.status == ActionItem.Status.OPEN
    assert action.due_date > timezone.localdate()


def test_evidence_contradicting_ok_is_flagged_and_becomes_an_action(world, checklist_round):
    # A teacher left the school but is still assigned to a class there: access lingers.
    from accounts.models import StaffMembership
    from accounts.services import staff_membership_create, staff_membership_end

    staff_membership_create(user=world.other_teacher, school=world.other_school, role="ib")
    membership = StaffMembership.objects.get(user=world.other_teacher, school=world.school)
    staff_membership_end(membership=membership, end_date=timezone.localdate() - timedelta(days=1))
    answer_all(checklist_round, world.teacher)  # all OK
    results = selectors.round_results(checklist_round)
    by_key = {r.item.key: r for r in results.items}
    assert by_key["vertrek-niet-actief"].flagged
    assert not by_key["eigen-inlog"].flagged
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    action = ActionItem.objects.get(round=checklist_round, item__key="vertrek-niet-actief")
    assert action.reason == ActionItem.Reason.EVIDENCE
    record = EvidenceRecord.objects.get(round=checklist_round, item__key="vertrek-niet-actief")
    assert record.verdict == Verdict.NOT_OK


def test_closing_freezes_the_evidence(world, checklist_round, settings):
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 240  # would now be judged "niet OK"
    results = selectors.round_results(ChecklistRound.objects.get(pk=checklist_round.pk))
    idle = next(r for r in results.items if r.item.key == "afmelden-vergrendelen")
    assert idle.evidence.verdict == Verdict.OK


def test_answering_twice_replaces_the_earlier_answer_and_marks_completion(world, checklist_round):
    answer_all(checklist_round, world.teacher)
    answer_all(checklist_round, world.teacher, overrides={"eigen-inlog": Verdict.NOT_OK})
    assert Answer.objects.filter(round=checklist_round, user=world.teacher).count() == (
        checklist_round.template.items.count()
    )
    assert (
        Answer.objects.get(
            round=checklist_round, user=world.teacher, item=item(checklist_round, "eigen-inlog")
        ).verdict
        == Verdict.NOT_OK
    )
    assert checklist_round.participants.get(user=world.teacher).completed_at is not None


def test_answer_for_an_item_of_another_version_is_refused(world, checklist_round):
    with pytest.raises(ValidationError):
        services.round_answer(
            actor=world.teacher, checklist_round=checklist_round, answers={999999: ("ok", "")}
        )
    with pytest.raises(ValidationError):
        services.round_answer(
            actor=world.teacher,
            checklist_round=checklist_round,
            answers={item(checklist_round, "eigen-inlog").pk: ("misschien", "")},
        )


def test_owner_updates_action_but_only_directie_reassigns(world, checklist_round):
    answer_all(checklist_round, world.teacher, overrides={"eigen-inlog": Verdict.NOT_OK})
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    action = ActionItem.objects.get(round=checklist_round, item__key="eigen-inlog")
    services.action_update(
        actor=world.directie,
        action=action,
        status=ActionItem.Status.IN_PROGRESS,
        due_date=action.due_date,
        owner=world.ib,
    )
    action.refresh_from_db()
    assert action.owner == world.ib
    services.action_update(
        actor=world.ib, action=action, status=ActionItem.Status.DONE, due_date=action.due_date
    )
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE and action.completed_at
    with pytest.raises(PermissionDenied):
        services.action_update(
            actor=world.teacher, action=action, status="open", due_date=action.due_date
        )
    with pytest.raises(PermissionDenied):
        services.action_update(
            actor=world.ib,
            action=action,
            status="open",
            due_date=action.due_date,
            owner=world.teacher,
        )
