"""The database: one proxy, initialised from PORTAL_DATABASE_URL; a connection per request.

SQLite is the embedded default; PostgreSQL (postgresql://user:pw@host/db) is the database for
a real school or county. Both run the same migrations from migrations/.
"""

from pathlib import Path

from flask import Flask, g
from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

database = DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

SQLITE_PRAGMAS = {
    "foreign_keys": 1,
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "synchronous": "normal",
}


# Each app process keeps its connections open between requests (a PostgreSQL connection costs
# a TCP handshake and a server process; a SQLite one its pragmas) and closes idle ones after
# POOL_STALE_SECONDS. Several workers each hold at most POOL_MAX_CONNECTIONS.
POOL = {"max_connections": 20, "stale_timeout": 300, "timeout": 10}


class PostgresqlPool(PooledPostgresqlDatabase):
    """PostgreSQL with pooled connections."""


class SqlitePool(PooledSqliteDatabase):
    """SQLite with pooled connections (pragmas set once per connection)."""


def open_database(url: str):
    """A peewee Database for a URL; SQLite gets safe pragmas, both are thread-safe and pool
    their connections."""
    if url.startswith("sqlite:"):
        db = connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
        # A pooled connection may be handed to another thread than the one that opened it
        # (the pool is per process; peewee keeps one connection per thread at a time).
        db = SqlitePool(db.database, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **POOL)
    elif url.startswith(("postgres://", "postgresql://")):
        db = connect(url.replace("postgres://", "postgresql://", 1))
        db = PostgresqlPool(db.database, **db.connect_params, **POOL)
    else:
        raise RuntimeError(f"Unsupported PORTAL_DATABASE_URL scheme: {url.split(':', 1)[0]}")
    return db


def is_postgresql() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    current = database.obj
    if current is None or getattr(current, "_portal_url", None) != url:
        if current is not None and not current.is_closed():
            current.close()
        db = open_database(url)
        db._portal_url = url
        database.initialize(db)

    @app.before_request
    def _connect():
        # Connect lazily: peewee opens (takes from the pool) on the first query, so a request
        # that needs no data touches no database. At teardown, give back only what this
        # request opened (a CLI or test may hold one).
        g.db_was_closed = database.is_closed()

    @app.teardown_request
    def _close(exc):
        if g.pop("db_was_closed", False) and not database.is_closed():
            database.close()


def router():
    from peewee_migrate import Router

    return Router(database.obj, migrate_dir=MIGRATIONS_DIR, ignore=["basemodel"])


def migrate() -> list[str]:
    """Apply every pending migration; returns the names applied."""
    r = router()
    todo = [name for name in r.todo if name not in r.done]
    r.run()
    return todo
