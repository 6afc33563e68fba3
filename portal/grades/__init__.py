"""Grades: examiners or the exam office record them per exam, the exam office publishes them
(date and channel kept, since deadlines run from them), and the student sees them with the
assessment guidelines, the justification and the appeal deadline."""

from flask import Blueprint

from portal.grades.models import CHANNELS, LETTERS, PASS_FAIL, ExamExaminer, Grade

bp = Blueprint("grades", __name__, template_folder="templates", url_prefix="/grades")


def current_grade(registration):
    """The grade that counts: the newest one not replaced."""
    return (Grade.select().where((Grade.registration == registration)
                                 & Grade.replaced_by.is_null())
            .order_by(Grade.id.desc()).first())


def student_grade_or_404(grade_id, student):
    """The student's own published grade (the one that counts), else 404."""
    from flask import abort

    from portal.exams.models import Exam, ExamRegistration

    grade = (Grade.select(Grade, ExamRegistration, Exam).join(ExamRegistration).join(Exam)
             .where((Grade.id == grade_id) & (ExamRegistration.student == student)
                    & Grade.published_at.is_null(False) & Grade.replaced_by.is_null())
             .first()) if str(grade_id).isdigit() else None
    if grade is None:
        abort(404)
    return grade


from portal.grades import views  # noqa: E402,F401
from portal.grades.demo import load_demo  # noqa: E402

__all__ = ["CHANNELS", "LETTERS", "PASS_FAIL", "ExamExaminer", "Grade", "bp", "current_grade",
           "student_grade_or_404",
           "load_demo"]
