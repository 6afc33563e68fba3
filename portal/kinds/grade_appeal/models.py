"""An appeal on a grade (klage på karakter): re-graded blind by new examiners."""

from peewee import BooleanField, DateField, ForeignKeyField, TextField

from portal.grades.models import Grade
from portal.models import Case
from portal.models.base import BaseModel


class GradeAppeal(BaseModel):
    case = ForeignKeyField(Case, unique=True, backref="grade_appeal", on_delete="CASCADE")
    grade = ForeignKeyField(Grade, backref="appeals", on_delete="CASCADE")  # the appealed one
    reasons = TextField(default="")  # never shown to the new examiners
    filed_on = DateField()
    is_late = BooleanField(default=False)  # "for sent" (forvaltningsloven § 31)
    late_explanation = TextField(default="")
    answer_due = DateField(null=True)
    new_grade = ForeignKeyField(Grade, null=True, backref="from_appeal", on_delete="SET NULL")
    new_oral_required = BooleanField(default=False)  # written+oral grade, written part changed

    class Meta:
        indexes = ((("grade",), False),)
