"""The production set-up: app servers keep no state of their own, so two of them on one
database act as one portal; static files carry versioned URLs cached for a year; the
coordinator's queue filters and pages. (Speed is measured by `make bench`, never here.)"""

import http.client
import os
import re
import runpy
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from portal.cases.kinds import REGISTRY
from portal.rules.calendar import next_working_day, today
from tests.ci import unavailable
from tests.documents import ROOT, blocks
from tests.net import free_port, stop_process
from tests.test_cron import _set, documented_environment
from tests.test_proxy import _address_keys

GUNICORN = Path(sys.executable).parent / "gunicorn"
UA = {"User-Agent": "portal-test"}


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Server:
    """One gunicorn process (one worker) serving wsgi:app on loopback (at `host`, any
    address of 127.0.0.0/8), or on the unix socket `socket_path`."""

    def __init__(self, url: str, secret: str, instance: Path, env: dict | None = None,
                 socket_path: Path | None = None, host: str = "127.0.0.1"):
        self.port = free_port()
        self.host, self.socket_path = host, socket_path
        base = {**os.environ}
        base.pop("PORTAL_ENV", None)
        env = {**base, "PORTAL_DATABASE_URL": url, "SECRET_KEY": secret,
               "PORTAL_INSTANCE_PATH": str(instance), "WEB_CONCURRENCY": "1",
               "BIND": f"unix:{socket_path}" if socket_path else host,
               "PORT": str(self.port), **(env or {})}
        self.log = instance / f"gunicorn-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
                                         cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.log.read_text())

    def request(self, method, path, headers=None, body=None):
        conn = (_UnixConnection(str(self.socket_path), timeout=20) if self.socket_path else
                http.client.HTTPConnection(self.host, self.port, timeout=20))
        try:
            conn.request(method, path, body=body, headers={**UA, **(headers or {})})
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        return response.status, response.headers, data

    def stop(self):
        stop_process(self.proc)


def _cookie(headers) -> str:
    return next(v.split(";", 1)[0] for v in headers.get_all("Set-Cookie") if
                v.startswith("session="))


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _login(server, username, password="demo"):
    status, headers, html = server.request("GET", "/login")
    cookie, token = _cookie(headers), _token(html)
    status, headers, _ = server.request(
        "POST", "/login", {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"username": username, "password": password, "csrf_token": token}))
    assert status == 302
    cookie = _cookie(headers)
    # a login gives the session a new CSRF token: the logged-in session's pages carry it
    status, _, html = server.request("GET", "/home", {"Cookie": cookie})
    assert status == 200
    return cookie, _token(html)


def _file_study_leave(server, cookie, token, first, reason="Stevne med klubben.") -> int:
    """Apply for study leave from `first` (or the next working day: a period must hold a
    school day, and the servers' today is the real one) for two days through the server;
    the new case's id."""
    first = next_working_day(first)
    status, headers, _ = server.request(
        "POST", "/study-leave/new",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"csrf_token": token, "first_day": first.isoformat(),
                   "last_day": (first + timedelta(days=1)).isoformat(), "reason": reason}))
    assert status == 303
    return int(re.search(r"/cases/(\d+)", headers["Location"]).group(1))


@pytest.fixture
def two_servers(app, database_url, tmp_path):
    servers = []
    try:
        for _ in range(2):
            servers.append(Server(database_url, "one-secret-for-every-server", tmp_path))
        yield servers
    finally:
        for s in servers:
            s.stop()


@pytest.fixture
def school_today(school):
    """The test school with its school year moved around today, as the servers see the
    real clock."""
    on = today()
    school.year.starts_on = on - timedelta(days=60)
    school.year.ends_on = on + timedelta(days=200)
    school.year.save()
    return school


def test_two_app_servers_on_one_database_act_as_one(two_servers, school_today):
    a, b = two_servers
    cookie, token = _login(a, "elev1")

    # The session cookie signed by one server is accepted by the other.
    status, _, html = b.request("GET", "/home", {"Cookie": cookie})
    assert status == 200
    assert "Elev Nummer1" in html

    case_id = _file_study_leave(a, cookie, token, today() + timedelta(days=14))

    # The application filed through A is on the student's home and case page at B.
    status, _, html = b.request("GET", "/home", {"Cookie": cookie})
    assert f"/cases/{case_id}" in html
    status, _, html = b.request("GET", f"/cases/{case_id}", {"Cookie": cookie})
    assert status == 200

    # Both answer the status poll from the same row: A's ETag is current at B.
    status, headers, _ = a.request("GET", f"/cases/{case_id}/status", {"Cookie": cookie})
    assert status == 200
    status, _, body = b.request("GET", f"/cases/{case_id}/status",
                                {"Cookie": cookie, "If-None-Match": headers["ETag"]})
    assert status == 304 and body == ""

    # Each master compiled the templates before forking its worker (gunicorn.conf.py).
    for server in (a, b):
        assert re.search(r"warmed up: \d+ templates", server.log.read_text())


def test_behind_the_proxy_logins_are_counted_for_each_client(app, database_url, school,
                                                             tmp_path):
    """gunicorn as deployed (gunicorn.conf.py, FORWARDED_ALLOW_IPS at its default: the proxy
    on the same host): failed logins count against the address nginx forwards, not against
    the proxy's own address that every request comes from."""
    server = Server(database_url, "a-secret", tmp_path)
    try:
        for forwarded in ["198.51.100.7", "203.0.113.66, 198.51.100.8"]:
            status, headers, html = server.request("GET", "/login")
            status, _, _ = server.request(
                "POST", "/login",
                {"Cookie": _cookie(headers), "X-Forwarded-For": forwarded,
                 "Content-Type": "application/x-www-form-urlencoded"},
                urlencode({"username": "elev1", "password": "wrong",
                           "csrf_token": _token(html)}))
            assert status == 401
    finally:
        server.stop()
    assert _address_keys() == ["ip:198.51.100.7", "ip:198.51.100.8"]


def _send_too_large(port: int, size: int) -> bytes:
    """A login POST of `size` bytes, sent as one piece, and all of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(b"POST /login HTTP/1.1\r\nHost: portal\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\n\r\n" % size)
        conn.sendall(b"x" * size)  # (a BrokenPipeError here: the body was left unread)
        return b"".join(iter(lambda: conn.recv(65536), b""))


def _is_the_portals_413(answer: bytes) -> bool:
    return answer.startswith(b"HTTP/1.1 413 ") and b"Elevportalen" in answer


def test_a_request_too_large_gets_the_portal_s_page_not_a_reset(app, database_url, tmp_path):
    """A request beyond the portal's limit is refused from its Content-Length, and its body is
    read to the end before the answer: gunicorn closing the connection on a body still
    arriving made the kernel reset it, and the sender (a browser, nginx) got "connection
    reset" (nginx: its own 502 page) instead of the portal's page that says what to do."""
    server = Server(database_url, "k" * 64, tmp_path)
    try:
        answer = _send_too_large(server.port, app.config["MAX_CONTENT_LENGTH"] + 1)
    finally:
        server.stop()
    assert _is_the_portals_413(answer)


def test_a_request_too_large_is_answered_by_the_development_server_too(app):
    """werkzeug's server (`make run`) hands over the socket itself as the request's input:
    the portal reads no further than the request's Content-Length, or it would wait for ever
    for bytes that never come."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = _send_too_large(server.server_port, app.config["MAX_CONTENT_LENGTH"] + 1)
    finally:
        server.shutdown()
    assert _is_the_portals_413(answer)


def _unreachable(database_url: str, tmp_path: Path) -> str:
    """A database URL of the same kind that cannot be reached: PostgreSQL on a port nobody
    listens on, SQLite in a directory that does not exist."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'gone' / 'portal.sqlite3'}"
    return f"postgresql://portal@127.0.0.1:{free_port()}/portal"


def test_an_unreachable_database_gets_a_page_that_says_so(app, database_url, school, tmp_path):
    """The database restarting or failing over under gunicorn: a Norwegian 503 page with
    Retry-After, for a logged-in user (whose session cannot be read now) and for a login,
    and a line in the log. It was a bare "Internal Server Error": the 500 page reads the user
    for its menu, and failed in turn."""
    server = Server(database_url, "one-secret", tmp_path)
    try:
        cookie, _ = _login(server, "elev1")
        assert server.request("GET", "/healthz/db")[::2] == (200, "ok")
    finally:
        server.stop()
    down = Server(_unreachable(database_url, tmp_path), "one-secret", tmp_path)
    try:
        # the load balancer's check keeps the server in; monitoring sees the database away
        assert down.request("GET", "/healthz")[::2] == (200, "ok")
        assert down.request("GET", "/healthz/db")[0] == 503
        status, headers, html = down.request("GET", "/home", {"Cookie": cookie})
        assert status == 503 and headers["Retry-After"] == "30"
        assert "Portalen er utilgjengelig en liten stund" in html and 'lang="nb"' in html
        assert "Elev Nummer1" not in html  # drawn as for a visitor
        # an error page of its own (here a 404) reads the user for its menu too
        status, _, html = down.request("GET", "/no-such-page", {"Cookie": cookie})
        assert status == 503 and "Portalen er utilgjengelig" in html
        status, headers, html = down.request("GET", "/login")  # needs no database
        assert status == 200
        status, headers, html = down.request(
            "POST", "/login",
            {"Cookie": _cookie(headers), "Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"username": "elev1", "password": "demo", "csrf_token": _token(html)}))
        assert status == 503 and headers["Retry-After"] == "30"
        assert "sjekk at det kom fram" in html
    finally:
        down.stop()
    lines = down.log.read_text().splitlines()
    why = "unable to open" if database_url.startswith("sqlite") else "Connection refused"
    for request in ["GET /home", "GET /no-such-page", "POST /login"]:
        line = next(li for li in lines if f"database unavailable on {request}:" in li)
        assert why in line  # the error on the same line: one line each
    assert not any(li.startswith("Traceback") for li in lines)


@pytest.mark.postgresql_only
def test_a_database_on_the_same_machine_is_reached_through_its_unix_socket(
        app, database_url, school_today, tmp_path):
    """docs/production.md: PostgreSQL on the app server's own machine through its unix socket
    (`?host=` the socket's directory), as the URL there has it: pages, a login and a filing
    work, and the server sees the app's connections come in over the socket, not TCP."""
    import psycopg2

    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SHOW unix_socket_directories")
        directory = cur.fetchone()[0].split(",")[0].strip()
        cur.execute("SHOW port")
        port = cur.fetchone()[0]
    parts = urlsplit(database_url)
    who = parts.username + (f":{parts.password}" if parts.password else "")
    url = urlunsplit(("postgresql", f"{who}@", parts.path, urlencode(
        {"host": directory, "port": port, "application_name": "portal-socket-test"}), ""))
    server = Server(url, "one-secret", tmp_path)
    try:
        assert server.request("GET", "/healthz/db")[::2] == (200, "ok")
        cookie, token = _login(server, "elev1")
        case_id = _file_study_leave(server, cookie, token, today() + timedelta(days=14))
        assert server.request("GET", f"/cases/{case_id}", {"Cookie": cookie})[0] == 200
        with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT client_addr, client_port FROM pg_stat_activity "
                        "WHERE application_name = 'portal-socket-test'")
            connections = cur.fetchall()
    finally:
        server.stop()
    # (a unix socket's client has no address, and port -1)
    assert connections and all(c == (None, -1) for c in connections)


def test_a_database_error_that_is_a_bug_is_not_called_unavailable(tmp_path):
    """A database whose migrations were not run (no tables): the 500 page and the traceback
    in the log, not "try again in a minute"."""
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    server = Server(f"sqlite:///{empty}", "a-secret", tmp_path)
    try:
        status, headers, html = server.request("GET", "/login")
        status, headers, html = server.request(
            "POST", "/login",
            {"Cookie": _cookie(headers), "Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"username": "elev1", "password": "demo", "csrf_token": _token(html)}))
        assert status == 500 and "Noe gikk galt hos oss" in html
        assert "Retry-After" not in headers
    finally:
        server.stop()
    log = server.log.read_text()
    assert "Traceback" in log and "no such table" in log
    assert "database unavailable" not in log


def _pg_tool(name: str) -> str:
    """A PostgreSQL client program of the newest server installed (as with-postgres.sh
    starts), else the one on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    path = str(found[-1]) if found else shutil.which(name)
    assert path, f"{name} is missing: PostgreSQL's client programs come with its server"
    return path


@pytest.fixture
def restored_database(database_url, tmp_path):
    """Where a backup of the test database is restored: a new, empty PostgreSQL database on
    the test server (dropped afterwards), or a new SQLite file."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    from bench.run import _drop_postgres, _fresh_postgres

    url = urlunsplit(urlsplit(database_url)._replace(path="/portal_restore_test"))
    _fresh_postgres(url)
    yield url
    _drop_postgres(url)


def _back_up_and_restore(database_url, restored, tmp_path):
    """docs/production.md's way for each database, while the portal runs: pg_dump and
    pg_restore; SQLite's online backup (what the sqlite3 tool's .backup does)."""
    if database_url.startswith("sqlite"):
        import sqlite3

        source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        target = sqlite3.connect(restored.removeprefix("sqlite:///"))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    # the nightly dump as root's crontab runs the documented line: through /bin/sh with
    # cron's bare environment, the URL from the environment file
    env_file, backups = tmp_path / "env", tmp_path / "backup"
    env_file.write_text(_set(documented_environment(), "PORTAL_DATABASE_URL", database_url))
    backups.mkdir(mode=0o700)
    command = (documented_backup_command().replace("/etc/portal/env", str(env_file))
               .replace("/backup/", f"{backups}/"))
    ran = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                              "SHELL": "/bin/sh", "LOGNAME": "root"}, timeout=120)
    assert ran.returncode == 0, f"{command}\n{ran.stdout}\n{ran.stderr}"
    [dump] = backups.iterdir()
    assert re.fullmatch(r"portal-\d{4}-\d\d-\d\d\.dump", dump.name), dump.name
    assert dump.stat().st_mode & 0o777 == 0o600  # health documents: its owner's alone
    subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error",
                    f"--dbname={restored}", str(dump)], check=True)


def documented_backup_command() -> str:
    """The command of docs/production.md's crontab line for the nightly dump, as cron hands
    it to /bin/sh: cron ends a command at a bare `%` and takes `\\%` for `%`."""
    [block] = blocks("production.md", "cron")
    [line] = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    command = line.split(None, 5)[5]
    assert not re.search(r"(?<!\\)%", command), f"cron would cut the line at its %: {command}"
    return command.replace("\\%", "%")


def test_a_backup_restores_into_a_working_portal(app, database_url, school_today,
                                                  restored_database, tmp_path):
    """docs/production.md's backup and restore: a backup of the running portal's database,
    restored into a new one, and the portal on the copy has everything (the case filed
    before the backup, its list rows) and goes on working (a new case gets a new number, its
    triggers fill the lists, no migration is pending)."""
    live = Server(database_url, "the-servers-secret", tmp_path)
    try:
        cookie, token = _login(live, "elev1")
        before = _file_study_leave(live, cookie, token, today() + timedelta(days=14),
                                   reason="Før sikkerhetskopien")
        _back_up_and_restore(database_url, restored_database, tmp_path)  # while it serves
    finally:
        live.stop()

    upgrade = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db-upgrade"], cwd=ROOT,
        env={**os.environ, "PORTAL_DATABASE_URL": restored_database, "SECRET_KEY": "x" * 32},
        capture_output=True, text=True, check=True)
    assert "Database is up to date." in upgrade.stdout

    copy = Server(restored_database, "the-servers-secret", tmp_path)
    try:
        cookie, token = _login(copy, "elev1")
        status, _, html = copy.request("GET", f"/cases/{before}", {"Cookie": cookie})
        assert status == 200 and "Før sikkerhetskopien" in html
        after = _file_study_leave(copy, cookie, token, today() + timedelta(days=21),
                                  reason="Etter gjenopprettingen")
        assert after != before
        status, _, html = copy.request("GET", "/home", {"Cookie": cookie})
        assert f"/cases/{before}" in html and f"/cases/{after}" in html
    finally:
        copy.stop()


def test_warm_up_compiles_every_template_and_loads_the_catalogues(app):
    import gc

    from flask_babel import get_babel

    from portal import filters
    from portal.cases.views import _PARENTS
    from portal.warmup import warm_up

    env = app.jinja_env
    env.cache.clear()
    _PARENTS.clear()
    filters._FORMATTERS.clear()
    with app.app_context():
        domain = get_babel().instance.domain_instance
    domain.cache.clear()
    try:
        done = warm_up(app)
        assert done["frozen_objects"] > 0 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    names = [n for n in env.list_templates() if n.endswith(".html")]
    assert done["templates"] >= len(names) > 20
    assert set(names) <= {key[1] for key in env.cache}  # compiled, in the cache workers inherit
    assert "cases/show.html" in _PARENTS  # the parent of every kind's case page
    assert ("nb", "messages") in domain.cache  # the merged catalogue
    assert filters._FORMATTERS  # the date patterns and Babel's locale data


def test_a_cookie_signed_with_another_key_is_refused(app, database_url, school, tmp_path):
    a = Server(database_url, "key-of-server-a", tmp_path)
    try:
        cookie, _ = _login(a, "elev1")
    finally:
        a.stop()
    b = Server(database_url, "another-key", tmp_path)
    try:
        status, headers, _ = b.request("GET", "/home", {"Cookie": cookie})
    finally:
        b.stop()
    assert status == 302 and "/login" in headers["Location"]


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_static_urls_are_versioned_and_cached_for_a_year(client, auth, school):
    auth.login("elev1")
    html = client.get("/home").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls)
    response = client.get(urls[0].replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    response.close()
    # a static file says nothing of the session: no cookie and no Vary: Cookie, so that a
    # shared cache keeps one copy for everyone
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    response.close()
    plain = client.get(urls[0].split("?")[0])
    assert plain.headers["Cache-Control"] == "no-cache"
    plain.close()
    # a file that is not there: a page for whoever asked (with their name): kept by nobody
    missing = client.get("/static/css/no-such-file.css?v=0123456789ab")
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == "no-store"
    assert "Cookie" in missing.headers.get("Vary", "")


def test_a_static_url_of_another_release_is_not_kept_as_that_release(client, app, tmp_path):
    """During a release one server at a time, a page from a new server may ask an old one for
    a file by its new hash (or the other way round): what it gets then is not this version,
    so no browser or proxy may keep it for a year as if it were."""
    html = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', html).group(1)
    path, _, digest = url.partition("?v=")
    for other in ("0" * 12, "nothing-else", ""):
        response = client.get(f"{path}?v={other}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache", other
        response.close()
    # the file changes on disk (a release's new file; here in a copy of the static files):
    # its old hash is no longer its own
    shutil.copytree(app.static_folder, tmp_path / "static")
    app.static_folder = str(tmp_path / "static")
    css = tmp_path / "static" / "css" / "portal.css"
    css.write_bytes(css.read_bytes() + b"\n/* a release later */\n")
    stale = client.get(url)
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    stale.close()


def test_a_static_file_has_the_same_etag_on_every_server(client, app, tmp_path):
    """Behind a load balancer, a browser's conditional request for a file may reach another
    server than the one it had the file from: the file's ETag is its content's hash, not its
    modification time and path on one server, so the other answers 304 all the same."""
    html = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/css/portal\.css\?v=([0-9a-f]{12}))"', html)
    first = client.get(url.group(1))
    etag = first.headers["ETag"]
    first.close()
    assert etag == f'"{url.group(2)}"'
    # another server: the same release unpacked elsewhere, at another moment
    shutil.copytree(app.static_folder, tmp_path / "static")
    css = tmp_path / "static" / "css" / "portal.css"
    os.utime(css, (1_600_000_000, 1_600_000_000))
    app.static_folder = str(tmp_path / "static")
    again = client.get(url.group(1), headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()
    # and a file changed by a release is sent whole, with its new ETag
    css.write_bytes(css.read_bytes() + b"\n/* a release later */\n")
    changed = client.get(url.group(1).split("?")[0], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    changed.close()


def test_a_static_file_copied_over_with_its_old_time_is_still_found_changed(
        client, app, tmp_path):
    """A release copied over the old files with their times kept (cp -p, rsync -a): a file
    whose content changed but whose modification time did not gets its new hash, in its
    address and its ETag, when its size changed."""
    shutil.copytree(app.static_folder, tmp_path / "static")
    app.static_folder = str(tmp_path / "static")
    css = tmp_path / "static" / "css" / "portal.css"
    first = client.get("/static/css/portal.css")
    etag = first.headers["ETag"]
    first.close()
    kept = css.stat()
    css.write_bytes(css.read_bytes() + b"\n/* a release later */\n")
    os.utime(css, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert css.stat().st_mtime_ns == kept.st_mtime_ns
    again = client.get("/static/css/portal.css", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    again.close()
    html = client.get("/login").get_data(as_text=True)
    assert f'portal.css?v={etag.strip(chr(34))}"' not in html


def test_a_static_name_outside_its_folder_is_not_found(client):
    for name in ("..%2f..%2fpyproject.toml", "../../pyproject.toml", "css", "css/"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 404, name
        response.close()


def _open_cases(school, n, kind):
    from portal.cases.engine import open_case

    return [open_case(kind, school=school.school, school_year=school.year, student=school.elev1,
                      title=f"Sak {i}", actor=school.elev1,
                      participants=[(school.trinn, "year_coordinator")]) for i in range(n)]


def test_the_queue_filters_by_kind_and_pages(client, auth, school):
    from portal.main.views import PAGE_SIZE

    kinds = sorted(REGISTRY)
    _open_cases(school, PAGE_SIZE + 2, kinds[0])
    auth.login("trinn1")
    first = client.get("/home").get_data(as_text=True)
    assert first.count('class="case-row"') == PAGE_SIZE
    assert "page=2" in first
    second = client.get("/home?page=2").get_data(as_text=True)
    assert second.count('class="case-row"') == 2
    other = next((k for k in kinds[1:]), None)
    if other:
        filtered = client.get(f"/home?kind={other}").get_data(as_text=True)
        assert filtered.count('class="case-row"') == 0
    only_open = client.get(f"/home?kind={kinds[0]}&open=1").get_data(as_text=True)
    assert 'name="open" value="1" checked' in only_open


def test_the_filter_by_kind_offers_every_kind_by_its_label(app, client, auth, school):
    """The queue's select of kinds: each installed kind with its label in the page's language,
    in the order of the labels, the one filtered by selected (sorted once per language)."""
    from flask_babel import force_locale

    auth.login("trinn1")
    chosen = sorted(REGISTRY)[0]
    page = client.get(f"/home?kind={chosen}").get_data(as_text=True)
    select = page[page.index('id="filter-kind"'):]
    select = select[:select.index("</select>")]
    options = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', select)
    with app.test_request_context(), force_locale("nb"):
        labels = {code: str(kind.label) for code, kind in REGISTRY.items()}
    assert [(code, label) for code, _sel, label in options] == sorted(
        labels.items(), key=lambda pair: pair[1])
    assert [code for code, sel, _label in options if sel] == [chosen]
    assert all(label != code for code, _sel, label in options)  # translated, not the code


@pytest.mark.parametrize("bind, expected", [
    ("127.0.0.1", "127.0.0.1:8000"), ("", "127.0.0.1:8000"),  # (set but empty: not every address)
    ("portal.internal", "portal.internal:8000"),
    ("::1", "[::1]:8000"), ("[::1]", "[::1]:8000"), ("[::1]:9000", "[::1]:9000"),
    ("0.0.0.0:9000", "0.0.0.0:9000"),
    ("unix:/run/portal/portal.sock", "unix:/run/portal/portal.sock"),
])
def test_gunicorn_binds_where_bind_says(monkeypatch, bind, expected):
    monkeypatch.setenv("BIND", bind)
    monkeypatch.delenv("PORT", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == expected


def test_gunicorn_runs_in_the_release_directory_not_through_the_link(monkeypatch, tmp_path):
    """/srv/portal/src links to the current release (docs/production.md). Started through it
    (the shell's $PWD the link's path), gunicorn would put the link's path on sys.path, and a
    worker importing a module after the link moved to the next release would read that
    release's file; gunicorn.conf.py's chdir is the release's own directory."""
    from gunicorn.util import getcwd

    link = tmp_path / "src"
    link.symlink_to(ROOT, target_is_directory=True)
    monkeypatch.chdir(link)
    monkeypatch.setenv("PWD", str(link))
    assert getcwd() == str(link)  # gunicorn's own default: the link
    assert runpy.run_path(str(link / "gunicorn.conf.py"))["chdir"] == str(ROOT.resolve())


def test_gunicorn_serves_on_a_unix_socket_without_a_control_socket(tmp_path):
    """A proxy on the same host may reach the portal over a unix socket; and gunicorn's
    control socket, one path per user by default, is not opened (two gunicorns of one user
    would share it)."""
    home = tmp_path / "home"
    home.mkdir()
    sock = tmp_path / "portal.sock"
    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "SECRET_KEY": "k" * 64,
           "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"), "WEB_CONCURRENCY": "1",
           "BIND": f"unix:{sock}", "HOME": str(home)}
    env.pop("PORTAL_ENV", None)
    env.pop("XDG_RUNTIME_DIR", None)
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline, answer = time.monotonic() + 30, None
        while answer is None and time.monotonic() < deadline:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(10)
                    s.connect(str(sock))
                    s.sendall(b"GET /healthz HTTP/1.0\r\nHost: portal\r\n\r\n")
                    answer = b"".join(iter(lambda: s.recv(65536), b""))
            except OSError:
                time.sleep(0.1)
        assert answer is not None, log.read_text()
        assert answer.startswith(b"HTTP/1.1 200") or answer.startswith(b"HTTP/1.0 200"), answer
        assert not (home / ".gunicorn").exists()
    finally:
        stop_process(proc)


SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"


def _documented_units() -> list[tuple[str, str]]:
    """Every systemd unit the docs give: (the document, the unit's text)."""
    return [(doc, block) for doc in ("production.md", "operations.md")
            for block in blocks(doc, "ini") if "[Service]" in block]


def _verify_unit(text: str, where: Path) -> list[str]:
    """What `systemd-analyze verify` says of the unit `text`, with its /srv/portal and
    /etc/portal under `where` (the programs it starts and the environment file there)."""
    text = text.replace("/srv/portal", f"{where}/srv/portal").replace(
        "/etc/portal", f"{where}/etc/portal")
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStart", "EnvironmentFile") and value.startswith(str(where)):
            path = Path(value.split()[0])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("#!/bin/sh\n")
            path.chmod(0o755)
    unit = where / "portal-under-test.service"
    unit.write_text(text)
    checked = subprocess.run([SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True,
                             text=True)
    return [line for line in (checked.stdout + checked.stderr).splitlines()
            if unit.name in line]


def test_each_document_gives_its_systemd_unit():
    """(The test below has one case per unit found: none found would be no test.)"""
    assert [doc for doc, _ in _documented_units()] == ["production.md", "operations.md"]


@pytest.mark.parametrize("doc, unit", _documented_units(),
                         ids=lambda v: v if v.endswith(".md") else None)
def test_the_documented_systemd_units_are_valid(doc, unit, tmp_path):
    """systemd reads each unit the docs give without a complaint (a misspelt key or value is
    only a warning in the journal, and the service then runs without it)."""
    if not os.access(SYSTEMD_ANALYZE, os.X_OK):
        unavailable("systemd-analyze is missing (scripts/ensure-production-tools.sh installs it)")
    assert _verify_unit(unit, tmp_path / "ok") == []
    # ... and the checker does complain here: the same unit with a value systemd cannot read
    assert _verify_unit(unit.replace("Restart=always", "Restart=alwayz"), tmp_path / "bad")
