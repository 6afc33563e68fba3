"""The reverse proxy exactly as docs/production.md gives it, run for real: Debian's nginx in
front of gunicorn (gunicorn.conf.py, PORTAL_ENV=production), HTTPS with a throw-away
certificate, and a client that talks to nginx as a browser does.

The nginx block is read from the document, so what is tested is what a school's IT staff
copies. Only what cannot be the same on this machine is replaced, each exactly once: the
upstream's servers (the test's gunicorn), the two `listen` ports (loopback) and the
certificate. `scripts/ensure-production-tools.sh` installs nginx and openssl for `make test`."""

import contextlib
import gzip
import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal.rules.calendar import today
from tests.ci import unavailable
from tests.documents import blocks, text
from tests.net import free_port, stop_process, work_directory
from tests.test_production import (
    UA,
    Server,
    _cookie,
    _file_study_leave,
    _token,
    school_today,  # noqa: F401  (a fixture)
)
from tests.test_proxy import _address_keys

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
FIRST_LOAD_LIMIT = 60 * 1024  # the issue's target for the student's home, htmx and CSS included
GZIP_MIN_LENGTH = 512  # the documented block's gzip_min_length


def documented_block() -> str:
    """The one ```nginx block of docs/production.md."""
    found = blocks("production.md", "nginx")
    assert len(found) == 1, "docs/production.md should give one nginx block"
    return found[0]


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, lambda _: replacement, text)
    assert count == 1, f"docs/production.md's nginx block no longer has {pattern!r} once"
    return new


def ipv6_listens() -> list[str]:
    """The `listen` lines docs/production.md says to add where the network has IPv6, in the
    order of the block's own (plain HTTP, then HTTPS)."""
    found = re.findall(r"`(listen \[::\]:\d+[^`]*;)`", text("production.md"))
    assert len(found) == 2, "docs/production.md should say which two IPv6 `listen` lines to add"
    return found


def configuration(block: str, *, upstream: list[str], http_port: int, https_port: int,
                  cert: Path, key: Path, work: Path, source: str | None = None,
                  ipv6: bool = False) -> str:
    """nginx.conf for this machine: the documented block in a minimal http context (Debian's
    mime types, an access log), with its ports, upstream and certificate made local; with
    `source`, nginx connects to the app servers from that address (as from a machine of its
    own); with `ipv6`, it also listens on IPv6 loopback, by the lines the document says to add
    for IPv6."""
    servers = " ".join(f"server {address};" for address in upstream)
    block = _replace_once(block, r"upstream portal \{[^}]*\}", f"upstream portal {{ {servers} }}")
    listens = {80: f"listen 127.0.0.1:{http_port};",
               443: f"listen 127.0.0.1:{https_port} ssl http2;"}
    if ipv6:  # each after the block's own line for its port, as a school would add it
        ports = {80: http_port, 443: https_port}
        for line in ipv6_listens():
            port = int(re.match(r"listen \[::\]:(\d+)", line).group(1))
            listens[port] += "\n    " + line.replace(f"[::]:{port}", f"[::1]:{ports[port]}")
    block = _replace_once(block, r"listen 80;", listens[80])
    block = _replace_once(block, r"listen 443 ssl http2;", listens[443])
    block = _replace_once(block, r"# ssl_certificate \.\.\.;",
                          f"ssl_certificate {cert}; ssl_certificate_key {key};")
    # (run as root, a `listen` left as documented would take the machine's own port)
    expected = [f"127.0.0.1:{http_port}", f"127.0.0.1:{https_port} ssl http2"]
    if ipv6:
        expected[1:1] = [f"[::1]:{http_port}"]
        expected.append(f"[::1]:{https_port} ssl http2")
    assert re.findall(r"^\s*listen\s+([^;]*);", block, re.M) == expected, \
        "docs/production.md's nginx block listens where the test does not know"
    # nginx started by root hands its workers to an unprivileged user, who could not write
    # the temporary files of a large upload in the test's directory
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {kind}_temp_path {work / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {work / 'nginx.pid'};\n"
            f"error_log {work / 'error.log'};\nevents {{ worker_connections 64; }}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  access_log {work / 'access.log'};\n{temp}\n"
            f"{f'  proxy_bind {source};' if source else ''}\n{block}}}\n")


def _tls() -> ssl.SSLContext:
    """A client's TLS that takes the test's own certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Proxy:
    """nginx serving the documented block in front of `servers`."""

    def __init__(self, servers: list[Server], work: Path, https_port: int,
                 source: str | None = None, ipv6: bool = False):
        self.work = work
        self.http_port, self.https_port = free_port(), https_port
        cert, key = work / "cert.pem", work / "key.pem"
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        conf = work / "nginx.conf"
        upstream = [f"unix:{server.socket_path}" if server.socket_path else
                    f"{_host(server.host)}:{server.port}" for server in servers]
        conf.write_text(configuration(documented_block(), upstream=upstream,
                                      http_port=self.http_port, https_port=self.https_port,
                                      cert=cert, key=key, work=work, source=source,
                                      ipv6=ipv6))
        command = [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.proc = subprocess.Popen([*command, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/healthz")
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start: " + (work / "error.log").read_text())

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def request(self, method, path, headers=None, body=None, *, source="127.0.0.1",
                https=True):
        """One request as a browser sends it; the status, headers and the body as sent
        (compressed, if it was)."""
        host, headers = "127.0.0.1", {**UA, **(headers or {})}
        if ":" in source:  # from IPv6 to nginx's IPv6 listen, the site named as over IPv4
            host = "::1"  # (a browser's Host is the site's name, whichever address it reached)
            headers.setdefault("Host", f"127.0.0.1:{self.https_port if https else self.http_port}")
        if https:
            conn = http.client.HTTPSConnection(host, self.https_port, timeout=30,
                                               context=_tls(), source_address=(source, 0))
        else:
            conn = http.client.HTTPConnection(host, self.http_port, timeout=30,
                                              source_address=(source, 0))
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def page(self, path, cookie=None, source="127.0.0.1", **headers):
        """A page as text, asked for with gzip, as every browser does."""
        status, response, body = self.request(
            "GET", path, {"Accept-Encoding": "gzip", **({"Cookie": cookie} if cookie else {}),
                          **headers}, source=source)
        if response.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return status, response, body.decode("utf-8")

    def post(self, path, fields, cookie, referer_path, *, source="127.0.0.1", headers=None):
        """A form's POST as a browser sends it over HTTPS (with its Referer and Origin)."""
        return self.request("POST", path, {
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.origin + referer_path, "Origin": self.origin, **(headers or {})},
            urlencode(fields), source=source)

    def access_log(self) -> str:
        return (self.work / "access.log").read_text()

    def stop(self):
        stop_process(self.proc)


def _host(address: str) -> str:
    """An address as a URL or nginx's `server` line writes it before its port."""
    return f"[{address}]" if ":" in address else address


@contextlib.contextmanager
def _stack(database_url: str, tmp_path: Path, *, servers: int = 1, unix: bool = False,
           host: str = "127.0.0.1", env: dict | None = None, source: str | None = None,
           ipv6: bool = False):
    """nginx in front of `servers` gunicorns as deployed (production mode, one secret, their
    addresses the proxy's, each its requests logged), reached over loopback TCP (at `host`,
    from `source` if given) or over unix sockets (BIND=unix:..., docs/production.md), `env`
    added to the servers' environment, nginx listening on IPv6 loopback too with `ipv6`; the
    proxy, and the servers."""
    for program in (NGINX, OPENSSL):
        if not os.access(program, os.X_OK):
            unavailable(f"{program} is missing (scripts/ensure-production-tools.sh installs it)")
    with work_directory("portal-nginx-") as work:  # (nginx's workers read it)
        started, proxy = [], None
        try:
            https_port, secret = free_port(), secrets.token_hex(32)
            for n in range(servers):
                started.append(Server(database_url, secret, tmp_path, env={
                    "PORTAL_ENV": "production", "GUNICORN_ACCESS_LOG": "-",
                    "PORTAL_BASE_URL": f"https://127.0.0.1:{https_port}", **(env or {})},
                    socket_path=work / f"portal-{n}.sock" if unix else None, host=host))
            proxy = Proxy(started, work, https_port, source, ipv6)
            yield proxy, started
        finally:
            if proxy:
                proxy.stop()
            for server in started:
                server.stop()


@pytest.fixture(params=["tcp", "unix"])
def proxied(request, app, database_url, school, tmp_path):
    """One gunicorn behind nginx, over TCP or a unix socket."""
    with _stack(database_url, tmp_path, unix=request.param == "unix") as (proxy, _):
        yield proxy


def _login(proxy: Proxy, username: str, password: str = "demo", source: str = "127.0.0.1",
           headers: dict | None = None):
    status, cookie_headers, html = proxy.request("GET", "/login", source=source)
    return proxy.post("/login", {"username": username, "password": password,
                                 "csrf_token": _token(html.decode())},
                      _cookie(cookie_headers), "/login", source=source, headers=headers)


def _post_from_elsewhere(proxy: Proxy, cookie: str, page: str) -> int:
    """The status of `page`'s logout form, with its right token, sent from another site."""
    status, _, _ = proxy.request("POST", "/logout", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": "https://elsewhere.example/"}, urlencode({"csrf_token": _token(page)}))
    return status


def test_plain_http_is_sent_to_https_which_offers_http2(proxied):
    status, headers, _ = proxied.request("GET", "/login?next=%2Fhome", https=False)
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/login?next=%2Fhome"
    # a browser that speaks HTTP/2 gets it (ALPN; the requests above are HTTP/1.1)
    context = _tls()
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", proxied.https_port), timeout=10) as raw, \
            context.wrap_socket(raw) as tls:
        assert tls.selected_alpn_protocol() == "h2"


def test_a_student_logs_in_and_loads_the_home_page_through_the_proxy(proxied):
    """HTTPS end to end: the login form's POST passes the CSRF check with the Host and
    scheme nginx forwards (and a form from another site does not), the session cookie is
    Secure, pages and text files arrive
    compressed, static files with a year's cache, and the first load of the student's home
    keeps to 60 KB."""
    status, headers, login_page = proxied.page("/login")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert "Logg inn" in login_page

    status, headers, _ = _login(proxied, "elev1")
    assert status == 302, "the login's POST should pass the CSRF check behind the proxy"
    set_cookie = next(v for v in headers.get_all("Set-Cookie") if v.startswith("session="))
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie
    # every cookie the login sets, flask-login's clearing of its remember cookie included
    assert all("Secure" in v for v in headers.get_all("Set-Cookie")), headers.get_all("Set-Cookie")
    cookie = _cookie(headers)

    status, headers, body = proxied.request("GET", "/home",
                                            {"Cookie": cookie, "Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    home = gzip.decompress(body).decode()
    # ... also when a load balancer in front of nginx passed it on (Via: gzip_proxied any)
    status, via, _ = proxied.request("GET", "/home", {"Cookie": cookie, "Accept-Encoding": "gzip",
                                                      "Via": "1.1 load-balancer"})
    assert status == 200 and via["Content-Encoding"] == "gzip"
    transferred = len(body)
    assets = re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"|<script src="([^"]+)"',
                        home)
    urls = [(link or js).replace("&amp;", "&") for link, js in assets]
    assert any(u.startswith("/static/css/") for u in urls)
    assert any("htmx" in u for u in urls)
    assert any(u.startswith("/static/favicon.svg") for u in urls)  # (the browser asks for it)
    for url in urls:
        status, headers, body = proxied.request("GET", url, {"Accept-Encoding": "gzip",
                                                             "Cookie": cookie})
        assert status == 200, url
        compressed = headers.get("Content-Encoding") == "gzip"
        if len(gzip.decompress(body) if compressed else body) >= GZIP_MIN_LENGTH:
            assert compressed, f"{url} ({headers['Content-Type']})"  # (the icon is smaller)
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert "Set-Cookie" not in headers, url
        transferred += len(body)
    assert transferred <= FIRST_LOAD_LIMIT, transferred

    # the portal knows the request came over HTTPS (X-Forwarded-Proto): a form sent from
    # another site is refused even with the right token (flask-wtf's check of the Referer)
    assert _post_from_elsewhere(proxied, cookie, home) == 400
    # the logout form's POST from the portal's own page passes
    status, headers, _ = proxied.post("/logout", {"csrf_token": _token(home)}, cookie, "/home")
    assert status in (302, 303)


def test_unchanged_pages_and_polls_are_304_through_the_compressing_proxy(
        proxied, school_today):  # noqa: F811
    """nginx makes the ETag of a response it compresses weak (W/"..."), and the browser sends
    that back: the student's home and the status poll of a case still answer 304 while
    nothing changed, through the proxy, and 200 once the case changed."""
    from portal.kinds.study_leave import flow
    from portal.models import Case

    status, headers, _ = _login(proxied, "elev1")
    cookie = _cookie(headers)
    status, _, home = proxied.page("/home", cookie)
    # filed through the proxy: a form's POST as the browser sends it
    case_id = _file_study_leave(_Through(proxied, "/study-leave/new"), cookie, _token(home),
                                today() + timedelta(days=14))

    etags = {}
    for path, headers in ((f"/cases/{case_id}/status", {"HX-Request": "true"}), ("/home", {})):
        status, first, _ = proxied.page(path, cookie, **headers)
        assert status == 200 and first["ETag"], path
        etags[path] = first["ETag"]
        if path == "/home":  # (long enough for gzip_min_length)
            assert first["Content-Encoding"] == "gzip"
            assert first["ETag"].startswith('W/"')  # made weak by nginx's gzip
        status, again, body = proxied.request("GET", path, {
            "Cookie": cookie, "Accept-Encoding": "gzip", "If-None-Match": first["ETag"],
            **headers})
        assert (status, body) == (304, b""), path

    case = Case.get_by_id(case_id)
    flow.send_to_teachers(case, actor=school_today.trinn, version=case.version)
    poll = f"/cases/{case_id}/status"
    status, changed, _ = proxied.page(poll, cookie, **{"If-None-Match": etags[poll],
                                                       "HX-Request": "true"})
    assert status == 200 and changed["ETag"] != etags[poll]


class _Through:
    """What `_file_study_leave` asks of a server (its `request`), sent through the proxy
    as the browser sends a form from `page` (with its Referer)."""

    def __init__(self, proxy: Proxy, page: str):
        self.proxy, self.page = proxy, page

    def request(self, method, path, headers=None, body=None):
        status, response, data = self.proxy.request(
            method, path, {"Referer": self.proxy.origin + self.page, **(headers or {})}, body)
        return status, response, data.decode()


def test_the_client_address_is_the_one_nginx_saw(proxied, app):
    """nginx appends its client's address to X-Forwarded-For and the portal reads it from
    there: failed logins count against the client (here 127.0.0.2, which is no proxy), not
    against nginx's own address, and an address the client put in the header itself is not
    believed."""
    for forwarded in (None, "203.0.113.66"):
        extra = {"X-Forwarded-For": forwarded} if forwarded else {}
        status, _, _ = _login(proxied, "elev1", "wrong", source="127.0.0.2", headers=extra)
        assert status == 401
    assert set(_address_keys()) == {"ip:127.0.0.2"}


def _ipv6_loopback() -> None:
    """Skips the test where this machine has no IPv6 loopback: a property of the machine's
    network that `make test` cannot install (in CI too, unlike a missing program)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError as error:
        pytest.skip(f"no IPv6 loopback (::1) to listen on: {error}")


@pytest.mark.parametrize("upstream", ["127.0.0.1", "::1"])
def test_a_school_network_with_ipv6(app, database_url, school, tmp_path, upstream):
    """docs/production.md: where the school's network has IPv6, nginx gets the two `listen`
    lines the document gives; and gunicorn on nginx's host may listen on IPv6 loopback
    (`BIND=::1`), which it and the portal trust as they trust 127.0.0.1. A phone over IPv6 is
    sent from plain HTTP to HTTPS, logs in, and its failed logins count against its /64 (the
    network one machine picks its addresses from, portal/auth/throttle.py); a client over
    IPv4 logs in, a form from another site is refused (the portal believed
    X-Forwarded-Proto), and its failed logins count against its own address. Each address
    can only have come from nginx's X-Forwarded-For where nginx reached gunicorn over the
    other protocol: the phone's with gunicorn on 127.0.0.1, the IPv4 client's with gunicorn
    on ::1."""
    _ipv6_loopback()
    with _stack(database_url, tmp_path, host=upstream, ipv6=True) as (proxy, _):
        status, headers, _ = proxy.request("GET", "/login?next=%2Fhome", https=False,
                                           source="::1")
        assert status == 301 and headers["Location"] == "https://127.0.0.1/login?next=%2Fhome"
        status, headers, _ = _login(proxy, "elev1", source="::1")
        assert status == 302
        status, _, home = proxy.page("/home", _cookie(headers), source="::1")
        assert status == 200 and "Logg ut" in home
        status, _, _ = _login(proxy, "elev1", "wrong", source="::1")
        assert status == 401

        status, headers, _ = _login(proxy, "elev1", source="127.0.0.2")
        assert status == 302
        cookie = _cookie(headers)
        status, _, home = proxy.page("/home", cookie, source="127.0.0.2")
        assert status == 200
        assert _post_from_elsewhere(proxy, cookie, home) == 400
        status, _, _ = _login(proxy, "elev1", "wrong", source="127.0.0.2")
        assert status == 401
    assert set(_address_keys()) == {"ip:::/64", "ip:127.0.0.2"}


@pytest.mark.parametrize("documented", [True, False], ids=["as-documented", "left-at-default"])
def test_an_app_server_on_another_machine_than_nginx(app, database_url, school, tmp_path,
                                                     documented):
    """docs/production.md: an app server on another machine than nginx listens on its own
    address (`BIND=10.0.0.12`) and trusts nginx's (`FORWARDED_ALLOW_IPS=10.0.0.5`); the rest
    of its environment is the same as on every server. Here nginx connects from 127.0.0.5 to
    a gunicorn at 127.0.0.12, as from one machine to the other. So set, the portal knows a
    request came over HTTPS (a form sent from another site is refused) and counts failed
    logins against the client (127.0.0.2). With the trust left as on nginx's own host, it
    believes neither of nginx's headers: it takes the requests for plain HTTP, and every
    client's failed logins count against nginx's one address (which the test would catch)."""
    trusted = "127.0.0.5" if documented else "127.0.0.1,::1"
    with _stack(database_url, tmp_path, host="127.0.0.12", source="127.0.0.5",
                env={"FORWARDED_ALLOW_IPS": trusted}) as (proxy, _):
        status, headers, _ = _login(proxy, "elev1", source="127.0.0.2")
        assert status == 302
        cookie = _cookie(headers)
        status, _, home = proxy.page("/home", cookie)
        assert status == 200
        status = _post_from_elsewhere(proxy, cookie, home)
        if documented:
            assert status == 400

        status, _, _ = _login(proxy, "elev1", "wrong", source="127.0.0.2")
        assert status == 401
    # (nginx reached the app server from 127.0.0.5: the one address the documented set-up
    # trusts, and the one the portal sees without that trust)
    assert set(_address_keys()) == ({"ip:127.0.0.2"} if documented else {"ip:127.0.0.5"})


def test_a_password_link_stays_out_of_the_access_log(proxied):
    token = "Zq8-secret-token-of-the-link"
    status, headers, _ = proxied.request("GET", f"/password/reset/{token}")
    assert status == 303 and headers["Location"].endswith("/password/reset")
    status, _, _ = proxied.request("GET", "/login")
    assert status == 200
    deadline = time.monotonic() + 10  # (nginx writes a request's line after its answer)
    while "GET /login" not in (log := proxied.access_log()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "GET /login" in log, "the access log should have the other requests"
    assert token not in log and "/password/reset" not in log


def test_the_proxy_lets_through_what_the_portal_itself_refuses_in_norwegian(proxied, app):
    """nginx's `client_max_body_size` is above the portal's own limit: a file of the largest
    size the portal takes, with its form, reaches the portal, and a request beyond the
    portal's limit gets the portal's Norwegian page, not nginx's English one."""
    largest, limit = app.config["PORTAL_MAX_UPLOAD_BYTES"], app.config["MAX_CONTENT_LENGTH"]
    status, headers, html = proxied.request("GET", "/login")
    cookie = _cookie(headers)
    fields = {"username": "elev1", "password": "wrong", "csrf_token": _token(html.decode())}
    overhead = len(_multipart(fields, 0)[1])
    for size, expected in ((largest, 401), *[(limit + 1 - overhead, 413)] * 4):
        content_type, body = _multipart(fields, size)
        status, _, page = proxied.request("POST", "/login", {
            "Cookie": cookie, "Content-Type": content_type,
            "Referer": proxied.origin + "/login"}, body)
        assert status == expected, len(body)
        assert "Elevportalen" in page.decode(), "the portal's page, not nginx's"


def _multipart(fields: dict, file_size: int) -> tuple[str, bytes]:
    """A form as a browser sends it with a file of `file_size` bytes."""
    boundary = "portal-test-boundary"
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode() for name, value in fields.items())
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; '
            f'filename="large.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", parts + head + b"x" * file_size + tail


def test_two_app_servers_behind_the_proxy_one_of_them_restarting(app, database_url,
                                                                 school_today, tmp_path):  # noqa: F811
    """The documented upstream's two app servers, both here: nginx spreads one student's
    requests over both with no sticky sessions, and while one is down (a release restarts
    the servers one at a time) the other answers everything, forms included."""
    with _stack(database_url, tmp_path, servers=2) as (proxy, (first, second)):
        status, headers, _ = _login(proxy, "elev1")
        assert status == 302
        cookie = _cookie(headers)
        for _ in range(4):
            status, _, home = proxy.page("/home", cookie)
            assert status == 200
        filed = _file_study_leave(_Through(proxy, "/study-leave/new"), cookie, _token(home),
                                  today() + timedelta(days=14))
        poll = f"/cases/{filed}/status"
        status, answer, _ = proxy.page(poll, cookie, **{"HX-Request": "true"})
        etag = answer["ETag"]
        for _ in range(4):  # the same answer from either server
            status, _, _ = proxy.page(poll, cookie, **{"HX-Request": "true", "If-None-Match": etag})
            assert status == 304
        for server in (first, second):
            assert '"GET /home ' in server.log.read_text(), "both servers answered the student"

        first.stop()
        for _ in range(4):
            status, _, home = proxy.page("/home", cookie)
            assert status == 200 and f"/cases/{filed}" in home
        another = _file_study_leave(_Through(proxy, "/study-leave/new"), cookie, _token(home),
                                    today() + timedelta(days=21))
        status, _, page = proxy.page(f"/cases/{another}", cookie)
        assert status == 200
        status, _, _ = proxy.page(poll, cookie, **{"HX-Request": "true", "If-None-Match": etag})
        assert status == 304


def _held(proxy: Proxy, head: str, *, receive_buffer: int | None = None) -> ssl.SSLSocket:
    """A client's HTTPS connection to nginx that has sent `head` (a request's line, headers
    and as much of a body as the client got off before its connection stalled)."""
    raw = socket.socket()
    if receive_buffer:  # a small window: the client takes the answer as slowly as a poor line
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.settimeout(30)
    raw.connect(("127.0.0.1", proxy.https_port))
    tls = _tls().wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall(head.encode())
    return tls


@pytest.mark.parametrize("unix", [False, True], ids=["tcp", "unix"])
def test_slow_clients_do_not_hold_the_app_server(app, database_url, school_today,  # noqa: F811
                                                 tmp_path, unix):
    """What the documented `proxy_buffering on` and `proxy_request_buffering on` are for: a
    sync worker serves one request at a time, start to end, and phones on a poor line send
    forms and take documents slowly. With one worker behind nginx, three clients that stall
    while sending a form and three that take the largest document the portal stores slowly
    do not keep it from answering other requests: nginx sends a request on only once it has
    all of it, and takes the answer from the worker as fast as the worker writes it."""
    import hashlib

    from portal.models import Attachment, User

    with _stack(database_url, tmp_path, unix=unix) as (proxy, (server,)), \
            contextlib.ExitStack() as held:
        status, headers, _ = _login(proxy, "elev1")
        cookie = _cookie(headers)
        status, _, home = proxy.page("/home", cookie)
        case_id = _file_study_leave(_Through(proxy, "/study-leave/new"), cookie, _token(home),
                                    today() + timedelta(days=14))
        data = os.urandom(app.config["PORTAL_MAX_UPLOAD_BYTES"])
        document = Attachment.create(
            case=case_id, uploaded_by=User.get(User.username == "elev1"), filename="stor.pdf",
            content_type="application/pdf", size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data)
        host = f"Host: 127.0.0.1:{proxy.https_port}\r\nUser-Agent: {UA['User-Agent']}\r\n"
        readers = []
        for _ in range(3):
            reader = held.enter_context(_held(
                proxy, f"GET /cases/{case_id}/documents/{document.id} HTTP/1.1\r\n{host}"
                       f"Cookie: {cookie}\r\nConnection: close\r\n\r\n", receive_buffer=4096))
            reader.settimeout(10)
            try:  # its answer under way: the worker has begun writing it
                assert reader.recv(64).startswith(b"HTTP/1.1 200")
            except TimeoutError:
                pytest.fail("no answer: the one worker is still writing an earlier document "
                            "to a slow client (proxy_buffering?)")
            readers.append(reader)
        senders = [held.enter_context(_held(
            proxy, f"POST /login?stalled={n} HTTP/1.1\r\n{host}Content-Type: "
                   "application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\n"
                   "username=elev1&pass")) for n in range(3)]

        status, _, page = proxy.page("/home", cookie)
        assert status == 200 and f"/cases/{case_id}" in page
        another = _file_study_leave(_Through(proxy, "/study-leave/new"), cookie,
                                    _token(page), today() + timedelta(days=21))
        assert another != case_id
        # the one worker wrote each document to its end before it took the next request
        log = server.log.read_text()
        served = re.findall(rf'"GET /cases/{case_id}/documents/{document.id} HTTP/1\.[01]" '
                            r"200 ", log)
        assert len(served) == 3, log
        # ... and a slow client still gets all of it, from nginx
        readers[0].settimeout(30)
        received = b"".join(iter(lambda: readers[0].recv(1 << 16), b""))
        head, _, body = received.partition(b"\r\n\r\n")
        assert hashlib.sha256(body).hexdigest() == document.sha256, head

        for sender in senders:  # the stalled clients give up
            sender.close()
        # one more request: the one worker logs each request it answers before it takes the
        # next, so anything nginx passed on before this one is in the log once this is answered
        assert proxy.request("GET", "/healthz")[0] == 200
        assert "stalled=" not in server.log.read_text(), "a form's half reached the worker"
