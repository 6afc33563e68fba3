"""An appeal on a formal error at an exam (in the exam task, its conduct or the grading)."""

from peewee import BooleanField, CharField, DateField, ForeignKeyField, TextField

from portal.grades.models import Grade
from portal.models import Case
from portal.models.base import BaseModel


class FormalErrorAppeal(BaseModel):
    case = ForeignKeyField(Case, unique=True, backref="formal_error_appeal", on_delete="CASCADE")
    grade = ForeignKeyField(Grade, backref="formal_error_appeals", on_delete="CASCADE")
    learned_on = DateField()  # when the student learned (or should have) of the error
    description = TextField()
    filed_on = DateField()
    is_late = BooleanField(default=False)  # "for sent" (forvaltningsloven § 31)
    late_explanation = TextField(default="")
    assessment = TextField(default="")  # the principal's, when forwarding to the board
    outcome = CharField(max_length=16, null=True)  # rejected, new_grading, new_exam
    scope = CharField(max_length=8, null=True)  # one, all (candidates)
    board_reasons = TextField(default="")

    class Meta:
        indexes = ((("grade",), False),)
