"""A forgotten password set anew through a link sent by e-mail.

Whoever asks names an account (its username) or an e-mail address; each active account that
matches and has an e-mail address gets a link there (at most MAX_ACCOUNTS for one address).
The page answers the same whether any account matched or not, and in the same time: the
accounts are looked up and the mails queued beside the answer, by a thread of the process's
own (`send_links_later`). The link carries the account's id and a fingerprint of its current
password hash and e-mail address, signed with SECRET_KEY: it works for LINK_MINUTES, and only
until the password or the address changes (so once). An account gets at most one link per
REQUEST_MINUTES and DAILY_LINKS a day, however often it is asked for, and the asking counts
against the client's address as a failed login does (portal/auth/throttle.py), so the page
cannot be used to flood an inbox. An e-mail not sent within LINK_MINUTES is not sent (its
link would not work). An account imported without a password gets its first one this way.
"""

import hashlib
import hmac
import logging
import os
import queue
import threading
import time
from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from peewee import fn

from portal.db import database
from portal.i18n import gettext as _
from portal.models import User, utcnow

LINK_MINUTES = 60  # how long a link works
REQUEST_MINUTES = 15  # at most one link an account in this time
DAILY_LINKS = 5  # and at most this many in 24 hours
MAX_ACCOUNTS = 5  # accounts an e-mail address gets links for at once
_SALT = "portal-password-reset"  # (a link is no other signed value of the portal)


def available() -> bool:
    """Whether links can be sent: the e-mail outbox (portal/notifications) is installed."""
    try:
        from portal.notifications import notify  # noqa: F401
    except ImportError:
        return False
    return True


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    """What binds a link to the password it replaces and the address it was sent to (not
    the hash itself: the link is readable)."""
    bound = f"{user.password_hash}\0{user.email or ''}"
    return hashlib.sha256(bound.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for(token: str | None) -> User | None:
    """The active account a link is for, while the link works; None otherwise (changed,
    expired, used, or the password changed since)."""
    if not token:
        return None
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=LINK_MINUTES * 60)
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    user = User.get_or_none(User.id == user_id)
    if user is None or not user.active or not hmac.compare_digest(_fingerprint(user),
                                                                  fingerprint):
        return None
    return user


def accounts_for(name_or_address: str) -> list[User]:
    """The active accounts with an e-mail address that `name_or_address` names: a username,
    or an e-mail address (any letter case; several accounts may share one)."""
    value = name_or_address.strip()
    if "@" in value:
        # (lower() on both sides in SQL: SQLite's folds ASCII letters only, and an address
        # must compare as the index holds it)
        where = fn.LOWER(User.email) == fn.LOWER(value)
    else:
        where = User.username == value.lower()
    query = (User.select().where(where & (User.active == True)  # noqa: E712 (SQL)
                                 & User.email.is_null(False) & (User.email != ""))
             .order_by(User.id).limit(MAX_ACCOUNTS))
    return list(query)


# The lookups wait in one queue per process, served by one thread: beside the requests, and
# bounded, so that a flood of requests (from many addresses) neither starts a thread each nor
# takes more than one of the worker's database connections. A request that finds the queue
# full is dropped and logged (its answer is the same; it may be asked again). The thread is a
# daemon: a gunicorn worker that stops waits for the queue first (gunicorn.conf.py,
# worker_exit); a process killed outright loses what waits in it, as it loses a request.
QUEUE_SIZE = 200  # requests waiting, at most (about: two requests may both find room)
_queue: queue.Queue = queue.Queue()
_server: tuple[int, threading.Thread] | None = None  # (process id, thread)
_server_lock = threading.Lock()


def send_links_later(name_or_address: str) -> None:
    """Send the links (`send_links`) beside the request, on the process's own thread, so
    that the time the answer takes does not tell whether an account matched. (Not once the
    response has been sent: a WSGI server need not say when that is, and Werkzeug's does not
    when the browser drops the connection first.)"""
    app = current_app._get_current_object()
    _ensure_server()
    if _queue.qsize() >= QUEUE_SIZE:
        logging.getLogger(__name__).warning(
            "password links for a request dropped: %s requests wait already", QUEUE_SIZE)
        return
    _queue.put((app, name_or_address))


def _ensure_server() -> None:
    """The queue's thread, started in this process (after a fork, anew)."""
    global _server
    with _server_lock:
        if _server is None or _server[0] != os.getpid() or not _server[1].is_alive():
            thread = threading.Thread(target=_serve, name="password-links", daemon=True)
            thread.start()
            _server = (os.getpid(), thread)


def _serve() -> None:
    while True:
        app, name_or_address = _queue.get()
        try:
            with app.app_context(), database.connection_context():
                send_links(name_or_address)
        except Exception:  # noqa: BLE001  (nobody waits for it: log, as the mail worker does)
            logging.getLogger(__name__).exception("password links for a request not queued")
        finally:
            _queue.task_done()


def wait_for_links(timeout: float = 30) -> None:
    """Wait until the links asked for so far are queued (at most `timeout` seconds): a
    stopping worker, and tests."""
    end = time.monotonic() + timeout
    while _queue.unfinished_tasks and time.monotonic() < end:
        time.sleep(0.01)


def send_links(name_or_address: str) -> int:
    """Queue a link to each account `name_or_address` names (accounts_for); how many were
    queued (none for an account that got one in this REQUEST_MINUTES window, or DAILY_LINKS
    in the last 24 hours)."""
    from portal.notifications.models import Outbox
    from portal.notifications.notify import external_url, queue_mail

    window = int(time.time() // (REQUEST_MINUTES * 60))
    per_day = 24 * 60 // REQUEST_MINUTES
    expires = utcnow() + timedelta(minutes=LINK_MINUTES)
    sent = 0
    with database.atomic():
        for user in accounts_for(name_or_address):
            recent = [_dedupe_key(user, w) for w in range(window - per_day + 1, window + 1)]
            if Outbox.select().where(Outbox.dedupe_key.in_(recent)).count() >= DAILY_LINKS:
                continue
            link = external_url("auth.reset_link", token=make_token(user))
            subject, body = _mail(user, link)
            sent += queue_mail(user.email, subject, body, dedupe_key=_dedupe_key(user, window),
                               expires_at=expires)
    return sent


def _dedupe_key(user: User, window: int) -> str:
    return f"password-reset:{user.id}:{window}"


def _mail(user: User, link: str) -> tuple[str, str]:
    from portal.notifications.notify import mail_body

    lines = [
        _("Hello %(name)s,", name=user.full_name), "",
        _("Someone asked to set a new password for your user %(username)s in the student "
          "portal.", username=user.username),
        _("Open this link within %(minutes)s minutes to choose a new password: %(link)s",
          minutes=LINK_MINUTES, link=link),
        "",
        _("If it was not you, ignore this e-mail: your password stays as it is."),
    ]
    return str(_("Student portal: set a new password")), mail_body(lines)


def tell_changed(user: User) -> None:
    """Queue an e-mail to `user` saying that their password was changed (by them on the
    password page or through a link, or by staff): someone who changed it without them
    learns nothing from it, and they learn to act. Call in the change's transaction, with
    the new hash on `user`; nothing without an address or the outbox."""
    if not user.email or not available():
        return
    from portal.notifications.notify import external_url, mail_body, queue_mail

    lines = [
        _("Hello %(name)s,", name=user.full_name), "",
        _("The password of your user %(username)s in the student portal has been changed.",
          username=user.username),
        _("If you changed it, you need not do anything."),
        _("If you did not, choose a new password at once, and tell the school: %(link)s",
          link=external_url("auth.forgotten")),
    ]
    queue_mail(user.email, str(_("Student portal: your password has been changed")),
               mail_body(lines),
               dedupe_key=f"password-changed:{user.id}:{_fingerprint(user)}")
