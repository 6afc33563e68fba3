"""The counting rules of portal/absence/rules.py on real 2026-27 school days."""

from datetime import date
from types import SimpleNamespace

import pytest

from portal.absence import rules
from portal.rules import get_profile

VGS = get_profile("vgs")


def test_health_counts_from_the_fourth_school_day_across_a_weekend():
    # Thursday 1 Oct – Tuesday 6 Oct 2026: Thu, Fri, (weekend), Mon, Tue -> day 4 is Tuesday
    days = rules.school_days(date(2026, 10, 1), date(2026, 10, 6))
    assert days == [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6)]
    outcome = rules.assess_note(VGS, category="a", days=days)
    assert outcome.struck == (date(2026, 10, 6),)
    assert outcome.before_first_struck_day == tuple(days[:3])
    assert outcome.documented == tuple(days)
    assert not outcome.is_partial


def test_three_days_of_illness_strike_nothing():
    days = rules.school_days(date(2026, 11, 12), date(2026, 11, 16))  # Thu, Fri, Mon
    outcome = rules.assess_note(VGS, category="a", days=days)
    assert len(days) == 3 and outcome.struck == ()


def test_chronic_condition_on_file_counts_from_day_one():
    days = rules.school_days(date(2026, 10, 1), date(2026, 10, 6))
    outcome = rules.assess_note(VGS, category="a", days=days, chronic=True)
    assert outcome.struck == tuple(days) and outcome.before_first_struck_day == ()


def test_easter_holidays_are_not_school_days():
    # Mon 22 – Wed 31 March 2027; 25, 26 and 29 March are public holidays (Easter)
    days = rules.school_days(date(2027, 3, 22), date(2027, 3, 31))
    assert date(2027, 3, 25) not in days and date(2027, 3, 29) not in days
    outcome = rules.assess_note(VGS, category="a", days=days)
    assert outcome.struck == (date(2027, 3, 30), date(2027, 3, 31))


def test_religious_holidays_at_most_two_days():
    days = rules.school_days(date(2027, 3, 8), date(2027, 3, 10))
    outcome = rules.assess_note(VGS, category="religious", days=days, religious_so_far=1)
    assert outcome.struck == (date(2027, 3, 8),)
    assert outcome.over_religious_cap == (date(2027, 3, 9), date(2027, 3, 10))
    assert outcome.is_partial
    assert outcome.documented == tuple(days)


def test_at_most_ten_school_days_a_year_in_total():
    days = rules.school_days(date(2027, 4, 12), date(2027, 4, 14))
    outcome = rules.assess_note(VGS, category="b", days=days, struck_so_far=8)
    assert outcome.struck == tuple(days[:2])
    assert outcome.over_total_cap == (date(2027, 4, 14),)
    assert outcome.is_partial
    full = rules.assess_note(VGS, category="c", days=days, struck_so_far=10)
    assert full.struck == () and full.over_total_cap == tuple(days)


def test_a_day_another_note_struck_takes_no_second_place_under_the_cap():
    # Tue 13 Apr 2027 was struck by an earlier note (one of the 9 so far); a new note for
    # Tue 13 – Wed 14 strikes the 14th as the 10th day and passes no limit.
    days = rules.school_days(date(2027, 4, 13), date(2027, 4, 14))
    outcome = rules.assess_note(VGS, category="b", days=days, struck_so_far=9,
                                already_struck={date(2027, 4, 13)})
    assert outcome.struck == tuple(days) and not outcome.is_partial
    counted_twice = rules.assess_note(VGS, category="b", days=days, struck_so_far=9)
    assert counted_twice.over_total_cap == (date(2027, 4, 14),)


def test_religious_days_count_inside_the_ten():
    days = [date(2027, 5, 3), date(2027, 5, 4)]
    outcome = rules.assess_note(VGS, category="religious", days=days, struck_so_far=9)
    assert outcome.struck == (date(2027, 5, 3),) and outcome.over_total_cap == (date(2027, 5, 4),)


def test_single_lessons_never_add_up_to_days():
    lessons = [(date(2026, 11, 18), n) for n in range(1, 9)]  # a whole day of lessons
    outcome = rules.assess_note(VGS, category="a", lessons=lessons, chronic=True)
    assert outcome.struck == () and outcome.days == ()
    assert len(outcome.lessons) == 8


@pytest.mark.parametrize("category", ["other", "R"])
def test_other_reasons_and_study_work_strike_nothing(category):
    days = rules.school_days(date(2026, 10, 1), date(2026, 10, 6))
    outcome = rules.assess_note(VGS, category=category, days=days)
    assert outcome.struck == ()
    assert outcome.not_absence == (category == "R")


def test_fagskole_profiles_have_no_diploma_days():
    profile = get_profile("havbruk")
    days = rules.school_days(date(2026, 10, 1), date(2026, 10, 9))
    outcome = rules.assess_note(profile, category="a", days=days)
    assert outcome.struck == () and outcome.documented == tuple(days)


def test_thresholds_from_the_profiles():
    assert [(t.key, t.percent) for t in rules.thresholds(VGS)] == [
        ("attendance_early_warning", 8.0), ("attendance_absence_limit", 10.0),
        ("attendance_principal_discretion", 15.0)]
    mr = {t.key: t for t in rules.thresholds(get_profile("more-og-romsdal"))}
    assert mr["attendance_warning"].percent == 15 and mr["attendance_required"].percent == 20
    assert mr["attendance_loss_of_place"].follow_up and mr["attendance_warning"].counts_documented
    assert rules.thresholds(get_profile("nki"))[0].percent == 15  # 85 % in practice periods


def test_the_practice_threshold_holds_only_in_practice_periods():
    nki = get_profile("nki")
    # 16 % absence: over the 15 % a practice period allows (85 % attendance), under 20 %
    figures = rules.SubjectFigures(assignment_id=1, subject="Praksis", subject_code="PRA",
                                   planned=100, planned_to_date=100, absent=16.0)
    assert "practice_attendance_required" not in {t.key for t in rules.crossed(nki, figures)}
    figures.practice = True
    assert "practice_attendance_required" in {t.key for t in rules.crossed(nki, figures)}


def test_limit_is_more_than_ten_percent_warning_is_at_fifteen():
    limit = {t.key: t for t in rules.thresholds(VGS)}["attendance_absence_limit"]
    assert not limit.crossed(10.0) and limit.crossed(10.1)
    warning = {t.key: t for t in rules.thresholds(get_profile("more-og-romsdal"))}
    assert warning["attendance_warning"].crossed(15.0)


def test_planned_lessons_to_date():
    start, end = date(2026, 8, 17), date(2027, 6, 18)
    assert rules.planned_to_date(140, start, end, date(2026, 8, 1)) == 0
    assert rules.planned_to_date(140, start, end, date(2027, 6, 30)) == 140
    assert 40 < rules.planned_to_date(140, start, end, date(2026, 11, 23)) < 60


def _break(first, last):
    return SimpleNamespace(first_day=first, last_day=last)


AUTUMN_2026 = _break(date(2026, 9, 28), date(2026, 10, 2))  # week 40
CHRISTMAS_2026 = _break(date(2026, 12, 21), date(2027, 1, 1))
WINTER_2027 = _break(date(2027, 2, 22), date(2027, 2, 26))  # week 8
EASTER_2027 = _break(date(2027, 3, 22), date(2027, 3, 24))  # the days before Maundy Thursday


def test_school_days_are_counted_without_the_breaks():
    start = date(2026, 8, 17)
    # 17 August - 5 October 2026: seven weeks and a day of weekdays, the autumn break's
    # five of them no school days; inside the break, the count stops at its eve
    assert rules.school_day_count(start, date(2026, 10, 5)) == 36
    assert rules.school_day_count(start, date(2026, 10, 5), [AUTUMN_2026]) == 31
    assert rules.school_day_count(start, date(2026, 9, 30), [AUTUMN_2026]) == 30
    assert rules.school_day_count(date(2026, 10, 5), start, [AUTUMN_2026]) == 0
    # the whole year, counted as school_days walks it (Christmas holidays, Easter, 17 May)
    breaks = [AUTUMN_2026, CHRISTMAS_2026, WINTER_2027, EASTER_2027]
    end = date(2027, 6, 18)
    assert rules.school_day_count(start, end, breaks) == len(rules.school_days(start, end,
                                                                               breaks))


def test_planned_lessons_to_date_leave_out_the_breaks():
    """On the Monday after the autumn break, 31 of the year's school days have passed, not
    36: a subject's planned lessons to date do not count the week off, so the student's
    absence share so far is not understated after a break."""
    start, end = date(2026, 8, 17), date(2027, 6, 18)
    breaks = [AUTUMN_2026, CHRISTMAS_2026, WINTER_2027, EASTER_2027]
    year = len(rules.school_days(start, end, breaks))
    on = date(2026, 10, 5)
    assert rules.planned_to_date(190, start, end, on, breaks) == round(190 * 31 / year)
    assert rules.planned_to_date(190, start, end, on, breaks) < rules.planned_to_date(
        190, start, end, on)
    assert rules.planned_to_date(190, start, end, date(2027, 6, 30), breaks) == 190


def test_late_minutes_count_as_part_of_a_lesson():
    assert rules.lesson_equivalents(2, 45, 45) == 3
    assert rules.percent(rules.lesson_equivalents(10, 0, 45), 113) == 8.8
