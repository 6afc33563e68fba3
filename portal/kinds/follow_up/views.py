"""The teacher's report form and each step of a follow-up case."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from peewee import JOIN, fn
from wtforms import SelectChoice

from portal.auth import roles_required, signed
from portal.cases import decisions
from portal.cases.access import case_for
from portal.cases.kinds import get_kind
from portal.cases.steps import StepRefused, take_step
from portal.cases.views import case_context as base_context
from portal.collation import by_name, sort_key
from portal.i18n import gettext as _
from portal.kinds.follow_up import OUTCOMES, bp
from portal.kinds.follow_up.forms import (
    CloseForm,
    CommentForm,
    DecideForm,
    ProtocolForm,
    ReportForm,
    SignForm,
    SummonForm,
)
from portal.kinds.follow_up.models import Concern, FollowUp
from portal.kinds.follow_up.rules import (
    LOSS_OF_RIGHTS_RULE,
    conversation_date_error,
    meeting_date_error,
    principal_error,
)
from portal.kinds.follow_up.service import (
    KIND,
    REASONS,
    RULE,
    available,
    decision_text,
    meeting_attendees,
    named,
    report_concern,
)
from portal.models import (
    Enrolment,
    Event,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)
from portal.rules.calendar import oslo_date, today
from portal.rules.deadlines import format_date

FORMS = {"summon": SummonForm, "write_protocol": ProtocolForm, "sign": SignForm,
         "comment": CommentForm, "close": CloseForm, "decide": DecideForm}


# Timeline entries whose words a reporting teacher reads: the reports. The rest (the meeting,
# the protocol, the student's comment, the decision) are the conversation's: they see only
# that each step was taken.
REPORTS = frozenset({"file", "concern_added"})


def sees_protocol(parts) -> bool:
    """Whether someone with `parts` reads the conversation: all but the reporting teacher."""
    return bool(parts - {"teacher"})


def reporter_timeline(case, limit: int | None = None) -> list:
    """The case's timeline (its `limit` newest entries) as a reporting teacher sees it."""
    from portal.cases.views import _latest_events, _timeline

    events = list(_timeline(case.id) if limit is None else _latest_events(case.id, limit))
    for ev in events:
        if ev.action not in REPORTS:
            ev.text = ""
    return events


def case_context(case, parts, **forms):
    """What the follow-up case page shows beyond the basics, with a form for each step."""
    follow_up = FollowUp.get_or_none(FollowUp.case == case)
    concerns = list(Concern.select(Concern, Subject, User)
                    .join(Subject, join_type=JOIN.LEFT_OUTER, on=(Concern.subject == Subject.id))
                    .switch(Concern)
                    .join(User, join_type=JOIN.LEFT_OUTER, on=(Concern.reported_by == User.id))
                    .where(Concern.case == case)
                    .order_by(Concern.id))
    open_actions = {t.action for t in get_kind(KIND).actions(case.state, parts)}
    step_forms = {action: forms.get(action) or form_class(version=case.version)
                  for action, form_class in FORMS.items() if action in open_actions}
    context = {
        "follow_up": follow_up,
        "concerns": concerns,
        "reasons": REASONS,
        "outcomes": OUTCOMES,
        "forms": step_forms,
        # (the protocol's form says from which day the conversation may have been held)
        "summoned_on": summoned_on(case) if "write_protocol" in step_forms else None,
        "sees_protocol": sees_protocol(parts),
        "decision_rule": case.school.rules.rule(RULE) if RULE in case.school.rules else None,
        "loss_of_rights_rule": (case.school.rules.rule(LOSS_OF_RIGHTS_RULE)
                                if LOSS_OF_RIGHTS_RULE in case.school.rules else None),
    }
    if not context["sees_protocol"]:
        from portal.cases.views import STATUS_EVENTS

        events = reporter_timeline(case)
        context.update(events=events, latest=events[:STATUS_EVENTS])
    return context


def _case(case_id):
    case, parts = case_for(case_id, kind=KIND)
    return case, parts


def _page_with(case, parts, action, form):
    """The case page's context with `form` as the form of `action`, when it is offered."""
    context = base_context(case, parts)
    context.update(case_context(case, parts, **{action: form}))
    return context


def _again(case, parts, action, form):
    """The case page again with the form's errors (422), input kept."""
    return render_template("follow_up/case.html",
                           **_page_with(case, parts, action, form)), 422


def _step(case_id, action, done, make_effect=None, text=lambda form: "", extra_check=None):
    case, parts = _case(case_id)
    form = FORMS[action]()
    if not form.validate_on_submit():
        return _again(case, parts, action, form)
    if extra_check is not None and not extra_check(case, form):
        return _again(case, parts, action, form)
    effect = make_effect(form) if make_effect else None

    def again(case, parts, form):  # a step not taken: the page as it is now, form kept
        context = _page_with(case, parts, action, form)
        return context, action in context["forms"]

    return take_step(case, action, form, actor=current_user._get_current_object(),
                     text=text(form), effect=effect, done=done, again=again)


# --- the teacher's report ------------------------------------------------------------------


def _teaching(user):
    """The teacher's assignments in schools with the follow-up procedure, this school year.
    Each school's current year is asked once, not once per assignment."""
    rows, years = [], {}
    for ta in (TeachingAssignment.select(TeachingAssignment, Subject, SchoolClass, School)
               .join(Subject).switch(TeachingAssignment).join(SchoolClass).join(School)
               .where(TeachingAssignment.teacher == user)):
        school = ta.school_class.school
        if school.id not in years:
            years[school.id] = school.current_year()
        year = years[school.id]
        if available(school) and year is not None and ta.school_class.school_year_id == year.id:
            rows.append(ta)
    return rows


def _report_choices(form, teaching):
    class_ids = {ta.school_class_id for ta in teaching}
    students = (User.select(User, Enrolment).join(Enrolment, on=(Enrolment.student == User.id))
                .where(Enrolment.school_class.in_(class_ids))
                .order_by(by_name(User.full_name), User.id))
    form.student.choices = [SelectChoice(0, _("Choose a student"))] + [
        SelectChoice(s.id, s.full_name) for s in students]
    subjects = {ta.subject.id: ta.subject.name for ta in teaching}
    form.subject.choices = [SelectChoice(0, _("Choose a subject"))] + [
        SelectChoice(k, v) for k, v in sorted(subjects.items(), key=lambda kv: sort_key(kv[1]))]


@bp.route("/new", methods=["GET", "POST"])
@roles_required("teacher")
def new():
    """A teacher reports a concern about a student in a subject to the cohort coordinator."""
    teaching = _teaching(current_user)
    if not teaching:
        abort(404)
    form = ReportForm()
    _report_choices(form, teaching)
    status = 200
    if form.is_submitted():
        status = 422
    if form.validate_on_submit():
        match = next((ta for ta in teaching if ta.subject_id == form.subject.data
                      and Enrolment.select().where(
                          (Enrolment.student == form.student.data)
                          & (Enrolment.school_class == ta.school_class_id)).exists()), None)
        if not form.student.data:
            form.student.errors = [_("Choose the student.")]
        elif match is None:
            form.subject.errors = [_("You do not teach this student in that subject.")]
        else:
            student = User.get_by_id(form.student.data)
            case = report_concern(student, match.subject, form.reason.data,
                                  current_user._get_current_object(), form.text.data.strip(),
                                  school=match.school_class.school,
                                  school_year=match.school_class.school_year)
            flash(_("The concern is reported to the cohort coordinator."), "success")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("follow_up/new.html", form=form), status


# --- the steps -----------------------------------------------------------------------------


def _meeting_in_future(case, form):
    if form.meeting_on.data < today():
        form.meeting_on.errors = [_("The date %(date)s has passed; choose a later date.",
                                    date=format_date(form.meeting_on.data))]
        return False
    return True


@bp.route("/<int:case_id>/summon", methods=["POST"])
@login_required
def summon(case_id):
    """The cohort coordinator calls the student to a follow-up conversation."""

    def make_effect(form):
        def effect(case, event):
            (FollowUp.update(meeting_on=form.meeting_on.data,
                             meeting_time=form.meeting_time.data.strip().replace(".", ":"),
                             place=form.place.data.strip())
             .where(FollowUp.case == case).execute())
        return effect

    return _step(case_id, "summon", _("The student is called to the conversation."),
                 make_effect, extra_check=_meeting_in_future,
                 text=lambda f: f"{format_date(f.meeting_on.data)} {f.meeting_time.data.strip()}"
                                f", {f.place.data.strip()}")


@bp.route("/<int:case_id>/close", methods=["POST"])
@login_required
def close(case_id):
    """The cohort coordinator closes the case: no follow-up needed."""
    return _step(case_id, "close", _("The case is closed."), text=lambda f: f.reason.data.strip())


def summoned_on(case):
    """The day (Oslo) the student was first summoned to the conversation, or None."""
    first = (Event.select(fn.MIN(Event.created_at))
             .where((Event.case == case) & (Event.action == "summon")).scalar())
    if isinstance(first, str):  # (SQLite gives the text it stores)
        first = Event.created_at.python_value(first)
    return oslo_date(first) if first is not None else None


def _conversation_held(case, form):
    """The protocol's date: the conversation held, not before the summons was sent."""
    error = conversation_date_error(form.held_on.data, summoned_on(case), today())
    if error:
        form.held_on.errors = [error]
        return False
    return True


@bp.route("/<int:case_id>/protocol", methods=["POST"])
@login_required
def write_protocol(case_id):
    """The cohort coordinator writes the conversation protocol for the student to sign."""

    def make_effect(form):
        def effect(case, event):
            (FollowUp.update(held_on=form.held_on.data, protocol=form.protocol.data.strip(),
                             protocol_by=current_user.id, protocol_at=utcnow())
             .where(FollowUp.case == case).execute())
        return effect

    return _step(case_id, "write_protocol",
                 _("The protocol is sent to the student for signature."), make_effect,
                 extra_check=_conversation_held,
                 text=lambda f: _("Conversation held %(date)s.",
                                  date=format_date(f.held_on.data)))


def _password_ok(case, form):
    """The student's password is their signature, checked under the login throttle."""
    return signed(current_user, form.password,
                  _("The password is wrong; the protocol is not signed."))


@bp.route("/<int:case_id>/sign", methods=["POST"])
@login_required
def sign(case_id):
    """The student signs the protocol by confirming their password."""

    def make_effect(form):
        def effect(case, event):
            FollowUp.update(signed_at=event.created_at).where(FollowUp.case == case).execute()
        return effect

    return _step(case_id, "sign", _("You have signed the protocol. It goes to the department "
                                    "head, and you keep a copy here."),
                 make_effect, extra_check=_password_ok)


@bp.route("/<int:case_id>/comment", methods=["POST"])
@login_required
def comment(case_id):
    """The student comments on the protocol instead of signing it (recorded)."""

    def make_effect(form):
        def effect(case, event):
            (FollowUp.update(student_comment=form.comment.data.strip(),
                             commented_at=event.created_at)
             .where(FollowUp.case == case).execute())
        return effect

    # (the comment is kept with the protocol, which the reporting teacher does not read; the
    # timeline, which they do, says only that the student commented)
    return _step(case_id, "comment", _("Your comment is recorded and goes to the department "
                                       "head with the protocol."), make_effect)


def _decision_allowed(case, form):
    """The meeting held (not in the future, not before the student answered the protocol),
    and a decision on loss of rights taken with the principal [002 § 3-3]. Who took part is
    kept on the form (form.attendees) for the step's record."""
    follow_up = FollowUp.get(FollowUp.case == case)
    answered = {"signed_on": follow_up.signed_at, "commented_on": follow_up.commented_at}
    date_error = meeting_date_error(
        form.meeting_on.data, today(),
        **{key: oslo_date(at) for key, at in answered.items() if at is not None})
    if date_error:
        form.meeting_on.errors = [date_error]
    ticked = {"principal": form.principal_present.data,
              "cohort_coordinator": form.coordinator_present.data}
    form.attendees = meeting_attendees(case, current_user._get_current_object(),
                                       {part for part, there in ticked.items() if there})
    principal_there = any("principal" in parts for _name, parts in form.attendees)
    missing = principal_error(case.school.rules, form.outcome.data,
                              str(OUTCOMES[form.outcome.data]), principal_there,
                              str(form.principal_present.label.text))
    if missing:
        form.principal_present.errors = [missing]
    return not (date_error or missing)


@bp.route("/<int:case_id>/decide", methods=["POST"])
@login_required
def decide(case_id):
    """The department head records the meeting, who took part in it, and the decision (a
    decision letter); the timeline and the letter name those who took part."""

    def make_effect(form):
        def effect(case, event):
            rule = case.school.rules.rule(RULE) if RULE in case.school.rules else None
            if rule is None:
                raise StepRefused(_("The school's rule profile has no follow-up procedure."))
            present = named(form.attendees)
            (FollowUp.update(decision_meeting_on=form.meeting_on.data,
                             decision_attendees="\n".join(present))
             .where(FollowUp.case == case).execute())
            decisions.issue(case, outcome=form.outcome.data, summary=form.summary.data.strip(),
                            reasons=form.reasons.data.strip(), rule_reference=rule.reference,
                            decided_by=current_user._get_current_object(),
                            role="department_head", present=present)
        return effect

    return _step(case_id, "decide", _("The decision is recorded and sent to the student, "
                                      "with a copy to the principal."),
                 make_effect, extra_check=_decision_allowed,
                 text=lambda f: decision_text(str(OUTCOMES[f.outcome.data]), f.attendees))
