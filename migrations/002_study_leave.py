"""Peewee migrations -- 002_study_leave.py: selvstendig studiearbeid (application, teachers' answers)."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext  # noqa: F401


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class StudyLeave(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        school_class = pw.ForeignKeyField(column_name='school_class_id', field='id', model=migrator.orm['school_class'], null=True, on_delete='SET NULL')
        first_day = pw.DateField()
        last_day = pw.DateField()
        reason = pw.TextField()
        is_sports_event = pw.BooleanField(default=False)
        parents_informed = pw.BooleanField(default=False)
        club_informed = pw.BooleanField(default=False)
        registered_r_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "study_leave"
            indexes = [(('first_day',), False)]

    @migrator.create_model
    class TeacherAnswer(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='CASCADE')
        teacher = pw.ForeignKeyField(column_name='teacher_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        decision = pw.CharField(max_length=16, null=True)
        text = pw.TextField(default='')
        answered_at = pw.DateTimeField(null=True)
        done = pw.BooleanField(default=False)
        done_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "study_leave_teacher_answer"
            indexes = [(('case', 'subject'), True), (('teacher', 'case'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('study_leave_teacher_answer')
    migrator.remove_model('study_leave')
