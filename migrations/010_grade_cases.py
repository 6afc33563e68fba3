"""Peewee migrations -- 010_grade_cases.py: justification requests, grade appeals, appeals
on formal errors."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext  # noqa: F401


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class JustificationRequest(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        grade = pw.ForeignKeyField(column_name='grade_id', field='id', model=migrator.orm['grade'], on_delete='CASCADE')
        requested_on = pw.DateField()
        learned_on = pw.DateField(null=True)
        answer_due = pw.DateField()
        expected_on = pw.DateField(null=True)
        answer = pw.TextField(default='')
        given_orally = pw.BooleanField(default=False)
        answered_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "justification_request"
            indexes = [(('grade',), False)]

    @migrator.create_model
    class GradeAppeal(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        grade = pw.ForeignKeyField(column_name='grade_id', field='id', model=migrator.orm['grade'], on_delete='CASCADE')
        reasons = pw.TextField(default='')
        filed_on = pw.DateField()
        answer_due = pw.DateField(null=True)
        new_grade = pw.ForeignKeyField(column_name='new_grade_id', field='id', model=migrator.orm['grade'], null=True, on_delete='SET NULL')
        new_oral_required = pw.BooleanField(default=False)

        class Meta:
            table_name = "grade_appeal"
            indexes = [(('grade',), False)]

    @migrator.create_model
    class FormalErrorAppeal(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        grade = pw.ForeignKeyField(column_name='grade_id', field='id', model=migrator.orm['grade'], on_delete='CASCADE')
        learned_on = pw.DateField()
        description = pw.TextField()
        filed_on = pw.DateField()
        assessment = pw.TextField(default='')
        outcome = pw.CharField(max_length=16, null=True)
        scope = pw.CharField(max_length=8, null=True)
        board_reasons = pw.TextField(default='')

        class Meta:
            table_name = "formal_error_appeal"
            indexes = [(('grade',), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('formal_error_appeal')
    migrator.remove_model('grade_appeal')
    migrator.remove_model('justification_request')
