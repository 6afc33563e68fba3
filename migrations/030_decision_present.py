"""Peewee migrations -- 030_decision_present.py: who took part in the meeting where a decision
was made, as its letter names them (a follow-up's decision is made at a meeting of the
department head with, as the case may be, the principal and the coordinator). NULL for the
decisions before it, those not made at a meeting, and those the previous release makes during
an upgrade (it does not know the column)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("decision", present=pw.TextField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("decision", "present")
