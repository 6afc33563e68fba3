"""The migrations build exactly the schema the models describe, on both backends."""

import ast
import re

import pytest

from portal.db import router
from portal.models import all_tables


def test_every_migration_is_applied(db):
    r = router()
    assert r.todo, "no migrations found"
    assert set(r.todo) <= set(r.done)


def test_migrated_columns_match_the_models(db):
    for model in all_tables():
        table = model._meta.table_name
        assert db.table_exists(table), f"no migration creates {table}"
        in_db = {c.name for c in db.get_columns(table)}
        in_model = {f.column_name for f in model._meta.sorted_fields}
        assert in_db == in_model, f"{table}: migrations {sorted(in_db)} != model {sorted(in_model)}"


def test_the_triggers_that_keep_case_listing_exist_after_all_migrations(db):
    """A migration that rebuilds "case" or participant on SQLite drops their triggers."""
    import importlib

    from portal.db import is_postgresql

    migration = importlib.import_module("migrations.015_case_listing")
    if is_postgresql():
        found = {name for (name,) in db.execute_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()}
        assert set(migration.POSTGRESQL_TRIGGERS) <= found
    else:
        found = {name for (name,) in db.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
        assert set(migration.SQLITE_TRIGGERS) <= found


def test_mostly_null_foreign_keys_are_indexed_where_set_and_lookups_use_it(db):
    """Migration 017: filing writes no NULLs into these indexes, and `col = id` (the link's
    lookups, ON DELETE SET NULL / CASCADE) still reads them."""
    import importlib

    from portal.db import is_postgresql

    migration = importlib.import_module("migrations.017_partial_indexes")
    p = db.param
    for index, table, column in migration.PARTIAL:
        lookup = f'SELECT 1 FROM "{table}" WHERE "{column}" = {p}'
        if is_postgresql():
            (definition,) = db.execute_sql(
                f"SELECT indexdef FROM pg_indexes WHERE indexname = {p}", (index,)).fetchone()
            with db.atomic():
                db.execute_sql("SET LOCAL enable_seqscan = off")  # (the test's tables are tiny)
                plan = " ".join(r[0] for r in db.execute_sql(f"EXPLAIN {lookup}", (1,)))
        else:
            (definition,) = db.execute_sql(
                f"SELECT sql FROM sqlite_master WHERE name = {p}", (index,)).fetchone()
            plan = " ".join(str(r[-1]) for r in db.execute_sql(f"EXPLAIN QUERY PLAN {lookup}",
                                                                 (1,)))
        assert "IS NOT NULL" in definition, definition
        assert index in plan, plan


# --- migrations keep the previous release working ---------------------------------------------
# A release is rolled out one server at a time after its `db-upgrade` (docs/production.md): the
# servers still on the previous release serve from the migrated database meanwhile. So a
# migration only adds (tables, non-unique indexes, columns that may be NULL or have a DEFAULT
# in the database) or drops non-unique indexes; a column or table the previous release reads
# is removed, renamed or retyped a release after the code stops reading it. (A NOT NULL column
# with a database DEFAULT, on both databases: raw SQL, as migration 018's
# `ADD COLUMN parts VARCHAR(255) NOT NULL DEFAULT ''`.)

BREAKING_CALLS = {"remove_model", "remove_fields", "rename_field", "rename_table",
                  "rename_column", "add_not_null", "change_fields", "change_columns",
                  "drop_constraints", "add_constraint"}
# Migrations older than the rule. 013 added subject.practice NOT NULL with peewee's
# default=False, which peewee fills in itself: the database has no DEFAULT, so an INSERT of a
# subject by the code before it would have failed during that rolling restart.
BEFORE_THE_RULE = {"013_subject_practice.py"}


def _may_be_left_out(field: ast.expr) -> bool:
    """A field added by add_fields that an INSERT of the previous release may leave out:
    null=True, or a DEFAULT in the database (constraints=[SQL("DEFAULT …")]). peewee's own
    default= is filled in by peewee, not by the database: it does not count."""
    keywords = {k.arg: k.value for k in getattr(field, "keywords", [])}
    null = keywords.get("null")
    constraints = keywords.get("constraints")
    database_default = constraints is not None and "DEFAULT" in ast.unparse(constraints).upper()
    return database_default or (isinstance(null, ast.Constant) and null.value is True)


def _sql_breaks(text: str) -> list[str]:
    """What a piece of SQL does to tables and columns that the previous release would fail on
    (statement by statement, as upper-case words)."""
    found = []
    for statement in text.upper().split(";"):
        words = " ".join(statement.split())
        found += re.findall(r"\bDROP (?:TABLE|VIEW)\b|\bTRUNCATE\b", words)
        if not re.search(r"\bALTER TABLE\b", words):
            continue
        found += re.findall(
            r"\bRENAME\b|\bSET NOT NULL\b|\bALTER (?:COLUMN )?\S+ (?:SET DATA )?TYPE\b", words)
        found += [f"DROP {m}" for m in re.findall(
            r"\bDROP (?!NOT NULL\b|CONSTRAINT\b)(\S+)", words)]
        for clause in re.split(r"\bADD\b", words)[1:]:
            column = not re.match(r"\s*(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b", clause)
            if column and "NOT NULL" in clause and "DEFAULT" not in clause:
                found.append("ADD … NOT NULL without a DEFAULT")
    return found


def _text(node: ast.expr) -> str:
    """A string or f-string's text, each {…} standing as X."""
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)


def breaking_steps(source: str) -> list[str]:
    """What a migration's text does (outside its rollback) that the previous release's code
    would fail on."""
    tree = ast.parse(source)
    skip = {id(node) for f in tree.body if isinstance(f, ast.FunctionDef)
            and f.name == "rollback" for node in ast.walk(f)}
    skip |= {id(n.value) for n in ast.walk(tree)  # docstrings, comments' strings
             if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    skip |= {id(part) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)
             for part in n.values}  # read with their f-string
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in BREAKING_CALLS:
                found.append(f"line {node.lineno}: {node.func.attr}")
            if node.func.attr == "add_fields":
                for k in node.keywords:
                    if k.arg is None:
                        found.append(f"line {node.lineno}: fields passed as ** (not read)")
                    elif (isinstance(k.value, ast.Call) and not _may_be_left_out(k.value)):
                        found.append(f"line {node.lineno}: {k.arg} added NOT NULL without a "
                                     "DEFAULT in the database")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              or isinstance(node, ast.JoinedStr)):
            found += [f"line {node.lineno}: {what!r}" for what in _sql_breaks(_text(node))]
    return found


def test_every_migration_keeps_the_previous_release_working():
    from portal.db import MIGRATIONS_DIR

    for path in sorted(MIGRATIONS_DIR.glob("[0-9]*_*.py")):
        if path.name in BEFORE_THE_RULE:
            assert breaking_steps(path.read_text()) != []  # (else it need not be listed)
            continue
        assert breaking_steps(path.read_text()) == [], (
            f"{path.name} changes what the previous release reads; its servers serve from the "
            "migrated database until they restart (docs/production.md): add now, remove later")


@pytest.mark.parametrize("step, found", [
    ('migrator.remove_fields("outbox", "expires_at")', "remove_fields"),
    ('migrator.rename_field("outbox", "sent_at", "delivered_at")', "rename_field"),
    ('migrator.add_not_null("outbox", "expires_at")', "add_not_null"),
    ('migrator.add_fields("outbox", tries=pw.IntegerField())', "tries added NOT NULL"),
    # peewee fills default= in itself; the previous release's INSERT would leave it out
    ('migrator.add_fields("outbox", tries=pw.IntegerField(default=0))', "tries added NOT NULL"),
    ('migrator.add_fields("outbox", **FIELDS)', "fields passed as **"),
    ('migrator.sql("ALTER TABLE outbox DROP COLUMN expires_at")', "'DROP COLUMN'"),
    ('migrator.sql("ALTER TABLE outbox DROP expires_at")', "'DROP EXPIRES_AT'"),
    ('migrator.sql("ALTER TABLE outbox ALTER COLUMN tries DROP DEFAULT")', "'DROP DEFAULT'"),
    ('migrator.sql(f"ALTER TABLE {t} RENAME TO outbox_old")', "'RENAME'"),
    ('migrator.sql("ALTER TABLE outbox ALTER COLUMN tries TYPE bigint")', "TYPE'"),
    ('migrator.sql("ALTER TABLE outbox ALTER tries SET DATA TYPE bigint")', "TYPE'"),
    ('migrator.sql("ALTER TABLE outbox ALTER COLUMN tries SET NOT NULL")', "'SET NOT NULL'"),
    ('migrator.sql("ALTER TABLE outbox ADD COLUMN tries integer NOT NULL")', "NOT NULL without"),
    ('migrator.sql("ALTER TABLE fee ADD COLUMN price NUMERIC(10,2) NOT NULL")', "NOT NULL with"),
    ('migrator.sql("ALTER TABLE fee ADD price int DEFAULT 0, ADD kr int NOT NULL")', "NOT NULL"),
    ('migrator.sql("drop table outbox")', "'DROP TABLE'"),
    ('migrator.sql("DROP VIEW open_cases")', "'DROP VIEW'"),
    ('migrator.sql("TRUNCATE outbox")', "'TRUNCATE'"),
])
def test_a_migration_that_would_break_the_previous_release_is_found(step, found):
    source = f'"""A migration."""\n\ndef migrate(migrator, database, *, fake=False):\n    {step}\n'
    steps = breaking_steps(source)
    assert len(steps) == 1 and found in steps[0], steps
    # the same in its rollback is what a rollback is for
    assert breaking_steps(source.replace("def migrate", "def rollback")) == []


@pytest.mark.parametrize("step", [
    'migrator.add_fields("outbox", expires_at=pw.DateTimeField(null=True))',
    """migrator.add_fields("outbox", tries=pw.IntegerField(constraints=[SQL("DEFAULT 0")]))""",
    """migrator.sql("ALTER TABLE listing ADD COLUMN parts VARCHAR(255) NOT NULL DEFAULT ''")""",
    'migrator.sql("ALTER TABLE fee ADD COLUMN price NUMERIC(10,2) NOT NULL DEFAULT 0")',
    'migrator.sql("ALTER TABLE fee ADD CONSTRAINT paid CHECK (price IS NOT NULL)")',
    'migrator.sql("ALTER TABLE fee ALTER COLUMN price DROP NOT NULL")',
    'migrator.sql(f\'DROP INDEX "{index}"\')',
    'migrator.sql("ALTER INDEX fee_price RENAME TO fee_price_old")',
    'migrator.sql("ALTER TABLE fee ADD COLUMN type VARCHAR(20)")',
    'migrator.sql("CREATE INDEX user_email ON \\"user\\" (lower(email))")',
])
def test_what_only_adds_is_not_taken_for_a_break(step):
    source = f'"""A migration: DROP TABLE in a docstring."""\n\ndef migrate(m, d):\n    {step}\n'
    assert breaking_steps(source) == []
