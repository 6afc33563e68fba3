"""A journey in Chromium through the production set-up as docs/production.md gives it: nginx
with HTTPS and HTTP/2 in front of two production-mode gunicorns (tests/test_nginx.py's
stack). The student applies, the year coordinator finds grounds, and the student's open page
follows by its status poll: over HTTP/2, compressed, with each request going to either
server, the pages' Content-Security-Policy kept."""

from datetime import timedelta

from portal.rules.calendar import next_working_day, today
from tests.browser.conftest import phone_page
from tests.test_nginx import _stack
from tests.test_production import school_today  # noqa: F401  (a fixture)

LIVE = 20_000  # ms: the status polls every 5 s


def _page(browser, proxy, contexts):
    context, page = phone_page(browser, timeout=15_000,
                               ignore_https_errors=True)  # (the test's own certificate)
    contexts.append(context)
    return page


def _log_in(page, proxy, username):
    page.goto(proxy.origin + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/home")


def _protocol(page) -> str:
    return page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")


def test_a_study_leave_through_the_proxy_in_a_browser(app, database_url, school_today,  # noqa: F811
                                                      browser, tmp_path):
    from playwright.sync_api import expect

    first = next_working_day(today() + timedelta(days=14))  # (a period with a school day)
    contexts = []
    with _stack(database_url, tmp_path, servers=2) as (proxy, servers):
        try:
            student = _page(browser, proxy, contexts)
            _log_in(student, proxy, "elev1")
            assert _protocol(student) == "h2"
            student.get_by_role("link", name="Selvstendig studiearbeid").click()
            student.fill("#first_day", first.isoformat())
            student.fill("#last_day", (first + timedelta(days=1)).isoformat())
            student.fill("#reason", "Landsfinale i orientering med kretslaget.")
            student.get_by_role("button", name="Send søknaden").click()
            badge = student.locator("#case-status .badge")
            expect(badge).to_have_text("Sendt, venter på trinnoppfølgeren")
            case_url = student.url

            coordinator = _page(browser, proxy, contexts)
            _log_in(coordinator, proxy, "trinn1")
            coordinator.goto(case_url)
            coordinator.get_by_label("Det er grunnlag: send til faglærerne").check()
            coordinator.get_by_role("button", name="Lagre avgjørelsen").click()
            expect(coordinator.locator("#case-status .badge")).to_have_text("Hos faglærerne")

            # the student's open page follows, by its poll through the proxy
            expect(badge).to_have_text("Hos faglærerne", timeout=LIVE)
            assert _protocol(student) == "h2"
            for page in (student, coordinator):
                assert page.csp_errors == []
        finally:
            for context in contexts:
                context.close()
    # both servers took part (gunicorn's access log of each: the poll's requests among them)
    logs = [server.log.read_text() for server in servers]
    assert all("/status" in log or "/cases/" in log for log in logs), logs
