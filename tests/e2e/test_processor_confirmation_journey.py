"""Journey: the FG records a processor's written confirmation of destruction with a copy of the
letter (R6 art. 12), and opens it again from the destruction report; on a phone and a desk."""

import pytest

from retention.models import ProcessorDestruction
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("width", [390, 1280])
def test_fg_records_a_processors_confirmation_with_its_letter(
    page, screenshot, world, settings, tmp_path, width
):
    settings.MEDIA_ROOT = tmp_path
    page.set_viewport_size({"width": width, "height": 900})
    item = ProcessorDestruction.objects.create(
        school=world.school, reference="b" * 64, processor_name="Rekentuin BV", part="dossier"
    )
    sign_in(page, world.fg)
    page.goto("/bewaartermijnen/vernietigingen/")
    page.get_by_role("link", name="Bevestiging ontvangen").click()
    page.get_by_role("heading", name="Bevestiging van de verwerker vastleggen").wait_for()
    page.get_by_label("Toelichting (optioneel)").fill("Brief van 20 juni")
    page.get_by_label("Bevestiging van de verwerker (optioneel)").set_input_files(
        {"name": "brief.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    screenshot(f"retention-processor-confirm-{width}")
    page.get_by_role("button", name="Bevestiging vastleggen").click()
    page.get_by_text("De bevestiging van de verwerker is vastgelegd.").wait_for()
    link = page.get_by_role("link", name="Bestand openen (Rekentuin BV)")
    assert link.is_visible()
    screenshot(f"retention-processor-confirmed-{width}")
    item.refresh_from_db()
    assert item.confirmed_at and item.confirmation_file
