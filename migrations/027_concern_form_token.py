"""Peewee migrations -- 027_concern_form_token.py: the token of the report form a concern
was sent with. A teacher's report form carries a token of its own (portal.forms.FilingForm),
as the students' filing forms do since 026; a concern mostly joins the student's open
follow-up case instead of filing one, so the token is kept on the concern: a second send of
the same form finds it and adds nothing. NULL for the concerns before it, those the absence
limits report, and those the previous release adds during an upgrade."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # (unique: peewee-migrate adds the column, then its index, concern_form_token)
    migrator.add_fields("concern", form_token=pw.CharField(max_length=64, null=True, unique=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("concern", "form_token")
    migrator.remove_fields("concern", "form_token")
