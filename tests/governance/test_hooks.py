"""The governance app feeds the start page and the annual checklist through hooks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance import services
from governance.hooks import governance_facts
from tests.governance.factories import record_departure

pytestmark = pytest.mark.django_db


def evidence(foundation):
    return {item["key"]: item for item in governance_facts(foundation)}


def test_checklist_evidence_reports_overdue_offboarding_fg_and_protocol(world, time_machine):
    facts = evidence(world.foundation)
    assert facts["departing-staff"]["ok"]
    assert not facts["fg-registered"]["ok"] and not facts["protocol-consent"]["ok"]

    record_departure(world.directie, world.teacher, [world.school])
    services.fg_register(
        actor=world.cvb,
        foundation=world.foundation,
        kind="hired",
        name="Anna de Vries",
        email="fg@example.org",
        registered_with_ap_on=timezone.localdate(),
    )
    version = services.protocol_version_add(
        actor=world.cvb, foundation=world.foundation, label="1", title="P", text="tekst"
    )
    services.protocol_consent_record(
        actor=world.cvb, version=version, consent_on=timezone.localdate()
    )
    time_machine.move_to(timezone.now() + timedelta(days=10))
    facts = evidence(world.foundation)
    assert not facts["departing-staff"]["ok"]
    assert not facts["old-equipment"]["ok"]  # the equipment task is past its date
    assert facts["fg-registered"]["ok"] and facts["protocol-consent"]["ok"]


def test_checklist_sees_governance_evidence_on_its_item_keys(world):
    from checklist import evidence as checklist_evidence

    verdicts = checklist_evidence.judge(
        world.school, 2026, keys={"fg-aangemeld", "oude-apparatuur"}
    )
    assert verdicts["fg-aangemeld"].verdict == "not_ok"  # no FG registered with the AP yet
    assert verdicts["oude-apparatuur"].verdict == "ok"
