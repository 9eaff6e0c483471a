"""Helpers for the governance tests: departures, FG registrations and protocol versions made
through the services, and small files for uploads."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from governance import services
from tests.conftest import sign_in

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def pdf_upload(name="protocol.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def fake_pdf_upload(name="protocol.pdf"):
    """A text file that only pretends to be a PDF by its name and content type."""
    return SimpleUploadedFile(
        name, b"Dit is geen PDF maar platte tekst.", content_type="application/pdf"
    )


def png_upload(name="certificaat.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def record_departure(actor, person, schools, day=None, **kwargs):
    return services.departure_record(
        actor=actor,
        person=person,
        schools=schools,
        departure_date=day or timezone.localdate(),
        **kwargs,
    )


def signed_in_client(user) -> Client:
    """A separate browser-like client for ``user`` (an open session next to other clients)."""
    return sign_in(Client(), user)
