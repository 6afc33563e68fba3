"""Peewee migrations -- 008_decision_appeal.py: appeals on decisions and the board's votes."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext  # noqa: F401


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class DecisionAppeal(pw.Model):
        id = pw.AutoField()
        case = pw.ForeignKeyField(column_name='case_id', field='id', model=migrator.orm['case'], on_delete='CASCADE', unique=True)
        decision = pw.ForeignKeyField(column_name='decision_id', field='id', model=migrator.orm['decision'], on_delete='CASCADE')
        change_wanted = pw.TextField()
        reasons = pw.TextField()
        signed_at = pw.DateTimeField()
        filed_on = pw.DateField()
        is_late = pw.BooleanField(default=False)
        late_explanation = pw.TextField(default='')
        assessment = pw.TextField(default='')
        forwarded_on = pw.DateField(null=True)
        answer_due = pw.DateField(null=True)
        outcome = pw.CharField(max_length=32, null=True)
        minutes = pw.TextField(default='')
        meeting_on = pw.DateField(null=True)

        class Meta:
            table_name = "decision_appeal"
            indexes = [(('decision',), False)]

    @migrator.create_model
    class BoardVote(pw.Model):
        id = pw.AutoField()
        appeal = pw.ForeignKeyField(column_name='appeal_id', field='id', model=migrator.orm['decision_appeal'], on_delete='CASCADE')
        member = pw.ForeignKeyField(column_name='member_id', field='id', model=migrator.orm['user'])
        vote = pw.CharField(max_length=32)
        is_chair = pw.BooleanField(default=False)

        class Meta:
            table_name = "board_vote"
            indexes = [(('appeal', 'member'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('board_vote')
    migrator.remove_model('decision_appeal')
