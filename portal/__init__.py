"""The portal: a student self-service portal for Norwegian schools."""

import functools
import hashlib
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.routing import IntegerConverter

from portal import db, template_i18n
from portal.extensions import babel, csrf, htmx, login_manager
from portal.menu import install_menu
from portal.proxy import install_forwarded_for
from portal.security import (
    KeptCookieSessionInterface,
    install_csrf_token,
    install_security_headers,
    install_static_versions,
)
from portal.urls import install_url_cache


class ConfigurationError(RuntimeError):
    """A setting the portal refuses to start with (production): the message says which and
    what to set. wsgi.py ends the process with the message alone, not a traceback."""


URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}")  # RFC 3986's, kept short
MIN_SECRET_KEY_LENGTH = 32  # characters; `secrets.token_hex(32)` gives 64
_NEW_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def _secret_key(app: Flask, production: bool) -> str:
    """SECRET_KEY from the environment; in development one is generated into instance/."""
    key = os.environ.get("SECRET_KEY")
    if key and production and len(key.strip()) < MIN_SECRET_KEY_LENGTH:
        # (a placeholder copied from the documentation, a word): anyone who guesses it can
        # sign a session cookie for any user
        raise ConfigurationError(
            f"SECRET_KEY has {len(key.strip())} characters. A production portal refuses to "
            f"start with fewer than {MIN_SECRET_KEY_LENGTH}: set a random one "
            f"(e.g. {_NEW_KEY})."
        )
    if key:
        return key
    if production:
        raise ConfigurationError(
            "SECRET_KEY is not set. A production portal refuses to start without one: "
            f"set SECRET_KEY in the environment (e.g. {_NEW_KEY})."
        )
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_base_url(base: str | None) -> None:
    """A production portal writes its own address into every e-mail it sends: without it,
    or with one that users cannot open (not https, no host), every link in every mail would
    be wrong, and nobody would notice until someone clicked one."""
    parts = urlsplit(base or "")
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigurationError(
            f"PORTAL_BASE_URL is {'not set' if not base else repr(base)}. A production portal "
            "refuses to start without the https address its users open (e.g. "
            "https://portal.skole.no): it is the link in every e-mail."
        )


def translation_directories() -> list[str]:
    """The core catalogue and one per feature package (portal/<pkg>/translations,
    portal/kinds/<kind>/translations)."""
    root = Path(__file__).resolve().parent
    features = [*root.glob("*/translations"), *root.glob("kinds/*/translations")]
    return [str(root / "translations"), *sorted(str(p) for p in features if p.is_dir())]


class DatabaseId(IntegerConverter):
    """`<int:...>` in addresses: at most 2**31 - 1, what the database's integer ids hold, so
    that /cases/3000000000 is a 404 like any other case that is not there (PostgreSQL would
    refuse the number as a parameter of a prepared statement)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


@functools.cache
def release_token() -> str:
    """Names this release of the code: PORTAL_RELEASE when set (e.g. the deployed version),
    else a digest of the content of every file of the package, the same on every server that
    runs the same code. Pages' validators (ETags) include it, so a browser's cached page is
    not reused after an upgrade that changes how pages look."""
    if os.environ.get("PORTAL_RELEASE"):
        return os.environ["PORTAL_RELEASE"]
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        # (not what is made from the files: bytecode, and the catalogues compiled from the
        # .po sources on some servers and not others, or in a temporary file meanwhile)
        if (path.is_file() and "__pycache__" not in path.parts
                and path.suffix not in (".pyc", ".mo") and not path.name.startswith(".")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    production = os.environ.get("PORTAL_ENV", "development") == "production"
    from portal import catalogues, fragments

    database_url = os.environ.get("PORTAL_DATABASE_URL")
    if not database_url and not production:  # the embedded default: a SQLite file in instance/
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    secure_cookies = production or os.environ.get("PORTAL_HTTPS") == "1"
    app.config.from_mapping(
        DATABASE_URL=database_url,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        # flask-login's remember cookie: the portal never sets one, but logging in and out
        # clears it (a deletion cookie), which must carry the same attributes
        REMEMBER_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=int(os.environ.get("PORTAL_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)) + 65536,
        BABEL_DEFAULT_LOCALE="nb",
        # (compiled here when missing: portal/catalogues.py)
        BABEL_TRANSLATION_DIRECTORIES=";".join(
            catalogues.compiled(tuple(translation_directories()))),
        BABEL_DEFAULT_TIMEZONE="Europe/Oslo",
        WTF_CSRF_TIME_LIMIT=None,
        PORTAL_MAX_UPLOAD_BYTES=int(os.environ.get("PORTAL_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        PORTAL_LOGIN_DELAY=True,
        PORTAL_ENV="production" if production else "development",
        # the address users open the portal at, for the links in e-mails (notify.external_url)
        PORTAL_BASE_URL=os.environ.get("PORTAL_BASE_URL") or None,
        # the accessibility statement's page (portal/main/accessibility.py): the official
        # statement on uustatus.no, and where users report a problem
        PORTAL_ACCESSIBILITY_STATEMENT_URL=(
            os.environ.get("PORTAL_ACCESSIBILITY_STATEMENT_URL") or None),
        PORTAL_ACCESSIBILITY_CONTACT=os.environ.get("PORTAL_ACCESSIBILITY_CONTACT") or None,
        PORTAL_RELEASE=release_token(),
        # rendered list rows kept per process (portal/fragments.py); 0: none
        PORTAL_ROW_CACHE_SIZE=int(os.environ.get("PORTAL_ROW_CACHE_SIZE",
                                                 fragments.DEFAULT_SIZE)),
    )
    if test_config:
        app.config.update(test_config)

    from portal.rules import validate_all

    validate_all()  # a bad profile file stops start-up, naming the file and the key
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app, production)
    from portal.main import accessibility

    accessibility.check_settings(app.config)
    if production:
        _check_base_url(app.config.get("PORTAL_BASE_URL"))
        if not app.config.get("DATABASE_URL"):
            # (a typo in the environment file would otherwise migrate and serve a new, empty
            # SQLite file inside the source tree, and nobody would notice until users did)
            raise ConfigurationError(
                "PORTAL_DATABASE_URL is not set. A production portal refuses to start without "
                "it: set postgresql://user:password@host/dbname (or sqlite:////path/to/file "
                "for SQLite on purpose).")

    url = app.config.get("DATABASE_URL")
    if url and not db.supports_url(url):
        # (a URL copied with a typo, or from another program: "postgresq://", "mysql://")
        # (only a scheme is repeated: the rest may hold a password, and so may the text
        # before a colon that is not a scheme, as in "password=… host=fe80::1")
        scheme = url.split(":", 1)[0]
        what = (f"starts with {scheme!r}, a kind of database the portal does not know"
                if ":" in url and URL_SCHEME.fullmatch(scheme) else "has no scheme")
        raise ConfigurationError(
            f"PORTAL_DATABASE_URL {what}. Use postgresql://user:password@host/dbname or "
            "sqlite:////path/to/file.")

    app.url_map.converters["int"] = DatabaseId  # before any route is added
    template_i18n.install(app)  # before anything uses app.jinja_env
    try:
        db.init_app(app)
    except db.UnreadableDatabaseURL as error:
        raise ConfigurationError(str(error)) from None
    csrf.init_app(app)
    install_csrf_token(app)  # the session's token signed once per process
    app.session_interface = KeptCookieSessionInterface()  # each cookie checked once per process
    htmx.init_app(app)
    babel.init_app(app, locale_selector=lambda: "nb", timezone_selector=lambda: "Europe/Oslo")
    login_manager.init_app(app)
    install_security_headers(app)
    install_forwarded_for(app)  # the client's address behind the proxy (X-Forwarded-For)
    install_static_versions(app)  # ?v=<hash> on static URLs, cached for a year
    install_url_cache(app)  # templates' url_for remembered per process
    install_menu(app)  # the header's links, from each feature package (portal/menu.py)

    app.jinja_env.add_extension("jinja2.ext.do")
    from portal import filters
    from portal.auth.views import bp as auth_bp
    from portal.cases.views import bp as cases_bp
    from portal.errors import register_error_handlers
    from portal.main.views import bp as main_bp

    filters.init_app(app)
    fragments.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(accessibility.bp)
    app.register_blueprint(cases_bp)
    from portal.cases.decisions import bp as decisions_bp

    app.register_blueprint(decisions_bp)  # decision letters (page, PDF, reasons) for every kind
    register_error_handlers(app)

    from portal.cli import register_cli
    from portal.kinds import blueprints as kind_blueprints

    for blueprint in kind_blueprints():
        app.register_blueprint(blueprint)
    from portal.models import feature_packages

    for package in feature_packages():  # portal/<pkg>/ with a blueprint `bp` (exams, ...)
        if hasattr(package, "bp") and package.bp.name not in app.blueprints:
            app.register_blueprint(package.bp)

    register_cli(app)
    return app
