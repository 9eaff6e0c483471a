"""R13 rules and the purge, with frozen time (15 June 2026)."""

import io
import os
from datetime import date

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from retention import rules, services
from retention.models import (
    DestructionRecord,
    FileErasure,
    Hold,
    Part,
    PurgeRun,
    RetentionPolicy,
)
from students.models import DossierEntry, EmergencyContact, Guardian, GuardianLink, Pupil
from tests import factories as f
from tests.retention.factories import left_pupil

TODAY = date(2026, 6, 15)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """Run the purge as the daily job would, with after-commit work (file removal) executed."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return services.purge_expired(day=TODAY, batch_size=2)

    return run


def test_administration_goes_five_years_after_deregistration_yesterday(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2021, 6, 14))
    purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()


def test_administration_goes_on_the_fifth_anniversary_itself(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2021, 6, 15))
    purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()


def test_administration_stays_until_the_fifth_anniversary(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2021, 6, 16))
    purge()
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    assert rules.removal_dates(pupil)[1].on == date(2026, 6, 16)


def test_enrolled_pupil_is_never_purged(world, purge):
    purge()
    assert Pupil.objects.filter(pk=world.pupil.pk).exists()
    assert rules.removal_dates(world.pupil)[0].on is None


def test_dossier_goes_at_two_years_while_administration_stays_until_five(world, purge):
    pupil = left_pupil(
        world.class_5a,
        deregistered_on=date(2024, 6, 15),
        entries=2,
        with_file=True,
        medical="ADHD-diagnose",
        allergies="pinda",
    )
    path = DossierEntry.objects.filter(pupil=pupil).exclude(document="").get().document.path
    purge()
    pupil.refresh_from_db()
    assert not DossierEntry.objects.filter(pupil=pupil).exists()
    assert pupil.medical_information == ""
    assert pupil.allergies == "pinda"  # administration class: stays for 5 years
    assert EmergencyContact.objects.filter(pupil=pupil).exists()
    assert not os.path.exists(path)
    assert not FileErasure.objects.exists()
    record = DestructionRecord.objects.get()
    assert record.part == Part.DOSSIER
    assert record.counts == {"dossier_entries": 2, "files": 1, "dossier_fields": 1}
    assert record.rule == "R13 leerlingdossier: 2 jaar na vertrek"
    assert [r.on for r in rules.removal_dates(pupil)] == [date(2026, 6, 15), date(2029, 6, 15)]


def test_dossier_of_pupil_who_went_to_sbo_stays_three_years(world, purge):
    two_years = left_pupil(world.class_5a, deregistered_on=date(2024, 6, 1), sbo=True)
    three_years = left_pupil(world.class_5a, deregistered_on=date(2023, 6, 15), sbo=True)
    purge()
    assert DossierEntry.objects.filter(pupil=two_years).exists()
    assert not DossierEntry.objects.filter(pupil=three_years).exists()
    assert rules.removal_dates(two_years)[0].on == date(2027, 6, 1)
    assert "SBO" in DestructionRecord.objects.get().rule


def test_hold_keeps_everything_until_it_ends_and_lifting_is_recorded(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2020, 1, 1))
    hold = services.hold_place(
        actor=world.directie,
        pupil=pupil,
        ground=Hold.Ground.DISPUTE,
        reason="Geschil met ouders over verslag",
        ends_on=date(2026, 9, 1),
    )
    purge()
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    assert DossierEntry.objects.filter(pupil=pupil).exists()
    services.hold_lift(actor=world.fg, hold=hold, reason="Geschil is opgelost")
    hold.refresh_from_db()
    assert hold.lifted_by == world.fg and hold.lifted_at
    assert LogEntry.objects.get_for_object(hold).filter(action=LogEntry.Action.UPDATE).exists()
    purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    hold.refresh_from_db()
    assert hold.pupil is None and hold.reason == "" and hold.lifted_by == world.fg


def test_hold_that_ended_no_longer_protects(world, purge, frozen_today):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2020, 1, 1))
    with time_machine.travel(date(2026, 1, 1)):
        services.hold_place(
            actor=world.directie,
            pupil=pupil,
            ground=Hold.Ground.AUTHORITIES,
            reason="Verzoek van de inspectie",
            ends_on=date(2026, 6, 14),
        )
    purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()


def test_parent_with_a_sibling_still_at_school_stays(world, purge):
    leaver = left_pupil(world.class_5a, deregistered_on=date(2020, 1, 1), last_name="Smit")
    sibling = f.pupil_in_class(world.class_6b, last_name="Smit")
    shared = f.parent_of(leaver)
    GuardianLink.objects.create(guardian=shared, pupil=sibling)
    only_leaver = f.parent_of(leaver)
    purge()
    assert Guardian.objects.filter(pk=shared.pk).exists()
    assert list(shared.links.values_list("pupil_id", flat=True)) == [sibling.pk]
    assert not Guardian.objects.filter(pk=only_leaver.pk).exists()
    only_leaver.user.refresh_from_db()
    assert not only_leaver.user.is_active
    assert only_leaver.user.email.endswith("@verwijderd.invalid")
    shared.user.refresh_from_db()
    assert shared.user.is_active


def test_running_twice_purges_nothing_twice(world, purge):
    for year in (2019, 2020):
        left_pupil(world.class_5a, deregistered_on=date(year, 3, 1))
    left_pupil(world.class_5a, deregistered_on=date(2024, 1, 1))
    first = purge()
    records = DestructionRecord.objects.count()
    second = purge()
    assert first.counts["pupils"] == 3
    assert records == 5  # two pupils with dossier and administration, one dossier only
    assert second.counts.get("pupils", 0) == 0
    assert DestructionRecord.objects.count() == records
    assert second.status == PurgeRun.Status.SUCCEEDED


def test_crash_in_a_batch_rolls_back_only_the_pupil_that_fails(world, purge, monkeypatch):
    """Issue 15: one bad pupil stopped the whole purge every night. Now the batch is rolled back
    whole (nothing half-deleted), retried pupil by pupil, and only the bad one stays."""
    pupils = [
        left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1), with_file=True)
        for _ in range(4)
    ]
    bad = pupils[2]
    original = services._anonymise_accounts

    def crash_for_the_bad_pupil(account_ids):
        if bad.user_id in account_ids:
            raise RuntimeError("stroomstoring")
        return original(account_ids)

    bad.user = f.UserFactory()
    bad.save()
    monkeypatch.setattr(services, "_anonymise_accounts", crash_for_the_bad_pupil)
    run = purge()
    assert run.status == PurgeRun.Status.FAILED
    assert run.failures == [rules.pseudonym(bad.pk, world.school.brin)]
    assert run.counts["failed"] == 1
    assert not Pupil.objects.filter(pk__in=[p.pk for p in pupils if p != bad]).exists()
    # The bad pupil is untouched whole, its file included.
    assert Pupil.objects.filter(pk=bad.pk).exists()
    entry = DossierEntry.objects.get(pupil=bad)
    assert entry.document.storage.exists(entry.document.name)
    assert EmergencyContact.objects.filter(pupil=bad).exists()
    assert DestructionRecord.objects.count() == 6
    monkeypatch.setattr(services, "_anonymise_accounts", original)
    again = purge()
    assert again.status == PurgeRun.Status.SUCCEEDED
    assert not Pupil.objects.filter(pk__in=[p.pk for p in pupils]).exists()
    assert sorted(DestructionRecord.objects.values_list("part", flat=True)) == sorted(
        [Part.DOSSIER, Part.ADMINISTRATION] * 4
    )


def test_files_left_behind_by_a_crash_after_commit_are_removed_by_the_next_run(
    world, purge, settings
):
    from django.core.files.storage import default_storage

    name = default_storage.save("dossier/1/achtergebleven.pdf", io.BytesIO(b"x"))
    FileErasure.objects.create(path=name)
    purge()
    assert not default_storage.exists(name)
    assert not FileErasure.objects.exists()


def test_restored_rows_of_a_purged_pupil_are_removed_again(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2020, 1, 1), entries=1)
    backup = {
        "pupil": Pupil.objects.filter(pk=pupil.pk).values()[0],
        "entries": list(DossierEntry.objects.filter(pupil=pupil).values()),
        "contacts": list(EmergencyContact.objects.filter(pupil=pupil).values()),
    }
    purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    # The foundation now keeps longer, so the dates alone would no longer remove the pupil.
    services.retention_policy_update(
        actor=world.fg,
        foundation=world.foundation,
        administration_years=10,
        dossier_years=7,
        dossier_sbo_years=7,
        longer_reason="Besluit CvB: langer bewaren na de fusie",
    )
    Pupil.objects.create(**backup["pupil"])
    for row in backup["entries"]:
        DossierEntry.objects.create(**row)
    for row in backup["contacts"]:
        EmergencyContact.objects.create(**row)
    run = purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert not DossierEntry.objects.filter(pupil_id=pupil.pk).exists()
    assert not EmergencyContact.objects.filter(pupil_id=pupil.pk).exists()
    again = DestructionRecord.objects.filter(run=run)
    assert again.count() == 2 and all(r.after_restore for r in again)
    reference = rules.pseudonym(pupil.pk, world.school.brin)
    assert set(again.values_list("reference", flat=True)) == {reference}
    # Under the rule and due date of the first destruction, not today's periods.
    for record in again:
        first = DestructionRecord.objects.filter(part=record.part, after_restore=False).get()
        assert record.due_on == first.due_on
        assert record.rule.startswith(first.rule) and "opnieuw" in record.rule


def test_restored_dossier_goes_again_though_the_periods_changed_after_the_purge(world, purge):
    """Issue 15: after a restore, destroyed dossiers came back and stayed."""
    pupil = left_pupil(world.class_5a, deregistered_on=date(2023, 1, 1), entries=2)
    backup = list(DossierEntry.objects.filter(pupil=pupil).values())
    purge()
    assert not DossierEntry.objects.filter(pupil=pupil).exists()
    first = DestructionRecord.objects.get(part=Part.DOSSIER)
    assert first.due_on == date(2025, 1, 1)
    services.retention_policy_update(
        actor=world.fg,
        foundation=world.foundation,
        administration_years=5,
        dossier_years=5,
        dossier_sbo_years=5,
        longer_reason="Besluit CvB: dossiers langer bewaren",
    )
    for row in backup:  # the restore
        DossierEntry.objects.create(**row)
    run = purge()
    assert not DossierEntry.objects.filter(pupil=pupil).exists()
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    again = DestructionRecord.objects.get(run=run)
    assert again.part == Part.DOSSIER and again.after_restore
    assert again.due_on == date(2025, 1, 1)
    assert again.rule.startswith(first.rule)
    assert purge().counts.get("pupils", 0) == 0


def test_period_below_the_legal_minimum_is_refused_whatever_the_reason(world, purge):
    """Issue 15: the FG set the administration to 1 year "to keep as little as possible"."""
    for years in ((1, 2, 3), (5, 1, 3), (5, 2, 2)):
        with pytest.raises(ValidationError) as error:
            services.retention_policy_update(
                actor=world.fg,
                foundation=world.foundation,
                administration_years=years[0],
                dossier_years=years[1],
                dossier_sbo_years=years[2],
                longer_reason="Wij willen zo min mogelijk bewaren",
            )
        assert "korter bewaren mag niet" in str(error.value)
    assert not RetentionPolicy.objects.exists()
    pupil = left_pupil(world.class_5a, deregistered_on=date(2022, 6, 1))
    purge()
    assert Pupil.objects.filter(pk=pupil.pk).exists()  # 4 years ago: the 5 years still run


def test_longer_period_needs_a_recorded_reason(world, purge):
    with pytest.raises(ValidationError) as error:
        services.retention_policy_update(
            actor=world.fg,
            foundation=world.foundation,
            administration_years=7,
            dossier_years=2,
            dossier_sbo_years=3,
        )
    assert "longer_reason" in error.value.message_dict
    policy = services.retention_policy_update(
        actor=world.fg,
        foundation=world.foundation,
        administration_years=7,
        dossier_years=2,
        dossier_sbo_years=3,
        longer_reason="Besluit CvB 2026-03: administratie 7 jaar wegens lopende geschillen",
    )
    assert policy.longer_reason
    pupil = left_pupil(world.class_5a, deregistered_on=date(2020, 6, 1))
    purge()
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_a_policy_stored_below_the_minimum_never_shortens_the_legal_period(world, purge):
    RetentionPolicy.objects.create(
        foundation=world.foundation, administration_years=1, dossier_years=1, dossier_sbo_years=1
    )
    pupil = left_pupil(world.class_5a, deregistered_on=date(2025, 1, 1), entries=1)
    purge()
    assert DossierEntry.objects.filter(pupil=pupil).exists()  # 1.5 years: the dossier stays 2


def test_teacher_cannot_set_retention_periods(world):
    with pytest.raises(ValidationError):
        services.retention_policy_update(
            actor=world.teacher,
            foundation=world.foundation,
            administration_years=7,
            dossier_years=2,
            dossier_sbo_years=3,
        )


def test_pseudonymous_reference_is_an_hmac_not_the_name_or_bsn(world, purge):
    pupil = left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1), citizen_number="123456782")
    purge()
    record = DestructionRecord.objects.filter(part=Part.ADMINISTRATION).get()
    assert record.reference == rules.pseudonym(pupil.pk, world.school.brin)
    assert len(record.reference) == 64
    assert pupil.first_name not in record.reference and "123456782" not in str(record.counts)
