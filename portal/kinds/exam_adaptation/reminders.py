"""A reminder to the student whose exam adaptation waits for documentation (registered with
the notifications package's `student_deadlines`; imported by the kind only when that package
is installed).

The deadline is the profile's last day to apply for the earliest covered exam whose deadline
has not passed (`rules.application_deadline`); the student hears of it once, within the
school's reminder lead time before that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from portal.exams.models import Exam
from portal.kinds.exam_adaptation import rules
from portal.kinds.exam_adaptation.models import ExamAdaptationExam
from portal.models import Case, School, User
from portal.notifications.reminders import Due, lead_days, student_deadlines

WAITING = "needs_documentation"


def _covered_exams(today: date) -> dict[int, tuple[Case, list[Exam]]]:
    """Per case waiting for documentation: its exams not yet begun, earliest first (case,
    school and student loaded in the same query)."""
    rows = (ExamAdaptationExam.select(ExamAdaptationExam, Exam, Case, School, User)
            .join(Exam)
            .switch(ExamAdaptationExam)
            .join(Case)
            .join(School, on=(Case.school == School.id))
            .switch(Case)
            .join(User, on=(Case.student == User.id))
            .where((Case.kind == "exam_adaptation") & (Case.state == WAITING)
                   & (Exam.starts_at >= datetime.combine(today, datetime.min.time())))
            .order_by(Case.id, Exam.starts_at))
    found: dict[int, tuple[Case, list[Exam]]] = {}
    for row in rows:
        exam = row.exam
        if exam.school_id == row.case.school_id:
            exam.school = row.case.school  # already loaded: no query per exam for the rules
        found.setdefault(row.case.id, (row.case, []))[1].append(exam)
    return found


def exam_adaptation_deadlines(today: date) -> Iterable[Due]:
    """Cases waiting for the student's documentation whose application deadline (of the
    earliest covered exam still ahead) is within the lead time and has not passed."""
    for case, exams in _covered_exams(today).values():
        for exam in exams:
            deadline = rules.application_deadline(exam)
            if deadline is None or deadline.due < today:
                continue
            if deadline.due <= today + timedelta(days=lead_days(case.school)):
                yield Due(key=(f"exam-adaptation-documentation:{case.id}:{exam.id}:"
                               f"{deadline.due}:{case.student_id}"),
                          user=case.student, case=case, due_on=deadline.due,
                          text_key="reminder_documentation")
            break  # only the earliest deadline still ahead


if exam_adaptation_deadlines not in student_deadlines:
    student_deadlines.append(exam_adaptation_deadlines)
