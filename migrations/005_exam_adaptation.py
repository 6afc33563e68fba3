"""Peewee migrations -- 005_exam_adaptation.py: exam adaptation applications."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext  # noqa: F401


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ExamAdaptationApplication(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        all_exams = pw.BooleanField(default=False)
        acute = pw.BooleanField(default=False)
        acute_explanation = pw.TextField(default='')
        reason = pw.TextField(default='')

        class Meta:
            table_name = "exam_adaptation_application"

    @migrator.create_model
    class ExamAdaptationExam(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        exam = pw.ForeignKeyField(column_name='exam_id', field='id', model=migrator.orm['exam'], on_delete='CASCADE')

        class Meta:
            table_name = "exam_adaptation_exam"
            indexes = [(('case', 'exam'), True), (('exam',), False)]

    @migrator.create_model
    class ExamAdaptationItem(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        adaptation = pw.CharField(max_length=32)
        minutes = pw.IntegerField(null=True)
        detail = pw.TextField(default='')
        outcome = pw.CharField(max_length=32, null=True)
        granted_minutes = pw.IntegerField(null=True)
        decision_reason = pw.TextField(default='')

        class Meta:
            table_name = "exam_adaptation_item"
            indexes = [(('case',), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('exam_adaptation_item')
    migrator.remove_model('exam_adaptation_exam')
    migrator.remove_model('exam_adaptation_application')
