"""Fixtures: the app on a real database (every test runs on SQLite and on PostgreSQL),
a test client, logins, and a small school."""

import os
from datetime import date

import pytest

from portal import create_app
from portal.db import database, open_database
from portal.models import all_tables

BACKENDS = ["sqlite", "postgresql"]
# the suite tests the development configuration (the production checks set their own); a shell
# with PORTAL_ENV=production exported would otherwise stop every app the fixtures create
os.environ.pop("PORTAL_ENV", None)


def _postgres_url():
    url = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("CI=true but PORTAL_TEST_POSTGRES_URL is not set: run the suite via "
                    "`make test`, which starts PostgreSQL.", pytrace=False)
    return url


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql_only` (PostgreSQL's own features) run on its copy alone."""
    keep, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        only_pg = item.get_closest_marker("postgresql_only") is not None
        (dropped if only_pg and params.get("database_url") != "postgresql" else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """One migrated database per backend for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
    else:
        url = _postgres_url()
        if not url:
            pytest.skip("PostgreSQL not available (make test starts one)")
        _drop_everything(url)
    db = open_database(url)
    database.initialize(db)
    db._portal_url = url
    from portal.db import migrate

    with db.connection_context():
        migrate()
    yield url
    db.close()


def _drop_everything(url):
    db = open_database(url)
    with db.connection_context():
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def _table_names():
    return [m._meta.table_name for m in all_tables()]


def reset_database():
    db = database.obj
    names = _table_names()
    with db.connection_context():
        if db.__class__.__name__.startswith("Postgres"):
            db.execute_sql(
                "TRUNCATE TABLE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"
            )
        else:
            db.execute_sql("PRAGMA foreign_keys = OFF")
            for name in names:
                db.execute_sql(f'DELETE FROM "{name}"')
            db.execute_sql("PRAGMA foreign_keys = ON")


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "SERVER_NAME": None,
            # every list row taken from the row cache is rendered again and compared
            # (portal/fragments.py): the suite checks that the cache's keys are complete
            "PORTAL_ROW_CACHE_CHECK": True,
        }
    )
    reset_database()
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """An open connection for tests that use the models directly."""
    with database.connection_context():
        yield database


@pytest.fixture
def school(db):
    """A small vgs on profile `vgs` with one class, three students and two teachers."""
    from tests.factories import make_school

    return make_school(today=date(2026, 11, 23))


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username, password="demo"):
        response = self.client.get("/login")
        token = _csrf_from(response.get_data(as_text=True))
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def logout(self):
        home = self.client.get("/home")
        token = _csrf_from(home.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


def _csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def csrf():
    return _csrf_from
