"""Peewee migrations -- 028_late_grade_appeals.py: an appeal on a grade or on a formal error
filed after its deadline is received, flagged "for sent" with the student's explanation, for
those who decide it to judge (forvaltningsloven § 31), as an appeal on a decision is
(decision_appeal.is_late, late_explanation). The columns have their defaults in the database:
an appeal the previous release files during an upgrade is on time, with no explanation."""

import peewee as pw
from peewee_migrate import Migrator

TABLES = ("grade_appeal", "formal_error_appeal")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in TABLES:
        migrator.add_fields(
            table,
            is_late=pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")]),
            late_explanation=pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")]),
        )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in TABLES:
        migrator.remove_fields(table, "is_late", "late_explanation")
