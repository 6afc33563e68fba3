"""Peewee migrations -- 018_listing_parts.py: case_listing also holds the user's parts in the
case (case_listing.parts: the role codes, comma-separated), so that a page of a user's lists is
read from their case_listing rows and the cases alone: the parts of each row came from a probe
of participant's index each (26 a page of the work queue).

The database keeps the column as it keeps the rest of the row (migration 015): the triggers
on participant now also fire when a part is changed in place, and whenever a (user, case)'s
parts change they read them anew from participant, in the same statement. On PostgreSQL the
trigger still first locks the case row (FOR NO KEY UPDATE), so two transactions changing one
user's parts in one case take turns and the second reads the first's committed part.
The triggers come before the backfill, as in 015. The lists' index (user, updated_at, case,
kind, is_open, version) gets the parts as its last column, so that a page of the lists is still
read from the index alone.

Deploying it: the migration rewrites every case_listing row in one transaction (about one per
participant), while the home lists and filings wait; on PostgreSQL run `VACUUM ANALYZE
case_listing` after it, so that the lists' index-only reads need not look into the table until
autovacuum comes round."""

import importlib.util

import peewee as pw
from peewee_migrate import Migrator

from portal.db import MIGRATIONS_DIR


def _load(name: str):
    """Another migration's module (peewee-migrate runs each from its text, not as a module)."""
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_015 = _load("015_case_listing")

COLUMNS = _015.COLUMNS + ", parts"


def _parts(user, case, aggregate):
    """The parts of (user, case) as one text, read from participant."""
    return (f"(SELECT {aggregate}(p.part, ',') FROM participant AS p "
            f"WHERE p.user_id = {user} AND p.case_id = {case})")


def _add(aggregate) -> str:
    """NEW's user gets a row for NEW's case, or the row they have gets their parts anew."""
    return f"""INSERT INTO case_listing ({COLUMNS})
      SELECT NEW.user_id, c.id, c.updated_at, c.version, c.kind, c.is_open,
             {_parts("NEW.user_id", "NEW.case_id", aggregate)}
      FROM "case" AS c WHERE c.id = NEW.case_id
      ON CONFLICT (case_id, user_id) DO UPDATE SET parts = excluded.parts;"""


def _drop(aggregate) -> str:
    """OLD's user loses their row when OLD was their last part in the case; else its parts
    are read anew."""
    return f"""DELETE FROM case_listing WHERE user_id = OLD.user_id AND case_id = OLD.case_id
        AND NOT EXISTS (SELECT 1 FROM participant AS p
                        WHERE p.user_id = OLD.user_id AND p.case_id = OLD.case_id);
      UPDATE case_listing SET parts = {_parts("OLD.user_id", "OLD.case_id", aggregate)}
      WHERE user_id = OLD.user_id AND case_id = OLD.case_id;"""


SQLITE = [
    f"""CREATE TRIGGER case_listing_part_added AFTER INSERT ON participant
    BEGIN
      {_add("group_concat")}
    END""",
    f"""CREATE TRIGGER case_listing_part_removed AFTER DELETE ON participant
    BEGIN
      {_drop("group_concat")}
    END""",
    f"""CREATE TRIGGER case_listing_part_moved AFTER UPDATE OF user_id, case_id, part
    ON participant
    BEGIN
      {_drop("group_concat")}
      {_add("group_concat")}
    END""",
]

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION case_listing_from_participant() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
{_015.LOCK_CASE_ROWS}      IF TG_OP <> 'INSERT' THEN
        {_drop("string_agg")}
      END IF;
      IF TG_OP <> 'DELETE' THEN
        {_add("string_agg")}
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_listing_from_participant
    AFTER INSERT OR DELETE OR UPDATE OF user_id, case_id, part ON participant
    FOR EACH ROW EXECUTE FUNCTION case_listing_from_participant()""",
]

def backfill(postgresql: bool) -> str:
    """Every row's parts, read from participant."""
    aggregate = "string_agg" if postgresql else "group_concat"
    return ("UPDATE case_listing SET parts = COALESCE("
            f"{_parts('case_listing.user_id', 'case_listing.case_id', aggregate)}, '')")


# the lists' index, which gives a page of rows without reading the table, takes the parts too
LISTS_INDEX = "caselisting_user_id_updated_at_case_id_kind_is_open_version"
LISTS_COLUMNS = '"user_id", "updated_at", "case_id", "kind", "is_open", "version"'


def _lists_index(migrator: Migrator, name: str, columns: str) -> None:
    migrator.sql(f'CREATE INDEX "{name}" ON "case_listing" ({columns})')


# 015's statements that made what this migration replaces: its participant triggers (SQLite),
# its function and trigger on participant (PostgreSQL)
_SQLITE_015 = [s for s in _015.SQLITE if "ON participant" in s]
_POSTGRESQL_015 = [s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
                   for s in _015.POSTGRESQL if "ON participant" in s or "from_participant()" in s]


_postgresql = _015._postgresql


def _replace_triggers(migrator: Migrator, postgresql: bool, statements: list[str]) -> None:
    """The triggers on participant dropped (PostgreSQL: its function is replaced in place),
    then `statements` make them anew."""
    if postgresql:
        migrator.sql("DROP TRIGGER case_listing_from_participant ON participant")
    else:
        for statement in _SQLITE_015:
            migrator.sql(f"DROP TRIGGER {statement.split()[2]}")
    for statement in statements:
        migrator.sql(statement)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    postgresql = _postgresql(database)
    migrator.sql("ALTER TABLE case_listing ADD COLUMN parts VARCHAR(255) NOT NULL DEFAULT ''")
    _replace_triggers(migrator, postgresql, POSTGRESQL if postgresql else SQLITE)
    migrator.sql(backfill(postgresql))
    migrator.sql(f'DROP INDEX "{LISTS_INDEX}"')
    _lists_index(migrator, f"{LISTS_INDEX}_parts", f'{LISTS_COLUMNS}, "parts"')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    postgresql = _postgresql(database)
    _replace_triggers(migrator, postgresql, _POSTGRESQL_015 if postgresql else _SQLITE_015)
    migrator.sql(f'DROP INDEX "{LISTS_INDEX}_parts"')
    _lists_index(migrator, LISTS_INDEX, LISTS_COLUMNS)
    migrator.sql("ALTER TABLE case_listing DROP COLUMN parts")
