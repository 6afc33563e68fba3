"""Peewee migrations -- 013_subject_practice.py: a subject may be a practice period (praksis),
where a profile can require more attendance."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("subject", practice=pw.BooleanField(default=False))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("subject", "practice")
