"""Peewee migrations -- 023_school_break.py: the breaks of a school year (autumn, Christmas,
winter and Easter breaks, planning days), which are no school days: absence is neither
registered nor counted on them (portal/absence/rules.py). Added by IT staff with
`flask add-break`. A new table: the previous release never reads it."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class SchoolBreak(pw.Model):
        id = pw.AutoField()
        school_year = pw.ForeignKeyField(column_name='school_year_id', field='id', model=migrator.orm['school_year'], on_delete='CASCADE')
        name = pw.CharField(max_length=80)
        first_day = pw.DateField()
        last_day = pw.DateField()

        class Meta:
            table_name = "school_break"
            indexes = [(('school_year', 'first_day'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('school_break')
