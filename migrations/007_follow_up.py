"""Peewee migrations -- 007_follow_up.py: follow-up of students at risk (concerns reported,
the conversation, its protocol and the student's signature or comment)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Concern(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE')
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], null=True, on_delete='SET NULL')
        reason = pw.CharField(max_length=32)
        reported_by = pw.ForeignKeyField(column_name='reported_by_id', field='id', model=migrator.orm['user'], null=True)
        text = pw.TextField(default='')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "concern"
            indexes = [(('case', 'id'), False)]

    @migrator.create_model
    class FollowUp(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        meeting_on = pw.DateField(null=True)
        meeting_time = pw.CharField(max_length=5, null=True)
        place = pw.CharField(max_length=200, null=True)
        protocol = pw.TextField(null=True)
        protocol_by = pw.ForeignKeyField(column_name='protocol_by_id', field='id', model=migrator.orm['user'], null=True)
        protocol_at = pw.DateTimeField(null=True)
        signed_at = pw.DateTimeField(null=True)
        student_comment = pw.TextField(null=True)
        commented_at = pw.DateTimeField(null=True)
        decision_meeting_on = pw.DateField(null=True)
        decision_attendees = pw.TextField(null=True)

        class Meta:
            table_name = "follow_up"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('follow_up')
    migrator.remove_model('concern')
