"""Journey: the directie opens the retention preview, puts one pupil under review, and after the
purge run the destruction report lists the others (by reference, never by name)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from retention import rules, services
from students.models import Pupil
from tests.e2e.helpers import menu, sign_in
from tests.retention.factories import left_pupil

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_directie_reviews_one_pupil_and_the_report_lists_the_others(page, screenshot, world):
    today = timezone.localdate()
    left = today - timedelta(days=5 * 366 + 10)
    names = [("Daan", "Aalberts"), ("Noor", "Brouwer"), ("Lotte", "Claassen")]
    pupils = [
        left_pupil(world.class_5a, deregistered_on=left, first_name=first, last_name=last)
        for first, last in names
    ]
    kept, gone = pupils[1], [pupils[0], pupils[2]]

    sign_in(page, world.directie)
    menu(page, "Bewaartermijnen")
    page.get_by_role("heading", name="Bewaartermijnen: wat wordt binnenkort vernietigd?").wait_for()
    for first, last in names:
        assert page.get_by_role("link", name=f"{last}, {first}").is_visible()
    screenshot("retention-preview")

    page.get_by_role("button", name="Noor Brouwer in beoordeling nemen").click()
    page.get_by_text("Noor Brouwer staat in beoordeling").wait_for()
    row = page.get_by_role("row").filter(has_text="Brouwer")
    assert row.get_by_text("in beoordeling").is_visible()
    screenshot("retention-preview-after-review")

    page.get_by_role("link", name="Brouwer, Noor").click()
    page.get_by_role("heading", name="Wanneer wordt wat vernietigd?").wait_for()
    assert page.get_by_text("R13 leerlingenadministratie: 5 jaar na uitschrijving").is_visible()
    assert page.get_by_role("heading", name="Besluit over vernietiging").is_visible()
    assert page.get_by_role("button", name="In beoordeling nemen").count() == 0
    screenshot("retention-pupil-under-review")
    menu(page, "Bewaartermijnen")

    run = services.purge_expired()
    assert run.counts["pupils"] == 2
    assert Pupil.objects.filter(pk=kept.pk).exists()

    page.get_by_role("link", name="Vernietigingsrapport").click()
    page.get_by_role("heading", name=f"Vernietigingsrapport {today.year}").wait_for()
    for pupil in gone:
        reference = rules.pseudonym(pupil.pk, world.school.brin)[:16]
        assert page.get_by_text(reference).first.is_visible()
    assert page.get_by_text(rules.pseudonym(kept.pk, world.school.brin)[:16]).count() == 0
    body = page.content()
    assert "Aalberts" not in body and "Claassen" not in body
    screenshot("retention-destruction-report")

    response = page.request.get(f"/bewaartermijnen/vernietigingen/pdf/?jaar={today.year}")
    assert response.ok and response.body().startswith(b"%PDF")
    from tests.e2e.conftest import SCREENSHOTS

    (SCREENSHOTS / "retention-destruction-report.pdf").write_bytes(response.body())
