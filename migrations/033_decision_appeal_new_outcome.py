"""Peewee migrations -- 033_decision_appeal_new_outcome.py: what the appeals board changed a
decision to (granted, partly_granted), so that the change can be applied to the case it was
made in. NULL for the appeals before it, those the board did not change, and those the
previous release records during an upgrade (it does not know the column)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("decision_appeal", new_outcome=pw.CharField(max_length=32, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("decision_appeal", "new_outcome")
