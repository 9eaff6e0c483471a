"""Journey: the administration follows a background import. The progress region updates itself
by polling a fragment (no page reload, WCAG F41), announced through aria-live, and shows the
outcome once the import is done without the person doing anything."""

import pytest
from django.utils import timezone

from students.models import ImportRun
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_import_progress_region_shows_the_outcome_without_a_reload(page, world):
    run = ImportRun.objects.create(
        school=world.school,
        actor=world.administratie,
        status=ImportRun.Status.RUNNING,
        mode="all",
        rows_total=3,
        rows_valid=3,
        upload_path="imports/lopend.csv",
        heartbeat_at=timezone.now(),
        attempts=1,
    )
    sign_in(page, world.administratie)
    page.goto(f"/leerlingen/importeren/{run.pk}/")
    page.get_by_text("Bezig met importeren").wait_for()
    assert 'http-equiv="refresh"' not in page.content()
    assert page.locator("#import-progress").get_attribute("aria-live") == "polite"
    page.evaluate("window.__samePage = true")  # gone if the page were reloaded

    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.DONE, created=3, updated=0, upload_path=""
    )
    page.get_by_text("Import klaar: 3 nieuw, 0 bijgewerkt.").wait_for(timeout=10_000)
    assert page.evaluate("window.__samePage") is True
