"""Absence pages: the student's overview, the teacher's lesson register, the class overview
sorted by risk, one student for staff, and the administrator's CSV upload."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from portal.absence import bp, rules
from portal.absence.models import AbsenceRecord
from portal.absence.services import (
    absence_summary,
    can_see_class,
    can_see_student,
    class_overview,
    clear_absence,
    enrolled,
    lesson_minutes,
    record_absence,
    records_of_lesson,
    teacher_assignments,
    today,
    visible_classes,
)
from portal.auth import roles_required
from portal.auth.forms import ActionForm
from portal.i18n import gettext as _
from portal.menu import link, source
from portal.models import RoleGrant, School, SchoolClass, Subject, TeachingAssignment, User
from portal.roles import STAFF_ROLES
from portal.rules.deadlines import Deadline

RECENT_RECORDS = 30


@source(50, bp.name)
def _menu(user, here):
    return [link(_("Absence"), "absence.index", here.startswith("absence."))]


def _student_years(user):
    schools = (School.select().join(RoleGrant, on=(RoleGrant.school == School.id))
               .where((RoleGrant.user == user) & (RoleGrant.role == "student")))
    years = ((s, s.current_year()) for s in schools)
    return [(s, year) for s, year in years if year is not None]


def _records(student, school_year, limit=RECENT_RECORDS):
    """The latest records, with their subjects (the list names them)."""
    return list(AbsenceRecord.select(AbsenceRecord, TeachingAssignment, Subject)
                .join(TeachingAssignment).join(Subject)
                .where((AbsenceRecord.student == student)
                       & (AbsenceRecord.school_year == school_year))
                .order_by(AbsenceRecord.date.desc(), AbsenceRecord.lesson).limit(limit))


def _student_context(student, school_year, *, own: bool):
    profile = school_year.school.rules
    window = profile.rule("absence_correction_window") if "absence_correction_window" in \
        profile else None
    records = _records(student, school_year)
    on = today()
    correctable = {r.id for r in records if own and window and not r.corrected
                   and Deadline.after(r.date, window).is_on_time(on)}
    return {"student": student, "year": school_year, "profile": profile,
            "summary": absence_summary(student, school_year, on), "records": records,
            "correctable": correctable, "own": own, "window": window,
            "thresholds": {t.key: t for t in rules.thresholds(profile)}}


@bp.route("/")
@login_required
def index():
    """The student's absence per subject; for staff, their lessons and classes."""
    user = current_user._get_current_object()
    years = _student_years(user) if user.has_role("student") else []
    mine = [_student_context(user, year, own=True) for _school, year in years]
    staff = user.has_role(*STAFF_ROLES)
    return render_template(
        "absence/index.html", mine=mine, staff=staff,
        assignments=list(teacher_assignments(user)) if staff else [],
        classes=list(visible_classes(user)) if staff else [],
        is_admin=user.has_role("admin"))


@bp.route("/students/<int:student_id>")
@login_required
def student(student_id):
    """One student's absence, for the staff of the student's class."""
    person = User.get_or_none(User.id == student_id)
    if person is None:
        abort(404)
    years = [y for _s, y in _student_years(person)]
    user = current_user._get_current_object()
    contexts = [_student_context(person, y, own=person.id == user.id) for y in years
                if person.id == user.id or can_see_student(user, person, y)]
    if not contexts:
        abort(404)
    return render_template("absence/student.html", mine=contexts, person=person)


@bp.route("/classes/<int:class_id>")
@login_required
def class_page(class_id):
    """A class sorted by risk: each student's highest percentage, per subject, warnings."""
    klass = SchoolClass.get_or_none(SchoolClass.id == class_id)
    if klass is None or not can_see_class(current_user, klass):
        abort(404)
    profile = klass.school.rules
    return render_template("absence/class.html", klass=klass, rows=class_overview(klass),
                           profile=profile,
                           thresholds={t.key: t for t in rules.thresholds(profile)})


# -- the teacher's register --------------------------------------------------------------------

def _assignment_of_teacher(assignment_id):
    assignment = TeachingAssignment.get_or_none(TeachingAssignment.id == assignment_id)
    if assignment is None or assignment.teacher_id != current_user.id:
        abort(404)
    return assignment


def _lesson_args(source, year):
    """(date, lesson, error) from the query or the form."""
    try:
        day = date.fromisoformat(source.get("date") or today().isoformat())
    except ValueError:
        return today(), 1, _("The date is not valid. Use the date picker.")
    lesson_text = source.get("lesson") or "1"
    lesson = int(lesson_text) if lesson_text.isdigit() else 0
    if not 1 <= lesson <= rules.MAX_LESSON:
        return day, 1, _("The lesson must be a number from 1 to %(max)s.", max=rules.MAX_LESSON)
    if not year.contains(day):
        return day, lesson, _("The date is not in the school year %(year)s.", year=year.name)
    if day > today():
        return day, lesson, _("You cannot register absence for a day that has not come yet.")
    return day, lesson, None


def _register_context(assignment, day, lesson, error=None):
    klass = assignment.school_class
    return {"assignment": assignment, "klass": klass, "day": day, "lesson": lesson,
            "students": list(klass.students()), "records": records_of_lesson(assignment, day,
                                                                             lesson),
            "error": error, "max_lesson": rules.MAX_LESSON,
            "lesson_length": lesson_minutes(klass.school.rules), "form": ActionForm()}


@bp.route("/register/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("teacher")
def register(assignment_id):
    """The class list for one lesson: one tap a student, saved as they go."""
    assignment = _assignment_of_teacher(assignment_id)
    year = assignment.school_class.school_year
    if request.method == "GET":
        day, lesson, error = _lesson_args(request.args, year)
        return render_template("absence/register.html",
                               **_register_context(assignment, day, lesson, error))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    day, lesson, error = _lesson_args(request.form, year)
    person = User.get_or_none(User.id == request.form.get("student", type=int))
    if person is None or not enrolled(person, assignment.school_class):
        abort(404)
    status = request.form.get("status")
    minutes_text = request.form.get("minutes") or ""
    longest = lesson_minutes(assignment.school_class.school.rules)
    if error is None and status == "late" and not (
            minutes_text.isdigit() and 1 <= int(minutes_text) < longest):
        error = _("Minutes late must be a whole number from 1 to %(max)s.", max=longest - 1)
    if error is None:
        if status == "absent":
            record_absence(assignment, person, day, lesson, 0, by=current_user)
        elif status == "late":
            record_absence(assignment, person, day, lesson, int(minutes_text), by=current_user)
        else:
            clear_absence(assignment, person, day, lesson)
    context = _register_context(assignment, day, lesson)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == \
            f"student-{person.id}":
        return render_block("absence/register.html", "row", student=person,
                            row_error=error, **context)
    if error:
        flash(error, "error")
    return redirect(url_for("absence.register", assignment_id=assignment.id,
                            date=day.isoformat(), lesson=lesson) + f"#student-{person.id}", 303)


# -- the administrator's import ----------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@roles_required("admin")
def import_page():
    """Upload absence records as CSV: every bad row named by its line, nothing half-imported."""
    from portal.absence.importer import ABSENCE_COLUMNS, import_absence

    form = ActionForm()
    result = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        raw = upload.read() if upload else b""
        if not raw:
            flash(_("Choose a CSV file to import."), "error")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                flash(_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."),
                      "error")
            if text is not None:
                result = import_absence(text, by=current_user._get_current_object())
                if result.ok:
                    flash(_("Imported %(n)s absence records.", n=result.created), "success")
                    return redirect(url_for("absence.import_page"), 303)
    return render_template("absence/import.html", form=form, result=result,
                           columns=[*ABSENCE_COLUMNS, "minutes_late"])


@bp.after_request
def _vary(response):
    response.headers.add("Vary", "HX-Request")
    return response
