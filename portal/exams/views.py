"""Exam plan pages: the exam office's plan, the student's own exams."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal.auth import roles_required
from portal.auth.forms import ActionForm
from portal.cases.uploads import UploadError, check_upload, document_response
from portal.exams import plan
from portal.exams.forms import (
    FORM_LABELS,
    STATUS_LABELS,
    ExamForm,
    RegisterClassForm,
    SickNoteForm,
)
from portal.exams.models import Exam, ExamRegistration, ExamSickNote
from portal.i18n import gettext as _
from portal.menu import link, source
from portal.models import SchoolClass, SchoolYear, Subject
from portal.rules import calendar as cal

bp = Blueprint("exams", __name__, url_prefix="/exams", template_folder="templates")


@bp.app_context_processor
def _labels():
    return {"exam_form_labels": FORM_LABELS, "exam_status_labels": STATUS_LABELS}


@source(60, bp.name)
def _menu(user, here):
    """The student's exams, the exam office's plan."""
    links = []
    if user.has_role("student"):
        links.append(link(_("My exams"), "exams.mine", here == "exams.mine"))
    if user.has_role("exam_office"):
        links.append(link(_("Exam plan"), "exams.plan_page", here == "exams.plan_page"))
    return links


def office_year():
    """`(year, years)`: `years` the current school years of the schools the user is the exam
    office of (every school for a grant without one; a school without a year is left out),
    each read with its school, by the schools' names, in one statement; `year` the one of
    the school chosen by `?school=ID` (a POST carries it in its address and is checked
    again), else the first. 404 for a school the user is not the exam office of, and when
    there is none."""
    years = SchoolYear.current_of(current_user.schools_as("exam_office"))
    chosen = request.args.get("school")
    year = next((y for y in years if chosen is None or str(y.school_id) == chosen), None)
    if year is None:
        abort(404)
    return year, years


def office_exam(exam_id: int) -> Exam:
    exam = Exam.get_or_none(Exam.id == exam_id)
    if exam is None or not current_user.has_role("exam_office", school=exam.school_id):
        abort(404)
    return exam


def _subject_choices(form, school):
    form.subject.choices = [SelectChoice(s.id, f"{s.code} {s.name}") for s in
                            Subject.select().where(Subject.school == school).order_by(Subject.code)]


@bp.route("/plan")
@roles_required("exam_office")
def plan_page():
    """The exam plan of the school year, with registrations and granted adaptations."""
    year, years = office_year()
    school = year.school
    exams = list(plan.exams_of(school, year))
    return render_template("exams/plan.html", school=school, year=year, years=years,
                           exams=exams, counts=_registration_counts(exams))


def _registration_counts(exams):
    from peewee import fn

    rows = (ExamRegistration.select(ExamRegistration.exam, fn.COUNT(ExamRegistration.id).alias("n"))
            .where(ExamRegistration.exam.in_([e.id for e in exams])
                   # attended: registered, and the exam held (not withdrawn or absent)
                   & (ExamRegistration.status.in_(("registered", "attended"))))
            .group_by(ExamRegistration.exam))
    return {r.exam_id: r.n for r in rows}


def _save_exam(form, exam, school, year):
    exam.school, exam.school_year = school, year
    exam.subject = form.subject.data
    exam.starts_at = plan.to_utc(form.day.data, form.start.data)
    exam.duration_minutes = form.duration_minutes.data
    exam.form = form.form.data
    exam.aids = (form.aids.data or "").strip()
    exam.location = (form.location.data or "").strip()
    exam.is_final_assessment = form.is_final_assessment.data
    exam.save()
    return exam


@bp.route("/new", methods=["GET", "POST"])
@roles_required("exam_office")
def new():
    """Add an exam to the plan."""
    year, _years = office_year()
    school = year.school
    form = ExamForm()
    _subject_choices(form, school)
    if form.validate_on_submit():
        exam = _save_exam(form, Exam(), school, year)
        flash(_("The exam is added to the plan."), "success")
        return redirect(url_for("exams.show", exam_id=exam.id), code=303)
    return render_template("exams/edit.html", form=form, exam=None, school=school), (
        422 if form.errors else 200)


@bp.route("/<int:exam_id>/edit", methods=["GET", "POST"])
@roles_required("exam_office")
def edit(exam_id):
    """Change an exam of the plan."""
    exam = office_exam(exam_id)
    form = ExamForm(obj=None if request.method == "POST" else exam)
    _subject_choices(form, exam.school)
    if request.method == "GET":
        local = plan.cal.to_oslo(exam.starts_at)
        form.subject.data = exam.subject_id
        form.day.data, form.start.data = local.date(), local.time()
    if form.validate_on_submit():
        _save_exam(form, exam, exam.school, exam.school_year)
        flash(_("The exam is changed."), "success")
        return redirect(url_for("exams.show", exam_id=exam.id), code=303)
    return render_template("exams/edit.html", form=form, exam=exam, school=exam.school), (
        422 if form.errors else 200)


@bp.route("/<int:exam_id>")
@roles_required("exam_office")
def show(exam_id):
    """One exam: who is registered; register a class."""
    exam = office_exam(exam_id)
    form = RegisterClassForm()
    form.school_class.choices = [SelectChoice(c.id, c.name) for c in plan.classes_of(exam.school,
                                                                        exam.school_year)]
    notes = {}
    for note in plan.sick_notes_of(ExamRegistration.exam == exam):
        notes.setdefault(note.registration_id, []).append(note)
    return render_template("exams/show.html", exam=exam, form=form,
                           students=list(plan.students_of_exam(exam)), notes=notes)


@bp.route("/<int:exam_id>/register", methods=["POST"])
@roles_required("exam_office")
def register_class(exam_id):
    """Register the students of a class for the exam."""
    exam = office_exam(exam_id)
    form = RegisterClassForm()
    form.school_class.choices = [SelectChoice(c.id, c.name) for c in plan.classes_of(exam.school,
                                                                        exam.school_year)]
    if not form.validate_on_submit():
        flash(_("Choose a class."), "error")
        return redirect(url_for("exams.show", exam_id=exam.id), code=303)
    klass = SchoolClass.get_by_id(form.school_class.data)
    added, refused, excused = plan.register_class(exam, klass)
    flash(_("%(n)s students of %(cls)s registered.", n=added, cls=klass.name), "success")
    if excused:  # (not registered again: the note would lose its effect)
        flash(plan.sick_notes_kept_text(exam, excused, klass), "info")
    for text in refused:
        flash(text, "error")
    return redirect(url_for("exams.show", exam_id=exam.id), code=303)


@bp.route("/<int:exam_id>/adaptations")
@roles_required("exam_office")
def adaptations(exam_id):
    """Printable list of the adaptations granted for the exam."""
    exam = office_exam(exam_id)
    from portal.kinds.exam_adaptation.models import granted_for_exam

    return render_template("exams/adaptations.html", exam=exam, rows=granted_for_exam(exam))


@bp.route("/sick-notes")
@roles_required("exam_office")
def sick_notes():
    """The doctor's notes sent for the exams of the current school year, newest first, of
    each school the user is the exam office of (every school for a grant without one), by
    school: where the notification of a note leads, and it tells just those
    (plan._tell_exam_office). (Nothing to decide here: a note takes effect when it is sent,
    plan.file_sick_note.) One query for the years and one for the notes, however many
    schools and notes."""
    years = SchoolYear.current_of(current_user.schools_as("exam_office"))
    # the school whose plan the page was opened from (?school=ID), for the link back to it
    chosen = request.args.get("school")
    if chosen is not None and chosen not in {str(year.school_id) for year in years}:
        abort(404)
    notes = {year.id: [] for year in years}
    if years:
        for note in reversed(list(plan.sick_notes_of(Exam.school_year.in_(list(notes))))):
            notes[note.registration.exam.school_year_id].append(note)
    registrations = (note.registration for group in notes.values() for note in group)
    return render_template("exams/sick_notes.html", chosen=chosen,
                           groups=[(year, notes[year.id]) for year in years],
                           set_aside=_set_aside(registrations))


def _set_aside(registrations) -> dict:
    """What became of the failing grades the notes of `registrations` (read with exam and
    school: plan.sick_notes_of) set aside, by registration id (plan.set_aside_failing_grade),
    in one query where there are any."""
    from portal.grades import current_grades

    registrations = list(registrations)
    aside = {}
    if registrations:
        current_grades(registrations, set_aside=aside)
    return {rid: plan.set_aside_text(grade, grade.registration.exam.school, tell_note=True)
            for rid, grade in aside.items()}


def _for_office(note):
    """`note` (read with its registration and exam) if the current user is the exam office
    of the exam's school (a health document, GDPR art. 9: no one else opens it); 404
    otherwise, and for None."""
    if note is None or not current_user.has_role("exam_office",
                                                 school=note.registration.exam.school_id):
        abort(404)
    return note


@bp.route("/sick-notes/<int:note_id>")
@roles_required("exam_office")
def sick_note_page(note_id):
    """One doctor's note: the student's comment with it (it may tell of health, a diagnosis
    even, though none is asked for) and the link to the document. Only here, and in the
    document, is a note's health information read, and each opening of either is logged
    (plan.opened); the list and the exam's pages link here."""
    note = _for_office(plan.sick_notes_of(ExamSickNote.id == note_id, comment=True).first())
    plan.opened(note, current_user.id, "exam_office")
    reg = note.registration
    return render_template("exams/sick_note_opened.html", note=note, reg=reg, exam=reg.exam,
                           set_aside=_set_aside([reg]).get(reg.id))


@bp.route("/sick-notes/<int:note_id>/document")
@roles_required("exam_office")
def sick_note_document(note_id):
    """Open the document of a doctor's note: for those who open its page, and logged."""
    note = _for_office(ExamSickNote.select(ExamSickNote, ExamRegistration, Exam)
                       .join(ExamRegistration).join(Exam)
                       .where(ExamSickNote.id == note_id).first())
    plan.opened(note, current_user.id, "exam_office")
    return document_response(note.data, note.content_type, note.filename)


# --- the student's own exams -------------------------------------------------------------

@bp.route("/mine")
@login_required
def mine():
    """The student's exams: withdrawal, sick notes, attempts, adaptation deadlines."""
    regs = list(plan.registrations_of(current_user))
    from portal.kinds.exam_adaptation.rules import application_deadline

    graded = plan.graded(regs)
    rows = []
    for reg in regs:
        rows.append({
            "reg": reg,
            "exam": reg.exam,
            "can_withdraw": plan.can_withdraw(reg),
            "withdrawal_text": plan.withdrawal_text(reg.exam),
            "sick_deadline": plan.sick_note_deadline(reg.exam),
            "can_sick_note": plan.can_file_sick_note(reg, has_grade=reg.id in graded),
            "adaptation_deadline": application_deadline(reg.exam),
            "max_attempts": plan.max_attempts(reg.exam.school),
        })
    return render_template("exams/mine.html", rows=rows, today=cal.today())


def own_registration(reg_id: int) -> ExamRegistration:
    reg = ExamRegistration.get_or_none(ExamRegistration.id == reg_id)
    if reg is None or reg.student_id != current_user.id:
        abort(404)
    return reg


CONFIRMED = "yes"  # the confirmation page's `confirmed` field


@bp.route("/registrations/<int:reg_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(reg_id):
    """Withdraw from an exam before the profile's limit. The list's button leads to a page
    that asks first (no JavaScript needed): one stray tap must not cost the student the exam,
    since only the exam office registers them again. A post without the page's confirmation
    is sent to the page and changes nothing; the limit is checked again on the post."""
    reg = own_registration(reg_id)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        if request.form.get("confirmed") != CONFIRMED:
            return redirect(url_for("exams.withdraw", reg_id=reg.id), code=303)
        try:
            plan.withdraw(reg)
            flash(_("You have withdrawn from the exam in %(subject)s.",
                    subject=reg.exam.subject.name), "success")
        except plan.ExamRuleError as exc:
            flash(str(exc), "error")
        return redirect(url_for("exams.mine"), code=303)
    why = plan.withdrawal_refusal(reg)
    if why:  # (the rule, with its date: not a page that asks in vain)
        flash(why, "error")
        return redirect(url_for("exams.mine"), code=303)
    return render_template("exams/withdraw.html", reg=reg, exam=reg.exam,
                           withdrawal_text=plan.withdrawal_text(reg.exam), confirmed=CONFIRMED)


@bp.route("/registrations/<int:reg_id>/sick-note", methods=["GET", "POST"])
@login_required
def sick_note(reg_id):
    """Send a doctor's note so the attempt does not count (and a failing grade published
    before it no longer stands: plan.set_aside_failing_grade)."""
    reg = own_registration(reg_id)
    if request.method == "GET" and (why := plan.sick_note_refusal(reg)):
        flash(why, "error")  # (the rule: not a form that is refused when sent)
        return redirect(url_for("exams.mine"), code=303)
    form = SickNoteForm()
    deadline = plan.sick_note_deadline(reg.exam)
    if form.validate_on_submit():
        try:
            if not form.document.data:
                raise UploadError(_("Choose the doctor's note to upload."))
            checked = check_upload(form.document.data)
            note = plan.file_sick_note(reg, checked, (form.explanation.data or "").strip())
            flash(_("The sick note is received. The exam does not count as an attempt."),
                  "success")
            if note.set_aside is not None:  # (a failing grade published before the note)
                flash(plan.set_aside_text(note.set_aside, reg.exam.school, tell_note=True), "info")
            return redirect(url_for("exams.mine"), code=303)
        except (UploadError, plan.ExamRuleError) as exc:
            form.document.errors = [str(exc)]
    return render_template("exams/sick_note.html", reg=reg, exam=reg.exam, form=form,
                           deadline=deadline, today=cal.today()), (422 if form.errors else 200)
