"""R6 art. 12: a processor's written confirmation of destruction is recorded with an optional
copy (a PDF or an image, size and type checked), which the directie and the FG can open."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from retention import services
from retention.models import ProcessorDestruction

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def item(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return ProcessorDestruction.objects.create(
        school=world.school, reference="a" * 64, processor_name="Rekentuin BV", part="dossier"
    )


def upload(content=PDF, name="bevestiging.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_directie_records_the_confirmation_with_its_letter_and_the_fg_opens_it(
    world, item, client_for
):
    response = client_for(world.directie).post(
        reverse("retention:processor_confirm", args=[item.pk]),
        {"note": "Brief van 20 juni", "file": upload()},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.confirmed_at and item.confirmed_by == world.directie
    assert item.confirmation_note == "Brief van 20 juni"
    assert item.confirmation_file.name.startswith(f"confirmations/{world.school.pk}/")
    assert "bevestiging" not in item.confirmation_file.name  # the uploaded name is no path

    report = client_for(world.fg).get(reverse("retention:report")).content.decode()
    link = reverse("retention:processor_confirmation_file", args=[item.pk])
    assert link in report
    response = client_for(world.fg).get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"


def test_the_confirmation_file_is_only_for_those_who_oversee_the_school(world, item, client_for):
    services.processor_destruction_confirm(actor=world.fg, item=item, upload=upload())
    link = reverse("retention:processor_confirmation_file", args=[item.pk])
    assert client_for(world.directie).get(link).status_code == 200
    assert client_for(world.directie_other_school).get(link).status_code == 404
    assert client_for(world.teacher).get(link).status_code == 403
    assert client_for(world.parent).get(link).status_code == 403


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_recorded(
    world, item, client_for
):
    response = client_for(world.directie).post(
        reverse("retention:processor_confirm", args=[item.pk]),
        {"note": "zie bijlage", "file": upload(b"MZ\x90\x00 not a letter", "brief.pdf")},
    )
    assert response.status_code == 400
    assert "Alleen PDF-bestanden en afbeeldingen" in response.content.decode()
    item.refresh_from_db()
    assert item.confirmed_at is None and not item.confirmation_file


def test_a_file_over_the_size_limit_is_refused(world, item, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    big = upload(PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        services.processor_destruction_confirm(actor=world.fg, item=item, upload=big)
    assert "te groot" in str(refused.value)
    item.refresh_from_db()
    assert item.confirmed_at is None


def test_a_confirmation_without_a_file_is_recorded_once(world, item, client_for):
    page = client_for(world.fg).get(reverse("retention:processor_confirm", args=[item.pk]))
    assert page.status_code == 200 and "Rekentuin BV" in page.content.decode()
    client_for(world.fg).post(reverse("retention:processor_confirm", args=[item.pk]), {})
    item.refresh_from_db()
    assert item.confirmed_at and not item.confirmation_file
    with pytest.raises(ValidationError):
        services.processor_destruction_confirm(actor=world.fg, item=item, note="nog eens")
