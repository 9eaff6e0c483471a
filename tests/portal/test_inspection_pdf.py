"""The inspection PDF is rendered for people to look at (var/pdf/inspectie.pdf)."""

from pathlib import Path

import pytest

from portal import services

pytestmark = pytest.mark.django_db

OUT = Path(__file__).resolve().parents[2] / "var" / "pdf"


def test_inspection_pdf_renders_every_section(client_for, world):
    world.pupil.medical_information = "Astma; puffer in de tas."
    world.pupil.phone = "0612345678"
    world.pupil.save()
    request = services.parent_request_create(actor=world.parent, pupil=world.pupil, kind="inzage")
    services.inspection_prepare(actor=world.directie, request=request)
    services.inspection_release(actor=world.directie, request=request)
    response = client_for(world.parent).get(f"/ouders/verzoeken/{request.pk}/inzage.pdf")
    assert response.status_code == 200
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "inspectie.pdf").write_bytes(response.content)
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000
