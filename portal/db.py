"""The database: one proxy, initialised from PORTAL_DATABASE_URL; a connection per request.

SQLite is the embedded default; PostgreSQL (postgresql://user:pw@host/db) is the database for
a real school or county. Both run the same migrations from migrations/.
"""

import contextlib
import datetime
import fcntl
import itertools
import logging
import os
import re
import secrets
import select
import signal
import sqlite3
import sys
import threading
import time
import weakref
from pathlib import Path

import peewee
import psycopg2
from flask import Flask, after_this_request, g, has_request_context
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CursorWrapper,
    DatabaseError,
    DatabaseProxy,
    DateField,
    DateTimeField,
    Field,
    FieldAccessor,
    ForeignKeyAccessor,
    ForeignKeyField,
    IntegerField,
    Model,
    ModelCursorWrapper,
    ModelNamedTupleCursorWrapper,
    ModelObjectCursorWrapper,
    NamedTupleCursorWrapper,
    Node,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
    Value,
)
from playhouse.db_url import connect
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, parse_dsn

from portal import collation

database = DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

SQLITE_PRAGMAS = {
    "foreign_keys": 1,
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "synchronous": "normal",
    # The WAL is copied back into the database file (a checkpoint, with fsyncs) by the app
    # after a response is sent, every CHECKPOINT_EVERY commits of a process (SqlitePool):
    # SQLite's own checkpoint runs inside the COMMIT that fills the WAL, so the writer lock
    # was held through it (up to 0.4 s on this machine's disk) and every filing waited.
    # SQLite's own stays as a backstop at 4,000 pages (16 MB), rather than its 1,000.
    "wal_autocheckpoint": 4000,
    # Pages read through a memory map of the file (the first GiB), not read() into each
    # connection's 2 MB cache: a worker cycling through many users' pages, or whose cache
    # another process's write emptied (WAL), gets them from the OS without a system call and
    # a copy. The bench's queue and case page: 3.5 -> 2.5 ms of worker CPU a request. (Not
    # on a 32-bit Python: each pooled connection maps on its own. A database file must not be
    # replaced under running workers, mapped or not: copy with `sqlite3 db ".backup f"`.)
    "mmap_size": 1 << 30 if sys.maxsize > 2**32 else 0,
}


# Each app process keeps its connections open between requests (a PostgreSQL connection costs
# a TCP handshake and a server process; a SQLite one its pragmas) and closes idle ones after
# POOL_STALE_SECONDS. Several workers each hold at most POOL_MAX_CONNECTIONS.
POOL = {"max_connections": 20, "stale_timeout": 300, "timeout": 10}
CONNECT_TIMEOUT = 5  # seconds (libpq's connect_timeout)


GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"


class _GenericPlans(PostgresqlDatabase):
    """Each new server connection plans the portal's prepared statements once (below, at
    "prepared queries as server-side prepared statements"). PostgreSQL plans a prepared
    statement anew for its first five executions and keeps doing so when its own one-off
    plans look cheaper than the one it would keep, which depends on the statistics: on one
    copy of the county dataset the case list (home, the queue) looked cheaper planned for a
    coordinator's thousands of rows, so it was planned on every request (0.3 ms of the
    server's CPU, half of the queue's) into the very plan it would have kept. The portal's
    statements are index lookups whose plan does not depend on the values (their generic
    plans at 150,000 cases: docs/benchmark-rounds.md, fifteenth round; make bench reads them), so
    the connection keeps the one plan from the first execution. One round trip per new
    connection; a SET, not a startup option, which poolers refuse."""

    def _connect(self):
        conn = super()._connect()  # autocommit: the setting outlives any transaction
        if server_prepared:
            with conn.cursor() as cursor:
                cursor.execute(GENERIC_PLANS)
        return conn


class PostgresqlPool(PooledPostgresqlDatabase, _GenericPlans):
    """PostgreSQL with pooled connections.

    peewee (4.x) sends `SELECT 1` on every connection it takes from the pool, to know it is
    alive: a round trip per request, as many as the status poll's whole work. Here a
    connection is taken without one when nothing says it died: the client has not seen it
    fail, it is idle, and the server has sent nothing on it. A server that ends a session
    (restart, pg_terminate_backend, idle timeouts) says so on the socket before closing it,
    so such a connection is readable and gets peewee's check, which finds it dead. A
    connection cut silently (a network gone without a word) fails on its first statement
    instead: that request errs, and the pool drops the connection (not reusable)."""

    def _is_closed(self, conn):
        if conn.closed:
            return True
        try:
            # poll(), not select(): no limit on the descriptor's number (select() refuses
            # those above 1,023); a hang-up or an error is reported whether asked for or not
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN)
            said_something = poller.poll(0)
        except Exception:  # cannot tell: ask the server, as peewee does
            return super()._is_closed(conn)
        if said_something or conn.get_transaction_status() != TRANSACTION_STATUS_IDLE:
            return super()._is_closed(conn)
        return False


class WriterLock:
    """One SQLite write transaction at a time on this host, its waiters woken the moment it
    ends: an exclusive flock() on a file beside the database (`<database>-writer.lock`), and a
    lock between the threads of one process (flock() does not tell them apart).

    SQLite lets one connection write at a time. Another that wants to write polls for the
    lock, sleeping 1, 2, 5, 10 … 100 ms between tries (its busy handler): with a few workers
    filing at once, a write waited for a sleep that outlasted the transaction before it, and
    the CPU stood idle meanwhile. A process that dies releases its flock with it. The file
    is opened anew in each process (after gunicorn's fork), so that workers exclude each
    other. A transaction waits at most `timeout` seconds (SQLite's busy_timeout), then fails
    with "database is locked", as SQLite's own wait did. It waits blocked in flock(): in the
    main thread with SIGALRM as the clock (`_wait_here`), elsewhere in a helper thread."""

    def __init__(self, database: str, timeout: float):
        self.database = database
        self.path = f"{database}-writer.lock"
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd = None
        self._owner = None
        _WRITER_LOCKS.add(self)

    def _descriptor(self) -> int:
        if self._fd is None:
            # read-only is enough for flock(), so any user who may read it can take turns; made
            # by root (a cron job, a deploy step), it goes to the database's owner, as SQLite
            # does with its -wal and -shm files
            self._fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            if os.geteuid() == 0:
                database = os.stat(self.database)
                mine = os.fstat(self._fd)
                if (mine.st_uid, mine.st_gid) != (database.st_uid, database.st_gid):
                    os.fchown(self._fd, database.st_uid, database.st_gid)
        return self._fd

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise OperationalError("database is locked (another writer of this process)")
        try:
            fd = self._descriptor()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                got = True
            except BlockingIOError:
                got = self._wait_here(fd, deadline) if _alarm_is_free() else None
                if got is False:
                    self._threads.release()
                elif got is None:  # (a helper thread that gives up frees the thread lock)
                    got = self._wait(fd, deadline)
        except BaseException:
            self._threads.release()
            raise
        if not got:
            raise OperationalError("database is locked (waited for another writer)")
        self._owner = threading.get_ident()

    def _wait_here(self, fd: int, deadline: float) -> bool | None:
        """Block in flock() in this thread (the main thread: a gunicorn sync worker's), for
        at most until `deadline`, when SIGALRM interrupts it; True when it then holds the
        flock, None when this interpreter may not handle signals. Under contention (a few
        workers filing at once) this is most writes' path: a helper thread for each wait cost
        a worker about 0.6 ms of CPU a filing (make bench, SQLite, docs/benchmark-rounds.md). The
        portal's handler is SIGALRM's only during the wait. The alarm repeats every
        ALARM_REPEAT seconds: one that comes just before flock() blocks (after Python's last
        look for signals) would not interrupt it, the next does."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            previous = signal.signal(signal.SIGALRM, _ALARM)
        except ValueError:  # (signals are not this interpreter's: a sub-interpreter's)
            return None
        try:
            _ALARM.waiting = True
            signal.setitimer(signal.ITIMER_REAL, remaining, ALARM_REPEAT)
            fcntl.flock(fd, fcntl.LOCK_EX)
            _ALARM.waiting = False
            return True
        except _WaitedTooLong:
            # (the alarm may have come between a granted flock() and the line after it)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            _ALARM.waiting = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _wait(self, fd: int, deadline: float) -> bool:
        """Block in flock() (woken the moment the holder lets go) in a helper thread, for at
        most until `deadline`; True when this thread then holds the flock. A helper that gets
        it after its caller gave up lets it go at once, and only then frees this process's
        thread lock: no other thread of the process can meanwhile take the flock on the same
        descriptor and lose it to that."""
        got, decided = threading.Event(), threading.Lock()
        gave_up, failed = [], []

        def block():
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as error:
                failed.append(error)
            with decided:
                if gave_up:
                    if not failed:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                    self._threads.release()
                else:
                    got.set()

        threading.Thread(target=block, daemon=True, name="sqlite-writer-wait").start()
        if not got.wait(max(0.0, deadline - time.monotonic())):
            with decided:
                if not got.is_set():
                    gave_up.append(True)
                    return False
        if failed:
            raise failed[0]
        return True

    def release(self) -> None:
        """After the transaction's COMMIT or ROLLBACK; does nothing in a thread that does not
        hold the lock."""
        if self._owner != threading.get_ident():
            return
        self._owner = None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _after_fork(self) -> None:
        """In a forked child (a gunicorn worker): nothing of the parent's locking is the
        child's. Its own descriptor, opened when it first writes: one shared with the parent
        would share the parent's flock and exclude nobody."""
        if self._fd is not None:
            os.close(self._fd)  # (the parent's flock stays the parent's)
        self._fd = None
        self._threads = threading.Lock()
        self._owner = None
        _ALARM.waiting = False  # (forked while the main thread waited: not the child's wait)


class _WaitedTooLong(Exception):
    """SIGALRM came while WriterLock._wait_here blocked in flock()."""


class _Alarm:
    """SIGALRM's handler during a writer's wait in the main thread: ends the wait; does
    nothing at any other time (an alarm that was already on its way when the wait ended)."""

    waiting = False

    def __call__(self, signum, frame):
        if self.waiting:
            self.waiting = False
            raise _WaitedTooLong


_ALARM = _Alarm()
ALARM_REPEAT = 0.005  # seconds between alarms once the time limit is reached


def _alarm_is_free() -> bool:
    """Whether a writer may wait for the lock in this thread with SIGALRM as its clock: only
    in the main thread (Python runs signal handlers there, and the kernel sends the alarm to
    it while it sleeps), and only when nothing else in the process uses SIGALRM (no handler
    but the default, no alarm set). Else the helper thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGALRM) != signal.SIG_DFL:  # (None: set outside Python)
        return False
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


_WRITER_LOCKS: "weakref.WeakSet[WriterLock]" = weakref.WeakSet()
os.register_at_fork(after_in_child=lambda: [lock._after_fork() for lock in list(_WRITER_LOCKS)])


class SqlitePool(PooledSqliteDatabase):
    """SQLite with pooled connections (pragmas set once per connection).

    A transaction begins IMMEDIATE, as the writer, after taking the host's `WriterLock`:
    every transaction the portal opens writes, and one that began by reading (deferred, the
    default) could not become the writer once another had committed since it read (SQLite
    answers "database is locked" at once then, without waiting)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.writer_lock = WriterLock(database, SQLITE_PRAGMAS["busy_timeout"] / 1000) if (
            database and database != ":memory:" and not database.startswith("file:")) else None
        self._commits = 0  # this process's, for CHECKPOINT_EVERY

    def begin(self, lock_type=None):
        if self.writer_lock is not None:
            self.connection()  # the pooled connection first: never wait for one holding the lock
            self.writer_lock.acquire()
        try:
            super().begin(lock_type or "immediate")
        except BaseException:
            if self.writer_lock is not None:
                self.writer_lock.release()
            raise

    def commit(self):
        self._end(super().commit)
        if self.writer_lock is not None:
            self._commits += 1
            if self._commits % CHECKPOINT_EVERY == 0:
                _after_response(self.checkpoint)

    def rollback(self):
        self._end(super().rollback)

    def _end(self, statement) -> None:
        """COMMIT or ROLLBACK, then the writer lock goes (whether the statement failed or not:
        peewee rolls back after a failed COMMIT)."""
        try:
            statement()
        finally:
            if self.writer_lock is not None:
                self.writer_lock.release()

    def checkpoint(self) -> None:
        """Copy the WAL's committed pages into the database file, without the writer lock:
        writers go on meanwhile (SQLite's PASSIVE checkpoint; one already running makes this
        one return at once). One that fails leaves the work to the next, or to SQLite's own."""
        # (a script's connection, open: used, and left open)
        opened = self.connection_context() if self.is_closed() else contextlib.nullcontext()
        try:
            with opened:
                self.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except DatabaseError as error:
            logging.getLogger(__name__).warning("checkpoint failed: %s", error)


# commits of a process between its checkpoints: however many processes, one checkpoint for
# about every 25 commits (~800 pages of filings, ~33 each), well before SQLite's own at 4,000.
# Filing under load (make bench's figures, SQLite): +7-13 % requests a second, p99 -10-20 ms,
# the kernel's share 0.6 -> 0.4 ms a filing (thirteenth round)
CHECKPOINT_EVERY = 25


def _after_response(work) -> None:
    """`work` once the current response has been sent (so its user does not wait for it),
    or now outside a request."""
    if not has_request_context():
        work()
        return

    @after_this_request
    def _later(response):
        response.call_on_close(work)
        return response


# the URL schemes open_database knows (create_app refuses any other, naming these)
URL_SCHEMES = ("sqlite:", "postgresql://", "postgres://")


def supports_url(url: str) -> bool:
    return url.startswith(URL_SCHEMES)


class UnreadableDatabaseURL(ValueError):
    """A PostgreSQL URL that libpq cannot read. The message repeats none of it: it may hold a
    password, and the message goes to the log."""


def open_database(url: str):
    """A peewee Database for a URL; SQLite gets safe pragmas, both are thread-safe and pool
    their connections."""
    if url.startswith("sqlite:"):
        db = connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
        # A pooled connection may be handed to another thread than the one that opened it
        # (the pool is per process; peewee keeps one connection per thread at a time).
        db = SqlitePool(db.database, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **POOL)
        db.register_collation(collation.compare, collation.NAME)  # (portal/collation.py)
    elif url.startswith(("postgres://", "postgresql://")):
        # The URL read by libpq itself, as psql and pg_dump read the same URL: every part
        # percent-decoded (a password with `@`, `:`, `/` or `&` in it is written %40, %3A,
        # %2F, %26; a socket directory as the host, %2Frun%2Fpostgresql), the host's case
        # kept, and every parameter libpq knows (?sslmode=…, ?host=…) passed on.
        try:
            params = parse_dsn(url)
        except psycopg2.ProgrammingError:
            # (libpq's message quotes the part it could not read: the password, often)
            raise UnreadableDatabaseURL(
                "PORTAL_DATABASE_URL cannot be read as a PostgreSQL URL (libpq refuses it). "
                "In the user, the password and the database name, write % as %25, @ as %40, "
                ": as %3A, / as %2F and & as %26 (docs/production.md).") from None
        # a server that does not answer a new connection within CONNECT_TIMEOUT seconds is
        # down, for the 503 page (portal/errors.py), not a worker stuck until gunicorn kills
        # it; the URL may set its own (?connect_timeout=…)
        params = {"connect_timeout": CONNECT_TIMEOUT, **params}
        db = PostgresqlPool(params.pop("dbname", None), **params, **POOL)
    else:
        raise ValueError(f"Unsupported database URL scheme: {url.split(':', 1)[0]}")
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


def pending_migrations() -> list[str]:
    """The code's migrations the database has not had (all of them for a new database), read
    without writing: peewee-migrate's own `done` creates its table when it is missing."""
    r = router()
    if is_postgresql():  # the table as the search path finds it, as the migrations made it
        (exists,) = database.execute_sql("SELECT to_regclass(%s) IS NOT NULL",
                                         (r.migrate_table,)).fetchone()
    else:
        exists = database.table_exists(r.migrate_table)
    if not exists:
        return list(r.todo)
    done = {name for (name,) in database.execute_sql(f"SELECT name FROM {r.migrate_table}")}
    return [name for name in r.todo if name not in done]


def check_schema(app: Flask) -> list[str]:
    """`pending_migrations`, asked of the database once per process until it has them all
    (the code's migrations do not change while it runs): for `/healthz/db` and the log of a
    worker's start."""
    if app.extensions.get("portal_schema_current"):
        return []
    pending = pending_migrations()
    app.extensions["portal_schema_current"] = not pending
    return pending


# --- prepared queries -----------------------------------------------------------------------

_STANDIN_BASE = -(2**62) + 7_000_003  # stand-in values no real id or code takes
# what a cursor wrapper holds of one execution (its cursor and rows), as opposed to what it
# works out from the query and the columns
_PER_EXECUTION = frozenset(CursorWrapper(None).__dict__)
# wrappers whose plan refers to the wrapper itself (a namedtuple constructor bound to it)
_BINDS_ITSELF = (NamedTupleCursorWrapper, ModelNamedTupleCursorWrapper)


class Prepared:
    """A peewee query whose SQL text is built once per database dialect; each call binds new
    values. Peewee builds the text anew on every execution, which costs 100–300 µs of Python
    for a typical query against ~10 µs for SQLite to answer it; the queries asked on every
    request (the logged-in user, the status poll, the navigation) are declared once instead:

        _row = Prepared(lambda case_id, user_id: Case.select(...).where(...).limit(1))
        case = _row.first(case_id, user.id)

    The builder is called with stand-ins (integers; a list argument becomes a list of
    stand-ins of the same length, prepared once per length) and must pass each of them to
    the query as a value: it may not look at them. A model instance passed in a call stands
    for its id. Values are bound as given (ids, counts, codes): not through a field's
    conversion, so not for dates or JSON (a date may go as its ISO text, as SchoolYear.current
    binds it); and anything else the builder computes (today's date, say) is frozen at the
    first call. Rows come back as the query would give them (models with their joins, tuples,
    dicts). On PostgreSQL the text is also a server-side
    prepared statement (below): PostgreSQL types each parameter from where it stands, so a
    value must stand where a column gives it its type (compared, in an IN list, a LIMIT),
    not alone in the select list."""

    def __init__(self, builder):
        self.builder = builder
        self._cache: dict = {}
        self._columns: dict = {}  # key of _cache -> what the cursor wrapper works out once

    @property
    def prepared(self) -> bool:
        """Whether the builder has run (its query is fixed from then on)."""
        return bool(self._cache)

    def _prepare(self, key, args):
        positions = {}  # stand-in (as int and as str) -> (argument, item of a list or None)
        values = itertools.count(_STANDIN_BASE)

        def standin(where):
            value = next(values)
            positions[value] = positions[str(value)] = where
            return value

        query = self.builder(*(
            [standin((i, k)) for k in range(len(arg))] if isinstance(arg, list | tuple)
            else standin((i, None)) for i, arg in enumerate(args)))
        sql, params = query.sql()
        slots, seen = [], set()
        for value in params:
            where = positions.get(value) if isinstance(value, int | str) else None
            if where is None:
                slots.append((None, value))  # a constant of the query
            else:
                seen.add(where)
                slots.append((where, str if isinstance(value, str) else None))
        missing = {pos for pos in positions.values()} - seen
        if missing:
            raise ValueError(f"Prepared query: arguments {sorted(missing, key=str)} do not reach "
                             f"the SQL as values")
        name = _statement_name("q")
        entry = self._cache[key] = (query, sql, slots, name)
        return entry

    @staticmethod
    def key(args) -> tuple:
        """Which statement serves these arguments: one per database dialect and length of
        each list argument (-1: not a list)."""
        return (type(database.obj), tuple(len(a) if isinstance(a, list | tuple) else -1
                                          for a in args))

    def execute(self, *args):
        """The query's cursor wrapper (iterate it for the rows)."""
        key = self.key(args)
        entry = self._cache.get(key) or self._prepare(key, args)
        query, sql, slots, name = entry
        params = []
        for where, extra in slots:
            if where is None:
                params.append(extra)
                continue
            i, k = where
            value = args[i] if k is None else args[i][k]
            if isinstance(value, Model):
                value = value._pk  # a row stands for its id, as in peewee's own queries
            params.append(extra(value) if extra is str and value is not None else value)
        return self._wrap(key, query, _send(sql, params, name))

    def _wrap(self, key, query, cursor):
        """The query's cursor wrapper, ready to make rows. Peewee's wrapper works out from
        the query and the cursor's columns, on every execution, which column goes to which
        model and how each value is converted (20–45 µs for a query with joins, more than
        SQLite takes to answer it). The SQL is fixed, so are its columns: worked out on the
        first execution, handed to the wrappers of the later ones."""
        wrapper = query._get_cursor_wrapper(cursor)
        if isinstance(wrapper, _BINDS_ITSELF):  # its plan holds the wrapper: work it out anew
            return wrapper
        state = self._columns.get(key)
        if state is not None:
            wrapper.__dict__.update(state)
            wrapper.initialized = True
        elif cursor.description is not None:
            wrapper.initialize()
            wrapper.initialized = True
            maker = _row_maker(wrapper)
            if maker is not None:  # kept with the plan: an attribute of the wrapper
                wrapper.process_row = maker
            self._columns[key] = {name: value for name, value in wrapper.__dict__.items()
                                  if name not in _PER_EXECUTION}
        return wrapper

    def __call__(self, *args) -> list:
        """All the rows: fetched at once, not one cursor call a row as iterating does."""
        wrapper = self.execute(*args)
        rows = wrapper.cursor.fetchall()
        if rows and not wrapper.initialized:  # (a namedtuple wrapper: its columns, then close)
            wrapper.initialize()
            wrapper.initialized = True
        wrapper.cursor.close()
        make = wrapper.process_row
        return [make(row) for row in rows]

    def first(self, *args):
        for row in self.execute(*args):
            return row
        return None

    def scalar(self, *args):
        row = self.first(*args)
        return None if row is None else row[0]


# --- model rows, made for a fixed plan -------------------------------------------------------
#
# Peewee makes a model row by calling the model's constructor, then setattr for each column
# (a descriptor call each), and for joins works out per row which instance each column goes
# to: 8–20 µs a row, more than the database takes to give it, and a page shows 25–30 rows.
# A prepared query's columns are fixed, so Prepared works out once where each value goes and
# writes the row's values straight into the instances' field dicts (as the field descriptor
# itself would on a new instance). Only for what is known to be the same: models with
# peewee's own constructor, columns that are plain fields or foreign keys of their model, or
# names that are no attribute of the model class (subquery aliases); anything else keeps
# peewee's own row making. tests/test_prepared.py compares both on every shape used here.

_PLAIN_ACCESSORS = (FieldAccessor, ForeignKeyAccessor)
_NOT_THERE = object()


def _column_target(model, column):
    """'data' when a value for `column` goes into the instance's field dict, 'attribute' when
    it is an attribute of its own, None when only peewee's setattr is known to be right."""
    if not (isinstance(model, type) and issubclass(model, Model)
            and model.__init__ is Model.__init__):
        return None
    found = _class_attribute(model, column)
    if found is _NOT_THERE:
        return "attribute"
    if type(found) in _PLAIN_ACCESSORS and found.name == column:
        return "data"
    return None


def _kept_type(convert):
    """The type of the values that `convert` (a column's converter: a field's python_value)
    gives back as they are, `object` for every value, None when it is not known to: the
    generated row makers below call it only for values of other types (and None)."""
    field, func = getattr(convert, "__self__", None), getattr(convert, "__func__", None)
    if not isinstance(field, Field):
        return None
    if func is ForeignKeyField.python_value:  # a value from the database is no model row
        return _kept_type(field.rel_field.python_value)
    if func is not Field.python_value or "adapt" in vars(field):  # its own (JSONText, a
        return None  # BareField's adapt=): always called
    return _KEPT_BY_ADAPT.get(type(field).adapt)


# peewee's adapt of each field class -> the type it returns unchanged: int(3) is 3, a str stays
# itself, bool(True), a datetime or (exactly) a date as it is; Field's own adapt keeps anything
_KEPT_BY_ADAPT = {Field.adapt: object, IntegerField.adapt: int, CharField.adapt: str,
                  TextField.adapt: str, BooleanField.adapt: bool,
                  DateTimeField.adapt: datetime.datetime, DateField.adapt: datetime.date}


# SQLite gives dates and times back as text. peewee's DateTimeField and DateField read such
# text with datetime.fromisoformat first (the installed peewee's `_fromisoformat`; an older
# one tried its formats with strptime, and is left to read its own), through three Python
# calls and a copy of the string; a case page reads about 50 of them (its timeline's
# events), 2-3 % of its time in process. The row makers call fromisoformat at once, and the
# field's own converter for anything it does not read (a value peewee's formats read, or
# gives back as it is): the same value, as the tests compare. A date is read as peewee
# reads it, datetime.fromisoformat(...).date(): date.fromisoformat would read more (from
# "2026120510" the day before its two extra characters, which peewee leaves as text).
def _from_text(parse):
    """A reader of values of a date or time column: `parse` for text, else `convert`."""
    def read(value, convert):
        if value.__class__ is str:
            try:
                return parse(value)
            except ValueError:
                pass
        return convert(value)

    return read


_FROM_TEXT = ({datetime.datetime: _from_text(datetime.datetime.fromisoformat),
               datetime.date: _from_text(lambda text: datetime.datetime.fromisoformat(text)
                                         .date())}
              if getattr(peewee, "_fromisoformat", None) == datetime.datetime.fromisoformat
              else {})


class _Source:
    """Python source of a row maker, with the values it names: one line a model instance,
    its field values in a dict display (a value the converter would give back as it is is
    not passed to it)."""

    def __init__(self):
        self.lines, self.names = [], {}
        self.fields: dict = {}  # instance -> [(column, expression)] into its field dict
        self.attributes: dict = {}  # instance -> [(name, expression)] set as attributes

    def name(self, value, prefix: str) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def value(self, i: int, convert) -> str:
        """The expression of column i's value, converted as peewee converts it."""
        if convert is None:
            return f"row[{i}]"
        kept = _kept_type(convert)
        if kept is object:
            return f"row[{i}]"
        c = self.name(convert, "convert")
        if kept is None:
            return f"{c}(row[{i}])"
        t = self.name(kept, "kept")
        from_text = _FROM_TEXT.get(kept)
        if from_text is not None:  # (a date or a time: as text on SQLite)
            f = self.name(from_text, "from_text")
            return f"(v if (v := row[{i}]) is None or v.__class__ is {t} else {f}(v, {c}))"
        return f"(v if (v := row[{i}]) is None or v.__class__ is {t} else {c}(v))"

    def put(self, obj: str, column: str, expression: str, into_data: bool) -> None:
        (self.fields if into_data else self.attributes).setdefault(obj, []).append(
            (column, expression))

    def new(self, obj: str, model) -> None:
        """The instance with its values, as peewee's constructor and setattr leave it for a
        row (no defaults, nothing dirty)."""
        m = self.name(model, "model")
        data = ", ".join(f"{column!r}: {expression}"
                         for column, expression in self.fields.get(obj, ()))
        # values that are no attribute of the class (_column_target: subquery aliases) are
        # the instance's own, where setattr would put them
        own = "".join(f", {name!r}: {expression}"
                      for name, expression in self.attributes.get(obj, ()))
        self.lines.append(f"    {obj} = {m}.__new__({m})")
        self.lines.append(f"    {obj}.__dict__ = {{'__data__': {{{data}}}, '_dirty': set(), "
                          f"'__rel__': {{}}{own}}}")

    def build(self, name: str):
        text = f"def {name}(row):\n" + "\n".join(self.lines) + "\n"
        namespace = dict(self.names)
        exec(compile(text, f"<portal.db {name}>", "exec"), namespace)  # noqa: S102
        made = namespace[name]
        made.source = text  # (for reading, and the tests)
        return made


def _row_maker(wrapper):
    """A process_row for the wrapper's fixed columns, or None to keep peewee's."""
    if type(wrapper) is ModelObjectCursorWrapper and wrapper.is_model:
        return _single_model_rows(wrapper)
    if type(wrapper) is ModelCursorWrapper:
        return _joined_rows(wrapper)
    return None


def _single_model_rows(wrapper):
    model = wrapper.constructor
    columns, converters = wrapper.unique_columns, wrapper.converters
    source = _Source()
    for i in (*wrapper.no_convert, *wrapper.convert):
        target = _column_target(model, columns[i])
        if target is None:
            return None
        source.put("obj", columns[i], source.value(i, converters[i]), target == "data")
    source.new("obj", model)
    source.lines.append("    return obj")
    return source.build("make_row")


def _joined_rows(wrapper):
    models = {}  # key -> model of each instance a row makes
    for key, constructor, is_a_model in wrapper._constructor_list:
        if not (is_a_model and constructor.__init__ is Model.__init__):
            return None  # (a constructor of its own: peewee's row making calls it)
        models[key] = constructor
    links = tuple(wrapper.src_to_dest)
    if any(is_dict for _src, _attr, _dest, is_dict, _outer, _fk in links):
        return None
    root = wrapper.model
    objects = {key: f"o{n}" for n, key in enumerate(models)}
    source = _Source()
    counted: dict = {}  # key -> the columns whose values, not None, count it as set
    for idx, key, column, converter in wrapper._row_spec:
        home = key if key in models else root
        target = _column_target(models[home], column)
        if target is None:
            return None
        counted.setdefault(key, []).append(idx)
        source.put(objects[home], column, source.value(idx, converter), target == "data")
    linked = {key for src, _attr, dest, _d, _o, _fk in links for key in (src, dest)}
    for key, model in models.items():
        # (a model joined only to filter by, with no column read and no row it is joined to,
        # would be an instance no one can reach from the row: not made)
        if key == root or key in linked or objects[key] in source.fields or (
                objects[key] in source.attributes):
            source.new(objects[key], model)
        else:
            del objects[key]

    def is_set(*keys) -> str:
        tests = [f"row[{i}] is not None" for key in keys for i in counted.get(key, ())]
        return " or ".join(tests) or "False"

    # Joined instances onto the ones they were joined from, as peewee does: an instance with
    # no value set is left out (None for an outer join, unless something further along the
    # joins was set).
    dirtied = set()
    for src, attr, dest, _is_dict, is_outer, is_fk in links:
        if dest not in objects:
            continue
        instance, joined = objects[src], objects[dest]
        further = tuple(wrapper._dest_reachable.get(dest, ()))
        assign_joined, through_setattr = _link_code(models[src], attr, models[dest], instance,
                                                    joined, is_fk)
        if through_setattr or not is_fk:
            dirtied.add(instance)
        assign_none = (f"{instance}.__rel__[{attr!r}] = None" if is_fk  # known absent, id kept
                       else f"setattr({instance}, {attr!r}, None)")
        if not is_outer:
            source.lines.append(f"    if {is_set(dest, *further)}:")
            source.lines.append(f"        {assign_joined}")
            continue
        source.lines.append(f"    if {is_set(dest)}:")
        source.lines.append(f"        {assign_joined}")
        source.lines.append(f"    elif {is_set(src)}:")
        if further:
            source.lines.append(f"        if {is_set(*further)}:")
            source.lines.append(f"            {assign_joined}")
            source.lines.append("        else:")
            source.lines.append(f"            {assign_none}")
        else:
            source.lines.append(f"        {assign_none}")
    for obj in sorted(dirtied):  # (setattr may mark a field dirty; a row from the database
        source.lines.append(f"    {obj}._dirty.clear()")  # has none)
    source.lines.append(f"    return {objects[root]}")
    return source.build("make_joined_row")


def _class_attribute(model, name: str):
    """What the class (or a base) holds under `name`, as it is (not the descriptor's get);
    _NOT_THERE when none does."""
    for klass in model.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return _NOT_THERE


def _link_code(src_model, attr: str, dest_model, instance: str, joined: str,
               is_fk: bool) -> tuple[str, bool]:
    """(the statement setting `joined` as `instance`'s `attr`, whether it goes through
    setattr). A foreign key to the joined model is written as its accessor writes it: the
    joined row's key into the field, the row into the cache (and the field marked dirty,
    which the maker clears again: left out)."""
    accessor = _class_attribute(src_model, attr) if is_fk else None
    if (type(accessor) is ForeignKeyAccessor and accessor.name == attr
            and issubclass(dest_model, accessor.rel_model)):
        key = accessor.field.rel_field.name
        if type(_class_attribute(dest_model, key)) is FieldAccessor:  # (a plain value there)
            return (f"{instance}.__data__[{attr!r}] = {joined}.__data__.get({key!r}); "
                    f"{instance}.__rel__[{attr!r}] = {joined}"), False
    return f"setattr({instance}, {attr!r}, {joined})", True


# --- inserts, their text built once ---------------------------------------------------------
#
# Filing an application or taking a step inserts a few rows (the case, its event, the kind's
# own row). Peewee builds each INSERT's text anew (80–100 µs of Python for a row of ten
# columns, more than the database takes to write it). `create_row(Model, ...)` is
# `Model.create(...)` with the text built once per model, set of columns and database;
# `insert_rows(Model, rows)` the same for insert_many (a case's participants, an event's
# notifications). On PostgreSQL each kept INSERT is also prepared once a connection, as the
# Prepared queries are (below): the server parsed and planned each anew, about an eighth of
# its CPU a filing (docs/benchmark-rounds.md, twentieth round).

_INSERTS: dict = {}


def _standin_sql(query, count: int):
    """(sql, the stand-in of each parameter in order) of peewee's own `query`, built with
    `Value(i, unpack=False)` for its values i = 0 … count - 1 (bound as they are: no
    conversion); None when its parameters are not those stand-ins, one each (peewee added a
    value of its own, a column's default): such rows are left to peewee."""
    sql, params = query.sql()
    if (len(params) != count or any(type(p) is not int for p in params)
            or sorted(params) != list(range(count))):
        return None  # (a default may be any value: a time is no stand-in, nor sorts with one)
    return sql, params


def _insert_plan(model, names: tuple):
    """(sql, the field of each parameter in order, whether it returns the new id, the name it
    is prepared under or None) from peewee's own INSERT of one row of the columns `names`;
    None as _standin_sql."""
    fields = model._meta.fields
    built = _standin_sql(
        model.insert({fields[name]: Value(i, unpack=False) for i, name in enumerate(names)}),
        len(names))
    if built is None:
        return None
    sql, params = built
    return sql, tuple(fields[names[i]] for i in params), " RETURNING " in sql, _statement_name("i")


def create_row(model, **values):
    """`model.create(**values)`: the same instance, the same row (defaults as the model gives
    them, each value converted by its field), one INSERT whose text is built once. Models with
    their own constructor or key, or values that are unsaved rows, go through peewee."""
    obj = model(**values)
    data = obj.__data__
    pk = model._meta.primary_key
    plain = (model.__init__ is Model.__init__ and model.save is Model.save
             and type(pk) is AutoField
             and data.get(pk.name) is None
             and not any(related is not None and related._pk is None
                         for related in obj.__rel__.values()))
    if plain:
        names = tuple(name for name in data if name != pk.name)
        key = (model, names, type(database.obj))
        plan = _INSERTS.get(key, False)
        if plan is False:
            plan = _INSERTS[key] = _insert_plan(model, names)
        if plan is not None:
            sql, columns, returning, name = plan
            cursor = _send(sql, [field.db_value(data[field.name]) for field in columns], name)
            data[pk.name] = cursor.fetchone()[0] if returning else cursor.lastrowid
            obj._dirty.clear()
            return obj
    obj.save(force_insert=True)
    return obj


_INSERT_MANY: dict = {}


def _insert_many_plan(model, names: tuple, count: int, ignore_conflicts: bool):
    """(sql, (row, field) of each parameter in order, the name it is prepared under or None)
    from peewee's own INSERT of `count` rows of the columns `names` (no RETURNING); None as
    _standin_sql."""
    fields = model._meta.fields
    width = len(names)
    query = model.insert_many([{fields[name]: Value(r * width + c, unpack=False)
                                for c, name in enumerate(names)} for r in range(count)])
    if ignore_conflicts:
        query = query.on_conflict_ignore()
    built = _standin_sql(query.as_rowcount(), count * width)
    if built is None:
        return None
    sql, params = built
    return (sql, tuple((p // width, fields[names[p % width]]) for p in params),
            _statement_name("i"))


_INSERT_MANY_ROWS = 32  # texts are kept for up to this many rows (a case's audience is a few)


def insert_rows(model, rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """`model.insert_many(rows)[.on_conflict_ignore()].execute()` (the rows' values converted
    by their fields, as peewee converts them), with the text built once per model, columns,
    number of rows and database. For writes whose new ids nobody reads (a case's
    participants, the notifications of an event). Only for rows of plain values keyed by
    field name (rows of related models as foreign keys), all with the same keys; a column
    with a default that the rows leave out gets it as peewee gives it (a callable's value
    for each row). Anything else (a column name or Field as key, an SQL expression as value,
    many rows) goes through peewee."""
    if not rows:
        return
    names = tuple(rows[0])
    fields = model._meta.fields
    plan = None
    if (len(rows) <= _INSERT_MANY_ROWS
            and all(isinstance(name, str) and name in fields for name in names)
            and all(len(row) == len(names) and tuple(row) == names
                    and not any(isinstance(value, Node) and not isinstance(value, Model)
                                for value in row.values())
                    for row in rows)):
        left_out = [(field.name, default) for field, default in model._meta.defaults.items()
                    if field.name not in names]
        if left_out:
            rows = [{**row, **{name: default() if callable(default) else default
                               for name, default in left_out}} for row in rows]
            names = tuple(rows[0])
        key = (model, names, len(rows), ignore_conflicts, type(database.obj))
        plan = _INSERT_MANY.get(key, False)
        if plan is False:
            plan = _INSERT_MANY[key] = _insert_many_plan(model, names, len(rows),
                                                         ignore_conflicts)
    if plan is None:
        query = model.insert_many(rows)
        if ignore_conflicts:
            query = query.on_conflict_ignore()
        query.as_rowcount().execute()
        return
    sql, slots, name = plan
    _send(sql, [field.db_value(rows[r][field.name]) for r, field in slots], name)


# --- PostgreSQL: prepared queries as server-side prepared statements ------------------------
#
# PostgreSQL parses and plans every statement it is sent; for the short queries of a page that
# is a good part of their cost (0.05–0.7 ms each at 150,000 cases, docs/benchmark-rounds.md). A
# Prepared query, and each INSERT that create_row and insert_rows keep, is therefore PREPAREd
# once on each pooled connection and EXECUTEd after that.
# Behind PgBouncer in transaction mode (statements would land on another server connection)
# set PORTAL_PG_PREPARED=0.

server_prepared = os.environ.get("PORTAL_PG_PREPARED", "1") != "0"
_statement_names = itertools.count(1)
# Names differ between processes too (the pid of the worker, which takes its names after the
# fork, and a token of this server), so that statements of two workers can never be mistaken
# for each other even where server connections are shared.
_SERVER_TOKEN = secrets.token_hex(3)
_prepared_on: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # connection -> names
_refused: set[str] = set()  # statements PostgreSQL would not prepare: sent as plain text
_PLACEHOLDER = re.compile(r"%%|%s")


def _dollar_params(sql: str) -> str:
    """psycopg2's %s placeholders as $1, $2, ... (%% stays: psycopg2 still reads the text)."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: m.group() if m.group() == "%%" else f"${next(numbers)}",
                            sql)


def driver_error(error: BaseException) -> BaseException | None:
    """The driver's own error (sqlite3's, psycopg2's) under peewee's, None when there is none:
    peewee keeps it as `orig`, or raises its own while handling it (connecting through the
    pool)."""
    queue, seen = [error], set()
    while queue:
        found = queue.pop(0)
        if id(found) in seen:
            continue
        seen.add(id(found))
        if isinstance(found, sqlite3.Error) or type(found).__module__.startswith("psycopg2"):
            return found
        queue += [e for e in (getattr(found, "orig", None), *found.args, found.__cause__,
                              found.__context__) if isinstance(e, BaseException)]
    return None


def _pgcode(error: Exception) -> str:
    """The SQLSTATE of a PostgreSQL error as peewee passes it on ('' when unknown)."""
    return getattr(driver_error(error), "pgcode", None) or ""


def _statement_name(kind: str) -> str | None:
    """The name a statement is prepared under on PostgreSQL (`kind`: q a Prepared query, i a
    kept INSERT); None on SQLite."""
    return (f"portal_{os.getpid()}_{_SERVER_TOKEN}_{kind}{next(_statement_names)}"
            if is_postgresql() else None)


def _send(sql: str, params: list, name: str | None):
    """Run a kept statement: by name where it is prepared (PostgreSQL), else as text."""
    if name is not None and server_prepared:
        return _execute_named(name, sql, params)
    return database.execute_sql(sql, params)


def _execute_named(name: str, sql: str, params: list):
    if name in _refused:
        return database.execute_sql(sql, params)
    connection = database.connection()
    names = _prepared_on.get(connection)
    if names is None:
        names = _prepared_on[connection] = set()
    if name not in names:
        statement = f"PREPARE {name} AS {_dollar_params(sql)}"
        try:
            if database.in_transaction():  # a refusal must not abort the caller's transaction
                with database.savepoint():
                    database.execute_sql(statement)
            else:
                database.execute_sql(statement)
        except DatabaseError as error:
            if _pgcode(error).startswith("42"):  # the statement itself: never prepare it
                _refused.add(name)
                logging.getLogger(__name__).warning("not prepared (%s): %s", error, sql)
            return database.execute_sql(sql, params)  # anything else: as text this time
        names.add(name)
    execute = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    try:
        return database.execute_sql(execute, params)
    except DatabaseError as error:
        # The statement is gone (a pooler ran DISCARD ALL) or no longer fits its tables (a
        # migration changed a column under a running worker): forget it on this connection,
        # prepare it anew next time. Outside a transaction this call runs as text; inside one
        # the transaction has failed, as it would have with the text.
        if _pgcode(error) not in ("26000", "0A000"):
            raise
        names.discard(name)
        if database.in_transaction():
            raise
        return database.execute_sql(sql, params)
