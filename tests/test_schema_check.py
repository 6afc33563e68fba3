"""A database behind the code (a release's `flask db-upgrade` not run): said by
`/healthz/db`, by `flask db-upgrade --check` and in the log of each gunicorn worker."""

import time

import pytest

from portal import create_app
from portal.db import MIGRATIONS_DIR, database
from tests.test_production import Server

ALL = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.py"))
LAST = ALL[-1]


def test_healthz_db_names_the_migrations_the_database_lacks(app, client, db):
    with database.atomic() as txn:
        database.execute_sql(f"DELETE FROM migratehistory WHERE name = '{LAST}'")
        response = client.get("/healthz/db")
        txn.rollback()
    assert response.status_code == 503
    assert response.text == f"migrations pending: {LAST} (run flask db-upgrade)"
    assert response.headers["Cache-Control"] == "no-store"
    # the database has them all again: ok; and not asked again by this process (the code's
    # migrations do not change while it runs), so monitoring costs one statement a check
    assert client.get("/healthz/db").text == "ok"
    with database.atomic() as txn:
        database.execute_sql(f"DELETE FROM migratehistory WHERE name = '{LAST}'")
        assert client.get("/healthz/db").text == "ok"
        txn.rollback()


def test_a_database_without_the_history_table_lacks_every_migration(app, db):
    from portal.db import pending_migrations

    assert pending_migrations() == []
    with database.atomic() as txn:
        database.execute_sql("ALTER TABLE migratehistory RENAME TO migratehistory_moved")
        assert pending_migrations() == ALL
        txn.rollback()
    assert pending_migrations() == []


def test_db_upgrade_check_lists_what_is_pending_and_applies_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    runner = create_app({"DATABASE_URL": url}).test_cli_runner()

    done = runner.invoke(args=["db-upgrade", "--check"])
    assert done.exit_code == 1
    assert done.output.splitlines() == [*(f"pending: {name}" for name in ALL),
                                        f"{len(ALL)} migration(s) pending."]
    with database.connection_context():
        assert not database.table_exists("migratehistory")  # nothing written, not even that
        assert not database.get_tables()

    assert runner.invoke(args=["db-upgrade"]).output == f"Applied {len(ALL)} migration(s).\n"
    done = runner.invoke(args=["db-upgrade", "--check"])
    assert (done.exit_code, done.output) == (0, "Database is up to date.\n")


def test_a_gunicorn_worker_on_a_database_behind_the_code_says_so(tmp_path):
    said = f"the database lacks this code's migrations {', '.join(ALL)}: run flask db-upgrade"
    server = Server(f"sqlite:///{tmp_path / 'new.sqlite3'}", "one-secret", tmp_path)
    try:
        status, _, text = server.request("GET", "/healthz/db")
        deadline = time.monotonic() + 10  # (the worker checks on a thread of its own)
        while said not in server.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()
    assert status == 503 and text.startswith(f"migrations pending: {ALL[0]}, ")
    assert said in server.log.read_text()


@pytest.mark.postgresql_only
def test_the_history_table_is_found_where_the_search_path_finds_it(app, db):
    """Found as the portal's statements find their tables, through the whole search_path:
    not only in its first schema (peewee's table_exists), which is the role's own where one
    exists ("$user", public: PostgreSQL's default)."""
    from portal.db import pending_migrations

    with database.atomic() as txn:
        database.execute_sql("CREATE SCHEMA portal_own")
        database.execute_sql("SET LOCAL search_path TO portal_own, public")
        assert pending_migrations() == []
        database.execute_sql("SET LOCAL search_path TO portal_own")
        assert pending_migrations() == ALL
        txn.rollback()


@pytest.mark.postgresql_only
def test_healthz_db_says_a_database_that_takes_no_writes_is_not_ok(app, client, db):
    """A standby the URL reached after a failover answers every query and refuses every
    change: as one whose transactions are read-only (default_transaction_read_only), it is
    503, naming why."""
    with database.atomic() as txn:
        database.execute_sql("SET TRANSACTION READ ONLY")
        response = client.get("/healthz/db")
        txn.rollback()
    assert response.status_code == 503
    assert response.text.startswith("database is read-only (transaction_read_only = on")
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/healthz/db").text == "ok"
