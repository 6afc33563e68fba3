"""Login and logout, and a password changed or forgotten."""

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import check_password, confirm_password, reset, throttle, wait_text
from portal.auth.forms import ActionForm, ForgottenForm, LoginForm, NewPasswordForm, PasswordForm
from portal.auth.passwords import MIN_LENGTH, hash_password, needs_rehash
from portal.db import database
from portal.extensions import login_manager
from portal.i18n import gettext as _
from portal.models import User
from portal.security import new_csrf_token

bp = Blueprint("auth", __name__)

RESET_KEY = "password_reset"  # the session's copy of an opened password link's token
RESET_SESSION_MINUTES = 15  # a link opened and left in a shared browser stops working there


def parse_session_id(session_id: str) -> tuple[int, str] | None:
    """(user id, password fingerprint) from the id a session carries (User.get_id)."""
    user_id, _sep, fingerprint = session_id.partition(":")
    return (int(user_id), fingerprint) if user_id.isdigit() else None


def session_still_valid(active: bool, password_hash: str, fingerprint: str) -> bool:
    """A session holds while its user is active and has not changed password since."""
    return bool(active) and password_hash[-12:] == fingerprint


@login_manager.user_loader
def load_user(session_id: str):
    parsed = parse_session_id(session_id)
    if parsed is None:
        return None
    user = User.load(parsed[0])  # with the roles and what the menu shows, in one query
    if user is None or not session_still_valid(user.active, user.password_hash, parsed[1]):
        return None
    return user


def session_user_id() -> tuple[int, str] | None:
    """The user id and password fingerprint of a session that flask-login would accept as it
    is (made for this browser: session protection "strong"), without loading the user; None
    when in doubt. Callers check session_still_valid against the user's row themselves."""
    session_id = session.get("_user_id")
    if not session_id or session.get("_id") != login_manager._session_identifier_generator():
        return None
    return parse_session_id(session_id)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _refused(seconds: int) -> tuple[int, dict]:
    """The throttle makes the caller wait: the page says how long, as does Retry-After."""
    flash(wait_text(seconds), "error")
    return 429, {"Retry-After": str(seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        user = User.by_username(form.username.data)
        right, wait = check_password(form.username.data, user.password_hash if user else None,
                                     form.password.data, usable=user is not None and user.active)
        if wait:
            status, headers = _refused(wait)
        elif right:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
                user.save()
            # a new session: a CSRF token of its own (not the one the login page, or whoever
            # used this browser before, was given), made as flask-wtf makes it
            new_csrf_token()
            session.pop(RESET_KEY, None)  # (a password link opened in this browser)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        else:
            flash(_("Wrong username or password."), "error")
            status = 401
    elif form.is_submitted():
        status = 400
    return (render_template("auth/login.html", form=form, password_links=reset.available()),
            status, headers)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """The logged-in user sets a new password, giving their current one: counted against the
    account's login throttle like a failed login (a borrowed session must not become a way
    to guess it). The user's other sessions end (their ids carry the password's
    fingerprint); this one goes on with the new one."""
    user = current_user._get_current_object()
    form = PasswordForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        right, wait = confirm_password(user, form.current.data)
        if wait:
            status, headers = _refused(wait)
        elif not right:
            form.current.errors.append(_("The current password is wrong."))
            status = 400
        elif form.new.data != form.current.data:
            return _change_password(user, form.new.data, _(
                "Your password is changed. Other browsers you were logged in with are logged "
                "out."))
        else:
            form.new.errors.append(_("Choose a password other than the current one."))
            status = 400
    elif form.is_submitted():
        status = 400
    return (render_template("auth/password.html", form=form, min_length=MIN_LENGTH), status,
            headers)


def _change_password(user: User, password: str, done: str):
    """Set the new password of the user whose current one (or link, reset.user_for) was just
    verified, and go on home with this session, saying `done`."""
    verified, new = user.password_hash, hash_password(password)
    # only over the password just verified: staff setting one meanwhile (create-user) is not
    # undone by this request, which read the user before them
    with database.atomic():
        changed = User.update(password_hash=new).where(
            (User.id == user.id) & (User.password_hash == verified)).execute()
        if changed:
            user.password_hash = new
            reset.tell_changed(user)
    if not changed:
        flash(_("Your password was changed elsewhere in the meantime. Log in with the new "
                "one."), "error")
        return redirect(url_for("auth.login"), 303)
    session.pop(RESET_KEY, None)  # (a password link opened in this browser is spent)
    new_csrf_token()  # as at login: the session's next token is not the one before
    login_user(user)  # this session's id with the new password's fingerprint
    flash(done, "info")
    return redirect(url_for("main.home"), 303)


@bp.route("/password/forgotten", methods=["GET", "POST"])
def forgotten():
    """Ask for a link to set a new password (portal/auth/reset.py). The answer is the same
    whether an account matched or not."""
    if not reset.available():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("auth.password"))
    form = ForgottenForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        # counted against the client's address as a failed login is: no flooding of inboxes
        addresses = throttle.address_keys(request.remote_addr)
        wait = throttle.wait_seconds(throttle.attempt(addresses)) if addresses else 0
        if wait:
            status, headers = _refused(wait)
        else:
            flash(_("If the portal knows an account by that name or address and has an "
                    "e-mail address for it, a link to set a new password is on its way there. "
                    "The link works for %(minutes)s minutes. Look in the spam folder too.",
                    minutes=reset.LINK_MINUTES), "info")
            reset.send_links_later(form.account.data)
            return redirect(url_for("auth.login"), 303)
    elif form.is_submitted():
        status = 400
    return render_template("auth/forgotten.html", form=form), status, headers


@bp.route("/password/reset/<token>")
def reset_link(token: str):
    """The link in the e-mail: its token goes into the session (with when it came: it is
    taken out again after RESET_SESSION_MINUTES, at login and at logout) and the browser on
    to the form, so that the token is not in the address bar or a Referer. The proxy's
    access log still has the link's address (docs/production.md)."""
    session[RESET_KEY] = [token, int(time.time())]
    return redirect(url_for("auth.reset_password"), 303)


def _reset_token() -> str | None:
    """The token of the link this browser opened, while its session may use it."""
    kept = session.get(RESET_KEY)
    if not isinstance(kept, list) or len(kept) != 2 or not isinstance(kept[1], int):
        return None
    token, since = kept
    return token if 0 <= time.time() - since <= RESET_SESSION_MINUTES * 60 else None


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    """Choose a new password with the link's token; then logged in, other sessions ended."""
    user = reset.user_for(_reset_token())
    if user is None:
        session.pop(RESET_KEY, None)
        return render_template("auth/reset_invalid.html",
                               minutes=reset.LINK_MINUTES), 400
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        throttle.clear(throttle.account_key(user.username))  # a locked account opens again
        return _change_password(user, form.new.data, _(
            "Your new password is set and you are logged in. Other browsers you were logged in "
            "with are logged out."))
    if form.is_submitted():
        status = 400
    return render_template("auth/reset.html", form=form, user=user,
                           min_length=MIN_LENGTH), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST with CSRF, so no page can log a user out behind their back)."""
    if ActionForm().validate_on_submit():
        logout_user()
        session.pop(RESET_KEY, None)  # (a password link opened in this browser)
        new_csrf_token()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
