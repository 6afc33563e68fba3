"""Peewee migrations -- 015_case_listing.py: each user's cases as their lists read them
(portal.models.CaseListing), kept by triggers, so that a page of a user's newest cases and the
figures of its ETag are read from one index instead of from all the user's cases.

The rows are the database's to keep, whatever writes to case or participant (the app, a
script, an import): a row appears with the user's first part in a case, goes with the last,
and takes the case's updated_at, version, kind and is_open whenever they change, in the same
statement. On PostgreSQL the trigger on participant first locks the case row as an update of
it would (FOR NO KEY UPDATE), so that changes to one case's parts and to the case take turns:
a part added while another transaction changes the case waits for it and copies the case as
committed; two transactions that each remove one of a user's last two parts do not each see
the other's part and leave the row behind; two that each add a part and then change the case
queue up instead of deadlocking, as a share lock would make them.

On SQLite, a later migration that rebuilds "case" or participant (peewee's SqliteMigrator does
so to alter or drop a column) drops their triggers with the old table: it must create them
again, as migration 018 last made them (tests/test_migrations.py checks that they exist after
all migrations; tests/test_case_listing.py what they do).
The triggers come before the backfill: an app server still running the old release during the
deploy cannot add a part that the backfill misses."""

import peewee as pw
from peewee_migrate import Migrator

COLUMNS = "user_id, case_id, updated_at, version, kind, is_open"

SQLITE_TRIGGERS = ("case_listing_part_added", "case_listing_part_removed",
                   "case_listing_part_moved", "case_listing_case_changed")
POSTGRESQL_TRIGGERS = ("case_listing_from_participant", "case_listing_from_case")

SQLITE = [
    f"""CREATE TRIGGER case_listing_part_added AFTER INSERT ON participant
    BEGIN
      INSERT OR IGNORE INTO case_listing ({COLUMNS})
      SELECT NEW.user_id, c.id, c.updated_at, c.version, c.kind, c.is_open
      FROM "case" AS c WHERE c.id = NEW.case_id;
    END""",
    """CREATE TRIGGER case_listing_part_removed AFTER DELETE ON participant
    BEGIN
      DELETE FROM case_listing WHERE user_id = OLD.user_id AND case_id = OLD.case_id
        AND NOT EXISTS (SELECT 1 FROM participant AS p
                        WHERE p.user_id = OLD.user_id AND p.case_id = OLD.case_id);
    END""",
    f"""CREATE TRIGGER case_listing_part_moved AFTER UPDATE OF user_id, case_id ON participant
    BEGIN
      DELETE FROM case_listing WHERE user_id = OLD.user_id AND case_id = OLD.case_id
        AND NOT EXISTS (SELECT 1 FROM participant AS p
                        WHERE p.user_id = OLD.user_id AND p.case_id = OLD.case_id);
      INSERT OR IGNORE INTO case_listing ({COLUMNS})
      SELECT NEW.user_id, c.id, c.updated_at, c.version, c.kind, c.is_open
      FROM "case" AS c WHERE c.id = NEW.case_id;
    END""",
    """CREATE TRIGGER case_listing_case_changed
    AFTER UPDATE OF updated_at, version, kind, is_open ON "case"
    BEGIN
      UPDATE case_listing SET updated_at = NEW.updated_at, version = NEW.version,
        kind = NEW.kind, is_open = NEW.is_open
      WHERE case_id = NEW.id;
    END""",
    f"""INSERT OR IGNORE INTO case_listing ({COLUMNS})
    SELECT DISTINCT p.user_id, c.id, c.updated_at, c.version, c.kind, c.is_open
    FROM participant AS p JOIN "case" AS c ON c.id = p.case_id""",
]

# The participant trigger's first step on PostgreSQL: lock the rows of the cases whose
# participants change (NO KEY UPDATE), so that two transactions changing one user's parts in one
# case take turns (also in migration 018's version of the function).
LOCK_CASE_ROWS = """      IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM "case" WHERE id = OLD.case_id FOR NO KEY UPDATE;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM "case" WHERE id = NEW.case_id FOR NO KEY UPDATE;
      END IF;
"""

POSTGRESQL = [
    f"""CREATE FUNCTION case_listing_from_participant() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
{LOCK_CASE_ROWS}      IF TG_OP <> 'INSERT' THEN
        DELETE FROM case_listing AS l WHERE l.user_id = OLD.user_id AND l.case_id = OLD.case_id
          AND NOT EXISTS (SELECT 1 FROM participant AS p
                          WHERE p.user_id = OLD.user_id AND p.case_id = OLD.case_id);
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO case_listing ({COLUMNS})
        SELECT NEW.user_id, c.id, c.updated_at, c.version, c.kind, c.is_open
        FROM "case" AS c WHERE c.id = NEW.case_id
        ON CONFLICT (case_id, user_id) DO NOTHING;
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_listing_from_participant
    AFTER INSERT OR DELETE OR UPDATE OF user_id, case_id ON participant
    FOR EACH ROW EXECUTE FUNCTION case_listing_from_participant()""",
    """CREATE FUNCTION case_listing_from_case() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE case_listing SET updated_at = NEW.updated_at, version = NEW.version,
        kind = NEW.kind, is_open = NEW.is_open
      WHERE case_id = NEW.id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_listing_from_case
    AFTER UPDATE OF updated_at, version, kind, is_open ON "case"
    FOR EACH ROW EXECUTE FUNCTION case_listing_from_case()""",
    f"""INSERT INTO case_listing ({COLUMNS})
    SELECT DISTINCT p.user_id, c.id, c.updated_at, c.version, c.kind, c.is_open
    FROM participant AS p JOIN "case" AS c ON c.id = p.case_id
    ON CONFLICT (case_id, user_id) DO NOTHING""",
]


def _postgresql(database) -> bool:
    return isinstance(getattr(database, "obj", None) or database, pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class CaseListing(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name="user_id", field="id", model=migrator.orm["user"],
                                  on_delete="CASCADE", index=False)
        case = pw.ForeignKeyField(column_name="case_id", field="id", model=migrator.orm["case"],
                                  on_delete="CASCADE", index=False)
        updated_at = pw.DateTimeField()
        version = pw.IntegerField()
        kind = pw.CharField(max_length=32)
        is_open = pw.BooleanField()

        class Meta:
            table_name = "case_listing"
            indexes = [(("case", "user"), True),
                       (("user", "updated_at", "case", "kind", "is_open", "version"), False)]

    for statement in POSTGRESQL if _postgresql(database) else SQLITE:
        migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    if _postgresql(database):
        migrator.sql("DROP TRIGGER case_listing_from_case ON \"case\"")
        migrator.sql("DROP TRIGGER case_listing_from_participant ON participant")
        migrator.sql("DROP FUNCTION case_listing_from_case()")
        migrator.sql("DROP FUNCTION case_listing_from_participant()")
    else:
        for name in reversed(SQLITE_TRIGGERS):
            migrator.sql(f"DROP TRIGGER {name}")
    migrator.remove_model("case_listing")
