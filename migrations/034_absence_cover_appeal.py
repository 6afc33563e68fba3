"""Peewee migrations -- 034_absence_cover_appeal.py: the appeal whose ruling keeps a day off
the diploma over the limit of school days a year (opplæringslova § 3-47; the appeals body may
decide so), so that the student's count against the limit never passes it and the day is
shown beside it, naming the ruling. NULL for every cover before it, for every cover within
the limit, and for those the previous release writes during an upgrade (it does not know the
column). Indexed only where set, as migration 017's: nearly every row is NULL, and what the
index is for (`= id`: ON DELETE SET NULL when an appeal's case goes) never asks for NULL."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "absence_cover",
        appeal=pw.ForeignKeyField(column_name="appeal_id", field="id",
                                  model=migrator.orm["case"], null=True, on_delete="SET NULL",
                                  index=False),
    )
    migrator.sql('CREATE INDEX "absence_cover_appeal_id" ON "absence_cover" ("appeal_id") '
                 'WHERE "appeal_id" IS NOT NULL')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql('DROP INDEX "absence_cover_appeal_id"')
    migrator.remove_fields("absence_cover", "appeal")
