"""Error pages that say what to do next."""

import sqlite3

import peewee
from flask import current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from portal.db import driver_error
from portal.extensions import login_manager
from portal.i18n import lazy_gettext as _l

# what the 503 page asks browsers and proxies to wait before trying again, in seconds
RETRY_AFTER = 30
# a request refused as too large is read to its end before the answer, up to this many times
# the largest request the portal takes (MAX_CONTENT_LENGTH); a larger one is left unread
DRAIN_FACTOR = 4

DATABASE_ERRORS = (peewee.OperationalError, peewee.InterfaceError)
# errors that pass, by their SQLSTATE: a connection failing (08), a transaction the server
# rolled back (40: deadlock, serialization), the server shutting down or starting (57P), too
# many connections (53300), a lock wait that timed out (55P03), a prepared statement the
# server forgot (26000: the next request prepares it anew, portal/db.py)
PASSING_SQLSTATES = ("08", "40", "57P", "53300", "55P03", "26000")
# and by SQLite's error: another writer too long (BUSY, LOCKED), the file not there (CANTOPEN)
PASSING_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN")

MESSAGES = {
    400: (_l("Something was wrong with the request"),
          _l("Go back, reload the page and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should have access, contact the school office.")),
    404: (_l("We could not find the page"),
          _l("The page does not exist, or you do not have access to it. "
             "Go to your home page to find your cases.")),
    413: (_l("The file is too large"),
          _l("Make the file smaller (for example a photo in lower resolution) and try again.")),
    405: (_l("This address sends a form"),
          _l("It cannot be opened as a page. Go back to the page the form is on, or go to "
             "your home page.")),
    429: (_l("Too many attempts"), _l("Wait a little and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Try again in a moment; if it happens again, "
             "contact the school office and tell them the time.")),
    503: (_l("The portal is unavailable for a moment"),
          _l("Try again in a minute. If you sent a form, check that it arrived before you "
             "send it again.")),
}


def passing(error: Exception) -> bool:
    """Whether a database error is one that passes (the database restarting or failing over,
    busy, a deadlock) rather than a bug (a missing column, a migration not run, bad SQL): the
    first gets "try again in a minute", the second the 500 page and a traceback in the log."""
    cause = driver_error(error)
    if cause is None:
        return "database is locked" in str(error)  # the SQLite writers' lock (portal/db.py)
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorname", None) or "").startswith(PASSING_SQLITE)
    code = getattr(cause, "pgcode", None)
    # psycopg2's without a SQLSTATE: the connection itself (refused, closed, lost)
    return code.startswith(PASSING_SQLSTATES) if code else True


def _one_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {' '.join(str(error).split())}"
    during = error.__context__
    if isinstance(during, DATABASE_ERRORS):
        text += f" (after {_one_line(during)})"  # a rollback's error over the first one
    return text


def _unavailable(error: Exception):
    """The 503 page, drawn as for a visitor (the user cannot be read now), with Retry-After
    for browsers and the load balancer, and one line in the log."""
    current_app.logger.error("database unavailable on %s %s: %s", request.method,
                             request.path, _one_line(error))
    g._login_user = login_manager.anonymous_user()
    return (*_page(503), {"Retry-After": str(RETRY_AFTER)})


def _page(code: int, detail: str | None = None):
    title, advice = MESSAGES[code]
    return render_template("errors/error.html", code=code, title=title, advice=advice,
                           detail=detail), code


def _render(code: int, detail: str | None = None):
    """An error page. Its menu reads the user: when the database cannot give it, a 404 or an
    expired form becomes the 503 page, and any other page is drawn as for a visitor (an
    error page that fails in turn leaves a bare "Internal Server Error")."""
    try:
        current_user._get_current_object()
    except DATABASE_ERRORS as error:
        if passing(error):
            return _unavailable(error)
        current_app.log_exception((type(error), error, error.__traceback__))
        g._login_user = login_manager.anonymous_user()
    return _page(code, detail)


def _drain_request_body() -> None:
    """Read what is left of the request's body, and let it go.

    A request larger than MAX_CONTENT_LENGTH is refused from its Content-Length before any of
    its body is read. gunicorn then closes the connection with the body still arriving, and
    the kernel answers the rest with a reset: the sender (nginx, a load balancer, a browser)
    gets an error while it is still sending and never reads the answer. nginx shows its own
    English 502 page, a browser "connection reset", instead of the portal's Norwegian page
    that says what to do. So the body is read to its end first, when the server says where it
    ends (a Content-Length, or a stream the server ends) and it is not absurdly large."""
    stream = request.environ.get("wsgi.input")
    length = request.content_length
    if stream is None or (length is None and not request.environ.get("wsgi.input_terminated")):
        return  # (no end known: reading could wait for ever)
    limit = DRAIN_FACTOR * (current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    if length is not None and length > limit:
        return
    # no more than the Content-Length: a server that hands the socket itself over as the
    # input (werkzeug's, `make run`) would wait for bytes that never come
    left = limit if length is None else length
    while left > 0:
        chunk = stream.read(min(64 * 1024, left))
        if not chunk:
            return
        left -= len(chunk)


def _too_large(e):
    _drain_request_body()
    return _render(413)


def _form_page(path_environ) -> str | None:
    """The case page a form's address belongs to (/absence-notes/4/documents: case 4), or
    None where the address names no case. (Whether the user has a part in the case is the
    case page's to say: a 404 there as anywhere.)"""
    from flask import url_for
    from werkzeug.exceptions import HTTPException

    try:
        _endpoint, args = current_app.url_map.bind_to_environ(path_environ).match(
            method="POST")
    except HTTPException:
        return None
    case_id = args.get("case_id")
    return url_for("cases.show", case_id=case_id) if isinstance(case_id, int) else None


def _method_not_allowed(e):
    """A form's address opened as a page: a reload after the form was refused (the browser's
    address is the form's), a restored tab, a link copied. A case's form leads to its case;
    any other gets the page that says so, in Norwegian, with the way home (and the Allow
    header a 405 must carry)."""
    from flask import redirect

    if request.method in ("GET", "HEAD") and (page := _form_page(request.environ)):
        return redirect(page, 303)
    page = _render(405)
    if page[1] != 405:  # (the database away: the 503 page, with its own headers)
        return page
    return *page, {"Allow": ", ".join(e.valid_methods or ())}


def register_error_handlers(app):
    from portal.cases.engine import AlreadyFiled

    for code in MESSAGES:
        app.register_error_handler(code, _too_large if code == 413 else
                                   _method_not_allowed if code == 405 else
                                   lambda e, code=code: _render(code))

    @app.errorhandler(peewee.OperationalError)
    @app.errorhandler(peewee.InterfaceError)
    def _database_error(e):
        """The database cannot be reached or ended the request's transaction (a restart, a
        fail-over, SQLite's writers busy past their timeout, a deadlock): the 503 page, where
        a bare "Internal Server Error" came before (the 500 page, which reads the user for its
        menu, failed in turn). Any other database error is a bug: logged with its traceback,
        and the 500 page."""
        if passing(e):
            return _unavailable(e)
        current_app.log_exception((type(e), e, e.__traceback__))
        return _render(500)

    @app.errorhandler(AlreadyFiled)
    def _already_filed(e):
        """A filing form sent a second time (a double tap, the browser sending it again): its
        first send filed the case (or added a teacher's concern to it), which is shown;
        nothing else was filed."""
        from flask import flash, redirect, url_for

        from portal.i18n import gettext as _

        flash(_("This form had been sent already, so nothing was sent again. Here is its "
                "case."), "info")
        return redirect(url_for("cases.show", case_id=e.case.id), 303)

    @app.errorhandler(CSRFError)
    def _csrf(e):
        from portal.i18n import gettext as _

        why = (e.description or "").lower()
        if "referrer" in why:
            # (over https the form's page must be the portal's own: a proxy that hands the
            # app another Host than the browser's, its port left out, fails every form)
            current_app.logger.warning(
                "form refused: %s (Referer %r, Host %r; docs/production.md, the proxy's Host)",
                e.description, request.headers.get("Referer"), request.host)
            if "missing" in why:  # (a browser setting or an extension that leaves it out)
                return _render(400, _("Your browser did not say which page the form was sent "
                                      "from. Allow it to for the portal's address and send "
                                      "the form again."))
            return _render(400, _("The form was not sent from the portal's own address. Open "
                                  "the portal at its address and send the form again."))
        return _render(400, _("The form had expired. Reload the page and send it again."))
