"""The PostgreSQL connection pool: a connection taken from the pool costs no round trip when
nothing says it died, and one the server ended is never handed out."""

import sys
import time

import pytest

from portal.db import SQLITE_PRAGMAS, open_database


def _backend_query(admin, pid: int) -> str:
    """The last statement the server process `pid` ran, as PostgreSQL reports it."""
    return admin.execute_sql("SELECT query FROM pg_stat_activity WHERE pid = %s",
                             (pid,)).fetchone()[0]


@pytest.fixture
def pools(database_url):
    """A pool of the app's kind and a separate connection to watch it from."""
    pool, admin = open_database(database_url), open_database(database_url)
    yield pool, admin
    pool.close_all()
    admin.close_all()


@pytest.mark.postgresql_only
def test_a_live_connection_is_taken_from_the_pool_without_a_statement(pools):
    pool, admin = pools
    pool.connect()
    pid = pool.execute_sql("SELECT pg_backend_pid() /* marker */").fetchone()[0]
    pool.close()  # back to the pool

    pool.connect()  # the same connection again
    assert pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == pid
    pool.close()
    with admin.connection_context():
        # its last statement is ours: taking it from the pool asked the server nothing
        # (peewee's own check would have sent SELECT 1 in between)
        assert _backend_query(admin, pid) == "SELECT pg_backend_pid()"

    pool.connect()
    pool.close()
    with admin.connection_context():
        assert _backend_query(admin, pid) == "SELECT pg_backend_pid()"


@pytest.mark.postgresql_only
def test_a_connection_the_server_ended_is_not_handed_out(pools):
    pool, admin = pools
    pool.connect()
    pid = pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    pool.close()

    with admin.connection_context():
        assert admin.execute_sql("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                                (pid,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the server process did not end"
            time.sleep(0.05)

    pool.connect()
    try:
        # a working connection, not the dead one (whose first statement would fail)
        assert pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid
    finally:
        pool.close()


@pytest.mark.postgresql_only
def test_a_connection_with_a_high_descriptor_stays_in_the_pool(pools):
    """A busy process has many files open: a connection whose descriptor is above 1,023
    (which select() refuses) is still checked without a round trip and kept."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    held = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        pool, admin = pools
        pool.connect()
        assert pool.connection().fileno() > 1023
        pid = pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        pool.close()
        pool.connect()
        assert pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == pid
        pool.close()
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_sqlite_connections_read_the_file_through_a_memory_map(tmp_path):
    """SQLite reads pages through mmap (SQLITE_PRAGMAS): a page another connection's write
    pushed out of a connection's own cache comes back without a read() call and a copy."""
    pool = open_database(f"sqlite:///{tmp_path / 'mapped.sqlite3'}")
    try:
        mapped = pool.execute_sql("PRAGMA mmap_size").fetchone()[0]
        if sys.maxsize > 2**32:  # (SQLite may be built with a lower ceiling than ours)
            assert 0 < mapped <= SQLITE_PRAGMAS["mmap_size"]
        assert pool.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert pool.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 4000
    finally:
        pool.close_all()


URLS = [  # (URL, the database, its parameters besides connect_timeout) as libpq reads them
    ("postgresql://portal:p%40ss%3Aw%2Frd%26%25@db.example:5432/portal"
     "?sslmode=verify-full&sslrootcert=/etc/portal/db-ca.pem", "portal",
     {"user": "portal", "password": "p@ss:w/rd&%", "host": "db.example", "port": "5432",
      "sslmode": "verify-full", "sslrootcert": "/etc/portal/db-ca.pem"}),
    ("postgresql://sk%C3%B8le%40berg:pw@db.example/portal", "portal",
     {"user": "skøle@berg", "password": "pw", "host": "db.example"}),
    ("postgresql://portal@/portal?host=/var/run/postgresql", "portal",
     {"user": "portal", "host": "/var/run/postgresql"}),
    # a socket directory as the host, its case kept (peewee's reading lowered it)
    ("postgresql://portal@%2Fvar%2Frun%2FPostgreSQL/portal", "portal",
     {"user": "portal", "host": "/var/run/PostgreSQL"}),
    # a database name percent-encoded (peewee's reading passed it on encoded)
    ("postgresql://portal:pw@DB.Example:5433/sk%C3%B8le%20portal?sslmode=require",
     "skøle portal",
     {"user": "portal", "password": "pw", "host": "DB.Example", "port": "5433",
      "sslmode": "require"}),
    ("postgres://portal@[::1]/portal", "portal", {"user": "portal", "host": "::1"}),
]


@pytest.mark.parametrize("url, name, params", URLS)
def test_the_url_is_read_as_libpq_reads_it(url, name, params):
    """Every part percent-decoded as psql and pg_dump read the same URL (docs/production.md:
    a password with `@` is written `%40`), and every parameter passed on."""
    pool = open_database(url)
    assert pool.database == name
    assert pool.connect_params == {"connect_timeout": 5, **params}


@pytest.mark.postgresql_only
def test_a_percent_encoded_password_reaches_the_server_decoded(database_url):
    scheme, rest = database_url.split("://", 1)
    user, rest = rest.split("@", 1)
    pool = open_database(f"{scheme}://{user}:p%40ss%26word@{rest}")
    try:
        pool.connect()
        assert pool.connection().info.password == "p@ss&word"
    finally:
        pool.close_all()


@pytest.mark.postgresql_only
def test_a_percent_encoded_database_name_reaches_the_server_decoded(database_url):
    """A database whose name has a space and a letter outside ASCII, written %20 and %C3%B8
    in the URL, as libpq reads it."""
    import psycopg2

    name = "skøle portal"
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        base = database_url.rsplit("/", 1)[0]
        pool = open_database(f"{base}/sk%C3%B8le%20portal")
        try:
            assert pool.execute_sql("SELECT current_database()").fetchone()[0] == name
        finally:
            pool.close_all()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE "{name}"')
    finally:
        admin.close()
