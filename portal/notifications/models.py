"""Notifications in the portal, the e-mail outbox, per-user e-mail preferences, reminders sent."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.models import Case, Event, SchoolClass, User
from portal.models.base import BaseModel, utcnow


class Notification(BaseModel):
    """One line in a user's notification list; `text_key` picks the sentence shown."""

    # (user, read_at) and (user, id) lead with it: no index of its own (migration 016)
    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE", index=False)
    case = ForeignKeyField(Case, backref="notifications", null=True, on_delete="CASCADE")
    event = ForeignKeyField(Event, null=True, on_delete="SET NULL")
    # Without a case (an absence warning): the class it concerns, whose overview staff open;
    # indexed where set (below; migration 017)
    school_class = ForeignKeyField(SchoolClass, null=True, on_delete="CASCADE", index=False)
    kind = CharField(max_length=32)  # a key of notifications.KINDS (what preferences switch)
    text_key = CharField(max_length=48)
    due_on = DateField(null=True)  # reminders: the date that is close
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at"), False), (("user", "id"), False))


Notification.add_index(Notification.school_class, where=Notification.school_class.is_null(False))


class Outbox(BaseModel):
    """An e-mail waiting for the worker, written in the transaction of the event it tells of.

    status: pending -> sending (claimed by one worker) -> sent, or back to pending with a later
    next_attempt_at after a failure, or failed after the last attempt. The unique dedupe_key
    keeps one event from queueing the same mail twice.
    """

    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body = TextField()
    status = CharField(max_length=16, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_by = CharField(max_length=100, null=True)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    dedupe_key = CharField(max_length=200, unique=True)
    created_at = DateTimeField(default=utcnow)
    # not sent after this (a password link that no longer works); NULL: no end
    expires_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


class NotificationPreference(BaseModel):
    """A user's choice of e-mail for one kind of notification (no row: e-mail on)."""

    user = ForeignKeyField(User, backref="notification_preferences", on_delete="CASCADE")
    kind = CharField(max_length=32)
    email = BooleanField(default=True)

    class Meta:
        indexes = ((("user", "kind"), True),)


class SentReminder(BaseModel):
    """A deadline reminder that has gone out: the unique key makes each one go out once."""

    key = CharField(max_length=200, unique=True)
    user = ForeignKeyField(User, on_delete="CASCADE")
    case = ForeignKeyField(Case, null=True, on_delete="CASCADE")
    due_on = DateField()
    sent_at = DateTimeField(default=utcnow)
