"""Grades on exam registrations, and who examines an exam."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from portal.exams.models import Exam, ExamRegistration
from portal.models import User
from portal.models.base import BaseModel, utcnow

LETTERS = ("A", "B", "C", "D", "E", "F")
PASS_FAIL = ("pass", "fail")
FAILING = ("F", "fail")  # the grades that do not pass
CHANNELS = ("electronic", "other")
# Why a grade was set aside (Grade.set_aside_because): a published failing grade undone by a
# doctor's note sent within its window (plan.file_sick_note): the absence is documented, and
# the exam neither counts as an attempt nor has a grade (havbruk: forskriften § 4-6).
DOCUMENTED_ABSENCE = "documented_absence"


class ExamExaminer(BaseModel):
    """An examiner of an exam's ordinary grading (never a new examiner on appeal)."""

    exam = ForeignKeyField(Exam, backref="examiners", on_delete="CASCADE")
    examiner = ForeignKeyField(User, backref="examined", on_delete="CASCADE")

    class Meta:
        indexes = ((("exam", "examiner"), True),)


class Grade(BaseModel):
    registration = ForeignKeyField(ExamRegistration, backref="grades", on_delete="CASCADE")
    grade = CharField(max_length=8)  # A-F, pass, fail
    graded_by = ForeignKeyField(User, backref="grades_given")
    recorded_at = DateTimeField(default=utcnow)
    published_at = DateTimeField(null=True)  # deadlines run from here
    channel = CharField(max_length=16, default="electronic")  # electronic, other
    guidelines = TextField(default="")  # written assessment guidelines, shown with the grade
    has_oral_part = BooleanField(default=False)  # set on written and oral parts together
    origin = CharField(max_length=16, default="ordinary")  # ordinary, regrading, new_grading
    replaced_by = ForeignKeyField("self", null=True, backref="replaces", on_delete="SET NULL")
    is_final = BooleanField(default=False)  # after regrading: cannot be appealed
    # Set aside, not deleted: the grade stays in the record but is no longer the result (no
    # newer grade replaces it: `stands`); why, one of the reasons above (DOCUMENTED_ABSENCE).
    set_aside_at = DateTimeField(null=True)
    set_aside_because = CharField(max_length=32, default="")

    class Meta:
        indexes = ((("registration", "replaced_by"), False),)

    @classmethod
    def stands(cls):
        """The condition of a grade that may be the registration's result: not replaced by a
        newer one (an appeal's new grade) and not set aside. The grade that counts is the
        newest of those (portal.grades.current_grades)."""
        return cls.replaced_by.is_null() & cls.set_aside_at.is_null()

    @property
    def is_set_aside(self) -> bool:
        return self.set_aside_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def scale(self) -> tuple[str, ...]:
        return PASS_FAIL if self.grade in PASS_FAIL else LETTERS
