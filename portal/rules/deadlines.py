"""Deadline arithmetic: periods, roll-forward, lead times and the Deadline shown in forms.

Conventions (domain.md, "Dates and deadlines"; domstolloven §§ 148-149):
- A period runs from the day after the event: "3 uker" from Monday 1 ends Monday 22.
- "en måned" ends on the same day number in the last month; when that month is shorter,
  on its last day (31 Jan + 1 month = 28/29 Feb).  Subtracting a month clamps the same way
  (31 Mar - 1 month = 28 Feb 2027): the result is the latest day from which adding the
  period still lands on or before the target.
- An appeal-type deadline ending on a Saturday, Sunday or public holiday moves to the next
  working day.  Lead times ("at least one week before") are never moved.
- A deadline on a date ends at 23:59 Oslo time that day.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from portal.rules import calendar as cal

if TYPE_CHECKING:
    from portal.rules import Rule

DATE_UNITS = ("days", "weeks", "months", "working_days")
CLOCK_UNITS = ("hours", "minutes")
PERIOD_UNITS = DATE_UNITS + CLOCK_UNITS

_NOUNS = {  # unit: (singular, plural) in bokmål
    "days": ("dag", "dager"),
    "weeks": ("uke", "uker"),
    "months": ("måned", "måneder"),
    "working_days": ("virkedag", "virkedager"),
    "hours": ("time", "timer"),
    "minutes": ("minutt", "minutter"),
}

MONTHS_NB = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip
WEEKDAYS_NB = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


@dataclass(frozen=True)
class Period:
    """A length of time as the regulations state it: 3 weeks, 1 month, 10 working days."""

    amount: int
    unit: str

    def __post_init__(self):
        if self.unit not in PERIOD_UNITS:
            raise ValueError(f"unknown period unit {self.unit!r}; use one of {PERIOD_UNITS}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"a period amount must be an int >= 0, got {self.amount!r}")

    def describe(self) -> str:
        """Norwegian text: "7 dager", "1 uke", "1 måned", "10 virkedager", "24 timer", "1 år"."""
        if self.unit == "months" and self.amount and self.amount % 12 == 0:
            return f"{self.amount // 12} år"
        singular, plural = _NOUNS[self.unit]
        return f"{self.amount} {singular if self.amount == 1 else plural}"

    def __str__(self) -> str:
        return self.describe()

    @property
    def is_clock_time(self) -> bool:
        """Hours and minutes measure elapsed time between moments, not calendar dates."""
        return self.unit in CLOCK_UNITS

    def as_timedelta(self) -> timedelta:
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        if self.unit == "minutes":
            return timedelta(minutes=self.amount)
        if self.unit in ("days", "weeks"):
            return timedelta(days=self.amount * (7 if self.unit == "weeks" else 1))
        raise ValueError(f"{self.describe()} has no fixed length in time")


def _period(period: Period | Rule) -> Period:
    return period if isinstance(period, Period) else period.period


def add_months(d: date, months: int) -> date:
    """Same day number `months` later (or earlier), clamped to the end of a shorter month."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def add_period(start: date, period: Period | Rule) -> date:
    """The day a period that starts on `start` ends (no roll-forward)."""
    p = _period(period)
    if p.unit == "days":
        return start + timedelta(days=p.amount)
    if p.unit == "weeks":
        return start + timedelta(weeks=p.amount)
    if p.unit == "months":
        return add_months(start, p.amount)
    if p.unit == "working_days":
        return cal.add_working_days(start, p.amount)
    raise ValueError(f"{p.describe()} cannot be added to a date; use latest_moment_before")


def subtract_period(end: date, period: Period | Rule) -> date:
    """The day `period` before `end` (months clamp: 31 Mar 2027 - 1 month = 28 Feb 2027)."""
    p = _period(period)
    if p.unit == "days":
        return end - timedelta(days=p.amount)
    if p.unit == "weeks":
        return end - timedelta(weeks=p.amount)
    if p.unit == "months":
        return add_months(end, -p.amount)
    if p.unit == "working_days":
        return cal.subtract_working_days(end, p.amount)
    raise ValueError(f"{p.describe()} cannot be subtracted from a date; use latest_moment_before")


def roll_forward(d: date) -> date:
    """A deadline ending on a Saturday, Sunday or public holiday moves to the next working
    day (domstolloven §§ 148-149, applied to forvaltningsloven § 29)."""
    return cal.next_working_day(d)


def deadline_after(start: date, period: Period | Rule, *, roll: bool = True) -> date:
    """The last day of a calendar period running from an event on `start` (e.g. an appeal
    deadline of 3 weeks from when the decision was received), rolled forward by default."""
    end = add_period(start, period)
    return roll_forward(end) if roll else end


def restart(received_on: date, period: Period | Rule, *, roll: bool = True) -> date:
    """A full new period from the day reasons or a grade justification were received
    (forvaltningsloven § 29 andre ledd; fagskoleloven § 22)."""
    return deadline_after(received_on, period, roll=roll)


def latest_filing_day(target: date, period: Period | Rule) -> date:
    """The last day on which something can be filed to be "at least `period` before"
    `target` (study leave: 7 days before the first day; exam adaptation: 1 month before the
    exam).  Lead times are not moved off weekends or holidays.

    For months the answer is the latest day from which the period still ends on or before
    `target`: for an exam on 28 Feb 2027, filing on 31 Jan is one month before (31 Jan +
    1 month = 28 Feb), so the last day is 31 Jan, not 28 Jan."""
    p = _period(period)
    if p.unit == "months":
        last_of_target_month = _stdlib_calendar.monthrange(target.year, target.month)[1]
        if target.day == last_of_target_month:
            earlier = add_months(target.replace(day=1), -p.amount)
            last = _stdlib_calendar.monthrange(earlier.year, earlier.month)[1]
            return earlier.replace(day=last)
    return subtract_period(target, period)


def latest_moment_before(target: datetime, period: Period | Rule | int) -> datetime:
    """The last moment (aware, Oslo) that is at least `period` before `target`.

    `period` is hours or minutes (an int means hours): e.g. withdrawal from an exam at
    least 24 hours before it starts.  The hours are real elapsed time, so across a change
    to or from summer time the wall clock differs by one hour from the exam's.
    """
    p = Period(period, "hours") if isinstance(period, int) else _period(period)
    if not p.is_clock_time:
        raise ValueError(f"latest_moment_before needs hours or minutes, not {p.describe()}")
    moment = cal.to_oslo(target).astimezone(UTC) - p.as_timedelta()
    return moment.astimezone(cal.OSLO)


def is_at_least_before(at: datetime, target: datetime, period: Period | Rule | int) -> bool:
    """True when `at` is at least `period` (hours/minutes) before `target`."""
    # Compared in UTC: two datetimes with the same tzinfo compare by wall clock and ignore
    # `fold`, which gets the repeated hour when summer time ends wrong.
    latest = latest_moment_before(target, period)
    return cal.to_oslo(at).astimezone(UTC) <= latest.astimezone(UTC)


def format_date(d: date, *, weekday: bool = False) -> str:
    """Norwegian long date without a Flask app context: "3. desember 2026"
    (with weekday=True: "torsdag 3. desember 2026")."""
    text = f"{d.day}. {MONTHS_NB[d.month - 1]} {d.year}"
    return f"{WEEKDAYS_NB[d.weekday()]} {text}" if weekday else text


@dataclass(frozen=True)
class Deadline:
    """A due date together with the rule it comes from, for forms and decision letters."""

    due: date
    rule: Rule
    rolled_from: date | None = None  # the day the period ended before roll_forward moved it
    # the event a period of no length runs from, in words ("da karakteren ble gitt"): said
    # after it, "straks da karakteren ble gitt" (describe)
    event: str | None = None

    @classmethod
    def after(cls, start: date, rule: Rule, *, roll: bool = True,
              event: str | None = None) -> Deadline:
        """The deadline `rule` (a period) after the event on `start`, rolled forward;
        `event`: as the field."""
        end = add_period(start, rule)
        due = roll_forward(end) if roll else end
        return cls(due=due, rule=rule, rolled_from=end if due != end else None, event=event)

    @classmethod
    def before(cls, target: date, rule: Rule) -> Deadline:
        """The latest filing day for a lead-time `rule` before `target`."""
        return cls(due=latest_filing_day(target, rule), rule=rule)

    @property
    def ends_at(self) -> datetime:
        """23:59:59 Oslo time on the due date."""
        return cal.end_of_day(self.due)

    def is_on_time(self, at: datetime | date) -> bool:
        return cal.is_on_time(at, self.due)

    def is_late(self, at: datetime | date) -> bool:
        """True when `at` (naive UTC, aware, or a date) is after the due date in Oslo."""
        return not self.is_on_time(at)

    def days_left(self, on: date | None = None) -> int:
        """Calendar days from `on` (today in Oslo) to the due date; negative when passed."""
        return (self.due - (on or cal.today())).days

    def describe(self, on: date | None = None) -> str:
        """E.g. "Fristen er 3. desember 2026 (3 uker, jf. forvaltningsloven § 29).", and for
        a period of none "Fristen er 2. juni 2027 (straks da karakteren ble gitt, jf. …).".

        Given the day `on` (the portal's today), the tense follows it: a deadline passed by
        then "var", one still ahead "er", and the day a moved deadline would have ended is
        said as such, whether that day has come or not."""
        length = ""
        if self.rule.is_period:  # "3 uker, "; none: "straks, " (Rule.amount), with its event
            length = self.rule.amount()
            if not self.rule.value and self.event:
                length += f" {self.event}"
            length += ", "
        passed = on is not None and self.is_late(on)
        text = f"Fristen {'var' if passed else 'er'} {format_date(self.due)} " \
               f"({length}{self.rule.cite()})."
        if self.rolled_from is not None:
            reason = cal.holiday_name(self.rolled_from) or WEEKDAYS_NB[self.rolled_from.weekday()]
            ended = f"{format_date(self.rolled_from)} ({reason})"
            if on is None:
                text += f" Fristen gikk egentlig ut {ended} og er flyttet til neste virkedag."
            else:
                text += (f" Den ville ha gått ut {ended}, men {'ble' if passed else 'er'} "
                         "flyttet til neste virkedag.")
        return text

    def __str__(self) -> str:
        return self.describe()
