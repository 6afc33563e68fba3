"""Time zone, public holidays and working days for Norwegian schools.

Everything the portal calls "today" or "a working day" comes from here, so that one
module decides the time zone (Europe/Oslo) and the holiday calendar (the `holidays`
package, country NO).  Naive datetimes in this project are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import current_app, has_app_context

OSLO = ZoneInfo("Europe/Oslo")


def now() -> datetime:
    """The current moment as an aware datetime in Oslo: the moment the rules are checked at.
    Tests and demos may pin the day with the app's PORTAL_TODAY setting (a date): then it is
    that day at the present time of day, so that what a test files stays on time whenever
    it runs."""
    real = datetime.now(OSLO)
    pinned = _pinned_day()
    return real if pinned is None else datetime.combine(pinned, real.time(), tzinfo=OSLO)


def _pinned_day() -> date | None:
    return current_app.config.get("PORTAL_TODAY") if has_app_context() else None


def today() -> date:
    """Today's date in Oslo (not the server's local date); the pinned day where there is one
    (now()). (Asked for each row of a list: no more than it needs.)"""
    pinned = _pinned_day()
    return pinned if pinned is not None else datetime.now(OSLO).date()


def utcnow() -> datetime:
    """now() as naive UTC, as the database keeps times: for comparing with stored moments
    (an exam's start). A row's own time of writing is the real one (models.utcnow)."""
    return now().astimezone(UTC).replace(tzinfo=None)


def to_oslo(dt: datetime) -> datetime:
    """An aware datetime in Oslo; a naive `dt` is taken to be UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(OSLO)


def end_of_day(d: date) -> datetime:
    """23:59:59 Oslo time on `d`: the last moment of a deadline that falls on `d`."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=OSLO)


def oslo_date(at: datetime | date) -> date:
    """The Oslo calendar date of a moment (a plain date is returned unchanged)."""
    if isinstance(at, datetime):
        return to_oslo(at).date()
    return at


def is_on_time(at: datetime | date, deadline: date) -> bool:
    """True when `at` (naive UTC or aware; or a date) falls on or before `deadline` in Oslo."""
    return oslo_date(at) <= deadline


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[date, str]:
    """Norwegian public holidays of one year, with their Norwegian names.

    The `holidays` package can mark every Sunday as a holiday in Norway (some versions do
    by default); `include_sundays=False` keeps only the real public holidays (lov om
    helligdager og helligdagsfred § 2 and 1 and 17 May).  Weekends are handled separately.
    """
    calendar = holidays.country_holidays("NO", years=year, language="no", include_sundays=False)
    return {day: name for day, name in calendar.items() if day.year == year}


def public_holidays(year: int) -> list[date]:
    """The Norwegian public holidays of a calendar year, in order (Sundays not counted)."""
    return sorted(_holidays(year))


def holiday_name(d: date) -> str | None:
    """The Norwegian name of the public holiday on `d`, or None (e.g. "Langfredag")."""
    return _holidays(d.year).get(d)


def is_public_holiday(d: date) -> bool:
    return d in _holidays(d.year)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a public holiday ("virkedag")."""
    return d.weekday() < 5 and not is_public_holiday(d)


def school_days(first: date, last: date, breaks: Sequence = ()) -> list[date]:
    """The school days from `first` to `last`: Monday-Friday, not public holidays, and not
    in one of the school year's `breaks` (SchoolBreak rows, or anything with `first_day` and
    `last_day`)."""
    days, d = [], first
    while d <= last:
        if is_working_day(d) and in_break(d, breaks) is None:
            days.append(d)
        d += timedelta(days=1)
    return days


def in_break(day: date, breaks: Sequence):
    """The break of `breaks` that `day` falls in, or None."""
    return next((b for b in breaks if b.first_day <= day <= b.last_day), None)


def next_working_day(d: date) -> date:
    """`d` itself when it is a working day, else the first working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def previous_working_day(d: date) -> date:
    """`d` itself when it is a working day, else the last working day before it."""
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after `d` (`d` itself not counted; n=0 returns `d`)."""
    if n < 0:
        raise ValueError(f"add_working_days needs n >= 0, got {n}; use subtract_working_days")
    while n:
        d += timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def subtract_working_days(d: date, n: int) -> date:
    """The n-th working day before `d` (`d` itself not counted; n=0 returns `d`)."""
    if n < 0:
        raise ValueError(f"subtract_working_days needs n >= 0, got {n}")
    while n:
        d -= timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """The number of working days from `start` to `end`, both included (0 if end < start).
    Counted, not walked: the weekdays by arithmetic, less the public holidays on weekdays (a
    school year's absence summary asks this twice for every subject of every student)."""
    if end < start:
        return 0
    weeks, rest = divmod((end - start).days + 1, 7)
    first = start.weekday()
    weekdays = 5 * weeks + sum(1 for i in range(rest) if (first + i) % 7 < 5)
    holidays_on_weekdays = sum(
        1 for year in range(start.year, end.year + 1) for day in _holidays(year)
        if start <= day <= end and day.weekday() < 5)
    return weekdays - holidays_on_weekdays
