"""Asking for a grade justification; the exam office routes it, the examiner answers."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.cases import appeals
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
from portal.grades import current_grade, student_grade_or_404
from portal.grades import deadlines as dl
from portal.grades.models import ExamExaminer, Grade
from portal.i18n import gettext as _
from portal.kinds.justification import KIND, bp
from portal.kinds.justification.forms import AnswerForm, RequestForm, RouteForm
from portal.kinds.justification.models import JustificationRequest
from portal.models import Participant, SchoolYear, User
from portal.models.people import holders
from portal.roles import student_words
from portal.rules import calendar as cal
from portal.rules.deadlines import Deadline, format_date


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Ask for the justification of a grade (?grade=<id>), within the deadline."""
    grade = student_grade_or_404(request.args.get("grade", ""), current_user.id)
    asked = dl.justification_requests(grade)
    if (existing := _standing(asked)) is not None:
        return _asked_already(existing.case_id)
    if not dl.justification_offered(grade):
        abort(404)
    form = RequestForm()
    counts = dl.learned_on_counts(grade)
    # the day stated in the request withdrawn last, shown for the student to state again or
    # not: it does not bind this one (justification_request_window)
    stated = asked[-1].learned_on if asked and counts else None
    on = cal.today()
    published = dl.published_on(grade)
    learned = form.learned_on.data if counts else None
    if counts and form.is_submitted() and form.learned_on.process_errors:  # not a date
        form.learned_on.errors = list(form.learned_on.process_errors)
    elif learned and learned > on:
        form.learned_on.errors = [_("The date cannot be in the future.")]
    elif learned and learned < published:
        form.learned_on.errors = [_("The grade was published on %(date)s: the date cannot be "
                                    "before it.", date=format_date(published))]
    if form.learned_on.errors:
        learned = None
    # as the grades page counts it: where the day the student learned of the grade counts,
    # they can ask until the limit from publication, giving a later day; elsewhere until the
    # deadline from publication
    window = dl.justification_request_window(grade, learned)
    deadline, limit = window.deadline, window.limit
    closed = window.last.is_late(on)
    if form.is_submitted() and not closed and not form.learned_on.errors:
        if deadline.is_late(on):
            form.learned_on.errors = [_late_learned(deadline, learned)]
        elif form.validate():
            # asked again with the student held: a request from another tab at the same
            # moment is filed first and found here (each found none and filed its own)
            try:
                case_id, filed = appeals.filed_once(
                    current_user.id, lambda: _standing(dl.justification_requests(grade)),
                    lambda: _file(grade, deadline, learned, on), grade)
            except appeals.GradeGone:
                return appeals.grade_gone()
            if not filed:
                return _asked_already(case_id)
            flash(_("You have asked for a justification. It is due by %(date)s.",
                    date=format_date(JustificationRequest.get(
                        JustificationRequest.case == case_id).answer_due)), "success")
            return redirect(url_for("cases.show", case_id=case_id), code=303)
    status = 422 if form.is_submitted() else 200
    rules = grade.registration.exam.school.rules
    return render_template("justification/new.html", form=form, grade=grade,
                           exam=grade.registration.exam, deadline=deadline, late=closed,
                           limit=limit, learned=learned, published=published, stated=stated,
                           within=rules.rule("justification_request_within"),
                           today=on), status


def _asked_already(case_id):
    """Lead the student to the request for this grade's justification that stands, telling
    them so (appeals.received_already): from a second tab, or an old link."""
    return appeals.received_already(
        case_id, _("A justification of this grade has been asked for already."),
        sent=_("The request you just sent is not filed; here is the one asked for."))


def _standing(asked) -> JustificationRequest | None:
    """The request that stands among those `asked`: one asked for and not withdrawn is the
    answer; withdrawn, another may be asked for."""
    return next((r for r in asked if r.case.state != "withdrawn"), None)


def _late_learned(deadline, learned) -> str:
    """Why a request is refused while the limit from publication has not passed: the
    deadline from the day given as learned, or from publication when none was given."""
    if learned is None:
        return _("The deadline counted from the publication was %(date)s (%(rule)s). If you "
                 "learned of the grade later, enter the day you learned of it.",
                 date=format_date(deadline.due), rule=deadline.rule.cite())
    return _("You learned of the grade on %(learned)s: the deadline was %(date)s (%(rule)s).",
             learned=format_date(learned), date=format_date(deadline.due),
             rule=deadline.rule.cite())


def _file(grade, deadline, learned, on):
    school = grade.registration.exam.school
    due = Deadline.after(on, school.rules.rule("justification_answer_within")).due
    office = [(u, "exam_office") for u in holders(school, "exam_office")]

    def effect(case):
        JustificationRequest.create(case=case, grade=grade, requested_on=on, learned_on=learned,
                                    answer_due=due)
        case.staff_due_on = due
        case.save()

    subject = grade.registration.exam.subject
    return open_case(KIND, school=school, school_year=SchoolYear.current(school, on),
                     student=current_user._get_current_object(),
                     actor=current_user._get_current_object(),
                     title=_("Justification: %(code)s %(name)s", code=subject.code,
                             name=subject.name)[:200],
                     participants=office, effect=effect)


def grade_setters(grade) -> set[int]:
    """Who set `grade`, whose justification of it is asked for (forskriften § 4-9 (1) b: how
    the student's work was assessed): for a new grade after an appeal, the appeal's new
    examiners, who set it (§ 4-9 (4)); else the exam's examiners and whoever recorded it."""
    from portal.kinds.grade_appeal.models import GradeAppeal

    if grade.origin == "regrading":
        appeals = GradeAppeal.select(GradeAppeal.case).where(GradeAppeal.new_grade == grade)
        ids = {p.user_id for p in Participant.select(Participant.user).where(
            Participant.case.in_(appeals) & (Participant.part == "new_examiner"))}
    else:
        ids = {e.examiner_id for e in grade.registration.exam.examiners}
    return ids | {grade.graded_by_id}


def earlier_setters(grade) -> set[int]:
    """For a new grade after an appeal, the original examiners of the grade it replaced, whom
    the appeal kept from re-grading it (grade_appeal's ineligible_examiners): the exam's
    examiners, whoever recorded that grade, and whoever justified it. They did not set the new
    grade, so its justification is not theirs to give. Else none. One statement."""
    if grade.origin != "regrading":
        return set()
    replaced = Grade.select(Grade.id).where(Grade.replaced_by == grade)
    justified = JustificationRequest.select(JustificationRequest.case).where(
        JustificationRequest.grade.in_(replaced))
    query = (ExamExaminer.select(ExamExaminer.examiner).where(
                 ExamExaminer.exam == grade.registration.exam_id)
             | Grade.select(Grade.graded_by).where(Grade.replaced_by == grade)
             | Participant.select(Participant.user).where(
                 Participant.case.in_(justified) & (Participant.part == "examiner")))
    return {user_id for (user_id,) in query.tuples()}


def case_context(case, parts):
    req = JustificationRequest.get(JustificationRequest.case == case)
    grade = Grade.get_by_id(req.grade_id)
    context = {"req": req, "grade": grade, "exam": grade.registration.exam}
    # (none when the grade was set aside by a doctor's note: nothing left to appeal)
    current = current_grade(grade.registration) if req.answered_at and "student" in parts \
        else None
    if current is not None:
        context["appeal_deadline"] = dl.grade_appeal_deadline(current)
        context["appeal_refusal"] = dl.grade_appeal_refusal(current)
        context["today"] = cal.today()
    if case.state == "requested" and "exam_office" in parts:
        form = step_form(RouteForm, case)
        setters = grade_setters(grade)
        # a new grade after an appeal is justified by those who set it, never by the
        # original examiners of the grade it replaced: they are not offered
        others = earlier_setters(grade) - setters
        school_examiners = [u for u in holders(case.school, "examiner")
                            if u.id not in others]
        form.examiners.choices = options((u.id, u.full_name) for u in school_examiners)
        if not form.is_submitted():
            form.examiners.data = [u.id for u in school_examiners if u.id in setters]
        context["route_form"] = form
    if case.state in ("with_examiner", "delayed") and "examiner" in parts:
        form = step_form(AnswerForm, case)
        if not form.is_submitted():
            if req.draft:
                form.answer.data = req.draft
            if req.draft_given_orally:
                form.given_orally.data = True
        context["answer_form"] = form
        if case.state == "with_examiner":
            context["delay_form"] = form  # (the same form: its second button)
    return context


def _again(form_key):
    """For a step not taken (refused_page): the page as it is now with the examiner's form,
    as sent, in place of both steps', while it still offers `form_key`'s step."""
    def again(case, parts, form):
        from portal.cases.views import case_context

        context = case_context(case, parts)
        if context.get(form_key) is None:
            return context, False
        for key in ("answer_form", "delay_form"):
            if key in context:
                context[key] = form
        return context, True
    return again


def _examiner_form(case_id, step: str):
    """(case, page context, form) for a step posted from the examiner's form (form_on_page),
    which a step not taken puts back whole."""
    case, context, form = form_on_page(case_id, KIND, f"{step}_form", AnswerForm)
    form.kept_by = _again(f"{step}_form")
    return case, context, form


def _invalid(context):
    return render_template("justification/case.html", **context), 422


@bp.route("/<int:case_id>/route", methods=["POST"])
@login_required
def route(case_id):
    """The exam office sends the request to the examiner(s)."""
    case, context, form = form_on_page(case_id, KIND, "route_form", RouteForm)
    if not form.validate_on_submit():
        return _invalid(context)

    def effect(case, event):
        for user_id in form.examiners.data:
            add_participant(case, User.get_by_id(user_id), "examiner")

    return take_step(case, "route", form, actor=current_user._get_current_object(),
                     effect=effect, done=_("The request is sent to the examiner."))


@bp.route("/<int:case_id>/answer", methods=["POST"])
@login_required
def answer(case_id):
    """The examiner gives the justification, in writing or noting it was given orally."""
    case, context, form = _examiner_form(case_id, "answer")
    ok = form.valid_for("answer")
    text = (form.answer.data or "").strip()
    if ok and not text and not form.given_orally.data:
        form.answer.errors = [_("Write the justification, or tick that it was given orally "
                                "and note what was said.")]
        ok = False
    if not ok:
        return _invalid(context)
    req = context["req"]

    def effect(case, event):
        if req.answered_at is not None:
            raise StepRefused(_("The justification has already been given."))
        JustificationRequest.update(answer=text, given_orally=bool(form.given_orally.data),
                                    answered_at=event.created_at, draft=None,
                                    draft_given_orally=False).where(
            JustificationRequest.id == req.id).execute()
        case.staff_due_on = None
        case.save()

    return take_step(case, "answer", form, actor=current_user._get_current_object(),
                     effect=effect, done=_("The justification is sent to %(student)s.",
                                           **student_words(case.school)))


@bp.route("/<int:case_id>/delay", methods=["POST"])
@login_required
def delay(case_id):
    """The examiner cannot answer in time: the student is told when to expect it. What the
    examiner had written of the justification, and the "given orally" tick, are kept for them
    (the request's draft)."""
    case, context, form = _examiner_form(case_id, "delay")
    ok = form.valid_for("delay")
    if ok and form.expected_on.data <= context["req"].answer_due:
        form.expected_on.errors = [_("The date must be after the deadline %(date)s.",
                                     date=format_date(context["req"].answer_due))]
        ok = False
    if not ok:
        return _invalid(context)
    req = context["req"]

    def effect(case, event):
        JustificationRequest.update(expected_on=form.expected_on.data,
                                    draft=(form.answer.data or "").strip() or None,
                                    draft_given_orally=bool(form.given_orally.data)).where(
            JustificationRequest.id == req.id).execute()
        case.staff_due_on = form.expected_on.data
        case.save()

    return take_step(case, "delay", form, actor=current_user._get_current_object(),
                     effect=effect, data={"expected_on": form.expected_on.data.isoformat()},
                     done=_("%(Student)s is told when to expect the justification.",
                            **student_words(case.school)))


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@login_required
def withdraw(case_id):
    """The student withdraws the request."""
    case, parts = case_for(case_id, kind=KIND)
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    return steps_withdraw(case, parts, actor=current_user._get_current_object())
