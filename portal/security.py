"""Security headers on every response, a strict Content-Security-Policy included; the
session's signed CSRF token, masked anew in every response; session cookies checked once per
process."""

import base64
import binascii
import hashlib
import os
import posixpath
import secrets
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, abort, current_app, g, request, send_from_directory, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import BadSignature
from werkzeug.security import safe_join

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        """Each header unless the view set its own; in one pass over the response's headers
        (werkzeug's setdefault scans them once per header, ~10 µs a response)."""
        h = response.headers
        present = {name.lower() for name in h.keys()}
        added = [(name, value) for name, value in SECURITY_HEADERS
                 if name.lower() not in present]
        if app.config.get("SESSION_COOKIE_SECURE") and HSTS[0].lower() not in present:
            added.append(HSTS)
        if not request.path.startswith("/static/"):
            if "cache-control" not in present:
                added.append(("Cache-Control", "no-store"))
            added.append(("Vary", "HX-Request"))
        h.extend(added)
        return response


STATIC_MAX_AGE = 365 * 24 * 3600


def is_static_file(response) -> bool:
    """Whether `response` gives a static file (or says it is unchanged): not a page."""
    return request.endpoint == "static" and response.status_code in (200, 304)


def install_static_versions(app: Flask) -> None:
    """Static URLs carry a hash of the file's content (?v=...), so a browser or proxy may keep
    them for a year; a release that changes a file changes its URL. Only the file's own hash
    gets the year: during a release, one server at a time, a page from a new server may ask an
    old one for the new hash (or the other way round), and the file it gets then must not be
    kept as that version (`Cache-Control: no-cache`, as for a URL without ?v=)."""
    versions: dict[str, tuple[tuple[int, int], str]] = {}

    def digest_of(name: str) -> str | None:
        """The hash of static file `name` as it is on disk now (None: no such file); kept by
        the name as the file system reads it ("css/./portal.css" is "css/portal.css", so that
        spellings of one file in addresses do not each add an entry), and worked out again
        when the file's modification time or size changes (a file copied over with its old
        time kept, as `cp -p` or rsync do, is still found changed when its size is)."""
        name = posixpath.normpath(name)
        path = Path(app.static_folder) / name
        try:
            found = path.stat()
        except (OSError, ValueError):
            return None
        stamp = (found.st_mtime_ns, found.st_size)
        cached = versions.get(name)
        if cached is None or cached[0] != stamp:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            cached = versions[name] = (stamp, digest)
        return cached[1]

    def send_static(filename: str):
        """Flask's static view, with the file's content hash as its ETag. werkzeug's own is
        made of the file's modification time and path, which differ from server to server
        (each checks out or unpacks the release at its own moment): a browser's conditional
        request for a file it has then got the whole file again whenever the load balancer
        sent it to another server. The same file now has the same ETag on every server, and
        the 304 comes from whichever answers. A name outside the static folder, or of a
        folder, is not found, as with Flask's view (and is not read to be hashed)."""
        path = safe_join(app.static_folder, filename)
        if path is None or not os.path.isfile(path):
            abort(404)
        return send_from_directory(app.static_folder, filename,
                                   max_age=app.get_send_file_max_age(filename),
                                   etag=digest_of(filename) or True)

    app.view_functions["static"] = send_static

    @app.url_defaults
    def _version(endpoint, values):
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        digest = digest_of(values["filename"])
        if digest is not None:
            values["v"] = digest

    @app.after_request
    def _long_cache(response):
        if request.endpoint != "static":
            return response
        if not is_static_file(response):
            # (a 404 for a missing file is a page for whoever asked: kept by nobody)
            response.headers["Cache-Control"] = "no-store"
            return response
        asked = request.args.get("v")
        if asked and asked == digest_of(request.view_args.get("filename", "")):
            response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


class Kept:
    """What a process keeps of work it would otherwise repeat for every request: at most
    `size` entries, the least recently used go first. Safe for threaded workers (an entry
    may be evicted by another thread between two steps: then it is simply not found)."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()

    def get(self, key):
        value = self.entries.get(key)
        if value is not None:
            try:
                self.entries.move_to_end(key)
            except KeyError:
                pass
        return value

    def put(self, key, value) -> None:
        self.entries[key] = value
        while len(self.entries) > self.size:
            try:
                self.entries.popitem(last=False)
            except KeyError:
                break


CSRF_TOKENS_KEPT = 10_000  # sessions whose signed token a process keeps


def csrf_settings(app: Flask) -> tuple[str, str | bytes, int | None]:
    """(field name, secret, time limit) that a session's CSRF token is signed and checked
    with, as flask-wtf reads them from the app's config."""
    config = app.config
    return (config.get("WTF_CSRF_FIELD_NAME", "csrf_token"),
            config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
            config.get("WTF_CSRF_TIME_LIMIT", 3600))


def new_csrf_token() -> None:
    """The session's raw CSRF token replaced by a new one (flask-wtf's: sha1 of 64 random
    bytes), for the forms of the pages after a login or a logout."""
    field = csrf_settings(current_app)[0]
    session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
    g.pop(field, None)  # (signed from the old one during this request)
    g.pop(_MASKED, None)


# --- the token in a page: masked anew in every response ---------------------------------------
# The signed token is the same on every page of a session (install_csrf_token). Behind a proxy
# that compresses HTML (docs/production.md), a secret repeated in every response next to text an
# attacker chooses (a query string shown back in a form) can be read off the compressed lengths,
# one character at a time, by someone who sees the traffic and can make the browser ask many
# times ("BREACH"). So a page never carries the token itself: each response gets it XORed with
# fresh random bytes, sent with them (base64url, 2 × its length). Any masked copy, and the token
# itself (pages from before this change), passes the check: the mask is undone first, then
# flask-wtf checks the signature as before.

_MASKED = "_csrf_masked"  # this response's masked token, in `g`: one mask for all its forms
# What a kept fragment (portal/fragments.py) holds where the token goes: filled in with the
# response's masked token each time it is used, so kept HTML never carries a session's token.
# Random per process: no text a user writes can be it.
CSRF_STAND_IN = "csrf-" + secrets.token_hex(16)
_STAND_IN_ON = "_csrf_stand_in"


def _xor(a: bytes, b: bytes) -> bytes:
    """a XOR b, byte by byte (both of a length)."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def mask_csrf_token(token: str) -> str:
    raw = token.encode()
    pad = os.urandom(len(raw))
    return base64.urlsafe_b64encode(pad + _xor(pad, raw)).decode().rstrip("=")


def unmask_csrf_token(value):
    """The signed token a masked one stands for; anything else as it came (a signed token has
    dots, which base64url has not; flask-wtf refuses what is neither)."""
    if not value or not isinstance(value, str) or "." in value:
        return value
    try:
        both = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return value
    half = len(both) // 2
    if not half or len(both) % 2:
        return value
    try:
        return _xor(both[:half], both[half:]).decode("ascii")
    except UnicodeDecodeError:
        return value


class MaskedCSRFProtect(CSRFProtect):
    """flask-wtf's check of every POST, of the token with its mask undone."""

    def _get_csrf_token(self):
        return unmask_csrf_token(super()._get_csrf_token())


@contextmanager
def csrf_stand_in():
    """Within: the templates' `csrf_token()` gives CSRF_STAND_IN (for HTML that is kept)."""
    here = g._get_current_object()
    before = getattr(here, _STAND_IN_ON, False)
    setattr(here, _STAND_IN_ON, True)
    try:
        yield
    finally:
        setattr(here, _STAND_IN_ON, before)


def fill_csrf_stand_in(html):
    """`html` with the stand-in replaced by this response's masked token."""
    if CSRF_STAND_IN not in html:
        return html
    return html.replace(CSRF_STAND_IN, current_app.jinja_env.globals["csrf_token"]())


def install_csrf_token(app: Flask) -> None:
    """The signed CSRF token of a session, signed once per process (after csrf.init_app).

    flask-wtf signs the session's token anew for every page (every page has the logout
    form): an HMAC and a serializer, ~20 µs. Tokens carry the time they were signed, but
    with no time limit (WTF_CSRF_TIME_LIMIT = None) it is never checked, so the first signed
    token of a session serves all its pages; flask-wtf takes it from `g` for the request's
    forms too, and checks a POST as before. With a time limit, every page signs its own.
    What a page shows is that token masked for the response (`mask_csrf_token`, above)."""
    signed = Kept(CSRF_TOKENS_KEPT)

    def csrf_token() -> str:
        """The token for a page's form: the session's signed token, masked for this response
        (the same mask for all of its forms)."""
        here = g._get_current_object()
        if getattr(here, _STAND_IN_ON, False):
            return CSRF_STAND_IN
        masked = getattr(here, _MASKED, None)
        if masked is None:
            masked = mask_csrf_token(signed_token())
            setattr(here, _MASKED, masked)
        return masked

    def signed_token() -> str:
        field, secret, time_limit = csrf_settings(app)
        here = g._get_current_object()
        token = getattr(here, field, None)
        if token is not None or time_limit is not None:
            return token or generate_csrf()
        key = (session.get(field), secret)
        token = signed.get(key) if key[0] else None
        if token is None:
            token = generate_csrf()  # (makes the session's token when it has none)
            signed.put((session.get(field), secret), token)
        else:
            setattr(here, field, token)  # where flask-wtf's forms look for it first
        return token

    app.jinja_env.globals["csrf_token"] = csrf_token
    # flask-wtf also puts its own into every template's context (a context processor, run
    # for every render): that one goes, the global serves
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if set(_names(p)) != {"csrf_token", "csrf_meta_tag"}]
    # and its <meta> tag would print the bare signed token: a template that wants one writes
    # <meta name="csrf-token" content="{{ csrf_token() }}">
    app.jinja_env.globals.pop("csrf_meta_tag", None)


SESSIONS_KEPT = 10_000  # session cookies whose checked content a process keeps
# what a kept session may hold: values a request cannot change in place (flashed messages,
# a list, make a session that is checked anew on each request, as all were before)
_KEEPABLE = (str, int, float, bool, type(None))


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each cookie's signature checked once per process.

    Opening the session cost ~0.1 ms of every request (a serializer made, the key derived,
    base64, the HMAC, the tagged JSON): an eighth of a logged-in page's layout. A cookie
    whose signature was found good under the same secret keys holds the same data on the
    next request; so its data is kept with the time it was signed, and that time is checked
    against the session's lifetime on every request, as itsdangerous checks it (the age in
    whole seconds, not over the lifetime, not negative). A cookie not seen before, tampered
    with or signed with another key goes through Flask's own check. Each request gets its
    own copy of the data: what one request writes into its session reaches no other."""

    def __init__(self):
        self.kept = Kept(SESSIONS_KEPT)

    def open_session(self, app: Flask, request):
        if not app.secret_key:
            return None  # (as Flask: no sessions without a key)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        key = (value, app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self.kept.get(key)
        if found is not None:
            data, signed_at = found
            age = int(time.time()) - signed_at
            return self.session_class(data if 0 <= age <= max_age else ())
        try:
            data, signed = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(type(v) in _KEEPABLE for v in data.values()):
            self.kept.put(key, (dict(data), int(signed.timestamp())))
        return self.session_class(data)

    def save_session(self, app: Flask, session, response):
        """As Flask's, except for a static file: it says nothing of the session, so its
        response neither sets the cookie nor varies with it (Flask adds `Vary: Cookie` when
        anything read the session, as flask-login does on every response), and a shared
        cache may keep one copy for everyone."""
        if is_static_file(response) and not session.modified:
            return
        super().save_session(app, session, response)


def _names(processor) -> list:
    try:
        return list(processor()) if processor.__module__.startswith("flask_wtf") else []
    except Exception:  # noqa: BLE001  (one that needs a request is not flask-wtf's)
        return []
