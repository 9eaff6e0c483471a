"""Journey: the administratie uploads a ParnasSys export, reads the dry run (recognised as
ParnasSys, with a plausibility warning), imports it, and watches the progress until the result,
on a phone (390 px) and on a desktop (1280 px). Jobs run in a thread of the server process, as
in `make run` without Redis; the batches are made small and slow so that progress is visible."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from students import imports
from students.models import ImportRun, Pupil
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[1] / "students" / "samples" / "parnassys.csv"


def _slow_batches(monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    real_batch = imports._apply_batch

    def slow_batch(batch, **kwargs):
        time.sleep(1.5)
        return real_batch(batch, **kwargs)

    monkeypatch.setattr(imports, "_apply_batch", slow_batch)


@pytest.mark.parametrize("width", [390, 1280])
def test_administratie_imports_a_parnassys_export_and_watches_its_progress(
    page, screenshot, world, settings, monkeypatch, width
):
    settings.JOBS_IN_THREAD = True
    _slow_batches(monkeypatch)
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    sign_in(page, world.administratie)
    page.goto("/leerlingen/importeren/")

    page.get_by_label("Exportbestand (CSV)").set_input_files(str(SAMPLE))
    page.get_by_label("Proefimport: alleen laten zien wat er verandert").check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_role("heading", name="Proefimport: er is nog niets veranderd").wait_for()
    assert page.locator("dd.import-profile").inner_text() == "ParnasSys"
    warnings = page.locator("table.import-warnings tbody tr")
    assert warnings.count() == 1
    assert "Zoë" in warnings.first.inner_text() and "past niet bij groep 5" in warnings.inner_text()
    changes = page.locator("table.import-changes tbody tr")
    assert changes.count() == 4 and "Daan de Vries" in changes.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways page
    screenshot(f"students-import-parnassys-dry-run-{width}")
    assert not Pupil.objects.filter(administration_number__startswith="31").exists()

    page.get_by_label("Exportbestand (CSV)").set_input_files(str(SAMPLE))
    page.get_by_label("Importeren (niets als er een fout in staat)").check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_role("heading", name="Bezig met importeren…").wait_for()
    page.wait_for_url("**/leerlingen/importeren/*/")
    progress = page.locator("progress")
    assert progress.get_attribute("max") == "4"
    # Progress read from the run's row while the batches commit (the page reloads itself).
    expect(progress).not_to_have_attribute("value", "0", timeout=15_000)
    screenshot(f"students-import-parnassys-progress-{width}")

    # The page refreshes itself until the run is done.
    page.get_by_text("Import klaar: 4 nieuw, 0 bijgewerkt.").wait_for(timeout=30_000)
    screenshot(f"students-import-parnassys-result-{width}")
    run = ImportRun.objects.get(status=ImportRun.Status.DONE)
    assert (run.created, run.rows_done) == (4, 4)
    assert Pupil.objects.filter(administration_number__startswith="31").count() == 4
