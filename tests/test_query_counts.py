"""Query budgets per page (issue 16): every main page runs at most 12 queries, and the same
number whether the foundation has a handful of pupils or many, and whether a pupil has one
enrolment or a long history. Counts, not timings: speed is measured in ``bench/pages.py``.

The counts include everything a request runs: session, user, the one access-summary query,
the page's own queries and, in tests, the savepoints around writes.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from students.models import Enrolment
from tests import factories as f
from tests.conftest import sign_in

BUDGET = 12

STAFF_PAGES = {
    "pupil_list": lambda w: reverse("students:pupil_list"),
    "pupil_page": lambda w: reverse("students:pupil_detail", args=[w.pupil.pk]),
    "start_page": lambda w: reverse("home"),
}
STAFF_ROLES = ["directie", "ib", "teacher", "administratie", "concierge"]
FOUNDATION_ROLES = ["cvb", "fg", "beheerder"]


def _queries(client, url) -> int:
    client.get(url)  # warm: the first request of the day syncs role groups
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def _measure(client, world) -> dict:
    counts = {}
    for role in STAFF_ROLES:
        sign_in(client, getattr(world, role))
        for page, url in STAFF_PAGES.items():
            counts[(role, page)] = _queries(client, url(world))
    for role in FOUNDATION_ROLES:
        sign_in(client, getattr(world, role))
        counts[(role, "start_page")] = _queries(client, reverse("home"))
    sign_in(client, world.parent)
    counts[("parent", "portal")] = _queries(client, reverse("portal:index"))
    counts[("parent", "start_page")] = _queries(client, reverse("home"))
    return counts


def _grow(world, per_class: int) -> None:
    """More pupils (each with a parent) in every class, and a third school with its own."""
    third = f.SchoolFactory(foundation=world.foundation, name="De Linde")
    classes = [world.class_5a, world.class_6b, world.class_7c]
    classes += [f.SchoolClassFactory(school=third, name=f"Groep {n}") for n in (3, 4)]
    for school_class in classes:
        for _ in range(per_class):
            f.parent_of(f.pupil_in_class(school_class))


def _lengthen_history(pupil, years: int) -> None:
    """Earlier school years: the pupil sat in a class of its school each year."""
    this_year = pupil.enrolments.first().school_class.school_year
    for back in range(1, years + 1):
        old_class = f.SchoolClassFactory(
            school=pupil.school, school_year=this_year - back, name=f"Groep {8 - back}a"
        )
        Enrolment.objects.create(pupil=pupil, school_class=old_class)


@pytest.mark.django_db
def test_every_main_page_stays_within_its_query_budget_whatever_the_number_of_pupils(world, client):
    small = _measure(client, world)
    _grow(world, per_class=15)
    large = _measure(client, world)
    assert large == small
    over = {key: n for key, n in large.items() if n > BUDGET}
    assert not over, f"pages over {BUDGET} queries: {over}"


@pytest.mark.django_db
def test_the_pupil_page_costs_the_same_for_a_long_history_as_for_one_enrolment(world, client):
    def pupil_page_counts():
        counts = {}
        for role in STAFF_ROLES:
            sign_in(client, getattr(world, role))
            url = reverse("students:pupil_detail", args=[world.pupil.pk])
            counts[role] = _queries(client, url)
        return counts

    one_enrolment = pupil_page_counts()
    _lengthen_history(world.pupil, years=7)
    long_history = pupil_page_counts()
    assert long_history == one_enrolment
    assert max(long_history.values()) <= BUDGET


@pytest.mark.django_db
def test_a_teacher_of_an_earlier_year_with_an_assignment_still_in_force_sees_that_pupil(
    world, client
):
    """The scope ids include every class the teacher holds a role on, not only this year's:
    the same answer as before the ids replaced the permission subqueries."""
    from accounts import services

    this_year = world.class_5a.school_year
    old_class = f.SchoolClassFactory(school=world.school, school_year=this_year - 1)
    Enrolment.objects.create(pupil=world.pupil_other_class, school_class=old_class)
    services.class_assignment_create(
        user=world.teacher, school_class=old_class, start_date=date(2020, 1, 1)
    )
    sign_in(client, world.teacher)
    url = reverse("students:pupil_detail", args=[world.pupil_other_class.pk])
    assert client.get(url).status_code == 200
    services.class_assignment_end(assignment=old_class.assignments.get(user=world.teacher))
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_directie_start_page_does_not_grow_with_the_number_of_pupils(world, client):
    """The attention hooks answer with counts: the consent reminder no longer loads every
    pupil of the school (it ran 7 queries and loaded all pupils and consent statuses), and all
    apps' counts are one query (it ran 23 queries)."""
    sign_in(client, world.directie)
    before = _queries(client, reverse("home"))
    _grow(world, per_class=15)
    assert _queries(client, reverse("home")) == before <= BUDGET


# The checklist report (PDF) judges every item's evidence and draws the foundation's figures:
# far more than a page, but a fixed number, whatever the number of pupils or answers.
# 119 since issue 20 (the report's figures read their monthly history); 94 since the overview's
# figures ask every app's questions in one query (governance.overview.figures). The rest is
# every app's checklist evidence, asked one by one (docs/performance.md, "Not there yet").
REPORT_BUDGET = 94


@pytest.mark.django_db
def test_the_checklist_report_costs_the_same_whatever_the_number_of_pupils_and_answers(
    world, client
):
    from tests.checklist.factories import answer_all, open_round

    # Every school has a parent from the start: a question about no parents at all is answered
    # without SQL (an empty IN), which is not the growth this test is about.
    f.parent_of(world.pupil_other_school)
    checklist_round = open_round(world.school, world.directie)
    answer_all(checklist_round, world.teacher, remark="Let op de printer")
    sign_in(client, world.directie)
    url = reverse("checklist:round_report", args=[checklist_round.pk])
    few = _queries(client, url)
    for school_class in (world.class_5a, world.class_6b, world.class_7c):
        for _ in range(15):
            f.parent_of(f.pupil_in_class(school_class))
    for _ in range(5):
        answer_all(checklist_round, f.teacher_of(world.class_5a), remark="Nog een opmerking")
    sign_in(client, world.directie)
    assert _queries(client, url) == few <= REPORT_BUDGET


# Every page in each role's menu, not only the main four, at the page budget. (Over it before:
# the record of processing, 17, read the processors once per category; the foundation
# overview, 31, asked every app's figures one by one. Now once for all categories, and the
# apps' figures in one query per step: privacy_portal.hooks.run_together.)
MENU_ROLES = [*STAFF_ROLES, *FOUNDATION_ROLES, "parent"]
OVER_BUDGET: dict[str, int] = {}


def _menu_counts(client, world) -> dict:
    from privacy_portal import hooks

    counts = {}
    for role in MENU_ROLES:
        user = getattr(world, role)
        sign_in(client, user)
        for item in hooks.navigation(user):
            counts[(role, item.url)] = _queries(client, item.url)
    return counts


def _more_pupils(world, per_class: int) -> None:
    """More pupils, each with a parent, in the classes there are (the same schools)."""
    for school_class in (world.class_5a, world.class_6b, world.class_7c):
        for _ in range(per_class):
            f.parent_of(f.pupil_in_class(school_class))


@pytest.mark.django_db
def test_every_page_in_every_roles_menu_stays_within_its_budget_whatever_the_number_of_pupils(
    world, client
):
    # Every school has a parent from the start: a question about no parents at all is answered
    # without SQL (an empty IN), which is not growth.
    f.parent_of(world.pupil_other_school)
    small = _menu_counts(client, world)
    _more_pupils(world, per_class=15)
    large = _menu_counts(client, world)
    assert large == small
    over = {(role, url): n for (role, url), n in large.items() if n > OVER_BUDGET.get(url, BUDGET)}
    assert not over, f"pages over their query budget: {over}"


@pytest.mark.django_db
def test_the_foundation_overview_costs_the_same_for_more_schools_and_pupils(world, client):
    """Its figures are per school: each app answers for all schools at once (consent's answers
    and agreements' coverage ran per school), and all apps' questions in one query."""
    f.parent_of(world.pupil_other_school)
    sign_in(client, world.fg)
    url = reverse("governance:overview")
    before = _queries(client, url)
    _grow(world, per_class=5)  # a third school, and more pupils in every school
    assert _queries(client, url) == before <= OVER_BUDGET.get(url, BUDGET)
