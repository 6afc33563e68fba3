"""The accessibility statement (tilgjengelighetserklæring): a public page linked from every
page's footer, with the operator's link to the official statement on uustatus.no and where
to report a problem."""

import re

import pytest

from portal import ConfigurationError, create_app

FOOTER_LINK = re.compile(r'<footer class="site-footer">.*?<a href="/accessibility"[^>]*>'
                         r"Tilgjengelighetserklæring</a>.*?</footer>", re.S)
STATEMENT = "https://uustatus.no/nb/erklaringer/publisert/9a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b"


def test_the_statement_is_public_and_in_norwegian(client):
    response = client.get("/accessibility")
    assert response.status_code == 200  # not the login page: no login needed
    html = response.get_data(as_text=True)
    assert "<h1>Tilgjengelighetserklæring</h1>" in html
    assert "WCAG 2.1 på nivå A og AA" in html
    assert "axe-core" in html and "360 piksler" in html and "uten JavaScript" in html
    assert 'href="/accessibility" aria-current="page"' in html  # the footer's link, here


@pytest.mark.parametrize("path", ["/login", "/password/forgotten", "/no-such-page"])
def test_the_footer_links_to_it_before_login(client, path):
    response = client.get(path)
    assert FOOTER_LINK.search(response.get_data(as_text=True)), path


@pytest.mark.parametrize("username, path", [("elev1", "/home"), ("elev1", "/password"),
                                            ("trinn1", "/home"), ("elev1", "/accessibility")])
def test_the_footer_links_to_it_when_logged_in(client, auth, school, username, path):
    auth.login(username)
    html = client.get(path).get_data(as_text=True)
    assert FOOTER_LINK.search(html), path
    assert "Logg ut" in html  # (the page as the logged-in user sees it)


def test_without_settings_the_page_says_so_and_invents_no_address(client):
    html = client.get("/accessibility").get_data(as_text=True)
    assert "Det er ikke lagt inn noen lenke til den i denne portalen ennå" in html
    assert "Les tilgjengelighetserklæringen for portalen" not in html
    assert "Kontakt skolen din, for eksempel skolens kontor." in html
    assert 'href="https://' not in html and "mailto:" not in html


def test_the_configured_statement_link_is_shown_escaped(app, client):
    app.config["PORTAL_ACCESSIBILITY_STATEMENT_URL"] = f'{STATEMENT}?a=1&b="<i>"'
    html = client.get("/accessibility").get_data(as_text=True)
    assert (f'<a href="{STATEMENT}?a=1&amp;b=&#34;&lt;i&gt;&#34;">'
            "Les tilgjengelighetserklæringen for portalen</a>") in html
    assert "<i>" not in html
    assert "Det er ikke lagt inn noen lenke" not in html


def test_the_configured_contact_is_an_email_address_or_a_page(app, client):
    app.config["PORTAL_ACCESSIBILITY_CONTACT"] = "uu+portal@skole.no"
    html = client.get("/accessibility").get_data(as_text=True)
    assert 'E-post: <a href="mailto:uu+portal@skole.no">uu+portal@skole.no</a>' in html
    assert "Kontakt skolen din" not in html

    app.config["PORTAL_ACCESSIBILITY_CONTACT"] = "https://skole.no/uu?skjema=1&side=portal"
    html = client.get("/accessibility").get_data(as_text=True)
    assert ('<a href="https://skole.no/uu?skjema=1&amp;side=portal">'
            "Meld fra om et tilgjengelighetsproblem</a>") in html
    assert "mailto:" not in html


@pytest.mark.parametrize("setting, value", [
    ("PORTAL_ACCESSIBILITY_STATEMENT_URL", "http://uustatus.no/nb/erklaringer/publisert/1"),
    ("PORTAL_ACCESSIBILITY_STATEMENT_URL", "javascript:alert(1)"),
    ("PORTAL_ACCESSIBILITY_STATEMENT_URL", "uustatus.no/nb/erklaringer/publisert/1"),
    ("PORTAL_ACCESSIBILITY_CONTACT", "skolens kontor"),
    ("PORTAL_ACCESSIBILITY_CONTACT", "http://skole.no/uu"),
    ("PORTAL_ACCESSIBILITY_CONTACT", "uu@skole.no, it@skole.no"),
])
def test_a_setting_the_page_cannot_use_stops_the_start(monkeypatch, database_url, setting,
                                                        value):
    """Read at the start, as the base URL is: a typo is found by whoever deploys, not by the
    first student who opens the page."""
    monkeypatch.setenv(setting, value)
    with pytest.raises(ConfigurationError, match=setting):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 64})


def test_the_settings_are_read_from_the_environment(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_ACCESSIBILITY_STATEMENT_URL", f" {STATEMENT} ")
    monkeypatch.setenv("PORTAL_ACCESSIBILITY_CONTACT", "mailto:uu@skole.no")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 64})
    html = app.test_client().get("/accessibility").get_data(as_text=True)
    assert f'<a href="{STATEMENT}">' in html
    assert '<a href="mailto:uu@skole.no">uu@skole.no</a>' in html
