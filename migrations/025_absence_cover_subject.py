"""Peewee migrations -- 025_absence_cover_subject.py: a cover may hold for one subject only.
A completed study leave records R (organised study work) only in the subjects whose teacher
approved it; the lessons of a subject whose teacher declined stay absence. NULL, as every
cover before it, holds for every subject. The previous release does not read the column and
would treat such a cover as holding for all subjects of its day."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "absence_cover",
        subject=pw.ForeignKeyField(column_name="subject_id", field="id",
                                   model=migrator.orm["subject"], null=True,
                                   on_delete="CASCADE"),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("absence_cover", "subject")
