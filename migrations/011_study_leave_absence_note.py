"""Peewee migrations -- 011_study_leave_absence_note.py: a study leave links the student's
absence note for the period."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "study_leave",
        absence_note=pw.ForeignKeyField(column_name="absence_note_id", field="id",
                                        model=migrator.orm["case"], null=True,
                                        on_delete="SET NULL"),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("study_leave", "absence_note")
