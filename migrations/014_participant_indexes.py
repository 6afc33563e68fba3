"""Peewee migrations -- 014_participant_indexes.py: participant loses its single-column indexes
on case_id and user_id. The composite indexes (case_id, user_id, part) and (user_id, case_id)
answer the same lookups; the single ones only cost writes, and PostgreSQL's generic plan for
"this user's parts in these cases" picked the one on user_id and read all of a coordinator's
rows (1,500) instead of 25 (docs/benchmark-rounds.md)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("participant", "case")
    migrator.drop_index("participant", "user")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_index("participant", "case")
    migrator.add_index("participant", "user")
