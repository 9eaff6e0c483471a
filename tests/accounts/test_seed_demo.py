"""The demo data: one person per role, ~60 pupils, something to see in every app; idempotent."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_is_idempotent_and_fills_every_app(settings, capsys):
    from agreements.models import Supplier
    from breaches.models import Breach
    from checklist.models import ChecklistRound
    from consent.models import ConsentDecision
    from governance.models import FgRegistration
    from portal.models import ParentRequest
    from students.models import Pupil

    settings.DEMO_MODE = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = [
        model.objects.count()
        for model in (
            Pupil,
            Supplier,
            Breach,
            ChecklistRound,
            ConsentDecision,
            FgRegistration,
            ParentRequest,
        )
    ]
    call_command("seed_demo")
    again = [
        model.objects.count()
        for model in (
            Pupil,
            Supplier,
            Breach,
            ChecklistRound,
            ConsentDecision,
            FgRegistration,
            ParentRequest,
        )
    ]
    assert counts == again
    assert counts[0] == 60
    assert all(count > 0 for count in counts)
    assert "directie.regenboog@demo.privacyportaal.nl" in first
    assert "Demo-wachtwoord-2026!" in first
