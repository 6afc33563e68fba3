"""Peewee migrations -- 012_notification_class.py: a notification without a case (an absence
warning) names the class it concerns, so staff can open that class's overview."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "notification",
        school_class=pw.ForeignKeyField(column_name="school_class_id", field="id",
                                        model=migrator.orm["school_class"], null=True,
                                        on_delete="CASCADE"),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("notification", "school_class")
