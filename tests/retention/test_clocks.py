"""Every retention clock runs (issue 15): records outside the pupil file go on their own date
(``students.registry.RECORD_CLOCKS``), through each app's ``retention_purge(day)`` hook, run by
the nightly purge; a record within its term is kept."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from breaches.models import Breach, LetterRecipient, SubjectLetter
from consent.models import ChannelText, ConsentDecision
from consent.services import channels_ensure_defaults
from portal.models import ObjectionEffect, ParentRequest, RequestMessage
from retention import services
from retention.models import PurgeRun
from students.models import ImportRun
from tests import factories as f
from tests.breaches.factories import report_breach

TODAY = date(2026, 6, 15)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return services.purge_expired(day=TODAY)

    return run


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def closed_request(pupil, guardian, *, closed_days_ago, status=ParentRequest.Status.DONE, **kw):
    closed_at = days_ago(closed_days_ago)
    request = ParentRequest.objects.create(
        reference=f"V-{ParentRequest.objects.count() + 1}",
        kind=ParentRequest.Kind.INSPECTION,
        pupil=pupil,
        requester=guardian.user,
        description="Graag inzage in het dossier van Pientere Pim",
        received_at=closed_at - timedelta(days=10),
        deadline=closed_at + timedelta(days=18),
        status=status,
        closed_at=closed_at if status != ParentRequest.Status.IN_PROGRESS else None,
        **kw,
    )
    RequestMessage.objects.create(request=request, author=guardian.user, body="Bericht over Pim")
    return request


def scrubbed(model, pk) -> bool:
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
    )
    return entries.exists() and not entries.filter(changes__isnull=False).exists()


def test_a_closed_request_goes_two_years_after_closing_and_its_audit_trail_forgets(world, purge):
    pupil = f.pupil_in_class(world.class_5a)
    parent = f.parent_of(pupil)
    expired = closed_request(pupil, parent, closed_days_ago=2 * 365 + 2)
    message = expired.messages.get()
    refused = closed_request(
        pupil, parent, closed_days_ago=3 * 365, status=ParentRequest.Status.REFUSED
    )
    within = closed_request(pupil, parent, closed_days_ago=365 * 2 - 2)
    still_open = closed_request(
        pupil, parent, closed_days_ago=3 * 365, status=ParentRequest.Status.IN_PROGRESS
    )
    objection = closed_request(pupil, parent, closed_days_ago=3 * 365)
    ObjectionEffect.objects.create(
        request=objection, product_name="Rekentuin", description="geen gegevens meer"
    )

    run = purge()

    assert run.status == PurgeRun.Status.SUCCEEDED
    left = set(ParentRequest.objects.values_list("pk", flat=True))
    assert left == {within.pk, still_open.pk, objection.pk}
    assert not RequestMessage.objects.filter(pk=message.pk).exists()
    assert scrubbed(ParentRequest, expired.pk) and scrubbed(RequestMessage, message.pk)
    assert scrubbed(ParentRequest, refused.pk)
    assert run.counts["portal.parentrequest"] == 2


def test_an_inspection_export_is_cleared_four_weeks_after_release(world, purge, client_for):
    pupil = f.pupil_in_class(world.class_5a)
    parent = f.parent_of(pupil)
    export = {"naam": "Pientere Pim", "zorg": "zorgnotitie"}
    old = closed_request(
        pupil, parent, closed_days_ago=29, export_json=export, released_at=days_ago(29)
    )
    recent = closed_request(
        pupil, parent, closed_days_ago=27, export_json=export, released_at=days_ago(27)
    )

    run = purge()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.export_json is None and recent.export_json == export
    assert ParentRequest.objects.filter(pk=old.pk).exists()  # the request itself stays
    assert run.counts["portal.inspection_exports_cleared"] == 1
    client = client_for(parent.user)
    page = client.get(reverse("portal:request_detail", args=[old.pk])).content.decode()
    assert "niet meer te downloaden" in page
    assert client.get(reverse("portal:request_export", args=[old.pk, "pdf"])).status_code == 404
    assert client.get(reverse("portal:request_export", args=[recent.pk, "pdf"])).status_code == 200


def test_a_consent_decision_goes_five_years_after_its_school_year_ended(world, purge):
    pupil = f.pupil_in_class(world.class_5a)
    parent = f.parent_of(pupil)
    channel = channels_ensure_defaults(foundation=world.foundation)[0]
    text = ChannelText.objects.filter(channel=channel).order_by("-version").first()

    def decision(year):
        return ConsentDecision.objects.create(
            pupil=pupil, channel=channel, school_year=year, granted=True, text=text, guardian=parent
        )

    ended_2020 = decision(2019)  # 2019-2020 ended 31 July 2020: more than five years ago
    ended_2021 = decision(2020)  # 2020-2021 ends 31 July 2021: within five years on 15 June 2026
    current = decision(2025)

    purge()

    left = set(ConsentDecision.objects.values_list("pk", flat=True))
    assert left == {ended_2021.pk, current.pk}
    assert scrubbed(ConsentDecision, ended_2020.pk)
    parent.refresh_from_db()  # still linked to the pupil: the parent stays


def test_a_breach_letter_and_its_recipients_go_five_years_after_the_breach_closed(world, purge):
    def closed_breach(closed_on: date):
        breach = report_breach(world.teacher, world.school)
        Breach.objects.filter(pk=breach.pk).update(
            closed_at=timezone.make_aware(timezone.datetime(closed_on.year, closed_on.month, 1))
        )
        letter = SubjectLetter.objects.create(
            breach=breach, subject="Datalek", body="Beste ouder van Pientere Pim"
        )
        LetterRecipient.objects.create(letter=letter, name="Ouder Pim", email="ouder@thuis.nl")
        return breach, letter

    old_breach, old_letter = closed_breach(date(2021, 5, 1))
    _recent_breach, recent_letter = closed_breach(date(2021, 7, 1))

    purge()

    assert set(SubjectLetter.objects.values_list("pk", flat=True)) == {recent_letter.pk}
    assert LetterRecipient.objects.get().letter_id == recent_letter.pk
    assert Breach.objects.filter(pk=old_breach.pk).exists()  # the register keeps the breach
    assert scrubbed(SubjectLetter, old_letter.pk)


def test_import_reports_go_after_90_days_and_a_stray_import_file_after_a_day(
    world, purge, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()

    def run(status, *, days, upload=""):
        row = ImportRun.objects.create(
            school=world.school,
            status=status,
            upload_path=upload,
            errors=[{"row": 3, "errors": ["BSN hoort bij Pientere Pim"]}],
        )
        ImportRun.objects.filter(pk=row.pk).update(
            started_at=days_ago(days), finished_at=days_ago(days)
        )
        if upload:
            (tmp_path / upload).write_text("bsn;naam\n123456782;Pim")
        return row

    run(ImportRun.Status.DRY_RUN, days=91)  # its report goes
    recent = run(ImportRun.Status.DONE, days=89)
    stray = run(ImportRun.Status.FAILED, days=2, upload="imports/stray.csv")
    queued = run(ImportRun.Status.QUEUED, days=2, upload="imports/waiting.csv")

    purge()

    assert set(ImportRun.objects.values_list("pk", flat=True)) == {recent.pk, stray.pk, queued.pk}
    stray.refresh_from_db()
    assert stray.upload_path == "" and not Path(tmp_path / "imports/stray.csv").exists()
    assert (tmp_path / "imports/waiting.csv").exists()  # the reaper's, not the clock's
