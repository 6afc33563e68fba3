"""Taking one step of a case from a staff form: the version the user saw, one transition,
a clear message when someone else got there first, and 303 back to the case page. A step
that is not taken keeps what the user wrote (refused_page)."""

from contextlib import contextmanager

from flask import flash, redirect, render_template, url_for
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


NOT_NOW = _l("That step is not possible now. The page shows what you can do.")
KEPT = _l("Someone else changed the case while you had it open, so your step was not taken. "
          "The page now shows the case as it is, with what you wrote kept in the form: check "
          "it and send it again.")


def written(form) -> list[tuple[str, str]]:
    """What the user wrote in `form`'s text fields, as (label, text): what a step that was not
    taken must not lose."""
    return [(str(field.label.text), field.data.strip()) for field in form
            if field.type in ("StringField", "TextAreaField")
            and isinstance(field.data, str) and field.data.strip()]


def refused_page(case_id, kind: str, form, again, *, stale=False, why=None, also=(),
                 file=None):
    """The case page as it is now, after a step sent from the page was not taken, with what
    the user wrote kept (422); None when they wrote nothing (the caller then goes back to
    the case page with its message, as for a withdrawal).

    `stale`: someone else changed the case first; `why`: the step's own rule refused it
    (StepRefused's message); neither: the case's state no longer allows it. `also`: text
    written outside the form's own fields, as (label, text). The case is read again;
    `again(case, parts, form)` gives the page's context with `form` in its place and True
    when the page still offers that step, else the context and False: then the page shows
    the text that was not sent. `file`: the CheckedFile the step would have added; when the
    step is no longer offered and the case holds that file from this user, the form was
    sent twice and its first send took the step: back to the case page (303), saying so.
    (While the step is offered, the same file sent again may be meant: it is kept.)"""
    from portal.cases.access import case_for
    from portal.cases.kinds import get_kind

    unsent = written(form) + [(str(label), text) for label, text in also]
    if not unsent:
        return None
    with forms_unbound():  # the page's other forms as on a fresh page, at the new version
        case, parts = case_for(case_id, kind=kind)
        context, offered = again(case, parts, form)
    if not offered:
        if file is not None and (back := added_before(case_id, file)):
            return back
        return _gone_page(case, kind, context, unsent)
    form.version.data, form.version.raw_data = case.version, None  # (as sent: shown)
    flash(why or str(KEPT if stale else NOT_NOW), "error")
    return render_template(get_kind(kind).template, **context), 422


class SentTwice(Exception):
    """Raised by add_once inside a step's transaction: nothing of the step is stored."""


def add_once(case_id, file) -> None:
    """In a step's effect, before it stores `file`: SentTwice when the case already holds it
    (uploads.already_in). Called once the transaction holds the case row (the effect of
    apply or note), a send that overlaps another's in time waits for it and sees its file."""
    from portal.cases.uploads import already_in

    if already_in(case_id, file):
        raise SentTwice(f"case {case_id} already holds {file.filename!r}")


def added_before(case_id, file):
    """When the case already holds `file` (a CheckedFile) from this user, added moments ago
    (uploads.already_in), the form was sent twice and its first send added it: 303 back to
    the case page, saying so (a copy held from a try before is let go); else None."""
    from portal.cases.uploads import already_in

    if not already_in(case_id, file):
        return None
    return already_added(case_id, file)


def already_added(case_id, file):
    """303 back to the case page saying that `file` was already there (SentTwice, or
    added_before found it), letting a copy held from a try before go."""
    from portal.cases.uploads import release

    release(file)
    flash(_("The file %(name)s is already in the case, so it was not added again.",
            name=file.filename), "info")
    return redirect(url_for("cases.show", case_id=case_id), 303)


def _gone_page(case, kind: str, context, unsent):
    """The case page (its `context`) for a step the case's state no longer offers: why, and
    what was sent shown as not sent; 422."""
    from portal.cases.kinds import get_kind

    flash(no_longer_possible(case), "error")
    context["unsent"] = unsent
    return render_template(get_kind(kind).template, **context), 422


@contextmanager
def forms_unbound():
    """Forms built inside take nothing from the request being answered, as on a page
    loaded afresh: a page that keeps one form's input shows the others at the case's new
    version, not at the version that was sent."""
    from flask import request
    from werkzeug.datastructures import ImmutableMultiDict

    sent = request.form, request.files
    request.form = request.files = ImmutableMultiDict()
    try:
        yield
    finally:
        request.form, request.files = sent


def in_slot(form_key: str):
    """`again` for a kind whose case page holds each step's form under its own key
    (form_on_page): the form goes back in its place when the page still offers it."""
    def again(case, parts, form):
        from portal.cases.views import case_context

        context = case_context(case, parts)
        if context.get(form_key) is None:
            return context, False
        context[form_key] = form
        return context, True
    return again


def take_step(case, action, form: StepForm, *, actor, text="", data=None, effect=None,
              done=None, again=None):
    """Apply `action` and go back to the case page (303). Stale or refused: the case page as
    it is now with what was written kept (refused_page, with `again` or the form's `kept_by`
    from form_on_page), or without either (a step with nothing written, such as a
    withdrawal) a message on the case page."""
    again = again or getattr(form, "kept_by", None)
    try:
        apply(case, action, actor=actor, expected_version=form.expected_version(case),
              text=text, data=data, effect=effect)
    except (StaleCase, TransitionRefused) as exc:
        stale = isinstance(exc, StaleCase)
        why = exc.message if isinstance(exc, StepRefused) else None
        if again is not None and (page := refused_page(case.id, case.kind, form, again,
                                                       stale=stale, why=why)):
            return page
        flash(str(STALE) if stale else why or str(NOT_NOW), "error")
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
    if not form.is_submitted() or form.version.data in (None, ""):  # (unbound: forms_unbound)
        form.version.data = case.version
    return form


def form_on_page(case_id, kind: str, form_key: str, form_class=None):
    """(case, page context, form) for a step posted from the case page. A step not taken
    puts the form back in its place (take_step, by its `kept_by`).

    When the case's present state does not offer the form to this user: 404 unless the
    user holds a part that takes this step (the step is the view's name: its endpoint
    `kind.route` names the action) in some state; for them the page as it is now (422),
    saying the step is no longer possible and showing what they wrote (`form_class`
    builds the form from the request to find it)."""
    from flask import abort, make_response, request

    from portal.cases.access import case_for
    from portal.cases.kinds import get_kind
    from portal.cases.views import case_context

    case, parts = case_for(case_id, kind=kind)
    context = case_context(case, parts)
    form = context.get(form_key)
    if form is None:
        action = (request.endpoint or "").rpartition(".")[2]
        if not any(parts & t.roles for t in get_kind(kind).transitions if t.action == action):
            abort(404)
        unsent = written(form_class()) if form_class is not None else []
        with forms_unbound():  # (the page's other forms at the case's version, not the sent)
            context = case_context(case, parts)
        abort(make_response(*_gone_page(case, kind, context, unsent)))
    form.kept_by = in_slot(form_key)
    return case, context, form
