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


def confirm_password(user, password: str) -> tuple[bool, int]:
    """Whether `password` is `user`'s, as (right, seconds to wait first): checked under the
    login throttle as a login is (portal/auth/throttle.py), since a password asked of a
    logged-in user (a new password's current one, a signature) must not become a way for
    whoever holds the session to guess it. When the throttle makes them wait, the password is
    not checked: (False, seconds)."""
    from portal.auth import throttle
    from portal.auth.passwords import verify_password

    keys = throttle.keys(user.username, request.remote_addr)
    wait = throttle.attempt(keys)
    if wait.total_seconds() > 0:
        return False, int(wait.total_seconds()) + 1
    if verify_password(user.password_hash, password):
        throttle.succeeded(keys)
        return True, 0
    throttle.failed()
    return False, 0


def wait_text(seconds: int) -> str:
    """What a refusal by the login throttle says."""
    from portal.i18n import gettext as _

    return _("Too many failed attempts. Wait %(seconds)s seconds and try again.",
             seconds=seconds)
