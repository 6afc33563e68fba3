"""The application shell: configuration, headers, error pages, static files."""

import re

import pytest

from portal import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": database_url})


@pytest.mark.parametrize("base", [None, "", "http://portal.skole.no", "https://",
                                  "portal.skole.no"])
def test_production_refuses_to_start_without_its_https_address(monkeypatch, database_url, base):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    if base is None:
        monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("PORTAL_BASE_URL", base)
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        create_app({"DATABASE_URL": database_url})


def test_production_links_mails_to_its_address(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.skole.no")
    app = create_app({"DATABASE_URL": database_url})
    from portal.notifications.notify import external_url

    with app.app_context():
        assert external_url("cases.show", case_id=7) == "https://portal.skole.no/cases/7"


@pytest.mark.parametrize("key", ["0f6c…", "changeme", " " * 40 + "short"])
def test_production_refuses_a_short_secret_key(monkeypatch, database_url, key):
    """A placeholder copied from the documentation or a word is a key anyone may guess, and
    with it sign a session for any user."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.skole.no")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY has .* characters"):
        create_app({"DATABASE_URL": database_url})


def test_production_refuses_to_start_without_its_database(monkeypatch, tmp_path):
    """Not the development default: a typo in the environment file would migrate and serve an
    empty SQLite file in the source tree."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.skole.no")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(RuntimeError, match="PORTAL_DATABASE_URL is not set"):
        create_app()
    assert not (tmp_path / "instance").exists()


@pytest.mark.parametrize("url, said", [
    ("postgresq://portal:s3cret@db.skole.no/portal", "starts with 'postgresq'"),
    ("mysql://portal:s3cret@db/portal", "starts with 'mysql'"),
    ("/srv/portal/portal.sqlite3", "has no scheme"),
    ("password=s3cret host=db hostaddr=fe80::1", "has no scheme"),  # libpq's keywords
    ("portal:s3cret@db/portal", "starts with 'portal'"),  # user:password@, no scheme
])
def test_an_unknown_kind_of_database_is_refused_by_name(monkeypatch, url, said):
    """A database URL with a typo in its scheme, or from another program, stops the start
    with the portal's message (which repeats no password), not an error from deep inside."""
    from portal import ConfigurationError

    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    with pytest.raises(ConfigurationError) as refused:
        create_app({"DATABASE_URL": url})
    assert str(refused.value).startswith(f"PORTAL_DATABASE_URL {said}")
    assert "postgresql://user:password@host/dbname" in str(refused.value)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("url", [
    "postgresql://portal:50%offS3cret@db.skole.no/portal",  # a % not written %25
    "postgresql://portal:s3cret@db.skole.no/portal?sslmode=verify-full&bogus=S3cret",
])
def test_a_url_libpq_cannot_read_is_refused_without_repeating_it(monkeypatch, url):
    """libpq's own error quotes the part it could not read (the password, often): the portal
    says what to write instead, and repeats nothing of the URL, in the message or in the
    error it was raised from (a traceback in the log would print both)."""
    from portal import ConfigurationError

    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    with pytest.raises(ConfigurationError) as refused:
        create_app({"DATABASE_URL": url})
    said = str(refused.value)
    assert said.startswith("PORTAL_DATABASE_URL cannot be read as a PostgreSQL URL")
    assert "% as %25, @ as %40" in said
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert "S3cret" not in said and "db.skole.no" not in said


def test_a_refused_start_says_what_to_set_without_a_traceback(tmp_path):
    """What an operator reads when a flask command (or gunicorn) meets a missing setting:
    the portal's message, not a Python traceback ending in it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items()
           if k not in ("PORTAL_DATABASE_URL", "SECRET_KEY", "PORTAL_BASE_URL")}
    env.update(PORTAL_ENV="production", PORTAL_BASE_URL="https://portal.skole.no",
               SECRET_KEY="k" * 64, PORTAL_INSTANCE_PATH=str(tmp_path / "instance"))
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi",
                           "db-upgrade"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 3  # (gunicorn's "worker failed to boot": no restarts)
    assert done.stderr.startswith("portal: PORTAL_DATABASE_URL is not set."), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "instance").exists()


def test_production_needs_no_instance_directory(monkeypatch, tmp_path, database_url):
    """A second app server, started as the portal's user, has no instance/ of its own to
    make (the source tree belongs to another user): with the database and the key from the
    environment it needs none."""
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.skole.no")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(blocked / "instance"))  # cannot be made
    app = create_app()
    assert app.config["DATABASE_URL"] == database_url
    assert app.test_client().get("/healthz").status_code == 200


def test_development_key_is_generated_once_into_instance(monkeypatch, tmp_path, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    first = create_app({"DATABASE_URL": database_url}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": database_url}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_security_headers_on_every_response(client):
    for path in ["/login", "/no-such-page", "/static/css/portal.css"]:
        response = client.get(path)
        response.close()
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style_in_pages(client, school):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    assert "/static/vendor/htmx/htmx-2.0.11.min.js" in page


def test_htmx_is_served_locally_with_its_licence(client):
    for path in ["/static/vendor/htmx/htmx-2.0.11.min.js", "/static/vendor/htmx/LICENSE"]:
        response = client.get(path)
        response.close()
        assert response.status_code == 200


def test_pages_name_the_icon_which_is_kept_a_year(client):
    """The layout names the icon (without it, every first visit asks for /favicon.ico)."""
    html = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    assert icon.startswith("/static/favicon.svg?v=")
    response = client.get(icon)
    size = len(response.get_data())
    response.close()
    assert response.status_code == 200
    assert response.content_type.startswith("image/svg+xml")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert size < 512  # part of every first load: a few hundred bytes


def test_the_old_icon_address_sends_browsers_to_the_icon(client):
    """/favicon.ico, which browsers ask for where a page names no icon (a PDF), is not a 404:
    it sends them on to the icon's versioned address."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get("/login").get_data(as_text=True)
    assert f'href="{response.headers["Location"]}"' in icon
    followed = client.get(response.headers["Location"])
    followed.close()
    assert followed.status_code == 200


def test_404_page_says_what_to_do(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Vi fant ikke siden" in page and "startsiden" in page


def test_a_cases_form_address_opened_as_a_page_leads_to_the_case(client, auth, school):
    """A reload after a refused form, a restored tab or a copied link opens the form's
    address with GET: its case, where the address names one (a 404 there for anyone without
    a part, as for any case)."""
    auth.login("elev1")
    response = client.get("/absence-notes/4/documents")
    assert response.status_code == 303
    assert response.headers["Location"] == "/cases/4"


def test_a_form_address_opened_as_a_page_says_so_in_norwegian(client, auth, school):
    auth.login("elev1")
    response = client.get("/logout")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    page = response.get_data(as_text=True)
    assert "Denne adressen sender et skjema" in page and "startsiden" in page
    assert 'class="site-header"' in page  # the portal's page, with its menu


def test_500_page_says_what_to_do(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/_boom")
    def _boom():
        raise RuntimeError("boom")

    response = client.get("/_boom")
    assert response.status_code == 500
    assert "Noe gikk galt hos oss" in response.get_data(as_text=True)


def test_home_needs_login(client):
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_student_home_has_empty_state(client, auth, school):
    auth.login("elev1")
    page = client.get("/home").get_data(as_text=True)
    assert "Du har ingen saker ennå" in page


def test_staff_home_is_a_work_queue(client, auth, school):
    auth.login("trinn1")
    page = client.get("/home").get_data(as_text=True)
    assert "Arbeidsliste" in page and "Ingenting venter på deg nå." in page


def test_a_form_from_another_address_is_told_apart_from_an_expired_one(client, caplog):
    """Over https a form must come from the portal's own address (flask-wtf's referrer
    check). A proxy that hands the app another Host than the browser used (its port left out)
    fails every form that way: the user is told that, not that the form expired, and the log
    says what was compared."""
    page = client.get("/login", base_url="https://portal.skole.no:8443")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    form = {"username": "x", "password": "y", "csrf_token": token}
    response = client.post("/login", data=form, base_url="https://portal.skole.no",
                           headers={"Referer": "https://portal.skole.no:8443/login"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skjemaet ble ikke sendt fra portalens egen adresse." in html
    assert "portal.skole.no:8443/login" in caplog.text and "'portal.skole.no'" in caplog.text
    stripped = client.post("/login", data=form, base_url="https://portal.skole.no:8443")
    assert stripped.status_code == 400
    assert "Nettleseren oppga ikke hvilken side" in stripped.get_data(as_text=True)
    expired = client.post("/login", data={**form, "csrf_token": "not-a-token"},
                          base_url="https://portal.skole.no:8443",
                          headers={"Referer": "https://portal.skole.no:8443/login"})
    assert expired.status_code == 400
    assert "Skjemaet var utløpt." in expired.get_data(as_text=True)
