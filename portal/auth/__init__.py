"""Login, logout and the one access check for pages that are not a case."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """The view needs a logged-in user holding at least one of `roles`; others get 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def check_password(username: str, stored_hash: str | None, password: str, *,
                   usable: bool = True) -> tuple[bool, int]:
    """Whether `password` matches `stored_hash` (the account named `username`; `usable`
    False: an account that may not log in, whose right password counts as wrong), as (right,
    seconds to wait first), under the login throttle (portal/auth/throttle.py): the attempt
    is counted before the password is checked and taken back if it was right. When the
    throttle makes the caller wait, the password is not checked: (False, seconds)."""
    from portal.auth import throttle
    from portal.auth.passwords import verify_password

    keys = throttle.keys(username, request.remote_addr)
    wait = throttle.wait_seconds(throttle.attempt(keys))
    if wait:
        return False, wait
    if verify_password(stored_hash, password, account=username) and usable:
        throttle.succeeded(keys)
        return True, 0
    throttle.failed()
    return False, 0


def confirm_password(user, password: str) -> tuple[bool, int]:
    """Whether `password` is the logged-in `user`'s, as `check_password` says: a password
    asked of a logged-in user (a new password's current one, a signature) is checked under
    the login throttle, since it must not become a way for whoever holds the session to
    guess it."""
    return check_password(user.username, user.password_hash, password)


def signed(user, field, wrong: str) -> bool:
    """Whether the password in a form's `field`, a signature, is `user`'s; if not, the field
    says why: `wrong`, or how long the throttle makes them wait."""
    right, wait = confirm_password(user, field.data)
    if not right:
        field.errors = [wait_text(wait) if wait else wrong]
    return right


def wait_text(seconds: int) -> str:
    """What a refusal by the login throttle says."""
    from portal.i18n import gettext as _

    return _("Too many failed attempts. Wait %(seconds)s seconds and try again.",
             seconds=seconds)
