"""The start page's counting questions, asked in one query (``privacy_portal.hooks.Counts``,
issue 16): the same numbers as asking each app on its own, and one round trip for all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from privacy_portal import hooks
from students.models import GuardianLink, Pupil
from tests.conftest import sign_in


@pytest.mark.django_db
def test_counting_together_gives_the_numbers_of_counting_one_by_one(world):
    from django.db.models import Count

    querysets = [
        Pupil.objects.all(),
        Pupil.objects.filter(school=world.school).select_related("school").order_by("last_name"),
        Pupil.objects.none(),
        Pupil.objects.filter(pk__in=[]),
        GuardianLink.objects.values("pupil__school_id").annotate(n=Count("pk")),
        Pupil.objects.filter(school=world.other_school).distinct(),
        Pupil.objects.order_by("pk")[:2],
    ]
    expected = [queryset.count() for queryset in querysets]
    with CaptureQueriesContext(connection) as context:
        numbers = hooks.count_together(querysets)
    assert numbers == expected
    assert len(context.captured_queries) == 1


@pytest.mark.django_db
def test_counting_nothing_or_only_empty_querysets_runs_no_query(world):
    with CaptureQueriesContext(connection) as context:
        assert hooks.count_together([]) == []
        assert hooks.count_together([Pupil.objects.none()]) == [0]
    assert context.captured_queries == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["directie", "ib", "teacher", "cvb", "fg", "beheerder"])
def test_the_start_page_asks_every_apps_counts_in_one_query(world, client, role):
    sign_in(client, getattr(world, role))
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("home")).status_code == 200
    counting = [q for q in context.captured_queries if q["sql"].startswith("SELECT (SELECT COUNT")]
    assert len(counting) == 1


@pytest.mark.django_db
def test_an_app_answers_the_same_alone_as_on_the_start_page(world):
    """``attention(user)`` of an app (used on its own) and the start page's batched form give
    the same items."""
    from consent import hooks as consent_hooks
    from retention import hooks as retention_hooks

    for user in (world.directie, world.fg, world.teacher):
        for module in (consent_hooks, retention_hooks):
            assert module.attention(user) == hooks.resolve(module.attention_parts(user))
