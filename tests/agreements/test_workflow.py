"""The agreement workflow (R6): every transition, and the forbidden ones."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agreements import services
from agreements.models import Agreement, AgreementState
from tests.agreements import factories as af

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]
S = AgreementState
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def submitted(world, draft):
    return services.agreement_submit(actor=world.directie, agreement=draft)


def signed_by_cvb(world, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    return services.agreement_sign(
        actor=world.cvb, agreement=draft, two_factor_verified=True, ip="192.0.2.10"
    )


def signed(world, draft):
    """Signed by both parties: the CvB, then the processor through the personal link."""
    return af.accept_by_processor(signed_by_cvb(world, draft))


def test_directie_drafts_an_agreement_for_own_school_with_the_current_bijsluiter(world, reg, draft):
    assert draft.state == S.DRAFT
    assert list(draft.schools.all()) == [world.school]
    assert [b.product for b in draft.bijsluiters.all()] == [reg.product]
    assert draft.events.get().to_state == S.DRAFT


def test_directie_cannot_draft_an_agreement_for_another_school(world, reg):
    with pytest.raises(PermissionDenied):
        af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.other_school])


def test_directie_cannot_draft_a_foundation_wide_agreement_but_the_office_can(world, reg):
    with pytest.raises(PermissionDenied):
        af.draft_agreement(world.directie, reg.supplier, [reg.product], [], all_schools=True)
    agreement = af.draft_agreement(
        world.beheerder, reg.supplier, [reg.product], [], all_schools=True
    )
    assert agreement.all_schools


@pytest.mark.parametrize("persona", ["teacher", "ib", "concierge", "parent", "fg", "outsider"])
def test_other_roles_cannot_draft_an_agreement(world, reg, persona):
    with pytest.raises(PermissionDenied):
        af.draft_agreement(getattr(world, persona), reg.supplier, [reg.product], [world.school])
    assert not Agreement.objects.exists()


def test_end_date_before_start_is_refused_and_nothing_saved(world, reg):
    with pytest.raises(ValidationError) as exc:
        af.draft_agreement(
            world.directie,
            reg.supplier,
            [reg.product],
            [world.school],
            start_date=date(2026, 3, 1),
            end_date=date(2026, 2, 1),
        )
    assert "ligt vóór de ingangsdatum" in str(exc.value.message_dict["end_date"])
    assert not Agreement.objects.exists()


def test_agreement_needs_a_product_with_a_bijsluiter(world, reg):
    bare = services.product_create(
        actor=world.beheerder, supplier=reg.supplier, name="Kaal", description="x", kind="I"
    )
    with pytest.raises(ValidationError, match="nog geen privacybijsluiter"):
        af.draft_agreement(world.directie, reg.supplier, [bare], [world.school])


def test_directie_submits_a_draft_to_the_cvb_and_the_cvb_is_mailed(
    world, draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agreement = submitted(world, draft)
    assert agreement.state == S.SUBMITTED
    assert agreement.submitted_at is not None
    assert [m.to for m in mailoutbox] == [[world.cvb.email]]
    assert "wacht op uw ondertekening" in mailoutbox[0].subject


@pytest.mark.parametrize("persona", ["teacher", "ib", "directie_other_school", "cvb"])
def test_only_the_schools_directie_or_the_office_submits(world, draft, persona):
    with pytest.raises(PermissionDenied):
        services.agreement_submit(actor=getattr(world, persona), agreement=draft)


def test_cvb_signature_leaves_the_agreement_waiting_for_the_processor(world, draft):
    agreement = signed_by_cvb(world, draft)
    assert agreement.state == S.AWAITING_PROCESSOR
    assert agreement.signed_by == world.cvb
    assert agreement.signed_ip == "192.0.2.10"
    assert len(agreement.pdf_sha256) == 64
    assert not agreement.processor_signed


def test_cvb_and_processor_sign_and_the_agreement_becomes_active_from_its_start_date(world, draft):
    agreement = signed(world, draft)
    assert agreement.state == S.ACTIVE
    assert agreement.signed_by == world.cvb
    assert (agreement.processor_signer_name, agreement.processor_signed_ip) == (
        "J. de Vries",
        "198.51.100.4",
    )
    assert [e.to_state for e in agreement.events.all() if e.from_state != e.to_state] == [
        S.DRAFT,
        S.SUBMITTED,
        S.AWAITING_PROCESSOR,
        S.SIGNED,
        S.ACTIVE,
    ]


def test_an_agreement_starting_later_stays_signed_until_the_job_activates_it(world, reg):
    later = timezone.localdate() + timedelta(days=10)
    draft = af.draft_agreement(
        world.directie, reg.supplier, [reg.product], [world.school], start_date=later
    )
    agreement = signed(world, draft)
    assert agreement.state == S.SIGNED
    assert not services.agreement_activate(agreement=agreement, today=later - timedelta(days=1))
    assert services.agreement_activate(agreement=agreement, today=later)
    agreement.refresh_from_db()
    assert agreement.state == S.ACTIVE


@pytest.mark.parametrize("persona", ["teacher", "directie", "fg", "beheerder", "ib"])
def test_nobody_but_the_cvb_can_sign(world, draft, persona):
    submitted(world, draft)
    with pytest.raises(PermissionDenied):
        services.agreement_sign(
            actor=getattr(world, persona), agreement=draft, two_factor_verified=True, ip=None
        )
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED and not draft.pdf_sha256


def test_cvb_cannot_sign_without_two_factor_confirmation(world, draft):
    submitted(world, draft)
    with pytest.raises(PermissionDenied, match="tweestapsverificatie"):
        services.agreement_sign(
            actor=world.cvb, agreement=draft, two_factor_verified=False, ip=None
        )


def test_cvb_of_another_foundation_cannot_sign(world, draft):
    from tests import factories as f

    stranger = f.foundation_person(f.FoundationFactory(), "cvb")
    submitted(world, draft)
    with pytest.raises(PermissionDenied):
        services.agreement_sign(actor=stranger, agreement=draft, two_factor_verified=True, ip=None)


def test_a_draft_cannot_be_signed_before_it_is_submitted(world, draft):
    with pytest.raises(ValidationError, match="kan niet naar"):
        services.agreement_sign(actor=world.cvb, agreement=draft, two_factor_verified=True, ip=None)


def test_returning_needs_a_reason(world, draft):
    submitted(world, draft)
    with pytest.raises(ValidationError) as exc:
        services.agreement_return(actor=world.cvb, agreement=draft, reason="  ")
    assert "reason" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_cvb_returns_with_a_reason_and_the_school_edits_and_resubmits(world, reg, draft):
    submitted(world, draft)
    agreement = services.agreement_return(
        actor=world.cvb, agreement=draft, reason="Bijlage 3 ontbreekt motivering."
    )
    assert agreement.state == S.RETURNED
    assert agreement.returned_reason == "Bijlage 3 ontbreekt motivering."
    services.deviation_add(
        actor=world.directie,
        agreement=agreement,
        article="8.2",
        description="Melding binnen 48 uur in plaats van 24 uur.",
        motivation="Kleine leverancier zonder 24-uursdienst.",
    )
    agreement = services.agreement_submit(actor=world.directie, agreement=agreement)
    assert agreement.state == S.SUBMITTED


def test_directie_cannot_return_an_agreement(world, draft):
    submitted(world, draft)
    with pytest.raises(PermissionDenied):
        services.agreement_return(actor=world.directie, agreement=draft, reason="nee")


def test_a_signed_agreement_cannot_be_edited(world, reg, draft):
    agreement = signed(world, draft)
    with pytest.raises(ValidationError, match="nieuwe versie"):
        services.agreement_update(
            actor=world.directie, agreement=agreement, end_date=date(2030, 1, 1)
        )
    with pytest.raises(ValidationError, match="nieuwe versie"):
        services.deviation_add(
            actor=world.directie, agreement=agreement, article="1", description="x", motivation="y"
        )
    agreement.refresh_from_db()
    assert agreement.end_date is None and not agreement.deviations.exists()


def test_a_submitted_agreement_cannot_be_edited_either(world, draft):
    submitted(world, draft)
    with pytest.raises(ValidationError):
        services.agreement_update(actor=world.directie, agreement=draft, end_date=date(2030, 1, 1))


def test_a_change_to_a_signed_agreement_makes_a_new_version_that_needs_signing(world, draft):
    old = signed(world, draft)
    new = services.agreement_new_version(actor=world.directie, agreement=old)
    assert (new.version, new.state, new.lineage, new.previous) == (2, S.DRAFT, old.lineage, old)
    services.agreement_update(actor=world.directie, agreement=new, end_date=date(2030, 7, 31))
    old.refresh_from_db()
    assert old.state == S.ACTIVE  # stays in force until the new version is signed
    new = signed(world, new)
    old.refresh_from_db()
    assert new.state == S.ACTIVE and old.state == S.SUPERSEDED
    assert new.pdf_sha256 != old.pdf_sha256


def test_active_agreement_is_ended_and_destruction_is_confirmed_with_a_document(world, draft):
    agreement = signed(world, draft)
    agreement = services.agreement_end(
        actor=world.directie, agreement=agreement, ended_on=date(2026, 7, 31), reason="Opgezegd"
    )
    assert agreement.state == S.ENDED
    agreement = services.agreement_confirm_destruction(
        actor=world.directie,
        agreement=agreement,
        confirmed_on=timezone.localdate(),
        confirmed_by="J. de Vries, FG Rekentuin",
        document=PDF,
    )
    assert agreement.state == S.DESTRUCTION_CONFIRMED
    assert agreement.destruction_document


def test_destruction_confirmation_must_be_a_pdf(world, draft):
    agreement = signed(world, draft)
    services.agreement_end(
        actor=world.directie, agreement=agreement, ended_on=date(2026, 7, 31), reason="x"
    )
    with pytest.raises(ValidationError, match="PDF"):
        services.agreement_confirm_destruction(
            actor=world.directie,
            agreement=agreement,
            confirmed_on=timezone.localdate(),
            confirmed_by="J.",
            document=b"not a pdf at all",
        )
    agreement.refresh_from_db()
    assert agreement.state == S.ENDED and not agreement.destruction_document


def test_destruction_cannot_be_confirmed_before_the_agreement_ended(world, draft):
    agreement = signed(world, draft)
    with pytest.raises(ValidationError, match="kan niet naar"):
        services.agreement_confirm_destruction(
            actor=world.directie,
            agreement=agreement,
            confirmed_on=timezone.localdate(),
            confirmed_by="J.",
            document=PDF,
        )


def test_a_draft_cannot_be_ended(world, draft):
    with pytest.raises(ValidationError, match="kan niet naar"):
        services.agreement_end(
            actor=world.directie, agreement=draft, ended_on=date(2026, 7, 31), reason="x"
        )


def test_teacher_cannot_end_an_agreement(world, draft):
    agreement = signed(world, draft)
    with pytest.raises(PermissionDenied):
        services.agreement_end(
            actor=world.teacher, agreement=agreement, ended_on=date(2026, 7, 31), reason="x"
        )


def test_deviation_needs_article_description_and_motivation(world, draft):
    with pytest.raises(ValidationError) as exc:
        services.deviation_add(
            actor=world.directie, agreement=draft, article="8", description="x", motivation=""
        )
    assert "motivation" in exc.value.message_dict
    assert not draft.deviations.exists()
