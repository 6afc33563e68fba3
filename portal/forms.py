"""The base of the portal's forms: flask-wtf's FlaskForm, its CSRF token signed once per
process and session (portal.security.install_csrf_token) instead of once per request.

flask-wtf signs the session's token anew on every request that builds a form, with the
time of signing in it. Forms a view builds (the steps on a case page) sign before the page's
template asks the template global `csrf_token()`, so the page's forms carried a token that
changed every second: ~20 µs of signing a request. The token is the same one flask-wtf
would sign, masked anew for each response as the templates' is (portal.security); the check
of a POST is flask-wtf's own, of the unmasked token."""

import re
import secrets

from flask import current_app, has_request_context, request
from flask_wtf import FlaskForm
from wtforms import HiddenField

from portal.security import csrf_settings, mask_csrf_token, unmask_csrf_token


class KeptTokenCSRF(FlaskForm.Meta.csrf_class):
    def generate_csrf_token(self, csrf_token_field):
        # the template global signs as flask-wtf does from the app's config (field name,
        # secret) and keeps what it signed (with a time limit it signs every time); a form
        # whose Meta sets its own has flask-wtf sign with that
        meta = self.meta
        field, secret, time_limit = csrf_settings(current_app)
        if ((meta.csrf_secret or current_app.secret_key) != secret
                or meta.csrf_field_name != field or meta.csrf_time_limit != time_limit):
            return mask_csrf_token(super().generate_csrf_token(csrf_token_field))
        return current_app.jinja_env.globals["csrf_token"]()

    def validate_csrf_token(self, form, field):
        # (where CSRFProtect has not checked the request already: its token, unmasked)
        field.data = unmask_csrf_token(field.data)
        super().validate_csrf_token(form, field)


# WTForms' own messages (a field's generated label, its validators' defaults) in each locale,
# read once a process: flask-wtf reads the catalogue from disk for every request that asks
# (babel's Translations.load: 0.45 ms here), and every form with a step's version field asked
_WTFORMS_CATALOGUES: dict[str, object] = {}


def wtforms_catalogue():
    """WTForms' catalogue in the request's locale (babel.support.Translations, kept)."""
    from babel import support
    from wtforms.i18n import messages_path

    from portal.i18n import _request_locale

    _here, locale = _request_locale()
    key = str(locale)
    catalogue = _WTFORMS_CATALOGUES.get(key)
    if catalogue is None:
        catalogue = _WTFORMS_CATALOGUES[key] = support.Translations.load(
            messages_path(), [key], domain="wtforms")
    return catalogue


class PortalForm(FlaskForm):
    """A form's fields are in the order its page shows them (the error summary lists them so:
    templates/_macros.html, form_errors), which is the order they are declared in, but for
    `shown_last`: fields the page shows after all the others, whichever class declares them
    (an appeal's signature, declared on the base every appeal form extends; fields added to
    a form's class after the ones the page shows below them)."""

    shown_last: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.shown_last:
            self._fields.move_to_end(name)

    class Meta:
        csrf_class = KeptTokenCSRF

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True) or not has_request_context():
                return super().get_translations(form)
            return wtforms_catalogue()


def new_form_token() -> str:
    return secrets.token_urlsafe(16)


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class FilingForm(PortalForm):
    """A form that files a new case. It carries a token of its own, made when the form is
    shown and kept while it comes back with errors: a second send of the same form (a
    double tap, the browser sending it again after a slow or broken connection, the same
    page sent from a second tab) finds the case the first filed (engine.open_case,
    Case.form_token) instead of filing another. A form loaded anew (pages are not kept by
    the browser: Cache-Control no-store) is a new form, and files a case of its own."""

    # (a label of its own: without one WTForms makes "Form Token" and has it translated, and
    # flask-wtf reads its catalogue from disk for that on every form built, 0.3 ms a filing)
    form_token = HiddenField(label="", default=new_form_token)


def sent_form_token() -> str | None:
    """The token of the filing form this request sent, when it sent a well-formed one (a page
    from before the token, or a script, sends none: its case is filed as before); once a
    request: a case it opens besides (a follow-up a rule opens, say) is filed without it."""
    if (not has_request_context() or request.method != "POST"
            or request.environ.get(TOKEN_TAKEN)):
        return None
    token = request.form.get("form_token", "")
    if not FORM_TOKEN.fullmatch(token):
        return None
    request.environ[TOKEN_TAKEN] = True  # (the request's own: an app context may serve several)
    return token


TOKEN_TAKEN = "portal.form_token_taken"


def future_meeting_error(held, today) -> str | None:
    """Why a meeting recorded on `held` (a date) cannot have been held yet, `today`; None
    when it can: a decision is recorded after the meeting that made it."""
    from portal.i18n import gettext as _
    from portal.rules.deadlines import format_date

    if held > today:
        return _("The meeting date %(date)s is in the future; record the decision after the "
                 "meeting.", date=format_date(held))
    return None

