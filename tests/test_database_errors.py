"""Which database errors pass (the 503 page, "try again in a minute") and which are bugs (the
500 page and a traceback): portal/errors.py `passing`, given errors the databases really
raise, as peewee raises them. The pages themselves: tests/test_production.py."""

import sqlite3
import threading

import peewee
import psycopg2
import pytest

from portal.errors import passing
from tests.net import free_port


def _raised(run) -> Exception:
    with pytest.raises((peewee.OperationalError, peewee.InterfaceError)) as caught:
        run()
    return caught.value


def _wrapped(error: psycopg2.Error) -> Exception:
    """A psycopg2 error as peewee raises it (peewee.ExceptionWrapper)."""
    kind = (peewee.OperationalError if isinstance(error, psycopg2.OperationalError)
            else peewee.InterfaceError if isinstance(error, psycopg2.InterfaceError)
            else peewee.DatabaseError)
    return kind(error, *error.args)


def test_sqlite_errors(tmp_path):
    gone = peewee.SqliteDatabase(str(tmp_path / "gone" / "x.sqlite3"))
    assert passing(_raised(gone.connect))  # the file cannot be opened
    db = peewee.SqliteDatabase(str(tmp_path / "x.sqlite3"), timeout=0)
    assert not passing(_raised(lambda: db.execute_sql("SELECT * FROM no_such_table")))
    assert not passing(_raised(lambda: db.execute_sql("SELEC 1")))
    other = sqlite3.connect(tmp_path / "x.sqlite3")
    other.execute("BEGIN IMMEDIATE")
    try:  # another writer holds the database past the timeout
        assert passing(_raised(lambda: db.execute_sql("BEGIN IMMEDIATE")))
    finally:
        other.rollback()
        other.close()
        db.close()


def test_the_portals_own_errors():
    # the SQLite writers' lock (portal/db.py), past its timeout
    assert passing(peewee.OperationalError("database is locked (waited for another writer)"))
    assert not passing(peewee.OperationalError("Connection already opened."))
    assert not passing(peewee.InterfaceError("Query must be bound to a database in order to "
                                             "call \"execute\"."))


@pytest.mark.postgresql_only
def test_postgresql_errors(database_url):
    port = free_port()
    with pytest.raises(psycopg2.OperationalError) as refused:
        psycopg2.connect(host="127.0.0.1", port=port, user="portal", connect_timeout=5)
    assert passing(_wrapped(refused.value))

    def failing(*statements):
        conn = psycopg2.connect(database_url)
        try:
            with conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        except psycopg2.Error as error:
            return _wrapped(error)
        finally:
            conn.close()
        raise AssertionError("no error")

    # a statement that runs too long is not the database being away
    assert not passing(failing("SET statement_timeout = 1", "SELECT pg_sleep(1)"))
    # a lock wait that times out passes
    holding, release = threading.Event(), threading.Event()

    def hold():
        conn = psycopg2.connect(database_url)
        with conn.cursor() as cursor:
            cursor.execute("LOCK TABLE school IN ACCESS EXCLUSIVE MODE")
            holding.set()
            release.wait(30)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        assert passing(failing("SET lock_timeout = 50", "SELECT count(*) FROM school"))
    finally:
        release.set()
        thread.join(30)
    # the server ending the session (a restart, pg_terminate_backend)
    assert passing(failing("SELECT pg_terminate_backend(pg_backend_pid())"))
