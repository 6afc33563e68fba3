"""Peewee migrations -- 016_redundant_indexes.py: single-column indexes that lead a composite
index of the same table go (as participant's did in 014). Each lookup they served, the
composite one serves: case by school (school, school_year, number) and by student (student,
updated_at); event by case (case, id); notification by user (user, read_at) and (user, id);
a teacher's answers by case (case, subject) and by teacher (teacher, case); the case counter
by school (school, school_year). They only cost writes: filing an application wrote a page of
each of them (five of the ~41 pages a filing put in SQLite's WAL; make bench)."""

import peewee as pw
from peewee_migrate import Migrator

# (index, table, column): named as migrations 001-003 made them (the model's class name leads
# two of them), so by name rather than worked out from the table
DROPPED = (
    ("case_school_id", "case", "school_id"),
    ("case_student_id", "case", "student_id"),
    ("event_case_id", "event", "case_id"),
    ("notification_user_id", "notification", "user_id"),
    ("teacheranswer_case_id", "study_leave_teacher_answer", "case_id"),
    ("teacheranswer_teacher_id", "study_leave_teacher_answer", "teacher_id"),
    ("casecounter_school_id", "case_counter", "school_id"),
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for index, _table, _column in DROPPED:
        migrator.sql(f'DROP INDEX "{index}"')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for index, table, column in DROPPED:
        migrator.sql(f'CREATE INDEX "{index}" ON "{table}" ("{column}")')
