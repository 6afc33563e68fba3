"""Security headers on every response, a strict Content-Security-Policy included; the
session's signed CSRF token."""

import hashlib
from collections import OrderedDict
from pathlib import Path

from flask import Flask, g, request, session
from flask_wtf.csrf import generate_csrf

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


def install_static_versions(app: Flask) -> None:
    """Static URLs carry a hash of the file's content (?v=...), so a browser or proxy may keep
    them for a year; a release that changes a file changes its URL."""
    versions: dict[str, tuple[int, str]] = {}

    @app.url_defaults
    def _version(endpoint, values):
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        name = values["filename"]
        path = Path(app.static_folder) / name
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return
        cached = versions.get(name)
        if cached is None or cached[0] != stamp:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            cached = versions[name] = (stamp, digest)
        values["v"] = cached[1]

    @app.after_request
    def _long_cache(response):
        if request.path.startswith("/static/") and request.args.get("v") and (
                response.status_code in (200, 304)):
            response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        return response


CSRF_TOKENS_KEPT = 10_000  # sessions whose signed token a process keeps


def install_csrf_token(app: Flask) -> None:
    """The signed CSRF token of a session, signed once per process (after csrf.init_app).

    flask-wtf signs the session's token anew for every page (every page has the logout
    form): an HMAC and a serializer, ~20 µs. Tokens carry the time they were signed, but
    with no time limit (WTF_CSRF_TIME_LIMIT = None) it is never checked, so the first signed
    token of a session serves all its pages; flask-wtf takes it from `g` for the request's
    forms too, and checks a POST as before. With a time limit, every page signs its own."""
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    signed: OrderedDict = OrderedDict()

    def csrf_token() -> str:
        here = g._get_current_object()
        token = getattr(here, field, None)
        if token is not None or app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
            return token or generate_csrf()
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        key = (session.get(field), secret)
        token = signed.get(key) if key[0] else None
        if token is None:
            token = generate_csrf()  # (makes the session's token when it has none)
            signed[(session.get(field), secret)] = token
            if len(signed) > CSRF_TOKENS_KEPT:
                signed.popitem(last=False)
        else:
            try:
                signed.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile: still the right token
                pass
            setattr(here, field, token)  # where flask-wtf's forms look for it first
        return token

    app.jinja_env.globals["csrf_token"] = csrf_token
    # flask-wtf also puts its own into every template's context (a context processor, run
    # for every render): that one goes, the global serves
    processors = app.template_context_processors[None]
    processors[:] = [p for p in processors if set(_names(p)) != {"csrf_token", "csrf_meta_tag"}]


def _names(processor) -> list:
    try:
        return list(processor()) if processor.__module__.startswith("flask_wtf") else []
    except Exception:  # noqa: BLE001  (one that needs a request is not flask-wtf's)
        return []
