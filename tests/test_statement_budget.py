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
