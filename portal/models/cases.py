"""The case engine's tables: case, timeline event, participant, attachment, decision."""

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.models.base import BaseModel, JSONText, utcnow
from portal.models.people import User
from portal.models.school import School, SchoolYear


class CaseCounter(BaseModel):
    """Last case number handed out per school and school year."""

    school = ForeignKeyField(School, on_delete="CASCADE", index=False)  # (school, school_year)
    school_year = ForeignKeyField(SchoolYear, on_delete="CASCADE")
    last_number = IntegerField(default=0)

    class Meta:
        indexes = ((("school", "school_year"), True),)


class Case(BaseModel):
    # (school and student lead composite indexes below: no index of their own; migration 016)
    school = ForeignKeyField(School, backref="cases", on_delete="CASCADE", index=False)
    school_year = ForeignKeyField(SchoolYear, backref="cases", on_delete="CASCADE")
    number = IntegerField()
    kind = CharField(max_length=32)
    state = CharField(max_length=32)
    is_open = BooleanField(default=True)
    student = ForeignKeyField(User, backref="cases", on_delete="CASCADE", index=False)
    title = CharField(max_length=200)
    version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    staff_due_on = DateField(null=True)  # when staff owe the next answer
    # the filing form's own token (portal.forms.FilingForm): a form sent twice files one case
    form_token = CharField(max_length=64, null=True, unique=True)

    class Meta:
        indexes = (
            (("school", "school_year", "number"), True),
            (("student", "updated_at"), False),
            (("kind", "state"), False),
        )

    @property
    def reference(self) -> str:
        """Readable number: the year's first calendar year and a running number, 2026-0042."""
        return f"{self.school_year.starts_on.year}-{self.number:04d}"

    @property
    def etag(self) -> str:
        return f'"c{self.id}v{self.version}"'


class Participant(BaseModel):
    """Who may see a case and why (their part in it)."""

    # No single-column indexes: the two below serve "by case" and "by user" (migration 014).
    case = ForeignKeyField(Case, backref="participants", on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="participations", on_delete="CASCADE", index=False)
    part = CharField(max_length=32)  # a role code: student, contact_teacher, teacher, ...
    added_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("case", "user", "part"), True), (("user", "case"), False))


class CaseListing(BaseModel):
    """A user's cases as their lists read them: one row for each user and case they have a
    part in (however many parts), with what the lists order and filter by, copied from the
    case. The database keeps it, never the app: triggers (migration 015) add the row when the
    user's first part is added, remove it with the last, and copy the case's columns whenever
    they change, in the same statement as the change; and (migration 018) the user's parts in
    the case, read anew whenever they change. So a coordinator's queue reads the 26 newest of
    their rows by index instead of all their cases (which only grow, year by year), with no
    look into participant for their parts.
    """

    user = ForeignKeyField(User, on_delete="CASCADE", index=False)
    case = ForeignKeyField(Case, on_delete="CASCADE", index=False)
    updated_at = DateTimeField()
    version = IntegerField()
    kind = CharField(max_length=32)
    is_open = BooleanField()
    # the user's parts in the case, comma-separated role codes (migration 018)
    parts = CharField(max_length=255, default="")

    class Meta:
        indexes = (
            (("case", "user"), True),
            # newest first, and the filters and the validator's figures from the index alone
            (("user", "updated_at", "case", "kind", "is_open", "version", "parts"), False),
        )


class Event(BaseModel):
    """One line of a case's timeline."""

    case = ForeignKeyField(Case, backref="events", on_delete="CASCADE", index=False)  # (case, id)
    actor = ForeignKeyField(User, null=True, backref="events")
    role = CharField(max_length=32)
    action = CharField(max_length=48)
    state_before = CharField(max_length=32, null=True)
    state_after = CharField(max_length=32)
    text = TextField(default="")
    data = JSONText(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("case", "id"), False),)


class Attachment(BaseModel):
    """A document stored in the database (app servers keep no files of their own)."""

    case = ForeignKeyField(Case, backref="attachments", on_delete="CASCADE")
    uploaded_by = ForeignKeyField(User, backref="uploads")
    filename = CharField(max_length=255)
    content_type = CharField(max_length=100)  # decided from the content, not the client
    size = IntegerField()
    sha256 = CharField(max_length=64)
    is_health = BooleanField(default=False)  # GDPR art. 9: only deciders open it, logged
    purpose = CharField(max_length=48, default="documentation")
    data = BlobField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("case",), False),)


class HeldUpload(BaseModel):
    """A checked file from a form that came back with errors elsewhere, held so that the user
    need not choose it again (a photo found again on a phone); the form carries its token.
    Only its uploader can use it; deleted when the form is sent, else after HOLD_FOR
    (portal/cases/uploads.py). It may be a health document: nobody opens it from here."""

    token = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, on_delete="CASCADE")
    filename = CharField(max_length=255)
    content_type = CharField(max_length=100)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    data = BlobField()
    created_at = DateTimeField(default=utcnow, index=True)


class AttachmentAccess(BaseModel):
    """Every opening of a document, health documents above all."""

    attachment = ForeignKeyField(Attachment, backref="accesses", on_delete="CASCADE")
    user = ForeignKeyField(User)
    part = CharField(max_length=32)
    opened_at = DateTimeField(default=utcnow)


class Decision(BaseModel):
    """An individual decision (enkeltvedtak) with the parts forvaltningsloven requires."""

    case = ForeignKeyField(Case, backref="decisions", on_delete="CASCADE")
    outcome = CharField(max_length=32)  # granted, refused, partly_granted, ...
    summary = TextField()
    reasons = TextField(default="")
    rule_reference = CharField(max_length=200)
    decided_by = ForeignKeyField(User, backref="decisions")
    decided_role = CharField(max_length=32)
    decided_at = DateTimeField(default=utcnow)
    appeal_body = CharField(max_length=200)
    appeal_deadline = DateField()
    appeal_rule = CharField(max_length=200)
    reasons_requested_at = DateTimeField(null=True)
    reasons_given_at = DateTimeField(null=True)
    # those who took part in the meeting where it was decided, one a line ("Randi Rektor
    # (Rektor)"), as the letter names them; None where it was not decided at a meeting
    present = TextField(null=True)

    class Meta:
        indexes = ((("case", "decided_at"), False),)
