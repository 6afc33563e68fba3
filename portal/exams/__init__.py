"""The exam plan: exams, registrations, withdrawal, sick notes, attempts."""

from portal.exams.models import (
    FORMS,
    STATUSES,
    Exam,
    ExamRegistration,
    ExamSickNote,
    ExamSickNoteAccess,
)
from portal.exams.views import bp


def load_demo(today):
    """An exam plan for both demo schools, with students registered."""
    from portal.exams.demo import load

    load(today)


__all__ = ["FORMS", "STATUSES", "Exam", "ExamRegistration", "ExamSickNote", "ExamSickNoteAccess",
           "bp", "load_demo"]
