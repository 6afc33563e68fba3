"""Reminders to the student of a granted study leave (registered with the notifications
package's `student_deadlines`; imported by the kind only when that package is installed).

Within the school's reminder lead time before the period's last day, and not after it:
- tasks approved by a subject teacher that are not yet marked done, and
- no documentation for the period yet (no document added with the "documentation" step and
  no absence note linked).
Each reminder goes out once: its key names the case, the last day and the student.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from peewee import fn

from portal.kinds.study_leave.models import StudyLeave, TeacherAnswer
from portal.models import Attachment, Case, School, User
from portal.notifications.reminders import LOOKAHEAD, Due, lead_days, student_deadlines

GRANTED = "granted"  # the coordinator has answered; the student works through the tasks


def _granted_leaves(today: date) -> list[StudyLeave]:
    """Granted leaves whose last day is today or later (within the widest lead time), with
    their case, school and student in the same query."""
    return list(
        StudyLeave.select(StudyLeave, Case, School, User)
        .join(Case)
        .join(School, on=(Case.school == School.id))
        .switch(Case)
        .join(User, on=(Case.student == User.id))
        .where((Case.kind == "study_leave") & (Case.state == GRANTED)
               & (StudyLeave.last_day >= today) & (StudyLeave.last_day <= today + LOOKAHEAD))
        .order_by(StudyLeave.last_day, Case.id)
    )


def _open_task_counts(case_ids: list[int]) -> dict[int, int]:
    """Approved tasks not yet marked done, per case."""
    rows = (TeacherAnswer.select(TeacherAnswer.case, fn.COUNT(TeacherAnswer.id).alias("n"))
            .where(TeacherAnswer.case.in_(case_ids) & (TeacherAnswer.decision == "approved")
                   & ~TeacherAnswer.done)
            .group_by(TeacherAnswer.case)
            .tuples())
    return dict(rows)


def _documented(leaves: list[StudyLeave]) -> set[int]:
    """Ids of the cases that have documentation for the period: a document added with the
    documentation step, or an absence note linked."""
    ids = [leave.case.id for leave in leaves]
    found = {case_id for (case_id,) in
             Attachment.select(Attachment.case)
             .where(Attachment.case.in_(ids) & (Attachment.purpose == "documentation"))
             .distinct().tuples()}
    found |= {leave.case.id for leave in leaves
              if leave.absence_note_id is not None}
    return found


def study_leave_deadlines(today: date) -> Iterable[Due]:
    """The student's open tasks and missing documentation of granted study leaves whose last
    day is within the school's reminder lead time (and has not passed)."""
    leaves = [leave for leave in _granted_leaves(today)
              if leave.last_day <= today + timedelta(days=lead_days(leave.case.school))]
    if not leaves:
        return
    open_tasks = _open_task_counts([leave.case.id for leave in leaves])
    documented = _documented(leaves)
    for leave in leaves:
        case = leave.case
        student = case.student
        if open_tasks.get(case.id):
            yield Due(key=f"study-leave-tasks:{case.id}:{leave.last_day}:{student.id}",
                      user=student, case=case, due_on=leave.last_day,
                      text_key="reminder_tasks")
        if case.id not in documented:
            yield Due(key=f"study-leave-documentation:{case.id}:{leave.last_day}:{student.id}",
                      user=student, case=case, due_on=leave.last_day,
                      text_key="reminder_documentation")


if study_leave_deadlines not in student_deadlines:
    student_deadlines.append(study_leave_deadlines)
