"""CSV import of absence records, all or nothing (like portal/importer.py).

absence.csv: school,date,class,subject_code,username,lesson[,minutes_late]
             date as YYYY-MM-DD or DD.MM.YYYY; minutes_late empty or 0 for a missed lesson.
"""

from datetime import date, datetime

from portal.absence import rules
from portal.absence.services import check_warnings, lesson_minutes, record_absence, today
from portal.db import database
from portal.i18n import gettext as _
from portal.importer import ImportResult, _rows
from portal.models import (
    School,
    SchoolBreak,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
)

ABSENCE_COLUMNS = ["school", "date", "class", "subject_code", "username", "lesson"]


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _check(row, schools, breaks: dict) -> tuple[list[str], tuple | None]:
    """What is wrong with one row, in the reader's language; and what to record when nothing
    is. A row passes only where the teacher's register would take it: a school day of the
    school year (no weekend, public holiday or break of the school), not in the future, and
    minutes late shorter than a lesson. `breaks`: each school year's, read once an import."""
    problems = []
    school = schools.get(row["school"])
    day = _date(row["date"])
    if school is None:
        problems.append(_("no school with code %(code)s", code=repr(row["school"])))
    if day is None:
        problems.append(_("%(text)s is not a date (YYYY-MM-DD or DD.MM.YYYY)",
                          text=repr(row["date"])))
    lesson = int(row["lesson"]) if row["lesson"].isdecimal() else 0
    if not 1 <= lesson <= rules.MAX_LESSON:
        problems.append(_("the lesson must be a number from 1 to %(max)s", max=rules.MAX_LESSON))
    minutes_text = row.get("minutes_late") or "0"
    minutes = int(minutes_text) if minutes_text.isdecimal() else -1
    longest = lesson_minutes(school.rules) if school is not None else 0
    if minutes < 0:
        problems.append(_("minutes_late must be a whole number of minutes, or empty"))
    elif longest and minutes >= longest:
        problems.append(_("minutes_late must be less than a lesson (%(n)s minutes): a whole "
                          "lesson missed is 0 or empty", n=longest))
    # (looked up only at a school the importer may import into: the answer tells whether a
    # username exists)
    student = User.by_username(row["username"]) if row["username"] and school else None
    if school is not None and student is None:
        problems.append(_("no user %(username)s", username=repr(row["username"])))
    if problems:
        return problems, None
    if day > today():
        return [_("%(date)s has not come yet", date=day.isoformat())], None
    year = (SchoolYear.select().where((SchoolYear.school == school)
                                      & (SchoolYear.starts_on <= day)
                                      & (SchoolYear.ends_on >= day)).first())
    if year is None:
        return [_("%(date)s is in no school year of %(school)s", date=day.isoformat(),
                  school=school.code)], None
    if year.id not in breaks:
        breaks[year.id] = SchoolBreak.of(year)
    why = rules.no_school_day_because(day, year, breaks[year.id])
    if why is not None:
        return [why], None
    klass = SchoolClass.get_or_none((SchoolClass.school_year == year)
                                    & (SchoolClass.name == row["class"]))
    if klass is None:
        return [_("no class %(name)s in %(year)s", name=repr(row["class"]), year=year.name)], None
    assignment = (TeachingAssignment.select().join(Subject)
                  .where((TeachingAssignment.school_class == klass)
                         & (Subject.code == row["subject_code"])).first())
    if assignment is None:
        problems.append(_("class %(name)s has no subject %(code)s", name=klass.name,
                          code=repr(row["subject_code"])))
    if not klass.students().where(User.id == student.id).exists():
        problems.append(_("%(username)s is not in class %(name)s", username=student.username,
                          name=klass.name))
    return problems, (assignment, student, day, lesson, minutes)


def import_absence(text: str, by: User | None = None, schools=None) -> ImportResult:
    """Check every row first; write nothing unless all rows are good. `schools`: those the
    importer administers (None: every school, as from the command line); a row of another
    school is refused as one of a school that does not exist."""
    result = ImportResult()
    rows = _rows(text, ABSENCE_COLUMNS, result)
    schools = {s.code: s for s in (School.select() if schools is None else schools)}
    plan, seen, breaks = [], {}, {}
    for line, row in rows:
        problems, item = _check(row, schools, breaks)
        if item is not None and not problems:
            key = (item[0].id, item[1].id, item[2], item[3])
            if key in seen:
                problems.append(_("the same student, subject, date and lesson as line "
                                  "%(line)s", line=seen[key]))
            seen[key] = line
        if problems:
            result.errors.append(_("line %(line)s: %(problems)s", line=line,
                                   problems="; ".join(problems)))
        else:
            plan.append(item)
    if result.errors:
        return result
    with database.atomic():
        touched = {}
        for assignment, student, day, lesson, minutes in plan:
            record = record_absence(assignment, student, day, lesson, minutes, by=by, check=False)
            touched[(student.id, record.school_year_id)] = (student, record.school_year)
            result.created += 1
        for student, school_year in touched.values():
            check_warnings(student, school_year)
    return result
