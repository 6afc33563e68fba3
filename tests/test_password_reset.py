"""A forgotten password set anew through a link sent by e-mail (portal/auth/reset.py), on
SQLite and PostgreSQL, through the Flask test client."""

import re
import threading
import time
from urllib.parse import urlsplit

import itsdangerous.timed
import pytest
from peewee import fn

from portal.auth import reset, throttle, views
from portal.auth.passwords import verify_password
from portal.db import is_postgresql
from portal.importer import import_users
from portal.models import LoginThrottle, User
from portal.notifications.models import Outbox
from tests.factories import give_emails

SENT = ("Hvis portalen kjenner en bruker med det navnet eller den adressen og har en "
        "e-postadresse til den, er en lenke for å sette nytt passord på vei dit.")
INVALID = "Lenken virker ikke"


def _ask(client, csrf, account):
    """Ask for a link, and wait until the mails are queued (beside the request:
    reset.send_links_later)."""
    token = csrf(client.get("/password/forgotten").get_data(as_text=True))
    response = client.post("/password/forgotten", data={"account": account, "csrf_token": token})
    reset.wait_for_links()
    return response


def _open(client, app, user):
    """Open a link made for `user` now, in `client`'s browser."""
    with app.test_request_context():
        token = reset.make_token(user)
    client.get(f"/password/reset/{token}")


def _mails() -> list[Outbox]:
    return list(Outbox.select().where(Outbox.dedupe_key.startswith("password-reset:"))
                .order_by(Outbox.id))


def _link(mail: Outbox) -> str:
    """The path of the link in a password e-mail."""
    found = re.search(r"https?://\S+", mail.body)
    assert found, mail.body
    return urlsplit(found.group()).path


def _set(client, csrf, new, repeat=None):
    page = client.get("/password/reset")
    assert page.status_code == 200, page.status_code
    return client.post("/password/reset", data={
        "new": new, "repeat": new if repeat is None else repeat,
        "csrf_token": csrf(page.get_data(as_text=True))})


@pytest.fixture
def emails(school):
    give_emails(User.by_username("elev1"), User.by_username("elev2"))


def test_the_login_page_leads_to_the_forgotten_password_page(client, school):
    login = client.get("/login").get_data(as_text=True)
    assert '<a href="/password/forgotten">Glemt passordet?</a>' in login
    page = client.get("/password/forgotten").get_data(as_text=True)
    assert "<h1>Glemt passord</h1>" in page
    assert 'autocomplete="username"' in page


def test_a_user_gets_a_link_and_sets_a_new_password_with_it(app, client, auth, csrf, emails):
    other = app.test_client()
    type(auth)(other).login("elev1")  # a browser left logged in elsewhere
    response = _ask(client, csrf, "Elev1")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert SENT in client.get("/login").get_data(as_text=True)
    [mail] = _mails()
    assert mail.recipient == "elev1@skole.test"
    assert mail.subject == "Skoleportalen: sett nytt passord"
    assert "brukeren din elev1" in mail.body and "innen 60 minutter" in mail.body
    assert "http://127.0.0.1:5000/password/reset/" in mail.body  # PORTAL_BASE_URL's
    # the link puts its token in the session and the browser on to a page without it
    opened = client.get(_link(mail))
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/password/reset")
    page = client.get("/password/reset").get_data(as_text=True)
    assert "For brukeren elev1." in page and 'autocomplete="username" value="elev1"' in page
    assert page.count('autocomplete="new-password"') == 2
    done = _set(client, csrf, "et-nytt-passord")
    assert done.status_code == 303 and done.headers["Location"].endswith("/home")
    home = client.get("/home").get_data(as_text=True)
    assert "Det nye passordet ditt er satt, og du er logget inn." in home
    assert other.get("/home").status_code == 302  # the other browser's session ended
    auth.logout()
    assert auth.login("elev1", "demo").status_code == 401
    assert auth.login("elev1", "et-nytt-passord").status_code == 302
    # the link works once
    auth.logout()
    client.get(_link(mail))
    again = client.get("/password/reset")
    assert again.status_code == 400 and INVALID in again.get_data(as_text=True)
    assert '<a href="/password/forgotten">Be om en ny lenke</a>' in again.get_data(as_text=True)


def test_the_answer_does_not_tell_who_has_an_account(client, csrf, emails, db):
    """Unknown, without an e-mail address, inactive: the same answer, and no mail."""
    User.update(active=False).where(User.username == "elev2").execute()
    pages = []
    for account in ("ingen-slik", "elev3", "elev2", "ingen@skole.test", "elev1"):
        response = _ask(client, csrf, account)
        assert response.status_code == 303
        pages.append(client.get("/login").get_data(as_text=True).replace(
            csrf(client.get("/login").get_data(as_text=True)), ""))
        assert SENT in pages[-1]
    assert [m.recipient for m in _mails()] == ["elev1@skole.test"]


def test_an_address_gets_a_link_for_each_account_it_belongs_to(client, csrf, emails, db):
    User.update(email="Felles@Skole.test").where(
        User.username.in_(["elev1", "elev2"])).execute()
    _ask(client, csrf, " felles@SKOLE.test ")
    mails = _mails()
    assert [m.recipient for m in mails] == ["Felles@Skole.test"] * 2
    assert "brukeren din elev1" in mails[0].body and "brukeren din elev2" in mails[1].body


def test_an_address_is_found_through_its_index(db, emails):
    """Migration 019: `lower(email) = ?` reads the expression's index, not every user."""
    query = User.select().where(fn.LOWER(User.email) == "elev1@skole.test")
    sql, params = query.sql()
    if is_postgresql():
        db.execute_sql("SET enable_seqscan = off")  # (a handful of users: force the choice)
        plan = " ".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params))
        db.execute_sql("RESET enable_seqscan")
    else:
        plan = " ".join(str(r) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "user_email_lower" in plan, plan
    assert [u.username for u in reset.accounts_for("ELEV1@skole.test")] == ["elev1"]


def test_asking_again_soon_sends_no_second_mail(client, csrf, emails):
    for _ in range(3):
        assert _ask(client, csrf, "elev1").status_code == 303
    assert len(_mails()) == 1


def test_a_link_stops_working_after_its_time(app, client, csrf, emails, monkeypatch):
    user = User.by_username("elev1")
    with app.test_request_context():
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                            lambda self: int(time.time()) - (reset.LINK_MINUTES * 60 + 5))
        old = reset.make_token(user)
        monkeypatch.undo()
        fresh = reset.make_token(user)
    for token, status in ((old, 400), (fresh, 200)):
        client.get(f"/password/reset/{token}")
        assert client.get("/password/reset").status_code == status


def test_a_link_is_void_once_the_password_changes_or_the_user_leaves(app, client, csrf,
                                                                     emails):
    user = User.by_username("elev1")
    with app.test_request_context():
        token = reset.make_token(user)
    client.get(f"/password/reset/{token}")
    assert client.get("/password/reset").status_code == 200
    # staff set another password meanwhile (create-user)
    import_users("username,full_name,email,roles,school,password\n"
                 "elev1,Elev En,,student,test-vgs,satt-av-kontoret\n", typed=True)
    client.get(f"/password/reset/{token}")
    page = client.get("/password/reset")
    assert page.status_code == 400 and INVALID in page.get_data(as_text=True)
    with app.test_request_context():
        token = reset.make_token(User.by_username("elev1"))
    User.update(active=False).where(User.username == "elev1").execute()
    client.get(f"/password/reset/{token}")
    assert client.get("/password/reset").status_code == 400


def test_a_changed_or_foreign_token_does_not_work(app, client, emails):
    with app.test_request_context():
        token = reset.make_token(User.by_username("elev1"))
        # signed as the portal signs, with another key
        foreign = itsdangerous.URLSafeTimedSerializer(
            "another-secret", salt="portal-password-reset").dumps(
                [User.by_username("elev1").id, reset._fingerprint(User.by_username("elev1"))])
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), foreign, "x", ""):
        client.get(f"/password/reset/{bad}" if bad else "/password/reset")
        assert client.get("/password/reset").status_code == 400


def test_a_new_password_that_cannot_be_is_refused_naming_the_field(app, client, csrf, emails):
    with app.test_request_context():
        token = reset.make_token(User.by_username("elev1"))
    client.get(f"/password/reset/{token}")
    short = _set(client, csrf, "kort")
    assert short.status_code == 400
    page = short.get_data(as_text=True)
    assert "Det nye passordet må ha 8 til 512 tegn." in page and "For brukeren elev1." in page
    differ = _set(client, csrf, "et-nytt-passord", "et-annet-passord")
    assert differ.status_code == 400
    assert "De to nye passordene er ikke like." in differ.get_data(as_text=True)
    assert verify_password(User.by_username("elev1").password_hash, "demo")
    assert _set(client, csrf, "et-nytt-passord").status_code == 303  # the link still works


def test_posts_without_the_form_token_are_refused(app, client, emails):
    assert client.post("/password/forgotten", data={"account": "elev1"}).status_code == 400
    assert _mails() == []
    with app.test_request_context():
        token = reset.make_token(User.by_username("elev1"))
    client.get(f"/password/reset/{token}")
    refused = client.post("/password/reset", data={"new": "et-nytt-passord",
                                                   "repeat": "et-nytt-passord"})
    assert refused.status_code == 400
    assert verify_password(User.by_username("elev1").password_hash, "demo")


def test_a_locked_account_opens_again_with_a_new_password(app, client, auth, csrf, emails):
    for _ in range(3):
        throttle.record_failure(["user:elev1"])
    assert auth.login("elev1", "demo").status_code == 429
    with app.test_request_context():
        token = reset.make_token(User.by_username("elev1"))
    client.get(f"/password/reset/{token}")
    assert _set(client, csrf, "et-nytt-passord").status_code == 303
    assert not LoginThrottle.select().where(LoginThrottle.key == "user:elev1").exists()


def test_an_account_imported_without_a_password_gets_its_first_one(client, auth, csrf, school):
    import_users("username,full_name,email,roles,school\n"
                 "ny-elev,Ny Elev,ny.elev@skole.test,student,test-vgs\n")
    _ask(client, csrf, "ny.elev@skole.test")
    [mail] = _mails()
    client.get(_link(mail))
    assert _set(client, csrf, "mitt-forste-passord").status_code == 303
    auth.logout()
    assert auth.login("ny-elev", "mitt-forste-passord").status_code == 302


def test_a_logged_in_user_changes_their_password_the_usual_way(client, auth, emails):
    auth.login("elev1")
    response = client.get("/password/forgotten")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")


def test_the_mails_are_queued_beside_the_answer(client, csrf, emails, monkeypatch):
    """The answer does not wait for the lookup and the mail, so its time does not tell
    whether an account matched: here the lookup is held until the answer has come."""
    go = threading.Event()
    send = reset.send_links
    monkeypatch.setattr(reset, "send_links", lambda account: go.wait(10) and send(account))
    token = csrf(client.get("/password/forgotten").get_data(as_text=True))
    response = client.post("/password/forgotten", data={"account": "elev1", "csrf_token": token})
    assert response.status_code == 303 and _mails() == []
    go.set()
    reset.wait_for_links()
    assert [m.recipient for m in _mails()] == ["elev1@skole.test"]


def test_an_opened_link_leaves_the_browser_at_login_logout_and_after_a_while(
        app, client, auth, csrf, emails, monkeypatch):
    """A shared school computer: a link opened and not used must not let the next person at
    the browser set the password."""
    elev1 = User.by_username("elev1")
    _open(client, app, elev1)
    auth.login("elev2")  # someone logs in on that browser
    assert client.get("/password/reset").status_code == 400
    _open(client, app, elev1)  # (opened while elev2 is logged in)
    assert client.get("/password/reset").status_code == 200
    auth.logout()
    assert client.get("/password/reset").status_code == 400
    _open(client, app, elev1)
    later = time.time() + views.RESET_SESSION_MINUTES * 60 + 5
    monkeypatch.setattr(views.time, "time", lambda: later)
    page = client.get("/password/reset")
    assert page.status_code == 400 and INVALID in page.get_data(as_text=True)


def test_a_link_is_void_once_the_address_changes(app, client, emails):
    """Staff replace an address someone else could read: links sent there stop working."""
    elev1 = User.by_username("elev1")
    with app.test_request_context():
        token = reset.make_token(elev1)
    User.update(email="ny@skole.test").where(User.id == elev1.id).execute()
    client.get(f"/password/reset/{token}")
    assert client.get("/password/reset").status_code == 400


def test_an_account_gets_a_few_links_a_day_at_most(client, csrf, emails, monkeypatch):
    now = time.time()
    for step in range(reset.DAILY_LINKS + 2):  # one request in each window
        monkeypatch.setattr(reset.time, "time",
                            lambda step=step: now + step * reset.REQUEST_MINUTES * 60)
        _ask(client, csrf, "elev1")
    assert len(_mails()) == reset.DAILY_LINKS
    monkeypatch.setattr(reset.time, "time", lambda: now + 25 * 3600)  # the next day
    _ask(client, csrf, "elev1")
    assert len(_mails()) == reset.DAILY_LINKS + 1


def test_asking_counts_against_the_address_as_a_failed_login(client, csrf, emails):
    """One machine asking for links for account after account is slowed down as one guessing
    passwords is; what it typed stays in the form."""
    for _ in range(throttle.ADDRESS_FREE_FAILURES):
        throttle.record_failure(throttle.address_keys("127.0.0.1"))
    response = _ask(client, csrf, "elev1")
    assert response.status_code == 429 and "Retry-After" in response.headers
    page = response.get_data(as_text=True)
    assert "For mange mislykkede forsøk. Vent" in page and 'value="elev1"' in page
    assert _mails() == []


def test_a_password_mail_past_its_hour_is_not_sent_or_retried(client, csrf, emails):
    from datetime import timedelta

    from portal.models import utcnow
    from portal.notifications import mailer

    _ask(client, csrf, "elev1")
    [mail] = _mails()
    later = utcnow() + timedelta(minutes=reset.LINK_MINUTES, seconds=5)
    assert mail.expires_at is not None
    _token, claimed = mailer.claim("w1", 10, later)
    assert claimed == []
    mail = Outbox.get_by_id(mail.id)
    assert mail.status == "failed" and mail.last_error == mailer.EXPIRED
    Outbox.update(expires_at=utcnow() - timedelta(seconds=1)).where(
        Outbox.id == mail.id).execute()
    assert mailer.retry_failed() == 0


def test_a_password_mail_past_its_hour_that_a_worker_claimed_waits_for_its_claim(client, csrf,
                                                                                  emails):
    """A worker sending it now keeps it; once that worker's claim is abandoned (killed while
    sending), the mail is past its end and is not taken over but failed."""
    from datetime import timedelta

    from portal.notifications import mailer

    _ask(client, csrf, "elev1")
    [mail] = _mails()
    end = mail.expires_at
    claimed_at = end - timedelta(minutes=5)  # near the end of its hour
    _token, [claimed] = mailer.claim("w1", 10, claimed_at)
    past = end + timedelta(minutes=1)  # past its end, w1's claim not yet timed out
    assert past - claimed_at < mailer.CLAIM_TIMEOUT
    assert mailer.claim("w2", 10, past)[1] == []
    assert Outbox.get_by_id(mail.id).status == "sending"
    abandoned = claimed_at + mailer.CLAIM_TIMEOUT + timedelta(minutes=1)
    assert mailer.claim("w2", 10, abandoned)[1] == []
    mail = Outbox.get_by_id(mail.id)
    assert (mail.status, mail.last_error, mail.claimed_by) == ("failed", mailer.EXPIRED, None)


def _changed_mails() -> list[Outbox]:
    return list(Outbox.select().where(Outbox.dedupe_key.startswith("password-changed:"))
                .order_by(Outbox.id))


def test_a_changed_password_is_told_by_e_mail(app, client, auth, csrf, runner, emails):
    """However it was changed (the password page, a link, staff), the user hears of it, with
    what to do if it was not them; a user without an address hears nothing."""
    auth.login("elev1")
    page = client.get("/password").get_data(as_text=True)
    client.post("/password", data={"current": "demo", "new": "et-nytt-passord",
                                   "repeat": "et-nytt-passord", "csrf_token": csrf(page)})
    [mail] = _changed_mails()
    assert mail.recipient == "elev1@skole.test"
    assert mail.subject == "Skoleportalen: passordet ditt er endret"
    assert "Passordet til brukeren din elev1 i skoleportalen er endret." in mail.body
    assert "si fra til skolen: http://127.0.0.1:5000/password/forgotten" in mail.body
    auth.logout()
    _open(client, app, User.by_username("elev1"))
    assert _set(client, csrf, "et-tredje-passord").status_code == 303
    assert runner.invoke(args=["set-password", "elev1"], input="et-fjerde-passord\n"
                         ).exit_code == 0
    assert runner.invoke(args=["set-password", "elev3"], input="et-femte-passord\n"
                         ).exit_code == 0  # (no e-mail address)
    assert runner.invoke(args=["create-user", "elev1", "--name", "Elev En", "--role",
                               "student", "--school", "test-vgs"],
                         input="et-sjette-passord\n").exit_code == 0
    assert [m.recipient for m in _changed_mails()] == ["elev1@skole.test"] * 4
    # an import of a file does not tell (it would tell everyone in it at every run)
    import_users("username,full_name,email,roles,school,password\n"
                 "elev1,Elev En,elev1@skole.test,student,test-vgs,et-sjuende-passord\n")
    assert len(_changed_mails()) == 4


def test_a_flood_of_requests_waits_in_a_bounded_queue(client, csrf, emails, monkeypatch,
                                                       caplog):
    """One thread a process looks the accounts up, one request after another; requests
    beyond the queue's bound are dropped (and logged), their answer the same."""
    from tests.factories import give_emails

    give_emails(User.by_username("elev3"))
    monkeypatch.setattr(reset, "QUEUE_SIZE", 1)
    go = threading.Event()
    send = reset.send_links
    monkeypatch.setattr(reset, "send_links", lambda account: go.wait(10) and send(account))
    token = csrf(client.get("/password/forgotten").get_data(as_text=True))
    answers = []
    for account in ("elev1", "elev2", "elev3"):  # the first is being looked up, one waits
        answers.append(client.post("/password/forgotten",
                                   data={"account": account, "csrf_token": token}))
        for _ in range(500):  # (the thread takes the first from the queue before the next)
            if reset._queue.qsize() == (0 if account == "elev1" else 1):
                break
            time.sleep(0.01)
    assert [a.status_code for a in answers] == [303] * 3
    go.set()
    reset.wait_for_links()
    assert sorted(m.recipient for m in _mails()) == ["elev1@skole.test", "elev2@skole.test"]
    assert "password links for a request dropped" in caplog.text


@pytest.mark.postgresql_only  # (where the outbox alone can be held: SQLite locks every table)
def test_a_stopping_gunicorn_worker_queues_the_links_it_was_asked_for(app, database_url, school,
                                                                       tmp_path):
    """A link asked for just before a restart is sent: the stopping worker looks the account
    up before it ends (gunicorn.conf.py, worker_exit), where the queue's thread would die with
    it. Here the lookup is still waiting for the outbox when the worker is told to stop."""
    import signal
    from urllib.parse import urlencode

    from portal.db import database
    from tests.test_production import Server, _cookie, _token

    give_emails(User.by_username("elev1"))
    server = Server(database_url, "one-secret", tmp_path)
    try:
        status, headers, html = server.request("GET", "/password/forgotten")
        cookie, token = _cookie(headers), _token(html)
        with database.atomic():
            # the outbox held by this transaction: the worker's insert of the mail waits
            database.execute_sql("LOCK TABLE outbox IN EXCLUSIVE MODE")
            status, _, _ = server.request(
                "POST", "/password/forgotten",
                {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                urlencode({"account": "elev1", "csrf_token": token}))
            assert status == 303
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(1)
        assert server.proc.wait(20) == 0
    finally:
        server.stop()
    assert [mail.recipient for mail in _mails()] == ["elev1@skole.test"]
    assert "Worker exiting" in server.log.read_text()
