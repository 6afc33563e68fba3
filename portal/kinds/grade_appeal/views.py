"""Filing a grade appeal; the exam office appoints new examiners; they grade blind."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.cases import appeals, dismissal
from portal.cases.access import case_for
from portal.cases.decisions import WITHDRAWN
from portal.cases.engine import add_participant, open_case
from portal.cases.kinds import APPEAL_REVIEWER, LAPSE
from portal.cases.steps import (
    StepRefused,
    form_on_page,
    options,
    step_form,
    take_step,
    unconfirmed_withdrawal,
)
from portal.cases.steps import withdraw as steps_withdraw
from portal.cases.views import STATUS_EVENTS, _timeline
from portal.collation import by_name
from portal.db import database
from portal.exams import plan
from portal.exams.models import Exam, ExamRegistration
from portal.grades import deadlines as dl
from portal.grades import student_grade_or_404
from portal.grades.forms import grade_label
from portal.grades.models import Grade
from portal.i18n import gettext as _
from portal.kinds.grade_appeal import KIND, bp
from portal.kinds.grade_appeal.forms import AppointForm, GradeAppealForm, RegradeForm
from portal.kinds.grade_appeal.models import GradeAppeal
from portal.kinds.justification.models import JustificationRequest
from portal.models import Case, Event, Participant, SchoolYear, Subject, User
from portal.models.people import holders
from portal.roles import student_words
from portal.rules import calendar as cal
from portal.rules.deadlines import Deadline

# Parts that may see the old grade, its justification and the student's reasons.
SIGHTED = {"student", "exam_office"}
# Parts that grade blind: never told the old grade, its justification or the student's reasons
# ([003 § 4-9 (4)]); where one also holds another part, the blind page is what they get.
BLIND = {"new_examiner"}
# Timeline entries a new examiner may see (none carries the old grade or the reasons; a
# lapse without its text, which tells of the student's absence).
BLIND_EVENTS = {"file", "appoint", "regrade", LAPSE}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Appeal a grade (?grade=<id>): allowed only where the profile allows, within the
    deadline (from publication, or from the justification when one was received); after it,
    with the student's explanation, flagged as late (forvaltningsloven § 31), until the
    absolute limit."""
    grade = student_grade_or_404(request.args.get("grade", ""), current_user.id)
    existing = _appeal_of(grade)
    if existing is not None:
        return _received_already(existing.case_id)
    on = cal.today()
    refusal = dl.grade_appeal_refusal(grade)
    requests = dl.justification_requests(grade) if refusal is None else []
    when = dl.grade_appeal_timeliness(grade, on, requests) if refusal is None else None
    form = GradeAppealForm()
    if (when is not None and appeals.sent_complete(form, when, form.validate_on_submit())
            and form.signature_ok(current_user)):
        try:
            case_id, filed = appeals.filed_once(current_user.id, lambda: _appeal_of(grade),
                                                lambda: _file(grade, form, when, on), grade)
        except appeals.GradeGone:
            return appeals.grade_gone()
        if not filed:  # (sent from another tab at the same moment)
            return _received_already(case_id)
        flash(_("Your appeal is received. New examiners will grade your work; the new grade "
                "is final and may be higher or lower."), "success")
        return redirect(url_for("cases.show", case_id=case_id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("grade_appeal/new.html", form=form, grade=grade,
                           exam=grade.registration.exam, when=when, refusal=refusal,
                           justification_pending=dl.justification_pending(requests),
                           today=on), status


def _appeal_of(grade) -> GradeAppeal | None:
    """The appeal on `grade` that stands: the one not withdrawn. A grade has one at a time;
    a student who withdrew theirs may appeal again within the deadline (forvaltningsloven
    § 29; late, § 31 as any appeal)."""
    return (GradeAppeal.select().join(Case, on=(GradeAppeal.case == Case.id))
            .where((GradeAppeal.grade == grade) & (Case.state != WITHDRAWN)).first())


def _received_already(case_id):
    return appeals.received_already(case_id, _("An appeal on this grade is received already."))


def _file(grade, form, when, on):
    school = grade.registration.exam.school
    rules = school.rules
    due = Deadline.after(on, rules.rule("regrading_within")).due \
        if "regrading_within" in rules else None
    office = [(u, "exam_office") for u in holders(school, "exam_office")]

    def effect(case):
        GradeAppeal.create(case=case, grade=grade, reasons=(form.reasons.data or "").strip(),
                           filed_on=on, is_late=when.is_late,
                           late_explanation=appeals.explanation(form, when), answer_due=due)
        case.staff_due_on = due
        case.save()

    subject = grade.registration.exam.subject
    return open_case(KIND, school=school, school_year=SchoolYear.current(school, on),
                     student=current_user._get_current_object(),
                     actor=current_user._get_current_object(),
                     title=_("Appeal on grade: %(code)s %(name)s", code=subject.code,
                             name=subject.name)[:200],
                     participants=office, data={"late": when.is_late}, effect=effect)


def ineligible_examiners(grade) -> dict[int, str]:
    """Examiners who may not re-grade, with the reason: the original ones."""
    exam = grade.registration.exam
    reasons = {e.examiner_id: _("examiner of the ordinary grading") for e in exam.examiners}
    reasons.setdefault(grade.graded_by_id, _("set the grade that is appealed"))
    justification_cases = JustificationRequest.select(JustificationRequest.case).where(
        JustificationRequest.grade == grade)
    for p in Participant.select(Participant.user).where(
            Participant.case.in_(justification_cases) & (Participant.part == "examiner")):
        reasons.setdefault(p.user_id, _("gave the justification of the grade"))
    return reasons


def case_context(case, parts):
    # the appealed grade read with its exam and subject, which the page shows
    appeal = (GradeAppeal.select(GradeAppeal, Grade, ExamRegistration, Exam, Subject)
              .join(Grade, on=(GradeAppeal.grade == Grade.id))
              .join(ExamRegistration).join(Exam).join(Subject)
              .where(GradeAppeal.case == case).get())
    old = appeal.grade
    exam = old.registration.exam
    view = page_view(parts)
    sighted = view == SIGHTED_VIEW
    context = {"appeal": appeal, "exam": exam, "sighted": sighted,
               "blind": view == BLIND_VIEW, "reviewing": view == REVIEW_VIEW,
               "new_grade": Grade.get_by_id(appeal.new_grade_id) if appeal.new_grade_id
               else None,
               "new_examiners": [p.user for p in Participant.select(Participant, User)
                                 .join(User).where((Participant.case == case)
                                                   & (Participant.part == "new_examiner"))
                                 .order_by(by_name(User.full_name), User.id)]}
    if sighted:
        context["old_grade"] = old
    if view != BLIND_VIEW and appeal.is_late:
        # the deadline it was filed after, beside the student's explanation
        context["deadline"] = dl.grade_appeal_deadline(old)
    # Those who decide an appeal on the exam office's dismissal of a late appeal
    # (REVIEW_VIEW) read what bears on the delay: the flag, the student's explanation, the
    # dismissal with its reasons (the page's decisions), the timeline with its text; not the
    # grade appealed or the reasons against it, on which whether the delay is excused does not
    # turn (forvaltningsloven § 31).
    if view == BLIND_VIEW:
        # New examiners: never the old grade, its justification or the student's reasons.
        events = blind_events(case)
        context.update(events=events, latest=events[:STATUS_EVENTS], decisions=[],
                       attachments=[])
    if view != BLIND_VIEW:
        context["dismissal_rule"] = case.school.rules.rule(dismissal.RULE)
        # late, and a ruling on appeal decided that it is heard: no longer to be dismissed
        context["heard_on_appeal"] = appeal.is_late and dismissal.heard_on_appeal(case)
    if case.state == "filed" and "exam_office" in parts:
        if not context["heard_on_appeal"]:
            context["dismiss_form"] = step_form(dismissal.DismissForm, case)  # (when late)
        form = step_form(AppointForm, case)
        blocked = ineligible_examiners(old)
        pool = list(holders(case.school, "examiner"))
        form.examiners.choices = options((u.id, u.full_name) for u in pool
                                         if u.id not in blocked)
        context.update(appoint_form=form,
                       blocked=[(u, blocked[u.id]) for u in pool if u.id in blocked])
    if case.state == "regrading" and "new_examiner" in parts:
        form = step_form(RegradeForm, case)
        form.grade.choices = options((g, grade_label(g)) for g in old.scale)
        context["regrade_form"] = form
        # a doctor's note in effect: the exam gets no grade, and the step is refused (regrade);
        # the new examiners are told of valid absence, not of the note (plan.no_grade_text)
        if plan.has_sick_note(old.registration):
            context["no_grade"] = plan.no_grade_text(exam)
    return context


def status_context(case, parts):
    """What the status block shows (Kind.status_context): the basics; to new examiners only
    the timeline entries they may see, as on the page."""
    if page_view(parts) != BLIND_VIEW:
        return {}
    return {"latest": blind_events(case)[:STATUS_EVENTS]}


SIGHTED_VIEW, REVIEW_VIEW, BLIND_VIEW = "sighted", "reviewing", "blind"


def page_view(parts) -> str:
    """How someone holding `parts` reads the appeal: SIGHTED_VIEW (the student, the exam
    office, who know the grade: all of it), REVIEW_VIEW (one who decides an appeal on its
    dismissal as late, APPEAL_REVIEWER: what bears on the delay, not the grade), or
    BLIND_VIEW (a new examiner, and anyone else: what grading blind allows). Grading blind
    wins over deciding an appeal (the strictest): a new examiner is never shown the old
    grade, nor what may tell it, whatever else they are in the case."""
    if parts & SIGHTED:
        return SIGHTED_VIEW
    if parts & BLIND:
        return BLIND_VIEW
    if APPEAL_REVIEWER in parts:
        return REVIEW_VIEW
    return BLIND_VIEW


def blind_events(case):
    """The timeline a new examiner sees: the entries that carry neither the old grade nor the
    student's reasons, without their text."""
    events = [ev for ev in _timeline(case.id) if ev.action in BLIND_EVENTS]
    for ev in events:
        ev.text = ""
    return events


@bp.route("/<int:case_id>/appoint", methods=["POST"])
@login_required
def appoint(case_id):
    """The exam office appoints new examiners (never the original ones)."""
    case, context, form = form_on_page(case_id, KIND, "appoint_form", AppointForm)
    if not form.validate_on_submit():
        return render_template("grade_appeal/case.html", **context), 422
    appeal = context["appeal"]

    def effect(case, event):
        blocked = ineligible_examiners(Grade.get_by_id(appeal.grade_id))
        if set(form.examiners.data) & set(blocked):
            raise StepRefused(_("The original examiners cannot grade the appeal."))
        for user_id in form.examiners.data:
            add_participant(case, User.get_by_id(user_id), "new_examiner")

    return take_step(case, "appoint", form, actor=current_user._get_current_object(),
                     effect=effect, done=_("The new examiners are appointed."))


@bp.route("/<int:case_id>/dismiss", methods=["POST"])
@login_required
def dismiss(case_id):
    """The exam office dismisses a late appeal unheard, before appointing new examiners, by a
    decision with its reasons and a right of appeal (forvaltningsloven § 33 annet ledd)."""
    case, context, form = form_on_page(case_id, KIND, "dismiss_form", dismissal.DismissForm)

    def after(case):
        case.staff_due_on = None
        case.save()

    return dismissal.step(
        case, context, form, role="exam_office", after=after,
        refused=lambda: (render_template("grade_appeal/case.html", **context), 422))


@bp.route("/<int:case_id>/regrade", methods=["POST"])
@login_required
def regrade(case_id):
    """The new examiners set the new grade: it replaces the old one and is final. Not for a
    registration with a doctor's note in effect (the exam gets no grade: plan.has_sick_note),
    read again inside the step's transaction after locking it, as the grades page records
    grades (plan.lock_registrations): a note sent meanwhile is seen, or waits for this. The
    registration is locked before the step takes the case, in the order a note takes them
    (it closes the appeal: plan.lapse_cases_on), so that the two wait for each other, never lock
    each other out; a note committed first has closed the appeal, and the step is not taken."""
    case, context, form = form_on_page(case_id, KIND, "regrade_form", RegradeForm)
    if not form.validate_on_submit():
        return render_template("grade_appeal/case.html", **context), 422
    appeal = context["appeal"]
    actor = current_user._get_current_object()
    registration = appeal.grade.registration_id

    def effect(case, event):
        if plan.has_sick_note(ExamRegistration.get_by_id(registration)):
            raise StepRefused(plan.no_grade_text(context["exam"]))
        old = Grade.get_by_id(appeal.grade_id)
        new = Grade.create(registration=old.registration_id, grade=form.grade.data,
                           graded_by=actor, published_at=event.created_at,
                           channel="electronic", guidelines=old.guidelines,
                           has_oral_part=old.has_oral_part, origin="regrading", is_final=True)
        Grade.update(replaced_by=new).where(Grade.id == old.id).execute()
        oral = old.has_oral_part and new.grade != old.grade
        GradeAppeal.update(new_grade=new, new_oral_required=oral).where(
            GradeAppeal.id == appeal.id).execute()
        if oral:
            Event.create(case=case, actor=None, role="exam_office",
                         action="new_oral_required", state_before=case.state,
                         state_after=case.state, created_at=event.created_at)
        case.staff_due_on = None
        case.save()

    with database.atomic():
        plan.lock_registrations(ExamRegistration.id == registration)
        return take_step(case, "regrade", form, actor=actor, effect=effect,
                         done=_("The new grade is set and published to %(student)s.",
                                **student_words(case.school)))

@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@login_required
def withdraw(case_id):
    """The student withdraws the appeal before new examiners are appointed."""
    case, parts = case_for(case_id, kind=KIND)
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    return steps_withdraw(case, parts, actor=current_user._get_current_object())
