"""The processor signs too: a personal signed link mailed to the supplier's contact that works once,
expires, and opens only its own agreement; or the school uploads the countersigned copy. Until
then the agreement waits for the processor and the product is not covered."""

import re
import time

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agreements import selectors, services
from agreements.models import AgreementState
from tests.agreements import factories as af

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]
S = AgreementState
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def awaiting(world, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    return af.sign_by_cvb(world.cvb, draft)


def link(agreement):
    return reverse("agreements:processor_sign", args=[services.processor_token(agreement)])


def status_of(world, product_name="Rekentuin Online"):
    rows = selectors.coverage(world.directie, school=world.school).rows
    return {row.use.product.name: row.status for row in rows}[product_name]


def test_cvb_signature_mails_a_personal_link_to_the_suppliers_contact(
    world, reg, draft, mailoutbox, django_capture_on_commit_callbacks
):
    services.agreement_submit(actor=world.directie, agreement=draft)
    with django_capture_on_commit_callbacks(execute=True):
        agreement = af.sign_by_cvb(world.cvb, draft)
    assert agreement.state == S.AWAITING_PROCESSOR
    [mail] = [m for m in mailoutbox if m.to == [reg.supplier.contact_email]]
    token = re.search(r"/verwerkers/verwerker/ondertekenen/([^/\s]+)/", mail.body)[1]
    assert services.agreement_for_processor_token(token) == agreement
    assert "één keer" in mail.body


def test_until_the_processor_signs_the_product_is_not_covered(world, awaiting):
    assert status_of(world) == "awaiting_processor"
    assert len(selectors.coverage(world.directie, school=world.school).missing) == 1


def test_processor_reads_and_accepts_through_the_link_and_the_product_is_covered(
    world, client, awaiting
):
    page = client.get(link(awaiting))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Artikel 8: Datalekken" in body and awaiting.pdf_sha256 in body
    response = client.post(
        link(awaiting),
        {"name": "J. de Vries", "function": "directeur", "accept": "on"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.state == S.ACTIVE
    assert (
        awaiting.processor_signer_name,
        awaiting.processor_signer_function,
        awaiting.processor_signed_ip,
    ) == ("J. de Vries", "directeur", "198.51.100.9")
    assert awaiting.processor_signed_at is not None
    assert status_of(world) == "covered"


def test_the_link_works_once(world, client, awaiting):
    url = link(awaiting)
    client.post(url, {"name": "J. de Vries", "function": "directeur", "accept": "on"})
    again = client.post(url, {"name": "Iemand Anders", "function": "stagiair", "accept": "on"})
    assert again.status_code == 410
    assert "al gebruikt" in again.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.processor_signer_name == "J. de Vries"
    assert client.get(url).status_code == 410


def test_an_expired_link_is_refused(world, client, awaiting, monkeypatch):
    url = link(awaiting)
    later = time.time() + services.PROCESSOR_LINK_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(url, {"name": "J. de Vries", "function": "directeur", "accept": "on"})
    assert response.status_code == 410
    assert "verlopen" in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.state == S.AWAITING_PROCESSOR


def test_a_link_opens_only_its_own_agreement(world, reg, client, awaiting):
    other = af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
    services.agreement_submit(actor=world.directie, agreement=other)
    other = af.sign_by_cvb(world.cvb, other)
    # The token of the first agreement, pointed at the other one: the nonce does not match.
    forged = signing.dumps(
        {"a": other.pk, "n": awaiting.processor_link_nonce}, salt=services.PROCESSOR_LINK_SALT
    )
    # A token signed for another purpose (salt) is not a signing link.
    other_purpose = signing.dumps({"a": other.pk, "n": other.processor_link_nonce})
    for token in (forged, other_purpose, services.processor_token(other) + "x"):
        response = client.post(
            reverse("agreements:processor_sign", args=[token]),
            {"name": "X", "function": "Y", "accept": "on"},
        )
        assert response.status_code in (404, 410)
    other.refresh_from_db()
    assert other.state == S.AWAITING_PROCESSOR
    # Using the first agreement's own link signs that one only.
    client.post(link(awaiting), {"name": "J. de Vries", "function": "directeur", "accept": "on"})
    awaiting.refresh_from_db()
    other.refresh_from_db()
    assert awaiting.processor_signed and not other.processor_signed


def test_a_new_link_replaces_the_old_one(world, awaiting):
    old = services.processor_token(awaiting)
    renewed = services.agreement_send_processor_link(
        actor=world.directie, agreement=awaiting, email="tekenbevoegd@rekentuin.example"
    )
    with pytest.raises(services.InvalidProcessorLink):
        services.agreement_for_processor_token(old)
    assert services.agreement_for_processor_token(services.processor_token(renewed)) == awaiting


def test_accepting_needs_name_function_and_the_tick(world, client, awaiting):
    response = client.post(link(awaiting), {"name": "", "function": "", "accept": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Vul uw naam in." in body and "Vul uw functie in." in body
    awaiting.refresh_from_db()
    assert awaiting.state == S.AWAITING_PROCESSOR and not awaiting.processor_signed


def test_school_uploads_the_countersigned_copy_instead(world, awaiting):
    agreement = services.agreement_upload_countersigned(
        actor=world.directie,
        agreement=awaiting,
        document=PDF,
        name="J. de Vries",
        function="directeur",
    )
    assert agreement.state == S.ACTIVE and agreement.countersigned_file
    assert services.agreement_verify_pdf(actor=world.directie, agreement=agreement, data=PDF)
    with pytest.raises(services.InvalidProcessorLink):  # the mailed link no longer works
        services.agreement_for_processor_token(services.processor_token(awaiting))


def test_a_countersigned_copy_must_be_a_pdf_and_only_the_school_records_it(world, awaiting):
    with pytest.raises(ValidationError):
        services.agreement_upload_countersigned(
            actor=world.directie, agreement=awaiting, document=b"MZ\x90", name="A", function="B"
        )
    for persona in ("teacher", "ib", "directie_other_school"):
        with pytest.raises(PermissionDenied):
            services.agreement_upload_countersigned(
                actor=getattr(world, persona),
                agreement=awaiting,
                document=PDF,
                name="A",
                function="B",
            )
    awaiting.refresh_from_db()
    assert awaiting.state == S.AWAITING_PROCESSOR


def test_a_new_version_replaces_the_old_only_when_both_parties_signed(world, draft):
    services.agreement_submit(actor=world.directie, agreement=draft)
    old = af.sign_by_both(world.cvb, draft)
    new = services.agreement_new_version(actor=world.directie, agreement=old)
    services.agreement_submit(actor=world.directie, agreement=new)
    new = af.sign_by_cvb(world.cvb, new)
    old.refresh_from_db()
    assert old.state == S.ACTIVE  # the CvB alone does not replace it
    af.accept_by_processor(new)
    old.refresh_from_db()
    assert old.state == S.SUPERSEDED
