"""Peewee migrations -- 006_notifications.py: notifications, the e-mail outbox, e-mail
preferences and the record of reminders sent."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Notification(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], null=True, on_delete='CASCADE')
        event = pw.ForeignKeyField(column_name='event_id', field='id', model=migrator.orm['event'], null=True, on_delete='SET NULL')
        kind = pw.CharField(max_length=32)
        text_key = pw.CharField(max_length=48)
        due_on = pw.DateField(null=True)
        created_at = pw.DateTimeField()
        read_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "notification"
            indexes = [(('user', 'read_at'), False), (('user', 'id'), False)]

    @migrator.create_model
    class Outbox(pw.Model):
        id = pw.AutoField()
        recipient = pw.CharField(max_length=254)
        subject = pw.CharField(max_length=200)
        body = pw.TextField()
        status = pw.CharField(default='pending', max_length=16)
        attempts = pw.IntegerField(default=0)
        next_attempt_at = pw.DateTimeField()
        claimed_by = pw.CharField(max_length=100, null=True)
        claimed_at = pw.DateTimeField(null=True)
        sent_at = pw.DateTimeField(null=True)
        last_error = pw.TextField(null=True)
        dedupe_key = pw.CharField(max_length=200, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "outbox"
            indexes = [(('status', 'next_attempt_at'), False)]

    @migrator.create_model
    class NotificationPreference(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        kind = pw.CharField(max_length=32)
        email = pw.BooleanField(default=True)

        class Meta:
            table_name = "notification_preference"
            indexes = [(('user', 'kind'), True)]

    @migrator.create_model
    class SentReminder(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=200, unique=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], null=True, on_delete='CASCADE')
        due_on = pw.DateField()
        sent_at = pw.DateTimeField()

        class Meta:
            table_name = "sent_reminder"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('sent_reminder')
    migrator.remove_model('notification_preference')
    migrator.remove_model('outbox')
    migrator.remove_model('notification')
