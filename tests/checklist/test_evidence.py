"""Each evidence provider gives the right verdict on prepared data; the hook collects them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ClassAssignment, FoundationRole, StaffMembership
from checklist import builtin_evidence, evidence
from checklist.defaults import DEFAULT_ITEMS
from checklist.evidence import Evidence, EvidenceProvider
from checklist.models import Verdict

YEAR = 2026
YESTERDAY = timezone.localdate() - timedelta(days=1)


def _leave(user, school):
    for membership in StaffMembership.objects.filter(user=user, school=school):
        account_services.staff_membership_end(membership=membership, end_date=YESTERDAY)


def _judge(key, school):
    return evidence.judge(school, YEAR, {key})[key]


def test_departed_staff_ok_when_everyone_who_left_was_closed_off(world):
    _leave(world.concierge, world.school)
    world.concierge.is_active = False
    world.concierge.save()
    result = _judge("vertrek-niet-actief", world.school)
    assert result.verdict == Verdict.OK


def test_departed_staff_with_active_account_and_no_role_is_not_ok(world):
    _leave(world.concierge, world.school)
    result = _judge("vertrek-niet-actief", world.school)
    assert result.verdict == Verdict.NOT_OK
    assert "1 vertrokken" in result.summary
    assert str(world.concierge) not in result.summary  # counts, never names
    assert builtin_evidence.departed_staff_still_active(world.school) == [world.concierge.pk]
    # The same people are the evidence for "logins stopped".
    assert _judge("vertrek-logins-gestopt", world.school).verdict == Verdict.NOT_OK


def test_departed_teacher_still_assigned_to_a_class_is_not_ok(world):
    _leave(world.other_teacher, world.school)
    assert ClassAssignment.objects.active().filter(user=world.other_teacher).exists()
    assert builtin_evidence.departed_staff_still_active(world.school) == [world.other_teacher.pk]


def test_teacher_who_moved_to_another_school_is_not_counted(world):
    account_services.staff_membership_create(
        user=world.concierge,
        school=world.other_school,
        role="concierge",
        start_date=date(2020, 1, 1),
    )
    _leave(world.concierge, world.school)
    assert _judge("vertrek-niet-actief", world.school).verdict == Verdict.OK
    assert _judge("vertrek-niet-actief", world.other_school).verdict == Verdict.OK


def test_idle_logout_ok_with_the_middleware_and_a_short_timeout(settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 15
    assert builtin_evidence.judge_idle_logout(None, YEAR).verdict == Verdict.OK


def test_idle_logout_not_ok_when_too_long_or_without_middleware(settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 120
    assert builtin_evidence.judge_idle_logout(None, YEAR).verdict == Verdict.NOT_OK
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 15
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != builtin_evidence.IDLE_MIDDLEWARE]
    assert builtin_evidence.judge_idle_logout(None, YEAR).verdict == Verdict.NOT_OK


def test_two_factor_ok_when_enforced_and_not_ok_without_the_middleware(settings):
    assert builtin_evidence.judge_two_factor(None, YEAR).verdict == Verdict.OK
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != builtin_evidence.TWO_FACTOR_MIDDLEWARE
    ]
    assert builtin_evidence.judge_two_factor(None, YEAR).verdict == Verdict.NOT_OK


def test_fg_present_ok_with_an_fg_in_force_and_not_ok_after_it_ended(world):
    from django.utils import timezone

    from governance import services as governance_services

    # The governance app adds its own evidence on this item: the FG is registered with the AP.
    registration = governance_services.fg_register(
        actor=world.cvb,
        foundation=world.foundation,
        kind="hired",
        name="Anna de Vries",
        email="fg@example.org",
        registered_with_ap_on=timezone.localdate(),
    )
    assert _judge("fg-aangemeld", world.school).verdict == Verdict.OK
    # Since issue 20 the registration decides who holds the FG role: deregistering ends it
    # (world.fg's hand-granted role already ended when Anna was recorded).
    governance_services.fg_deregister(
        actor=world.cvb, registration=registration, deregistered_on=timezone.localdate()
    )
    assert not FoundationRole.objects.active().filter(role="fg").exists()
    assert _judge("fg-aangemeld", world.school).verdict == Verdict.NOT_OK


def test_hook_collects_builtin_providers_by_item_key():
    keys = evidence.providers().keys()
    assert {
        "vertrek-niet-actief",
        "vertrek-logins-gestopt",
        "afmelden-vergrendelen",
        "wachtwoorden-complex",
        "fg-aangemeld",
    } <= set(keys)


def test_worst_verdict_wins_when_several_providers_judge_one_item():
    combined = evidence.combine(
        [
            Evidence(Verdict.OK, "a", "/a/"),
            Evidence(Verdict.NOT_OK, "b", "/b/"),
            Evidence(Verdict.UNKNOWN, "c"),
        ]
    )
    assert combined.verdict == Verdict.NOT_OK
    assert combined.url == "/b/"
    assert combined.summary == "a b c"


def test_a_failing_provider_is_unknown_not_an_error(world, monkeypatch, caplog):
    def broken(school, school_year):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        evidence.hooks,
        "collect",
        lambda name: [EvidenceProvider("eigen-inlog", "test.broken", broken)],
    )
    result = evidence.judge(world.school, YEAR)["eigen-inlog"]
    assert result.verdict == Verdict.UNKNOWN


@pytest.mark.parametrize("key", [i["key"] for i in DEFAULT_ITEMS])
def test_every_default_item_key_is_a_valid_slug(key):
    from django.core.validators import validate_slug

    validate_slug(key)
