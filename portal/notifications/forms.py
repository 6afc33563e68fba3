from wtforms import BooleanField

from portal.auth.forms import ActionForm
from portal.i18n import lazy_gettext as _l
from portal.notifications.notify import KINDS


def preferences_form(current: dict[str, bool], formdata=None):
    """A checkbox per kind of notification: e-mail on or off."""

    class PreferencesForm(ActionForm):
        pass

    for kind, label in KINDS.items():
        setattr(PreferencesForm, f"email_{kind}", BooleanField(label, default=current[kind]))
    form = PreferencesForm(formdata=formdata) if formdata is not None else PreferencesForm()
    return form


LEGEND = _l("Send me an e-mail when")
