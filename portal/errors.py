"""Error pages that say what to do next."""

from flask import render_template
from flask_wtf.csrf import CSRFError

from portal.i18n import lazy_gettext as _l

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
}


def _render(code: int, detail: str | None = None):
    title, advice = MESSAGES[code]
    return render_template("errors/error.html", code=code, title=title, advice=advice,
                           detail=detail), code


def register_error_handlers(app):
    for code in MESSAGES:
        app.register_error_handler(code, lambda e, code=code: _render(code))

    @app.errorhandler(CSRFError)
    def _csrf(e):
        from portal.i18n import gettext as _

        return _render(400, _("The form had expired. Reload the page and send it again."))
