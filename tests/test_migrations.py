"""The migrations build exactly the schema the models describe, on both backends."""

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
