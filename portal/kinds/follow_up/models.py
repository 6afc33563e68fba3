"""A follow-up case's concerns (one per teacher report) and its conversation and protocol."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField

from portal.models import Case, Subject, User
from portal.models.base import BaseModel, utcnow


class Concern(BaseModel):
    """A teacher's (or the absence limits') report about a student in a subject."""

    case = ForeignKeyField(Case, backref="concerns", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, null=True, on_delete="SET NULL")
    reason = CharField(max_length=32)  # a key of follow_up.REASONS
    reported_by = ForeignKeyField(User, null=True)  # None: reported by the absence limits
    text = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    # the token of the report form that sent it (portal.forms.FilingForm): a form sent twice
    # adds one concern, whether its first send opened the case or joined the open one
    form_token = CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = ((("case", "id"), False),)


class FollowUp(BaseModel):
    """The conversation (summons), its protocol, and the student's signature or comment."""

    case = ForeignKeyField(Case, backref="follow_up", unique=True, on_delete="CASCADE")
    meeting_on = DateField(null=True)
    meeting_time = CharField(max_length=5, null=True)  # "10:15", Oslo time
    place = CharField(max_length=200, null=True)
    protocol = TextField(null=True)
    # the day the conversation was held, as its protocol records it: not before the day the
    # student was summoned, not after the day the protocol was written (rules.py)
    held_on = DateField(null=True)
    protocol_by = ForeignKeyField(User, null=True)
    protocol_at = DateTimeField(null=True)
    signed_at = DateTimeField(null=True)
    student_comment = TextField(null=True)
    commented_at = DateTimeField(null=True)
    decision_meeting_on = DateField(null=True)
    # those who took part in the meeting, one a line: "Randi Rektor (Rektor)" (those
    # recorded before the roles were: the name alone)
    decision_attendees = TextField(null=True)
