"""Login, logout, sessions, throttling and the role check."""

import re
import threading
from datetime import datetime, timedelta

import pytest

from portal.auth import throttle
from portal.auth.passwords import verify_password
from portal.db import database
from portal.models import LoginThrottle, User
from portal.security import unmask_csrf_token


def test_login_page_renders_in_norwegian(client, school):
    page = client.get("/login").get_data(as_text=True)
    assert "Logg inn" in page and "Brukernavn" in page and 'lang="nb"' in page


def test_login_and_logout(client, auth, school):
    response = auth.login("elev1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    assert "Mine saker" in client.get("/home").get_data(as_text=True)
    auth.logout()
    assert client.get("/home").status_code == 302


@pytest.mark.parametrize("username, password", [("elev1", "wrong"), ("nobody", "demo"),
                                                ("ELEV1", "Demo")])
def test_failed_login_gives_one_generic_message(client, auth, school, username, password):
    response = auth.login(username, password)
    assert response.status_code == 401
    assert "Feil brukernavn eller passord." in response.get_data(as_text=True)


@pytest.mark.parametrize("stored, error", [
    ("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt, another system's
     "InvalidHashError"),
    ("$argon2id$v=19$m=65536,t=3,p=4$broken", "VerificationError"),  # cut short by hand
])
def test_an_unreadable_password_hash_is_a_failed_login_said_in_the_log(auth, school, stored,
                                                                        error, caplog):
    """A hash the portal cannot read: its user cannot log in (with any password) and gets the
    one generic message, and IT staff find the account and what to do in the log."""
    from portal.models import User

    User.update(password_hash=stored).where(User.username == "elev1").execute()
    with caplog.at_level("ERROR", logger="portal.auth.passwords"):
        response = auth.login("elev1", "demo")
    assert response.status_code == 401
    assert "Feil brukernavn eller passord." in response.get_data(as_text=True)
    assert [r.getMessage() for r in caplog.records if r.name == "portal.auth.passwords"] == [
        f"the stored password hash of elev1 cannot be read ({error}): no password matches "
        "it; set a new one with `flask set-password`"]


def test_username_is_case_insensitive(auth, school):
    assert auth.login("ELEV1").status_code == 302


def test_empty_form_names_the_fields(client, school, csrf):
    token = csrf(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "Skriv inn brukernavnet ditt." in page and "Skriv inn passordet ditt." in page


def test_login_without_csrf_is_refused(client, school):
    response = client.post("/login", data={"username": "elev1", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_repeated_failures_are_slowed_down_per_account(auth, school):
    for _ in range(throttle.FREE_FAILURES):
        assert auth.login("elev1", "wrong").status_code == 401
    # Now even the right password must wait.
    response = auth.login("elev1", "demo")
    assert response.status_code == 429
    assert "For mange mislykkede forsøk" in response.get_data(as_text=True)
    # Once the wait is over, the right password works and clears the account's count.
    for row in LoginThrottle.select():
        row.last_failure_at -= timedelta(minutes=1)
        row.save()
    assert auth.login("elev1", "demo").status_code == 302
    assert not LoginThrottle.select().where(LoginThrottle.key == "user:elev1").exists()


def _all_at_once(app, csrf, logins: list[tuple[str, str, str]]) -> list[int]:
    """The statuses of logins (username, password, client address) sent all at once, each
    from a client of its own, released together once every client has its form."""
    clients = []
    for _username, _password, address in logins:
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address  # (via the proxy)
        clients.append((client, csrf(client.get("/login").get_data(as_text=True))))
    barrier = threading.Barrier(len(logins))
    statuses, errors = [], []

    def send(client, token, username, password):
        barrier.wait(30)
        try:
            statuses.append(client.post("/login", data={
                "username": username, "password": password, "csrf_token": token}).status_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(client, token, username, password))
               for (client, token), (username, password, _address)
               in zip(clients, logins, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    return sorted(statuses)


@pytest.fixture
def frozen(monkeypatch):
    """The throttle's clock stopped: every attempt of a test at the same moment, however
    slowly a loaded machine sends them (a wait of 1 s is not over by the last of them)."""
    now = datetime(2026, 12, 7, 8, 0, 30)
    monkeypatch.setattr(throttle, "utcnow", lambda: now)
    return now


def test_guesses_sent_at_once_get_no_more_tries_than_one_after_another(app, school, csrf,
                                                                        frozen):
    """Guesses at one account sent all at once, each checked before any of them had failed,
    must not all get past the throttle: each attempt is checked and counted in one step, so
    FREE_FAILURES of them reach the password check and the rest must wait."""
    extra = 5
    statuses = _all_at_once(app, csrf, [("elev1", "guess", f"198.51.100.{n}")
                                        for n in range(throttle.FREE_FAILURES + extra)])
    assert statuses == [401] * throttle.FREE_FAILURES + [429] * extra
    assert LoginThrottle.get(LoginThrottle.key == "user:elev1").failures \
        == throttle.FREE_FAILURES


def test_one_machine_guessing_many_accounts_at_once_gets_the_addresss_tries(
        app, school, csrf, frozen, monkeypatch):
    """The same for one address trying a password on many accounts at once: no more reach
    the password check than the address's free failures."""
    monkeypatch.setattr(throttle, "ADDRESS_FREE_FAILURES", 3)
    statuses = _all_at_once(app, csrf, [(f"navn{n}", "guess", "203.0.113.9")
                                        for n in range(8)])
    assert statuses == [401] * 3 + [429] * 5


def test_students_logging_in_behind_one_address_give_their_attempts_back(
        client, auth, school, frozen, monkeypatch):
    """An attempt counts against the address until its password proves right: students
    logging in one after another behind a school's address never add up to a wait."""
    monkeypatch.setattr(throttle, "ADDRESS_FREE_FAILURES", 3)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
    for _ in range(2 * throttle.ADDRESS_FREE_FAILURES):
        assert auth.login("elev1").status_code == 302
        auth.logout()
    assert not LoginThrottle.select().exists()
    assert auth.login("elev1", "wrong").status_code == 401  # a failure still counts
    assert LoginThrottle.select().where(LoginThrottle.key.startswith("ip:")).get().failures == 1


def test_the_right_password_clears_the_attempt_it_counted(client, auth, school):
    """An attempt is counted against the account before its password is checked; a right
    one takes the count away again, so logging in leaves nothing that slows the next."""
    assert auth.login("elev1", "wrong").status_code == 401
    assert auth.login("elev1").status_code == 302
    assert not LoginThrottle.select().where(LoginThrottle.key == "user:elev1").exists()


def test_failures_are_counted_per_address_across_accounts(client, auth, school, monkeypatch):
    monkeypatch.setattr(throttle, "ADDRESS_FREE_FAILURES", 3)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"  # one machine, via the proxy
    for name in ["a", "b", "c"]:
        assert auth.login(name, "x").status_code == 401
    assert auth.login("elev2", "demo").status_code == 429
    # another client behind the same proxy is not held up by that machine's failures
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.8"
    assert auth.login("elev2", "demo").status_code == 302


def test_a_schools_shared_address_does_not_lock_its_students_out(db):
    """A school's network reaches the portal from one address: students mistyping their own
    passwords must not make everyone there wait; a machine trying many accounts does wait, at
    most ADDRESS_MAX_DELAY, and only until the address's window ends."""
    now = datetime(2026, 12, 7, 8, 1)  # a Monday morning, the first lesson
    for n in range(throttle.ADDRESS_FREE_FAILURES - 1):  # many students, a typo or two each
        throttle.record_failure(throttle.keys(f"elev{n % 60}", "203.0.113.5", now), now)
    assert throttle.wait_needed(throttle.keys("elev99", "203.0.113.5", now), now) == timedelta(0)
    throttle.record_failure(throttle.keys("elev98", "203.0.113.5", now), now)
    assert throttle.wait_needed(throttle.keys("elev99", "203.0.113.5", now), now) \
        == timedelta(seconds=1)
    # elsewhere, nobody waits
    assert throttle.wait_needed(throttle.keys("elev99", "192.0.2.1", now), now) == timedelta(0)
    # one machine failing on purpose, on and on, holds the school up a minute at most
    for n in range(30):
        throttle.record_failure(throttle.keys(f"offer{n}", "203.0.113.5", now), now)
    assert throttle.wait_needed(throttle.keys("elev99", "203.0.113.5", now), now) \
        == throttle.ADDRESS_MAX_DELAY


def test_the_address_is_counted_per_minute(db):
    last_second = datetime(2026, 12, 7, 8, 14, 59)
    next_minute = datetime(2026, 12, 7, 8, 15)
    assert throttle.keys("x", "203.0.113.5", datetime(2026, 12, 7, 8, 14)) \
        == throttle.keys("x", "203.0.113.5", last_second)
    assert throttle.keys("x", "203.0.113.5", last_second)[1] \
        != throttle.keys("x", "203.0.113.5", next_minute)[1]
    for _ in range(5):
        throttle.record_failure(throttle.keys("x", "203.0.113.5", last_second), last_second)
    throttle.record_failure(throttle.keys("y", "203.0.113.5", next_minute), next_minute)
    key = throttle.keys("y", "203.0.113.5", next_minute)[1]
    assert LoginThrottle.get(LoginThrottle.key == key).failures == 1


def _address_failures(n: int, at: datetime, address: str = "203.0.113.5") -> None:
    for i in range(n):
        throttle.record_failure(throttle.keys(f"name{i}", address, at), at)


def test_an_address_counts_its_failures_of_the_last_window_whenever_they_were(db):
    """No moment frees an address that has just failed many times: failures are summed over
    the minutes of the last WINDOW (a count that began again every quarter of an hour gave
    one machine 100 free failures at 8:14:59 and 100 more at 8:15:00)."""
    burst = datetime(2026, 12, 7, 8, 14, 59)
    over = throttle.ADDRESS_FREE_FAILURES + 5  # a wait of 2**5 seconds after the last
    _address_failures(over, burst)

    def wait(at, address="203.0.113.5"):
        return throttle.wait_needed(throttle.keys("someone", address, at), at)

    assert wait(datetime(2026, 12, 7, 8, 15)) == timedelta(seconds=31)
    assert wait(datetime(2026, 12, 7, 8, 15), "192.0.2.9") == timedelta(0)  # another address
    # spread over the window, as one machine trying one name after another would
    _address_failures(50, datetime(2026, 12, 7, 8, 3))
    _address_failures(49, datetime(2026, 12, 7, 8, 10), address="198.51.100.3")
    _address_failures(50, datetime(2026, 12, 7, 8, 12), address="198.51.100.3")
    assert wait(datetime(2026, 12, 7, 8, 12), "198.51.100.3") == timedelta(0)  # 99
    _address_failures(1, datetime(2026, 12, 7, 8, 12, 30), address="198.51.100.3")
    assert wait(datetime(2026, 12, 7, 8, 12, 30), "198.51.100.3") == timedelta(seconds=1)
    # the 8:10 minute's 49 still count at 8:24:59, and have left the window at 8:25:30
    _address_failures(1, datetime(2026, 12, 7, 8, 24, 59), address="198.51.100.3")
    assert wait(datetime(2026, 12, 7, 8, 24, 59), "198.51.100.3") == timedelta(seconds=2)
    _address_failures(1, datetime(2026, 12, 7, 8, 25, 30), address="198.51.100.3")
    assert wait(datetime(2026, 12, 7, 8, 25, 30), "198.51.100.3") == timedelta(0)  # 53


def test_how_addresses_are_counted():
    keys = throttle.keys
    # an IPv6 machine picks its addresses from its /64: one count
    assert keys("x", "2001:db8:1:2::7")[1] == keys("x", "2001:db8:1:2:ffff::1")[1]
    assert keys("x", "2001:db8:1:2::7")[1].startswith("ip:2001:db8:1:2::/64@")
    assert keys("x", "2001:db8:1:2::7")[1] != keys("x", "2001:db8:1:3::7")[1]
    # an IPv4 address mapped into IPv6 is that IPv4 address
    assert keys("x", "::ffff:198.51.100.7")[1] == keys("x", "198.51.100.7")[1]
    # an unknown address (a unix socket's peer, no proxy header) counts the account alone
    assert keys("Elev1 ", None) == keys("elev1", "") == keys("elev1", "unknown") == ["user:elev1"]


def test_an_account_is_counted_however_many_share_its_address(db):
    now = datetime(2026, 12, 7, 8, 1)
    for _ in range(throttle.FREE_FAILURES):
        throttle.record_failure(throttle.keys("elev1", "203.0.113.5", now), now)
    elsewhere = throttle.keys("elev1", "192.0.2.1", now)
    assert throttle.wait_needed(elsewhere, now) == timedelta(seconds=1)


def test_throttle_delay_doubles_and_is_capped(db):
    assert throttle._delay(2) == timedelta(0)
    assert [throttle._delay(n).total_seconds() for n in (3, 4, 5)] == [1, 2, 4]
    assert throttle._delay(40) == throttle.MAX_DELAY
    # an account tried every five minutes for days (2**n seconds would overflow a timedelta)
    assert throttle._delay(10_000) == throttle.MAX_DELAY
    free = throttle.ADDRESS_FREE_FAILURES
    assert throttle._delay(free - 1, "ip:x") == timedelta(0)
    assert throttle._delay(free, "ip:x") == timedelta(seconds=1)
    assert throttle._delay(10_000, "ip:x") == throttle.ADDRESS_MAX_DELAY


def test_counts_older_than_the_window_are_deleted(db):
    then = datetime(2026, 12, 7, 8, 0)
    throttle.record_failure(["user:ola", "ip:192.0.2.1@1"], then)
    throttle.record_failure(["user:kari"], then + timedelta(minutes=10))
    throttle.record_failure(["user:per"], then + throttle.WINDOW + timedelta(seconds=1))
    assert sorted(r.key for r in LoginThrottle.select()) == ["user:kari", "user:per"]
    # a key's own old count starts again from one
    throttle.record_failure(["user:kari"], then + timedelta(minutes=30))
    assert LoginThrottle.get(LoginThrottle.key == "user:kari").failures == 1


@pytest.mark.postgresql_only
def test_clearing_old_counts_waits_for_no_other_login(db):
    """Two logins failing at once must not wait on (or deadlock over) each other's old rows:
    the old counts another transaction holds are left for a later failure to delete."""
    then = datetime(2026, 12, 7, 8, 0)
    later = then + throttle.WINDOW + timedelta(minutes=1)
    throttle.record_failure(["user:ola"], then)
    holding, release, errors = threading.Event(), threading.Event(), []

    def other_login():  # holds user:ola's old row, as a login failing for ola at once does
        try:
            with database.connection_context(), database.atomic():
                LoginThrottle.update(failures=LoginThrottle.failures).where(
                    LoginThrottle.key == "user:ola").execute()
                holding.set()
                release.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=other_login)
    thread.start()
    try:
        assert holding.wait(10)
        database.execute_sql("SET lock_timeout = '5s'")  # waiting fails the test, not hangs it
        throttle.record_failure(["user:kari"], later)
    finally:
        database.execute_sql("SET lock_timeout = 0")
        release.set()
        thread.join(30)
    assert not errors
    assert sorted(r.key for r in LoginThrottle.select()) == ["user:kari", "user:ola"]
    throttle.record_failure(["user:per"], later)  # ola's old row, no longer held, goes now
    assert sorted(r.key for r in LoginThrottle.select()) == ["user:kari", "user:per"]


def test_session_cookie_flags(auth, school):
    response = auth.login("elev1")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_change_ends_other_sessions(client, auth, school):
    auth.login("elev1")
    assert client.get("/home").status_code == 200
    from portal.auth.passwords import hash_password

    User.update(password_hash=hash_password("new-password")).where(
        User.username == "elev1").execute()
    assert client.get("/home").status_code == 302


@pytest.mark.parametrize("via_proxy", [False, True])
def test_a_session_outlives_a_change_of_network_not_of_browser(client, auth, school, via_proxy):
    """A phone goes from the school's Wi-Fi to mobile data, or comes over IPv6 and IPv4 by
    turns: the student stays logged in. The cookie carried to another browser does not."""
    addresses = ["10.20.0.7", "2001:db8:7::15", "203.0.113.40", "198.51.100.3"]
    key = "HTTP_X_FORWARDED_FOR" if via_proxy else "REMOTE_ADDR"
    client.environ_base[key] = addresses[0]
    auth.login("elev1")
    for address in addresses:
        client.environ_base[key] = address
        assert client.get("/home").status_code == 200, address
    other_browser = client.get("/home", headers={"User-Agent": "Another/1.0"})
    assert other_browser.status_code == 302 and "/login" in other_browser.headers["Location"]
    assert client.get("/home").status_code == 302  # that session is gone for good


def test_inactive_user_cannot_log_in(auth, school):
    User.update(active=False).where(User.username == "elev1").execute()
    assert auth.login("elev1").status_code == 401


def test_next_parameter_only_accepts_local_paths(client, school, csrf):
    token = csrf(client.get("/login").get_data(as_text=True))
    data = {"username": "elev1", "password": "demo", "csrf_token": token}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"].endswith("/home")


def test_role_check_gives_404_to_other_roles(app, client, auth, school):
    from portal.auth import roles_required

    @app.route("/_admin_only")
    @roles_required("admin")
    def _admin_only():
        return "secret"

    auth.login("elev1")
    assert client.get("/_admin_only").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get("/_admin_only").get_data(as_text=True) == "secret"


def test_the_session_user_comes_with_roles_and_menu_state_in_one_query(app, client, auth,
                                                                        school):
    from bench.queries import counting
    from portal.models import RoleGrant, User
    from portal.models.people import USER_STATE, _grants_of, register_user_state
    from portal.notifications.models import Notification
    from portal.notifications.notify import unread_query

    RoleGrant.create(user=school.laerer1, school=None, role="exam_office")  # everywhere
    Notification.create(user=school.laerer1, kind="reminder", text_key="due_soon")
    user = User.load(school.laerer1.id)
    expected = [(g.role, g.school if g.school_id else None) for g in _grants_of(user.id)]
    assert len(expected) == 3 and user._grants() == expected  # same roles, same order
    assert user.has_role("exam_office", school=school.school) and user.has_role("teacher")
    assert user.state[unread_query] == 1 and unread_query in USER_STATE
    nobody = User.create(username="utenroller", full_name="Uten Roller", password_hash="x")
    alone = User.load(nobody.id)
    assert alone._grants() == [] and alone.state[unread_query] == 0
    assert User.load(nobody.id + 1000) is None

    # a logged-in page that shows nothing of its own (the 404 page): the menu's roles and
    # count come with the user, in the request's only query
    auth.login("laerer1")
    client.get("/no-such-page")
    with counting() as box:
        page = client.get("/no-such-page")
    assert page.status_code == 404 and box["n"] == 1
    assert '<span class="count">1<span class="visually-hidden">' in page.get_data(as_text=True)

    with pytest.raises(RuntimeError, match="register at import"):
        register_user_state(lambda user_id: None)  # the query is prepared already


def test_a_sessions_csrf_token_is_signed_once_and_still_checked(app, client, auth, school, csrf,
                                                                 monkeypatch):
    """Every page of a session carries the same signed token (signed once per process), masked
    anew in each response: a later page, when flask-wtf would sign with a later time, unmasks to
    the first; a POST with it passes, one with another session's token does not."""
    import itsdangerous.timed

    auth.login("elev1")
    first = csrf(client.get("/home").get_data(as_text=True))
    later = itsdangerous.timed.time.time() + 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    again = csrf(client.get("/home").get_data(as_text=True))
    assert again != first and unmask_csrf_token(again) == unmask_csrf_token(first)
    assert unmask_csrf_token(csrf(client.get("/no-such-page").get_data(as_text=True))) == (
        unmask_csrf_token(first))

    other = app.test_client()
    Auth = type(auth)
    Auth(other).login("elev2")
    theirs = csrf(other.get("/home").get_data(as_text=True))
    assert unmask_csrf_token(theirs) != unmask_csrf_token(first)
    assert client.post("/logout", data={"csrf_token": theirs}).status_code == 400
    assert client.post("/logout", data={"csrf_token": first}).status_code == 302

    # with a time limit, each page signs its own (and the limit is checked)
    app.config["WTF_CSRF_TIME_LIMIT"] = 600
    Auth(client).login("elev1")
    one = csrf(client.get("/home").get_data(as_text=True))
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later + 5)
    assert unmask_csrf_token(csrf(client.get("/home").get_data(as_text=True))) != (
        unmask_csrf_token(one))


def test_pages_never_carry_the_same_csrf_token_twice(app, client, auth, school, csrf):
    """A secret repeated in every compressed response can be read off the responses' lengths
    (BREACH): each response masks the session's token with fresh random bytes (one mask for
    all the forms of a response). Masked, or the signed token itself as pages before the mask
    had it, a token passes the check; altered by one character, or masked with another
    session's token, it does not."""
    auth.login("elev1")
    pages = [client.get("/home").get_data(as_text=True) for _ in range(20)]
    tokens = [csrf(page) for page in pages]
    assert len(set(tokens)) == 20
    assert all(set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) == {token}
               for page, token in zip(pages, tokens, strict=True))
    signed = unmask_csrf_token(tokens[0])
    assert {unmask_csrf_token(token) for token in tokens} == {signed}
    assert "." in signed and signed not in "".join(pages)

    mask = tokens[3]
    broken = mask[:40] + ("A" if mask[40] != "A" else "B") + mask[41:]
    assert client.post("/notifications/read-all", data={"csrf_token": broken}).status_code == 400
    assert client.post("/logout", data={"csrf_token": tokens[3]}).status_code == 302
    auth.login("elev1")  # (a new session token)
    signed = unmask_csrf_token(csrf(client.get("/home").get_data(as_text=True)))
    assert client.post("/logout", data={"csrf_token": signed}).status_code == 302
    auth.login("elev1")
    # the header htmx sends works the same way
    token = csrf(client.get("/home").get_data(as_text=True))
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302

    auth.login("elev1")
    for junk in ("", "abc", "A" * 243, "%%%", mask[:-1], mask + "A"):
        assert client.post("/logout", data={"csrf_token": junk}).status_code == 400
    assert client.get("/home").status_code == 200  # still logged in


def test_forms_built_in_views_carry_the_sessions_kept_token(app, client, school, csrf,
                                                           monkeypatch):
    """flask-wtf signs a form's token anew on each request, with the time in it; the portal's
    forms (portal.forms.PortalForm) carry the session's token signed once, as the templates'
    csrf_token() does, and a POST is still checked."""
    import itsdangerous.timed

    first = csrf(client.get("/login").get_data(as_text=True))  # {{ form.csrf_token }}
    later = itsdangerous.timed.time.time() + 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert unmask_csrf_token(csrf(client.get("/login").get_data(as_text=True))) == (
        unmask_csrf_token(first))
    other = app.test_client()
    theirs = csrf(other.get("/login").get_data(as_text=True))
    assert unmask_csrf_token(theirs) != unmask_csrf_token(first)
    login = {"username": "elev1", "password": "demo"}
    assert client.post("/login", data={**login, "csrf_token": theirs}).status_code == 400
    assert client.post("/login", data={**login, "csrf_token": first}).status_code == 302


def test_logging_in_and_out_gives_the_session_a_new_csrf_token(client, school, csrf):
    """The token the login page (or the previous user of this browser) had is not the logged-
    in session's: it is refused after login, and the logged-in one after logout."""
    before = csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "elev1", "password": "demo",
                                           "csrf_token": before})
    assert response.status_code == 302
    during = csrf(client.get("/home").get_data(as_text=True))
    assert during != before
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/logout", data={"csrf_token": during}).status_code == 302
    after = csrf(client.get("/login").get_data(as_text=True))
    assert unmask_csrf_token(after) not in {unmask_csrf_token(t) for t in (before, during)}
    response = client.post("/login", data={"username": "elev1", "password": "demo",
                                           "csrf_token": during})
    assert response.status_code == 400


def test_every_form_masks_its_token(app):
    """flask-wtf's own FlaskForm would render the session's signed token bare (it takes it from
    `g`): every form of the portal is a PortalForm, and flask-wtf's <meta> tag is not offered."""
    from flask_wtf import FlaskForm

    from portal.forms import PortalForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [f for f in subclasses(FlaskForm) if f.__module__.startswith("portal.")]
    assert len(forms) > 20  # (the app's modules are imported)
    assert [f for f in forms if not issubclass(f, PortalForm)] == []
    assert "csrf_meta_tag" not in app.jinja_env.globals


def test_a_new_session_token_gets_a_new_mask_within_the_request(app):
    """Login and logout give the session a new token during a request that may already have
    masked the old one: the page after it carries the new one."""
    from flask import session
    from flask_wtf.csrf import validate_csrf

    from portal.security import new_csrf_token

    with app.test_request_context():
        csrf_token = app.jinja_env.globals["csrf_token"]
        session["csrf_token"] = "the session's raw token"
        before = csrf_token()
        assert csrf_token() == before  # one mask a response
        new_csrf_token()
        after = csrf_token()
        assert unmask_csrf_token(after) != unmask_csrf_token(before)
        validate_csrf(unmask_csrf_token(after))  # (raises if it fails)


def test_a_form_checks_a_masked_token_itself_where_no_request_check_ran(app):
    """CSRFProtect checks every POST before the view; a form validated where that check did
    not run (an exempted view) unmasks its token before flask-wtf's check too."""
    from flask import g, session

    from portal.forms import PortalForm

    with app.test_request_context():
        session["csrf_token"] = "the session's raw token"
        masked = PortalForm().csrf_token.current_token
    assert "." not in masked and "." in unmask_csrf_token(masked)
    # one character in the middle changed: its six bits are all the token's (the last
    # character's low bits may be padding; a token that ended in "AA" was once "tampered"
    # into itself by setting its last two to "AA", and passed)
    middle = len(masked) // 2
    tampered = masked[:middle] + ("B" if masked[middle] != "B" else "C") + masked[middle + 1:]
    for token, valid in ((masked, True), (unmask_csrf_token(masked), True),
                         (tampered, False), ("", False)):
        with app.test_request_context(method="POST", data={"csrf_token": token}):
            session["csrf_token"] = "the session's raw token"
            assert not g.get("csrf_valid")
            assert PortalForm().validate() is valid, token


def test_a_form_with_csrf_settings_of_its_own_signs_with_them(app, monkeypatch):
    """PortalForm takes the session's kept token only when the form signs as the app does;
    a form with its own time limit or secret gets flask-wtf's own token, which passes its
    own check."""
    import itsdangerous.timed
    from flask import session
    from flask_wtf.csrf import validate_csrf

    from portal.forms import PortalForm

    class Limited(PortalForm):
        class Meta:
            csrf_time_limit = 600

    class Secret(PortalForm):
        class Meta:
            csrf_secret = b"another secret"

    def token(form_class, **check):
        with app.test_request_context():
            session["csrf_token"] = "the session's raw token"
            masked = form_class().csrf_token.current_token
            assert "." not in masked  # masked, whoever signed it
            signed = unmask_csrf_token(masked)
            validate_csrf(signed, **check)  # (raises if it fails)
            return signed

    kept = token(PortalForm)
    later = itsdangerous.timed.time.time() + 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert token(PortalForm) == kept
    assert token(Limited, time_limit=600) != kept
    assert token(Secret, secret_key=b"another secret") != kept


def test_a_session_cookie_is_checked_once_per_process_and_its_age_on_every_request(
        app, client, auth, school, monkeypatch):
    """The session interface keeps what a good cookie holds (portal.security): the same data
    as Flask's own check gives, the cookie's age still checked on every request, a cookie
    tampered with or signed with another key refused, and each request its own copy."""
    import itsdangerous.timed
    from flask import request
    from flask.sessions import SecureCookieSessionInterface

    from portal import security

    auth.login("elev1")
    value = client.get_cookie("session").value
    raw = app.test_client(use_cookies=False)

    def home(cookie):
        return raw.get("/home", headers={"Cookie": f"session={cookie}"}).status_code

    assert home(value) == 200 and home(value) == 200
    assert value in [key[0] for key in app.session_interface.kept.entries]
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    assert home(tampered) == 302  # to the login page

    with app.test_request_context(headers={"Cookie": f"session={value}"}):
        first = app.session_interface.open_session(app, request)
        assert dict(first) == dict(SecureCookieSessionInterface().open_session(app, request))
        first["written"] = "by one request"
        assert "written" not in app.session_interface.open_session(app, request)

    # a day later (the lifetime is 8 hours): refused although kept, as Flask refuses it
    now = security.time.time()
    lifetime = app.permanent_session_lifetime.total_seconds()
    for clock in (security.time, itsdangerous.timed.time):
        monkeypatch.setattr(clock, "time", lambda: now + lifetime - 5)
    assert home(value) == 200
    for clock in (security.time, itsdangerous.timed.time):
        monkeypatch.setattr(clock, "time", lambda: now + lifetime + 5)
    assert home(value) == 302
    monkeypatch.undo()

    # another secret key: the kept data is not used, the cookie is checked and refused
    app.secret_key = "another key altogether, 32 chars"
    assert home(value) == 302


def test_a_session_a_request_could_change_in_place_is_not_kept(app, school):
    """Flashed messages are a list: a session holding them is checked anew each time."""
    from flask import request, session

    with app.test_request_context():
        session["_flashes"] = [("error", "Noe gikk galt")]
        session["_user_id"] = "1"
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        opened = app.session_interface.open_session(app, request)
    assert opened["_flashes"] == [("error", "Noe gikk galt")]
    assert not app.session_interface.kept.entries


def _change_password(client, current, new, repeat=None):
    from tests.conftest import _csrf_from

    token = _csrf_from(client.get("/password").get_data(as_text=True))
    return client.post("/password", data={"current": current, "new": new,
                                          "repeat": new if repeat is None else repeat,
                                          "csrf_token": token})


def test_a_user_changes_their_password_and_their_other_sessions_end(app, client, auth,
                                                                    school):
    """From the link in every page's header: this browser stays logged in, every other one
    is logged out, and the new password is the one that logs in."""
    auth.login("elev1")
    other = app.test_client()
    Auth = type(auth)
    Auth(other).login("elev1")
    assert other.get("/home").status_code == 200
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/password">Bytt passord</a>' in page
    form = client.get("/password").get_data(as_text=True)
    assert 'href="/password" aria-current="page">Bytt passord</a>' in form
    assert 'autocomplete="username" value="elev1"' in form
    assert form.count('autocomplete="new-password"') == 2
    assert 'autocomplete="current-password"' in form
    throttle.record_failure(["user:elev1"])  # a mistyped login earlier
    with client.session_transaction() as session:
        token_before = session["csrf_token"]
    response = _change_password(client, "demo", "et-langt-passord")
    assert response.status_code == 303 and response.headers["Location"].endswith("/home")
    home = client.get("/home")
    assert home.status_code == 200
    assert "Passordet er endret. Andre nettlesere du var logget inn med, er logget ut." in \
        home.get_data(as_text=True)
    assert other.get("/home").status_code == 302  # the other browser's session ended
    assert not LoginThrottle.select().where(LoginThrottle.key == "user:elev1").exists()
    with client.session_transaction() as session:  # a new form token, as at login
        assert session["csrf_token"] != token_before
    auth.logout()
    assert auth.login("elev1", "demo").status_code == 401
    assert auth.login("elev1", "et-langt-passord").status_code == 302


@pytest.mark.parametrize("current, new, repeat, field, message", [
    ("feil-passord", "et-langt-passord", None, "current", "Nåværende passord er feil."),
    ("demo", "kort", None, "new", "Det nye passordet må ha 8 til 512 tegn."),
    ("demo", "et-langt-passord", "et-annet-passord", "repeat",
     "De to nye passordene er ikke like."),
    ("demo12345", "demo12345", None, "new", "Velg et annet passord enn det nåværende."),
    ("", "et-langt-passord", None, "current", "Skriv inn nåværende passord."),
    ("demo", " " * 8, None, "new", "Skriv inn et nytt passord (ikke bare mellomrom)."),
])
def test_a_password_that_cannot_be_is_refused_naming_the_field(client, auth, school, current,
                                                               new, repeat, field, message):
    from portal.auth.passwords import hash_password

    if current == "demo12345":
        User.update(password_hash=hash_password("demo12345")).where(
            User.username == "elev1").execute()
    auth.login("elev1", "demo12345" if current == "demo12345" else "demo")
    before = User.get(User.username == "elev1").password_hash
    response = _change_password(client, current, new, repeat)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html
    assert re.search(f'id="{field}"[^>]*aria-describedby="[^"]*{field}-error|'
                     f'aria-describedby="[^"]*{field}-error[^>]*id="{field}"', html)
    for typed in (current, new, repeat):  # nothing typed is sent back
        assert not typed or f'value="{typed}"' not in html
    assert User.get(User.username == "elev1").password_hash == before
    assert client.get("/home").status_code == 200  # still logged in
    # only a wrong current password counts against the account: a right one takes back the
    # count its attempt began with
    counted = LoginThrottle.select().where(LoginThrottle.key == "user:elev1").exists()
    assert counted == (current == "feil-passord")


def test_guessing_the_current_password_is_throttled_as_a_login_is(client, auth, school):
    """A session left open on a shared computer must not become a way to guess the
    password: wrong current passwords count as failed logins of the account."""
    auth.login("elev1")
    for _ in range(throttle.FREE_FAILURES):
        assert _change_password(client, "gjetning", "et-langt-passord").status_code == 400
    before = User.get(User.username == "elev1").password_hash
    refused = _change_password(client, "demo", "et-langt-passord")  # right, but too soon
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert re.search(r"Vent \d+ sekunder", refused.get_data(as_text=True))
    assert User.get(User.username == "elev1").password_hash == before
    assert LoginThrottle.get(LoginThrottle.key == "user:elev1").failures \
        == throttle.FREE_FAILURES


def test_a_password_set_by_staff_meanwhile_is_not_undone(client, auth, school):
    """The change is written over the password it verified only: staff setting a new one
    (create-user) while the user's request runs win, and the session must log in again."""
    from portal.auth import views

    auth.login("elev1")
    original = views.hash_password

    def staff_reset_first(password):  # staff's reset lands while the new hash is made
        User.update(password_hash=original("satt-av-skolen")).where(
            User.username == "elev1").execute()
        return original(password)

    views.hash_password = staff_reset_first
    try:
        response = _change_password(client, "demo", "et-langt-passord")
    finally:
        views.hash_password = original
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert verify_password(User.get(User.username == "elev1").password_hash, "satt-av-skolen")
    assert "endret et annet sted" in client.get("/login").get_data(as_text=True)


def test_changing_the_password_needs_a_login_and_the_form_token(client, auth, school):
    assert client.get("/password").status_code == 302
    auth.login("elev1")
    response = client.post("/password", data={"current": "demo", "new": "et-langt-passord",
                                              "repeat": "et-langt-passord"})
    assert response.status_code == 400
    assert verify_password(User.get(User.username == "elev1").password_hash, "demo")
