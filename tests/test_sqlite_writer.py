"""SQLite's writers (portal.db.WriterLock, SqlitePool): one write transaction at a time on
the host, the next one woken as soon as it ends; a transaction that read first can still
write after another committed."""

import multiprocessing
import os
import signal
import threading
import time
from contextlib import contextmanager

import pytest
from peewee import OperationalError

import portal.db
from portal.db import open_database


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "w.sqlite3"
    db = open_database(f"sqlite:///{file}")
    with db.connection_context():
        db.execute_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        db.execute_sql("INSERT INTO t (id, n) VALUES (1, 0)")
    db.close_all()
    return file


def _writer(db) -> tuple[threading.Thread, threading.Event]:
    """A thread that adds one to n in a transaction of its own, started; and its done flag."""
    done = threading.Event()

    def write():
        with db.connection_context(), db.atomic():
            db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
        done.set()

    thread = threading.Thread(target=write, daemon=True)  # (a hang fails the test, not pytest)
    thread.start()
    return thread, done


def _n(db) -> int:
    with db.connection_context():
        return db.execute_sql("SELECT n FROM t WHERE id = 1").fetchone()[0]


def test_a_transaction_that_read_first_still_writes_after_another_committed(path):
    """Deferred, the first transaction's read pinned a snapshot; the second committed a
    write after it; the first's write then failed at once with "database is locked"
    (SQLite cannot make it the writer on an old snapshot). Now the second waits."""
    db = open_database(f"sqlite:///{path}")
    read, other_done = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with db.connection_context(), db.atomic():
                before = db.execute_sql("SELECT n FROM t WHERE id = 1").fetchone()[0]
                read.set()
                other_done.wait(0.5)  # the other one would commit here
                db.execute_sql("UPDATE t SET n = ? WHERE id = 1", (before + 1,))
        except Exception as error:  # noqa: BLE001  (the test reports it)
            errors.append(error)

    def second():
        read.wait(5)
        try:
            with db.connection_context(), db.atomic():
                db.execute_sql("UPDATE t SET n = n + 10 WHERE id = 1")
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        other_done.set()

    threads = [threading.Thread(target=first, daemon=True),
               threading.Thread(target=second, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == [] and _n(db) == 11  # neither lost: the second came after the first
    db.close_all()


def _hold(db, held, release):
    """In a forked child (as a gunicorn worker): the writer lock alone, no SQLite lock."""
    db.writer_lock.acquire()
    held.set()
    release.wait(20)
    db.writer_lock.release()


@contextmanager
def _held_by_a_child(db):
    """A forked child holds the writer lock (through the pool it inherited: its own
    descriptor, or it would share the parent's flock and exclude nobody) until the block has
    run; yields the event that lets it go early; the child's exit code after."""
    ctx = multiprocessing.get_context("fork")
    held, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold, args=(db, held, release))
    child.start()
    exit_code = []
    try:
        assert held.wait(20)
        yield release, exit_code
    finally:
        release.set()
        child.join(20)
        exit_code.append(child.exitcode)


def test_writers_in_other_processes_wait_for_the_lock_and_go_on_when_it_is_free(path):
    db = open_database(f"sqlite:///{path}")
    with db.connection_context():  # the parent has used the lock before it forks
        with db.atomic():
            db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
    with _held_by_a_child(db) as (release, exit_code):
        writer, waited = _writer(db)
        assert not waited.wait(0.5)  # the child holds the host's writer lock (only that)
        started = time.monotonic()
        release.set()
        writer.join(20)
        assert waited.is_set() and time.monotonic() - started < 5
    assert exit_code == [0] and _n(db) == 2
    db.close_all()


def test_a_failed_transaction_releases_the_lock(path):
    db = open_database(f"sqlite:///{path}")
    with db.connection_context():
        with pytest.raises(ZeroDivisionError):
            with db.atomic():
                db.execute_sql("UPDATE t SET n = 5 WHERE id = 1")
                1 / 0  # noqa: B018
        writer, done = _writer(db)
        writer.join(10)
        assert done.is_set()
    assert _n(db) == 1  # rolled back, then one more
    db.close_all()


@pytest.fixture
def alarm_free():
    """SIGALRM as a gunicorn worker has it (pytest-timeout's handler and timer put aside for
    the test, then given back with the time it had left)."""
    handler = signal.getsignal(signal.SIGALRM)
    left, interval = signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, handler if handler is not None else signal.SIG_DFL)
    if left:
        signal.setitimer(signal.ITIMER_REAL, left, interval)


def _write_once(db, errors=None):
    try:
        with db.connection_context(), db.atomic():
            db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
    except OperationalError as error:
        if errors is None:
            raise
        errors.append(error)


def _only(monkeypatch, way):
    """Fail the test if the writer lock waits any other way than `way` ("here": in flock() in
    the main thread; "helper": in a helper thread)."""
    other = "_wait" if way == "here" else "_wait_here"

    def wrong(*args):
        raise AssertionError(f"the writer waited through {other}")

    monkeypatch.setattr(portal.db.WriterLock, other, wrong)


@pytest.mark.parametrize("where", ["main thread", "another thread"])
def test_a_writer_waits_no_longer_than_the_busy_timeout_and_the_lock_stays_usable(
        path, where, alarm_free, monkeypatch):
    """As SQLite's own wait: "database is locked" after the time limit, whether the writer
    waits in the main thread (SIGALRM ends its flock()) or in another (its helper thread goes
    on waiting, and lets the lock go once it gets it). The next writer of the process goes on;
    no alarm stays armed and SIGALRM's handler is the default again."""
    db = open_database(f"sqlite:///{path}")
    db.writer_lock.timeout = 0.3
    _only(monkeypatch, "here" if where == "main thread" else "helper")
    with _held_by_a_child(db):
        started = time.monotonic()
        if where == "main thread":
            with pytest.raises(OperationalError, match="locked"):
                _write_once(db)
        else:
            errors = []
            thread = threading.Thread(target=_write_once, args=(db, errors), daemon=True)
            thread.start()
            thread.join(10)
            assert len(errors) == 1 and "locked" in str(errors[0])
        assert 0.25 < time.monotonic() - started < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    monkeypatch.undo()
    db.writer_lock.timeout = 10
    writer, done = _writer(db)  # the given-up wait has let go of both locks
    writer.join(10)
    assert done.is_set() and _n(db) == 1
    _write_once(db)  # and the main thread writes, uncontended
    assert _n(db) == 2
    db.close_all()


def test_a_writer_in_the_main_thread_goes_on_when_the_lock_is_freed(path, alarm_free,
                                                                     monkeypatch):
    """The main thread waits blocked in flock() until the holder lets go, well within the
    time limit; no alarm stays armed after it, and SIGALRM's handler is the default again."""
    db = open_database(f"sqlite:///{path}")
    _only(monkeypatch, "here")
    with _held_by_a_child(db) as (release, _exit_code):
        threading.Timer(0.3, release.set).start()
        started = time.monotonic()
        _write_once(db)
        assert 0.25 < time.monotonic() - started < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    assert _n(db) == 1
    db.close_all()


def test_a_process_that_uses_sigalrm_itself_keeps_it(path, alarm_free, monkeypatch):
    """Where something else in the process handles SIGALRM or has an alarm set, a writer of
    the main thread waits in a helper thread instead: the other handler is neither replaced
    nor called, the other alarm neither moved nor cancelled."""
    db = open_database(f"sqlite:///{path}")
    db.writer_lock.timeout = 0.3
    _only(monkeypatch, "helper")
    called = []

    def theirs(signum, frame):
        called.append(signum)

    signal.signal(signal.SIGALRM, theirs)
    with _held_by_a_child(db):
        with pytest.raises(OperationalError, match="locked"):
            _write_once(db)
    assert called == [] and signal.getsignal(signal.SIGALRM) is theirs
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, 100)  # someone's alarm, with the default handler
    try:
        with _held_by_a_child(db):
            with pytest.raises(OperationalError, match="locked"):
                _write_once(db)
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 95 < left <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    db.close_all()


def test_the_lock_file_is_one_every_user_of_the_database_can_take(path):
    """Read-only is enough for flock(): a lock file the portal's user may not write (made by
    another user) still serves. Made by root (a cron job), it belongs to the database's
    owner, as SQLite's -wal and -shm files do."""
    lock = f"{path}-writer.lock"
    open(lock, "w").close()
    os.chmod(lock, 0o444)
    db = open_database(f"sqlite:///{path}")
    with db.connection_context(), db.atomic():
        db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
    assert _n(db) == 1
    db.close_all()
    if os.geteuid() == 0:  # the owner as root makes it
        os.remove(lock)
        os.chown(path, 65534, 65534)
        db = open_database(f"sqlite:///{path}")
        with db.connection_context(), db.atomic():
            db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
        made = os.stat(lock)
        assert (made.st_uid, made.st_gid) == (65534, 65534) and made.st_mode & 0o044
        db.close_all()
    else:  # a user that may not write it
        assert not os.access(lock, os.W_OK)


def _in_the_file(path) -> int:
    """n as the database file itself holds it, the WAL left unread: what checkpoints copied."""
    import sqlite3

    raw = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return raw.execute("SELECT n FROM t WHERE id = 1").fetchone()[0]
    finally:
        raw.close()


def test_every_nth_commit_copies_the_wal_into_the_file_after_the_response(path, monkeypatch):
    """SQLite's own checkpoint ran inside the COMMIT that filled the WAL, under the writer
    lock, so every other writer waited for its fsyncs; the app's runs once the response that
    committed has gone, without the lock."""
    from flask import Flask

    import portal.db

    monkeypatch.setattr(portal.db, "CHECKPOINT_EVERY", 2)
    db = open_database(f"sqlite:///{path}")
    app = Flask(__name__)
    seen = []

    @app.route("/write")
    def write():
        with db.connection_context(), db.atomic():
            db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
        seen.append(_in_the_file(path))  # (the response not yet sent)
        return "ok"

    client = app.test_client()
    with client.get("/write"):
        pass
    assert (seen, _in_the_file(path)) == ([0], 0)  # the first commit: no checkpoint
    with client.get("/write"):
        assert _in_the_file(path) == 0  # the second: not before the response is done
    assert (seen, _in_the_file(path)) == ([0, 0], 2)
    with db.connection_context():  # outside a request (a script): at once, on its connection
        for _ in range(2):
            with db.atomic():
                db.execute_sql("UPDATE t SET n = n + 1 WHERE id = 1")
        assert (_in_the_file(path), db.is_closed()) == (4, False)
    db.close_all()
