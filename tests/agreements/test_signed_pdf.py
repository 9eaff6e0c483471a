"""The signed documents: the agreement text (write-once, its SHA-256 the one hash shown on screen
and printed in the sealed PDF), the sealed PDF with both signatures, and the Model
Verwerkersovereenkomst's articles in full."""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from agreements import documents, services
from agreements.contract import available_versions, model_articles
from tests.agreements import factories as af

pytestmark = pytest.mark.django_db

SEED_PROTOCOL = Path("/work/shared/seed/privacyprotocol-oponoa.txt")


def words(text: str) -> str:
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Without whitespace and hyphens: a PDF may break a line after "en/" or "Product-", which
    text extraction turns into a space or joins into "Producten". Every letter still counts."""
    return "".join(text.split()).replace("-", "")


def pdf_text(path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return words(result.stdout.decode())


@pytest.fixture
def signed_for_real(world, reg):
    """Rendered by WeasyPrint: a bijsluiter with a sub-processor in the US, a deviation, signed
    by the CvB and accepted by the processor through the link."""
    services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        subprocessors=[
            {"name": "Hosting B.V.", "task": "hosting en back-ups", "country": "NL"},
            {"name": "Mailer Inc", "task": "verzenden van e-mail", "country": "US"},
        ],
        **af.bijsluiter_data(
            version_label="1.1",
            countries=["NL", "DE"],
            optional_processing="Anonieme gebruiksstatistiek\nAdaptieve oefenadviezen",
        ),
    )
    services.product_use_set_opt_ins(
        actor=world.directie, use=reg.use, opt_ins=["Adaptieve oefenadviezen"]
    )
    agreement = af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
    services.deviation_add(
        actor=world.directie,
        agreement=agreement,
        article="8.2",
        description="Melding van een datalek binnen 48 uur.",
        motivation="Kleine leverancier zonder 24-uursdienst; FG akkoord.",
    )
    services.agreement_submit(actor=world.directie, agreement=agreement)
    return af.sign_by_both(world.cvb, agreement)


@pytest.fixture
def signed(world, reg, fast_pdf):
    agreement = af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
    services.agreement_submit(actor=world.directie, agreement=agreement)
    return af.sign_by_both(world.cvb, agreement)


def test_the_model_text_has_fourteen_articles_and_is_stored_per_version():
    assert "2.0" in available_versions()
    articles = model_articles("2.0")
    assert [a.number for a in articles] == list(range(1, 15))
    assert articles[7].heading == "Artikel 8: Datalekken"
    assert all(article.paragraphs for article in articles)


@pytest.mark.skipif(not SEED_PROTOCOL.exists(), reason="the foundation's protocol is not here")
def test_every_article_of_the_data_file_is_word_for_word_in_the_protocol():
    protocol = words(SEED_PROTOCOL.read_text(encoding="utf-8"))
    for article in model_articles("2.0"):
        assert article.heading in protocol, article.heading
        for paragraph in article.paragraphs:
            assert words(paragraph.full_text) in protocol, paragraph.full_text[:60]


def test_the_sealed_pdf_contains_every_article_of_the_model_and_both_signatures(
    signed_for_real, world
):
    agreement = signed_for_real
    text = pdf_text(documents.media_path(agreement.sealed_file))
    for article in model_articles(agreement.model_version):
        assert article.heading in text, article.heading
        for paragraph in article.paragraphs:
            assert squeeze(paragraph.full_text) in squeeze(text), paragraph.full_text[:60]
    assert "Samenvatting van de artikelen" not in text
    assert "artikelen 1 tot en met 14 van de Model Verwerkersovereenkomst 2.0" in text
    for expected in [
        "Verwerkersovereenkomst (voorheen bewerkersovereenkomst)",
        world.foundation.name,
        "Rekentuin B.V.",
        "Bijlage 1A: Privacybijsluiter Rekentuin Online",
        "Bijlage 2A",
        "Bijlage 3",
        "Melding van een datalek binnen 48 uur.",
        "Verenigde Staten",
        "zonder doorgiftegrondslag",
        f"{world.school.name}: Adaptieve oefenadviezen",  # the school's B2 choice
        world.cvb.get_full_name(),
        "J. de Vries, directeur",  # the processor's signatory
        "198.51.100.4",
    ]:
        assert expected in text, expected
    assert "wacht op de verwerker" not in text
    assert "CONCEPT" not in text
    # The one hash: printed on the signature page, equal to the SHA-256 of the signed text.
    text_file = documents.read(agreement.pdf_file)
    assert hashlib.sha256(text_file).hexdigest() == agreement.pdf_sha256
    assert agreement.pdf_sha256 in "".join(text.split())  # the hash may wrap over lines
    # The signed text itself carries the articles too, without a signature page.
    plain = pdf_text(documents.media_path(agreement.pdf_file))
    assert squeeze(model_articles("2.0")[13].paragraphs[1].full_text) in squeeze(plain)
    assert world.cvb.get_full_name() not in plain


def test_the_hash_on_screen_equals_the_sha256_of_the_download(world, client_for, signed):
    client = client_for(world.fg)
    page = client.get(reverse("agreements:agreement_detail", args=[signed.pk])).content.decode()
    shown = re.findall(r'<span class="hash" data-hash>([0-9a-f]{64})</span>', page)
    download = client.get(reverse("agreements:agreement_pdf", args=[signed.pk]))
    assert download.status_code == 200
    assert shown == [hashlib.sha256(download.content).hexdigest()]
    assert "overeenkomst.pdf" in page  # the one-line explanation names the file it seals


def test_stored_hash_matches_the_signed_text_byte_for_byte(signed):
    path = documents.media_path(signed.pdf_file)
    assert str(path).startswith(str(settings.MEDIA_ROOT))
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == signed.pdf_sha256
    assert services.agreement_verify_pdf(actor=signed.signed_by, agreement=signed)


def test_the_signed_files_are_read_only_on_disk(signed):
    for relative in (signed.pdf_file, signed.sealed_file):
        assert os.stat(documents.media_path(relative)).st_mode & 0o777 == 0o444


def test_the_first_sealed_copy_is_replaced_when_the_processor_signs(world, reg, fast_pdf):
    agreement = af.draft_agreement(world.directie, reg.supplier, [reg.product], [world.school])
    services.agreement_submit(actor=world.directie, agreement=agreement)
    agreement = af.sign_by_cvb(world.cvb, agreement)
    first_sealed, text = agreement.sealed_file, agreement.pdf_file
    agreement = af.accept_by_processor(agreement)
    assert agreement.sealed_file != first_sealed
    assert agreement.pdf_file == text  # the signed text never changes


def test_tampering_with_the_stored_text_is_detected(signed):
    path = documents.media_path(signed.pdf_file)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))
    assert not services.agreement_verify_pdf(actor=signed.signed_by, agreement=signed)


def test_tampering_with_the_sealed_pdf_is_detected(signed):
    path = documents.media_path(signed.sealed_file)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b" ")
    assert not services.agreement_verify_pdf(actor=signed.signed_by, agreement=signed)


def test_an_uploaded_copy_is_verified_against_the_hashes(signed):
    original = documents.read(signed.pdf_file)
    sealed = documents.read(signed.sealed_file)
    assert services.agreement_verify_pdf(actor=None, agreement=signed, data=original)
    assert services.agreement_verify_pdf(actor=None, agreement=signed, data=sealed)
    assert not services.agreement_verify_pdf(actor=None, agreement=signed, data=original + b" ")


def test_a_missing_pdf_file_fails_verification(signed):
    documents.remove(signed.pdf_file)
    assert not services.agreement_verify_pdf(actor=None, agreement=signed)
