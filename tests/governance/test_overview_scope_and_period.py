"""The overview over time and in part: a period filter applied to every figure and to the PDF,
monthly snapshots of the figures that only know "now", and a directie who sees the same page
over their own school and never another school's numbers."""

import subprocess
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import access
from accounts.models import school_year_of
from breaches.models import Breach
from governance import overview, services
from governance.models import FigureSnapshot
from governance.tasks import snapshot_figures
from portal.models import ParentRequest
from privacy_portal.models import JobRun

pytestmark = pytest.mark.django_db

URL = "/organisatie/overzicht/"


def _figures(world, **kwargs):
    return {f.key: f for f in overview.figures(world.foundation, **kwargs)}


def _last_school_year():
    return overview.Period.school_year(school_year_of(timezone.localdate()) - 1, "last_year")


def _pdf_text(response, tmp_path):
    path = tmp_path / "overview.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return " ".join(text.split())


# --- a directie sees their own school -----------------------------------------------------


def test_the_directies_overview_scope_is_their_own_school_decided_by_the_access_policy(world):
    assert access.overview_scope(world.directie).school_ids == {world.school.pk}
    assert access.overview_scope(world.directie_other_school).school_ids == {world.other_school.pk}
    assert access.overview_scope(world.cvb).whole_foundation
    assert access.overview_scope(world.fg).whole_foundation
    for persona in ["teacher", "beheerder", "parent"]:
        assert access.overview_scope(getattr(world, persona)) is None


def test_a_directie_of_school_a_never_sees_school_bs_numbers(world, registers, client_for):
    response = client_for(world.directie).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Overzicht van uw school" in page
    assert "De Regenboog" in page
    assert "Het Kompas" not in page  # not its rows, not its items
    assert "Klasbord App – De Regenboog" in page
    other = client_for(world.directie_other_school).get(URL).content.decode()
    assert "Het Kompas" in other and "De Regenboog" not in other


def test_a_directies_totals_count_their_own_school_only(world, registers):
    scoped = _figures(world, school_ids={world.school.pk})
    whole = _figures(world)
    assert whole["breaches.count"].foundation_total == 3
    assert scoped["breaches.count"].foundation_total == 2
    assert set(scoped["breaches.count"].per_school) == {world.school.pk}
    assert sum(dict(scoped["breaches.count"].breakdown).values()) == 2
    assert scoped["agreements.unsigned"].foundation_total == 2
    assert all(item.school_id == world.school.pk for f in scoped.values() for item in f.items)


def test_the_directies_pdf_holds_their_school_only(world, registers, client_for, tmp_path):
    response = client_for(world.directie).get("/organisatie/overzicht.pdf")
    assert response.status_code == 200
    text = _pdf_text(response, tmp_path)
    assert "De Regenboog" in text and "Het Kompas" not in text
    assert "uw eigen scholen" in text


def test_the_directie_finds_the_overview_in_the_menu(world, client_for):
    page = client_for(world.directie).get("/").content.decode()
    assert 'href="/organisatie/overzicht/"' in page


# --- the period ---------------------------------------------------------------------------


def test_a_breach_counts_in_the_period_it_was_reported_in(world, registers, client_for):
    last_year = _last_school_year()
    old = Breach.objects.filter(schools=world.other_school).get()
    Breach.objects.filter(pk=old.pk).update(
        reported_at=timezone.make_aware(
            timezone.datetime.combine(last_year.start, timezone.datetime.min.time())
        )
        + timedelta(days=10)
    )
    now = _figures(world)["breaches.count"]
    then = _figures(world, period=last_year)["breaches.count"]
    assert now.foundation_total == 2 and world.other_school.pk not in now.per_school
    assert then.foundation_total == 1 and then.per_school == {world.other_school.pk: 1}
    page = client_for(world.cvb).get(URL, {"periode": "last_year"}).content.decode()
    assert last_year.label in page


def test_a_custom_period_applies_to_every_figure_and_to_the_pdf(
    world,
    registers,
    client_for,
    tmp_path,
):
    start = timezone.localdate() - timedelta(days=400)
    end = timezone.localdate() - timedelta(days=300)
    query = {"periode": "custom", "van": start.isoformat(), "tot": end.isoformat()}
    figures = _figures(world, period=overview.Period(start, end, "x"))
    assert figures["breaches.count"].foundation_total == 0
    assert not figures["portal.open"].per_school  # the requests came later
    assert figures["agreements.unsigned"].foundation_total is None  # nothing was measured then
    response = client_for(world.cvb).get(URL, query)
    assert response.status_code == 200
    assert f'href="/organisatie/overzicht.pdf?periode=custom&amp;van={start}' in (
        response.content.decode()
    )
    pdf = client_for(world.cvb).get("/organisatie/overzicht.pdf", query)
    assert pdf.status_code == 200
    assert "Periode:" in _pdf_text(pdf, tmp_path)


def test_a_request_open_at_the_end_of_a_past_period_counts_as_open_then(world, registers):
    last_year = _last_school_year()
    request = ParentRequest.objects.filter(kind="bezwaar").get()
    ParentRequest.objects.filter(pk=request.pk).update(
        received_at=timezone.make_aware(timezone.datetime(last_year.end.year, 7, 1)),
        deadline=timezone.make_aware(timezone.datetime(last_year.end.year, 7, 29)),
        status=ParentRequest.Status.DONE,
        closed_at=timezone.now(),
    )
    then = _figures(world, period=last_year)
    assert then["portal.open"].per_school == {world.school.pk: 1}
    assert then["portal.overdue"].per_school == {world.school.pk: 1}
    assert _figures(world)["portal.open"].per_school == {world.school.pk: 1}  # the other one


@pytest.mark.parametrize(
    "query, message",
    [
        (
            {"periode": "custom", "van": "2026-13-45", "tot": "2026-01-01"},
            "Vul een geldige datum in.",
        ),
        (
            {"periode": "custom", "van": "2026-03-01", "tot": "2026-01-01"},
            "De laatste dag ligt vóór de eerste dag.",
        ),
        ({"periode": "custom", "van": "2026-03-01"}, "Vul de laatste dag van de periode in."),
        ({"periode": "custom", "van": "1990-01-01", "tot": "2026-01-01"}, "hoogstens tien jaar"),
        ({"periode": "morgen"}, "Kies een periode uit de lijst."),
    ],
)
def test_bad_dates_give_a_message_not_an_error_page(world, client_for, query, message):
    client = client_for(world.cvb)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    pdf = client.get("/organisatie/overzicht.pdf", query, follow=True)
    assert pdf.status_code == 400 and message in pdf.content.decode()


# --- snapshots and the trend --------------------------------------------------------------


def test_the_nightly_snapshot_is_idempotent_per_month(world, registers):
    assert snapshot_figures() == snapshot_figures() > 0
    month = timezone.localdate().replace(day=1)
    rows = FigureSnapshot.objects.filter(month=month)
    schools = world.foundation.schools.count()
    assert rows.filter(key="agreements.unsigned").count() == schools
    assert rows.filter(key="consent.response").count() == schools
    assert rows.get(key="agreements.unsigned", school=world.school).value == 2
    assert JobRun.objects.filter(job="governance.snapshot_figures").count() == 2


def test_products_without_agreement_show_their_trend_and_past_value(world, registers, client_for):
    last_year = _last_school_year()
    for month, value in [(date(last_year.start.year, 9, 1), 5), (last_year.end.replace(day=1), 3)]:
        services.figure_snapshots_take(today=month)
        FigureSnapshot.objects.filter(
            month=month, key="agreements.unsigned", school=world.school
        ).update(value=value)
    then = _figures(world, period=last_year)["agreements.unsigned"]
    assert then.per_school[world.school.pk] == 3  # the value at the end of the period
    trend = dict(then.over_time)
    september = date(last_year.start.year, 9, 1)
    other = FigureSnapshot.objects.get(
        month=september, key="agreements.unsigned", school=world.other_school
    )
    assert trend[overview.month_label(september)] == 5 + (other.value or 0)  # both schools
    assert trend[overview.month_label(date(last_year.start.year, 10, 1))] is None  # not measured
    assert len(then.over_time) == 12
    now = _figures(world)["agreements.unsigned"]
    assert now.over_time[-1][1] == 3  # this month: today's live count
    page = client_for(world.cvb).get(URL, {"periode": "last_year"}).content.decode()
    assert "Verloop per maand" in page
    assert page.count("<svg") == page.count('class="table overview-table"')


def test_the_beat_schedule_runs_the_snapshot_nightly():
    from privacy_portal.celery import collect_beat_schedule

    tasks = {entry["task"] for entry in collect_beat_schedule().values()}
    assert "governance.snapshot_figures" in tasks
