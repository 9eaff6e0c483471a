"""Retention screens: who may see and do what, bad input, the report exports, the command, the job."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from privacy_portal.hooks import attention
from privacy_portal.models import JobRun
from retention import rules, services
from retention.models import DestructionRecord, Hold, RetentionPolicy
from students.models import Pupil
from tests.retention.factories import left_pupil


@pytest.fixture
def due(world):
    """A pupil of school A whose administration is due, and one of school B whose dossier is due
    within the preview horizon."""
    return (
        left_pupil(
            world.class_5a, deregistered_on=date(2021, 5, 1), first_name="Bram", last_name="Verloop"
        ),
        left_pupil(
            world.class_7c, deregistered_on=date(2024, 7, 1), first_name="Fenna", last_name="Kompas"
        ),
    )


@pytest.mark.parametrize(
    "persona, status",
    [
        ("directie", 200),
        ("fg", 200),
        ("teacher", 403),
        ("ib", 403),
        ("cvb", 403),
        ("parent", 403),
    ],
)
def test_only_directie_and_fg_open_the_retention_preview(world, due, client_for, persona, status):
    response = client_for(getattr(world, persona)).get(reverse("retention:preview"))
    assert response.status_code == status


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(reverse("retention:preview"))
    assert response.status_code == 302 and "inloggen" in response.url


def test_directie_previews_only_own_school_and_fg_the_whole_foundation(world, due, client_for):
    own, other = due
    page = client_for(world.directie).get(reverse("retention:preview")).content.decode()
    assert "Verloop" in page and "Kompas, Fenna" not in page
    page = client_for(world.fg).get(reverse("retention:preview")).content.decode()
    assert "Verloop" in page and "Kompas, Fenna" in page


def test_preview_runs_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries):
    for _ in range(30):
        left_pupil(world.class_5a, deregistered_on=date(2021, 5, 1), entries=0)
    client = client_for(world.directie)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("retention:preview"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "persona, status",
    [
        ("directie", 200),
        ("fg", 200),
        ("teacher", 403),
        ("directie_other_school", 404),
        ("teacher_other_school", 404),
        ("outsider", 404),
    ],
)
def test_pupil_retention_page_access(world, client_for, persona, status):
    response = client_for(getattr(world, persona)).get(
        reverse("retention:pupil", args=[world.pupil.pk])
    )
    assert response.status_code == status


def test_pupil_page_shows_removal_dates_per_part(world, due, client_for):
    own, _other = due
    page = (
        client_for(world.directie).get(reverse("retention:pupil", args=[own.pk])).content.decode()
    )
    # Removal dates in the table are short and numeric; the deregistration date is running text.
    assert "01-05-2023" in page and "01-05-2026" in page
    assert "1 mei 2021" in page
    assert "R13 leerlingenadministratie: 5 jaar na uitschrijving" in page


def test_directie_puts_a_pupil_under_review_and_the_purge_skips_it(world, due, client_for):
    own, _other = due
    response = client_for(world.directie).post(
        reverse("retention:review_request", args=[own.pk]), {"next": "preview"}
    )
    assert response.status_code == 302
    assert Hold.objects.get(pupil=own).kind == Hold.Kind.REVIEW
    services.purge_expired()
    assert Pupil.objects.filter(pk=own.pk).exists()
    items = attention(world.directie)
    assert any("besluit" in str(item.title) for item in items)


def test_keeping_after_review_needs_reason_and_end_date_and_is_binding(world, due, client_for):
    own, _other = due
    review = services.review_request(actor=world.directie, pupil=own)
    client = client_for(world.directie)
    url = reverse("retention:review_decide", args=[review.pk])
    response = client.post(url, {"decision": "keep", "reason": "Ouders vragen inzage"})
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.kind == Hold.Kind.REVIEW
    response = client.post(
        url, {"decision": "keep", "reason": "Ouders vragen inzage", "ends_on": "2026-12-31"}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.kind == Hold.Kind.HOLD and review.ends_on == date(2026, 12, 31)
    services.purge_expired()
    assert Pupil.objects.filter(pk=own.pk).exists()


def test_releasing_after_review_lets_the_purge_go_ahead(world, due, client_for):
    own, _other = due
    review = services.review_request(actor=world.fg, pupil=own)
    response = client_for(world.fg).post(
        reverse("retention:review_decide", args=[review.pk]),
        {"decision": "release", "reason": "Niets bijzonders gevonden"},
    )
    assert response.status_code == 302
    services.purge_expired()
    assert not Pupil.objects.filter(pk=own.pk).exists()


def test_hold_with_past_end_date_is_refused_with_a_message(world, due, client_for):
    own, _other = due
    response = client_for(world.directie).post(
        reverse("retention:hold_create", args=[own.pk]),
        {"ground": "dispute", "reason": "Geschil over verslag", "ends_on": "2020-01-01"},
    )
    assert response.status_code == 400
    assert "toekomst" in response.content.decode()
    assert not Hold.objects.exists()


def test_lifting_a_hold_asks_for_confirmation(world, due, client_for):
    own, _other = due
    hold = services.hold_place(
        actor=world.directie,
        pupil=own,
        ground="dispute",
        reason="Geschil",
        ends_on=date(2027, 1, 1),
    )
    client = client_for(world.directie)
    url = reverse("retention:hold_lift", args=[hold.pk])
    assert client.post(url, {"reason": "Opgelost"}).status_code == 400
    assert client.post(url, {"reason": "Opgelost", "confirm": "on"}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == world.directie and hold.lift_reason == "Opgelost"


def test_other_schools_directie_cannot_lift_a_hold(world, due, client_for):
    own, _other = due
    hold = services.hold_place(
        actor=world.directie,
        pupil=own,
        ground="dispute",
        reason="Geschil",
        ends_on=date(2027, 1, 1),
    )
    response = client_for(world.directie_other_school).post(
        reverse("retention:hold_lift", args=[hold.pk]), {"reason": "Opgelost", "confirm": "on"}
    )
    assert response.status_code == 404


def test_destruction_report_csv_and_pdf_name_references_never_names(world, due, client_for):
    own, _other = due
    services.purge_expired()
    client = client_for(world.fg)
    response = client.get(reverse("retention:report_csv") + "?jaar=2026")
    content = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert {row["referentie"] for row in rows} == {rules.pseudonym(own.pk, world.school.brin)}
    assert "Verloop" not in content and "Bram" not in content
    pdf = client.get(reverse("retention:report_pdf") + "?jaar=2026")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = client.get(reverse("retention:report")).content.decode()
    assert rules.pseudonym(own.pk, world.school.brin)[:16] in html
    assert client.get(reverse("retention:report") + "?jaar=abc").status_code == 404


def test_directie_of_other_school_does_not_see_the_records_of_this_school(world, due, client_for):
    services.purge_expired()
    content = client_for(world.directie_other_school).get(reverse("retention:report_csv")).content
    assert len(content.decode().strip().splitlines()) == 1  # the header only


def test_fg_sets_longer_periods_with_a_reason_and_never_below_the_minimum(world, client_for):
    client = client_for(world.fg)
    url = reverse("retention:policy")
    data = {
        "administration_years": 1,
        "dossier_years": 2,
        "dossier_sbo_years": 3,
        "longer_reason": "Wij willen zo min mogelijk bewaren",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "5" in response.content.decode()
    assert not RetentionPolicy.objects.exists()
    data["administration_years"] = 7
    data["longer_reason"] = ""
    assert client.post(url, data).status_code == 400
    data["longer_reason"] = "Besluit CvB: 7 jaar wegens lopende geschillen"
    assert client.post(url, data).status_code == 302
    assert RetentionPolicy.objects.get().administration_years == 7
    assert client_for(world.directie).get(url).status_code == 403


def test_dry_run_prints_references_and_counts_and_changes_nothing(world, due):
    own, _other = due
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", "--date", "2026-06-15", stdout=out)
    text = out.getvalue()
    assert rules.pseudonym(own.pk, world.school.brin)[:16] in text
    assert "Bram" not in text and "Verloop" not in text
    assert "administration" in text
    assert Pupil.objects.filter(pk=own.pk).exists() and not DestructionRecord.objects.exists()


def test_command_purges_and_imported_records_remove_restored_pupils(world, due, tmp_path):
    own, _other = due
    call_command("purge_expired", stdout=io.StringIO())
    assert not Pupil.objects.filter(pk=own.pk).exists()
    path = tmp_path / "records.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["referentie", "brin", "onderdeel_code", "regel", "vernietigd_op"])
        writer.writerow(
            [
                rules.pseudonym(4242, world.school.brin),
                world.school.brin,
                "administration",
                "R13",
                "2026-06-15T02:30:00+00:00",
            ]
        )
    out = io.StringIO()
    call_command("import_destruction_records", str(path), stdout=out)
    assert "1 vernietigingsverklaringen" in out.getvalue()
    # A pupil restored from a backup of before the purge, with a date that is not yet due:
    restored = left_pupil(world.class_5a, deregistered_on=date(2025, 1, 1), id=4242)
    services.purge_expired()
    assert not Pupil.objects.filter(pk=restored.pk).exists()


def test_beat_schedule_names_the_purge_task_and_the_task_records_its_run(world, due):
    from privacy_portal.celery import app
    from retention.tasks import BEAT_SCHEDULE, purge_expired

    assert BEAT_SCHEDULE["retention-purge-expired"]["task"] in app.tasks
    purge_expired.delay()
    run = JobRun.objects.get(job="retention.purge_expired")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["pupils"] == 1


def test_purge_reminds_the_reviewer_once_a_week_by_mail_without_the_name(world, due, mailoutbox):
    own, _other = due
    services.review_request(actor=world.directie, pupil=own)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.purge_expired()
    assert run.counts["review_reminders"] == 1
    assert [m.to for m in mailoutbox] == [[world.directie.email]]
    assert "Verloop" not in mailoutbox[0].body and "Bram" not in mailoutbox[0].body
    assert reverse("retention:pupil", args=[own.pk]) in mailoutbox[0].body
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.purge_expired()
    assert run.counts.get("review_reminders", 0) == 0 and len(mailoutbox) == 1


def test_processors_reported_by_other_apps_must_confirm_destruction(world, due, monkeypatch):
    own, _other = due
    from privacy_portal import hooks

    original = hooks.collect

    def collect(name, *args, **kwargs):
        if name == "retention_processors":
            return [(pk, "Leerlingvolgsysteem BV", 7) for pk in kwargs["pupil_ids"]]
        return original(name, *args, **kwargs)

    monkeypatch.setattr(hooks, "collect", collect)
    services.purge_expired()
    from retention.models import ProcessorDestruction

    # Asked before each part goes: the dossier and the administration.
    assert set(ProcessorDestruction.objects.values_list("part", flat=True)) == {
        "dossier",
        "administration",
    }
    item = ProcessorDestruction.objects.get(part="administration")
    assert item.reference == rules.pseudonym(own.pk, world.school.brin)
    assert item.agreement_id == 7 and item.confirmed_at is None
    services.processor_destruction_confirm(actor=world.fg, item=item, note="Brief van 20 juni")
    item.refresh_from_db()
    assert item.confirmed_by == world.fg
