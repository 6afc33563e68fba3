"""The student's grades; recording and publishing grades for the exam office and examiners."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.auth import roles_required
from portal.cases.decisions import WITHDRAWN
from portal.cases.steps import options
from portal.collation import by_name
from portal.db import database
from portal.exams import plan
from portal.exams.models import Exam, ExamRegistration, ExamSickNote
from portal.grades import bp, current_grades
from portal.grades import deadlines as dl
from portal.grades.forms import ExaminersForm, PublishForm, grade_label, record_form
from portal.grades.models import ExamExaminer, Grade
from portal.i18n import gettext as _
from portal.models import School, Subject, User, utcnow
from portal.models.people import holders
from portal.rules import calendar as cal


@bp.app_template_filter("grade_label")
def _grade_label(code):
    return grade_label(code)


def _rows_for_student(student):
    registrations = list(ExamRegistration.select(ExamRegistration, Exam, Subject, School)
                         .join(Exam).join(Subject)
                         .switch(Exam).join(School, on=(Exam.school == School.id))
                         .where(ExamRegistration.student == student)
                         .order_by(Exam.starts_at.desc()))
    aside = {}
    grades = current_grades(registrations, set_aside=aside)
    shown = [reg for reg in registrations if reg.id in grades and grades[reg.id].is_published]
    facts = dict(zip([reg.id for reg in shown], grade_facts([grades[reg.id] for reg in shown]),
                     strict=True))
    # a failing grade set aside by a doctor's note (plan.set_aside_failing_grade): in its
    # place, what became of it and why, where no other grade of the exam is published
    return [facts[reg.id] if reg.id in facts else _set_aside_row(aside[reg.id])
            for reg in registrations if reg.id in facts or reg.id in aside]


def _set_aside_row(grade) -> dict:
    exam = grade.registration.exam
    return {"grade": grade, "exam": exam,
            "set_aside": plan.set_aside_text(grade, exam.school, tell_note=True)}


def grade_facts(grades) -> list[dict]:
    """What the student's page shows of each of `grades` (their registrations read with exam,
    subject and school), with the deadlines running from them. The justifications and appeals
    of all of them are read in one query per table, not per grade."""
    from portal.cases import appeals as late
    from portal.kinds.formal_error_appeal import body_label_words
    from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
    from portal.kinds.grade_appeal.models import GradeAppeal
    from portal.kinds.justification.models import JustificationRequest
    from portal.models import Case

    ids = [g.id for g in grades]
    # for a new grade after an appeal, the justification and the appeal of the grade it replaced
    regraded = [g.id for g in grades if g.origin == "regrading"]
    justifications, earlier_justifications = {}, {}
    for request in (JustificationRequest.select(JustificationRequest, Grade, Case)
                    .join(Grade, on=(JustificationRequest.grade == Grade.id))
                    .switch(JustificationRequest).join(Case)
                    .where(Grade.id.in_(ids) | Grade.replaced_by.in_(regraded))
                    .order_by(JustificationRequest.id)):
        if request.grade_id in ids:
            justifications.setdefault(request.grade_id, []).append(request)
        else:
            earlier_justifications.setdefault(request.grade.replaced_by_id, []).append(request)
    appeals = {}
    # (with its case's state: the card says where an appeal stands, dismissed as late too;
    # of a grade's appeals the one that stands, else the one withdrawn last: _shown)
    for appeal in (GradeAppeal.select(GradeAppeal, Grade, Case.id, Case.kind, Case.state)
                   .join(Grade, on=(GradeAppeal.grade == Grade.id))
                   .switch(GradeAppeal).join(Case)
                   .where(Grade.id.in_(ids) | Grade.replaced_by.in_(regraded))
                   .order_by(GradeAppeal.id)):
        _shown(appeals, appeal.grade.replaced_by_id or appeal.grade_id, appeal)
    formal_errors = {}
    for appeal in (FormalErrorAppeal.select(FormalErrorAppeal, Case.id, Case.kind, Case.state)
                   .join(Case).where(FormalErrorAppeal.grade.in_(ids))
                   .order_by(FormalErrorAppeal.id)):
        _shown(formal_errors, appeal.grade_id, appeal)

    on = cal.today()
    rows = []
    for grade in grades:
        requests = justifications.get(grade.id, [])
        earlier = earlier_justifications.get(grade.id, [])
        justification = requests[-1] if requests else (earlier[-1] if earlier else None)
        # a withdrawn request gives no justification: another may be asked for in its time,
        # and the appeal deadline runs as if none had been asked for (domain.md §4)
        withdrawn = justification is not None and justification.case.state == "withdrawn"
        # as the request form counts it, withdrawn or not (a day stated in a withdrawn
        # request does not bind): from publication, and where the day the student learned
        # of the grade counts (havbruk), until the limit from publication for one who learned
        # of it later (forskriften § 4-9 (1) a)
        window = dl.justification_request_window(grade)
        request_deadline = window.deadline if window else None
        request_limit = window.limit if window else None
        last_request_day = window.last if window else None
        limit = dl.appeal_limit(grade)
        rows.append({
            "grade": grade, "exam": grade.registration.exam,
            "justification": justification,
            "justification_of_earlier_grade": not requests and bool(earlier),
            "justification_withdrawn": withdrawn,
            # asked for and neither answered nor withdrawn: the appeal deadline will restart
            "justification_pending": dl.justification_pending(requests),
            "request_deadline": request_deadline,
            "request_limit": request_limit,
            # the last day a justification can be asked for, however late the student learned
            # of the grade: the deadline, or where the day learned counts the limit
            "last_request_day": last_request_day,
            "request_deadline_passed": request_deadline is not None
            and request_deadline.is_late(on),
            # of this grade (a new grade after an appeal too: forskriften § 4-9 (1) gives a
            # right to the justification of a grade; only an appeal is closed to it)
            "may_request": last_request_day is not None
            and (not requests or withdrawn) and last_request_day.is_on_time(on),
            "appeal": appeals.get(grade.id),
            # withdrawn: the grade may be appealed again (forvaltningsloven § 29)
            "appeal_withdrawn": _withdrawn(appeals.get(grade.id)),
            "appeal_when": dl.grade_appeal_timeliness(grade, on, requests),
            "appeal_refusal": dl.grade_appeal_refusal(grade),
            "formal_error": formal_errors.get(grade.id),
            # what its state names (the body that hears it), from the exam's school, read
            "formal_error_words": body_label_words(grade.registration.exam.school)
            if grade.id in formal_errors else (),
            "formal_error_withdrawn": _withdrawn(formal_errors.get(grade.id)),
            # the form is linked only where the profile takes such appeals (else it is a 404)
            "formal_error_rule": dl.formal_error_rule(grade),
            # past the absolute limit from publication no appeal on the grade is received:
            # why, in place of the links to forms that would only refuse
            "limit_refusal": late.refusal(limit, late.SINCE_GRADE)
            if limit.is_late(on) else None,
        })
    return rows


def _shown(kept: dict, key, appeal) -> None:
    """Keep `appeal` (read in the order filed) as the one shown for `key`, unless one that
    stands is kept: a grade has one appeal of a kind at a time that is not withdrawn, and
    any number withdrawn before it."""
    if key not in kept or _withdrawn(kept[key]):
        kept[key] = appeal


def _withdrawn(appeal) -> bool:
    """Whether `appeal` (read with its case) was withdrawn by the student."""
    return appeal is not None and appeal.case.state == WITHDRAWN


@bp.route("/")
@login_required
def mine():
    """The student's published grades, with justification and appeal."""
    return render_template("grades/mine.html", rows=_rows_for_student(current_user.id),
                           today=cal.today())


def _exams_for(user):
    """The exams whose grades `user` records: every exam of a school where they are the exam
    office, and the exams they are named examiner of at a school where they are an examiner.
    An exam office at one school is no exam office at another where they hold another role."""
    query = Exam.select(Exam, Subject).join(Subject).order_by(Exam.starts_at.desc())
    office = user.schools_as("exam_office")
    if office is None:
        return query
    examining = user.schools_as("examiner")
    named = Exam.id.in_(ExamExaminer.select(ExamExaminer.exam)
                        .where(ExamExaminer.examiner == user))
    if examining is None:  # an examiner everywhere: every exam they are named for
        return query.where(Exam.school.in_(office) | named)
    return query.where(Exam.school.in_(office) | (named & Exam.school.in_(examining)))


def new_examiner_exams(user):
    """Exams on which `user` re-grades an appeal: they never see its ordinary grades."""
    from portal.kinds.grade_appeal.models import GradeAppeal
    from portal.models import Participant

    cases = Participant.select(Participant.case).where(
        (Participant.user == user) & (Participant.part == "new_examiner"))
    return (ExamRegistration.select(ExamRegistration.exam)
            .join(Grade, on=(Grade.registration == ExamRegistration.id))
            .join(GradeAppeal, on=(GradeAppeal.grade == Grade.id))
            .where(GradeAppeal.case.in_(cases)))


def _exam_for(exam_id, user, *, office: bool = False):
    """The exam, if `user` records its grades (404 otherwise); with `office`, only if they
    are the exam office of its school (publishing, naming examiners)."""
    exam = _exams_for(user).where(Exam.id == exam_id).first()
    blind = Exam.select().where((Exam.id == exam_id) & Exam.id.in_(new_examiner_exams(user)))
    if exam is None or blind.exists():
        abort(404)
    if office and not user.has_role("exam_office", school=exam.school_id):
        abort(404)
    return exam


@bp.route("/exams")
@roles_required("exam_office", "examiner")
def exams():
    """Exams whose grades the user records (exam office: all of the school's)."""
    blind = {row.exam_id for row in new_examiner_exams(current_user.id)}
    return render_template("grades/exams.html",
                           exams=[e for e in _exams_for(current_user) if e.id not in blind])


# Registrations on the grades page: those that can be graded, and those with a doctor's note
# in effect (plan.has_sick_note), shown as such and never graded.
SHOWN = ("registered", "attended", plan.SICK_DOCUMENTED)


def _registrations(exam):
    return list(ExamRegistration.select(ExamRegistration, User)
                .join(User, on=(ExamRegistration.student == User.id))
                .where((ExamRegistration.exam == exam)
                       & (ExamRegistration.status.in_(SHOWN)))
                .order_by(by_name(User.full_name), User.id))


def _unpublished(registrations, grades) -> list:
    """The grades recorded and not published, of registrations without a doctor's note in
    effect: what publishing publishes (a grade recorded before the note came is not)."""
    return [grades[reg.id] for reg in registrations
            if reg.id in grades and not grades[reg.id].is_published
            and not plan.has_sick_note(reg)]


def _exam_context(exam, form=None):
    registrations = _registrations(exam)
    aside = {}
    grades = current_grades(registrations, set_aside=aside)
    if form is None:
        data = {f"grade_{rid}": g.grade for rid, g in grades.items() if g}
        some = next((grades[r.id] for r in registrations if r.id in grades), None)
        if some:
            data.update(guidelines=some.guidelines, has_oral_part=some.has_oral_part)
        form = record_form(registrations, data=data)
    examiners_form = ExaminersForm()
    examiners_form.examiners.choices = options(
        (u.id, u.full_name) for u in holders(exam.school, "examiner"))
    examiners_form.examiners.data = [e.examiner_id for e in exam.examiners]
    is_exam_office = _is_exam_office(exam)
    sick = [reg.id for reg in registrations if plan.has_sick_note(reg)]
    notes = {}
    if is_exam_office and sick:  # (where to open each: the exam office opens them)
        for note in plan.sick_notes_of(ExamSickNote.registration.in_(sick)):
            notes.setdefault(note.registration_id, []).append(note)
    return {"exam": exam, "registrations": registrations, "grades": grades, "form": form,
            "publish_form": PublishForm(), "examiners_form": examiners_form,
            "is_exam_office": is_exam_office, "sick_notes": notes,
            # those with a note in effect, as the refusal reads them (plan.has_sick_note)
            "no_grade_ids": set(sick),
            # the exam office is told of the doctor's note, an examiner of valid absence only
            "no_grade": plan.no_grade_text(exam, tell_note=is_exam_office) if sick else None,
            # failing grades set aside by a note (plan.set_aside_failing_grade), and why
            "set_aside": {rid: plan.set_aside_text(g, exam.school, tell_note=is_exam_office)
                          for rid, g in aside.items()},
            "unpublished": _unpublished(registrations, grades)}


@bp.route("/exams/<int:exam_id>", methods=["GET", "POST"])
@roles_required("exam_office", "examiner")
def exam(exam_id):
    """Record the grades of an exam (published grades change only through an appeal). A
    registration with a doctor's note in effect gets none: a grade typed for one is refused,
    nothing is saved, and the form keeps what was typed. An examiner is told only of valid
    absence, not of the note (plan.no_grade_text)."""
    exam = _exam_for(exam_id, current_user)
    registrations = _registrations(exam)
    form = record_form(registrations) if _is_post() else None
    if form is not None:
        if form.validate_on_submit():
            refused = _record(exam, form)
            if not refused:
                flash(_("The grades are saved. They are not visible to the students until "
                        "they are published."), "success")
                return redirect(url_for("grades.exam", exam_id=exam.id), code=303)
            why = " ".join((plan.no_grade_text(exam, tell_note=_is_exam_office(exam)),
                            _("Choose “No grade yet” for this candidate. No grades have been "
                              "saved.")))
            for reg_id in refused:
                getattr(form, f"grade_{reg_id}").errors = [why]
        return render_template("grades/exam.html", **_exam_context(exam, form)), 422
    return render_template("grades/exam.html", **_exam_context(exam))


def _is_exam_office(exam) -> bool:
    """Whether the current user is the exam office of the exam's school: they are told of
    a candidate's doctor's note; an examiner is not (plan.no_grade_text)."""
    return current_user.has_role("exam_office", school=exam.school_id)


def _is_post():
    from flask import request

    return request.method == "POST"


def _record(exam, form) -> list[int]:
    """Save the grades typed in `form`, in one transaction; or, where a grade was typed for a
    registration with a doctor's note in effect, save nothing and return their ids. The
    registrations are locked and read again inside the transaction (plan.lock_registrations):
    a note sent while the form was being filled in is seen here, and one sent while this
    transaction runs waits for it (and may then still take effect: a grade not published
    does not stop a note, and is then not published)."""
    with database.atomic():
        plan.lock_registrations(ExamRegistration.exam == exam)
        registrations = [reg for reg in _registrations(exam)
                         if hasattr(form, f"grade_{reg.id}")]
        refused = [reg.id for reg in registrations
                   if plan.has_sick_note(reg) and getattr(form, f"grade_{reg.id}").data]
        if refused:
            return refused
        grades = current_grades(registrations)
        for reg in registrations:
            value = getattr(form, f"grade_{reg.id}").data
            grade = grades.get(reg.id)
            if not value or (grade and grade.is_published):
                continue
            fields = {"grade": value, "graded_by": current_user.id, "recorded_at": utcnow(),
                      "guidelines": (form.guidelines.data or "").strip(),
                      "has_oral_part": bool(form.has_oral_part.data)}
            if grade is None:
                Grade.create(registration=reg, **fields)
            else:
                Grade.update(**fields).where(Grade.id == grade.id).execute()
    return []


@bp.route("/exams/<int:exam_id>/publish", methods=["POST"])
@roles_required("exam_office")
def publish(exam_id):
    """Publish the recorded grades: the date and channel start the students' deadlines. Not
    the grade of a registration with a doctor's note in effect, read again inside the
    transaction as in _record."""
    exam = _exam_for(exam_id, current_user, office=True)
    form = PublishForm()
    if not form.validate_on_submit():
        return render_template("grades/exam.html", **dict(_exam_context(exam),
                                                          publish_form=form)), 422
    with database.atomic():
        plan.lock_registrations(ExamRegistration.exam == exam)
        registrations = _registrations(exam)
        ids = [g.id for g in _unpublished(registrations, current_grades(registrations))]
        if ids:
            Grade.update(published_at=utcnow(), channel=form.channel.data).where(
                Grade.id.in_(ids)).execute()
    flash(_("%(n)s grades published.", n=len(ids)), "success")
    return redirect(url_for("grades.exam", exam_id=exam.id), code=303)


@bp.route("/exams/<int:exam_id>/examiners", methods=["POST"])
@roles_required("exam_office")
def examiners(exam_id):
    """The exam office names the examiners of an exam."""
    exam = _exam_for(exam_id, current_user, office=True)
    form = ExaminersForm()
    allowed = {u.id for u in holders(exam.school, "examiner")}
    form.examiners.choices = options((i, str(i)) for i in allowed)
    if not form.validate_on_submit():
        abort(400)
    blind = {p for p in form.examiners.data
             if Exam.select().where((Exam.id == exam.id)
                                    & Exam.id.in_(new_examiner_exams(p))).exists()}
    with database.atomic():
        ExamExaminer.delete().where(ExamExaminer.exam == exam).execute()
        for user_id in set(form.examiners.data) - blind:
            ExamExaminer.create(exam=exam, examiner=user_id)
    if blind:
        flash(_("An examiner who re-grades an appeal on this exam cannot be one of its "
                "examiners."), "error")
    else:
        flash(_("The examiners are saved."), "success")
    return redirect(url_for("grades.exam", exam_id=exam.id), code=303)
