"""A student's request for the justification (begrunnelse) of a grade."""

from peewee import BooleanField, DateField, DateTimeField, ForeignKeyField, TextField

from portal.grades.models import Grade
from portal.models import Case
from portal.models.base import BaseModel


class JustificationRequest(BaseModel):
    case = ForeignKeyField(Case, unique=True, backref="justification", on_delete="CASCADE")
    grade = ForeignKeyField(Grade, backref="justifications", on_delete="CASCADE")
    requested_on = DateField()
    learned_on = DateField(null=True)  # grade made known otherwise than electronically
    answer_due = DateField()
    expected_on = DateField(null=True)  # the examiner will be late: when to expect it
    answer = TextField(default="")
    given_orally = BooleanField(default=False)
    answered_at = DateTimeField(null=True)  # restarts the grade-appeal deadline
    # what the examiner had written when they said it would be late: their form shows it
    # again (to the examiners only) until they send the justification (migration 031)
    draft = TextField(null=True)
    # and whether they had ticked that it was given orally (migration 032)
    draft_given_orally = BooleanField(default=False)

    class Meta:
        indexes = ((("grade",), False),)
