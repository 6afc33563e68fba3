"""The exam plan: exams and who is registered for them.

Times are naive UTC (as everywhere in the database); pages show them in Europe/Oslo.
"""

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.models.base import BaseModel, utcnow
from portal.models.classes import Subject
from portal.models.people import User
from portal.models.school import School, SchoolYear

FORMS = ("written", "oral", "practical", "project", "multiple_choice")
STATUSES = ("registered", "withdrawn", "sick_documented", "attended")


class Exam(BaseModel):
    school = ForeignKeyField(School, backref="exams", on_delete="CASCADE")
    school_year = ForeignKeyField(SchoolYear, backref="exams", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="exams", on_delete="CASCADE")
    starts_at = DateTimeField()  # naive UTC
    duration_minutes = IntegerField()
    form = CharField(max_length=32)  # one of FORMS
    aids = CharField(max_length=500, default="")
    location = CharField(max_length=200, default="")
    is_final_assessment = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("school", "school_year", "starts_at"), False), (("subject",), False))

    @property
    def ends_at(self):
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.duration_minutes)


class ExamRegistration(BaseModel):
    exam = ForeignKeyField(Exam, backref="registrations", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="exam_registrations", on_delete="CASCADE")
    attempt = IntegerField(default=1)  # the student's attempt number in this subject
    status = CharField(max_length=32, default="registered")  # one of STATUSES
    registered_at = DateTimeField(default=utcnow)
    changed_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("exam", "student"), True), (("student",), False))

    @property
    def counts(self) -> bool:
        """Whether this registration uses one of the student's attempts."""
        return self.status in ("registered", "attended")


class ExamSickNote(BaseModel):
    """A doctor's note for an exam the student missed (a health document: only the exam
    office opens it, and every opening is logged: ExamSickNoteAccess)."""

    registration = ForeignKeyField(ExamRegistration, backref="sick_notes", on_delete="CASCADE")
    filename = CharField(max_length=255)
    content_type = CharField(max_length=100)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    data = BlobField()
    explanation = TextField(default="")
    uploaded_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("registration",), False),)


class ExamSickNoteAccess(BaseModel):
    """Every opening of a doctor's note (GDPR art. 9: a health document; as AttachmentAccess
    for the documents of cases)."""

    note = ForeignKeyField(ExamSickNote, backref="accesses", on_delete="CASCADE")
    user = ForeignKeyField(User)  # (no cascade, as AttachmentAccess.user: the log is kept)
    part = CharField(max_length=32)
    opened_at = DateTimeField(default=utcnow)
