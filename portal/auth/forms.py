from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.passwords import MAX_LENGTH, MIN_LENGTH
from portal.forms import PortalForm
from portal.i18n import lazy_gettext as _l


class LoginForm(PortalForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ActionForm(PortalForm):
    """A CSRF-only form for POST buttons."""


def _new_password_fields():
    """A new password and its repeat (made anew for each form, so that they come after the
    fields declared before them)."""
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a new password (not only spaces).")),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH,
                           message=_l("The new password must have %(min)d to %(max)d "
                                      "characters.", min=MIN_LENGTH, max=MAX_LENGTH))],
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(message=_l("Repeat the new password.")),
                    EqualTo("new", message=_l("The two new passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    return new, repeat


class PasswordForm(PortalForm):
    """A logged-in user's new password. Nothing typed is sent back in the page."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")),
                    Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new, repeat = _new_password_fields()


class NewPasswordForm(PortalForm):
    """A new password set through a link sent by e-mail (portal/auth/reset.py)."""

    new, repeat = _new_password_fields()


class ForgottenForm(PortalForm):
    """Who forgot their password: a username or an e-mail address."""

    account = StringField(
        _l("Username or e-mail address"),
        validators=[DataRequired(message=_l("Enter your username or your e-mail address.")),
                    Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
