from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

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
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=512)],
        render_kw={"autocomplete": "current-password"},
    )


class ActionForm(PortalForm):
    """A CSRF-only form for POST buttons."""
