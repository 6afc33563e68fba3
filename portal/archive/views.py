"""The administrator's archive export page: a day's documents as a zip."""

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user
from wtforms import DateField
from wtforms.validators import InputRequired

from portal.archive.export import documents, zip_bytes
from portal.auth import roles_required
from portal.forms import PortalForm
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.menu import link, source
from portal.rules.calendar import today

bp = Blueprint("archive", __name__, url_prefix="/admin/archive", template_folder="templates",
               cli_group=None)


class DayForm(PortalForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Enter a date."))])


def admin_schools():
    """Schools the administrator holds the role for; None for a portal-wide administrator."""
    return current_user.schools_as("admin")


@source(70, bp.name)
def _menu(user, here):
    """Administrators: the archive export."""
    if not user.has_role("admin"):
        return []
    return [link(_("Archive export"), "archive.index", here.startswith("archive."))]


@bp.route("/")
@roles_required("admin")
def index():
    """Pick a day; see or download its decision letters and signed protocols."""
    form = DayForm(request.args, day=today()) if request.args else DayForm(day=today())
    docs = None
    status = 200
    if request.args:
        if form.validate():
            docs = documents(form.day.data, admin_schools())
            if request.args.get("download"):
                response = make_response(zip_bytes(form.day.data, docs))
                response.headers["Content-Type"] = "application/zip"
                response.headers["Content-Disposition"] = (
                    f'attachment; filename="arkiv-{form.day.data.isoformat()}.zip"')
                response.headers["Cache-Control"] = "private, no-store"
                return response
        else:
            status = 422
    return render_template("archive/index.html", form=form, docs=docs,
                           day=form.day.data), status
