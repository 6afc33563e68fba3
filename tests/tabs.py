"""Two tabs of one browser sending at the same moment: requests under way side by side,
against the real database."""

import threading

from portal.db import database


def at_once(held_rows, *sends, while_held=None):
    """Each of `sends` (a function that sends one request: its answer) under way at the same
    moment while another transaction holds `held_rows` (a query; PostgreSQL: its rows, FOR
    UPDATE; SQLite: the one writer), which it then lets go; `while_held()` is done in that
    transaction, before the requests are sent. Their answers, in order."""
    held, go, answers = threading.Event(), threading.Event(), [None] * len(sends)

    def hold():
        with database.connection_context(), database.atomic():
            assert list(held_rows.for_update() if database.for_update else held_rows)
            if while_held is not None:
                while_held()
            held.set()
            go.wait(30)

    def send(i):
        answers[i] = sends[i]()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    senders = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(1)  # (all under way, waiting for the held rows)
    go.set()
    for thread in [holder, *senders]:
        thread.join(30)
    return answers


def sent_from_two_tabs_at_once(app, client, held_rows, send):
    """`send(tab)` from two tabs of the logged-in user (two clients, one session), both
    under way while another transaction holds `held_rows`, as at_once. The two tabs."""
    tabs = [client, app.test_client()]
    tabs[1].set_cookie("session", client.get_cookie("session").value)
    at_once(held_rows, *(lambda tab=tab: send(tab) for tab in tabs))
    return tabs


def one_form_sent_from_two_tabs_at_once(app, client, csrf, url, data, held_rows):
    """The filing form at `url` loaded anew in two tabs (each with its own form token, as two
    forms) and sent from both at the same moment with `data`, as sent_from_two_tabs_at_once.
    Each tab with its answer."""
    import re

    forms = [client.get(url).get_data(as_text=True) for _ in range(2)]
    tokens = [re.search(r'name="form_token" type="hidden" value="([^"]+)"', form)[1]
              for form in forms]
    assert tokens[0] != tokens[1]
    answers = []

    def send(tab):
        form, token = forms.pop(), tokens.pop()
        answers.append((tab, tab.post(url, data={"csrf_token": csrf(form), "form_token": token,
                                                 **data})))

    sent_from_two_tabs_at_once(app, client, held_rows, send)
    return answers
