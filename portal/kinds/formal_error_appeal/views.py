"""Filing an appeal on a formal error; the principal grants or forwards; the board decides."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.cases import appeals, decisions, dismissal
from portal.cases.access import case_for
from portal.cases.engine import add_participant, open_case
from portal.cases.steps import (
    StepRefused,
    form_on_page,
    options,
    step_form,
    take_step,
    unconfirmed_withdrawal,
)
from portal.cases.steps import withdraw as steps_withdraw
from portal.db import Prepared
from portal.exams import plan
from portal.exams.models import Exam, ExamRegistration
from portal.grades import deadlines as dl
from portal.grades import student_grade_or_404
from portal.grades.models import Grade
from portal.i18n import gettext as _
from portal.kinds.formal_error_appeal import KIND, body_name, bp, words_of
from portal.kinds.formal_error_appeal.forms import (
    OUTCOMES,
    SCOPES,
    FormalErrorForm,
    ForwardForm,
    OutcomeForm,
)
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
from portal.kinds.formal_error_appeal.ruling import GRANTS
from portal.models import Case, Subject
from portal.models.people import holders
from portal.rules import calendar as cal
from portal.rules.calendar import oslo_date


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Appeal a formal error at the exam of a grade (?grade=<id>): within the deadline from
    when the student learned of it (a day from the exam to today); after it, with the
    student's explanation, flagged as late (forvaltningsloven § 31), until the absolute
    limit."""
    grade = student_grade_or_404(request.args.get("grade", ""), current_user.id)
    existing = _appeal_of(grade)
    if existing is not None:
        return _received_already(existing.case_id)
    on = cal.today()
    exam = grade.registration.exam
    rule = dl.formal_error_rule(grade)
    if rule is None:
        abort(404)
    form = FormalErrorForm(exam_day=oslo_date(exam.starts_at), today=on, rule=rule)
    sent = form.validate_on_submit()
    # the deadline runs from the day the student gave; before they give one (or a wrong one),
    # the page shows today's
    learned = form.learned_on.data if form.learned_on.data and not form.learned_on.errors \
        else on
    when = dl.formal_error_timeliness(grade, learned, on)
    if appeals.sent_complete(form, when, sent) and form.signature_ok(current_user):
        try:
            case_id, filed = appeals.filed_once(current_user.id, lambda: _appeal_of(grade),
                                                lambda: _file(grade, form, when, on), grade)
        except appeals.GradeGone:
            return appeals.grade_gone()
        if not filed:  # (sent from another tab at the same moment)
            return _received_already(case_id)
        flash(_("Your appeal is received."), "success")
        return redirect(url_for("cases.show", case_id=case_id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("formal_error_appeal/new.html", form=form, grade=grade, exam=exam,
                           when=when, today=on, rule=rule), status


def _appeal_of(grade) -> FormalErrorAppeal | None:
    """The appeal on a formal error at the exam of `grade` that stands: the one not
    withdrawn. A grade has one at a time; a student who withdrew theirs may appeal again
    within the deadline (forvaltningsloven § 29; late, § 31 as any appeal)."""
    return (FormalErrorAppeal.select().join(Case, on=(FormalErrorAppeal.case == Case.id))
            .where((FormalErrorAppeal.grade == grade)
                   & (Case.state != decisions.WITHDRAWN)).first())


def _received_already(case_id):
    return appeals.received_already(case_id, _("An appeal on a formal error at this exam is "
                                               "received already."))


def _file(grade, form, when, on):
    from portal.models import SchoolYear

    school = grade.registration.exam.school
    principals = [(u, "principal") for u in holders(school, "principal")]

    def effect(case):
        FormalErrorAppeal.create(case=case, grade=grade, learned_on=form.learned_on.data,
                                 description=form.description.data.strip(), filed_on=on,
                                 is_late=when.is_late,
                                 late_explanation=appeals.explanation(form, when))

    subject = grade.registration.exam.subject
    return open_case(KIND, school=school, school_year=SchoolYear.current(school, on),
                     student=current_user._get_current_object(),
                     actor=current_user._get_current_object(),
                     title=_("Formal error: %(code)s %(name)s", code=subject.code,
                             name=subject.name)[:200],
                     participants=principals, data={"late": when.is_late}, effect=effect)


# The appeal with the grade at whose exam the error was, its registration, the exam and its
# subject (the page names them, the deadline runs from them): one statement
_appeal_row = Prepared(lambda case_id: (
    FormalErrorAppeal.select(FormalErrorAppeal, Grade, ExamRegistration, Exam, Subject)
    .join(Grade).join(ExamRegistration).join(Exam).join(Subject)
    .where(FormalErrorAppeal.case == case_id)
    .limit(1)))


def _appeal_and_grade(case):
    """The appeal of `case` and its grade, the exam loaded (its school, where it is the
    appeal's, the one already read with the case)."""
    appeal = _appeal_row.first(case.id)
    if appeal is None:
        raise FormalErrorAppeal.DoesNotExist(f"no appeal in case {case.id}")
    exam = appeal.grade.registration.exam
    if exam.school_id == case.school_id:
        exam.school = case.school
    return appeal, appeal.grade


def case_context(case, parts):
    appeal, grade = _appeal_and_grade(case)
    outcomes = {**OUTCOMES, dismissal.DISMISSED: dismissal.LABEL}
    # the body that hears it and the first instance (the profile's), as the page and its
    # labels name them
    words = words_of(case.school.rules)
    context = {"appeal": appeal, "exam": grade.registration.exam, "outcomes": outcomes,
               "scopes": SCOPES, "body": body_name(case.school.rules), "words": words,
               "label_words": tuple(sorted(words.items())),
               "dismissal_rule": case.school.rules.rule(dismissal.RULE),
               "board_dismissal_rule": dismissal.board_rule(case.school),
               # late, and a ruling on appeal decided that it is heard: no longer to be dismissed
               "heard_on_appeal": appeal.is_late and dismissal.heard_on_appeal(case)}
    if appeal.is_late:  # the deadline it was filed after, beside the student's explanation
        context["deadline"] = dl.formal_error_deadline(grade, appeal.learned_on)
    if case.state == "filed" and "principal" in parts:
        grant = step_form(OutcomeForm, case)
        grant.outcome.choices = options((k, v) for k, v in OUTCOMES.items() if k != "rejected")
        context.update(grant_form=grant, forward_form=step_form(ForwardForm, case))
        context["forward_form"].assessment.label.text = _(
            "Your assessment (sent to %(body)s)", **context["words"])
        if not context["heard_on_appeal"]:
            context["dismiss_form"] = step_form(dismissal.DismissForm, case)  # (when late)
    if case.state == "with_board" and "appeals_board" in parts:
        board = step_form(OutcomeForm, case)
        # a late appeal may be dismissed unheard (cases/dismissal.py), unless a ruling on
        # appeal decided that it is heard
        dismissable = appeal.is_late and not context["heard_on_appeal"]
        board.outcome.choices = options((k, v) for k, v in outcomes.items()
                                        if dismissable or k != dismissal.DISMISSED)
        context["board_form"] = board
    return context


def _page(case_id, form_key, form_class):
    case, context, form = form_on_page(case_id, KIND, form_key, form_class)
    if not form.validate_on_submit():
        abort(_invalid(context))
    return case, context, form


def _invalid(context):
    from flask import make_response

    return make_response(render_template("formal_error_appeal/case.html", **context), 422)


def refuse_if_set_aside(appeal, outcome: str) -> None:
    """A new grading or a new exam is not granted for an exam a doctor's note has documented
    the absence from (plan.has_sick_note: its grade, or the grade an appeal gave in its place,
    is set aside): the exam counts as no attempt, so there is nothing left to remedy. An open
    appeal lapses with the note (plan.lapse_on_set_aside); one opened again afterwards (a ruling
    returning the principal's decision) meets this, read in the step's transaction."""
    registration = appeal.grade.registration
    if outcome in GRANTS and plan.has_sick_note(ExamRegistration.get_by_id(registration.id)):
        raise StepRefused(set_aside_text(registration.exam))


def set_aside_text(exam) -> str:
    """Why an appeal on a formal error at `exam` has nothing left to remedy once its grade is
    set aside, naming the rule of the exam's profile: its lapse, and a grant refused."""
    profile = exam.school.rules
    if plan.SICK_NOTE_RULE not in profile:
        return _("The grade of the exam is set aside because the absence is documented: the "
                 "exam does not count as an attempt, and there is nothing left for a new grading "
                 "or a new exam to remedy.")
    return _("The grade of the exam is set aside because the absence is documented (%(rule)s): "
             "the exam does not count as an attempt, and there is nothing left for a new "
             "grading or a new exam to remedy.", rule=profile.rule(plan.SICK_NOTE_RULE).cite())


@bp.route("/<int:case_id>/grant", methods=["POST"])
@login_required
def grant(case_id):
    """The principal grants: new grading or a new exam, for one or all candidates."""
    case, context, form = _page(case_id, "grant_form", OutcomeForm)
    appeal, actor = context["appeal"], current_user._get_current_object()

    def effect(case, event):
        refuse_if_set_aside(appeal, form.outcome.data)
        FormalErrorAppeal.update(outcome=form.outcome.data, scope=form.scope.data).where(
            FormalErrorAppeal.id == appeal.id).execute()
        decisions.issue(case, outcome=form.outcome.data, reasons=form.reasons.data.strip(),
                        summary=f"{OUTCOMES[form.outcome.data]} – {SCOPES[form.scope.data]}",
                        rule_reference=case.school.rules.rule(
                            "formal_error_appeal_deadline").reference,
                        decided_by=actor, role="principal", appeal_body=context["body"])

    return take_step(case, "grant", form, actor=actor, effect=effect,
                     done=_("The appeal is granted."))


@bp.route("/<int:case_id>/forward", methods=["POST"])
@login_required
def forward(case_id):
    """The principal does not grant: the appeals body decides."""
    case, context, form = _page(case_id, "forward_form", ForwardForm)
    appeal = context["appeal"]

    def effect(case, event):
        FormalErrorAppeal.update(assessment=form.assessment.data.strip()).where(
            FormalErrorAppeal.id == appeal.id).execute()
        for member in holders(case.school, "appeals_board"):
            add_participant(case, member, "appeals_board")

    return take_step(case, "forward", form, actor=current_user._get_current_object(),
                     effect=effect,
                     done=_("The appeal is sent to %(body)s.", **context["words"]))


@bp.route("/<int:case_id>/dismiss", methods=["POST"])
@login_required
def dismiss(case_id):
    """The principal dismisses a late appeal unheard, by a decision with its reasons and a
    right of appeal (forvaltningsloven § 33 annet ledd)."""
    case, context, form = form_on_page(case_id, KIND, "dismiss_form", dismissal.DismissForm)

    def after(case):
        FormalErrorAppeal.update(outcome=dismissal.DISMISSED, scope=None).where(
            FormalErrorAppeal.id == context["appeal"].id).execute()

    return dismissal.step(case, context, form, role="principal", after=after,
                          refused=lambda: abort(_invalid(context)),
                          appeal_body=context["body"])


@bp.route("/<int:case_id>/decide", methods=["POST"])
@login_required
def decide(case_id):
    """The appeals body decides: rejected, new grading or a new exam; or, for an appeal
    received late, dismissed unheard. Final."""
    case, context, form = _page(case_id, "board_form", OutcomeForm)
    appeal = context["appeal"]
    dismissed = form.outcome.data == dismissal.DISMISSED

    def effect(case, event):
        if dismissed:
            dismissal.refuse_unless_late(appeal)
            dismissal.refuse_if_heard(case)
        refuse_if_set_aside(appeal, form.outcome.data)
        FormalErrorAppeal.update(
            outcome=form.outcome.data, board_reasons=form.reasons.data.strip(),
            scope=None if form.outcome.data in ("rejected", dismissal.DISMISSED)
            else form.scope.data,
        ).where(FormalErrorAppeal.id == appeal.id).execute()

    return take_step(case, dismissal.ACTION if dismissed else "decide", form,
                     actor=current_user._get_current_object(),
                     effect=effect, data={"outcome": form.outcome.data},
                     done=_("The decision is recorded."))


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@login_required
def withdraw(case_id):
    """The student withdraws the appeal."""
    case, parts = case_for(case_id, kind=KIND)
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    return steps_withdraw(case, parts, actor=current_user._get_current_object())
