"""Peewee migrations -- 031_justification_draft.py: what an examiner had written of a grade
justification when they said it would be late, kept for them to finish and send (it is shown
to no one else). NULL for the requests before it, those with nothing written, and those the
previous release changes during an upgrade (it does not know the column)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("justification_request", draft=pw.TextField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("justification_request", "draft")
