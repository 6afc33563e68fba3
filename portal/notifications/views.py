"""The notification list (with mark-read) and the e-mail preferences page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from peewee import JOIN

from portal.auth.forms import ActionForm
from portal.cases.access import parts_of_text
from portal.cases.kinds import label_words, title_seen_by
from portal.db import database
from portal.i18n import gettext as _
from portal.models import Case, CaseListing, Event, SchoolClass, SchoolYear, utcnow
from portal.notifications.forms import LEGEND, preferences_form
from portal.notifications.mailer import address_refused
from portal.notifications.models import Notification, NotificationPreference
from portal.notifications.notify import KINDS, link_for, text_for

bp = Blueprint("notifications", __name__, url_prefix="/notifications",
               template_folder="templates", cli_group=None)

PAGE_SIZE = 100


def _mine(notification_id: int) -> Notification:
    found = Notification.get_or_none((Notification.id == notification_id)
                                     & (Notification.user == current_user.id))
    if found is None:
        abort(404)
    return found


@bp.route("/")
@login_required
def index():
    """The user's notifications, newest first, unread marked (with or without a case)."""
    rows = list(
        # with the user's parts in each case (case_listing), for the title they may see, and
        # the event's action and part, for what happened (text_for)
        Notification.select(Notification, Case, SchoolYear, SchoolClass, Event.id, Event.action,
                            Event.role, CaseListing.parts.concat("").alias("my_parts"))
        .join(Event, JOIN.LEFT_OUTER, on=(Notification.event == Event.id))
        .switch(Notification)
        .join(Case, JOIN.LEFT_OUTER, on=(Notification.case == Case.id))
        .join(SchoolYear, JOIN.LEFT_OUTER)
        .switch(Notification)
        .join(SchoolClass, JOIN.LEFT_OUTER, on=(Notification.school_class == SchoolClass.id))
        .switch(Notification)
        .join(CaseListing, JOIN.LEFT_OUTER,
              on=((CaseListing.case == Notification.case)
                  & (CaseListing.user == Notification.user)))
        .where(Notification.user == current_user.id)
        .order_by(Notification.id.desc())
        .limit(PAGE_SIZE)
    )
    # what the news of each case names of it (Kind.label_words: an appeal's body), one
    # statement for each kind whose news name something
    words = label_words((n.case.kind, n.case.id) for n in rows if n.case_id is not None)
    items = []
    for n in rows:
        parts = parts_of_text(n.my_parts)
        items.append({"n": n, "text": text_for(n, parts, words.get(n.case_id)),
                      "title": title_seen_by(n.case, parts) if n.case else None})
    return render_template("notifications/index.html", items=items, form=ActionForm(),
                           unread=sum(1 for n in rows if n.read_at is None),
                           email=current_user.email,
                           refused=address_refused(current_user.email))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id):
    """Mark one notification read; `open` goes on to its case (or, without one, the page it
    tells of)."""
    notification = _mine(notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if notification.read_at is None:
        (Notification.update(read_at=utcnow())
         .where(Notification.id == notification.id).execute())
    if request.form.get("open"):
        return redirect(link_for(notification), code=303)
    return redirect(url_for("notifications.index"), code=303)


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    """Mark every notification read."""
    if not ActionForm().validate_on_submit():
        abort(400)
    (Notification.update(read_at=utcnow())
     .where((Notification.user == current_user.id) & Notification.read_at.is_null())
     .execute())
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"), code=303)


def _current_preferences(user) -> dict[str, bool]:
    current = dict.fromkeys(KINDS, True)
    for p in NotificationPreference.select().where(NotificationPreference.user == user):
        if p.kind in current:
            current[p.kind] = p.email
    return current


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Turn e-mail on or off per kind of notification; the list in the portal stays."""
    current = _current_preferences(current_user.id)
    form = preferences_form(current, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        with database.atomic():
            for kind in KINDS:
                wanted = bool(getattr(form, f"email_{kind}").data)
                (NotificationPreference.insert(user=current_user.id, kind=kind, email=wanted)
                 .on_conflict(conflict_target=[NotificationPreference.user,
                                               NotificationPreference.kind],
                              update={NotificationPreference.email: wanted})
                 .execute())
        flash(_("Your e-mail choices are saved."), "success")
        return redirect(url_for("notifications.preferences"), code=303)
    fields = [getattr(form, f"email_{kind}") for kind in KINDS]
    return render_template("notifications/preferences.html", form=form, fields=fields,
                           legend=LEGEND, email=current_user.email,
                           refused=address_refused(current_user.email))
