"""Peewee migrations -- 029_follow_up_held_on.py: the day a follow-up conversation was held,
as its protocol records it. Until now a protocol recorded no date, so one written before the
day the student was called to still read as the record of a conversation that was held.
NULL for the protocols written before it, and for those the previous release writes during
an upgrade (it does not know the column)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("follow_up", held_on=pw.DateField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("follow_up", "held_on")
