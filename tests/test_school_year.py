"""The school's current year (SchoolYear.current): the year that holds the day, else the
latest one; on real dates around the summer between two years and at their edges."""

from datetime import date

import pytest

from portal.models import SchoolClass, SchoolYear


@pytest.fixture
def years(school):
    """The fixture's 2026/27 year, and the one before it."""
    before = SchoolYear.create(school=school.school, name="2025/2026",
                               starts_on=date(2025, 8, 18), ends_on=date(2026, 6, 19))
    return before, school.year


@pytest.mark.parametrize("day, expected", [
    (date(2025, 8, 18), "2025/2026"),   # first school day
    (date(2026, 6, 19), "2025/2026"),   # last school day (a Friday)
    (date(2026, 7, 15), "2026/2027"),   # summer holiday: no year holds it; the latest one
    (date(2026, 11, 23), "2026/2027"),
    (date(2027, 12, 24), "2026/2027"),  # after every year: the latest
    (date(2024, 1, 2), "2026/2027"),    # before every year: still the latest
])
def test_the_year_that_holds_the_day_else_the_latest(school, years, day, expected):
    assert SchoolYear.current(school.school, day).name == expected
    assert school.school.current_year(day).name == expected
    assert SchoolYear.current(school.school.id, day).name == expected  # an id will do


def test_a_school_without_years_has_no_current_year(school):
    from portal.models import School

    empty = School.create(name="Tom skole", code="tom", profile="vgs")
    assert SchoolYear.current(empty, date(2026, 11, 23)) is None


def test_a_students_class_is_the_one_of_that_year(school, years):
    before, now = years
    assert SchoolClass.of_student(school.elev1, now).school_year_id == now.id
    assert SchoolClass.of_student(school.elev1, before) is None


def test_a_moment_of_the_last_school_day_is_in_that_year(school, years):
    from datetime import datetime

    assert SchoolYear.current(school.school, datetime(2026, 6, 19, 12, 0)).name == "2025/2026"
