"""An appeal on an individual decision (enkeltvedtak) and the appeals board's votes."""

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from portal.models import Case, Decision, User
from portal.models.base import BaseModel


class DecisionAppeal(BaseModel):
    case = ForeignKeyField(Case, unique=True, backref="decision_appeal", on_delete="CASCADE")
    decision = ForeignKeyField(Decision, backref="appeals", on_delete="CASCADE")
    change_wanted = TextField()
    reasons = TextField()
    signed_at = DateTimeField()  # the student confirmed with their password
    filed_on = DateField()  # Oslo date
    is_late = BooleanField(default=False)  # "for sent" (forvaltningsloven § 31)
    late_explanation = TextField(default="")
    assessment = TextField(default="")  # the first instance's assessment when forwarding
    forwarded_on = DateField(null=True)
    answer_due = DateField(null=True)
    outcome = CharField(max_length=32, null=True)  # reversed, upheld, changed, returned
    # changed by the board: to what, in the student's favour (granted, partly_granted)
    new_outcome = CharField(max_length=32, null=True)
    minutes = TextField(default="")
    meeting_on = DateField(null=True)

    class Meta:
        indexes = ((("decision",), False),)


class BoardVote(BaseModel):
    """One member's vote in the appeals board's meeting on an appeal."""

    appeal = ForeignKeyField(DecisionAppeal, backref="votes", on_delete="CASCADE")
    member = ForeignKeyField(User, backref="board_votes")
    vote = CharField(max_length=32)  # upheld, changed, returned
    is_chair = BooleanField(default=False)

    class Meta:
        indexes = ((("appeal", "member"), True),)
