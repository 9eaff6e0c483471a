"""The foundation overview's questions, asked in one query per step
(``privacy_portal.hooks.fetch_together`` and ``run_together``, issue 16): the same rows, with
the same Python types, as asking each queryset on its own, and one round trip for all."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from privacy_portal import hooks
from students.models import GuardianLink, Pupil

pytestmark = pytest.mark.django_db


def test_fetching_together_gives_the_rows_of_fetching_one_by_one(world):
    from auditlog.models import LogEntry

    querysets = [
        Pupil.objects.values_list("pk", "school_id", "date_of_birth", "deregistered_on"),
        Pupil.objects.filter(school=world.school).values_list("last_name", "contact_is_secret"),
        Pupil.objects.none().values_list("pk"),
        Pupil.objects.filter(pk__in=[]).values_list("pk"),
        GuardianLink.objects.values_list("pupil__school_id").annotate(n=Count("pk")).order_by(),
        LogEntry.objects.values_list("timestamp", "changes").order_by("pk")[:5],
    ]
    expected = [sorted(queryset, key=repr) for queryset in querysets]
    with CaptureQueriesContext(connection) as context:
        rows = hooks.fetch_together(querysets)
    assert [sorted(found, key=repr) for found in rows] == expected
    assert len(context.captured_queries) == 1


def test_generators_in_lockstep_ask_each_step_in_one_query_and_a_failure_stays_its_own(world):
    def two_steps():
        first = yield {"schools": Pupil.objects.values_list("school_id").distinct().order_by()}
        school_ids = sorted(school_id for (school_id,) in first["schools"])
        second = yield {
            "pupils": Pupil.objects.filter(school_id__in=school_ids).values_list("pk").order_by()
        }
        return len(second["pupils"])

    def one_step():
        found = yield {"n": Pupil.objects.values_list("pk").order_by()}
        return len(found["n"])

    def broken():
        yield {"n": Pupil.objects.values_list("pk").order_by()}
        raise ValueError("a broken app")

    def no_question():
        return "nothing asked"
        yield  # a generator that returns before its first question

    with CaptureQueriesContext(connection) as context:
        answers = hooks.run_together([two_steps(), one_step(), broken(), no_question()])
    total = Pupil.objects.count()
    assert answers[:2] == [total, total]
    assert isinstance(answers[2], ValueError)
    assert answers[3] == "nothing asked"
    assert len(context.captured_queries) == 2  # two steps, whatever the number of generators
