"""Schools and school years."""

from datetime import date, datetime

from peewee import JOIN, CharField, DateField, ForeignKeyField

from portal.collation import by_name
from portal.db import Prepared
from portal.models.base import BaseModel


class School(BaseModel):
    name = CharField(max_length=200)
    code = CharField(max_length=32, unique=True)
    profile = CharField(max_length=64)  # name of a rule profile in portal/rules/profiles/

    @property
    def rules(self):
        from portal.rules import get_profile

        return get_profile(self.profile)

    def current_year(self, on: date | None = None):
        return SchoolYear.current(self, on)


class SchoolYear(BaseModel):
    school = ForeignKeyField(School, backref="years", on_delete="CASCADE")
    name = CharField(max_length=16)  # "2026/2027"
    starts_on = DateField()
    ends_on = DateField()

    class Meta:
        indexes = ((("school", "name"), True), (("school", "starts_on"), False))

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @classmethod
    def current(cls, school, on: date | None = None):
        """The school year that holds `on` (today in Oslo), else the latest one."""
        return _with_school(_current_year.first(school, _day_text(on)), school)

    @classmethod
    def current_of(cls, schools, on: date | None = None) -> list["SchoolYear"]:
        """current(school, on) of each of `schools` (School objects or ids; None: every
        school) in one statement, each read with its school, by the schools' names; a school
        without a year is left out. (A page over all the schools one keeps, as the exam
        office's list of doctor's notes, asks it once, however many schools they keep.)"""
        picked = School.select(_holding_first(SchoolYear.select(SchoolYear.id), School.id,
                                              _day_text(on)))
        if schools is not None:
            picked = picked.where(School.id.in_([getattr(s, "id", s) for s in schools]))
        return list(SchoolYear.select(SchoolYear, School).join(School)
                    .where(SchoolYear.id.in_(picked))
                    .order_by(by_name(School.name), School.id))

    @classmethod
    def current_with_breaks(cls, school, on: date | None = None):
        """`(current(school, on), its breaks in order)` in one statement: `(None, [])` when
        the school has no year. (A form that checks school days reads both where it read the
        year alone.)"""
        rows = _current_year_with_breaks(school, _day_text(on))
        if not rows:
            return None, []
        year = rows[0]
        breaks = [row.school_break for row in rows if row.school_break is not None]
        del year.school_break  # (the joined break of its row: the list is the breaks)
        return _with_school(year, school), breaks


def _day_text(on: date | None) -> str:
    """`on` (today in Oslo when None) as current()'s queries take it: the day's ISO text
    (compared as text on SQLite: the day, not the time)."""
    from portal.rules.calendar import today

    day = on or today()
    if isinstance(day, datetime):
        day = day.date()
    return day.isoformat()


def _with_school(year, school):
    """`year` (or None) with the caller's School as its school: `year.school` is not read
    again."""
    if year is not None and isinstance(school, School):
        year.school = school
    return year


class SchoolBreak(BaseModel):
    """Weekdays without teaching in a school year that are no public holiday: the autumn,
    Christmas, winter and Easter breaks and the planning days, as the school owner decides
    them each year. They are no school days: absence is neither registered nor counted on
    them (portal/absence/rules.py)."""

    school_year = ForeignKeyField(SchoolYear, backref="breaks", on_delete="CASCADE")
    name = CharField(max_length=80)  # "Høstferie", "Planleggingsdag"
    first_day = DateField()
    last_day = DateField()

    class Meta:
        table_name = "school_break"
        indexes = ((("school_year", "first_day"), True),)

    @classmethod
    def of(cls, year) -> list["SchoolBreak"]:
        """The breaks of a school year (a SchoolYear or its id), in order. (Prepared: the
        absence summary on the pages asks it.)"""
        return _breaks_of(year)


_breaks_of = Prepared(lambda year_id: (
    SchoolBreak.select().where(SchoolBreak.school_year == year_id)
    .order_by(SchoolBreak.first_day)))

# the year holding the day first, then the latest; the day as ISO text (how SQLite stores a
# date and compares it; PostgreSQL reads it as a date where the column gives the type)
def _holding_first(query, school_id, day):
    """`query` over the school's years, the one holding `day` first, then the latest: its
    first row is current()'s year."""
    return (query.where(SchoolYear.school == school_id)
            .order_by(((SchoolYear.starts_on <= day) & (SchoolYear.ends_on >= day)).desc(),
                      SchoolYear.starts_on.desc())
            .limit(1))


_current_year = Prepared(lambda school_id, day: _holding_first(SchoolYear.select(), school_id,
                                                               day))

# current()'s year with a row per break of it (one row with no break when it has none)
_current_year_with_breaks = Prepared(lambda school_id, day: (
    SchoolYear.select(SchoolYear, SchoolBreak)
    .join(SchoolBreak, JOIN.LEFT_OUTER, on=(SchoolBreak.school_year == SchoolYear.id),
          attr="school_break")
    .where(SchoolYear.id == _holding_first(SchoolYear.select(SchoolYear.id), school_id, day))
    .order_by(SchoolBreak.first_day)))
