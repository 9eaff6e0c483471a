"""Helpers that build breaches through the services, as production does."""

from datetime import timedelta

from django.utils import timezone

from breaches import services


def report_breach(reporter, school, **overrides):
    data = {
        "description": "Usb-stick met zorgnotities van groep 5a verloren in de trein.",
        "discovered_at": timezone.now() - timedelta(hours=2),
        "occurred_at": timezone.now() - timedelta(hours=5),
        "kind": "lost_device",
        "schools": [school],
        "people_count": 28,
        "encrypted": "no",
        "data_categories": ["identification", "care"],
        "special_categories": ["health"],
        "affected_groups": ["pupils", "parents"],
        "processor_name": "",
        "measures_taken": "Gevonden voorwerpen NS gebeld.",
    }
    data.update(overrides)
    return services.breach_report(actor=reporter, **data)


def assess(breach, fg, **overrides):
    data = {
        "risk": "high",
        "risk_reasoning": "Onversleutelde zorgnotities: gevoelige gegevens over kinderen.",
        "notify_ap": True,
        "notify_ap_reason": "Hoog risico; melden is verplicht.",
        "inform_subjects": True,
        "inform_subjects_reason": "Hoog risico en niet versleuteld.",
    }
    data.update(overrides)
    return services.breach_assess(breach=breach, actor=fg, **data)


def notify(breach, fg, **overrides):
    data = {
        "sent_at": timezone.now(),
        "ap_reference": "M-2026-12345",
        "summary": "Verloren usb-stick met zorgnotities van 28 leerlingen.",
    }
    data.update(overrides)
    return services.ap_notification_record(breach=breach, actor=fg, **data)
