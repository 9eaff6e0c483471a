"""The breach workflow: reported → assessed → notified | recorded_only → closed, checked in the
service; every transition, and every refusal."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from breaches import services
from breaches.models import ApNotification, BreachStatus
from tests.breaches.factories import assess, notify, report_breach

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def breach(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return report_breach(world.teacher, world.school)


def test_report_gets_a_reference_and_the_fg_is_mailed_on_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        breach = report_breach(world.teacher, world.school)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert breach.status == BreachStatus.REPORTED
    assert breach.reference == f"DL-{breach.year}-0001"
    assert [m.to for m in mail.outbox] == [[world.fg.email]]
    assert breach.reference in mail.outbox[0].subject
    assert "zorgnotities" not in mail.outbox[0].body  # no details in the mail


def test_references_count_up_per_year(world):
    first = report_breach(world.teacher, world.school)
    second = report_breach(world.directie, world.school)
    assert (first.number, second.number) == (1, 2)
    assert second.reference.endswith("-0002")


def test_deadline_is_72_hours_after_discovery(breach):
    assert (breach.ap_deadline - breach.discovered_at).total_seconds() == 72 * 3600


def test_teacher_cannot_report_for_a_school_where_they_do_not_work(world):
    with pytest.raises(ValidationError) as error:
        report_breach(world.teacher, world.other_school)
    assert "schools" in error.value.error_dict


def test_parent_cannot_report_a_breach_as_staff(world):
    with pytest.raises(ValidationError):
        report_breach(world.parent, world.school)


def test_assessing_moves_reported_to_assessed_and_records_who_decided(world, breach):
    breach = assess(breach, world.fg)
    assert breach.status == BreachStatus.ASSESSED
    assert breach.assessed_by == world.fg
    assert breach.notify_ap_decided_by == world.fg
    assert breach.inform_subjects_decided_by == world.fg
    assert breach.notify_ap_reason and breach.inform_subjects_reason


def test_assessed_breach_can_be_reassessed(world, breach):
    assess(breach, world.fg)
    breach = assess(breach, world.fg, risk="risk", inform_subjects=False)
    assert breach.status == BreachStatus.ASSESSED
    assert breach.risk == "risk"


def test_risk_without_notifying_the_ap_is_refused(world, breach):
    with pytest.raises(ValidationError) as error:
        assess(breach, world.fg, risk="risk", notify_ap=False)
    assert "notify_ap" in error.value.error_dict
    breach.refresh_from_db()
    assert breach.status == BreachStatus.REPORTED


def test_no_risk_may_be_recorded_without_notifying(world, breach):
    breach = assess(breach, world.fg, risk="none", notify_ap=False, inform_subjects=False)
    assert breach.notify_ap is False


def test_decisions_need_a_reason(world, breach):
    with pytest.raises(ValidationError) as error:
        assess(breach, world.fg, notify_ap_reason=" ", inform_subjects_reason="")
    assert {"notify_ap_reason", "inform_subjects_reason"} <= set(error.value.error_dict)


def test_board_is_mailed_once_when_breach_is_notifiable(
    world, breach, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assess(breach, world.fg)
    with django_capture_on_commit_callbacks(execute=True):
        assess(breach, world.fg)
    assert [m.to for m in mail.outbox] == [[world.cvb.email]]


def test_ap_notification_cannot_be_recorded_before_assessment(world, breach):
    with pytest.raises(ValidationError):
        notify(breach, world.fg)
    assert not ApNotification.objects.exists()


def test_ap_notification_moves_assessed_to_notified(world, breach):
    assess(breach, world.fg)
    notification = notify(breach, world.fg)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.NOTIFIED
    assert notification.kind == ApNotification.Kind.INITIAL


def test_follow_up_notification_is_phased_reporting(world, breach):
    assess(breach, world.fg)
    notify(breach, world.fg)
    follow_up = notify(breach, world.fg, summary="Aanvulling: stick niet teruggevonden.")
    assert follow_up.kind == ApNotification.Kind.FOLLOW_UP
    breach.refresh_from_db()
    assert breach.status == BreachStatus.NOTIFIED


def test_record_only_moves_assessed_to_recorded_only(world, breach):
    assess(breach, world.fg, risk="none", notify_ap=False, inform_subjects=False)
    breach = services.breach_record_only(breach=breach, actor=world.fg)
    assert breach.status == BreachStatus.RECORDED_ONLY


def test_record_only_is_refused_before_assessment(world, breach):
    with pytest.raises(ValidationError):
        services.breach_record_only(breach=breach, actor=world.fg)


def test_recorded_only_breach_can_still_be_notified(world, breach):
    assess(breach, world.fg)
    services.breach_record_only(breach=breach, actor=world.fg)
    notify(breach, world.fg)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.NOTIFIED


def test_notified_breach_can_be_closed(world, breach):
    assess(breach, world.fg)
    notify(breach, world.fg)
    breach = services.breach_close(breach=breach, actor=world.fg, note="Afgehandeld.")
    assert breach.status == BreachStatus.CLOSED
    assert breach.closed_by == world.fg and breach.closed_at


def test_closing_a_notifiable_breach_without_ap_notification_or_reason_is_refused(world, breach):
    assess(breach, world.fg)  # notifiable: high risk
    services.breach_record_only(breach=breach, actor=world.fg)
    with pytest.raises(ValidationError) as error:
        services.breach_close(breach=breach, actor=world.fg)
    assert "reason" in error.value.error_dict
    assert "AP" in error.value.error_dict["reason"][0].message
    breach.refresh_from_db()
    assert breach.status == BreachStatus.RECORDED_ONLY


def test_closing_a_notifiable_breach_with_a_recorded_reason_is_allowed(world, breach):
    assess(breach, world.fg)
    services.breach_record_only(breach=breach, actor=world.fg)
    breach = services.breach_close(
        breach=breach, actor=world.fg, reason="Stick binnen een uur teruggevonden, ongeopend."
    )
    assert breach.status == BreachStatus.CLOSED
    assert breach.not_notified_reason.startswith("Stick")


def test_closing_a_breach_that_is_not_notifiable_needs_no_reason(world, breach):
    assess(breach, world.fg, risk="none", notify_ap=False, inform_subjects=False)
    services.breach_record_only(breach=breach, actor=world.fg)
    assert services.breach_close(breach=breach, actor=world.fg).status == BreachStatus.CLOSED


@pytest.mark.parametrize("status", ["reported", "assessed"])
def test_closing_is_refused_before_a_notification_or_registration(world, breach, status):
    if status == "assessed":
        assess(breach, world.fg)
    with pytest.raises(ValidationError):
        services.breach_close(breach=breach, actor=world.fg, reason="x")


def test_a_closed_breach_accepts_no_further_steps(world, breach):
    assess(breach, world.fg)
    notify(breach, world.fg)
    services.breach_close(breach=breach, actor=world.fg)
    for step in (
        lambda: assess(breach, world.fg),
        lambda: notify(breach, world.fg),
        lambda: services.breach_record_only(breach=breach, actor=world.fg),
        lambda: services.breach_close(breach=breach, actor=world.fg),
    ):
        with pytest.raises(ValidationError):
            step()


def test_every_status_has_its_transitions_listed():
    assert set(services.TRANSITIONS) == set(BreachStatus.values)
    assert services.TRANSITIONS[BreachStatus.CLOSED] == set()


def test_measure_with_owner_and_due_date(world, breach):
    from datetime import date

    measure = services.measure_add(
        breach=breach,
        actor=world.fg,
        description="Alle usb-sticks vervangen door versleutelde.",
        owner=world.directie,
        due_date=date(2027, 1, 31),
    )
    services.measure_complete(measure=measure, actor=world.fg)
    measure.refresh_from_db()
    assert measure.done_at is not None


def test_measure_owner_must_be_staff(world, breach):
    from datetime import date

    with pytest.raises(ValidationError):
        services.measure_add(
            breach=breach,
            actor=world.fg,
            description="x",
            owner=world.parent,
            due_date=date.today(),
        )


def test_letter_draft_is_plain_dutch_and_editable_until_sent(
    world, breach, django_capture_on_commit_callbacks
):
    assess(breach, world.fg)
    letter = services.letter_draft(breach=breach, actor=world.fg)
    assert "Beste ouder/verzorger" in letter.body
    assert "niet versleuteld" in letter.body
    assert breach.reference in letter.body
    services.letter_update(letter=letter, actor=world.fg, subject="Onderwerp", body="Nieuwe tekst")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        count = services.letter_send(
            letter=letter,
            actor=world.fg,
            recipients=[("Ouder A", "a@thuis.example"), ("Ouder B", "b@thuis.example")],
        )
    assert count == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@thuis.example", "b@thuis.example"]
    assert letter.recipients.count() == 2
    with pytest.raises(ValidationError):
        services.letter_update(letter=letter, actor=world.fg, subject="x", body="y")


def test_sending_again_reaches_only_new_recipients(world, breach):
    assess(breach, world.fg)
    letter = services.letter_draft(breach=breach, actor=world.fg)
    services.letter_update(letter=letter, actor=world.fg, subject="Datalek", body="Tekst.")
    services.letter_send(letter=letter, actor=world.fg, recipients=[("", "a@thuis.example")])
    count = services.letter_send(
        letter=letter,
        actor=world.fg,
        recipients=[("", "a@thuis.example"), ("", "c@thuis.example")],
    )
    assert count == 1
    assert letter.recipients.count() == 2


def test_a_draft_with_open_placeholders_cannot_be_sent(world, breach):
    assess(breach, world.fg)
    letter = services.letter_draft(breach=breach, actor=world.fg)
    assert "[" in letter.body
    with pytest.raises(ValidationError) as error:
        services.letter_send(letter=letter, actor=world.fg, recipients=[("", "a@thuis.example")])
    assert "open plekken" in error.value.messages[0]
    assert not letter.recipients.exists()
