"""Peewee migrations -- 032_justification_draft_orally.py: whether the examiner had ticked
"given orally" when they said the justification would be late, kept with what they had
written (the draft, migration 031) for them to finish and send. The column has its default
in the database: false for the requests before it and for those the previous release writes
during an upgrade (it does not know the column)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "justification_request",
        draft_given_orally=pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")]),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("justification_request", "draft_given_orally")
