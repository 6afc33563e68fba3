"""Peewee migrations -- 020_outbox_expires_at.py: an e-mail may have an end after which it is
not sent (outbox.expires_at): a password link (portal/auth/reset.py) works for an hour, and
the mail worker's retries (up to six hours apart) or `send-mail --retry-failed` must not
deliver it after that. NULL, every other mail: no end."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("outbox", expires_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("outbox", "expires_at")
