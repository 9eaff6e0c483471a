"""Helpers to build checklist data through the app's own services."""

from accounts.models import school_year_of
from checklist import selectors, services
from checklist.models import Verdict


def current_year():
    from django.utils import timezone

    return school_year_of(timezone.localdate())


def open_round(school, directie, **kwargs):
    return services.round_open(actor=directie, school=school, **kwargs)


def answer_all(checklist_round, user, verdict=Verdict.OK, overrides=None, remark=""):
    """``user`` answers every item with ``verdict``; ``overrides`` maps item key -> verdict."""
    overrides = overrides or {}
    items = selectors.template_items(checklist_round.template)
    answers = {i.pk: (overrides.get(i.key, verdict), remark) for i in items}
    return services.round_answer(actor=user, checklist_round=checklist_round, answers=answers)


def item(checklist_round, key):
    return checklist_round.template.items.get(key=key)
