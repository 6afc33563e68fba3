"""Database queries per request, counted in-process with the Flask test client.

The counter wraps the peewee database's execute_sql in this process only; the app is not
changed for it. Each page is requested twice and the second request is counted, so one-off
work (a rule profile loaded, a counter row created) does not blur the figure.

It also counts the statements whose text peewee built for the request (those it is handed as
a query, through `Database.execute`): the portal keeps the text of the statements its pages
and filings send (`portal.db`: Prepared, create_row, insert_rows), since peewee's building
of one costs more than SQLite's answering it. A statement that falls back to peewee (the
outbox's rows did until the twentieth round: they left out a column with a default) shows
here.
"""

import re
import secrets
from contextlib import contextmanager
from typing import NamedTuple

from portal.db import database

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')

# A filing form's token in a scenario's form, where each request puts a token of its own
# (a form sent again files nothing: portal.forms.FilingForm): here, and wrk's (scenario.lua)
FORM_TOKEN_MARK = "benchFormTokenMark0000"


class Counted(NamedTuple):
    statements: int  # every statement the request sent
    built: int  # of them, those whose text peewee built for it


@contextmanager
def counting():
    db = database.obj
    original, original_execute = db.execute_sql, db.execute
    box = {"n": 0, "built": 0}

    def execute_sql(*args, **kwargs):
        box["n"] += 1
        return original(*args, **kwargs)

    def execute(*args, **kwargs):
        box["built"] += 1
        return original_execute(*args, **kwargs)

    db.execute_sql, db.execute = execute_sql, execute
    try:
        yield box
    finally:
        del db.execute_sql, db.execute


def login(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
    # a login gives the session a new token: the one a page of the logged-in session carries
    return TOKEN.search(client.get("/home").get_data(as_text=True)).group(1)


def count(app, scenarios, password) -> dict[str, Counted]:
    """{scenario name: the statements of one request}; scenarios as bench.run builds them."""
    result = {}
    clients = {}
    for s in scenarios:
        user = s.get("count_as")
        if user is None and s["name"] != "bare":
            continue
        if user not in clients:
            client = app.test_client()
            token = login(client, user, password) if user else None
            clients[user] = (client, token)
        client, token = clients[user]
        r = s["count_request"]
        body = r.get("form")
        if body is not None:
            body = {**body, "csrf_token": token}
        for _ in range(2):  # the second request is counted
            sent = body if body is None else {
                key: secrets.token_urlsafe(16) if value == FORM_TOKEN_MARK else value
                for key, value in body.items()}
            with counting() as box:
                response = client.open(r["path"], method=r["method"], headers=r.get("headers"),
                                       data=sent)
            assert response.status_code == s["expected"], (
                f"{s['name']}: {r['method']} {r['path']} answered {response.status_code}, "
                f"expected {s['expected']}")
        result[s["name"]] = Counted(box["n"], box["built"])
    return result
