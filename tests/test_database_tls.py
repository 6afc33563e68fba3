"""PostgreSQL on another machine, reached over TLS with its certificate verified, as
docs/production.md sets it in PORTAL_DATABASE_URL (`?sslmode=verify-full&sslrootcert=...`):
a PostgreSQL server of the test's own that takes TLS connections only, with a certificate of
a throw-away authority, and the portal's deploy step and app server on it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import psycopg2
import pytest

from tests.ci import unavailable
from tests.documents import ROOT
from tests.net import free_port, work_directory
from tests.test_cron import documented_environment
from tests.test_production import Server, _pg_tool

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def _authority(work: Path, name: str) -> tuple[Path, Path]:
    """A certificate authority of its own: its certificate and key."""
    cert, key = work / f"{name}.crt", work / f"{name}.key"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    f"/CN={name}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _server_certificate(work: Path, ca: tuple[Path, Path], data: Path) -> None:
    """server.crt and server.key in the cluster's directory, for 127.0.0.1, signed by `ca`."""
    request, extensions = work / "server.csr", work / "server.ext"
    extensions.write_text("subjectAltName = IP:127.0.0.1\n")
    subprocess.run([OPENSSL, "req", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(data / "server.key"), "-out", str(request)],
                   check=True, capture_output=True)
    subprocess.run([OPENSSL, "x509", "-req", "-in", str(request), "-CA", str(ca[0]),
                    "-CAkey", str(ca[1]), "-CAcreateserial", "-days", "1",
                    "-extfile", str(extensions), "-out", str(data / "server.crt")],
                   check=True, capture_output=True)


def documented_database_url() -> str:
    """PORTAL_DATABASE_URL of docs/production.md's environment file, as `sh` reads it (the
    deploy step and the cron lines source it; systemd takes off the same quotes)."""
    [line] = [line for line in documented_environment().splitlines()
              if line.startswith("PORTAL_DATABASE_URL=")]
    read = subprocess.run(["/bin/sh", "-c", f'{line}\nprintf %s "$PORTAL_DATABASE_URL"'],
                          capture_output=True, text=True, check=True)
    assert read.stderr == "", read.stderr
    return read.stdout


def test_the_documented_database_url_asks_for_a_verified_tls_connection():
    url = urlsplit(documented_database_url())
    assert (url.scheme, url.hostname) == ("postgresql", "db.example")
    assert parse_qs(url.query)["sslmode"] == ["verify-full"]


class TlsCluster:
    """A PostgreSQL cluster on loopback that refuses connections without TLS (pg_hba:
    hostssl only), its certificate signed by a throw-away authority; `url(ca)` is the
    portal's URL for it, verifying the server against `ca`."""

    def __init__(self, work: Path):
        self.work, self.data, self.port = work, work / "data", free_port()
        root = os.geteuid() == 0  # initdb refuses root: the cluster is postgres's, as Debian's
        self.as_owner = ["runuser", "-u", "postgres", "--"] if root else []
        self.ca, _ = self.authority = _authority(work, "portal-test-ca")
        self._run(_pg_tool("initdb"), "-D", str(self.data), "-U", "portal", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        _server_certificate(work, self.authority, self.data)
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n")
        if root:
            for name in ("server.crt", "server.key"):
                shutil.chown(self.data / name, "postgres", "postgres")
        (self.data / "server.key").chmod(0o600)
        try:
            self._run(_pg_tool("pg_ctl"), "-D", str(self.data), "-w", "-l",
                      str(work / "server.log"), "-o",
                      f"-c listen_addresses=127.0.0.1 -p {self.port} -k {work} -c ssl=on "
                      f"-c fsync=off", "start")
            self._run(_pg_tool("createdb"), "-h", str(work), "-p", str(self.port), "-U",
                      "portal", "portal")
        except BaseException:
            self.stop()  # (a server that started stays no longer than the test)
            raise

    def _run(self, *command):
        done = subprocess.run([*self.as_owner, *command], capture_output=True, text=True)
        if done.returncode:
            log = self.work / "server.log"
            raise RuntimeError(f"{' '.join(command)}: {done.stderr}"
                               + (log.read_text() if log.exists() else ""))

    def url(self, ca: Path) -> str:
        """The documented URL's TLS parameters, for this cluster, with `ca` as the authority."""
        documented = urlsplit(documented_database_url())
        query = parse_qs(documented.query, strict_parsing=True)
        assert query.pop("sslrootcert") == ["/etc/portal/db-ca.pem"], documented.query
        return urlunsplit(("postgresql", f"portal@127.0.0.1:{self.port}", "/portal",
                           urlencode({**query, "sslrootcert": str(ca)}, doseq=True), ""))

    def ssl_of_clients(self) -> list[bool]:
        """Whether each client backend of the portal's database is on TLS (asked over the
        cluster's unix socket)."""
        conn = psycopg2.connect(host=str(self.work), port=self.port, user="portal",
                                dbname="portal")
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                    "WHERE a.datname = 'portal' AND a.backend_type = 'client backend' "
                    "AND a.pid <> pg_backend_pid()")
                return [row[0] for row in cursor.fetchall()]
        finally:
            conn.close()

    def stop(self):
        subprocess.run([*self.as_owner, _pg_tool("pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "-w", "stop"], capture_output=True)


@pytest.fixture
def tls_cluster(database_url):
    """(For tests marked postgresql_only: TLS to the database server is PostgreSQL's.)"""
    if not os.access(OPENSSL, os.X_OK):
        unavailable(f"{OPENSSL} is missing (scripts/ensure-production-tools.sh installs it)")
    # the cluster's owner writes its log and socket there
    owner = "postgres" if os.geteuid() == 0 else None
    with work_directory("portal-pg-tls-", owner) as work:
        cluster = TlsCluster(work)
        try:
            yield cluster
        finally:
            cluster.stop()


@pytest.mark.postgresql_only
def test_the_database_over_tls_with_its_certificate_verified(app, tls_cluster, tmp_path):
    """The deploy step (`flask db-upgrade`) and an app server reach a database that takes
    TLS only, through the documented URL: the server's certificate verified against the
    school's authority, every connection of the portal on TLS. The same URL with another
    authority's certificate is refused: the app server says the database is unavailable
    (/healthz/db 503) instead of talking to a server it cannot verify."""
    url = tls_cluster.url(tls_cluster.ca)
    upgrade = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db-upgrade"], cwd=ROOT,
        env={**os.environ, "PORTAL_DATABASE_URL": url, "SECRET_KEY": "x" * 32},
        capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr

    server = Server(url, "the-servers-secret", tmp_path)
    try:
        status, _, body = server.request("GET", "/healthz/db")
        assert (status, body) == (200, "ok")
        status, _, page = server.request("GET", "/login")
        assert status == 200 and "Logg inn" in page
        on_tls = tls_cluster.ssl_of_clients()
        assert on_tls and all(on_tls), on_tls
    finally:
        server.stop()

    other_ca, _ = _authority(tls_cluster.work, "another-ca")
    stranger = Server(tls_cluster.url(other_ca), "the-servers-secret", tmp_path)
    try:
        assert stranger.request("GET", "/healthz/db")[0] == 503
    finally:
        stranger.stop()
    assert "certificate verify failed" in stranger.log.read_text()
