"""Peewee migrations -- 022_held_upload.py: a file chosen in a form that came back with
errors elsewhere is held (held_upload) so that the user need not choose it again; the form
carries its token, and it is deleted when the form is sent or after a while
(portal/cases/uploads.py). A new table: the previous release never reads it."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class HeldUpload(pw.Model):
        id = pw.AutoField()
        token = pw.CharField(max_length=64, unique=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        filename = pw.CharField(max_length=255)
        content_type = pw.CharField(max_length=100)
        size = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        data = pw.BlobField()
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "held_upload"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('held_upload')
