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


def past_round(school, school_year, users, ok_share: float):
    """A closed round of an earlier school year, as history for dashboards and trends.

    Built directly (rounds can only be opened for this or next school year): each user answers
    every item, the first ``ok_share`` of the items OK and the rest niet OK.
    """
    from django.utils import timezone

    from checklist.models import Answer, ChecklistRound, Participant

    template = selectors.current_template(school.foundation)
    checklist_round = ChecklistRound.objects.create(
        school=school,
        school_year=school_year,
        template=template,
        status=ChecklistRound.Status.CLOSED,
        closed_at=timezone.now(),
    )
    items = selectors.template_items(template)
    cut = round(len(items) * ok_share)
    now = timezone.now()
    for user in users:
        Participant.objects.create(round=checklist_round, user=user, completed_at=now)
        Answer.objects.bulk_create(
            Answer(
                round=checklist_round,
                item=i,
                user=user,
                verdict=Verdict.OK if index < cut else Verdict.NOT_OK,
            )
            for index, i in enumerate(items)
        )
    return checklist_round
