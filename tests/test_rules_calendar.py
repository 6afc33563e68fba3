"""Oslo time, Norwegian public holidays and working days (portal.rules.calendar).

Pure unit tests against real 2026-2027 calendars; only the pinned day needs the app.
Weekdays checked with `python -c 'import calendar; print(calendar.month(2027, 3))'`.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.rules import calendar as cal

# --- public holidays ------------------------------------------------------------------

HOLIDAYS = [
    # Christmas 2026 and New Year 2027
    (date(2026, 12, 25), "Første juledag"),  # Friday
    (date(2026, 12, 26), "Andre juledag"),  # Saturday
    (date(2027, 1, 1), "Første nyttårsdag"),  # Friday
    # Easter 2027
    (date(2027, 3, 25), "Skjærtorsdag"),  # Thursday
    (date(2027, 3, 26), "Langfredag"),  # Friday
    (date(2027, 3, 28), "Første påskedag"),  # Sunday
    (date(2027, 3, 29), "Andre påskedag"),  # Monday
    # May 2027
    (date(2027, 5, 1), "Arbeidernes dag"),  # Saturday
    (date(2027, 5, 6), "Kristi himmelfartsdag"),  # Thursday
    (date(2027, 5, 16), "Første pinsedag"),  # Sunday
    (date(2027, 5, 17), "Grunnlovsdag"),  # Monday, also Andre pinsedag in 2027
    # Easter 2026, for good measure
    (date(2026, 4, 2), "Skjærtorsdag"),
    (date(2026, 4, 3), "Langfredag"),
    (date(2026, 4, 6), "Andre påskedag"),
    (date(2026, 5, 14), "Kristi himmelfartsdag"),
    (date(2026, 5, 25), "Andre pinsedag"),
]


@pytest.mark.parametrize(("day", "name"), HOLIDAYS)
def test_norwegian_public_holidays(day, name):
    assert cal.is_public_holiday(day)
    assert name in cal.holiday_name(day)
    assert not cal.is_working_day(day)


def test_17_may_2027_is_both_constitution_day_and_whit_monday():
    name = cal.holiday_name(date(2027, 5, 17))
    assert "Grunnlovsdag" in name
    assert "Andre pinsedag" in name
    assert date(2027, 5, 17).weekday() == 0  # a Monday


NOT_HOLIDAYS = [
    date(2026, 12, 24),  # julaften: a working day (Thursday)
    date(2026, 12, 31),  # nyttårsaften: a working day (Thursday)
    date(2027, 3, 24),  # Wednesday before Easter
    date(2027, 3, 27),  # påskeaften (Saturday): weekend, but no holiday
    date(2027, 3, 30),  # Tuesday after Easter
    date(2027, 3, 21),  # ordinary Sunday
    date(2027, 5, 9),  # ordinary Sunday
    date(2027, 5, 18),  # Tuesday after 17 May
    date(2026, 11, 24),
]


@pytest.mark.parametrize("day", NOT_HOLIDAYS)
def test_days_that_are_not_public_holidays(day):
    assert not cal.is_public_holiday(day)
    assert cal.holiday_name(day) is None


def test_ordinary_sundays_are_not_listed_as_holidays():
    # Some versions of `holidays` list every Sunday in Norway; the portal must not.
    sundays = [date(2027, 1, 3) + timedelta(weeks=n) for n in range(52)]
    listed = [d for d in sundays if cal.is_public_holiday(d)]
    # første påskedag, første pinsedag and andre juledag (a Sunday in 2027) only
    assert listed == [date(2027, 3, 28), date(2027, 5, 16), date(2027, 12, 26)]


def test_holiday_list_2027_is_exactly_the_statutory_days():
    days = sorted(cal._holidays(2027))
    assert days == [
        date(2027, 1, 1),
        date(2027, 3, 25),
        date(2027, 3, 26),
        date(2027, 3, 28),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 5, 6),
        date(2027, 5, 16),
        date(2027, 5, 17),
        date(2027, 12, 25),
        date(2027, 12, 26),
    ]


# --- working days ---------------------------------------------------------------------

WORKING_DAY_CASES = [
    (date(2026, 12, 24), True),  # Thursday, julaften
    (date(2026, 12, 25), False),  # Friday, holiday
    (date(2026, 12, 28), True),  # Monday
    (date(2026, 12, 31), True),  # Thursday, nyttårsaften
    (date(2027, 1, 1), False),  # Friday, holiday
    (date(2027, 1, 2), False),  # Saturday
    (date(2027, 1, 3), False),  # Sunday
    (date(2027, 1, 4), True),  # Monday
    (date(2027, 3, 24), True),
    (date(2027, 3, 25), False),
    (date(2027, 3, 29), False),
    (date(2027, 3, 30), True),
    (date(2027, 5, 15), False),  # Saturday
    (date(2027, 5, 17), False),
    (date(2027, 5, 18), True),
]


@pytest.mark.parametrize(("day", "expected"), WORKING_DAY_CASES)
def test_is_working_day(day, expected):
    assert cal.is_working_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 24), date(2026, 12, 24)),  # already a working day
        (date(2026, 12, 25), date(2026, 12, 28)),  # Fri holiday, Sat holiday, Sun
        (date(2027, 1, 1), date(2027, 1, 4)),
        (date(2027, 3, 25), date(2027, 3, 30)),  # Skjærtorsdag -> Tuesday after Easter
        (date(2027, 3, 27), date(2027, 3, 30)),
        (date(2027, 5, 1), date(2027, 5, 3)),  # Saturday 1 May -> Monday
        (date(2027, 5, 6), date(2027, 5, 7)),  # Kristi himmelfart -> Friday
        (date(2027, 5, 15), date(2027, 5, 18)),  # Sat, Sun pinse, Mon 17 May
    ],
)
def test_next_working_day(day, expected):
    assert cal.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 30), date(2027, 3, 30)),
        (date(2027, 3, 29), date(2027, 3, 24)),  # Mon holiday back to Wednesday
        (date(2027, 1, 3), date(2026, 12, 31)),  # across the year end
        (date(2026, 12, 27), date(2026, 12, 24)),
        (date(2027, 5, 17), date(2027, 5, 14)),
    ],
)
def test_previous_working_day(day, expected):
    assert cal.previous_working_day(day) == expected


ADD_WORKING_DAYS = [
    # Easter 2027
    (date(2027, 3, 24), 0, date(2027, 3, 24)),
    (date(2027, 3, 24), 1, date(2027, 3, 30)),  # 25, 26, 27, 28, 29 are skipped
    (date(2027, 3, 22), 3, date(2027, 3, 30)),  # 23, 24, 30
    (date(2027, 3, 22), 5, date(2027, 4, 1)),  # 23, 24, 30, 31, 1 Apr
    (date(2027, 3, 25), 1, date(2027, 3, 30)),  # counting from a holiday
    # Christmas 2026 / New Year 2027
    (date(2026, 12, 23), 1, date(2026, 12, 24)),
    (date(2026, 12, 23), 2, date(2026, 12, 28)),
    (date(2026, 12, 23), 5, date(2026, 12, 31)),  # 24, 28, 29, 30, 31
    (date(2026, 12, 23), 6, date(2027, 1, 4)),  # 1 Jan is a holiday, then a weekend
    # May 2027
    (date(2027, 5, 5), 1, date(2027, 5, 7)),  # over Kristi himmelfart
    (date(2027, 5, 14), 1, date(2027, 5, 18)),  # over the weekend and 17 May
    (date(2027, 4, 30), 1, date(2027, 5, 3)),  # over Saturday 1 May
]


@pytest.mark.parametrize(("start", "n", "expected"), ADD_WORKING_DAYS)
def test_add_working_days(start, n, expected):
    assert cal.add_working_days(start, n) == expected


def test_ten_working_days_from_friday_before_easter_week_2027():
    # Working days after Fri 19 Mar: 22, 23, 24, (Easter), 30, 31, 1 Apr, 2, 5, 6, 7.
    assert cal.add_working_days(date(2027, 3, 19), 9) == date(2027, 4, 6)
    assert cal.add_working_days(date(2027, 3, 19), 10) == date(2027, 4, 7)


SUBTRACT_WORKING_DAYS = [
    (date(2027, 3, 30), 0, date(2027, 3, 30)),
    (date(2027, 3, 30), 1, date(2027, 3, 24)),
    (date(2027, 3, 30), 2, date(2027, 3, 23)),
    (date(2027, 4, 1), 5, date(2027, 3, 22)),  # 31, 30, 24, 23, 22
    (date(2027, 1, 4), 1, date(2026, 12, 31)),
    (date(2027, 1, 4), 2, date(2026, 12, 30)),
    (date(2027, 1, 4), 5, date(2026, 12, 24)),  # 31, 30, 29, 28, 24
    (date(2027, 1, 4), 6, date(2026, 12, 23)),
    (date(2027, 5, 18), 1, date(2027, 5, 14)),
    (date(2027, 5, 18), 6, date(2027, 5, 7)),  # 14, 13, 12, 11, 10, 7
    (date(2027, 5, 18), 7, date(2027, 5, 5)),  # 6 May is Kristi himmelfart
]


@pytest.mark.parametrize(("end", "n", "expected"), SUBTRACT_WORKING_DAYS)
def test_subtract_working_days(end, n, expected):
    assert cal.subtract_working_days(end, n) == expected


@pytest.mark.parametrize(
    ("start", "n"),
    [
        (date(2027, 3, 22), 1),
        (date(2027, 3, 22), 5),
        (date(2026, 12, 21), 8),
        (date(2027, 5, 3), 12),
    ],
)
def test_add_and_subtract_working_days_are_inverse_from_a_working_day(start, n):
    assert cal.subtract_working_days(cal.add_working_days(start, n), n) == start


@pytest.mark.parametrize("function", [cal.add_working_days, cal.subtract_working_days])
def test_negative_working_days_are_refused(function):
    with pytest.raises(ValueError):
        function(date(2027, 3, 22), -1)


WORKING_DAYS_BETWEEN = [
    (date(2027, 3, 22), date(2027, 4, 2), 7),  # 22 23 24 + 30 31 1 2
    (date(2027, 3, 1), date(2027, 3, 31), 20),  # 23 weekdays minus 25, 26, 29
    (date(2026, 12, 1), date(2026, 12, 31), 22),  # 23 weekdays minus 25 Dec
    (date(2026, 12, 21), date(2027, 1, 8), 13),  # 21-24, 28-31, 4-8 Jan
    (date(2027, 5, 1), date(2027, 5, 31), 19),  # 21 weekdays minus 6 and 17 May
    (date(2027, 3, 24), date(2027, 3, 24), 1),  # a working day on its own
    (date(2027, 3, 25), date(2027, 3, 29), 0),  # Easter: no working day at all
    (date(2027, 3, 30), date(2027, 3, 24), 0),  # end before start
]


@pytest.mark.parametrize(("start", "end", "expected"), WORKING_DAYS_BETWEEN)
def test_working_days_between(start, end, expected):
    assert cal.working_days_between(start, end) == expected


def test_working_days_between_counts_what_walking_the_days_counts():
    """Every span of up to 60 days starting in 2026-2028 (weekends, Easter, 17 May, Christmas
    and New Year inside, at and across the ends), and whole school years, against a walk
    through the days asking is_working_day of each."""
    def walked(start, end):
        return sum(cal.is_working_day(start + timedelta(days=i))
                   for i in range((end - start).days + 1))

    first = date(2026, 1, 1)
    for offset in range(0, 3 * 366):
        start = first + timedelta(days=offset)
        for length in (0, 1, 2, 4, 6, 7, 8, 13, 29, 59):
            end = start + timedelta(days=length)
            assert cal.working_days_between(start, end) == walked(start, end), (start, end)
    for year in (2026, 2027, 2028):
        start, end = date(year, 8, 17), date(year + 1, 6, 18)
        assert cal.working_days_between(start, end) == walked(start, end)


# --- Oslo time ------------------------------------------------------------------------


def test_now_and_today_are_in_oslo():
    before = datetime.now(cal.OSLO).date()
    now = cal.now()
    today = cal.today()
    after = datetime.now(cal.OSLO).date()
    assert now.tzinfo is cal.OSLO
    assert now.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert today in (before, after)


@pytest.mark.parametrize(
    ("dt", "expected_local", "offset_hours"),
    [
        # naive means UTC
        (datetime(2026, 11, 23, 23, 30), datetime(2026, 11, 24, 0, 30), 1),
        (datetime(2027, 6, 30, 12, 0), datetime(2027, 6, 30, 14, 0), 2),
        (datetime(2027, 3, 28, 0, 59), datetime(2027, 3, 28, 1, 59), 1),  # before DST
        (datetime(2027, 3, 28, 1, 0), datetime(2027, 3, 28, 3, 0), 2),  # DST starts
        (datetime(2027, 10, 31, 0, 59), datetime(2027, 10, 31, 2, 59), 2),
        (datetime(2027, 10, 31, 1, 0), datetime(2027, 10, 31, 2, 0), 1),  # DST ends
        # aware datetimes keep their moment
        (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), datetime(2026, 11, 24, 0, 30), 1),
    ],
)
def test_to_oslo(dt, expected_local, offset_hours):
    local = cal.to_oslo(dt)
    assert local.tzinfo is cal.OSLO
    assert local.replace(tzinfo=None) == expected_local
    assert local.utcoffset() == timedelta(hours=offset_hours)
    assert local.astimezone(UTC) == (dt if dt.tzinfo else dt.replace(tzinfo=UTC))


def test_to_oslo_marks_the_repeated_autumn_hour():
    first = cal.to_oslo(datetime(2027, 10, 31, 0, 30))
    second = cal.to_oslo(datetime(2027, 10, 31, 1, 30))
    assert (
        first.replace(tzinfo=None) == second.replace(tzinfo=None) == datetime(2027, 10, 31, 2, 30)
    )
    assert (first.fold, second.fold) == (0, 1)
    assert first.utcoffset() == timedelta(hours=2)
    assert second.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 12, 3), datetime(2026, 12, 3, 22, 59, 59, tzinfo=UTC)),  # winter, UTC+1
        (date(2027, 6, 15), datetime(2027, 6, 15, 21, 59, 59, tzinfo=UTC)),  # summer, UTC+2
        (date(2027, 3, 28), datetime(2027, 3, 28, 21, 59, 59, tzinfo=UTC)),  # DST starts
        (date(2027, 10, 31), datetime(2027, 10, 31, 22, 59, 59, tzinfo=UTC)),  # DST ends
    ],
)
def test_end_of_day_is_23_59_59_in_oslo(day, utc):
    end = cal.end_of_day(day)
    assert end.tzinfo is cal.OSLO
    assert (end.date(), end.hour, end.minute, end.second) == (day, 23, 59, 59)
    assert end.astimezone(UTC) == utc


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 11, 23, 22, 59, 59), date(2026, 11, 23)),  # naive UTC, 23:59:59 Oslo
        (datetime(2026, 11, 23, 23, 0), date(2026, 11, 24)),  # midnight in Oslo
        (datetime(2026, 11, 23, 23, 30), date(2026, 11, 24)),
        (datetime(2027, 6, 30, 21, 59), date(2027, 6, 30)),
        (datetime(2027, 6, 30, 22, 0), date(2027, 7, 1)),  # summer: UTC+2
        (datetime(2026, 11, 24, 0, 30, tzinfo=cal.OSLO), date(2026, 11, 24)),
        (date(2026, 11, 23), date(2026, 11, 23)),  # a plain date is kept
    ],
)
def test_oslo_date(at, expected):
    assert cal.oslo_date(at) == expected


@pytest.mark.parametrize(
    ("at", "deadline", "on_time"),
    [
        # naive UTC 23:30 on 23 Nov is 00:30 on 24 Nov in Oslo: late for a 23 Nov deadline
        (datetime(2026, 11, 23, 23, 30), date(2026, 11, 23), False),
        (datetime(2026, 11, 23, 23, 30), date(2026, 11, 24), True),
        # the last second of the deadline day in Oslo
        (datetime(2026, 11, 23, 22, 59, 59), date(2026, 11, 23), True),
        (datetime(2026, 11, 23, 23, 0, 0), date(2026, 11, 23), False),
        # summer time
        (datetime(2027, 3, 30, 21, 59, 59), date(2027, 3, 30), True),
        (datetime(2027, 3, 30, 22, 0, 0), date(2027, 3, 30), False),
        # aware datetimes
        (datetime(2027, 3, 30, 23, 59, 59, tzinfo=cal.OSLO), date(2027, 3, 30), True),
        (datetime(2027, 3, 31, 0, 0, 0, tzinfo=cal.OSLO), date(2027, 3, 30), False),
        (datetime(2027, 3, 30, 23, 30, tzinfo=UTC), date(2027, 3, 30), False),
        # dates
        (date(2027, 3, 30), date(2027, 3, 30), True),
        (date(2027, 3, 29), date(2027, 3, 30), True),
        (date(2027, 3, 31), date(2027, 3, 30), False),
    ],
)
def test_is_on_time(at, deadline, on_time):
    assert cal.is_on_time(at, deadline) is on_time


def test_end_of_day_itself_is_on_time_and_one_second_later_is_not():
    deadline = date(2026, 11, 23)
    end = cal.end_of_day(deadline)
    assert cal.is_on_time(end, deadline)
    assert not cal.is_on_time(end + timedelta(seconds=1), deadline)
    naive_utc = end.astimezone(UTC).replace(tzinfo=None)
    assert cal.is_on_time(naive_utc, deadline)
    assert not cal.is_on_time(naive_utc + timedelta(seconds=1), deadline)


def test_a_pinned_day_is_today_for_every_rule_at_the_present_time_of_day(app):
    """PORTAL_TODAY (tests, demos) pins the day the rules see, the study leave's and the
    exam adaptation's alike; the time of day stays the clock's. Without it, or outside the
    app, the real day."""
    from portal.rules.calendar import OSLO, now, today, utcnow

    def minutes(t):
        return t.hour * 60 + t.minute

    with app.app_context():
        assert abs(now() - datetime.now(OSLO)) < timedelta(minutes=1)
        app.config["PORTAL_TODAY"] = date(2027, 3, 25)  # Maundy Thursday, winter time
        assert today() == date(2027, 3, 25) and now().date() == date(2027, 3, 25)
        moment, real = now(), datetime.now(OSLO)
        assert moment.utcoffset() == timedelta(hours=1)
        assert abs((minutes(moment) - minutes(real) + 720) % 1440 - 720) <= 1
        assert utcnow().tzinfo is None
        assert abs(utcnow() - moment.astimezone(UTC).replace(tzinfo=None)) < timedelta(seconds=5)
    assert today() == datetime.now(OSLO).date()  # outside the app: the real day
