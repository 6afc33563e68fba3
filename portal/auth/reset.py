"""A forgotten password set anew through a link sent by e-mail.

Whoever asks names an account (its username) or an e-mail address; each active account that
matches and has an e-mail address gets a link there. The page answers the same whether any
account matched or not, so it does not tell who has an account. The link carries the
account's id and a fingerprint of its current password hash, signed with SECRET_KEY: it
works for LINK_MINUTES, and only until the password changes (so once). An account gets at
most one link per REQUEST_MINUTES, however often it is asked for (the outbox's dedupe key),
so the page cannot be used to flood someone's inbox. An account imported without a password
gets its first one this way.
"""

import hashlib
import hmac
import time

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from peewee import fn

from portal.db import database
from portal.i18n import gettext as _
from portal.models import User

LINK_MINUTES = 60  # how long a link works
REQUEST_MINUTES = 15  # at most one link an account in this time
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


def _fingerprint(password_hash: str) -> str:
    """What binds a link to the password it replaces (not the hash itself: the link is
    readable)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user.password_hash)])


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
    if user is None or not user.active or not hmac.compare_digest(
            _fingerprint(user.password_hash), fingerprint):
        return None
    return user


def accounts_for(name_or_address: str) -> list[User]:
    """The active accounts with an e-mail address that `name_or_address` names: a username,
    or an e-mail address (any letter case; several accounts may share one)."""
    value = name_or_address.strip()
    if "@" in value:
        where = fn.LOWER(User.email) == value.lower()
    else:
        where = User.username == value.lower()
    query = (User.select().where(where & (User.active == True)  # noqa: E712 (SQL)
                                 & User.email.is_null(False) & (User.email != ""))
             .order_by(User.id).limit(MAX_ACCOUNTS))
    return list(query)


def send_links(name_or_address: str) -> int:
    """Queue a link to each account `name_or_address` names (accounts_for); how many were
    queued (none for an account that got one in this REQUEST_MINUTES window)."""
    from portal.notifications.notify import external_url, queue_mail

    window = int(time.time() // (REQUEST_MINUTES * 60))
    sent = 0
    with database.atomic():
        for user in accounts_for(name_or_address):
            link = external_url("auth.reset_link", token=make_token(user))
            subject, body = _mail(user, link)
            sent += queue_mail(user.email, subject, body,
                               dedupe_key=f"password-reset:{user.id}:{window}")
    return sent


def _mail(user: User, link: str) -> tuple[str, str]:
    lines = [
        _("Hello %(name)s,", name=user.full_name), "",
        _("Someone asked to set a new password for your user %(username)s in the student "
          "portal.", username=user.username),
        _("Open this link within %(minutes)s minutes to choose a new password: %(link)s",
          minutes=LINK_MINUTES, link=link),
        "",
        _("If it was not you, ignore this e-mail: your password stays as it is."),
    ]
    return (str(_("Student portal: set a new password")),
            "\n".join(str(line) for line in lines) + "\n")
