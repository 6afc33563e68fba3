"""Peewee migrations -- 024_study_leave_documentation_health.py: the documentation a student
adds for a study leave's period stands in for an absence note, so it may be a doctor's note;
since this release it is a health document (only the student and the year coordinator open
it, every opening logged). This marks the ones added before it the same way. Data only: the
previous release reads the flag as it always did, and only shows them to fewer people."""

import peewee as pw
from peewee_migrate import Migrator


def _postgresql(database) -> bool:
    return isinstance(getattr(database, "obj", None) or database, pw.PostgresqlDatabase)


def statement(postgresql: bool) -> str:
    true, false = ("TRUE", "FALSE") if postgresql else ("1", "0")
    return (f"UPDATE attachment SET is_health = {true} WHERE is_health = {false}"
            " AND purpose = 'documentation'"
            ' AND case_id IN (SELECT id FROM "case" WHERE kind = \'study_leave\')')


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql(statement(_postgresql(database)))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    pass  # (which of them were health documents before is not known: they stay marked)
