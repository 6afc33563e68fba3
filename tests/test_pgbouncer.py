"""PgBouncer in transaction mode between the app servers and PostgreSQL, set up as
docs/production.md says (`PORTAL_PG_PREPARED=0`), run for real: Debian's pgbouncer in front of
the test's PostgreSQL, two gunicorns connecting through it, and the deploy step.

In transaction mode a client's transactions go to whichever server connection is free, so
nothing a session keeps (a prepared statement, a SET, a session's advisory lock) may be
counted on from one transaction to the next. PgBouncer also replaces its server connections
(`server_lifetime`, a reload, `RECONNECT`): the test has it do so between the first pages and
the writes that follow. `scripts/ensure-production-tools.sh` installs pgbouncer for
`make test`."""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg2
import pytest

from portal.db import MIGRATIONS_DIR
from portal.rules.calendar import today
from tests.ci import unavailable
from tests.documents import ROOT
from tests.net import free_port, stop_process, work_directory
from tests.test_production import (
    Server,
    _cookie,
    _file_study_leave,
    _login,
    _token,
    school_today,  # noqa: F401  (a fixture)
)

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


class Bouncer:
    """pgbouncer on loopback in transaction mode, in front of the database of `database_url`,
    its admin console open to the database's user. It keeps two server connections open and
    hands them out in turn (`server_round_robin`), so that one client's transactions land on
    both, one after the other, as on a busy pool: state kept by one server session is missed
    in the next transaction (a quiet pool would hand the same connection back, and hide it)."""

    def __init__(self, database_url: str, work: Path):
        parts = urlsplit(database_url)
        self.user, self.dbname = parts.username, parts.path.lstrip("/")
        self.port = free_port()
        self.work = work
        users = work / "users.txt"
        users.write_text(f'"{self.user}" "{parts.password or ""}"\n')
        conf = work / "pgbouncer.ini"
        conf.write_text(
            # (any other database of the same server by its own name: the migration test's)
            f"[databases]\n* = host={parts.hostname} port={parts.port or 5432}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            f"unix_socket_dir =\npool_mode = transaction\ndefault_pool_size = 2\n"
            f"min_pool_size = 2\nserver_round_robin = 1\n"
            f"auth_type = trust\nauth_file = {users}\nadmin_users = {self.user}\n")
        self.url = self.url_of(database_url)
        # pgbouncer will not run as root: it then drops to nobody (-u), after reading its files
        command = [PGBOUNCER, *(["-u", "nobody"] if os.geteuid() == 0 else []), str(conf)]
        self.log = work / "pgbouncer.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.admin("SHOW VERSION")
                return
            except psycopg2.OperationalError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("pgbouncer did not start: " + self.log.read_text())

    def url_of(self, database_url: str) -> str:
        """The URL of a database of the server behind pgbouncer, through pgbouncer."""
        return urlunsplit(urlsplit(database_url)._replace(
            netloc=f"{self.user}@127.0.0.1:{self.port}"))

    def admin(self, command: str) -> list[dict]:
        """A command of pgbouncer's admin console; its rows as dicts."""
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user,
                                dbname="pgbouncer", connect_timeout=5)
        conn.autocommit = True  # (the console takes no transactions)
        try:
            with conn.cursor() as cursor:
                cursor.execute(command)
                if cursor.description is None:
                    return []
                names = [c.name for c in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def servers(self) -> list[dict]:
        return [s for s in self.admin("SHOW SERVERS") if s["database"] == self.dbname]

    def replace_server_connections(self) -> None:
        """RECONNECT: every server connection closed (when idle) and opened anew, as
        server_lifetime and a reload do; back when the pool has its two new ones."""
        before = {s["remote_pid"] for s in self.servers()}
        assert before, "the pages before should have used server connections"
        self.admin("RECONNECT")
        deadline = time.monotonic() + 15
        while True:
            now = {s["remote_pid"] for s in self.servers()}
            if not now & before and len(now) == 2:
                return
            assert time.monotonic() < deadline, f"pgbouncer's servers: {before} -> {now}"
            time.sleep(0.05)

    def stop(self):
        stop_process(self.proc)


@pytest.fixture
def bouncer(database_url):
    """(For tests marked postgresql_only: PgBouncer pools PostgreSQL's connections.)"""
    if not os.access(PGBOUNCER, os.X_OK):
        unavailable(f"{PGBOUNCER} is missing (scripts/ensure-production-tools.sh installs it)")
    with work_directory("portal-pgbouncer-") as work:  # (pgbouncer, as nobody, reads it)
        bouncer = Bouncer(database_url, work)
        try:
            yield bouncer
        finally:
            bouncer.stop()


def _opened(server, cookie, case_id, **fields) -> dict:
    """A step's form as the case page gives it: its token, the case's version as the page was
    shown, and `fields`."""
    status, _, page = server.request("GET", f"/cases/{case_id}", {"Cookie": cookie})
    assert status == 200
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return {"csrf_token": _token(page), "version": version, **fields}


@pytest.mark.postgresql_only
def test_app_servers_behind_pgbouncer_in_transaction_mode(app, database_url, bouncer,
                                                          school_today, tmp_path):  # noqa: F811
    """docs/production.md: behind PgBouncer in transaction mode, with PORTAL_PG_PREPARED=0,
    the portal works as on its own connections. Two app servers go through it; after their
    logins and pages have run on server connections that pgbouncer then replaces, a student
    files (a transaction of many statements) through one and sees it through the other, and
    the coordinator, with the case open at both servers, takes two conflicting steps at once:
    one is taken, the other is told that the case changed under it (the case's lock and
    version hold across pooled connections). (With PORTAL_PG_PREPARED left on, a statement
    prepared on one server connection and executed on another fails; outside a transaction
    the portal sends it again as text, inside one the request fails. Which of a request's
    statements meet that depends on the order the pool hands out its connections, so this
    test does not count on it.)"""
    from portal.models import Case, Event

    secret = "one-secret-for-every-server"
    env = {"PORTAL_PG_PREPARED": "0"}
    a = b = None
    try:
        a = Server(bouncer.url, secret, tmp_path, env=env)
        b = Server(bouncer.url, secret, tmp_path, env=env)
        student, token = _login(a, "elev1")
        coordinator, _ = _login(b, "trinn1")
        for server, cookie in ((a, student), (b, student), (a, coordinator), (b, coordinator)):
            assert server.request("GET", "/home", {"Cookie": cookie})[0] == 200

        bouncer.replace_server_connections()

        case_id = _file_study_leave(b, student, token, today() + timedelta(days=14))
        status, _, html = a.request("GET", "/home", {"Cookie": student})
        assert status == 200 and f"/cases/{case_id}" in html

        # the coordinator has the case open at both servers, and decides at both at once
        steps = [(a, _opened(a, coordinator, case_id, choice="grounds")),
                 (b, _opened(b, coordinator, case_id, choice="refuse", text="Ingen grunnlag."))]
        form = {"Cookie": coordinator, "Content-Type": "application/x-www-form-urlencoded"}
        together = threading.Barrier(len(steps))

        def take(server, fields):
            together.wait()
            return server.request("POST", f"/study-leave/{case_id}/decide", form,
                                  urlencode(fields))

        with ThreadPoolExecutor(len(steps)) as pool:
            answers = list(pool.map(lambda step: take(*step), steps))
        told = []
        for (server, _), (status, headers, page) in zip(steps, answers, strict=True):
            if status != 422:  # (422: a step not taken, the page with what was written kept)
                assert status == 303
                _, _, page = server.request("GET", f"/cases/{case_id}",
                                            {"Cookie": _cookie(headers)})
            told.append(re.findall(r'<p class="flash flash-(\w+)"', page))
        # one was taken; the other was told the case had changed under it (its version, or
        # the state the first step left), on the case page or with its refusal kept there
        assert sorted(told) == [["error"], ["success"]], told
    finally:
        for server in (a, b):
            if server:
                server.stop()
    won, lost = ("grounds", "refuse") if told[0] == ["success"] else ("refuse", "grounds")
    actions = [e.action for e in Event.select().where(Event.case == case_id)]
    assert actions.count(won) == 1 and lost not in actions, actions
    assert (Case.get_by_id(case_id).state == "refused") == (won == "refuse")
    for server in (a, b):
        assert "Traceback" not in server.log.read_text()


@pytest.fixture
def empty_database(database_url):
    """A new, empty database on the test's PostgreSQL server (dropped afterwards)."""
    from bench.run import _drop_postgres, _fresh_postgres

    url = urlunsplit(urlsplit(database_url)._replace(path="/portal_through_pgbouncer"))
    _fresh_postgres(url)
    yield url
    _drop_postgres(url)


@pytest.mark.postgresql_only
def test_the_deploy_step_migrates_a_new_database_through_pgbouncer(bouncer, empty_database):
    """`flask db-upgrade` through PgBouncer in transaction mode (the environment file's URL,
    with PORTAL_PG_PREPARED=0) takes a new database through every migration, and
    `db-upgrade --check` then finds nothing pending."""
    flask = str(Path(sys.executable).parent / "flask")
    env = {**os.environ, "PORTAL_DATABASE_URL": bouncer.url_of(empty_database),
           "PORTAL_PG_PREPARED": "0", "SECRET_KEY": "x" * 32}
    said = []
    for command in (["db-upgrade"], ["db-upgrade", "--check"]):
        done = subprocess.run([flask, "--app", "wsgi", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
        said.append(done.stdout.strip().splitlines()[-1])
    migrations = len(list(MIGRATIONS_DIR.glob("[0-9]*.py")))
    assert said == [f"Applied {migrations} migration(s).", "Database is up to date."]
