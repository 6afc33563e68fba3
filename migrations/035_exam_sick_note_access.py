"""Peewee migrations -- 035_exam_sick_note_access.py: every opening of a doctor's note for an
exam is logged (exam_sick_note_access), as the openings of the documents of cases are
(attachment_access): a doctor's note is a health document (GDPR art. 9). A new table: the
previous release never reads it (and opens no note)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ExamSickNoteAccess(pw.Model):
        id = pw.AutoField()
        note = pw.ForeignKeyField(column_name='note_id', field='id',
                                  model=migrator.orm['exam_sick_note'], on_delete='CASCADE')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'])
        part = pw.CharField(max_length=32)
        opened_at = pw.DateTimeField()

        class Meta:
            table_name = "exam_sick_note_access"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('exam_sick_note_access')
