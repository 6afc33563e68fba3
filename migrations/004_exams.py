"""Peewee migrations -- 004_exams.py: the exam plan (exams, registrations, sick notes)."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext  # noqa: F401


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Exam(pw.Model):
        id = pw.AutoField()
        school = pw.ForeignKeyField(column_name='school_id', field='id', model=migrator.orm['school'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='CASCADE')
        starts_at = pw.DateTimeField()
        duration_minutes = pw.IntegerField()
        form = pw.CharField(max_length=32)
        aids = pw.CharField(default='', max_length=500)
        location = pw.CharField(default='', max_length=200)
        is_final_assessment = pw.BooleanField(default=False)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "exam"
            indexes = [(('school', 'school_year', 'starts_at'), False), (('subject',), False)]

    @migrator.create_model
    class ExamRegistration(pw.Model):
        id = pw.AutoField()
        exam = pw.ForeignKeyField(column_name='exam_id', field='id', model=migrator.orm['exam'], on_delete='CASCADE')
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        attempt = pw.IntegerField(default=1)
        status = pw.CharField(default='registered', max_length=32)
        registered_at = pw.DateTimeField()
        changed_at = pw.DateTimeField()

        class Meta:
            table_name = "exam_registration"
            indexes = [(('exam', 'student'), True), (('student',), False)]

    @migrator.create_model
    class ExamSickNote(pw.Model):
        id = pw.AutoField()
        registration = pw.ForeignKeyField(column_name='registration_id', field='id', model=migrator.orm['exam_registration'], on_delete='CASCADE')
        filename = pw.CharField(max_length=255)
        content_type = pw.CharField(max_length=100)
        size = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        data = pw.BlobField()
        explanation = pw.TextField(default='')
        uploaded_at = pw.DateTimeField()

        class Meta:
            table_name = "exam_sick_note"
            indexes = [(('registration',), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('exam_sick_note')
    migrator.remove_model('exam_registration')
    migrator.remove_model('exam')
