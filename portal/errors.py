"""Error pages that say what to do next."""

import peewee
from flask import current_app, g, render_template, request
from flask_wtf.csrf import CSRFError

from portal.extensions import login_manager
from portal.i18n import lazy_gettext as _l

# what the 503 page asks browsers and proxies to wait before trying again, in seconds
RETRY_AFTER = 30

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
    429: (_l("Too many attempts"), _l("Wait a little and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Try again in a moment; if it happens again, "
             "contact the school office and tell them the time.")),
    503: (_l("The portal is unavailable for a moment"),
          _l("Try again in a minute. If you sent a form, check that it arrived before you "
             "send it again.")),
}


def _render(code: int, detail: str | None = None):
    title, advice = MESSAGES[code]
    return render_template("errors/error.html", code=code, title=title, advice=advice,
                           detail=detail), code


def register_error_handlers(app):
    for code in MESSAGES:
        app.register_error_handler(code, lambda e, code=code: _render(code))

    @app.errorhandler(peewee.OperationalError)
    @app.errorhandler(peewee.InterfaceError)
    def _unavailable(e):
        """The database cannot be reached, or could not answer in time (a restart, a
        fail-over, SQLite's writers busy past their timeout, a lock wait or deadlock): a page
        that says so, and 503 with Retry-After for the load balancer, where the 500 page,
        which reads the user for its menu, failed in turn and left a bare "Internal Server
        Error". The page is drawn as for a visitor, without the database."""
        current_app.logger.error("database unavailable on %s %s: %s: %s", request.method,
                                 request.path, type(e).__name__, str(e).strip())
        g._login_user = login_manager.anonymous_user()
        body, code = _render(503)
        return body, code, {"Retry-After": str(RETRY_AFTER)}

    @app.errorhandler(CSRFError)
    def _csrf(e):
        from portal.i18n import gettext as _

        return _render(400, _("The form had expired. Reload the page and send it again."))
