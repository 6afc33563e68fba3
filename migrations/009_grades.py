"""Peewee migrations -- 009_grades.py: grades and the examiners of an exam."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext  # noqa: F401


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ExamExaminer(pw.Model):
        id = pw.AutoField()
        exam = pw.ForeignKeyField(column_name='exam_id', field='id', model=migrator.orm['exam'], on_delete='CASCADE')
        examiner = pw.ForeignKeyField(column_name='examiner_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')

        class Meta:
            table_name = "exam_examiner"
            indexes = [(('exam', 'examiner'), True)]

    @migrator.create_model
    class Grade(pw.Model):
        id = pw.AutoField()
        registration = pw.ForeignKeyField(column_name='registration_id', field='id', model=migrator.orm['exam_registration'], on_delete='CASCADE')
        grade = pw.CharField(max_length=8)
        graded_by = pw.ForeignKeyField(column_name='graded_by_id', field='id', model=migrator.orm['user'])
        recorded_at = pw.DateTimeField()
        published_at = pw.DateTimeField(null=True)
        channel = pw.CharField(default='electronic', max_length=16)
        guidelines = pw.TextField(default='')
        has_oral_part = pw.BooleanField(default=False)
        origin = pw.CharField(default='ordinary', max_length=16)
        replaced_by = pw.ForeignKeyField(column_name='replaced_by_id', field='id', model='self', null=True, on_delete='SET NULL')
        is_final = pw.BooleanField(default=False)

        class Meta:
            table_name = "grade"
            indexes = [(('registration', 'replaced_by'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('grade')
    migrator.remove_model('exam_examiner')
