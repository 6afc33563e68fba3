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
    year, breaks = SchoolYear.current_with_breaks(school.school, day)
    assert (year.name, breaks) == (expected, [])


def test_the_current_year_with_its_breaks_in_one_statement(school, years):
    from bench.queries import counting
    from portal.models import SchoolBreak

    before, now = years
    for year, name, first, last in [
            (now, "Vinterferie", date(2027, 2, 22), date(2027, 2, 26)),
            (now, "Høstferie", date(2026, 9, 28), date(2026, 10, 2)),
            (before, "Påskeferie", date(2026, 3, 30), date(2026, 4, 1))]:
        SchoolBreak.create(school_year=year, name=name, first_day=first, last_day=last)
    SchoolYear.current_with_breaks(school.school, date(2026, 11, 23))  # (PostgreSQL: prepared)
    with counting() as counted:
        year, breaks = SchoolYear.current_with_breaks(school.school, date(2026, 11, 23))
    assert counted["n"] == 1
    assert year.id == now.id and year.school is school.school
    assert [(b.name, b.first_day) for b in breaks] == [
        ("Høstferie", date(2026, 9, 28)), ("Vinterferie", date(2027, 2, 22))]
    assert not hasattr(year, "school_break")
    year, breaks = SchoolYear.current_with_breaks(school.school.id, date(2026, 4, 1))
    assert (year.name, [b.name for b in breaks]) == ("2025/2026", ["Påskeferie"])


def test_a_school_without_years_has_no_current_year(school):
    from portal.models import School

    empty = School.create(name="Tom skole", code="tom", profile="vgs")
    assert SchoolYear.current(empty, date(2026, 11, 23)) is None
    assert SchoolYear.current_with_breaks(empty, date(2026, 11, 23)) == (None, [])


def test_a_students_class_is_the_one_of_that_year(school, years):
    before, now = years
    assert SchoolClass.of_student(school.elev1, now).school_year_id == now.id
    assert SchoolClass.of_student(school.elev1, before) is None


def test_a_moment_of_the_last_school_day_is_in_that_year(school, years):
    from datetime import datetime

    assert SchoolYear.current(school.school, datetime(2026, 6, 19, 12, 0)).name == "2025/2026"
