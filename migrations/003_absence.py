"""Peewee migrations -- 003_absence.py: absence records per lesson, what accepted absence
notes cover, chronic-condition documents on file, warnings, and the absence note itself."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class AbsenceRecord(pw.Model):
        id = pw.AutoField()
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['teaching_assignment'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        date = pw.DateField()
        lesson = pw.IntegerField()
        minutes_late = pw.IntegerField(default=0)
        documented = pw.BooleanField(default=False)
        struck = pw.BooleanField(default=False)
        category = pw.CharField(max_length=16, null=True)
        corrected = pw.BooleanField(default=False)
        recorded_by = pw.ForeignKeyField(column_name='recorded_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        recorded_at = pw.DateTimeField()

        class Meta:
            table_name = "absence_record"
            indexes = [(('student', 'assignment', 'date', 'lesson'), True), (('school_year', 'student'), False), (('assignment', 'date'), False)]

    @migrator.create_model
    class AbsenceCover(pw.Model):
        id = pw.AutoField()
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        date = pw.DateField()
        lesson = pw.IntegerField(null=True)
        category = pw.CharField(max_length=16)
        documented = pw.BooleanField(default=True)
        struck = pw.BooleanField(default=False)

        class Meta:
            table_name = "absence_cover"
            indexes = [(('student', 'school_year', 'date'), False), (('case',), False)]

    @migrator.create_model
    class ChronicCondition(pw.Model):
        id = pw.AutoField()
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], null=True, on_delete='SET NULL')
        accepted_by = pw.ForeignKeyField(column_name='accepted_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        accepted_at = pw.DateTimeField()

        class Meta:
            table_name = "chronic_condition"
            indexes = [(('student', 'school_year'), True)]

    @migrator.create_model
    class AbsenceWarning(pw.Model):
        id = pw.AutoField()
        student = pw.ForeignKeyField(column_name='student_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        assignment = pw.ForeignKeyField(column_name='assignment_id', field='id', model=migrator.orm['teaching_assignment'], on_delete='CASCADE')
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        rule_key = pw.CharField(max_length=64)
        percent = pw.FloatField()
        follow_up = pw.ForeignKeyField(column_name='follow_up_id', field='id', model=migrator.orm['case'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "absence_warning"
            indexes = [(('student', 'assignment', 'rule_key'), True), (('school_year', 'student'), False)]

    @migrator.create_model
    class AbsenceNote(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        category = pw.CharField(max_length=16)
        scope = pw.CharField(max_length=8)
        first_day = pw.DateField(null=True)
        last_day = pw.DateField(null=True)
        lesson_day = pw.DateField(null=True)
        lessons = pw.CharField(default='', max_length=64)
        chronic = pw.BooleanField(default=False)
        records = pw.TextField(null=True)
        explanation = pw.TextField(default='')
        missing = pw.TextField(default='')
        outcome = pw.TextField(null=True)

        class Meta:
            table_name = "absence_note"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('absence_note')
    migrator.remove_model('absence_warning')
    migrator.remove_model('chronic_condition')
    migrator.remove_model('absence_cover')
    migrator.remove_model('absence_record')
