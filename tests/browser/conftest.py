"""The browser harness: the app on loopback, headless Debian Chromium at phone size, axe-core.

Browser tests are marked `browser` and run on the SQLite database only (the client tests
cover PostgreSQL). Under CI=true a missing /usr/bin/chromium or Playwright fails the run.

Fixtures:
- `live_server`: the app served on 127.0.0.1 in a thread; `live_server.url(path)`.
- `browser`: one Chromium for the session.
- `login`: `login("elev1")` -> a Page logged in as that user, in its own browser context.
- `visitor`: `visitor()` -> a Page at the login page, logged in as nobody, in its own context.
- `axe`: `axe(page)` runs axe-core (WCAG 2.0/2.1 A and AA) on the page and fails on any
  violation; pages also fail on Content-Security-Policy violations (see `login`). It needs
  JavaScript in the page: do not call it in a context made with java_script_enabled=False.
"""

import os
import threading
from pathlib import Path

import pytest

from tests.ci import unavailable

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """Mark tests/browser as `browser`; run them on SQLite only."""
    keep, dropped = [], []
    for item in items:
        if HERE not in Path(str(item.fspath)).parents:
            keep.append(item)
            continue
        item.add_marker(pytest.mark.browser)
        params = getattr(getattr(item, "callspec", None), "params", {})
        (dropped if params.get("database_url") == "postgresql" else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} is missing (scripts/ensure-chromium.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def phone_page(browser, timeout=10_000, viewport=VIEWPORT, **options):
    """A new context at phone size in Norwegian and Oslo's time, and a page in it that keeps
    the Content-Security-Policy complaints of its console (`page.csp_errors`)."""
    context = browser.new_context(viewport=viewport, locale="nb-NO", timezone_id="Europe/Oslo",
                                  **options)
    context.set_default_timeout(timeout)
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text
            and page.csp_errors.append(msg.text))
    return context, page


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return self.base + path

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    app.config["PORTAL_LOGIN_DELAY"] = False
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def visitor(browser, live_server):
    """visitor(**options) -> a Page at the login page, logged in as nobody, in a context of its
    own (phone_page's options: another viewport, java_script_enabled=False)."""
    contexts = []

    def _visitor(**options):
        context, page = phone_page(browser, **options)
        contexts.append(context)
        page.goto(live_server.url("/login"))
        return page

    yield _visitor
    for context in contexts:
        context.close()


@pytest.fixture
def login(visitor):
    """login(username, **options) -> a Page logged in as `username` in a context of its own
    (options as visitor's)."""

    def _login(username, password="demo", **options):
        page = visitor(**options)
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/home")
        return page

    return _login


@pytest.fixture
def axe():
    """axe(page): no WCAG 2.1 A/AA violations and no CSP violations on the page as it is."""
    source = AXE.read_text(encoding="utf-8")

    def _check(page):
        # Injected through the DevTools protocol, so the page's strict CSP stays in force.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(source)
        # evaluate() has no timeout of its own: a run that never settles (the page swapped
        # under it) must fail the test, not hang the suite.
        result = page.evaluate(
            """tags => Promise.race([
                 axe.run(document, {runOnly: {type: 'tag', values: tags}}),
                 new Promise((_, reject) => setTimeout(
                   () => reject(new Error('axe.run did not finish in 30 s')), 30000)),
               ])""", AXE_TAGS)
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} – "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:5])
            for v in result["violations"]
        ]
        assert not violations, f"axe on {page.url}:\n" + "\n".join(violations)
        assert not getattr(page, "csp_errors", []), page.csp_errors

    return _check
