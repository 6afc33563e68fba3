"""Peewee migrations -- 026_case_form_token.py: the token of the form a case was filed with.
Each filing form carries a token of its own (portal.forms.FilingForm); a second send of the
same form (a double tap, the browser sending it again after a slow connection) finds its
case by it instead of filing another, and the unique index settles two sends at the same
moment. NULL for the cases before it, and for those the previous release files during an
upgrade (it does not know the column)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # (unique: peewee-migrate adds the column, then its index, case_form_token)
    migrator.add_fields("case", form_token=pw.CharField(max_length=64, null=True, unique=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("case", "form_token")
    migrator.remove_fields("case", "form_token")
