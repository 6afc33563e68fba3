"""Absence pages: the student's overview, the teacher's lesson register, the class overview
sorted by risk, one student for staff, and the administrator's CSV upload."""

from dataclasses import dataclass, field
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
from portal.collation import by_name
from portal.i18n import gettext as _
from portal.menu import link, source
from portal.models import (
    RoleGrant,
    School,
    SchoolBreak,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
)
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
            "summary": absence_summary(student, school_year, on, viewer=current_user.id),
            "records": records,
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
    return render_template("absence/class.html", klass=klass,
                           rows=class_overview(klass, viewer=current_user.id), profile=profile,
                           thresholds={t.key: t for t in rules.thresholds(profile)})


# -- the teacher's register --------------------------------------------------------------------

def _assignment_of_teacher(assignment_id):
    assignment = TeachingAssignment.get_or_none(TeachingAssignment.id == assignment_id)
    if assignment is None or assignment.teacher_id != current_user.id:
        abort(404)
    return assignment


@dataclass
class LessonChoice:
    """The register's date and lesson: as typed, as read, and what is wrong with each (by the
    id of its field in the page)."""

    date_text: str
    lesson_text: str
    day: date | None = None
    lesson: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _not_a_school_day(day: date, year, breaks) -> str | None:
    """Why absence cannot be registered on `day`, in words naming the date; None if it can."""
    problem = rules.no_school_day_because(day, year, breaks)
    if problem is not None:
        return problem
    if day > today():
        return _("You cannot register absence for a day that has not come yet.")
    return None


def _lesson_args(source, year) -> LessonChoice:
    """The date and lesson from the query or the form; without a date, the last school day
    of the year on or before today."""
    date_text = (source.get("date") or "").strip()
    breaks = SchoolBreak.of(year)
    if not date_text:
        default = (rules.last_school_day(today(), year.starts_on, year.ends_on, breaks)
                   or today())
        date_text = default.isoformat()
    choice = LessonChoice(date_text, (source.get("lesson") or "1").strip())
    try:
        choice.day = date.fromisoformat(date_text)
    except ValueError:
        choice.errors["date"] = _("The date is not valid. Use the date picker.")
    else:
        problem = _not_a_school_day(choice.day, year, breaks)
        if problem:
            choice.errors["date"] = problem
    if choice.lesson_text.isdecimal() and 1 <= int(choice.lesson_text) <= rules.MAX_LESSON:
        choice.lesson = int(choice.lesson_text)
    else:
        choice.errors["lesson"] = _("The lesson must be a number from 1 to %(max)s.",
                                    max=rules.MAX_LESSON)
    return choice


def _register_context(assignment, choice: LessonChoice, **row):
    klass = assignment.school_class
    records = (records_of_lesson(assignment, choice.day, choice.lesson)
               if choice.day and choice.lesson else {})
    return {"assignment": assignment, "klass": klass, "choice": choice,
            "day": choice.day, "lesson": choice.lesson,
            "students": list(klass.students()), "records": records,
            "max_lesson": rules.MAX_LESSON,
            "lesson_length": lesson_minutes(klass.school.rules), "form": ActionForm(),
            "row_student": None, "row_error": None, "typed_minutes": None, **row}


@bp.route("/register/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("teacher")
def register(assignment_id):
    """The class list for one lesson: one tap a student, saved as they go."""
    assignment = _assignment_of_teacher(assignment_id)
    year = assignment.school_class.school_year
    if request.method == "GET":
        return render_template("absence/register.html",
                               **_register_context(assignment, _lesson_args(request.args, year)))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    choice = _lesson_args(request.form, year)
    person = User.get_or_none(User.id == request.form.get("student", type=int))
    if person is None or not enrolled(person, assignment.school_class):
        abort(404)
    status = request.form.get("status")
    minutes_text = (request.form.get("minutes") or "").strip()
    longest = lesson_minutes(assignment.school_class.school.rules)
    error = next(iter(choice.errors.values()), None)
    if error is None and status == "late" and not (
            minutes_text.isdecimal() and 1 <= int(minutes_text) < longest):
        error = _("Minutes late must be a whole number from 1 to %(max)s.", max=longest - 1)
    if error is None:
        if status == "absent":
            record_absence(assignment, person, choice.day, choice.lesson, 0, by=current_user)
        elif status == "late":
            record_absence(assignment, person, choice.day, choice.lesson, int(minutes_text),
                           by=current_user)
        else:
            clear_absence(assignment, person, choice.day, choice.lesson)
    row = {"row_student": person.id, "row_error": error,
           "typed_minutes": minutes_text if error else None}
    context = _register_context(assignment, choice, **row)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == \
            f"student-{person.id}":
        return render_block("absence/register.html", "row", student=person, **context)
    if error:  # the page again, the error at the row (the form's action lands there)
        return render_template("absence/register.html", **context), 422
    return redirect(url_for("absence.register", assignment_id=assignment.id,
                            date=choice.day.isoformat(), lesson=choice.lesson)
                    + f"#student-{person.id}", 303)


# -- the administrator's import ----------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@roles_required("admin")
def import_page():
    """Upload absence records as CSV: every bad row named by its line, nothing half-imported."""
    from portal.absence.importer import ABSENCE_COLUMNS, import_absence
    from portal.archive.views import admin_schools

    form = ActionForm()
    result = None
    mine = admin_schools()
    schools = list(School.select().order_by(by_name(School.name))) if mine is None else mine
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
                result = import_absence(text, by=current_user._get_current_object(),
                                        schools=schools)
                if result.ok:
                    flash(_("Imported %(n)s absence records.", n=result.created), "success")
                    return redirect(url_for("absence.import_page"), 303)
    return render_template("absence/import.html", form=form, result=result, schools=schools,
                           columns=[*ABSENCE_COLUMNS, "minutes_late"])


@bp.after_request
def _vary(response):
    response.headers.add("Vary", "HX-Request")
    return response
