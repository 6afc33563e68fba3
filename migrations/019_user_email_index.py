"""Peewee migrations -- 019_user_email_index.py: the accounts are found by their e-mail address
in any letter case (a forgotten password, portal/auth/reset.py: `lower(email) = ?`), from an
index of that expression rather than by reading every user."""

import peewee as pw
from peewee_migrate import Migrator

INDEX = "user_email_lower"


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql(f'CREATE INDEX "{INDEX}" ON "user" (lower("email"))')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql(f'DROP INDEX "{INDEX}"')
