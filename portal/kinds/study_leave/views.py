"""Pages of the study-leave case: the application form and each step's POST."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from wtforms import SelectChoice

from portal.auth import roles_required
from portal.cases.access import case_for
from portal.cases.engine import StaleCase, TransitionRefused
from portal.cases.filing import filing_school
from portal.cases.steps import (
    STALE,
    added_before,
    no_longer_possible,
    refused_page,
    unconfirmed_withdrawal,
)
from portal.cases.uploads import checked_upload, hold
from portal.cases.views import case_context
from portal.filters import state_label
from portal.fragments import keep_rows
from portal.i18n import gettext as _
from portal.kinds.study_leave import KIND, bp, flow
from portal.kinds.study_leave.forms import (
    AnswerForm,
    ApplyForm,
    DecideForm,
    DocumentationForm,
    FinishForm,
    LinkNoteForm,
    TaskDoneForm,
    TeacherAnswerForm,
    WithdrawForm,
)
from portal.kinds.study_leave.models import TeacherAnswer
from portal.models import SchoolClass, SchoolYear

NEW_TEMPLATE = "study_leave/new.html"

keep_rows("absence_line", flow.absence_line_key)  # (the coordinator's "Absence so far")


def _deadline_context(school, first_day):
    on = flow.today()
    rule = school.rules.rule(flow.LEAD_RULE)
    context = {"rule": rule, "today": on, "earliest": flow.earliest_first_day(school, on),
               "first_day": first_day, "deadline": None, "late": False}
    if first_day is not None:
        deadline = flow.deadline_for(school, first_day)
        context.update(deadline=deadline, late=deadline.is_late(on))
    return context


@bp.route("/new", methods=["GET", "POST"])
@roles_required("student")
def new():
    """The application: period, reason, and for a sports event who is informed."""
    school = filing_school(current_user, KIND.code, flow.offered_at)
    form = ApplyForm()
    # (the breaks with the year, in its one statement: the period must hold school days)
    year, breaks = SchoolYear.current_with_breaks(school, flow.today())
    valid = form.validate_on_submit()
    checked = None
    if request.method == "POST" and form.is_sports_event.data:
        # (read whatever else is wrong, so that it is held if the form comes back)
        checked = checked_upload(form.confirmation)
        if checked is None and not form.confirmation.errors:  # (held, and gone meanwhile)
            form.confirmation.errors.append(_("For a sports event, attach the confirmation "
                                              "from the club or your parents."))
    if form.is_submitted() and form.first_day.data is not None:
        # the period's rules (the lead time, the school year, school days) beside the other
        # fields' errors, in one answer: checked only once the rest was right, a late
        # application was told so only after the student had put the rest right and sent it
        # again (the summary lists each field's errors where the page shows the field)
        problems = flow.check_period(school, form.first_day.data, form.last_day.data,
                                     flow.today(), year, breaks)
        for p in problems:
            getattr(form, p.field).errors.append(p.message)
    if valid and not form.errors:
        try:
            case = flow.file(
                student=current_user._get_current_object(), school=school,
                first=form.first_day.data, last=form.last_day.data,
                reason=form.reason.data.strip(), is_sports_event=form.is_sports_event.data,
                parents_informed=form.parents_informed.data,
                club_informed=form.club_informed.data, confirmation=checked, year=year)
        except flow.StepRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Your application is sent. You can follow it here."), "success")
            return redirect(url_for("cases.show", case_id=case.id), 303)
    hold(form, form.confirmation, checked)
    status = 422 if request.method == "POST" else 200
    klass = SchoolClass.of_student(current_user.id, year)
    return render_template(NEW_TEMPLATE, form=form, klass=klass,
                           **_deadline_context(school, form.first_day.data)), status


@bp.route("/deadline")
@roles_required("student")
def deadline():
    """The last day to apply for the first day being typed (fragment of the form)."""
    school = filing_school(current_user, KIND.code, flow.offered_at)
    form = ApplyForm(request.args, meta={"csrf": False})
    form.first_day.validate(form)
    return render_block(NEW_TEMPLATE, "deadline", form=form,
                        **_deadline_context(school, form.first_day.data))


# --- the case page -------------------------------------------------------------------------


def _visible_answers(case, parts, answers):
    if "year_coordinator" in parts:
        return answers
    if case.state in ("granted", "completed", "not_completed", "refused") and (
            parts & {"student", "contact_teacher"}):
        return [a for a in answers if a.is_answered]
    return [a for a in answers if a.teacher_id == current_user.id]


# The case page's step forms, each built only when the user may take its step.
STEP_FORMS = {
    "decide": (DecideForm, "grounds"),
    "answer": (AnswerForm, "grant"),
    "finish": (FinishForm, "complete"),
    "withdraw": (WithdrawForm, "withdraw"),
    "documentation": (DocumentationForm, "add_documentation"),
    "task": (TaskDoneForm, "task_done"),
}


def status_extras(case, parts, answers=None):
    """What the status block shows of the teachers' answers (Kind.status_context)."""
    answers = flow.answers_shown(case) if answers is None else answers
    return {
        "answers": _visible_answers(case, parts, answers),
        "answered": sum(a.is_answered for a in answers),
        "answers_total": len(answers),
        "tasks": [a for a in answers if a.approved],
    }


def case_extras(case, parts):
    """What the study-leave page adds to the case page (Kind.extra_context)."""
    leave, answers = flow.leave_and_answers(case)  # subject and teacher by name only
    version = {"version": case.version}
    can = {t.action for t in KIND.actions(case.state, parts)}
    withdrawal = {}
    if "withdraw" in can and case.state == "granted":
        # granted: the student may withdraw until the profile's day before the period
        withdrawal = {"withdrawal_until": flow.withdrawal_deadline(case.school, leave),
                      "withdrawal_closed": flow.withdrawal_refused(case, leave)}
        if withdrawal["withdrawal_closed"]:
            can.discard("withdraw")
    context = {
        "leave": leave,
        # its length in school days (weekdays that are neither public holidays nor the
        # school's breaks): one statement for the year's breaks, on this page alone
        "school_days": flow.school_day_count(case, leave),
        **withdrawal,
        **status_extras(case, parts, answers),
        "can": can,
        "forms": {
            name: form_class(data=version) for name, (form_class, action) in STEP_FORMS.items()
            if action in can},
    }
    user_id = current_user.id  # (once, not through the proxy for every answer)
    context["forms"]["teacher"] = {
        a.id: TeacherAnswerForm(prefix=f"a{a.id}", data={
            "version": case.version, "answered": flow.answered_token(a),
            "choice": {"approved": "approve", "declined": "decline"}.get(a.decision),
            "text": a.text}) for a in answers if a.teacher_id == user_id}
    context["note_case"], context["note"] = flow.linked_note(leave)
    if "link_absence_note" in context["can"]:
        candidates = flow.note_candidates(case, leave)
        link = LinkNoteForm(data=version)
        _note_choices(link, candidates)
        context["forms"]["link_note"] = link
        context["note_candidates"] = candidates
        context["new_note_url"] = _new_note_url(case, leave)
    if "complete" in can:
        context["completion_opens"] = flow.completion_opens(leave)
        context["period_running"] = flow.today() < context["completion_opens"]
    if "year_coordinator" in parts:
        context["earlier"] = flow.earlier_grants(case)
        context["absence"] = flow.absence_summary(case, viewer=user_id)
    return context


def _note_choices(form, candidates):
    form.note.choices = [
        SelectChoice(c.id, f"{c.reference}: {c.title} ({state_label(c)})")
        for c, _note in candidates]


def _new_note_url(case, leave):
    """The absence-note form filled in for the period, as organised study work (R), to the
    case's school; the note it sends is linked to the case (flow.link_filed_note)."""
    if "absence_note.new" not in current_app.view_functions:
        return None
    return url_for("absence_note.new", category="R", scope="days",
                   first_day=leave.first_day.isoformat(), last_day=leave.last_day.isoformat(),
                   school=case.school_id, study_leave=case.id)


def _load(case_id, *actions):
    """The case and the user's parts; 404 unless some part of theirs may take `actions`."""
    case, parts = case_for(case_id, kind=KIND.code)
    roles = set().union(*(t.roles for t in KIND.transitions if t.action in actions))
    if not parts & roles:
        abort(404)
    return case, parts


def _show(case, parts, form_name, form):
    """The case page again with `form` (and its errors) in place; 422."""
    context = case_context(case, parts)
    if form_name == "teacher":
        context["forms"]["teacher"][int(form._prefix.strip("a-"))] = form
    else:
        context["forms"][form_name] = form
    return render_template(KIND.template, **context), 422


def _again(form_name, checked=None):
    """For refused_page: the page as it is now, with the form back in its place (and the
    file `checked` for its document held for the next try) when the step is still offered."""
    def again(case, parts, form):
        context = case_context(case, parts)
        if form_name not in context["forms"]:
            return context, False
        if checked is not None:
            hold(form, form.document, checked)
        context["forms"][form_name] = form
        return context, True
    return again


def _run(case, parts, step, form_name, form, success, checked=None):
    """Take a step; on a stale page or a refusal, show the case again (read again) with the
    reason and what was written kept; `checked`: the file the form sent, kept too (named
    where the step is no longer offered)."""
    again = _again(form_name, checked)
    also = [(form.document.label.text, checked.filename)] if checked is not None else []
    try:
        step()
    except StaleCase:
        # (a file this step adds leaves the case where it is: the same file again is the
        # form sent twice, not something to keep for another send)
        if checked is not None and (back := added_before(case.id, checked)):
            return back
        if page := refused_page(case.id, KIND.code, form, again, stale=True, also=also):
            return page
        flash(str(STALE), "error")
    except flow.StepRefused as exc:
        form.form_errors.append(str(exc))
        if checked is not None:
            hold(form, form.document, checked)
        return _show(case, parts, form_name, form)
    except TransitionRefused:
        if page := refused_page(case.id, KIND.code, form, again, also=also, file=checked):
            return page
        flash(no_longer_possible(case), "error")
    else:
        flash(success, "success")
    return redirect(url_for("cases.show", case_id=case.id), 303)


def _invalid(case, parts, form_name, form):
    if form.version.errors or "csrf_token" in form.errors or "answered" in form.errors:
        abort(400)
    return _show(case, parts, form_name, form)


@bp.route("/<int:case_id>/decide", methods=["POST"])
def decide(case_id):
    """Year coordinator: grounds (to the teachers) or refusal (a decision)."""
    case, parts = _load(case_id, "grounds", "refuse")
    form = DecideForm()
    if not form.validate_on_submit():
        return _invalid(case, parts, "decide", form)
    me, text = current_user._get_current_object(), (form.text.data or "").strip()
    if form.choice.data == "refuse":
        return _run(case, parts, lambda: flow.refuse(case, actor=me, version=form.version.data,
                                                     reasons=text),
                    "decide", form, _("The application is refused; the student is told."))
    return _run(case, parts, lambda: flow.send_to_teachers(case, actor=me,
                                                           version=form.version.data, text=text),
                "decide", form, _("Sent to the student's subject teachers."))


@bp.route("/<int:case_id>/teacher-answer/<int:answer_id>", methods=["POST"])
def teacher_answer(case_id, answer_id):
    """Subject teacher: approve with tasks, or decline with why, for one subject."""
    case, parts = _load(case_id, "teacher_answer")
    answer = TeacherAnswer.get_or_none((TeacherAnswer.id == answer_id)
                                       & (TeacherAnswer.case == case)
                                       & (TeacherAnswer.teacher == current_user.id))
    if answer is None:
        abort(404)
    form = TeacherAnswerForm(prefix=f"a{answer.id}")
    if not form.validate_on_submit():
        return _invalid(case, parts, "teacher", form)
    me = current_user._get_current_object()
    try:
        flow.teacher_answer(case, answer, actor=me, seen=form.answered.data,
                            approve=form.choice.data == "approve", text=form.text.data.strip())
    except (StaleCase, TransitionRefused) as exc:
        # The page again as it is now, with what the teacher wrote kept in the form: 422.
        case, parts = case_for(case_id, kind=KIND.code)
        saved = TeacherAnswer.get_by_id(answer.id)
        form.version.data, form.answered.data = case.version, flow.answered_token(saved)
        if isinstance(exc, StaleCase):
            form.form_errors.append(_(
                "Your answer for %(subject)s was saved from another window while you had "
                "this page open (now saved: %(saved)s). What you wrote here is kept below: "
                "send it to replace the saved answer.", subject=answer.subject.name,
                saved=f"{_answer_word(saved)} – {saved.text}"))
        else:
            form.form_errors.append(_(
                "Your answer was not sent: the case is now \u201c%(state)s\u201d. What you "
                "wrote is kept below.", state=state_label(case)))
        return _show(case, parts, "teacher", form)
    flash(_("Your answer for %(subject)s is sent to the year coordinator.",
            subject=answer.subject.name), "success")
    return redirect(url_for("cases.show", case_id=case.id), 303)


def _answer_word(answer):
    return _("approved") if answer.approved else _("declined")


@bp.route("/<int:case_id>/answer", methods=["POST"])
def answer(case_id):
    """Year coordinator: answer the student, the teachers' tasks included (a decision)."""
    case, parts = _load(case_id, "grant", "refuse_answer")
    form = AnswerForm()
    if not form.validate_on_submit():
        return _invalid(case, parts, "answer", form)
    grant = form.choice.data == "grant"
    me = current_user._get_current_object()
    return _run(case, parts, lambda: flow.answer_student(
        case, actor=me, version=form.version.data, grant=grant,
        message=(form.text.data or "").strip()), "answer", form,
        _("The answer is sent to the student.") if grant
        else _("The application is refused; the student is told."))


@bp.route("/<int:case_id>/documentation", methods=["POST"])
def documentation(case_id):
    """Student: documentation for the period uploaded here (instead of an absence note)."""
    case, parts = _load(case_id, "add_documentation")
    form = DocumentationForm()
    valid = form.validate_on_submit()
    if form.version.errors or "csrf_token" in form.errors:
        abort(400)
    checked = checked_upload(form.document)  # (chosen now, or held from the last try)
    if checked is None and not form.document.errors:  # (held, and gone meanwhile)
        form.document.errors.append(_("Choose a file."))
    if not valid or checked is None:
        hold(form, form.document, checked)
        return _show(case, parts, "documentation", form)
    me = current_user._get_current_object()
    return _run(case, parts, lambda: flow.add_documentation(
        case, actor=me, version=form.version.data, checked=checked), "documentation", form,
        _("The documentation is added."), checked)


@bp.route("/<int:case_id>/absence-note", methods=["POST"])
def link_note(case_id):
    """Student: link their absence note for the period."""
    case, parts = _load(case_id, "link_absence_note")
    form = LinkNoteForm()
    _note_choices(form, flow.note_candidates(case))
    if not form.validate_on_submit():
        return _invalid(case, parts, "link_note", form)
    me = current_user._get_current_object()
    return _run(case, parts, lambda: flow.link_absence_note(
        case, actor=me, version=form.version.data, note_case_id=form.note.data), "link_note",
        form, _("Your absence note is linked to the application."))


@bp.route("/<int:case_id>/task-done/<int:answer_id>", methods=["POST"])
def task_done(case_id, answer_id):
    """Student: mark one subject's tasks as done."""
    case, parts = _load(case_id, "task_done")
    form = TaskDoneForm()
    answer = TeacherAnswer.get_or_none((TeacherAnswer.id == answer_id)
                                       & (TeacherAnswer.case == case))
    if answer is None:
        abort(404)
    if not form.validate_on_submit():
        return _invalid(case, parts, "task", form)
    me = current_user._get_current_object()
    return _run(case, parts, lambda: flow.task_done(case, answer, actor=me,
                                                    version=form.version.data),
                "task", form, _("Marked as done: %(subject)s.", subject=answer.subject.name))


@bp.route("/<int:case_id>/finish", methods=["POST"])
def finish(case_id):
    """Year coordinator: work shown, record as R; or close as not completed."""
    case, parts = _load(case_id, "complete", "close")
    form = FinishForm()
    if not form.validate_on_submit():
        return _invalid(case, parts, "finish", form)
    me, text = current_user._get_current_object(), (form.text.data or "").strip()
    if form.choice.data == "close":
        return _run(case, parts, lambda: flow.close(case, actor=me, version=form.version.data,
                                                    text=text),
                    "finish", form, _("The case is closed as not completed."))
    return _run(case, parts, lambda: flow.complete(case, actor=me, version=form.version.data,
                                                   text=text),
                "finish", form, _("Approved: the period is recorded as R."))


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
def withdraw(case_id):
    """Student: withdraw the application before the answer, or once granted until the day
    before the period begins (flow.withdraw). Nothing is written in its form: every outcome
    is said on the case page (303)."""
    case, parts = _load(case_id, "withdraw")
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _invalid(case, parts, "withdraw", form)
    done = _("Your application is withdrawn.")
    try:
        flow.withdraw(case, actor=current_user._get_current_object(),
                      version=form.version.data)
    except flow.StepRefused as exc:  # the period has begun: the rule, with its dates
        flash(str(exc), "error")
    except (StaleCase, TransitionRefused) as exc:
        now, _parts = case_for(case.id, kind=KIND.code)
        if now.state == "withdrawn":
            # sent twice (a double click, two tabs): the first send withdrew it, and only
            # the student withdraws
            flash(done, "success")
        else:
            flash(str(STALE) if isinstance(exc, StaleCase) else no_longer_possible(now),
                  "error")
    else:
        flash(done, "success")
    return redirect(url_for("cases.show", case_id=case.id), 303)

