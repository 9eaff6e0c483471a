"""The transfer dossier's rules (R10, R13), through the services."""

import json
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from privacy_portal.audit import access_records_for
from tests.transfers.factories import DossierEntryFactory, compile_dossier, offered_dossier
from transfers import exports, services
from transfers.models import TransferDossier
from transfers.retention import dossier_retention_date, expired_dossiers

State = TransferDossier.State
REMARK = "Wij zijn het niet eens met de conclusie over het rekenen in groep 5."


def _sign(world, dossier, remarks=REMARK):
    return services.review_sign(actor=world.parent, dossier=dossier, has_read=True, remarks=remarks)


def test_compiling_freezes_what_the_parents_read_when_offered(
    world, django_capture_on_commit_callbacks
):
    entry = DossierEntryFactory(pupil=world.pupil, title="Groeidocument")
    dossier = compile_dossier(world.ib, world.pupil, entry_ids=[entry.pk])
    assert dossier.state == State.DRAFT
    assert dossier.content is None

    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_offer(actor=world.ib, dossier=dossier)
    dossier.refresh_from_db()
    entry.title = "Later veranderd"
    entry.save()

    assert dossier.state == State.OFFERED
    titles = [d["title"] for s in dossier.content["sections"] for d in s["documents"]]
    assert titles == ["Groeidocument"]
    assert services.dossier_preview(dossier) == dossier.content
    # Only the parent with authority is asked to sign, and gets an e-mail.
    assert list(dossier.reviews.values_list("guardian__user", flat=True)) == [world.parent.pk]
    assert [m.to for m in mail.outbox] == [[world.parent.guardian.email]]


def test_care_data_stays_out_unless_chosen(world):
    world.pupil.medical_information = "Dyslexie vastgesteld"
    world.pupil.save()
    dossier = compile_dossier(world.ib, world.pupil)
    text = json.dumps(services.dossier_preview(dossier))
    assert "Dyslexie" not in text

    services.dossier_update(
        actor=world.ib,
        dossier=dossier,
        destination_name="De Vlinder",
        destination_brin="99ZZ",
        destination_type="regular",
        leaves_on=date(2026, 7, 10),
        category_keys=["identification", "medical"],
    )
    assert "Dyslexie" in json.dumps(services.dossier_preview(dossier))


def test_a_teacher_cannot_compile_a_transfer_dossier(world):
    with pytest.raises(PermissionDenied):
        compile_dossier(world.teacher, world.pupil)
    assert not TransferDossier.objects.exists()


def test_the_ib_of_another_school_cannot_compile(world):
    with pytest.raises(PermissionDenied):
        compile_dossier(world.directie_other_school, world.pupil)


def test_a_document_the_compiler_may_not_see_cannot_be_added(world):
    from accounts.roles import Audience

    for_directie = DossierEntryFactory(pupil=world.pupil, audience=Audience.DIRECTIE)
    with pytest.raises(ValidationError) as error:
        compile_dossier(world.ib, world.pupil, entry_ids=[for_directie.pk])
    assert "entries" in error.value.message_dict


def test_bad_destination_is_refused_with_dutch_messages(world):
    with pytest.raises(ValidationError) as error:
        compile_dossier(
            world.ib, world.pupil, destination_name=" ", destination_brin="XYZ", category_keys=[]
        )
    messages = error.value.message_dict
    assert set(messages) == {"destination_name", "destination_brin", "categories"}
    assert "BRIN" in messages["destination_brin"][0]
    assert not TransferDossier.objects.exists()


def test_only_one_open_dossier_per_pupil(world):
    compile_dossier(world.ib, world.pupil)
    with pytest.raises(ValidationError):
        compile_dossier(world.directie, world.pupil)


def test_a_draft_cannot_be_signed_or_handed_over(world):
    dossier = compile_dossier(world.ib, world.pupil)
    with pytest.raises(ValidationError):
        services.dossier_hand_over(actor=world.directie, dossier=dossier, override_reason="x" * 20)
    with pytest.raises(PermissionDenied):
        _sign(world, dossier)


def test_parents_signature_moves_the_dossier_to_signed_and_keeps_remarks(world):
    dossier = offered_dossier(world.ib, world.pupil)
    review = _sign(world, dossier)
    dossier.refresh_from_db()
    assert dossier.state == State.SIGNED
    assert review.remarks == REMARK
    with pytest.raises(ValidationError):
        _sign(world, dossier)


def test_signing_requires_confirming_having_read_it(world):
    dossier = offered_dossier(world.ib, world.pupil)
    with pytest.raises(ValidationError) as error:
        services.review_sign(actor=world.parent, dossier=dossier, has_read=False)
    assert "has_read" in error.value.message_dict
    dossier.refresh_from_db()
    assert dossier.state == State.OFFERED


def test_parent_without_authority_cannot_sign(world):
    dossier = offered_dossier(world.ib, world.pupil)
    with pytest.raises(PermissionDenied):
        services.review_sign(actor=world.parent_without_authority, dossier=dossier, has_read=True)


def test_hand_over_is_refused_before_the_parents_signed(world):
    dossier = offered_dossier(world.ib, world.pupil)
    with pytest.raises(ValidationError) as error:
        services.dossier_hand_over(actor=world.ib, dossier=dossier)
    assert "nog niet voor inzage getekend" in error.value.messages[0]
    dossier.refresh_from_db()
    assert dossier.state == State.OFFERED
    assert dossier.handed_over_at is None


def test_only_the_directie_may_override_and_only_with_a_reason(world):
    dossier = offered_dossier(world.ib, world.pupil)
    reason = "Ouders na drie herinneringen en twee telefoontjes onbereikbaar."
    with pytest.raises(PermissionDenied):
        services.dossier_hand_over(actor=world.ib, dossier=dossier, override_reason=reason)
    with pytest.raises(ValidationError):
        services.dossier_hand_over(actor=world.directie, dossier=dossier, override_reason="weg")

    services.dossier_hand_over(actor=world.directie, dossier=dossier, override_reason=reason)
    dossier.refresh_from_db()
    assert dossier.state == State.HANDED_OVER
    assert dossier.override_reason == reason
    assert dossier.handed_over_by == world.directie
    assert exports.export_data(dossier)["hand_over"]["without_signature_reason"] == reason


def test_hand_over_after_signing_records_who_when_and_the_export_checksum(world):
    dossier = offered_dossier(world.ib, world.pupil)
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    dossier.refresh_from_db()
    assert dossier.state == State.HANDED_OVER
    assert dossier.handed_over_by == world.ib
    assert dossier.handed_over_at is not None
    import hashlib

    assert dossier.export_sha256 == hashlib.sha256(exports.export_bytes(dossier)).hexdigest()
    world.pupil.refresh_from_db()
    assert world.pupil.destination_school == "De Vlinder"
    assert world.pupil.destination_is_sbo is False


def test_remarks_of_parents_are_in_the_export(world):
    dossier = offered_dossier(world.ib, world.pupil)
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    data = json.loads(exports.export_bytes(dossier))
    assert data["parents"][0]["remarks"] == REMARK
    assert data["parents"][0]["signed_at"]
    assert data["content"]["pupil"]["last_name"] == "Jansen"
    assert data["content"]["destination"]["brin"] == "99ZZ"
    assert data["hand_over"]["by"]["email"] == world.ib.email


def test_remarks_of_parents_are_in_the_final_pdf(world, tmp_path):
    dossier = offered_dossier(world.ib, world.pupil)
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    pdf = exports.render_dossier_pdf(dossier)
    assert pdf.startswith(b"%PDF")
    html = __import__("django.template.loader", fromlist=["x"]).render_to_string(
        "pdf/transfers/dossier.html", exports.pdf_context(dossier)
    )
    assert REMARK in html
    assert "Definitief" in html
    if shutil.which("pdftotext"):
        path = tmp_path / "dossier.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "rekenen in groep 5" in " ".join(text.split())


def test_sbo_destination_keeps_the_dossier_three_years(world):
    dossier = offered_dossier(
        world.ib, world.pupil, destination_type="sbo", leaves_on=date(2026, 7, 10)
    )
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    dossier.refresh_from_db()
    assert dossier.retention_until == date(2029, 7, 10)
    world.pupil.refresh_from_db()
    assert world.pupil.destination_is_sbo is True


def test_regular_destination_keeps_the_dossier_two_years(world):
    dossier = offered_dossier(world.ib, world.pupil, leaves_on=date(2026, 7, 10))
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    dossier.refresh_from_db()
    assert dossier.retention_until == date(2028, 7, 10)


def test_retention_date_function_for_the_retention_app():
    assert dossier_retention_date(left_on=date(2024, 2, 29), destination_is_sbo=False) == date(
        2026, 3, 1
    )
    assert dossier_retention_date(left_on=date(2025, 1, 31), destination_is_sbo=True) == date(
        2028, 1, 31
    )


def test_expired_dossiers_are_the_handed_over_ones_past_their_date(world):
    dossier = offered_dossier(world.ib, world.pupil, leaves_on=date(2023, 7, 1))
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    assert list(expired_dossiers(date(2025, 7, 1))) == []
    assert list(expired_dossiers(date(2025, 7, 2))) == [dossier]


def test_paper_signature_recorded_by_the_school_counts(world):
    dossier = offered_dossier(world.ib, world.pupil)
    review = dossier.reviews.get()
    services.review_record_paper_signature(actor=world.ib, review=review, remarks="Op papier.")
    dossier.refresh_from_db()
    review.refresh_from_db()
    assert dossier.state == State.SIGNED
    assert review.signed_on_paper and review.recorded_by == world.ib


def test_reminders_go_weekly_at_most_three_times_and_a_second_run_sends_nothing(
    world, django_capture_on_commit_callbacks
):
    dossier = offered_dossier(world.ib, world.pupil)
    now = timezone.now()
    expected = [(0, 0), (7, 1), (7, 0), (14, 1), (21, 1), (28, 0)]  # (days later, sent)
    with django_capture_on_commit_callbacks(execute=True):
        sent = [services.reminders_send(now=now + timedelta(days=days)) for days, _ in expected]
    assert sent == [count for _, count in expected]
    assert len(mail.outbox) == 3
    assert dossier.reviews.get().reminders_sent == 3


def test_reminder_job_leaves_a_run_record(world):
    from privacy_portal.models import JobRun
    from transfers.tasks import BEAT_SCHEDULE, send_parent_reminders

    offered_dossier(world.ib, world.pupil)
    assert send_parent_reminders() == 0
    run = JobRun.objects.get(job="transfers.send_parent_reminders")
    assert run.status == JobRun.Status.SUCCEEDED
    assert BEAT_SCHEDULE["transfers-send-parent-reminders"]["task"] == send_parent_reminders.name


def test_views_and_exports_are_recorded(world):
    dossier = offered_dossier(world.ib, world.pupil)
    services.dossier_viewed(actor=world.parent, dossier=dossier, what="view")
    services.dossier_viewed(actor=world.ib, dossier=dossier, what="pdf")
    records = list(access_records_for(dossier))
    assert {(r.actor, r.additional_data["what"]) for r in records} == {
        (world.parent, "transfer_dossier:view"),
        (world.ib, "transfer_dossier:pdf"),
    }
    assert dossier.reviews.get().first_viewed_at is not None


def test_a_dossier_can_go_back_to_draft_for_a_correction_and_parents_sign_again(world):
    dossier = offered_dossier(world.ib, world.pupil)
    _sign(world, dossier)
    services.dossier_reopen(actor=world.ib, dossier=dossier)
    assert dossier.state == State.DRAFT
    assert dossier.content is None
    assert not dossier.reviews.exists()

    services.dossier_offer(actor=world.ib, dossier=dossier)
    assert dossier.reviews.get().signed_at is None
    with pytest.raises(ValidationError):
        services.dossier_hand_over(actor=world.ib, dossier=dossier)


def test_a_handed_over_dossier_cannot_be_reopened(world):
    dossier = offered_dossier(world.ib, world.pupil)
    _sign(world, dossier)
    services.dossier_hand_over(actor=world.ib, dossier=dossier)
    with pytest.raises(ValidationError):
        services.dossier_reopen(actor=world.ib, dossier=dossier)
    with pytest.raises(PermissionDenied):
        services.dossier_reopen(actor=world.teacher, dossier=dossier)
