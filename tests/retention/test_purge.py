"""R13 rules and the purge, with frozen time (15 June 2026)."""

import io
import os
from datetime import date

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from retention import rules, services
from retention.models import DestructionRecord, FileErasure, Hold, Part, PurgeRun
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


def test_crash_in_the_middle_of_a_batch_leaves_no_half_deleted_pupil(world, purge, monkeypatch):
    pupils = [
        left_pupil(world.class_5a, deregistered_on=date(2019, 1, 1), with_file=True)
        for _ in range(4)
    ]
    calls = {"n": 0}
    original = services._anonymise_accounts

    def crash_in_second_batch(account_ids):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("stroomstoring")
        return original(account_ids)

    monkeypatch.setattr(services, "_anonymise_accounts", crash_in_second_batch)
    with pytest.raises(RuntimeError):
        purge()
    # Batch 1 (two pupils) is gone whole; batch 2 is untouched whole, files included.
    assert not Pupil.objects.filter(pk__in=[p.pk for p in pupils[:2]]).exists()
    for pupil in pupils[2:]:
        assert Pupil.objects.filter(pk=pupil.pk).exists()
        assert DossierEntry.objects.filter(pupil=pupil).count() == 1
        entry = DossierEntry.objects.get(pupil=pupil)
        assert entry.document.storage.exists(entry.document.name)
        assert EmergencyContact.objects.filter(pupil=pupil).exists()
    assert PurgeRun.objects.get().status == PurgeRun.Status.FAILED
    assert DestructionRecord.objects.count() == 4
    monkeypatch.setattr(services, "_anonymise_accounts", original)
    purge()
    assert not Pupil.objects.filter(pk__in=[p.pk for p in pupils]).exists()
    assert DestructionRecord.objects.count() == 8
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


def test_shorter_period_than_the_law_needs_a_recorded_reason(world, purge):
    with pytest.raises(ValidationError) as error:
        services.retention_policy_update(
            actor=world.fg,
            foundation=world.foundation,
            administration_years=4,
            dossier_years=2,
            dossier_sbo_years=3,
        )
    assert "shorter_reason" in error.value.message_dict
    policy = services.retention_policy_update(
        actor=world.fg,
        foundation=world.foundation,
        administration_years=4,
        dossier_years=2,
        dossier_sbo_years=3,
        shorter_reason="Besluit CvB 2026-03: administratie na 4 jaar, afgestemd met FG",
    )
    assert policy.shorter_reason
    pupil = left_pupil(world.class_5a, deregistered_on=date(2022, 6, 1))
    purge()
    assert not Pupil.objects.filter(pk=pupil.pk).exists()


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
