"""The base of the portal's forms: flask-wtf's FlaskForm, its CSRF token signed once per
process and session (portal.security.install_csrf_token) instead of once per request.

flask-wtf signs the session's token anew on every request that builds a form, with the
time of signing in it. Forms a view builds (the steps on a case page) sign before the page's
template asks the template global `csrf_token()`, so the page's forms carried a token that
changed every second: ~20 µs of signing a request. The token is the same one flask-wtf
would sign, masked anew for each response as the templates' is (portal.security); the check
of a POST is flask-wtf's own, of the unmasked token."""

from flask import current_app
from flask_wtf import FlaskForm

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


class PortalForm(FlaskForm):
    class Meta:
        csrf_class = KeptTokenCSRF
