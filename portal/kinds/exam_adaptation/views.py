"""Pages of the exam adaptation kind: apply, ask for / add documentation, decide, withdraw."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal.auth import roles_required
from portal.cases import decisions
from portal.cases.access import case_for
from portal.cases.engine import StaleCase, TransitionRefused, apply, open_case
from portal.cases.filing import filing_school, student_schools
from portal.cases.kinds import get_kind
from portal.cases.steps import STALE, no_longer_possible, refused_page, unconfirmed_withdrawal
from portal.cases.uploads import checked_upload, hold, release
from portal.exams.models import Exam
from portal.exams.plan import registrations_of
from portal.i18n import gettext as _
from portal.kinds.exam_adaptation import decision, rules
from portal.kinds.exam_adaptation.forms import (
    ADAPTATION_LABELS,
    DECISION_FIELD_LABELS,
    OUTCOME_LABELS,
    AddDocumentationForm,
    ApplicationForm,
    AskDocumentationForm,
    DecideForm,
    WithdrawForm,
)
from portal.kinds.exam_adaptation.models import (
    ExamAdaptationApplication,
    ExamAdaptationExam,
    ExamAdaptationItem,
)
from portal.models import Attachment, School, SchoolYear, Subject, utcnow
from portal.models.people import holders
from portal.roles import student_words
from portal.rules import calendar

bp = Blueprint("exam_adaptation", __name__, url_prefix="/exam-adaptation",
               template_folder="templates")
KIND = "exam_adaptation"


def upcoming_exams(student, year, now=None) -> list[Exam]:
    now = now or calendar.utcnow()
    return [r.exam for r in registrations_of(student, year)
            if r.status == "registered" and r.exam.starts_at > now]


def _attach(case, user, checked, purpose="documentation"):
    Attachment.create(case=case, uploaded_by=user, filename=checked.filename,
                      content_type=checked.content_type, size=checked.size,
                      sha256=checked.sha256, data=checked.data, is_health=True,
                      purpose=purpose, created_at=utcnow())
    release(checked)  # (a file kept from the form's last try: no longer held)


def check_application(form, school, upcoming: list[Exam], now) -> list[Exam]:
    """The exams the application covers; form errors (naming the rule) when the profile
    refuses it: late without an acute reason, too much extra time, extra time on a project."""
    by_id = {e.id: e for e in upcoming}
    acute = form.acute.data
    if acute and not (form.acute_explanation.data or "").strip():
        form.acute_explanation.errors.append(
            _("Explain the acute injury or illness when you apply after the deadline."))
    if form.all_exams.data:
        exams = [e for e in upcoming if acute or not _late(e, now)]
        if not exams and upcoming:
            form.all_exams.errors.append(_late_text(upcoming[-1], now))
    else:
        exams = [by_id[i] for i in form.exams.data or [] if i in by_id]
        for exam in exams:
            if _late(exam, now) and not acute:
                form.exams.errors.append(_late_text(exam, now))
    if not exams and not form.exams.errors and not form.all_exams.errors:
        form.exams.errors.append(_("Choose at least one exam."))
    wanted = form.adaptations.data or []
    if not wanted:
        form.adaptations.errors.append(_("Choose at least one adaptation."))
    if "extra_time" in wanted:
        _check_extra_time(form, school, exams)
    if {"other_aids", "alternative_form"} & set(wanted) and not (form.details.data or "").strip():
        form.details.errors.append(_("Write which aids or which exam form you need."))
    return exams


def _check_extra_time(form, school, exams):
    rule = rules.extra_time_rule(school)
    minutes = form.extra_minutes.data
    if form.extra_minutes.errors:  # (not a number: said already)
        pass
    elif not minutes:
        form.extra_minutes.errors.append(_("Write how many extra minutes you need."))
    elif rule is not None and minutes > int(rule.value):
        form.extra_minutes.errors.append(
            _("At most %(n)s extra minutes can be given (%(rule)s).", n=rule.value,
              rule=rule.cite()))
    projects = [e for e in exams if e.form == "project"]
    if rule is not None and projects and not form.all_exams.data:
        form.extra_minutes.errors.append(
            _("Extended time is not given on a project exam (%(subject)s) (%(rule)s).",
              subject=projects[0].subject.name, rule=rule.cite()))


def _late(exam, now) -> bool:
    deadline = rules.application_deadline(exam)
    return deadline is not None and deadline.is_late(now)


def _late_text(exam, now) -> str:
    deadline = rules.application_deadline(exam)
    return _("Too late to apply for %(subject)s: %(deadline)s Mark it as acute injury or "
             "illness and explain, if that is the reason.", subject=exam.subject.name,
             deadline=deadline.describe(calendar.oslo_date(now)))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("student")
def new():
    """Apply for adaptation at one or more exams (or all of the school year)."""
    offered = get_kind(KIND).offered_at
    if not student_schools(current_user, offered):  # (read with the user: no query)
        return _elsewhere()
    school = filing_school(current_user, KIND, offered)
    year = SchoolYear.current(school)
    if year is None:  # (a school with no school year yet)
        abort(404)
    decider = rules.decider_role(school)
    now = calendar.utcnow()  # (the moment the deadlines are checked at)
    upcoming = upcoming_exams(current_user, year, now)
    form = ApplicationForm()
    form.exams.choices = [SelectChoice(e.id, e.subject.name) for e in upcoming]
    deadlines = {e.id: rules.application_deadline(e) for e in upcoming}
    checked = None
    if form.is_submitted():
        # every field at once: the fields' own validators, then the profile's rules
        form.validate()
        exams = check_application(form, school, upcoming, now)
        checked = checked_upload(form.documentation)  # chosen now, or held from the last try
        if checked is None and not form.documentation.errors and not form.acute.data:
            form.documentation.errors = [
                *form.documentation.errors,
                _("Upload the documentation from an expert (doctor, psychologist, speech "
                  "therapist…).")]
        if not any(f.errors for f in form):
            case = _file(form, school, year, decider, exams, checked)
            flash(_("Your application is sent."), "success")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    hold(form, form.documentation, checked)  # the form comes back: the file is kept
    status = 422 if any(f.errors for f in form) else 200
    return render_template("exam_adaptation/new.html", form=form, upcoming=upcoming,
                           deadlines=deadlines, school=school, today=calendar.oslo_date(now),
                           extra_rule=rules.extra_time_rule(school),
                           guidance=school.rules.rule(rules.GUIDANCE)
                           if rules.GUIDANCE in school.rules else None), status


def _elsewhere():
    """The answer where none of the student's schools decides exam adaptation in the portal
    (a vgs): how to apply instead, not a form that cannot be sent."""
    schools = student_schools(current_user)
    if not schools:
        abort(404)
    return render_template("exam_adaptation/elsewhere.html", schools=schools)


def _file(form, school, year, decider, exams, checked):
    wanted = form.adaptations.data
    deciders = holders(school, decider)
    title = _("Exam adaptation: %(exams)s",
              exams=_("all exams %(year)s", year=year.name) if form.all_exams.data
              else ", ".join(e.subject.name for e in exams))

    def effect(case):
        ExamAdaptationApplication.create(
            case=case, all_exams=form.all_exams.data, acute=form.acute.data,
            acute_explanation=(form.acute_explanation.data or "").strip() if form.acute.data
            else "", reason=form.reason.data.strip())
        for exam in exams:
            ExamAdaptationExam.create(case=case, exam=exam)
        for code in wanted:
            ExamAdaptationItem.create(
                case=case, adaptation=code,
                minutes=form.extra_minutes.data if code == "extra_time" else None,
                detail=(form.details.data or "").strip()
                if code in ("other_aids", "alternative_form") else "")
        if checked is not None:
            _attach(case, current_user.id, checked)

    return open_case(KIND, school=school, school_year=year, student=current_user,
                     title=title[:200], actor=current_user,
                     participants=[(u, decider) for u in deciders],
                     text=form.reason.data.strip(),
                     data={"acute": form.acute.data} if form.acute.data else None,
                     effect=effect)


def case_extra(case, parts) -> dict:
    """What the case page shows beyond the basics."""
    application = ExamAdaptationApplication.get_or_none(case=case)
    # subject and school joined: the page names each exam's subject and its deadline
    exams = list(Exam.select(Exam, Subject, School)
                 .join(ExamAdaptationExam)
                 .switch(Exam).join(Subject)
                 .switch(Exam).join(School)
                 .where(ExamAdaptationExam.case == case).order_by(Exam.starts_at))
    items = list(ExamAdaptationItem.select().where(ExamAdaptationItem.case == case)
                 .order_by(ExamAdaptationItem.id))
    version = {"version": case.version}
    return {
        "application": application,
        "covered": [(e, rules.application_deadline(e)) for e in exams],
        "today": calendar.today(),  # the deadlines above are said in its tense
        "items": items,
        "adaptation_labels": ADAPTATION_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "decision_field_labels": DECISION_FIELD_LABELS,
        "extra_rule": rules.extra_time_rule(case.school),
        "ask_form": AskDocumentationForm(data=version),
        "add_form": AddDocumentationForm(data=version),
        "decide_form": DecideForm(data=version),
        "may": {t.action for t in get_kind(KIND).actions(case.state, parts)},
    }


def _do(case, action, form, slot=None, page=None, also=(), kept=None, file=None, **kwargs):
    """Apply one transition: None when it is taken. Else a response: the case page as it is
    now, with the form back in its `slot` (and the `page` values it needs; `kept(form)`
    keeps its `file`) where the step is still offered and what was written kept
    (refused_page; `also`: what was sent outside the form's text fields); a step with
    nothing written (or no `slot`) goes back to the case page with the reason."""
    def again(case, parts, form):
        from portal.cases.views import case_context

        context = case_context(case, parts)
        if action not in context["may"]:
            return context, False
        if kept is not None:
            kept(form)
        context.update({slot: form, **(page or {})})
        return context, True

    try:
        apply(case, action, actor=current_user, expected_version=int(form.version.data or 0),
              **kwargs)
        return None
    except StaleCase:
        if slot is not None and (refused := refused_page(case.id, KIND, form, again,
                                                         stale=True, also=also, file=file)):
            return refused
        flash(str(STALE), "error")
    except TransitionRefused:
        if slot is not None and (refused := refused_page(case.id, KIND, form, again,
                                                         also=also, file=file)):
            return refused
        flash(no_longer_possible(case), "error")
    return _back(case)


def _back(case):
    return redirect(url_for("cases.show", case_id=case.id), code=303)


def _rerender(case, parts, **forms):
    from portal.cases.views import case_context

    context = case_context(case, parts)
    context.update(forms)
    return render_template("exam_adaptation/case.html", **context), 422


@bp.route("/<int:case_id>/ask-documentation", methods=["POST"])
@login_required
def ask_documentation(case_id):
    """The decider asks the student for (more) documentation."""
    case, parts = case_for(case_id, kind=KIND)
    form = AskDocumentationForm()
    if not form.validate_on_submit():
        return _rerender(case, parts, ask_form=form)
    if (refused := _do(case, "ask_documentation", form, "ask_form",
                       text=form.text.data.strip())) is not None:
        return refused
    flash(_("%(Student)s is asked for documentation.", **student_words(case.school)),
          "success")
    return _back(case)


@bp.route("/<int:case_id>/documentation", methods=["POST"])
@login_required
def add_documentation(case_id):
    """The student adds the documentation asked for."""
    case, parts = case_for(case_id, kind=KIND)
    form = AddDocumentationForm()
    checked = None
    if form.validate_on_submit():  # (once: validating again would clear the file's error)
        checked = checked_upload(form.documentation)  # (or the one kept from a try before)
        if checked is None and not form.documentation.errors:
            form.documentation.errors = [_("Choose the document to upload.")]
    if checked is None:
        return _rerender(case, parts, add_form=form)
    if (refused := _do(case, "add_documentation", form, "add_form",
                       also=[(form.documentation.label.text, checked.filename)],
                       kept=lambda form: hold(form, form.documentation, checked),
                       file=checked, text=(form.text.data or "").strip(),
                       effect=lambda c, e: _attach(c, current_user.id, checked))) is not None:
        return refused
    flash(_("The documentation is sent."), "success")
    return _back(case)


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@login_required
def withdraw(case_id):
    """The student withdraws the application."""
    case, parts = case_for(case_id, kind=KIND)
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _back(case)
    if (refused := _do(case, "withdraw", form)) is not None:
        return refused
    flash(_("The application is withdrawn."), "success")
    return _back(case)


@bp.route("/<int:case_id>/decide", methods=["POST"])
@login_required
def decide(case_id):
    """Grant, partly grant or refuse each adaptation, with reasons: the decision."""
    case, parts = case_for(case_id, kind=KIND)
    form = DecideForm()
    items = list(ExamAdaptationItem.select().where(ExamAdaptationItem.case == case)
                 .order_by(ExamAdaptationItem.id))
    chosen, errors = decision.parse(case, items, request.form)
    if not form.validate_on_submit() or errors:
        return _rerender(case, parts, decide_form=form, chosen=chosen,
                         item_errors={(e.item_id, e.field): e.message for e in errors},
                         item_error_summary=[(e.anchor, e.label, e.message) for e in errors])
    overall, summary = decision.summary(items, chosen)
    role = sorted(parts & {rules.decider_role(case.school)} or parts)[0]
    profile = case.school.rules
    references = [profile.rule(rules.DECIDER).cite()]
    extra_rule = rules.extra_time_rule(case.school)
    if extra_rule is not None and any(i.adaptation == "extra_time" for i in items):
        references.append(extra_rule.cite())

    def effect(c, event):
        for item in items:
            choice = chosen[item.id]
            item.outcome, item.granted_minutes = choice.outcome, choice.minutes
            item.decision_reason = choice.reason
            item.save()
        decisions.issue(c, outcome=overall, summary=summary,
                        reasons=(form.reasons.data or "").strip(),
                        rule_reference="; ".join(references), decided_by=current_user,
                        role=role)

    reasons_written = [(ADAPTATION_LABELS[item.adaptation],
                        chosen[item.id].reason) for item in items if chosen[item.id].reason]
    if (refused := _do(case, "decide", form, "decide_form", page={"chosen": chosen},
                       also=reasons_written, text=summary, effect=effect)) is not None:
        return refused
    flash(_("The decision is sent to %(student)s.", **student_words(case.school)),
          "success")
    return _back(case)
