"""The pupil dossier: entries with an audience level (R11) and a sensitivity (R12); uploads
checked by content, size and name, stored outside the web root and served after an access check."""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Audience, Sensitivity
from students import services
from students.models import DossierEntry
from tests.students.factories import DossierEntryFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def create_url(pupil):
    return reverse("students:dossier_entry_create", args=[pupil.pk])


def entry_url(entry):
    return reverse("students:dossier_entry", args=[entry.pupil_id, entry.pk])


def document_url(entry):
    return reverse("students:dossier_document", args=[entry.pupil_id, entry.pk])


def post_entry(client, pupil, *, upload=None, **overrides):
    data = {
        "category": "care",
        "kind": "report",
        "title": "Verslag logopedie",
        "body": "Samenvatting van het onderzoek.",
        "audience": Audience.IB,
        "sensitivity": Sensitivity.VERY_SENSITIVE,
        **overrides,
    }
    if upload is not None:
        data["document"] = upload
    return client.post(create_url(pupil), data)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_ib_adds_a_report_with_a_pdf_stored_under_a_random_name(world, client_for, settings):
    response = post_entry(
        client_for(world.ib), world.pupil, upload=SimpleUploadedFile("verslag.pdf", PDF)
    )
    assert response.status_code == 302
    entry = DossierEntry.objects.get()
    assert entry.author == world.ib
    assert entry.content_type == "application/pdf"
    assert entry.document_name == "verslag.pdf"
    [path] = stored_files(settings)
    assert path.parent == Path(settings.MEDIA_ROOT) / "dossier" / str(world.school.pk)
    assert path.name != "verslag.pdf" and path.suffix == ".pdf"


def test_the_document_is_served_only_through_the_checking_view(world, client_for, settings):
    post_entry(client_for(world.ib), world.pupil, upload=SimpleUploadedFile("verslag.pdf", PDF))
    entry = DossierEntry.objects.get()
    response = client_for(world.ib).get(document_url(entry))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    # There is no public route to the media folder.
    assert client_for(world.ib).get(f"{settings.MEDIA_URL}{entry.document.name}").status_code == 404


def test_opening_a_document_writes_an_access_record(world, client_for):
    post_entry(client_for(world.ib), world.pupil, upload=SimpleUploadedFile("verslag.pdf", PDF))
    entry = DossierEntry.objects.get()
    client_for(world.directie).get(document_url(entry))
    record = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=world.directie).get()
    assert record.additional_data == {"what": "care", "entry": entry.pk, "document": True}


@pytest.mark.parametrize("persona", ["teacher", "concierge", "administratie", "other_teacher"])
def test_those_below_the_ib_level_cannot_open_an_ib_document(world, client_for, persona):
    entry = DossierEntryFactory(pupil=world.pupil)
    client = client_for(getattr(world, persona))
    assert client.get(entry_url(entry)).status_code == 404
    assert client.get(document_url(entry)).status_code == 404


def test_directie_documents_stay_hidden_from_the_ib(world, client_for):
    entry = DossierEntryFactory(
        pupil=world.pupil, audience=Audience.DIRECTIE, title="Directienotitie"
    )
    assert client_for(world.ib).get(entry_url(entry)).status_code == 404
    assert client_for(world.directie).get(entry_url(entry)).status_code == 200


def test_teacher_sees_a_results_entry_meant_for_teachers_but_not_a_care_note(world, client_for):
    DossierEntryFactory(
        pupil=world.pupil,
        category="results",
        title="Rapport januari",
        audience=Audience.LEERKRACHT,
        sensitivity=Sensitivity.SENSITIVE,
    )
    DossierEntryFactory(pupil=world.pupil, title="Zorgplan lezen", audience=Audience.LEERKRACHT)
    page = (
        client_for(world.teacher)
        .get(reverse("students:pupil_detail", args=[world.pupil.pk]))
        .content.decode()
    )
    assert "Rapport januari" in page
    assert "Zorgplan lezen" not in page


def test_reading_a_care_note_writes_an_access_record(world, client_for):
    entry = DossierEntryFactory(pupil=world.pupil)
    response = client_for(world.ib).get(entry_url(entry))
    assert response.status_code == 200
    assert entry.body in response.content.decode()
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=world.ib, additional_data__entry=entry.pk
    ).exists()


def test_teacher_cannot_make_an_entry_visible_above_their_own_level(world, client_for):
    response = post_entry(
        client_for(world.teacher),
        world.pupil,
        category="results",
        audience=Audience.IB,
        sensitivity=Sensitivity.SENSITIVE,
    )
    assert response.status_code == 400
    assert not DossierEntry.objects.exists()


def test_teacher_adds_a_results_entry_for_teachers(world, client_for):
    response = post_entry(
        client_for(world.teacher),
        world.pupil,
        category="results",
        kind="note",
        audience=Audience.LEERKRACHT,
        sensitivity=Sensitivity.SENSITIVE,
    )
    assert response.status_code == 302
    assert DossierEntry.objects.get().category == "results"


def test_teacher_cannot_add_a_care_note(world, client_for):
    response = post_entry(client_for(world.teacher), world.pupil, audience=Audience.LEERKRACHT)
    assert response.status_code == 400
    assert not DossierEntry.objects.exists()


def test_concierge_may_not_add_anything_to_the_dossier(world, client_for):
    assert client_for(world.concierge).get(create_url(world.pupil)).status_code == 403


def test_a_care_note_cannot_be_marked_less_sensitive_than_its_category(world):
    with pytest.raises(ValidationError) as error:
        services.dossier_entry_create(
            actor=world.ib,
            pupil=world.pupil,
            category_key="care",
            kind="note",
            title="x",
            audience=Audience.IB,
            sensitivity=Sensitivity.PUBLIC,
        )
    assert "sensitivity" in error.value.message_dict


# --- Upload checks ---------------------------------------------------------------------------


def test_a_disguised_executable_is_refused(world, client_for, settings):
    response = post_entry(
        client_for(world.ib), world.pupil, upload=SimpleUploadedFile("verslag.pdf", EXE)
    )
    assert response.status_code == 400
    assert "Alleen PDF-bestanden en afbeeldingen" in response.content.decode()
    assert not DossierEntry.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_file_is_refused(world, client_for, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    big = PDF + b"0" * (1024 * 1024 + 1)
    response = post_entry(
        client_for(world.ib), world.pupil, upload=SimpleUploadedFile("groot.pdf", big)
    )
    assert response.status_code == 400
    assert "te groot" in response.content.decode()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", ".htaccess", "a/../../b.pdf", "x\x00.pdf"]
)
def test_a_path_traversal_file_name_is_refused(world, name):
    upload = SimpleUploadedFile("placeholder.pdf", PDF)
    upload._name = name  # bypass Django's own clean-up, as a direct caller could
    with pytest.raises(ValidationError) as error:
        services.validate_upload(upload)
    assert error.value.code == "file_name"


def test_a_traversal_name_over_http_never_leaves_the_dossier_folder(world, client_for, settings):
    upload = SimpleUploadedFile("../../../../tmp/evil.pdf", PDF)
    response = post_entry(client_for(world.ib), world.pupil, upload=upload)
    assert response.status_code in (302, 400)
    for path in stored_files(settings):
        assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "dossier")
    assert not Path("/tmp/evil.pdf").exists()


def test_a_png_image_is_accepted(world):
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
        b"\x00\x00\x00\x90wS\xde"
    )
    upload = SimpleUploadedFile("scan.png", png)
    assert services.validate_upload(upload) == "image/png"


def test_the_service_refuses_an_audience_above_the_authors_own_level(world):
    with pytest.raises(ValidationError) as error:
        services.dossier_entry_create(
            actor=world.teacher,
            pupil=world.pupil,
            category_key="results",
            kind="note",
            title="Observatie",
            audience=Audience.DIRECTIE,
            sensitivity=Sensitivity.SENSITIVE,
        )
    assert "audience" in error.value.message_dict
    assert not DossierEntry.objects.exists()


def test_the_form_offers_a_teacher_no_sensitivity_above_their_ceiling(world, client_for):
    page = client_for(world.teacher).get(create_url(world.pupil)).content.decode()
    assert "zeer gevoelig" not in page
    assert 'value="results"' in page and 'value="care"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_document_leaves_the_disk_when_its_pupil_is_deleted(world, client_for, settings):
    post_entry(client_for(world.ib), world.pupil, upload=SimpleUploadedFile("verslag.pdf", PDF))
    assert len(stored_files(settings)) == 1
    world.pupil.delete()
    assert stored_files(settings) == []
