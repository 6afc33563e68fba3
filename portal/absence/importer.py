"""CSV import of absence records, all or nothing (like portal/importer.py).

absence.csv: school,date,class,subject_code,username,lesson[,minutes_late]
             date as YYYY-MM-DD or DD.MM.YYYY; minutes_late empty or 0 for a missed lesson.
"""

from datetime import date, datetime

from portal.absence import rules
from portal.absence.services import check_warnings, record_absence
from portal.db import database
from portal.importer import ImportResult, _rows
from portal.models import School, SchoolClass, SchoolYear, Subject, TeachingAssignment, User

ABSENCE_COLUMNS = ["school", "date", "class", "subject_code", "username", "lesson"]


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _check(row, schools) -> tuple[list[str], tuple | None]:
    problems = []
    school = schools.get(row["school"])
    day = _date(row["date"])
    if school is None:
        problems.append(f"no school with code {row['school']!r}")
    if day is None:
        problems.append(f"date {row['date']!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
    lesson = int(row["lesson"]) if row["lesson"].isdecimal() else 0
    if not 1 <= lesson <= rules.MAX_LESSON:
        problems.append(f"lesson must be a number from 1 to {rules.MAX_LESSON}")
    minutes_text = row.get("minutes_late") or "0"
    minutes = int(minutes_text) if minutes_text.isdecimal() else -1
    if minutes < 0:
        problems.append("minutes_late must be a whole number of minutes, or empty")
    # (looked up only at a school the importer may import into: the answer tells whether a
    # username exists)
    student = User.by_username(row["username"]) if row["username"] and school else None
    if school is not None and student is None:
        problems.append(f"no user {row['username']!r}")
    if problems:
        return problems, None
    year = (SchoolYear.select().where((SchoolYear.school == school)
                                      & (SchoolYear.starts_on <= day)
                                      & (SchoolYear.ends_on >= day)).first())
    if year is None:
        return [f"{day.isoformat()} is in no school year of {school.code}"], None
    klass = SchoolClass.get_or_none((SchoolClass.school_year == year)
                                    & (SchoolClass.name == row["class"]))
    if klass is None:
        return [f"no class {row['class']!r} in {year.name}"], None
    assignment = (TeachingAssignment.select().join(Subject)
                  .where((TeachingAssignment.school_class == klass)
                         & (Subject.code == row["subject_code"])).first())
    if assignment is None:
        problems.append(f"class {klass.name} has no subject {row['subject_code']!r}")
    if not klass.students().where(User.id == student.id).exists():
        problems.append(f"{student.username} is not in class {klass.name}")
    return problems, (assignment, student, day, lesson, minutes)


def import_absence(text: str, by: User | None = None, schools=None) -> ImportResult:
    """Check every row first; write nothing unless all rows are good. `schools`: those the
    importer administers (None: every school, as from the command line); a row of another
    school is refused as one of a school that does not exist."""
    result = ImportResult()
    rows = _rows(text, ABSENCE_COLUMNS, result)
    schools = {s.code: s for s in (School.select() if schools is None else schools)}
    plan, seen = [], {}
    for line, row in rows:
        problems, item = _check(row, schools)
        if item is not None and not problems:
            key = (item[0].id, item[1].id, item[2], item[3])
            if key in seen:
                problems.append(f"the same student, subject, date and lesson as line {seen[key]}")
            seen[key] = line
        if problems:
            result.errors.append(f"line {line}: " + "; ".join(problems))
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
