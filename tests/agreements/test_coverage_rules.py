"""Coverage (R6 art. 13.3): a bijsluiter that widens the processing uncovers the product until the
CvB signs a new agreement version on it; an editorial change does not; and every product in use
without a signed, current agreement counts as "zonder actieve overeenkomst", whatever the reason.
Also who publishes a bijsluiter, the transfer basis per country, and the B2 opt-ins."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import selectors, services
from agreements.countries import TransferBasis, transfer_basis
from agreements.hooks import checklist_evidence, register_processors
from agreements.models import BijsluiterStatus
from checklist.models import Verdict
from tests.agreements import factories as af

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


@pytest.fixture
def covered(world, reg, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    return af.sign_by_both(world.cvb, draft)


def status(world):
    [row] = selectors.coverage(world.directie, school=world.school).rows
    return row.status


def widen(world, reg, actor=None):
    """Bijsluiter 1.1 adds learning results' care data and a printer in the United Kingdom."""
    return services.bijsluiter_record(
        actor=actor or world.beheerder,
        product=reg.product,
        subprocessors=[{"name": "PrintCo Ltd", "task": "printen van rapporten", "country": "GB"}],
        **af.bijsluiter_data(
            version_label="1.1", categories=["identification", "enrolment", "results", "care"]
        ),
    )


def test_a_widening_bijsluiter_uncovers_the_product_until_the_cvb_signs_a_new_version(
    world, reg, covered
):
    assert status(world) == "covered"
    bijsluiter = widen(world, reg)
    assert bijsluiter.widens
    assert status(world) == "widened"
    assert len(selectors.coverage(world.directie, school=world.school).missing) == 1
    assert selectors.uncovered_product_uses(world.school) == [reg.use]
    # The directie's informed approval alone does not cover it again.
    services.bijsluiter_approve(actor=world.directie, bijsluiter=bijsluiter, school=world.school)
    assert status(world) == "widened"
    # A new version pins bijsluiter 1.1; the CvB's signature alone is not enough either.
    new = services.agreement_new_version(actor=world.directie, agreement=covered)
    assert [b.pk for b in new.bijsluiters.all()] == [bijsluiter.pk]
    services.agreement_submit(actor=world.directie, agreement=new)
    new = af.sign_by_cvb(world.cvb, new)
    assert status(world) == "awaiting_processor"
    af.accept_by_processor(new)
    assert status(world) == "covered"
    assert selectors.uncovered_product_uses(world.school) == []


def test_an_editorial_bijsluiter_change_keeps_the_product_covered(world, reg, covered):
    editorial = services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        **af.bijsluiter_data(
            version_label="1.0.1",
            contact="privacy@rekentuin.example, 030-7777777",
            protection_measures="Toegang met 2FA, logging, dagelijkse back-ups, versleuteld.",
        ),
    )
    assert not editorial.widens
    assert status(world) == "covered"


def test_a_widening_after_an_editorial_version_still_uncovers(world, reg, covered):
    services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        **af.bijsluiter_data(version_label="1.0.1", contact="privacy@rekentuin.example"),
    )
    widen(world, reg)
    assert status(world) == "widened"


def test_a_product_waiting_for_the_cvb_counts_as_without_active_agreement(world, reg, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    coverage = selectors.coverage(world.directie, school=world.school)
    assert [row.status for row in coverage.rows] == ["awaiting_cvb"]
    assert len(coverage.missing) == 1 and coverage.awaiting == [draft]


def test_the_dashboard_headline_counts_every_uncovered_product(world, reg, draft, client_for):
    services.agreement_submit(actor=world.directie, agreement=draft)
    other = af.product(world.beheerder, reg.supplier, name="Spellingtuin")
    af.product_in_use(world.directie, world.school, other)
    body = (
        client_for(world.directie).get("/verwerkers/", {"school": world.school.pk}).content.decode()
    )
    assert '<span class="count" data-count="missing">2</span>' in body
    assert "wacht op het CvB" in body


def test_the_checklist_judges_a_widened_product_as_not_covered(world, reg, covered):
    [provider] = checklist_evidence()
    assert provider.judge(world.school, None).verdict == Verdict.OK
    widen(world, reg)
    evidence = provider.judge(world.school, None)
    assert evidence.verdict == Verdict.NOT_OK and "Rekentuin Online" in evidence.summary


# --- Who publishes a bijsluiter ----------------------------------------------------------------


@pytest.fixture
def shared(world, reg):
    """The product is also in use at the other school."""
    af.product_in_use(world.beheerder, world.other_school, reg.product)
    return reg


def test_directie_only_proposes_a_bijsluiter_for_a_product_several_schools_use(
    world, shared, covered, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = widen(world, shared, actor=world.directie)
    assert proposal.status == BijsluiterStatus.PROPOSED
    assert selectors.current_bijsluiter(shared.product).version_label == "1.0"
    assert status(world) == "covered"  # a proposal changes nothing yet
    assert [m.to for m in mailoutbox] == [[world.beheerder.email]]
    with pytest.raises(PermissionDenied):
        services.bijsluiter_decide(actor=world.directie, bijsluiter=proposal, accept=True)
    published = services.bijsluiter_decide(actor=world.beheerder, bijsluiter=proposal, accept=True)
    assert published.status == BijsluiterStatus.PUBLISHED and published.widens
    assert selectors.current_bijsluiter(shared.product) == published
    assert status(world) == "widened"


def test_the_beheerder_is_told_a_proposal_waits(world, shared):
    from privacy_portal import hooks

    widen(world, shared, actor=world.directie)
    texts = [str(item.title) for item in hooks.attention(world.beheerder)]
    assert any("voorgestelde privacybijsluiter wacht op uw besluit" in t for t in texts)
    texts = [str(item.title) for item in hooks.attention(world.teacher)]
    assert not any("voorgestelde" in t for t in texts)


def test_beheerder_rejects_a_proposal_with_a_reason(world, shared):
    proposal = widen(world, shared, actor=world.directie)
    with pytest.raises(ValidationError):
        services.bijsluiter_decide(actor=world.beheerder, bijsluiter=proposal, accept=False)
    rejected = services.bijsluiter_decide(
        actor=world.beheerder, bijsluiter=proposal, accept=False, reason="Niet van de leverancier."
    )
    assert rejected.status == BijsluiterStatus.REJECTED
    assert selectors.current_bijsluiter(shared.product).version_label == "1.0"
    with pytest.raises(ValidationError):  # decided once
        services.bijsluiter_decide(actor=world.beheerder, bijsluiter=proposal, accept=True)


def test_cvb_publishes_a_bijsluiter_for_a_shared_product(world, shared):
    assert widen(world, shared, actor=world.cvb).status == BijsluiterStatus.PUBLISHED


def test_directie_publishes_for_a_product_only_its_own_school_uses(world, reg):
    assert widen(world, reg, actor=world.directie).status == BijsluiterStatus.PUBLISHED


def test_directie_of_a_school_not_using_the_product_cannot_publish_for_another_school(world, reg):
    proposal = widen(world, reg, actor=world.directie_other_school)
    assert proposal.status == BijsluiterStatus.PROPOSED


def test_the_bijsluiter_page_lets_the_beheerder_decide(world, shared, client_for):
    proposal = widen(world, shared, actor=world.directie)
    url = f"/verwerkers/bijsluiters/{proposal.pk}/"
    assert "Besluit vastleggen" in client_for(world.beheerder).get(url).content.decode()
    assert "Besluit vastleggen" not in client_for(world.directie).get(url).content.decode()
    response = client_for(world.beheerder).post(
        f"/verwerkers/bijsluiters/{proposal.pk}/besluit/", {"decision": "accept"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == BijsluiterStatus.PUBLISHED


# --- Transfers outside the EEA -----------------------------------------------------------------


def test_transfer_basis_per_country(world, reg):
    supplier = reg.supplier
    assert transfer_basis("NL", supplier) == TransferBasis.EEA
    assert transfer_basis("GB", supplier) == TransferBasis.ADEQUACY
    assert transfer_basis("CH", supplier) == TransferBasis.ADEQUACY
    assert transfer_basis("US", supplier) == TransferBasis.NONE
    supplier.dpf_certified = True
    assert transfer_basis("US", supplier) == TransferBasis.DPF
    assert transfer_basis("IN", supplier) == TransferBasis.NONE  # DPF is for the US only
    supplier.standard_contractual_clauses = True
    assert transfer_basis("IN", supplier) == TransferBasis.SCC


def test_the_warning_is_shown_only_where_there_is_no_basis(world, reg, client_for):
    bijsluiter = widen(world, reg)  # a printer in the United Kingdom: adequacy decision
    assert bijsluiter.countries_outside_eea() == ["GB"]
    assert bijsluiter.countries_without_basis() == []
    body = client_for(world.directie).get(f"/verwerkers/bijsluiters/{bijsluiter.pk}/")
    text = body.content.decode()
    assert "adequaatheidsbesluit" in text and "zonder doorgiftegrondslag" not in text
    us = services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        subprocessors=[{"name": "Cloud Inc", "task": "opslag", "country": "US"}],
        **af.bijsluiter_data(version_label="1.2"),
    )
    assert us.countries_without_basis() == ["US"]
    services.supplier_update(actor=world.beheerder, supplier=reg.supplier, dpf_certified=True)
    us.product.supplier.refresh_from_db()
    assert us.countries_without_basis() == []


# --- B2 opt-ins --------------------------------------------------------------------------------


def test_school_opts_in_per_optional_processing_and_the_record_of_processing_shows_it(world, reg):
    services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        **af.bijsluiter_data(
            version_label="1.1", optional_processing="Gebruiksstatistiek\nOefenadvies"
        ),
    )
    with pytest.raises(ValidationError):
        services.product_use_set_opt_ins(
            actor=world.directie, use=reg.use, opt_ins=["Doorverkoop van gegevens"]
        )
    with pytest.raises(PermissionDenied):
        services.product_use_set_opt_ins(actor=world.teacher, use=reg.use, opt_ins=[])
    use = services.product_use_set_opt_ins(
        actor=world.directie, use=reg.use, opt_ins=["Oefenadvies"]
    )
    assert use.optional_opt_ins == ["Oefenadvies"]
    entries = register_processors(world.foundation, "results")
    assert any("Oefenadvies" in entry and world.school.name in entry for entry in entries)
    assert not any("Gebruiksstatistiek" in entry for entry in entries)


def test_the_agreement_shows_each_schools_b2_choice(world, reg, draft):
    services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        **af.bijsluiter_data(version_label="1.1", optional_processing="Oefenadvies"),
    )
    services.product_use_set_opt_ins(actor=world.directie, use=reg.use, opt_ins=["Oefenadvies"])
    context = services.signature_context(draft)
    [bijsluiter] = context["bijsluiters"]
    assert bijsluiter.opt_ins == [(world.school.name, ["Oefenadvies"])]


def test_the_overview_counts_by_the_same_coverage_rule_through_every_stage(world, reg, covered):
    """The foundation overview reads coverage as rows in one query with the other apps'
    figures (``selectors.uncovered_steps``); it must match ``uncovered_product_uses`` when the
    product is covered, when a widening uncovers it, and when a new version covers it again."""
    from governance import overview

    def overview_unsigned():
        [figure] = [f for f in overview.figures(world.foundation) if f.key == "agreements.unsigned"]
        return figure.per_school

    def expected():
        return {
            school.pk: len(selectors.uncovered_product_uses(school))
            for school in world.foundation.schools.all()
        }

    other = af.product(world.beheerder, reg.supplier, name="Spellingtuin")
    af.product_in_use(world.beheerder, world.other_school, other)  # never covered
    assert overview_unsigned() == expected() == {world.school.pk: 0, world.other_school.pk: 1}
    bijsluiter = widen(world, reg)
    assert overview_unsigned() == expected() == {world.school.pk: 1, world.other_school.pk: 1}
    new = services.agreement_new_version(actor=world.directie, agreement=covered)
    services.agreement_submit(actor=world.directie, agreement=new)
    af.accept_by_processor(af.sign_by_cvb(world.cvb, new))
    assert [b.pk for b in new.bijsluiters.all()] == [bijsluiter.pk]
    assert overview_unsigned() == expected() == {world.school.pk: 0, world.other_school.pk: 1}
