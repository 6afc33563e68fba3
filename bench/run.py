"""`make bench`: build the datasets, count queries, load-test gunicorn with wrk, one table.

    python -m bench.run [--db sqlite|postgresql] [--scale 1.0] [--duration 10] [--connections 50]

PostgreSQL needs PORTAL_TEST_POSTGRES_URL (`make bench DB=postgresql` starts a throw-away
server through scripts/with-postgres.sh). Results go to bench/results.json.
"""

import argparse
import gzip
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.plans import LARGE, generic_plans
from bench.queries import FORM_TOKEN_MARK, TOKEN  # (TOKEN: a page's CSRF token)

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
BIN = Path(sys.executable).parent
UA = "portal-bench/1"
FULL_CASES = 150_000
SMALL_CASES = 1_000
STUDENTS = 20  # logged-in students whose requests each scenario cycles through

TARGETS = {"status_304_ratio": 0.50, "page_ratio": 0.25, "p99_ms": 100, "queries": 12,
           "first_load_kb": 60}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- databases ----------------------------------------------------------------------------

def _fingerprint(scale: float, day: date) -> str:
    """What the kept dataset was built from: the scale, the school year it is written for
    (built on `day`; a new year builds a new one) and the code that writes it."""
    from bench.dataset import school_year_of

    h = hashlib.sha256(f"{scale} {school_year_of(day)[2]}".encode())
    for p in sorted([*ROOT.glob("bench/dataset.py"), *ROOT.glob("bench/bulk.py"),
                     *ROOT.glob("bench/kinds.py"),
                     *ROOT.glob("migrations/*.py"), *ROOT.glob("portal/**/models.py"),
                     *ROOT.glob("portal/models/*.py")]):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def database_url(backend: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{BUILD / (name + '.sqlite3')}"
    base = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not base:
        sys.exit("bench: PORTAL_TEST_POSTGRES_URL is not set; run `make bench DB=postgresql`")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + name))


def _on_the_server(url: str, *statements: str) -> None:
    """Run `statements` ({name}: the database of `url`) from the server's postgres database."""
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            for statement in statements:
                cur.execute(statement.format(name=parts.path[1:]))
    finally:
        admin.close()


def _fresh_postgres(url: str) -> None:
    _on_the_server(url, 'DROP DATABASE IF EXISTS "{name}"', 'CREATE DATABASE "{name}"')


def _drop_postgres(url: str) -> None:
    """Drop the database of `url`, ending its sessions (PostgreSQL 13 on)."""
    _on_the_server(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_files(url: str) -> list[Path]:
    path = Path(url.removeprefix("sqlite:///"))
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def prepare(backend: str, name: str, scale: float, rebuild: bool,
            run_day: "RunDay") -> tuple[str, dict]:
    """A migrated database holding the dataset at `scale`, built as at the run's start (moved
    back to the day the portal is pinned to, RunDay.now); SQLite files
    are kept between runs (a pristine copy, rebuilt when the generator, models or migrations
    change, or the school year it is written for), and a kept one is used as it is."""
    from bench import dataset
    from portal import create_app
    from portal.db import database, migrate

    url = database_url(backend, name)
    marker = BUILD / f"{name}.{backend}.json"
    fingerprint = _fingerprint(scale, run_day.day)
    pristine = BUILD / f"{name}.pristine.sqlite3"
    if backend == "sqlite" and not rebuild and marker.exists() and pristine.exists():
        info = json.loads(marker.read_text())
        if info.get("fingerprint") == fingerprint:
            log(f"{name}: reusing the dataset built {info['built_at']}")
            for f in _sqlite_files(url):
                f.unlink(missing_ok=True)
            shutil.copyfile(pristine, _sqlite_files(url)[0])
            create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
            return url, info["rows"]
    if backend == "sqlite":
        for f in _sqlite_files(url):
            f.unlink(missing_ok=True)
    else:
        _fresh_postgres(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    started = time.monotonic()
    # (in an app context: the texts the kinds' code would write are in the default language)
    with app.app_context(), database.connection_context():
        migrate()
        log(f"{name}: building the dataset at scale {scale} ...")
        rows = dataset.build(database.obj, scale=scale, now=run_day.now)
    log(f"{name}: {rows.get('case', 0):,} cases, {rows.get('event', 0):,} events in "
        f"{time.monotonic() - started:.0f} s")
    if backend == "sqlite":
        with database.connection_context():
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(_sqlite_files(url)[0], pristine)
        marker.write_text(json.dumps({"fingerprint": fingerprint, "rows": rows,
                                      "built_at": time.strftime("%Y-%m-%d %H:%M")}))
    return url, rows


# --- who and what ---------------------------------------------------------------------------

def pick_subjects(n_students: int) -> dict:
    """The users and cases the scenarios use: students with a completed study-leave case (one
    per school in turn, where there are any), and each school's first year coordinator,
    where it has one."""
    from portal.models import Case, School, SchoolYear, User

    kind = "study_leave" if _has_study_leave() else None
    query = (Case.select(Case.id, Case.student, Case.school)
             .where(Case.state == "completed") if kind else Case.select(Case.id, Case.student,
                                                                         Case.school))
    if kind:
        query = query.where(Case.kind == kind)
    schools = [s.id for s in School.select(School.id).order_by(School.id)]
    picked, seen = [], set()
    for school_id in schools * n_students:
        case = (query.where((Case.school == school_id) & Case.student.not_in(list(seen) or [0]))
                .order_by(Case.id).first())
        if case and case.student_id not in seen:
            seen.add(case.student_id)
            picked.append((User.get_by_id(case.student_id).username, case.id))
        if len(picked) >= n_students:
            break
    # (a school without study leave, the dataset's fagskole, has no year coordinators)
    coordinators = [u.username for u in User.select(User.username).where(User.username.in_(
        [f"b{n}-trinn1" for n in range(1, len(schools) + 1)])).order_by(User.id)]
    # (the dataset's one school year, the same at every school: where filing must lie)
    year = (SchoolYear.select(SchoolYear.ends_on).where(SchoolYear.school == schools[0])
            .order_by(SchoolYear.ends_on.desc()).first()) if kind and schools else None
    return {"students": picked, "coordinators": coordinators, "kind": kind,
            "deciders": [(_year_coordinator_of(case), case) for _, case in picked],
            "year_ends": year.ends_on if year else None}


def _year_coordinator_of(case_id: int) -> str:
    """The username of the case's year coordinator (who decides a study-leave application)."""
    from portal.models import Participant, User

    return (User.select(User.username).join(Participant, on=(Participant.user == User.id))
            .where((Participant.case == case_id) & (Participant.part == "year_coordinator"))
            .order_by(User.id).scalar())


def _has_study_leave() -> bool:
    from portal.cases.kinds import REGISTRY

    return "study_leave" in REGISTRY


def filing_form(on: date, year_ends: date) -> dict | None:
    """The study-leave application the filing scenario sends on `on`: two weeks ahead, from
    a working day (so the period holds a school day: the dataset has no breaks) for up to
    three days within the school year ending `year_ends`; None when the year has no such
    period left (its last two weeks and the summer after it)."""
    from portal.rules.calendar import next_working_day

    first = next_working_day(on + timedelta(days=14))
    if first > year_ends:
        return None
    return {"first_day": first.isoformat(),
            "last_day": min(first + timedelta(days=2), year_ends).isoformat(),
            "reason": "Jeg skal delta i et idrettsstevne med klubben min.",
            # each send a form of its own, as each application a student fills in: wrk puts a
            # token of its own in every request (scenario.lua); one sent before would be
            # answered with the case it filed, not filed again
            "form_token": FORM_TOKEN_MARK}


def portal_day(real: date) -> date | None:
    """The day the benchmark's portal takes as today: None (the real day) when the school
    year of a dataset built on `real` still has a period to apply for, else the latest earlier
    day on the same weekday that has one. From two weeks before a school year ends until the
    next has run for six weeks (dataset.SETTLED) nothing is left to apply for in the dataset's
    year, and a benchmark run then would not measure filing, the costliest request."""
    from bench.dataset import school_year_of

    day = real
    while filing_form(day, school_year_of(day)[1]) is None:
        day -= timedelta(weeks=1)
    return None if day == real else day


@dataclass(frozen=True)
class RunDay:
    """The day a benchmark run takes as today, from the moment it starts (a run that passes
    midnight keeps it): the real day, or the day portal_day pins the portal to."""
    started: datetime  # naive UTC, as the database keeps times
    pinned: date | None

    @classmethod
    def starting(cls, started: datetime) -> "RunDay":
        from portal.rules.calendar import oslo_date

        return cls(started, portal_day(oslo_date(started)))

    @property
    def real(self) -> date:
        from portal.rules.calendar import oslo_date

        return oslo_date(self.started)

    @property
    def day(self) -> date:
        return self.pinned or self.real

    @property
    def now(self) -> datetime:
        """The moment the run's datasets are built as at: its start, moved back to the
        pinned day by whole weeks (the weekday and the time of day kept)."""
        return self.started - (self.real - self.day)


def scenarios(subjects: dict, on: date | None = None) -> list[dict]:
    """Each scenario: a name, a label, the status every answer must have, the request counted
    in-process (as whom), and a function building wrk's requests from the logged-in users.
    `on`: the day the portal takes as today (the real one when None). Filing is left out
    when the school year has no period left to apply for (said in the log)."""
    from portal.rules.calendar import today
    student, case = subjects["students"][0]
    coord = subjects["coordinators"][0]
    hx = {"HX-Request": "true"}
    out = [
        {"name": "bare", "label": "bare route /healthz (ceiling)", "expected": 200,
         "count_as": None, "count_request": {"method": "GET", "path": "/healthz"}},
        # not a target: what every logged-in page costs before its own content (session, user,
        # menu, layout), shown next to the pages for scale
        {"name": "floor", "label": "layout only, logged in (404 page)", "expected": 404,
         "count_as": student, "count_request": {"method": "GET", "path": "/no-such-page"}},
        {"name": "status_304", "label": "status poll, unchanged case (304)", "expected": 304,
         "count_as": student, "count_request": {
             "method": "GET", "path": f"/cases/{case}/status",
             "headers": {**hx, "If-None-Match": "@ETAG@"}}},
        {"name": "status_200", "label": "status poll, changed case (200)", "expected": 200,
         "count_as": student, "count_request": {
             "method": "GET", "path": f"/cases/{case}/status",
             "headers": {**hx, "If-None-Match": f'"c{case}v0"'}}},
        {"name": "home", "label": "student's home", "expected": 200, "count_as": student,
         "count_request": {"method": "GET", "path": "/home"}},
        {"name": "queue", "label": "coordinator's queue, first page", "expected": 200,
         "count_as": coord, "count_request": {"method": "GET", "path": "/home"}},
        {"name": "queue_filtered", "label": "coordinator's queue, filtered", "expected": 200,
         "count_as": coord, "count_request": {
             "method": "GET", "path": "/home?" + urlencode(
                 {"kind": subjects["kind"] or "", "open": "1"})}},
        {"name": "case", "label": "case page, the student's view", "expected": 200,
         "count_as": student, "count_request": {"method": "GET", "path": f"/cases/{case}"}},
    ]
    if subjects["kind"]:
        # the same study-leave cases as their year coordinators see them to decide: with the
        # student's earlier grants and absence this year
        out.append({"name": "case_staff", "label": "case page, the coordinator's view",
                    "expected": 200, "count_as": subjects["deciders"][0][0],
                    "count_request": {"method": "GET", "path": f"/cases/{case}"}})
        form = (filing_form(on or today(), subjects["year_ends"])
                if subjects["year_ends"] else None)
        if form is None:
            log(f"filing left out: the school year ends {subjects['year_ends']}, so no study "
                "leave can be applied for now (make bench files two weeks ahead)")
        else:
            out.append({"name": "file", "label": "filing an application (POST + CSRF)",
                        "expected": 303, "count_as": student, "count_request": {
                            "method": "POST", "path": "/study-leave/new", "form": form}})
    return out


def count_queries(url: str, scen: list[dict], etag_of, pinned: date | None = None) -> dict:
    """{scenario name: queries.Counted} of one request of each scenario, in process, on the
    portal's day (`pinned`, portal_day)."""
    from bench import dataset, queries
    from portal import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-count",
                      **({"PORTAL_TODAY": pinned} if pinned else {})})
    fill_etags(scen, etag_of)
    return queries.count(app, scen, dataset.PASSWORD)


def fill_etags(scen: list[dict], etag_of) -> None:
    """The counted request of the unchanged poll asks with its case's current ETag
    (`etag_of(case id)`)."""
    for s in scen:
        headers = s["count_request"].get("headers")
        if headers and headers.get("If-None-Match") == "@ETAG@":
            headers["If-None-Match"] = etag_of(int(s["count_request"]["path"].split("/")[2]))


def _cases() -> int:
    from portal.db import database
    from portal.models import Case

    with database.connection_context():
        return Case.select().count()


def _etag_from_db(case_id: int) -> str:
    from portal.db import database
    from portal.models import Case

    with database.connection_context():
        return Case.get_by_id(case_id).etag


# --- gunicorn and wrk ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving wsgi.py's app as in production, or, when the portal's day is `pinned`
    (portal_day), bench/pinned.py's."""

    def __init__(self, url: str, workers: int, pinned: date | None = None):
        self.port = free_port()
        self.secret = secrets.token_hex(32)
        instance = BUILD / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PORTAL_DATABASE_URL": url, "SECRET_KEY": self.secret,
               "PORTAL_ENV": "production", "PORTAL_INSTANCE_PATH": str(instance),
               "PORTAL_BASE_URL": "https://portal.bench.example",
               "WEB_CONCURRENCY": str(workers), "PORT": str(self.port), "BIND": "127.0.0.1",
               **({"PORTAL_BENCH_DAY": pinned.isoformat()} if pinned else {})}
        self.log = open(BUILD / "gunicorn.log", "w")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
             "bench.pinned:app" if pinned else "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        sys.exit(f"bench: gunicorn did not start; see {BUILD / 'gunicorn.log'}")

    def request(self, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers={"User-Agent": UA, **(headers or {})})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, r.headers, data

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def login(self, username: str, password: str) -> tuple[str, str]:
        """Log in through the form like a browser; returns the session cookie and the CSRF
        token of the logged-in session (a login gives the session a new one), valid for the
        whole session."""
        status, headers, body = self.get("/login")
        cookie = _session_cookie(headers)
        token = TOKEN.search(body.decode()).group(1)
        status, headers, _ = self.request(
            "POST", "/login", {"Cookie": cookie,
                               "Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"username": username, "password": password, "csrf_token": token}))
        if status != 302:
            sys.exit(f"bench: login of {username} answered {status}")
        cookie = _session_cookie(headers)
        status, headers, body = self.get("/home", {"Cookie": cookie})
        found = TOKEN.search(body.decode())
        if status != 200 or not found:
            sys.exit(f"bench: the home page of {username} answered {status} with no form")
        # (the page that made the session's token says so in a new cookie)
        return _session_cookie(headers, default=cookie), found.group(1)

    def workers_rss_mb(self) -> list[float]:
        out = []
        for pid in _children(self.proc.pid):
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            out.append(round(kb / 1024, 1))
        return out

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _session_cookie(headers, default: str | None = None) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    if default is not None:
        return default
    raise RuntimeError("no session cookie in the answer")


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if value is None:
        return "nil"
    if isinstance(value, int):
        return str(value)
    text = json.dumps(str(value))
    assert text.isascii(), text
    return text


def wrk_requests(s: dict, server: Server, sessions: dict, subjects: dict) -> list[dict]:
    """The scenario's requests for wrk, one per logged-in user it concerns."""
    name, r = s["name"], s["count_request"]
    if name == "bare":
        return [{"method": "GET", "path": "/healthz", "headers": {"User-Agent": UA}}]
    users = ([(c, None) for c in subjects["coordinators"]] if name.startswith("queue")
             else subjects["deciders"] if name == "case_staff" else subjects["students"])
    out = []
    for username, case in users:
        cookie, token = sessions[username]
        headers = {"User-Agent": UA, "Cookie": cookie, **(r.get("headers") or {})}
        path = r["path"]
        if case is not None:
            path = re.sub(r"/cases/\d+", f"/cases/{case}", path)
        body = None
        if name == "status_304":
            headers["If-None-Match"] = server.get(path, {"Cookie": cookie})[1]["ETag"]
        elif name == "status_200":
            headers["If-None-Match"] = f'"c{case}v0"'
        if r.get("form") is not None:
            body = urlencode({**r["form"], "csrf_token": token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        out.append({"method": r["method"], "path": path, "headers": headers, "body": body})
    return out


# --- CPU per request ----------------------------------------------------------------------
# Where a request's CPU goes on this machine: the app's workers, the database server (when it
# runs here: PostgreSQL; SQLite works inside the workers) and wrk. Read from /proc before and
# after each run; the machine's busy time (from /proc/stat) covers the kernel's share besides.

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a process and its living descendants, with the children
    each has reaped (a worker restarted during the run still counts)."""
    if pid is None:
        return 0.0
    ticks, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            fields = _stat(p)
        except OSError:  # gone meanwhile: its time is now its parent's (reaped children)
            continue
        ticks += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        stack.extend(_children(p))
    return ticks / _TICK


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the process's name (the state first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    """The living children of a process, forked by any of its threads."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(c) for c in task.read_text().split())
        except OSError:  # the thread or the process ended meanwhile
            pass
    return found


def machine_busy() -> float:
    """CPU seconds all cores have been busy (user, nice, system, irq, softirq; not idle,
    not waiting for I/O, not stolen by the hypervisor)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / _TICK


def wrk_cpu() -> float:
    """CPU seconds of this process's waited-for children (wrk: gunicorn is not waited for
    until the end)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def database_pid(url: str) -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (the parent of
    this connection's server process, a process named postgres here), else None (a server
    elsewhere; SQLite: the workers do its work)."""
    if not url.startswith("postgresql"):
        return None
    from portal.db import database

    with database.connection_context():
        backend = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    try:
        parent = int(_stat(backend)[1])
        name = Path(f"/proc/{parent}/comm").read_text().strip()
    except (OSError, ValueError, IndexError):  # no such process here: another machine's
        return None
    return parent if name.startswith("postgres") else None


class CpuMeter:
    """CPU per request of one wrk run, split by who spent it."""

    def __init__(self, app_pid: int, db_pid: int | None):
        self.app_pid, self.db_pid = app_pid, db_pid

    def sample(self) -> tuple[float, float, float, float]:
        return (tree_cpu(self.app_pid), tree_cpu(self.db_pid), wrk_cpu(), machine_busy())

    def per_request(self, before, after, requests: int) -> dict:
        app, db, load, busy = (b - a for a, b in zip(before, after, strict=True))
        ms = 1000 / max(1, requests)
        return {"app": round(app * ms, 3),
                "database": round(db * ms, 3) if self.db_pid else None,
                "load_generator": round(load * ms, 3),
                "machine_busy": round(busy * ms, 3)}


def run_wrk(requests: list[dict], expected: int, *, connections: int, duration: int,
            name: str, meter: CpuMeter | None = None) -> dict:
    template = (ROOT / "bench" / "scenario.lua").read_text()
    script = BUILD / f"{name}.lua"
    script.write_text(template.replace("@REQUESTS@", _lua(requests))
                      .replace("@EXPECTED@", str(expected))
                      .replace("@FORM_TOKEN_MARK@", _lua(FORM_TOKEN_MARK))
                      .replace("@RUN@", _lua(secrets.token_hex(4))))
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(script), f"http://127.0.0.1:{_port}"]
    before = meter.sample() if meter else None
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = meter.sample() if meter else None
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    data = json.loads(line[6:])
    seconds = data["duration_us"] / 1e6
    n = max(1, data["requests"])
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "bytes_per_response": round(data["bytes"] / n),
        "requests": data["requests"],
        "wrong_status": data["wrong_status"],
        "socket_errors": data["socket_errors"],
        "cpu_ms": meter.per_request(before, after, data["requests"]) if meter else None,
    }


def against_the_bare_route(runs: list[dict]) -> tuple[list[dict], list[float]]:
    """`runs` in the order they ran: the bare route before the first page, after each page,
    and nothing else between. Each page's ratio is its throughput over the mean of the bare
    route's runs just before and just after it (`bare_rps_around`). The rows come back with
    one row for the bare route, its median run, whose ratio is against the mean of all its
    runs; and the throughput of every bare run, in order."""
    bare = runs[0::2]
    pages = runs[1::2]
    if not bare or any(r["name"] != "bare" for r in bare) or len(bare) != len(pages) + 1:
        raise ValueError("the bare route must run first, and again after each page")
    bare_rps = [r["rps"] for r in bare]
    rows = [dict(sorted(bare, key=lambda r: r["rps"])[(len(bare) - 1) // 2])]
    rows[0]["ratio_to_bare"] = round(rows[0]["rps"] / (sum(bare_rps) / len(bare_rps)), 3)
    for i, page in enumerate(pages):
        around = [bare_rps[i], bare_rps[i + 1]]
        rows.append({**page, "bare_rps_around": around,
                     "ratio_to_bare": round(page["rps"] / (sum(around) / 2), 3)})
    return rows, bare_rps


_port = 0


def first_load(server: Server, cookie: str) -> dict:
    """What a browser transfers for the student's home with an empty cache: the page, its
    CSS and scripts; raw, and gzip-compressed as the reverse proxy in docs/production.md
    sends them (gzip level 6)."""
    status, headers, body = server.get("/home", {"Cookie": cookie,
                                                  "Accept-Encoding": "gzip"})
    items = [("/home", headers, body)]
    html = body.decode()
    for ref in re.findall(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"', html):
        st, h, b = server.get(ref.replace("&amp;", "&"), {"Accept-Encoding": "gzip"})
        items.append((ref, h, b))
    files = []
    for ref, h, b in items:
        raw = len(b)
        if h.get("Content-Encoding") == "gzip":
            compressed, raw = raw, len(gzip.decompress(b))
        else:
            compressed = len(gzip.compress(b, 6))
        files.append({"url": ref, "bytes": raw, "gzip_bytes": compressed,
                      "cache_control": h.get("Cache-Control")})
    return {"files": files,
            "total_kb": round(sum(f["bytes"] for f in files) / 1024, 1),
            "total_gzip_kb": round(sum(f["gzip_bytes"] for f in files) / 1024, 1)}


# --- report -------------------------------------------------------------------------------

def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024),
            "os": platform.platform(), "python": platform.python_version()}


def table(result: dict) -> str:
    rows = [("scenario", "rps", "p50 ms", "p95 ms", "p99 ms", "bytes/resp", "vs bare",
             "q 1k", "q 150k", "CPU app", "CPU db", "CPU all")]
    for s in result["scenarios"]:
        cpu = s.get("cpu_ms") or {}
        rows.append((s["label"], f"{s['rps']:.0f}", f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}",
                     f"{s['p99_ms']:.1f}", f"{s['bytes_per_response']:,}",
                     f"{s['ratio_to_bare']:.0%}", str(s["queries_small"]),
                     str(s["queries_full"]), _ms(cpu.get("app")), _ms(cpu.get("database")),
                     _ms(cpu.get("machine_busy"))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                for i, (c, w) in enumerate(zip(r, widths, strict=True))) + " |"
             for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _ms(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def check_targets(result: dict) -> list[str]:
    misses = []
    by = {s["name"]: s for s in result["scenarios"]}
    if "status_304" in by and by["status_304"]["ratio_to_bare"] < TARGETS["status_304_ratio"]:
        misses.append(f"unchanged status poll at {by['status_304']['ratio_to_bare']:.0%} of "
                      f"bare (target ≥ 50 %)")
    for s in result["scenarios"]:
        page = s["name"] not in ("bare", "floor", "status_304")
        if page and s["ratio_to_bare"] < TARGETS["page_ratio"]:
            misses.append(f"{s['label']} at {s['ratio_to_bare']:.0%} of bare (target ≥ 25 %)")
        if s["name"] not in ("bare", "floor") and s["p99_ms"] >= TARGETS["p99_ms"]:
            misses.append(f"{s['label']}: p99 {s['p99_ms']} ms (target < 100 ms)")
        if s["queries_full"] > TARGETS["queries"] or s["queries_full"] != s["queries_small"]:
            misses.append(f"{s['label']}: {s['queries_small']} / {s['queries_full']} queries "
                          f"(target ≤ 12, same at both sizes)")
        if s.get("cases_filed", s["requests"]) < s["requests"]:
            misses.append(f"{s['label']}: {s['cases_filed']} cases filed by {s['requests']} "
                          f"requests (each sends a form of its own: bench/scenario.lua)")
        if s["wrong_status"] or s["socket_errors"]:
            misses.append(f"{s['label']}: {s['wrong_status']} unexpected statuses, "
                          f"{s['socket_errors']} socket errors")
    if result["first_load"]["total_gzip_kb"] > TARGETS["first_load_kb"]:
        misses.append(f"first load of the student's home {result['first_load']['total_gzip_kb']}"
                      f" KB (target ≤ 60 KB)")
    return misses


def main(argv=None) -> int:
    global _port
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 10 schools, 30,000 students, 150,000 cases")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--rebuild", action="store_true", help="rebuild kept SQLite datasets")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args(argv)
    BUILD.mkdir(parents=True, exist_ok=True)
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is missing (make bench installs Debian's wrk)")

    from portal.db import database
    from portal.models.base import utcnow

    started = time.monotonic()
    run_day = RunDay.starting(utcnow())
    pinned = run_day.pinned
    if pinned:
        log(f"the portal's day is pinned to {pinned}: on {run_day.real} the datasets' school "
            f"year has no period left to apply for (a dataset built now is dated as on {pinned})")
    small_url, _small_rows = prepare(args.db, "bench_small", SMALL_CASES / FULL_CASES,
                                     args.rebuild, run_day)
    with database.connection_context():
        subjects_small = pick_subjects(1)
    counted_small = count_queries(small_url, scenarios(subjects_small, run_day.day),
                                  _etag_from_db, pinned)
    queries_small = {name: c.statements for name, c in counted_small.items()}
    log(f"queries on {SMALL_CASES:,} cases: {queries_small}")

    url, rows = prepare(args.db, "bench_full", args.scale, args.rebuild, run_day)
    with database.connection_context():
        subjects = pick_subjects(STUDENTS)
    scen = scenarios(subjects, run_day.day)
    counted_full = count_queries(url, scenarios(subjects, run_day.day), _etag_from_db, pinned)
    queries_full = {name: c.statements for name, c in counted_full.items()}
    log(f"queries on {rows.get('case', 0):,} cases: {queries_full}")
    # statements whose text peewee built for the request (bench/queries.py): none expected
    built = {name: max(c.built, counted_small[name].built)
             for name, c in counted_full.items() if name in counted_small}
    plans = None
    if args.db == "postgresql":  # the statements those pages prepared, on this connection
        with database.connection_context():
            plans = generic_plans(database)
        log(f"generic plans of {plans['statements']} prepared statements: "
            f"{len(plans['large_scans'])} sequential scans of a large table")
    db_pid = database_pid(url)
    database.close() if not database.is_closed() else None

    server = Server(url, args.workers, pinned)
    meter = CpuMeter(server.proc.pid, db_pid)
    _port = server.port
    try:
        from bench.dataset import PASSWORD

        sessions = {u: server.login(u, PASSWORD)
                    for u in [u for u, _ in subjects["students"] + subjects["deciders"]]
                    + subjects["coordinators"]}
        bare_requests = wrk_requests(scen[0], server, sessions, subjects)

        def bare_route() -> dict:
            return run_wrk(bare_requests, scen[0]["expected"], connections=args.connections,
                           duration=args.duration, name="bare", meter=meter)

        run_wrk(bare_requests, scen[0]["expected"], connections=args.connections, duration=2,
                name="bare")  # warm-up
        # The ceiling is measured before and after each page, and each page's ratio is against
        # the two runs around it: this VM's speed drifts by a fifth or more within a run (other
        # tenants), so a ceiling measured minutes away from a page says little about it.
        runs = [{"name": "bare", "label": scen[0]["label"], **bare_route()}]
        for s in scen[1:]:
            reqs = wrk_requests(s, server, sessions, subjects)
            run_wrk(reqs, s["expected"], connections=args.connections, duration=2,
                    name=s["name"])  # warm-up: templates compiled, caches filled
            log(f"{s['name']}: {len(reqs)} request variants, {args.duration} s")
            cases_before = _cases() if s["name"] == "file" else None
            m = run_wrk(reqs, s["expected"], connections=args.connections,
                        duration=args.duration, name=s["name"], meter=meter)
            if cases_before is not None:  # (each request a new form: each files a case)
                m["cases_filed"] = _cases() - cases_before
            runs.append({"name": s["name"], "label": s["label"], **m})
            runs.append({"name": "bare", "label": scen[0]["label"], **bare_route()})
        results, bare_runs = against_the_bare_route(runs)
        for r in results:
            r["queries_small"] = queries_small.get(r["name"])
            r["queries_full"] = queries_full.get(r["name"])
        log(f"bare route: {len(bare_runs)} runs, {min(bare_runs):.0f} to {max(bare_runs):.0f} rps")
        rss = server.workers_rss_mb()
        load = first_load(server, sessions[subjects["students"][0][0]][0])
    finally:
        server.stop()

    from portal.fragments import DEFAULT_SIZE

    # rows each worker keeps rendered (portal/fragments.py): 0 measures every row rendered
    row_cache = max(0, int(os.environ.get("PORTAL_ROW_CACHE_SIZE", DEFAULT_SIZE)))
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "database": args.db,
        "database_version": _db_version(url),
        "portal_day": pinned.isoformat() if pinned else None,  # None: the real day
        "scale": args.scale,
        "dataset": rows,
        "workers": args.workers,
        "row_cache_size": row_cache,
        "connections": args.connections,
        "duration_s": args.duration,
        "scenarios": results,
        "bare_rps_runs": bare_runs,
        "workers_rss_mb": rss,
        "first_load": load,
        "generic_plans": plans,
        "statements_built_per_request": built,
        "seconds": round(time.monotonic() - started),
    }
    result["targets_missed"] = check_targets(result)
    result["table"] = table(result)
    save(Path(args.out), args.db, result)
    print()
    print(f"{args.db}, {rows.get('case', 0):,} cases / {rows.get('event', 0):,} events, "
          f"{args.workers} gunicorn workers, wrk {args.connections} connections x "
          f"{args.duration} s, {result['machine']['cores']} cores ({result['machine']['cpu']}), "
          f"row cache {f'{row_cache:,} rows a worker' if row_cache else 'off'}")
    if pinned:
        print(f"the portal's day was pinned to {pinned}: on {run_day.real} the datasets' school "
              f"year had no period left to apply for")
    print(table(result))
    print(f"each page's ratio is against the bare route measured just before and just after "
          f"it ({len(bare_runs)} runs, {min(bare_runs):.0f} to {max(bare_runs):.0f} rps; its row "
          f"is the median run, against their mean)")
    print("CPU ms a request: app = gunicorn's workers (with SQLite, the database's work too), "
          "db = the PostgreSQL server on this machine, all = every core's busy time "
          "(wrk and the kernel included)")
    print(f"worker RSS after the run (MB): {', '.join(map(str, rss))}")
    print(f"first load of the student's home: {load['total_kb']} KB raw, "
          f"{load['total_gzip_kb']} KB gzip")
    if plans is not None:
        print(f"generic plans (PostgreSQL) of the {plans['statements']} prepared statements "
              f"the pages and the filing use: {len(plans['large_scans'])} read a table of "
              f"{LARGE:,}+ rows whole")
        for scan in plans["large_scans"]:
            print(f"PLAN SCANS {scan['table']} ({scan['rows']:,} rows): {scan['statement']}")
    rebuilt = {name: n for name, n in built.items() if n}
    print("statements whose text peewee built anew for the request: "
          + (", ".join(f"{name} {n}" for name, n in rebuilt.items()) if rebuilt
             else "none, in every scenario (each text kept: portal/db.py)"))
    for miss in result["targets_missed"]:
        print(f"TARGET MISSED: {miss}")
    print(f"written to {args.out}")
    return 0


def save(path: Path, backend: str, result: dict) -> None:
    """results.json keeps the latest run of each database: {"sqlite": {...}, ...}."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    if not all(k in ("sqlite", "postgresql") for k in saved):
        saved = {}
    saved[backend] = result
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")


def _db_version(url: str) -> str:
    from portal.db import database

    with database.connection_context():
        if url.startswith("sqlite"):
            return "SQLite " + database.execute_sql("select sqlite_version()").fetchone()[0]
        return database.execute_sql("show server_version").fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
