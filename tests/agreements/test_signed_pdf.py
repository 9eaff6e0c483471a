"""The signed PDF: stored write-once under MEDIA_ROOT, its SHA-256 kept, tampering detected."""

import hashlib
import os
import shutil
import subprocess

import pytest
from django.conf import settings

from agreements import documents, services
from tests.agreements import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(world, reg):
    services.bijsluiter_record(
        actor=world.beheerder,
        product=reg.product,
        subprocessors=[
            {"name": "Hosting B.V.", "task": "hosting en back-ups", "country": "NL"},
            {"name": "Mailer Inc", "task": "verzenden van e-mail", "country": "US"},
        ],
        **af.bijsluiter_data(version_label="1.1", countries=["NL", "DE"]),
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
    return services.agreement_sign(
        actor=world.cvb, agreement=agreement, two_factor_verified=True, ip="192.0.2.7"
    )


def test_stored_hash_matches_the_signed_pdf_byte_for_byte(signed):
    path = documents.media_path(signed.pdf_file)
    assert str(path).startswith(str(settings.MEDIA_ROOT))
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == signed.pdf_sha256
    assert services.agreement_verify_pdf(actor=signed.signed_by, agreement=signed)


def test_the_signed_pdf_is_read_only_on_disk(signed):
    mode = os.stat(documents.media_path(signed.pdf_file)).st_mode & 0o777
    assert mode == 0o444


def test_tampering_with_the_stored_pdf_is_detected(signed):
    path = documents.media_path(signed.pdf_file)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))
    assert not services.agreement_verify_pdf(actor=signed.signed_by, agreement=signed)


def test_an_uploaded_copy_is_verified_against_the_hash(signed):
    original = documents.read(signed.pdf_file)
    assert services.agreement_verify_pdf(actor=None, agreement=signed, data=original)
    assert not services.agreement_verify_pdf(actor=None, agreement=signed, data=original + b" ")


def test_a_missing_pdf_file_fails_verification(signed):
    documents.remove(signed.pdf_file)
    assert not services.agreement_verify_pdf(actor=None, agreement=signed)


def test_the_signed_pdf_shows_parties_bijsluiter_deviations_and_the_signature(signed, world):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", str(documents.media_path(signed.pdf_file)), "-"],
        capture_output=True,
        check=True,
    )
    text = " ".join(result.stdout.decode().split())
    for expected in [
        "Verwerkersovereenkomst",
        world.foundation.name,
        "Rekentuin B.V.",
        "Bijlage 1A: Privacybijsluiter Rekentuin Online",
        "Bijlage 2A",
        "Bijlage 3",
        "Melding van een datalek binnen 48 uur.",
        "buiten de EER",
        "Verenigde Staten",
        world.cvb.get_full_name(),
    ]:
        assert expected in text, expected
    assert signed.content_sha256 in "".join(text.split())  # the hash wraps over two lines
    assert "CONCEPT" not in text
