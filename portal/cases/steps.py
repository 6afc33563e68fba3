"""Taking one step of a case from a staff form: the version the user saw, one transition,
a clear message when someone else got there first, and 303 back to the case page."""

from flask import flash, redirect, url_for
from wtforms import HiddenField

from portal.cases.engine import StaleCase, TransitionRefused, apply
from portal.forms import PortalForm
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l


class StepRefused(TransitionRefused):
    """Refused by a rule checked inside the step (its effect); `message` is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class StepForm(PortalForm):
    """A form that takes one step: it carries the case version the user saw."""

    version = HiddenField()

    def expected_version(self, case) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return case.version


STALE = _l("Someone else changed the case while you were looking at it. "
           "The page now shows the latest version; check it and try again.")


def no_longer_possible(case) -> str:
    """Why a step sent from an older page is refused (TransitionRefused): the case has moved
    on, and this is its state now (`case` as read for the request)."""
    from portal.filters import state_label

    return _("That is no longer possible: the case is now \u201c%(state)s\u201d.",
             state=state_label(case))


def take_step(case, action, form: StepForm, *, actor, text="", data=None, effect=None,
              done=None):
    """Apply `action` and go back to the case page (303); stale or refused -> a message."""
    try:
        apply(case, action, actor=actor, expected_version=form.expected_version(case),
              text=text, data=data, effect=effect)
    except StaleCase:
        flash(str(STALE), "error")
    except StepRefused as exc:
        flash(exc.message, "error")
    except TransitionRefused:
        flash(_("That step is not possible now. The page shows what you can do."), "error")
    else:
        if done:
            flash(str(done), "success")
    return redirect(url_for("cases.show", case_id=case.id), code=303)


CONFIRMED = "yes"  # the confirmation page's `confirmed` field


def unconfirmed_withdrawal(case, parts):
    """None when the case's student posted a withdrawal from its confirmation page
    (cases.confirm_withdraw); else the redirect (303) to that page, or 404 for anyone but
    the student. Every kind's withdraw asks this once it has the case: one tap on the case
    page never withdraws it."""
    from flask import abort, request

    if "student" not in parts:
        abort(404)
    if request.form.get("confirmed") == CONFIRMED:
        return None
    return redirect(url_for("cases.confirm_withdraw", case_id=case.id), code=303)


def withdraw(case, parts, *, actor):
    """The student withdraws an open case (it stays in the timeline)."""
    form = StepForm()
    if "student" not in parts or not form.validate_on_submit():
        from flask import abort

        abort(404 if "student" not in parts else 400)
    return take_step(case, "withdraw", form, actor=actor, done=_("The case is withdrawn."))


def options(pairs) -> list:
    """WTForms choices from (value, label) pairs."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]


def step_form(factory, case):
    """A step form bound to the request when posted, else carrying the case's version."""
    form = factory()
    if not form.is_submitted():
        form.version.data = case.version
    return form


def form_on_page(case_id, kind: str, form_key: str):
    """(case, page context, form) for a step posted from the case page; 404 when the form
    is not offered to this user in the case's present state."""
    from flask import abort

    from portal.cases.access import case_for
    from portal.cases.views import case_context

    case, parts = case_for(case_id, kind=kind)
    context = case_context(case, parts)
    form = context.get(form_key)
    if form is None:
        abort(404)
    return case, context, form
