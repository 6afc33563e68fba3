"""Demo absence: enough records that the overviews are not empty, and one student in 1STA
near the 10 % limit in one subject."""

from datetime import date, timedelta

from portal.absence.services import check_warnings, record_absence
from portal.models import SchoolBreak, SchoolClass, SchoolYear, TeachingAssignment
from portal.rules.calendar import school_days


def _past_school_days(year: SchoolYear, today: date, count: int) -> list[date]:
    end = min(today - timedelta(days=1), year.ends_on)
    days = school_days(year.starts_on, end, SchoolBreak.of(year)) if end >= year.starts_on else []
    return days[-count:]


def load_demo(today: date) -> None:
    """Some absence in every demo class; elev1 close to the limit in the first subject."""
    for klass in SchoolClass.select().order_by(SchoolClass.id):
        year = klass.school_year
        days = _past_school_days(year, today, 40)
        if not days:
            continue
        assignments = list(TeachingAssignment.select()
                           .where(TeachingAssignment.school_class == klass)
                           .order_by(TeachingAssignment.id))
        students = list(klass.students())
        touched = set()
        for n, student in enumerate(students):
            for k in range(n % 4):  # a spread: none, one, two or three lessons
                a = assignments[(n + k) % len(assignments)]
                day = days[(n * 3 + k * 7) % len(days)]
                record_absence(a, student, day, 1 + k, minutes_late=10 if k == 2 else 0,
                               by=a.teacher, check=False)
                touched.add(student)
        near = next((s for s in students if s.username == "elev1"), None)
        if near is not None and assignments:
            a = assignments[0]
            # just under the limit: 9 % of the planned lessons
            for i, day in enumerate(days[: int(a.planned_lessons * 0.09)]):
                record_absence(a, near, day, 2 + i % 3, by=a.teacher, check=False)
            touched.add(near)
        for student in touched:
            check_warnings(student, year)
