"""Each app judges its own checklist items (R19); the checklist knows none of their internals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from checklist import evidence
from portal import services as portal_services
from tests.breaches.factories import report_breach

pytestmark = pytest.mark.django_db
YEAR = 2026


def _verdict(school, key):
    return evidence.judge(school, YEAR, keys={key})[key]


def test_consent_without_answers_or_reminder_is_not_ok(world):
    result = _verdict(world.school, "toestemming-beeldmateriaal")
    assert result.verdict == "not_ok"
    assert "zonder antwoord" in result.summary


def test_breach_not_yet_assessed_by_the_fg_is_not_ok(world):
    assert _verdict(world.school, "datalek-fg").verdict == "ok"
    report_breach(world.teacher, world.school)
    assert _verdict(world.school, "datalek-fg").verdict == "not_ok"
    assert _verdict(world.other_school, "datalek-fg").verdict == "ok"


def test_parent_request_past_four_weeks_is_not_ok(world, time_machine):
    time_machine.move_to(timezone.now())
    portal_services.parent_request_create(
        actor=world.parent, pupil=world.pupil, kind="bezwaar", description="Geen foto's graag."
    )
    assert _verdict(world.school, "inzage-correctie").verdict == "ok"
    time_machine.shift(timedelta(weeks=4, days=1))
    assert _verdict(world.school, "inzage-correctie").verdict == "not_ok"


def test_pupil_past_the_retention_date_not_yet_purged_is_not_ok(world):
    from datetime import date

    from tests.retention.factories import left_pupil

    assert _verdict(world.school, "bewaartermijn-administratie").verdict == "ok"
    left_pupil(world.class_5a, deregistered_on=date(2018, 7, 1))
    assert _verdict(world.school, "bewaartermijn-administratie").verdict == "not_ok"
    assert _verdict(world.school, "bewaartermijn-dossier").verdict == "not_ok"
    assert _verdict(world.other_school, "bewaartermijn-administratie").verdict == "ok"


def test_transfer_evidence_counts_dossiers_handed_over_without_signature(world):
    result = _verdict(world.school, "overstap-inzage")
    assert result.verdict == "ok"
    assert "0 overstapdossiers overgedragen" in result.summary
