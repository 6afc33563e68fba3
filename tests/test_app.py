"""The application shell: configuration, headers, error pages, static files."""

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


def test_404_page_says_what_to_do(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Vi fant ikke siden" in page and "startsiden" in page


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
