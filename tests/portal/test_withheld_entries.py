"""Staff may leave a dossier entry out of an inspection export when a copy would harm the
rights of others (GDPR art. 15(4)); the reason is recorded, and the parent reads that
something was withheld, of which kind, and why (art. 12(4)), never its title or content."""

import io
import json
import subprocess
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Audience, Sensitivity
from portal import services
from portal.models import WithheldItem
from students import services as student_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASON = "Het verslag gaat ook over een ander kind; die gegevens mogen wij niet delen."


@pytest.fixture
def entries(world):
    def make(title, name):
        return student_services.dossier_entry_create(
            actor=world.ib,
            pupil=world.pupil,
            category_key="care",
            kind="report",
            title=title,
            audience=Audience.IB,
            sensitivity=Sensitivity.VERY_SENSITIVE,
            upload=SimpleUploadedFile(name, PDF),
        )

    return make("Ruzie op het plein met Daan", "ruzie.pdf"), make("Verslag logopedie", "logo.pdf")


@pytest.fixture
def prepared(world):
    request = services.parent_request_create(actor=world.parent, pupil=world.pupil, kind="inzage")
    return services.inspection_prepare(actor=world.directie, request=request)


def test_the_directie_withholds_an_entry_with_a_reason_and_the_parent_reads_why(
    world, entries, prepared, client_for, tmp_path
):
    withheld, kept = entries
    client = client_for(world.directie)
    response = client.post(
        reverse("portal:staff_withhold", args=[prepared.pk]),
        {"entry": withheld.pk, "reason": REASON},
    )
    assert response.status_code == 302
    item = WithheldItem.objects.get(request=prepared)
    assert item.entry_id == withheld.pk and item.reason == REASON
    assert item.withheld_by == world.directie
    assert "Ruzie" not in item.description  # the kind of piece, never its title
    services.inspection_release(actor=world.directie, request=prepared)

    parent = client_for(world.parent)
    page = parent.get(reverse("portal:request_detail", args=[prepared.pk]))
    assert "Niet verstrekt" in page.text and REASON in page.text
    assert "Ruzie" not in page.text
    archive = zipfile.ZipFile(
        io.BytesIO(parent.get(reverse("portal:request_export", args=[prepared.pk, "zip"])).content)
    )
    data = json.loads(archive.read(f"inzage-{prepared.reference}.json"))
    assert [d["title"] for d in data["dossier"]] == ["Verslag logopedie"]
    assert data["withheld"][0]["reason"] == REASON
    assert not any("ruzie" in name for name in archive.namelist())
    assert any("logo" in name for name in archive.namelist())
    pdf = tmp_path / "inzage.pdf"
    pdf.write_bytes(archive.read(f"inzage-{prepared.reference}.pdf"))
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Niet verstrekt" in text and "ander kind" in text
    assert "Ruzie" not in text


def test_a_reason_is_required_and_nothing_is_withheld_without_one(world, entries, prepared):
    with pytest.raises(ValidationError):
        services.inspection_withhold(
            actor=world.directie, request=prepared, entry_id=entries[0].pk, reason="  "
        )
    assert not WithheldItem.objects.exists()


def test_recompiling_the_export_keeps_the_withheld_entry_out(world, entries, prepared):
    services.inspection_withhold(
        actor=world.directie, request=prepared, entry_id=entries[0].pk, reason=REASON
    )
    services.inspection_prepare(actor=world.directie, request=prepared)
    prepared.refresh_from_db()
    assert [d["id"] for d in prepared.export_json["dossier"]] == [entries[1].pk]
    assert len(prepared.export_json["withheld"]) == 1


def test_only_the_directie_withholds_and_only_before_release(world, entries, prepared, client_for):
    with pytest.raises(PermissionDenied):
        services.inspection_withhold(
            actor=world.administratie, request=prepared, entry_id=entries[0].pk, reason=REASON
        )
    response = client_for(world.ib).post(
        reverse("portal:staff_withhold", args=[prepared.pk]),
        {"entry": entries[0].pk, "reason": REASON},
    )
    assert response.status_code in (403, 404)
    services.inspection_release(actor=world.directie, request=prepared)
    with pytest.raises(ValidationError):
        services.inspection_withhold(
            actor=world.directie, request=prepared, entry_id=entries[0].pk, reason=REASON
        )
    assert not WithheldItem.objects.exists()


def test_an_entry_of_another_child_cannot_be_named(world, entries, prepared, client_for):
    other = student_services.dossier_entry_create(
        actor=world.ib,
        pupil=world.pupil_other_class,
        category_key="care",
        kind="note",
        title="Andere leerling",
        audience=Audience.IB,
        sensitivity=Sensitivity.VERY_SENSITIVE,
    )
    response = client_for(world.directie).post(
        reverse("portal:staff_withhold", args=[prepared.pk]), {"entry": other.pk, "reason": REASON}
    )
    assert response.status_code == 400
    assert not WithheldItem.objects.exists()
