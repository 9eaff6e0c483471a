"""Reminder jobs: one reminder per agreement per period, a JobRun for every run."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from agreements import services, tasks
from agreements.models import Agreement, AgreementState, Reminder
from privacy_portal.celery import collect_beat_schedule
from privacy_portal.models import JobRun
from tests.agreements import factories as af

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


def test_beat_schedule_names_real_tasks():
    from celery import current_app

    schedule = collect_beat_schedule()
    for key in (
        "agreements-activate-due",
        "agreements-remind-awaiting-cvb",
        "agreements-remind-ending",
    ):
        assert schedule[key]["task"] in current_app.tasks


def _submitted_days_ago(world, draft, days):
    services.agreement_submit(actor=world.directie, agreement=draft)
    Agreement.objects.filter(pk=draft.pk).update(submitted_at=timezone.now() - timedelta(days=days))


def test_cvb_is_reminded_once_per_week_of_a_waiting_agreement(
    world, draft, mailoutbox, django_capture_on_commit_callbacks
):
    _submitted_days_ago(world, draft, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_awaiting_cvb() == 1
        assert tasks.remind_awaiting_cvb() == 0  # ran twice: nothing sent twice
    assert [m.to for m in mailoutbox] == [[world.cvb.email]]
    assert "Herinnering" in mailoutbox[0].subject
    next_week = timezone.localdate() + timedelta(days=7)
    assert services.reminders_send_awaiting(today=next_week) == 1
    assert Reminder.objects.filter(kind="awaiting_cvb").count() == 2
    runs = JobRun.objects.filter(job="agreements.remind_awaiting_cvb")
    assert runs.count() == 2 and runs.first().status == JobRun.Status.SUCCEEDED


def test_a_just_submitted_agreement_is_not_reminded_the_same_day(world, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    assert tasks.remind_awaiting_cvb() == 0


def test_school_is_reminded_once_a_month_of_an_agreement_ending_within_90_days(
    world, reg, mailoutbox, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    agreement = af.draft_agreement(
        world.directie,
        reg.supplier,
        [reg.product],
        [world.school],
        start_date=today - timedelta(days=300),
        end_date=today + timedelta(days=60),
    )
    services.agreement_submit(actor=world.directie, agreement=agreement)
    af.sign_by_both(world.cvb, agreement)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind_ending()
        tasks.remind_ending()
    assert [m.to for m in mailoutbox] == [[world.directie.email]]
    assert "loopt af" in mailoutbox[0].subject
    assert Reminder.objects.filter(kind="ending").count() == 1


def test_the_ending_reminder_gives_the_end_date_long_and_in_the_recipients_language(
    world, reg, mailoutbox, django_capture_on_commit_callbacks
):
    world.directie.preferred_language = "en"
    world.directie.save(update_fields=["preferred_language"])
    end = timezone.localdate() + timedelta(days=60)
    agreement = af.draft_agreement(
        world.directie,
        reg.supplier,
        [reg.product],
        [world.school],
        start_date=end - timedelta(days=360),
        end_date=end,
    )
    services.agreement_submit(actor=world.directie, agreement=agreement)
    af.sign_by_both(world.cvb, agreement)
    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        tasks.remind_ending()
    with translation.override("en"):
        english = date_format(end)  # e.g. "29 December 2026"
    assert english in mailoutbox[0].subject and english in mailoutbox[0].body
    assert end.strftime("%d-%m-%Y") not in mailoutbox[0].body


def test_agreement_ending_later_than_90_days_is_not_reminded(world, reg):
    today = timezone.localdate()
    agreement = af.draft_agreement(
        world.directie,
        reg.supplier,
        [reg.product],
        [world.school],
        end_date=today + timedelta(days=200),
    )
    services.agreement_submit(actor=world.directie, agreement=agreement)
    af.sign_by_both(world.cvb, agreement)
    assert services.reminders_send_ending() == 0


def test_ended_agreement_without_destruction_confirmation_is_reminded_monthly(world, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    af.sign_by_both(world.cvb, draft)
    services.agreement_end(
        actor=world.directie, agreement=draft, ended_on=timezone.localdate(), reason="Opgezegd"
    )
    assert services.reminders_send_destruction() == 1
    assert services.reminders_send_destruction() == 0


def test_activation_job_activates_signed_agreements_on_their_start_date(world, reg):
    start = timezone.localdate() + timedelta(days=5)
    agreement = af.draft_agreement(
        world.directie, reg.supplier, [reg.product], [world.school], start_date=start
    )
    services.agreement_submit(actor=world.directie, agreement=agreement)
    af.sign_by_both(world.cvb, agreement)
    assert tasks.activate_due() == 0
    assert services.agreements_activate_due(today=start) == 1
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ACTIVE


def test_seed_demo_hook_is_idempotent_and_shows_every_dashboard_state(world):
    from types import SimpleNamespace

    from agreements import hooks, selectors

    demo = SimpleNamespace(
        foundation=world.foundation,
        schools={"regenboog": world.school, "kompas": world.other_school},
        people={
            "beheerder": world.beheerder,
            "cvb": world.cvb,
            "directie.regenboog": world.directie,
        },
        year=2026,
    )
    hooks.seed_demo(demo)
    hooks.seed_demo(demo)
    assert Agreement.objects.count() == 2
    coverage = selectors.coverage(world.directie, school=world.school)
    statuses = {row.use.product.name: row.status for row in coverage.rows}
    assert statuses == {
        "Rekentuin Online": "covered",
        "Leerlingvolgsysteem": "awaiting_cvb",
        "Klasbord App": "missing",
    }


def test_every_mail_renders_in_dutch_with_a_link(
    world, reg, draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.bijsluiter_record(
            actor=world.beheerder,
            product=reg.product,
            **af.bijsluiter_data(version_label="2.0", countries=["NL", "CH"]),
        )
        services.agreement_submit(actor=world.directie, agreement=draft)
        services.agreement_return(actor=world.cvb, agreement=draft, reason="Bijlage 3 ontbreekt.")
        services.agreement_submit(actor=world.directie, agreement=draft)
        af.sign_by_both(world.cvb, draft)
        services.agreement_end(
            actor=world.directie, agreement=draft, ended_on=timezone.localdate(), reason="Opgezegd"
        )
        services.reminders_send_destruction()
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        "Nieuwe privacybijsluiter van Rekentuin Online verruimt de verwerking",
        "Verwerkersovereenkomst Rekentuin wacht op uw ondertekening",
        "Verwerkersovereenkomst Rekentuin is teruggestuurd",
        "Verwerkersovereenkomst Rekentuin wacht op uw ondertekening",
        f"Verwerkersovereenkomst met {world.foundation.name} ter ondertekening",
        "Rekentuin heeft de verwerkersovereenkomst ondertekend",
        "Vernietiging van gegevens bij Rekentuin nog niet bevestigd",
    ]
    assert mailoutbox[0].to == [world.directie.email]
    assert "Bijlage 3 ontbreekt." in mailoutbox[2].body
    assert mailoutbox[4].to == [reg.supplier.contact_email]  # the processor's personal link
    assert all("/verwerkers/" in m.body for m in mailoutbox)
