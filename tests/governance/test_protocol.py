"""R7: the protocol takes effect only with the (G)MR's consent; staff and parents read the
version in force; older versions stay in the archive; uploads are checked and served only
through an access-checking view."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance import selectors, services
from governance.models import ProtocolVersion
from tests.governance.factories import PDF_BYTES, fake_pdf_upload, pdf_upload

pytestmark = pytest.mark.django_db


def add_version(
    world, label, *, consent_days_ago=None, upload=None, text="Tekst van het protocol."
):
    version = services.protocol_version_add(
        actor=world.cvb,
        foundation=world.foundation,
        label=label,
        title="Privacyprotocol",
        text=text,
        upload=upload,
    )
    if consent_days_ago is not None:
        services.protocol_consent_record(
            actor=world.cvb,
            version=version,
            consent_on=timezone.localdate() - timedelta(days=consent_days_ago),
        )
    return version


def test_a_version_without_gmr_consent_is_not_in_force(world, client_for):
    draft = add_version(world, "2026-1")
    assert selectors.protocol_in_force(world.foundation) is None
    assert (
        client_for(world.parent)
        .get(reverse("governance:protocol_detail", args=[draft.pk]))
        .status_code
        == 404
    )


def test_consent_puts_a_version_in_force_and_the_older_one_in_the_archive(world, client_for):
    old = add_version(world, "2024-1", consent_days_ago=400)
    assert selectors.protocol_in_force(world.foundation) == old
    new = add_version(world, "2026-1")
    assert selectors.protocol_in_force(world.foundation) == old  # no consent yet
    client = client_for(world.cvb)
    response = client.post(
        reverse("governance:protocol_consent", args=[new.pk]),
        {"consent_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert selectors.protocol_in_force(world.foundation) == new
    page = client.get(reverse("governance:protocol_list")).content.decode()
    assert "Archief" in page and "2024-1" in page


def test_parents_read_only_the_version_in_force_staff_also_the_archive(world, client_for):
    old = add_version(world, "2024-1", consent_days_ago=400)
    new = add_version(world, "2026-1", consent_days_ago=1)
    draft = add_version(world, "2027-concept")
    parent = client_for(world.parent)
    assert parent.get(reverse("governance:protocol_detail", args=[new.pk])).status_code == 200
    assert parent.get(reverse("governance:protocol_detail", args=[old.pk])).status_code == 404
    listing = parent.get(reverse("governance:protocol_list")).content.decode()
    assert "2026-1" in listing and "2024-1" not in listing and "2027-concept" not in listing
    teacher = Client()
    from tests.conftest import sign_in

    sign_in(teacher, world.teacher)
    assert teacher.get(reverse("governance:protocol_detail", args=[old.pk])).status_code == 200
    assert teacher.get(reverse("governance:protocol_detail", args=[draft.pk])).status_code == 404


def test_consent_cannot_lie_in_the_future_or_be_recorded_twice(world, client_for):
    version = add_version(world, "2026-1")
    client = client_for(world.cvb)
    url = reverse("governance:protocol_consent", args=[version.pk])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url, {"consent_on": tomorrow})
    assert response.status_code == 400
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    response = client.post(url, {"consent_on": "geen datum"})
    assert response.status_code == 400 and "Vul een geldige datum in." in response.content.decode()
    assert client.post(url, {"consent_on": timezone.localdate().isoformat()}).status_code == 302
    response = client.post(url, {"consent_on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "al vastgelegd" in response.content.decode()


def test_only_the_cvb_and_office_record_consent(world, client_for):
    version = add_version(world, "2026-1", consent_days_ago=None)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        services.protocol_consent_record(
            actor=world.directie, version=version, consent_on=timezone.localdate()
        )
    version.refresh_from_db()
    assert version.gmr_consent_on is None


def test_uploaded_pdf_is_stored_under_media_root_and_served_with_an_access_check(world, client_for):
    version = add_version(world, "2026-1", consent_days_ago=0, upload=pdf_upload(), text="")
    path = Path(version.file.path)
    assert path.is_file() and str(path).startswith(str(settings.MEDIA_ROOT))
    assert "protocol" not in path.name  # random name, not the uploaded one
    response = client_for(world.parent).get(reverse("governance:protocol_file", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    outsider = Client()
    from tests.conftest import sign_in

    sign_in(outsider, world.outsider)
    assert outsider.get(reverse("governance:protocol_file", args=[version.pk])).status_code == 404


def test_a_file_that_is_not_a_pdf_is_refused_with_400(world, client_for):
    response = client_for(world.cvb).post(
        reverse("governance:protocol_create"),
        {"label": "2026-1", "title": "Privacyprotocol", "file": fake_pdf_upload()},
    )
    assert response.status_code == 400
    assert "Dit bestand is geen PDF." in response.content.decode()
    assert not ProtocolVersion.objects.exists()


def test_a_version_needs_a_file_or_text_and_a_unique_label(world, client_for):
    client = client_for(world.cvb)
    url = reverse("governance:protocol_create")
    response = client.post(url, {"label": "2026-1", "title": "Privacyprotocol"})
    assert response.status_code == 400
    assert "Voeg een PDF-bestand toe of vul de tekst in." in response.content.decode()
    assert client.post(url, {"label": "2026-1", "title": "P", "text": "x"}).status_code == 302
    response = client.post(url, {"label": "2026-1", "title": "P", "text": "y"})
    assert response.status_code == 400
    assert "Er is al een versie met dit versienummer." in response.content.decode()


def test_service_refuses_a_pdf_larger_than_the_limit(world, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("groot.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as error:
        add_version(world, "2026-1", upload=big)
    assert "groter dan 1 MB" in str(error.value)
