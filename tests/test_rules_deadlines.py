"""Periods, roll-forward, restarts, lead times and Deadline (portal.rules.deadlines).

Pure unit tests with real 2026-2027 dates worked out by hand; no database or app needed.
Calendars used (Mon-Sun):
    March 2027: Mon 1, Mon 22, Thu 25 Skjærtorsdag, Fri 26 Langfredag, Sun 28 påskedag,
                Mon 29 andre påskedag, Tue 30.
    May 2027:   Sat 1 (1 May), Thu 6 Kristi himmelfart, Sat 15, Sun 16 pinsedag,
                Mon 17 (17 May and andre pinsedag), Tue 18.
    Dec 2026:   Thu 24 and Thu 31 are working days, Fri 25 and Sat 26 holidays;
                Fri 1 Jan 2027 holiday, Mon 4 Jan 2027.
    Aug 2027:   Sun 1, Mon 2.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.rules import Rule, get_profile
from portal.rules import calendar as cal
from portal.rules.deadlines import (
    Deadline,
    Period,
    add_months,
    add_period,
    deadline_after,
    format_date,
    is_at_least_before,
    latest_filing_day,
    latest_moment_before,
    restart,
    roll_forward,
    subtract_period,
)


def vgs(key):
    return get_profile("vgs").rule(key)


def havbruk(key):
    return get_profile("havbruk").rule(key)


def oslo(*args):
    return datetime(*args, tzinfo=cal.OSLO)


APPEAL = Period(3, "weeks")

# --- Period ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (0, "days", "0 dager"),
        (1, "days", "1 dag"),
        (7, "days", "7 dager"),
        (1, "weeks", "1 uke"),
        (3, "weeks", "3 uker"),
        (1, "months", "1 måned"),
        (2, "months", "2 måneder"),
        (12, "months", "1 år"),
        (36, "months", "3 år"),
        (1, "working_days", "1 virkedag"),
        (10, "working_days", "10 virkedager"),
        (1, "hours", "1 time"),
        (24, "hours", "24 timer"),
        (1, "minutes", "1 minutt"),
        (60, "minutes", "60 minutter"),
    ],
)
def test_period_describe_in_norwegian(amount, unit, text):
    period = Period(amount, unit)
    assert period.describe() == text
    assert str(period) == text


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(3, "years"), (3, "uker"), (-1, "days"), (True, "days"), (1.5, "weeks"), ("3", "weeks")],
)
def test_period_refuses_bad_values(amount, unit):
    with pytest.raises(ValueError):
        Period(amount, unit)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(7, "days"), timedelta(days=7)),
        (Period(3, "weeks"), timedelta(days=21)),
        (Period(24, "hours"), timedelta(hours=24)),
        (Period(60, "minutes"), timedelta(hours=1)),
    ],
)
def test_period_as_timedelta(period, expected):
    assert period.as_timedelta() == expected


@pytest.mark.parametrize("period", [Period(1, "months"), Period(10, "working_days")])
def test_period_without_fixed_length_has_no_timedelta(period):
    with pytest.raises(ValueError):
        period.as_timedelta()


@pytest.mark.parametrize(
    ("unit", "clock"),
    [("days", False), ("weeks", False), ("months", False), ("working_days", False),
     ("hours", True), ("minutes", True)],
)  # fmt: skip
def test_period_is_clock_time(unit, clock):
    assert Period(1, unit).is_clock_time is clock


def test_rule_period_comes_from_the_profile():
    assert vgs("decision_appeal_deadline").period == APPEAL
    assert vgs("study_leave_lead_time").period == Period(7, "days")
    assert havbruk("exam_adaptation_lead_time").period == Period(1, "months")


# --- adding and subtracting periods ---------------------------------------------------

ADD_PERIOD = [
    # "3 uker" from Monday 1 March ends Monday 22 March
    (date(2027, 3, 1), Period(3, "weeks"), date(2027, 3, 22)),
    (date(2027, 3, 4), Period(3, "weeks"), date(2027, 3, 25)),  # no roll-forward here
    (date(2027, 3, 1), Period(21, "days"), date(2027, 3, 22)),
    (date(2027, 3, 1), Period(0, "days"), date(2027, 3, 1)),
    (date(2026, 12, 15), Period(10, "days"), date(2026, 12, 25)),
    (date(2026, 12, 22), Period(10, "days"), date(2027, 1, 1)),
    # months: same day number, clamped to the end of a shorter month
    (date(2027, 1, 31), Period(1, "months"), date(2027, 2, 28)),
    (date(2028, 1, 31), Period(1, "months"), date(2028, 2, 29)),  # leap year
    (date(2027, 1, 28), Period(1, "months"), date(2027, 2, 28)),
    (date(2027, 3, 31), Period(1, "months"), date(2027, 4, 30)),
    (date(2026, 12, 15), Period(1, "months"), date(2027, 1, 15)),  # over the year end
    (date(2026, 11, 30), Period(3, "months"), date(2027, 2, 28)),
    (date(2027, 3, 4), Period(12, "months"), date(2028, 3, 4)),
    (date(2028, 2, 29), Period(12, "months"), date(2029, 2, 28)),
    # working days
    (date(2027, 3, 24), Period(1, "working_days"), date(2027, 3, 30)),
    (date(2026, 12, 23), Period(6, "working_days"), date(2027, 1, 4)),
    # over the school-year boundary (1 August)
    (date(2027, 7, 11), Period(3, "weeks"), date(2027, 8, 1)),
    (date(2027, 7, 31), Period(1, "days"), date(2027, 8, 1)),
    (date(2027, 7, 1), Period(1, "months"), date(2027, 8, 1)),
]


@pytest.mark.parametrize(("start", "period", "expected"), ADD_PERIOD)
def test_add_period(start, period, expected):
    assert add_period(start, period) == expected


SUBTRACT_PERIOD = [
    (date(2027, 3, 22), Period(3, "weeks"), date(2027, 3, 1)),
    (date(2027, 4, 5), Period(7, "days"), date(2027, 3, 29)),
    (date(2027, 3, 31), Period(1, "months"), date(2027, 2, 28)),
    (date(2027, 3, 29), Period(1, "months"), date(2027, 2, 28)),
    (date(2028, 3, 31), Period(1, "months"), date(2028, 2, 29)),
    (date(2027, 1, 15), Period(1, "months"), date(2026, 12, 15)),  # over the year end
    (date(2027, 8, 1), Period(1, "months"), date(2027, 7, 1)),
    (date(2027, 3, 30), Period(1, "working_days"), date(2027, 3, 24)),
    (date(2027, 1, 4), Period(2, "working_days"), date(2026, 12, 30)),
]


@pytest.mark.parametrize(("end", "period", "expected"), SUBTRACT_PERIOD)
def test_subtract_period(end, period, expected):
    assert subtract_period(end, period) == expected


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 1, 31), -2, date(2026, 11, 30)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2027, 5, 17), 0, date(2027, 5, 17)),
        (date(2027, 5, 17), -17, date(2025, 12, 17)),
        (date(2027, 5, 17), 24, date(2029, 5, 17)),
    ],
)
def test_add_months(d, months, expected):
    assert add_months(d, months) == expected


@pytest.mark.parametrize(
    "period", [Period(7, "days"), Period(3, "weeks"), Period(1, "months"), Period(2, "months")]
)
def test_subtracting_then_adding_never_passes_the_target(period):
    # Whatever day a lead time is counted back to, counting forward from it again lands on
    # or before the target: the student who files on that day is in time.
    for offset in range(366 * 2):
        end = date(2026, 8, 1) + timedelta(days=offset)
        start = subtract_period(end, period)
        assert start < end
        assert add_period(start, period) <= end, (end, period)
        if period.unit in ("days", "weeks"):
            assert add_period(start, period) == end


@pytest.mark.parametrize("function", [add_period, subtract_period])
@pytest.mark.parametrize("period", [Period(24, "hours"), Period(60, "minutes")])
def test_clock_periods_cannot_be_used_on_dates(function, period):
    with pytest.raises(ValueError):
        function(date(2027, 3, 29), period)


# --- roll-forward (domstolloven §§ 148-149) ------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 22), date(2027, 3, 22)),  # Monday: stays
        (date(2027, 3, 25), date(2027, 3, 30)),  # Skjærtorsdag -> Tuesday after Easter
        (date(2027, 3, 26), date(2027, 3, 30)),
        (date(2027, 3, 29), date(2027, 3, 30)),
        (date(2027, 5, 15), date(2027, 5, 18)),  # Saturday, then Sunday, then 17 May
        (date(2027, 5, 17), date(2027, 5, 18)),
        (date(2027, 5, 6), date(2027, 5, 7)),
        (date(2027, 5, 1), date(2027, 5, 3)),
        (date(2026, 12, 24), date(2026, 12, 24)),  # julaften is a working day
        (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2026, 12, 31), date(2026, 12, 31)),  # nyttårsaften is a working day
        (date(2027, 1, 1), date(2027, 1, 4)),
        (date(2027, 8, 1), date(2027, 8, 2)),  # Sunday at the start of the school year
    ],
)
def test_roll_forward(day, expected):
    assert roll_forward(day) == expected


DEADLINE_AFTER = [
    # received        rule/period                    due
    (date(2027, 3, 1), APPEAL, date(2027, 3, 22)),
    (date(2027, 3, 4), APPEAL, date(2027, 3, 30)),  # ends Skjærtorsdag 25 March
    (date(2027, 4, 24), APPEAL, date(2027, 5, 18)),  # ends Saturday 15 May
    (date(2027, 4, 26), APPEAL, date(2027, 5, 18)),  # ends on 17 May
    (date(2027, 4, 15), APPEAL, date(2027, 5, 7)),  # ends on Kristi himmelfart 6 May
    (date(2026, 12, 3), APPEAL, date(2026, 12, 24)),  # julaften: not moved
    (date(2026, 12, 4), APPEAL, date(2026, 12, 28)),  # ends 1. juledag
    (date(2026, 12, 5), APPEAL, date(2026, 12, 28)),  # ends 2. juledag (a Saturday)
    (date(2026, 12, 10), APPEAL, date(2026, 12, 31)),  # nyttårsaften: not moved
    (date(2026, 12, 11), APPEAL, date(2027, 1, 4)),  # ends 1 January
    (date(2027, 7, 11), APPEAL, date(2027, 8, 2)),  # ends Sunday 1 August
    (date(2027, 7, 12), APPEAL, date(2027, 8, 2)),
    # months
    (date(2027, 2, 26), Period(1, "months"), date(2027, 3, 30)),  # ends Langfredag
    (date(2027, 1, 31), Period(1, "months"), date(2027, 3, 1)),  # ends Sunday 28 Feb
    (date(2028, 1, 31), Period(1, "months"), date(2028, 2, 29)),  # Tuesday: stays
]


@pytest.mark.parametrize(("start", "period", "expected"), DEADLINE_AFTER)
def test_deadline_after_rolls_forward(start, period, expected):
    assert deadline_after(start, period) == expected
    assert cal.is_working_day(expected)


@pytest.mark.parametrize(("start", "period", "expected"), DEADLINE_AFTER)
def test_deadline_after_without_roll_is_the_bare_period(start, period, expected):
    assert deadline_after(start, period, roll=False) == add_period(start, period)


@pytest.mark.parametrize(
    ("known", "expected"),
    [
        (date(2027, 6, 20), date(2027, 6, 30)),  # Wednesday
        (date(2027, 3, 15), date(2027, 3, 25)),  # Skjærtorsdag -> 30 March
        (date(2026, 12, 15), date(2026, 12, 25)),
        (date(2026, 12, 22), date(2027, 1, 1)),
        (date(2027, 7, 22), date(2027, 8, 1)),  # school-year boundary
    ],
)
def test_vgs_grade_appeal_ten_days(known, expected):
    rule = vgs("grade_appeal_deadline")
    assert add_period(known, rule) == expected
    assert deadline_after(known, rule) == roll_forward(expected)


def test_vgs_grade_appeal_rolled_dates():
    rule = vgs("grade_appeal_deadline")
    assert deadline_after(date(2027, 3, 15), rule) == date(2027, 3, 30)
    assert deadline_after(date(2026, 12, 15), rule) == date(2026, 12, 28)
    assert deadline_after(date(2026, 12, 22), rule) == date(2027, 1, 4)
    assert deadline_after(date(2027, 7, 22), rule) == date(2027, 8, 2)


def test_appeal_deadline_with_profile_rule():
    rule = vgs("decision_appeal_deadline")
    assert deadline_after(date(2027, 3, 4), rule) == date(2027, 3, 30)
    assert deadline_after(date(2027, 3, 4), rule, roll=False) == date(2027, 3, 25)


# --- restart from reasons received (forvaltningsloven § 24 / § 29) -------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2027, 3, 15), date(2027, 4, 5)),  # a full new 3 weeks, Monday
        (date(2027, 3, 10), date(2027, 3, 31)),
        (date(2027, 3, 4), date(2027, 3, 30)),  # ends Skjærtorsdag, rolled
        (date(2027, 3, 25), date(2027, 4, 15)),  # received on a holiday: still 21 days
        (date(2027, 4, 26), date(2027, 5, 18)),
        (date(2026, 12, 11), date(2027, 1, 4)),
    ],
)
def test_restart_runs_a_full_period_from_reasons_received(received, expected):
    rule = vgs("decision_appeal_deadline")
    assert restart(received, rule) == expected
    assert restart(received, rule) == deadline_after(received, rule)


def test_restart_is_not_the_rest_of_the_old_period():
    rule = vgs("decision_appeal_deadline")
    decision_received = date(2027, 3, 1)
    original = deadline_after(decision_received, rule)
    assert original == date(2027, 3, 22)
    # The student asked for reasons on 8 March and got them on 15 March: 21 new days
    # from 15 March, not the 14 that were left of the old period.
    restarted = restart(date(2027, 3, 15), rule)
    assert restarted == date(2027, 4, 5)
    assert (restarted - date(2027, 3, 15)).days == 21


def test_restart_without_roll():
    rule = vgs("decision_appeal_deadline")
    assert restart(date(2027, 3, 4), rule, roll=False) == date(2027, 3, 25)


def test_restart_after_grade_justification_nki():
    rule = get_profile("nki").rule("grade_appeal_deadline")
    assert restart(date(2026, 12, 10), rule) == date(2026, 12, 31)
    assert restart(date(2026, 12, 11), rule) == date(2027, 1, 4)


# --- lead times (not rolled) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("first_day", "expected"),
    [
        (date(2027, 4, 12), date(2027, 4, 5)),  # Monday -> Monday
        (date(2027, 4, 5), date(2027, 3, 29)),  # andre påskedag: NOT moved
        (date(2027, 4, 2), date(2027, 3, 26)),  # Langfredag: NOT moved
        (date(2027, 5, 24), date(2027, 5, 17)),  # 17 May: NOT moved
        (date(2027, 1, 4), date(2026, 12, 28)),
        (date(2027, 1, 8), date(2027, 1, 1)),  # 1 January: NOT moved
        (date(2027, 8, 8), date(2027, 8, 1)),  # Sunday at the school-year start: NOT moved
    ],
)
def test_study_leave_lead_time_seven_days_is_not_rolled(first_day, expected):
    rule = vgs("study_leave_lead_time")
    assert latest_filing_day(first_day, rule) == expected


@pytest.mark.parametrize(
    ("exam", "expected"),
    [
        (date(2027, 3, 31), date(2027, 2, 28)),  # clamped; a Sunday: NOT moved
        (date(2028, 3, 31), date(2028, 2, 29)),
        (date(2027, 4, 26), date(2027, 3, 26)),  # Langfredag: NOT moved
        (date(2027, 1, 15), date(2026, 12, 15)),
        (date(2027, 6, 17), date(2027, 5, 17)),
        (date(2027, 9, 1), date(2027, 8, 1)),  # school-year boundary
    ],
)
def test_exam_adaptation_lead_time_one_month_is_not_rolled(exam, expected):
    rule = havbruk("exam_adaptation_lead_time")
    assert latest_filing_day(exam, rule) == expected


def test_lead_time_on_a_holiday_is_neither_moved_forward_nor_back():
    day = latest_filing_day(date(2027, 4, 5), vgs("study_leave_lead_time"))
    assert day == date(2027, 3, 29)
    assert not cal.is_working_day(day)
    assert day not in (cal.next_working_day(day), cal.previous_working_day(day))


# --- clock-time lead times (hours, across summer time) -------------------------------

LATEST_MOMENT = [
    # target (Oslo wall clock)       period     expected Oslo wall clock      UTC offset
    (oslo(2026, 12, 3, 9), 24, datetime(2026, 12, 2, 9), 1),
    (oslo(2027, 6, 15, 9), 24, datetime(2027, 6, 14, 9), 2),
    # Summer time starts Sunday 28 March 2027 at 02:00 -> 03:00.
    # Exam Monday 29 March 09:00 (UTC+2): 24 real hours earlier is 28 March 09:00, also
    # UTC+2 (the switch happened at 02:00 that night, before 09:00) -- same wall clock.
    (oslo(2027, 3, 29, 9), 24, datetime(2027, 3, 28, 9), 2),
    # 48 hours crosses the switch: Saturday 27 March 08:00 in winter time.
    (oslo(2027, 3, 29, 9), 48, datetime(2027, 3, 27, 8), 1),
    # Exam on the switch day: 24 hours before 28 March 09:00 is 27 March 08:00.
    (oslo(2027, 3, 28, 9), 24, datetime(2027, 3, 27, 8), 1),
    (oslo(2027, 3, 28, 9), 7, datetime(2027, 3, 28, 1), 1),  # 8 hours on the wall clock
    # Summer time ends Sunday 31 October 2027 at 03:00 -> 02:00.
    (oslo(2027, 11, 1, 9), 24, datetime(2027, 10, 31, 9), 1),
    (oslo(2027, 11, 1, 9), 48, datetime(2027, 10, 30, 10), 2),
    (oslo(2027, 10, 31, 9), 24, datetime(2027, 10, 30, 10), 2),
]


@pytest.mark.parametrize(("target", "hours", "wall", "offset"), LATEST_MOMENT)
def test_latest_moment_before_counts_real_hours(target, hours, wall, offset):
    moment = latest_moment_before(target, hours)
    assert moment.tzinfo is cal.OSLO
    assert moment.replace(tzinfo=None) == wall
    assert moment.utcoffset() == timedelta(hours=offset)
    # real elapsed time (aware datetimes with the same tzinfo subtract by wall clock, so
    # compare in UTC)
    assert target.astimezone(UTC) - moment.astimezone(UTC) == timedelta(hours=hours)


def test_latest_moment_before_in_the_repeated_autumn_hour():
    # 7 hours before 31 October 2027 09:00 (UTC+1) is 01:00 UTC = the second 02:00.
    moment = latest_moment_before(oslo(2027, 10, 31, 9), 7)
    assert moment.replace(tzinfo=None) == datetime(2027, 10, 31, 2, 0)
    assert moment.utcoffset() == timedelta(hours=1)
    assert moment.fold == 1
    assert moment.astimezone(UTC) == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)


def test_latest_moment_before_with_the_havbruk_withdrawal_rule():
    rule = havbruk("exam_withdrawal_before")
    moment = latest_moment_before(oslo(2027, 3, 29, 9), rule)
    assert moment == oslo(2027, 3, 28, 9)
    assert moment.utcoffset() == timedelta(hours=2)


def test_latest_moment_before_naive_target_is_utc():
    moment = latest_moment_before(datetime(2027, 3, 29, 7, 0), 24)  # 09:00 Oslo
    assert moment.replace(tzinfo=None) == datetime(2027, 3, 28, 9, 0)
    assert moment.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(60, "minutes"), oslo(2027, 6, 15, 8, 0)),
        (Period(90, "minutes"), oslo(2027, 6, 15, 7, 30)),
        (Period(2, "hours"), oslo(2027, 6, 15, 7, 0)),
    ],
)
def test_latest_moment_before_minutes_and_hours(period, expected):
    assert latest_moment_before(oslo(2027, 6, 15, 9), period) == expected


@pytest.mark.parametrize(
    "period",
    [Period(1, "days"), Period(1, "weeks"), Period(1, "months"), Period(1, "working_days")],
)
def test_latest_moment_before_needs_clock_time(period):
    with pytest.raises(ValueError):
        latest_moment_before(oslo(2027, 3, 29, 9), period)


EXAM_MON = oslo(2027, 3, 29, 9)  # the Monday after summer time started
EXAM_SUN = oslo(2027, 3, 28, 9)  # the day summer time starts
EXAM_OCT = oslo(2027, 10, 31, 9)  # the day summer time ends


@pytest.mark.parametrize(
    ("at", "target", "hours", "expected"),
    [
        (oslo(2027, 3, 28, 9, 0, 0), EXAM_MON, 24, True),
        (oslo(2027, 3, 28, 9, 0, 1), EXAM_MON, 24, False),
        (datetime(2027, 3, 28, 7, 0, 0), EXAM_MON, 24, True),  # naive UTC = 09:00 Oslo
        (datetime(2027, 3, 28, 7, 0, 1), EXAM_MON, 24, False),
        (datetime(2027, 3, 28, 7, 0, tzinfo=UTC), EXAM_MON, 24, True),
        # 24.5 wall-clock hours before, but only 23.5 real hours: too late
        (oslo(2027, 3, 27, 8, 30), EXAM_SUN, 24, False),
        (oslo(2027, 3, 27, 8, 0), EXAM_SUN, 24, True),
        # Autumn: the latest moment is 01:00 UTC, the second 02:00 on the wall clock.
        # 00:30 UTC is the first 02:30 (summer time): half an hour before it, in time.
        (datetime(2027, 10, 31, 0, 30), EXAM_OCT, 7, True),
        (datetime(2027, 10, 31, 0, 59, 59), EXAM_OCT, 7, True),
        (datetime(2027, 10, 31, 1, 0, 0), EXAM_OCT, 7, True),
        (datetime(2027, 10, 31, 1, 0, 1), EXAM_OCT, 7, False),
        (datetime(2027, 10, 31, 1, 30), EXAM_OCT, 7, False),  # the second 02:30
    ],
)
def test_is_at_least_before(at, target, hours, expected):
    assert is_at_least_before(at, target, hours) is expected


def test_is_at_least_before_with_rule():
    rule = havbruk("exam_withdrawal_before")
    assert is_at_least_before(oslo(2027, 3, 28, 8, 59), EXAM_MON, rule)
    assert not is_at_least_before(oslo(2027, 3, 28, 9, 1), EXAM_MON, rule)


# --- formatting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "plain", "with_weekday"),
    [
        (date(2026, 12, 3), "3. desember 2026", "torsdag 3. desember 2026"),
        (date(2026, 12, 24), "24. desember 2026", "torsdag 24. desember 2026"),
        (date(2027, 1, 1), "1. januar 2027", "fredag 1. januar 2027"),
        (date(2027, 2, 28), "28. februar 2027", "søndag 28. februar 2027"),
        (date(2027, 3, 25), "25. mars 2027", "torsdag 25. mars 2027"),
        (date(2027, 3, 30), "30. mars 2027", "tirsdag 30. mars 2027"),
        (date(2027, 4, 5), "5. april 2027", "mandag 5. april 2027"),
        (date(2027, 5, 15), "15. mai 2027", "lørdag 15. mai 2027"),
        (date(2027, 5, 17), "17. mai 2027", "mandag 17. mai 2027"),
        (date(2027, 6, 30), "30. juni 2027", "onsdag 30. juni 2027"),
        (date(2027, 7, 1), "1. juli 2027", "torsdag 1. juli 2027"),
        (date(2027, 8, 1), "1. august 2027", "søndag 1. august 2027"),
        (date(2027, 9, 1), "1. september 2027", "onsdag 1. september 2027"),
        (date(2027, 10, 31), "31. oktober 2027", "søndag 31. oktober 2027"),
        (date(2026, 11, 23), "23. november 2026", "mandag 23. november 2026"),
    ],
)
def test_format_date(d, plain, with_weekday):
    assert format_date(d) == plain
    assert format_date(d, weekday=True) == with_weekday


# --- Deadline -------------------------------------------------------------------------


def test_deadline_after_rolled_over_easter():
    rule = vgs("decision_appeal_deadline")
    deadline = Deadline.after(date(2027, 3, 4), rule)
    assert deadline.due == date(2027, 3, 30)
    assert deadline.rolled_from == date(2027, 3, 25)
    assert deadline.rule is rule
    assert deadline.describe() == (
        "Fristen er 30. mars 2027 (3 uker, jf. forvaltningsloven § 29)."
        " Fristen gikk egentlig ut 25. mars 2027 (Skjærtorsdag) og er flyttet til neste virkedag."
    )
    assert str(deadline) == deadline.describe()


def test_deadline_after_not_rolled():
    deadline = Deadline.after(date(2027, 3, 1), vgs("decision_appeal_deadline"))
    assert deadline.due == date(2027, 3, 22)
    assert deadline.rolled_from is None
    assert deadline.describe() == "Fristen er 22. mars 2027 (3 uker, jf. forvaltningsloven § 29)."


def test_deadline_after_with_roll_false_is_not_moved():
    deadline = Deadline.after(date(2027, 3, 4), vgs("decision_appeal_deadline"), roll=False)
    assert deadline.due == date(2027, 3, 25)
    assert deadline.rolled_from is None
    assert "flyttet" not in deadline.describe()


@pytest.mark.parametrize(
    ("start", "due", "rolled_from", "reason"),
    [
        (date(2027, 4, 24), date(2027, 5, 18), date(2027, 5, 15), "lørdag"),
        (date(2027, 4, 25), date(2027, 5, 18), date(2027, 5, 16), "Første pinsedag"),
        (date(2027, 4, 26), date(2027, 5, 18), date(2027, 5, 17), "Grunnlovsdag"),
        (date(2027, 7, 11), date(2027, 8, 2), date(2027, 8, 1), "søndag"),
        (date(2026, 12, 4), date(2026, 12, 28), date(2026, 12, 25), "Første juledag"),
        (date(2026, 12, 5), date(2026, 12, 28), date(2026, 12, 26), "Andre juledag"),
        (date(2026, 12, 11), date(2027, 1, 4), date(2027, 1, 1), "Første nyttårsdag"),
    ],
)
def test_deadline_describe_names_why_it_was_moved(start, due, rolled_from, reason):
    deadline = Deadline.after(start, vgs("decision_appeal_deadline"))
    assert deadline.due == due
    assert deadline.rolled_from == rolled_from
    text = deadline.describe()
    assert text.startswith(f"Fristen er {format_date(due)} (3 uker, jf. forvaltningsloven § 29).")
    assert f"gikk egentlig ut {format_date(rolled_from)} (" in text
    assert reason in text
    assert text.endswith("flyttet til neste virkedag.")


def test_deadline_describe_in_the_tense_of_the_day():
    """Received Thursday 4 March 2027: three weeks end Skjærtorsdag 25 March, moved to
    Tuesday 30 March. Said on a given day, a deadline ahead "er", one passed "var", and the
    day it would have ended is said as such before and after it."""
    deadline = Deadline.after(date(2027, 3, 4), vgs("decision_appeal_deadline"))
    ahead = ("Fristen er 30. mars 2027 (3 uker, jf. forvaltningsloven § 29). Den ville ha gått "
             "ut 25. mars 2027 (Skjærtorsdag), men er flyttet til neste virkedag.")
    assert deadline.describe(date(2027, 3, 24)) == ahead
    assert deadline.describe(date(2027, 3, 30)) == ahead  # (the last day is still ahead)
    assert deadline.describe(date(2027, 3, 31)) == (
        "Fristen var 30. mars 2027 (3 uker, jf. forvaltningsloven § 29). Den ville ha gått "
        "ut 25. mars 2027 (Skjærtorsdag), men ble flyttet til neste virkedag.")
    plain = Deadline.after(date(2027, 4, 28), vgs("decision_appeal_deadline"))  # Wed 19 May
    assert plain.describe(date(2027, 5, 19)).startswith("Fristen er 19. mai 2027 (")
    assert plain.describe(date(2027, 5, 20)).startswith("Fristen var 19. mai 2027 (")


def test_deadline_describe_saturday_15_may_2027():
    deadline = Deadline.after(date(2027, 4, 24), vgs("decision_appeal_deadline"))
    assert deadline.describe() == (
        "Fristen er 18. mai 2027 (3 uker, jf. forvaltningsloven § 29)."
        " Fristen gikk egentlig ut 15. mai 2027 (lørdag) og er flyttet til neste virkedag."
    )


def test_deadline_before_is_a_lead_time_and_not_rolled():
    rule = vgs("study_leave_lead_time")
    deadline = Deadline.before(date(2027, 4, 5), rule)
    assert deadline.due == date(2027, 3, 29)  # andre påskedag
    assert deadline.rolled_from is None
    assert deadline.describe() == (
        "Fristen er 29. mars 2027 (7 dager, jf. skolens rutine for selvstendig studiearbeid)."
    )


def test_deadline_before_exam_adaptation_one_month():
    deadline = Deadline.before(date(2027, 3, 31), havbruk("exam_adaptation_lead_time"))
    assert deadline.due == date(2027, 2, 28)
    assert deadline.describe() == (
        "Fristen er 28. februar 2027 (1 måned, jf. forskriften § 4-5 (1))."
    )


def test_deadline_describe_with_a_non_period_rule_has_no_length():
    rule = Rule(
        key="school_year_start",
        value="skolestart",
        unit="text",
        reference="skolens rutine",
        explanation="Skoleåret starter 1. august.",
    )
    deadline = Deadline(due=date(2027, 8, 1), rule=rule)
    assert deadline.describe() == "Fristen er 1. august 2027 (jf. skolens rutine)."


def test_deadline_describe_a_period_of_none_as_at_once():
    """Havbruk: the justification of an oral exam's grade is asked for at once when the grade
    is given (forskriften § 4-9 (1) a; 0 days): said as such, not "0 dager"."""
    rule = havbruk("justification_request_oral")
    deadline = Deadline.after(date(2027, 6, 2), rule, roll=False)
    assert deadline.due == date(2027, 6, 2)
    assert deadline.describe() == "Fristen er 2. juni 2027 (straks, jf. forskriften § 4-9 (1) a)."
    said = Deadline.after(date(2027, 6, 2), rule, roll=False, event="da karakteren ble gitt")
    assert said.describe(date(2027, 6, 3)) == (
        "Fristen var 2. juni 2027 (straks da karakteren ble gitt, jf. forskriften § 4-9 (1) a).")
    # the event is said with a period of none only
    week = Deadline.after(date(2027, 6, 2), havbruk("justification_request_within"),
                          event="da karakteren ble gitt")
    assert week.describe() == "Fristen er 9. juni 2027 (1 uke, jf. forskriften § 4-9 (1) a)."


def test_deadline_describe_clock_rule_shows_hours():
    deadline = Deadline(due=date(2027, 3, 28), rule=havbruk("exam_withdrawal_before"))
    assert deadline.describe() == "Fristen er 28. mars 2027 (24 timer, jf. forskriften § 4-4 (3))."


@pytest.mark.parametrize(
    ("due", "utc"),
    [
        (date(2027, 3, 30), datetime(2027, 3, 30, 21, 59, 59, tzinfo=UTC)),
        (date(2026, 11, 23), datetime(2026, 11, 23, 22, 59, 59, tzinfo=UTC)),
    ],
)
def test_deadline_ends_at_23_59_59_oslo(due, utc):
    deadline = Deadline(due=due, rule=vgs("decision_appeal_deadline"))
    assert deadline.ends_at == oslo(due.year, due.month, due.day, 23, 59, 59)
    assert deadline.ends_at.astimezone(UTC) == utc


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (datetime(2026, 11, 23, 22, 59, 59), False),  # naive UTC: 23:59:59 in Oslo
        (datetime(2026, 11, 23, 23, 0, 0), True),  # midnight in Oslo
        (datetime(2026, 11, 23, 23, 30), True),  # 00:30 on 24 November in Oslo
        (datetime(2026, 11, 22, 23, 30), False),
        (oslo(2026, 11, 23, 23, 59, 59), False),
        (oslo(2026, 11, 24, 0, 0, 0), True),
        (date(2026, 11, 23), False),
        (date(2026, 11, 24), True),
    ],
)
def test_deadline_on_time_at_midnight_oslo(at, late):
    # Decision received Monday 2 November 2026: 3 weeks ends Monday 23 November.
    deadline = Deadline.after(date(2026, 11, 2), vgs("decision_appeal_deadline"))
    assert deadline.due == date(2026, 11, 23)
    assert deadline.is_late(at) is late
    assert deadline.is_on_time(at) is (not late)


@pytest.mark.parametrize(
    ("on", "left"),
    [
        (date(2027, 3, 23), 7),
        (date(2027, 3, 29), 1),
        (date(2027, 3, 30), 0),
        (date(2027, 3, 31), -1),
        (date(2027, 3, 4), 26),
    ],
)
def test_deadline_days_left(on, left):
    deadline = Deadline.after(date(2027, 3, 4), vgs("decision_appeal_deadline"))
    assert deadline.days_left(on) == left


def test_deadline_days_left_defaults_to_today_in_oslo(monkeypatch):
    monkeypatch.setattr(cal, "today", lambda: date(2027, 3, 23))
    deadline = Deadline.after(date(2027, 3, 4), vgs("decision_appeal_deadline"))
    assert deadline.days_left() == 7


def test_deadline_is_frozen():
    deadline = Deadline.after(date(2027, 3, 4), vgs("decision_appeal_deadline"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.due = date(2027, 4, 1)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (date(2027, 2, 28), date(2027, 1, 31)),  # end of February: 31 Jan + 1 month = 28 Feb
        (date(2027, 3, 31), date(2027, 2, 28)),
        (date(2027, 4, 30), date(2027, 3, 31)),
        (date(2027, 3, 30), date(2027, 2, 28)),  # 1 Mar + 1 month = 1 Apr is too late
        (date(2027, 3, 15), date(2027, 2, 15)),
    ],
)
def test_latest_filing_day_for_a_month_is_the_last_day_that_still_reaches(target, expected):
    one_month = Period(1, "months")
    assert latest_filing_day(target, one_month) == expected
    assert add_period(expected, one_month) <= target
    assert add_period(expected + timedelta(days=1), one_month) > target
