"""The counting rules for absence, pure: no database, no request. Every number comes from
the school's rule profile (portal/rules/profiles/*.toml).

vgs (opplæringslova § 3-47, opplæringsforskrifta §§ 9-7, 9-8): health absence is kept off the
diploma only from the 4th school day of an absence (from the 1st with a chronic condition on
file); at most 2 days for religious holidays, inside at most 10 school days a year in total;
single lessons never add up to days. Fagskole profiles: attendance thresholds per subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.rules import Profile
from portal.rules.calendar import (
    in_break,
    is_public_holiday,
    previous_working_day,
    working_days_between,
)
from portal.rules.calendar import (
    school_days as school_days,  # (the calendar's, which the absence rules count on)
)

HEALTH = "a"
RELIGIOUS = "religious"
STUDY_WORK = "R"  # organised study work / school errand: recorded, not absence
OTHER = "other"
CORRECTION = "correction"
# Reasons that may be kept off the diploma (§ 3-47 a-f) and religious holidays.
STRIKABLE = ("a", "b", "c", "d", "e", "f", RELIGIOUS)
CATEGORIES = (*STRIKABLE, STUDY_WORK, OTHER)
MAX_LESSON = 12  # lesson numbers in one school day: a sanity bound on input, not a rule


# Why a date is no school day of a school year (school_day_problem).
OUTSIDE_YEAR = "outside_year"
WEEKEND = "weekend"
HOLIDAY = "holiday"
BREAK = "break"


def school_day_problem(day: date, starts_on: date, ends_on: date,
                       breaks: Sequence = ()) -> str | None:
    """Why `day` is no school day of the school year `starts_on`-`ends_on` with `breaks`
    (OUTSIDE_YEAR, WEEKEND, HOLIDAY or BREAK), or None when it is one: the calendar of
    school_days()."""
    if not starts_on <= day <= ends_on:
        return OUTSIDE_YEAR
    if day.weekday() >= 5:
        return WEEKEND
    if is_public_holiday(day):
        return HOLIDAY
    if in_break(day, breaks) is not None:
        return BREAK
    return None


def no_school_day_because(day: date, year, breaks: Sequence) -> str | None:
    """Why `day` is no school day of `year` (a SchoolYear) with its `breaks`, in words naming
    the date and the reason; None when it is one."""
    from portal.filters import local_date
    from portal.i18n import gettext as _
    from portal.rules.calendar import holiday_name

    named = local_date(day, "EEEE d. MMMM yyyy")
    problem = school_day_problem(day, year.starts_on, year.ends_on, breaks)
    if problem == OUTSIDE_YEAR:
        return _("%(date)s is not a school day: it is outside the school year %(year)s "
                 "(%(start)s – %(end)s).", date=named, year=year.name,
                 start=local_date(year.starts_on), end=local_date(year.ends_on))
    if problem == WEEKEND:
        return _("%(date)s is not a school day: it is a weekend. Choose a day from Monday to "
                 "Friday.", date=named)
    if problem == HOLIDAY:
        return _("%(date)s is not a school day: it is a public holiday (%(holiday)s).",
                 date=named, holiday=holiday_name(day))
    if problem == BREAK:
        b = in_break(day, breaks)
        return _("%(date)s is not a school day: the school is off (%(name)s, %(start)s – "
                 "%(end)s).", date=named, name=b.name,
                 start=local_date(b.first_day), end=local_date(b.last_day))
    return None


def last_school_day(on: date, starts_on: date, ends_on: date,
                    breaks: Sequence = ()) -> date | None:
    """The last school day of the school year on or before `on`; None before its first."""
    if on < starts_on:
        return None
    day = previous_working_day(min(on, ends_on))
    while day >= starts_on and (b := in_break(day, breaks)) is not None:
        day = previous_working_day(b.first_day - timedelta(days=1))
    return day if day >= starts_on else None


def keeps_diploma_days(profile: Profile) -> bool:
    """Whether the profile has the 10-day rule (vgs) at all."""
    return "absence_max_struck_days" in profile


@dataclass(frozen=True)
class NoteOutcome:
    """What accepting a note does. Dates are school days; lessons are (date, lesson)."""

    category: str
    days: tuple[date, ...] = ()
    lessons: tuple[tuple[date, int], ...] = ()
    documented: tuple[date, ...] = ()
    struck: tuple[date, ...] = ()
    before_first_struck_day: tuple[date, ...] = ()  # health days 1-3: documented, not struck
    over_religious_cap: tuple[date, ...] = ()
    over_total_cap: tuple[date, ...] = ()
    first_struck_day: int | None = None

    @property
    def is_partial(self) -> bool:
        """The note passes a limit: accepted for the part within it."""
        return bool(self.over_religious_cap or self.over_total_cap)

    @property
    def not_absence(self) -> bool:
        return self.category == STUDY_WORK


def assess_note(
    profile: Profile,
    *,
    category: str,
    days: list[date] = (),
    lessons: list[tuple[date, int]] = (),
    chronic: bool = False,
    struck_so_far: int = 0,
    religious_so_far: int = 0,
    already_struck: frozenset[date] | set[date] = frozenset(),
    limits: bool = True,
) -> NoteOutcome:
    """Apply the rules to an accepted note of whole `days` (school days) or single `lessons`.

    Whole days can be struck; single lessons are documented only, never added up into days.
    A day another note has already struck (in `already_struck`, counted in `struck_so_far`)
    stays struck without taking a second place under the caps. `limits` False: the caps (the
    days a year, the religious holidays) are not applied — a note accepted in full by a
    ruling on appeal; the first struck day of health absence still is.
    """
    days = tuple(sorted(set(days)))
    lessons = tuple(sorted(set(lessons)))
    if category not in STRIKABLE:
        documented = days if category == STUDY_WORK else ()
        return NoteOutcome(category, days, lessons, documented=documented)
    if not keeps_diploma_days(profile):
        return NoteOutcome(category, days, lessons, documented=days)

    first = 1
    if category == HEALTH and not chronic:
        first = int(profile.value("absence_health_first_struck_day"))
    cap = int(profile.value("absence_max_struck_days"))
    religious_cap = int(profile.value("absence_religious_days"))
    struck, waiting, over_religious, over_total = [], [], [], []
    total, religious = struck_so_far, religious_so_far
    for number, day in enumerate(days, start=1):
        if day in already_struck:
            struck.append(day)
        elif number < first:
            waiting.append(day)
        elif limits and category == RELIGIOUS and religious >= religious_cap:
            over_religious.append(day)
        elif limits and total >= cap:
            over_total.append(day)
        else:
            struck.append(day)
            total += 1
            religious += category == RELIGIOUS
    return NoteOutcome(
        category,
        days,
        lessons,
        documented=days,
        struck=tuple(struck),
        before_first_struck_day=tuple(waiting),
        over_religious_cap=tuple(over_religious),
        over_total_cap=tuple(over_total),
        first_struck_day=first if category == HEALTH else None,
    )


# -- percentages and thresholds ------------------------------------------------------------

def lesson_equivalents(whole_lessons: int, late_minutes: int, lesson_minutes: int) -> float:
    """Missed lessons, late arrivals counted as the part of a lesson they took."""
    return whole_lessons + (late_minutes / lesson_minutes if lesson_minutes else 0)


def percent(lessons: float, planned: int) -> float:
    return round(100 * lessons / planned, 1) if planned else 0.0


def school_day_count(first: date, last: date, breaks: Sequence = ()) -> int:
    """How many school days there are from `first` to `last` (both included), as
    school_days counts them: counted, not walked (the absence summary asks it for every
    subject it shows). `breaks` do not overlap (SchoolBreak rows are refused if they do)."""
    if last < first:
        return 0
    return working_days_between(first, last) - sum(
        working_days_between(max(b.first_day, first), min(b.last_day, last)) for b in breaks)


def planned_to_date(planned: int, starts_on: date, ends_on: date, on: date,
                    breaks: Sequence = ()) -> int:
    """The planned lessons of a subject that fall before `on`, spread evenly over the
    school days of the year (not its `breaks`: no lessons are planned in them, so a week
    off does not count as a week of lessons the student could have missed)."""
    if on < starts_on:
        return 0
    total = school_day_count(starts_on, ends_on, breaks)
    done = school_day_count(starts_on, min(on, ends_on), breaks)
    return round(planned * done / total) if total else planned


@dataclass(frozen=True)
class Threshold:
    """A percentage of absence that, when crossed in a subject, creates a warning."""

    key: str
    percent: float  # of absence
    strict: bool  # True: crossed when above; False: when reached
    counts_documented: bool  # fagskole: all absence counts; vgs: undocumented only
    follow_up: bool = False  # a case for loss of the study place
    for_cohort_coordinator: bool = False

    def crossed(self, value: float) -> bool:
        return value > self.percent if self.strict else value >= self.percent


# (rule key, is an attendance % rather than an absence %, strict, follow-up case)
_THRESHOLDS = (
    ("attendance_early_warning", False, False, False),
    ("attendance_absence_limit", False, True, False),
    ("attendance_principal_discretion", False, True, False),
    ("attendance_warning", False, False, False),
    ("practice_attendance_required", True, True, False),
    ("exam_attendance_required", True, True, False),
    ("attendance_required", True, True, False),
    ("attendance_loss_of_place", False, True, True),
)


def thresholds(profile: Profile) -> list[Threshold]:
    """The thresholds the profile has, lowest first."""
    fagskole = profile.school_type == "fagskole"
    found = []
    for key, is_attendance, strict, follow_up in _THRESHOLDS:
        if key in profile:
            value = float(profile.value(key))
            found.append(Threshold(key, round(100 - value, 1) if is_attendance else value,
                                   strict, counts_documented=fagskole, follow_up=follow_up,
                                   for_cohort_coordinator=fagskole))
    return sorted(found, key=lambda t: t.percent)


@dataclass
class SubjectFigures:
    """One subject of a student's year, as "absent lessons / planned lessons"."""

    assignment_id: int
    subject: str
    subject_code: str
    planned: int
    planned_to_date: int | None  # (None: the summary was asked without it)
    lessons_absent: int = 0
    late_minutes: int = 0
    lessons_documented: int = 0
    lessons_struck: int = 0
    absent: float = 0.0  # lesson equivalents, late arrivals included
    practice: bool = False  # a practice period: the profile's practice threshold applies
    undocumented: float = 0.0
    warnings: list = field(default_factory=list)

    @property
    def percent(self) -> float:
        return percent(self.absent, self.planned)

    @property
    def percent_undocumented(self) -> float:
        return percent(self.undocumented, self.planned)

    @property
    def percent_to_date(self) -> float:
        return percent(self.absent, self.planned_to_date)

    def counted_percent(self, threshold: Threshold) -> float:
        return self.percent if threshold.counts_documented else self.percent_undocumented


# Thresholds that hold only in practice periods (subjects marked as practice).
PRACTICE_ONLY = frozenset({"practice_attendance_required"})


def applies(threshold: Threshold, figures: SubjectFigures) -> bool:
    return figures.practice or threshold.key not in PRACTICE_ONLY


def crossed(profile: Profile, figures: SubjectFigures) -> list[Threshold]:
    return [t for t in thresholds(profile)
            if applies(t, figures) and t.crossed(figures.counted_percent(t))]
