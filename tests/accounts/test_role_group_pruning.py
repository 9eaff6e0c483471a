"""Class role groups do not pile up (issue 16): when a school year has ended and nobody teaches
a class any more, its role group and guardian permissions go, so the permission tables stay
bounded by the schools and the current classes, not by the years the foundation has existed."""

from datetime import date

import pytest

from accounts import access, services, tasks
from accounts.models import (
    ClassAssignment,
    RoleGroup,
    SchoolClassGroupObjectPermission,
    SchoolGroupObjectPermission,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

SCHOOLS = 2
CLASSES_PER_SCHOOL = 3
YEARS = 8


def _guardian_rows() -> int:
    return (
        SchoolGroupObjectPermission.objects.count()
        + SchoolClassGroupObjectPermission.objects.count()
    )


def _school_year(first_year: int, year: int, schools, teachers) -> list:
    """Classes of school year ``year`` with their teachers; last year's assignments end 31 July."""
    classes = []
    for school in schools:
        for n in range(CLASSES_PER_SCHOOL):
            school_class = f.SchoolClassFactory(
                school=school, school_year=year, name=f"Groep {n + 3}"
            )
            teacher = teachers[(school.pk, n)]
            ClassAssignment.objects.filter(user=teacher, end_date__isnull=True).update(
                end_date=date(year, 7, 31)
            )
            services.class_assignment_create(
                user=teacher,
                school_class=school_class,
                start_date=date(year, 8, 1),
                end_date=None,
            )
            classes.append(school_class)
    return classes


def test_guardian_rows_stay_the_same_after_eight_school_years(time_machine):
    first_year = 2020  # the factories' staff roles start on 1 January 2020
    time_machine.move_to(date(first_year, 9, 1))
    foundation = f.FoundationFactory()
    schools = [f.SchoolFactory(foundation=foundation) for _ in range(SCHOOLS)]
    for school in schools:
        f.staff(school, "directie")
        f.staff(school, "ib")
    teachers = {
        (school.pk, n): f.staff(school, "leerkracht")
        for school in schools
        for n in range(CLASSES_PER_SCHOOL)
    }
    _school_year(first_year, first_year, schools, teachers)
    tasks.prune_class_role_groups.apply()
    after_one_year = _guardian_rows()
    for year in range(first_year + 1, first_year + YEARS):
        time_machine.move_to(date(year, 9, 1))
        _school_year(first_year, year, schools, teachers)
        services.sync_all_user_groups()
        tasks.prune_class_role_groups.apply()
    assert _guardian_rows() == after_one_year
    assert RoleGroup.objects.filter(school_class__isnull=False).count() == (
        SCHOOLS * CLASSES_PER_SCHOOL
    )

    # What that means for a foundation of 10,000 pupils: 20 schools of 500, 20 classes each.
    per_class = SchoolClassGroupObjectPermission.objects.count() / (SCHOOLS * CLASSES_PER_SCHOOL)
    per_school = SchoolGroupObjectPermission.objects.count() / SCHOOLS
    # Every school role held at every school (directie, IB, administratie, conciërge): at most
    # the sum of the role ceilings of roles.py per school.
    from accounts.roles import SCHOOL_ROLE_CAPABILITIES

    per_school_all_roles = sum(len(caps) for caps in SCHOOL_ROLE_CAPABILITIES.values())
    assert per_school <= per_school_all_roles
    assert 20 * 20 * per_class + 20 * per_school_all_roles <= 5_000


def test_a_class_of_a_past_year_keeps_its_group_while_a_teacher_is_still_assigned(
    time_machine,
):
    time_machine.move_to(date(2025, 9, 1))
    old_class = f.SchoolClassFactory(school_year=2024)
    teacher = f.teacher_of(old_class)  # assignment from 2020, still in force
    pupil = f.pupil_in_class(old_class)
    assert services.class_role_groups_prune() == 0
    assert access.visible_pupils(teacher).filter(pk=pupil.pk).exists()

    assignment = ClassAssignment.objects.get(user=teacher)
    services.class_assignment_end(assignment=assignment)
    assert services.class_role_groups_prune() == 1
    assert not access.visible_pupils(teacher).filter(pk=pupil.pk).exists()
    assert not teacher.groups.filter(role_group__school_class=old_class).exists()


def test_a_current_class_without_a_teacher_keeps_its_group(time_machine):
    time_machine.move_to(date(2025, 9, 1))
    this_year = f.SchoolClassFactory(school_year=2025)
    teacher = f.teacher_of(this_year)
    services.class_assignment_end(assignment=ClassAssignment.objects.get(user=teacher))
    assert services.class_role_groups_prune() == 0
    assert RoleGroup.objects.filter(school_class=this_year).exists()


def test_the_pruning_task_is_in_the_beat_schedule():
    assert any(
        entry["task"] == "accounts.prune_class_role_groups"
        for entry in tasks.BEAT_SCHEDULE.values()
    )
