"""The register (AVG art. 33 lid 5): filters, exports, numbers per period; and the AP PDF."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from breaches import selectors, services
from tests.breaches.factories import assess, notify, report_breach

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def breaches(world, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=AMS), tick=False)
    lost = report_breach(
        world.teacher,
        world.school,
        discovered_at=datetime(2026, 3, 2, 9, tzinfo=AMS),
        occurred_at=None,
    )
    mail = report_breach(
        world.directie,
        world.school,
        kind="wrong_recipient",
        discovered_at=datetime(2026, 9, 14, 9, tzinfo=AMS),
        occurred_at=None,
    )
    hack = report_breach(
        world.teacher_other_school,
        world.other_school,
        kind="hack",
        discovered_at=datetime(2026, 11, 19, 9, tzinfo=AMS),
        occurred_at=None,
    )
    assess(lost, world.fg)
    notify(lost, world.fg, sent_at=datetime(2026, 3, 3, 9, tzinfo=AMS))
    services.breach_close(breach=lost, actor=world.fg)
    return {"lost": lost, "mail": mail, "hack": hack}


def refs(response):
    page = response.content.decode()
    return {name for name in ("DL-2026-0001", "DL-2026-0002", "DL-2026-0003") if name in page}


def test_filters_by_school_period_kind_and_status(world, breaches, client_for):
    client = client_for(world.fg)
    assert refs(client.get("/datalekken/")) == {"DL-2026-0001", "DL-2026-0002", "DL-2026-0003"}
    assert refs(client.get(f"/datalekken/?school={world.other_school.pk}")) == {"DL-2026-0003"}
    assert refs(client.get("/datalekken/?start=2026-09-01&end=2026-09-30")) == {"DL-2026-0002"}
    assert refs(client.get("/datalekken/?kind=hack")) == {"DL-2026-0003"}
    assert refs(client.get("/datalekken/?status=closed")) == {"DL-2026-0001"}
    assert refs(client.get("/datalekken/?q=DL-2026-0002")) == {"DL-2026-0002"}


def test_register_list_runs_a_bounded_number_of_queries(
    world, breaches, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.fg)
    client.get("/datalekken/")
    with CaptureQueriesContext(connection) as few:
        client.get("/datalekken/")
    for _ in range(20):
        report_breach(world.teacher, world.school)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/datalekken/")
    assert response.status_code == 200
    assert len(few.captured_queries) < 40


def test_statistics_per_period_for_the_yearly_report_and_checklist(world, breaches):
    year = selectors.breach_statistics(
        foundation=world.foundation, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert year["total"] == 3
    assert year["by_kind"] == {"lost_device": 1, "wrong_recipient": 1, "hack": 1}
    assert year["notified_to_ap"] == 1 and year["notified_late"] == 0
    assert year["open"] == 2
    spring = selectors.breach_statistics(
        foundation=world.foundation, start=date(2026, 1, 1), end=date(2026, 6, 30)
    )
    assert spring["total"] == 1


def test_csv_export_follows_the_filters(world, breaches, client_for):
    content = client_for(world.fg).get("/datalekken/register.csv?kind=hack").content
    text = content.decode("utf-8-sig")
    assert "DL-2026-0003" in text and "DL-2026-0001" not in text
    assert text.splitlines()[0].startswith("Kenmerk;Ontdekt op;Soort")


def test_csv_cells_cannot_start_a_formula(world, client_for):
    report_breach(world.teacher, world.school, processor_name="=HYPERLINK(1)")
    text = client_for(world.fg).get("/datalekken/register.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_register_pdf_export(world, breaches, client_for):
    response = client_for(world.cvb).get("/datalekken/register.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_ap_notification_pdf_is_rendered_for_the_fg(world, breaches, client_for):
    response = client_for(world.fg).get(f"/datalekken/{breaches['lost'].pk}/melding-ap.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_export_is_recorded_in_the_audit_log(world, breaches, client_for):
    from auditlog.models import LogEntry

    client_for(world.fg).get("/datalekken/register.csv")
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__what="export:breach-register-csv"
    ).exists()


def test_statistics_per_year_on_the_register(world, breaches, client_for):
    page = client_for(world.fg).get("/datalekken/").content.decode()
    assert "Aantallen per jaar" in page


def test_breaches_discovered_before_now_stay_in_the_register_after_closing(world, breaches):
    closed = selectors.register_breaches(world.fg, status="closed")
    assert list(closed) == [breaches["lost"]]
    assert timezone.now() - closed[0].closed_at < timedelta(days=1)


def test_the_school_filter_is_only_offered_to_someone_who_sees_two_schools(
    world, breaches, client_for
):
    # Issue 21: "Alle scholen" is noise for a director of one school.
    assert 'name="school"' not in client_for(world.directie).get("/datalekken/").content.decode()
    assert 'name="school"' in client_for(world.fg).get("/datalekken/").content.decode()
