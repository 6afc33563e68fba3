"""Peewee migrations -- 017_partial_indexes.py: two foreign keys that are NULL in most rows are
indexed only where they are set. A study-leave application is linked to an absence note late
or never (study_leave.absence_note_id), and a notification names a class only when it goes to
a whole class (notification.school_class_id); every filing wrote their NULLs into both indexes
(two of the ~37 pages a filing put in SQLite's WAL; make bench). What the indexes are for
(`= id`: the link's lookups, and the database's own ON DELETE SET NULL / CASCADE when an
absence note or a class goes) never asks for NULL, and both databases answer `col = ?` from an
index made WHERE col IS NOT NULL."""

import peewee as pw
from peewee_migrate import Migrator

# (index, table, column), named as migrations made them before
PARTIAL = (
    ("study_leave_absence_note_id", "study_leave", "absence_note_id"),
    ("notification_school_class_id", "notification", "school_class_id"),
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for index, table, column in PARTIAL:
        migrator.sql(f'DROP INDEX "{index}"')
        migrator.sql(f'CREATE INDEX "{index}" ON "{table}" ("{column}") '
                     f'WHERE "{column}" IS NOT NULL')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for index, table, column in PARTIAL:
        migrator.sql(f'DROP INDEX "{index}"')
        migrator.sql(f'CREATE INDEX "{index}" ON "{table}" ("{column}")')
