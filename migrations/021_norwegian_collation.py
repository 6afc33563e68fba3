"""Peewee migrations -- 021_norwegian_collation.py: lists of names are ordered in Norwegian
(portal/collation.py). PostgreSQL gets an ICU collation for nb-NO, whatever the cluster's
locale; SQLite's is a function the portal registers on each connection (nothing to store)."""

import peewee as pw
from peewee_migrate import Migrator


def _postgresql(database) -> bool:
    return isinstance(getattr(database, "obj", None) or database, pw.PostgresqlDatabase)


# ICU without its Norwegian data falls back to its generic order without a word: stop then
CHECK = """DO $$ BEGIN
  IF NOT ('Zahl' < 'Ærlig' COLLATE portal_nb AND 'Ærlig' < 'Øyvind' COLLATE portal_nb
          AND 'Øyvind' < 'Åse' COLLATE portal_nb) THEN
    RAISE EXCEPTION 'the collation portal_nb does not sort Norwegian (Z Æ Ø Å): this '
                    'PostgreSQL''s ICU lacks the nb locale';
  END IF;
END $$"""


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    if _postgresql(database):
        migrator.sql("CREATE COLLATION IF NOT EXISTS portal_nb (provider = icu, locale = 'nb-NO')")
        migrator.sql(CHECK)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if _postgresql(database):
        migrator.sql("DROP COLLATION IF EXISTS portal_nb")
