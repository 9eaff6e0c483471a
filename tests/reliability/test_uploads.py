"""Uploads complete or leave nothing: a body cut off mid-file saves no dossier entry and no part
of its document, and no upload is ever copied to $TMPDIR."""

import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from students.models import DossierEntry
from tests.students.test_dossier import PDF, create_url, post_entry, stored_files

pytestmark = pytest.mark.django_db


def _form(document: bytes) -> dict:
    return {
        "upload_started": "1",
        "category": "care",
        "kind": "report",
        "title": "Verslag logopedie",
        "body": "Samenvatting.",
        "audience": "2",
        "sensitivity": "3",
        "document": SimpleUploadedFile("verslag.pdf", document),
        "upload_complete": "1",
    }


def test_an_upload_cut_off_mid_file_saves_neither_the_entry_nor_the_document(
    world, client_for, settings
):
    from accounts.roles import Audience, Sensitivity

    data = _form(PDF + b"%" * 200_000)
    data["audience"], data["sensitivity"] = Audience.IB, Sensitivity.VERY_SENSITIVE
    body = encode_multipart(BOUNDARY, data)
    cut = body[: body.index(b"%" * 1000) + 50_000]  # the connection drops inside the file
    response = client_for(world.ib).generic(
        "POST", create_url(world.pupil), cut, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 400
    assert "niet volledig aangekomen" in response.content.decode()
    assert not DossierEntry.objects.exists()
    assert stored_files(settings) == []

    whole = client_for(world.ib).generic(
        "POST", create_url(world.pupil), body, content_type=MULTIPART_CONTENT
    )
    assert whole.status_code == 302 and DossierEntry.objects.count() == 1


def test_a_large_upload_leaves_no_temporary_copy(world, client_for, settings, monkeypatch):
    private_tmp = Path(tempfile.mkdtemp(prefix="issue24-upload-"))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    settings.FILE_UPLOAD_TEMP_DIR = str(private_tmp)
    big = PDF + b"%" * (6 * 1024 * 1024)  # above Django's default in-memory limit of 2.5 MB
    response = post_entry(
        client_for(world.ib), world.pupil, upload=SimpleUploadedFile("verslag.pdf", big)
    )
    assert response.status_code == 302
    assert list(private_tmp.iterdir()) == []
    private_tmp.rmdir()


def test_an_upload_over_the_limit_is_refused_with_a_clear_message(world, client_for, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    response = post_entry(
        client_for(world.ib),
        world.pupil,
        upload=SimpleUploadedFile("verslag.pdf", PDF + b"%" * (2 * 1024 * 1024)),
    )
    # 413 Content Too Large, refused before a byte is read (BadInputMiddleware), on a page
    # that says why.
    assert response.status_code == 413
    assert "te groot" in response.content.decode()
    assert "Er is niets opgeslagen" in response.content.decode()
    assert not DossierEntry.objects.exists()
