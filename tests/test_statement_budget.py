"""Every page of the demo schools, as each kind of demo user sees it, sends at most
STATEMENT_BUDGET database statements: the budget `make bench` holds its pages to
(docs/production.md). The benchmark counts a handful of pages on a county's data; this crawl
counts every page and fragment a user can reach by following links from their home, so that a
page which asks one statement per row it shows (a foreign key read in a template, a helper
called per item) is found once its rows are more than a few. Tests of single pages check that
their count does not grow with their rows (tests/statements.py)."""

import re
from collections import deque

import pytest

from portal import demo
from tests.statements import statements

STATEMENT_BUDGET = 12
# one user of each part, in both demo schools (portal/demo.py)
USERS = ["elev1", "elev2", "laerer1", "laerer2", "trinn1", "kull1", "avd1", "rektor", "eksamen",
         "sensor1", "klage1", "admin", "student1", "f-laerer1", "f-kull1", "f-rektor",
         "f-eksamen", "f-klage1"]
LINK = re.compile(r'(href|hx-get)="(/[^"#]*)"')
# not pages: files, and the links that end the session
NOT_A_PAGE = re.compile(r"^/(static|logout|login)\b|/documents/|/letter|\.pdf\b|/download|"
                        r"/export")
SAME_KIND = 3  # pages of one kind (their ids aside) counted for each user


def _kind(url: str) -> str:
    return re.sub(r"\d+", "N", url.split("?")[0])


def _crawl(client, username):
    """(statements, url) of every page and fragment the user reaches from their home."""
    from tests.conftest import Auth

    Auth(client).login(username)
    counted, seen, per_kind = [], set(), {}
    queue = deque([("/home", False)])
    while queue:
        url, fragment = queue.popleft()
        if (url, fragment) in seen or per_kind.get((_kind(url), fragment), 0) >= SAME_KIND:
            continue
        seen.add((url, fragment))
        headers = {"HX-Request": "true"} if fragment else {}
        response = client.get(url, headers=headers)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        per_kind[_kind(url), fragment] = per_kind.get((_kind(url), fragment), 0) + 1
        counted.append((statements(client, url, headers=headers), url, fragment))
        for attribute, link in LINK.findall(response.get_data(as_text=True)):
            link = link.replace("&amp;", "&")
            if not NOT_A_PAGE.search(link):
                queue.append((link, attribute == "hx-get"))
    return counted


@pytest.fixture
def demo_schools(app, db):
    demo.load()  # today's demo school, as `make run` loads it


@pytest.mark.parametrize("username", USERS)
def test_every_page_a_user_reaches_keeps_to_the_statement_budget(client, demo_schools,
                                                                username):
    counted = _crawl(client, username)
    assert len(counted) >= 3, counted  # the crawl reached pages beyond the home page
    over = [(n, url, "fragment" if fragment else "page") for n, url, fragment in counted
            if n > STATEMENT_BUDGET]
    assert over == [], f"{username}: pages over {STATEMENT_BUDGET} statements: {over}"


# ---------------------------------------------------------------------------------------------
# An appeal dismissed as late, and the appeal on its dismissal (cases/dismissal.py), which the
# demo schools have none of: the dismissed appeal's page is read by the first instance, the
# student, and, as APPEAL_REVIEWER, those who decide the appeal on its dismissal (the principal,
# then the appeals body's members); the appeal on the dismissal's page shows the appeal
# dismissed with the student's explanation. Each reader crawls from their home, with the appeal
# on the dismissal with the principal, with the appeals body (a member recused), and decided.

# the kind dismissed -> (its URL prefix, who dismisses it: the first instance)
DISMISSED_KINDS = {"decision_appeal": ("decision-appeals", "rektor"),
                   "grade_appeal": ("grade-appeals", "eksamen"),
                   "formal_error_appeal": ("formal-error-appeals", "rektor")}
STAGES = ("with_the_principal", "with_the_body", "decided")


@pytest.fixture
def havbruk(db):
    from portal.cases.kinds import REGISTRY
    from tests.grading import make_havbruk
    from tests.test_appeal_dismissal import ORIGINAL

    REGISTRY[ORIGINAL.code] = ORIGINAL
    yield make_havbruk()
    REGISTRY.pop(ORIGINAL.code)


def _dismissed_and_appealed(s, kind, stage, client, auth, csrf, monkeypatch):
    """A late appeal of `kind`, dismissed by its first instance, and the student's appeal on
    the dismissal taken to `stage`: (the dismissed appeal's case, the appeal on it)."""
    from portal.cases.engine import note
    from portal.models import Case, Decision
    from tests.grading import post_form
    from tests.test_appeal_dismissal import (
        WHY,
        _appeal,
        _appeal_the_dismissal,
        _formal_error,
        _grade_appeal,
    )

    filed = {"decision_appeal": _appeal, "grade_appeal": _grade_appeal,
             "formal_error_appeal": _formal_error}[kind]
    _old, case, page = filed(s, client, auth, csrf, monkeypatch)
    prefix, first = DISMISSED_KINDS[kind]
    auth.login(first)
    assert post_form(client, csrf, page, f"/{prefix}/{case.id}/dismiss", {
        "version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    # a member of the appeals body who took part in the case dismissed may not sit on the
    # appeal on its dismissal (forvaltningsloven § 6)
    note(Case.get_by_id(case.id), actor=s.klage[1], role="principal", action="comment",
         text="Uttalelse")
    appeal = _appeal_the_dismissal(s, client, auth, csrf, Decision.get(Decision.case == case.id))
    on_it = f"/cases/{appeal.id}"
    if stage != "with_the_principal":
        auth.login("rektor")
        assert post_form(client, csrf, on_it, f"/decision-appeals/{appeal.id}/forward", {
            "version": Case.get_by_id(appeal.id).version,
            "assessment": "Avvisningen bør stå."}).status_code == 303
        auth.logout()
    if stage == "decided":
        from portal.rules import calendar as cal

        member = s.klage[0]
        auth.login("klage1")
        assert post_form(client, csrf, on_it, f"/decision-appeals/{appeal.id}/decide", {
            "version": Case.get_by_id(appeal.id).version,
            "meeting_on": cal.today().isoformat(), "chair": str(member.id),
            f"vote_{member.id}": "upheld", "minutes": "Møte."}).status_code == 303
        auth.logout()
    return case, appeal


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("kind", sorted(DISMISSED_KINDS))
def test_an_appeal_dismissed_as_late_and_the_appeal_on_it_keep_to_the_budget(
        havbruk, client, auth, csrf, monkeypatch, kind, stage):
    dismissed, appeal = _dismissed_and_appealed(havbruk, kind, stage, client, auth, csrf,
                                                monkeypatch)
    its_page, on_it = f"/cases/{dismissed.id}", f"/cases/{appeal.id}"
    first = DISMISSED_KINDS[kind][1]
    # who reads which of the two pages (the body's members once the appeal is sent to them:
    # one who sits reads both, the recused member only that the appeal on the dismissal exists)
    readers = {"elev1": {its_page, on_it}, "rektor": {its_page, on_it}, first: {its_page}}
    if stage != "with_the_principal":
        readers.update(klage1={its_page, on_it}, klage2={on_it})
    over = []
    for username, pages in readers.items():
        counted = _crawl(client.application.test_client(), username)
        reached = {url for _n, url, fragment in counted if not fragment}
        assert pages <= reached, (username, pages - reached)
        over += [(username, n, url, "fragment" if fragment else "page")
                 for n, url, fragment in counted if n > STATEMENT_BUDGET]
    assert over == [], f"{kind}, {stage}: over {STATEMENT_BUDGET} statements: {over}"
