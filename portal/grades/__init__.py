"""Grades: examiners or the exam office record them per exam, the exam office publishes them
(date and channel kept, since deadlines run from them), and the student sees them with the
assessment guidelines, the justification and the appeal deadline."""

from flask import Blueprint

from portal.grades.models import CHANNELS, LETTERS, PASS_FAIL, ExamExaminer, Grade

bp = Blueprint("grades", __name__, template_folder="templates", url_prefix="/grades")


def current_grade(registration):
    """The grade that counts: the newest one not replaced."""
    return current_grades([registration]).get(registration.id)


def current_grades(registrations, set_aside: dict | None = None) -> dict:
    """The grade that counts of each of `registrations`, by registration id, in one query
    (pages list many): the newest that stands (Grade.stands). Each grade's registration is the
    one given, so what was read with it (exam, subject, school) is not read again.

    A grade set aside (a failing grade undone by a doctor's note: plan.file_sick_note) is
    not one that counts; given `set_aside` (a dict), the same query puts those there, by
    registration id, for the pages that say what became of them."""
    by_id = {reg.id: reg for reg in registrations}
    standing = Grade.stands() if set_aside is None else Grade.replaced_by.is_null()
    grades = {}
    for grade in (Grade.select().where(Grade.registration.in_(list(by_id)) & standing)
                  .order_by(Grade.id)):
        grade.registration = by_id[grade.registration_id]
        # the newest wins
        (grades if not grade.is_set_aside else set_aside)[grade.registration_id] = grade
    return grades


def student_grade_or_404(grade_id, student):
    """The student's own published grade (the one that counts: not replaced, not set aside),
    else 404."""
    from flask import abort

    from portal.exams.models import Exam, ExamRegistration

    grade = (Grade.select(Grade, ExamRegistration, Exam).join(ExamRegistration).join(Exam)
             .where((Grade.id == grade_id) & (ExamRegistration.student == student)
                    & Grade.published_at.is_null(False) & Grade.stands())
             .first()) if str(grade_id).isdigit() else None
    if grade is None:
        abort(404)
    return grade


from portal.grades import views  # noqa: E402,F401
from portal.grades.demo import load_demo  # noqa: E402

__all__ = ["CHANNELS", "LETTERS", "PASS_FAIL", "ExamExaminer", "Grade", "bp", "current_grade",
           "current_grades", "student_grade_or_404",
           "load_demo"]
