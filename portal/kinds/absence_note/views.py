"""The student's note and correction request; the reviewer's answer; more documentation."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.absence import rules
from portal.absence.models import AbsenceRecord
from portal.absence.services import today
from portal.auth import roles_required
from portal.cases.access import case_for
from portal.cases.decisions import issue
from portal.cases.engine import StaleCase, TransitionRefused, apply, note, open_case
from portal.cases.filing import filing_school
from portal.cases.steps import (
    STALE,
    SentTwice,
    StepRefused,
    add_once,
    added_before,
    already_added,
    no_longer_possible,
    refused_page,
    unconfirmed_withdrawal,
)
from portal.cases.uploads import checked_upload, hold, release
from portal.db import database
from portal.i18n import gettext as _
from portal.kinds.absence_note import KIND, REVIEWERS, bp, review
from portal.kinds.absence_note.forms import (
    CATEGORY_LABELS,
    CorrectionForm,
    DocumentForm,
    NoteForm,
    ReviewForm,
)
from portal.kinds.absence_note.models import AbsenceNote
from portal.models import Attachment, SchoolClass
from portal.roles import student_words
from portal.rules.deadlines import Deadline, format_date

HEALTH_CATEGORIES = {rules.HEALTH}
# the reviewer's answers (accept_in_part: an acceptance that decides on days left on the diploma)
REVIEW_ACTIONS = ("accept", "accept_in_part", "ask", "refuse")


def student_school_year(user):
    """The school the note goes to (the student's, or the one they chose among theirs) and its
    current school year; 404 when none."""
    school = filing_school(user, KIND.code)
    year = school.current_year()
    if year is None:
        abort(404)
    return school, year


def reviewer_for(student, school, year):
    """The person the profile names to review absence notes (e.g. the contact teacher)."""
    part = str(school.rules.value("absence_reviewer"))
    klass = SchoolClass.of_student(student, year)
    if part not in REVIEWERS or klass is None:
        return None, part
    return getattr(klass, part), part


def _attach(case, checked, user, *, health: bool):
    Attachment.create(case=case, uploaded_by=user, filename=checked.filename,
                      content_type=checked.content_type, size=checked.size,
                      sha256=checked.sha256, is_health=health, data=checked.data)
    release(checked)  # (a file kept from the form's last try: no longer held)


def _title(form) -> str:
    label = CATEGORY_LABELS[form.category.data]
    if form.scope.data == "days":
        span = format_date(form.first_day.data)
        if form.last_day.data != form.first_day.data:
            span += f" – {format_date(form.last_day.data)}"
    else:
        span = _("%(date)s, lesson %(lessons)s", date=format_date(form.lesson_day.data),
                 lessons=", ".join(str(n) for _d, n in form.lesson_list))
    return f"{label}: {span}"[:200]


def _open(title, student, school, year, note_fields, checked, health, text):
    reviewer, part = reviewer_for(student, school, year)
    if reviewer is None:
        flash(_("Your class has no one to review absence notes. Contact the school office."),
              "error")
        return None

    def effect(case):
        AbsenceNote.create(case=case, **note_fields)
        if checked is not None:
            _attach(case, checked, student, health=health)

    return open_case("absence_note", school=school, school_year=year, student=student,
                     title=title, actor=student, participants=[(reviewer, part)], text=text,
                     effect=effect)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("student")
def new():
    """The absence note form: reason, days or lessons, documentation from the phone."""
    school, year = student_school_year(current_user)
    study_leave, leave = _study_leave(current_user)
    form = NoteForm(school_year=year, data=_prefill(request.args) if request.method == "GET"
                    else None)
    valid = form.validate_on_submit()
    # (read whatever else is wrong, so that it is held if the form comes back)
    checked = checked_upload(form.document) if request.method == "POST" else None
    if valid:
        if not form.document.errors:
            health = form.category.data in HEALTH_CATEGORIES or form.chronic.data
            fields = dict(category=form.category.data, scope=form.scope.data,
                          explanation=form.explanation.data or "", chronic=form.chronic.data)
            if form.scope.data == "days":
                fields.update(first_day=form.first_day.data, last_day=form.last_day.data)
            else:
                fields.update(lesson_day=form.lesson_day.data,
                              lessons=",".join(str(n) for _d, n in form.lesson_list))
            student = current_user._get_current_object()
            with database.atomic():  # (the note, and its link to the application, or neither)
                case = _open(_title(form), student, school, year, fields, checked, health,
                             form.explanation.data or "")
                not_linked = None
                if case is not None and leave is not None:
                    not_linked = study_leave.link_filed_note(leave, case, actor=student)
            if case is not None and leave is not None and not_linked is None:
                flash(_("Your absence note is sent and linked to your application for "
                        "independent study."), "success")
                return redirect(url_for("cases.show", case_id=leave.case_id), 303)
            if case is not None:
                flash(_("Your absence note is sent."), "success")
                if not_linked:
                    flash(not_linked, "error")
                return redirect(url_for("cases.show", case_id=case.id), 303)
    hold(form, form.document, checked)
    return render_template("absence_note/new.html", form=form, profile=school.rules,
                           year=year,
                           study_leave=leave if leave and study_leave.links_notes(leave) else None)


def _study_leave(student):
    """(the study-leave flow, the student's own application for independent study the form
    was started from: its page's link names it, and the note is linked to it when sent), or
    (None, None): without the link, for a case that is not the student's application, or
    without the study-leave kind."""
    try:
        from portal.kinds.study_leave import flow
    except ImportError:
        return None, None
    return flow, flow.own_leave(student, request.args.get("study_leave"))


def _prefill(args) -> dict:
    """A note started from a link (e.g. from a study-leave case): category, scope and days
    from the query string, each only when valid; the student checks and sends it."""
    data = {}
    if args.get("category") in rules.CATEGORIES:
        data["category"] = args["category"]
    if args.get("scope") in ("days", "lessons"):
        data["scope"] = args["scope"]
    for name in ("first_day", "last_day"):
        try:
            data[name] = date.fromisoformat(args.get(name, ""))
        except ValueError:
            pass
    return data


@bp.route("/correction/<int:record_id>", methods=["GET", "POST"])
@roles_required("student")
def correction(record_id):
    """Ask for a wrongly recorded absence to be corrected, within the profile's window."""
    record = AbsenceRecord.get_or_none((AbsenceRecord.id == record_id)
                                       & (AbsenceRecord.student == current_user.id))
    if record is None:
        abort(404)
    school = record.school_year.school
    deadline = Deadline.after(record.date, school.rules.rule("absence_correction_window"))
    form = CorrectionForm()
    on = today()
    late = deadline.is_late(on)
    if late and request.method == "POST":
        flash(_("Too late to ask for a correction: the deadline was %(date)s (%(rule)s).",
                date=format_date(deadline.due), rule=deadline.rule.describe()), "error")
    elif form.validate_on_submit():
        title = _("Correction: %(subject)s %(date)s, lesson %(lesson)s",
                  subject=record.assignment.subject.name, date=format_date(record.date),
                  lesson=record.lesson)
        fields = dict(category=rules.CORRECTION, scope="lessons", lesson_day=record.date,
                      lessons=str(record.lesson), records=[record.id],
                      explanation=form.explanation.data)
        case = _open(title, current_user._get_current_object(), school, record.school_year,
                     fields, None, False, form.explanation.data)
        if case is not None:
            flash(_("Your request for correction is sent."), "success")
            return redirect(url_for("cases.show", case_id=case.id), 303)
    return render_template("absence_note/correction.html", form=form, record=record,
                           deadline=deadline, late=late, today=on)


def _rule_applied(profile) -> str:
    key = "absence_max_struck_days" if rules.keeps_diploma_days(profile) else "absence_reviewer"
    return profile.rule(key).reference


@bp.route("/<int:case_id>/review", methods=["POST"])
@roles_required(*REVIEWERS)
def review_note(case_id):
    """The reviewer accepts, asks for more documentation, or refuses with a reason."""
    case, parts = case_for(case_id, kind="absence_note")
    form = ReviewForm()
    form.text.label.text = str(form.text.label.text) % student_words(case.school)
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in REVIEW_ACTIONS:
        abort(400)
    text = (form.text.data or "").strip()
    if action in ("ask", "refuse") and not text:
        flash(_("Write to %(student)s what is missing or why the note is refused.",
                **student_words(case.school)), "error")
        return redirect(url_for("cases.show", case_id=case.id), 303)
    note_row = AbsenceNote.get(AbsenceNote.case == case)
    effect = None
    if action in ("accept", "accept_in_part"):  # (in part: as the page showed it, or refused)
        effect = review.accept(case, note_row, current_user._get_current_object(), text,
                               in_part=action == "accept_in_part",
                               role=min(parts & REVIEWERS, default=""))  # (none: refused)
    elif action == "ask":
        def effect(case, event):
            note_row.missing = text
            note_row.save()
    else:
        def effect(case, event):
            issue(case, outcome="refused", summary=_("The absence note is refused."),
                  reasons=text, rule_reference=_rule_applied(case.school.rules),
                  decided_by=current_user._get_current_object(),
                  role=sorted(parts & REVIEWERS)[0])
    try:
        apply(case, action, actor=current_user._get_current_object(),
              expected_version=int(form.version.data or 0), text=text, effect=effect)
    except StaleCase:
        if page := refused_page(case.id, KIND.code, form, _review_again, stale=True):
            return page
        flash(str(STALE), "error")
    except StepRefused as refused:
        # (the acceptance is no longer what the page showed: the page as it is now, saying so)
        if page := refused_page(case.id, KIND.code, form, _review_again, why=refused.message):
            return page
        flash(refused.message, "error")
    except TransitionRefused:
        # (another reviewer acted first, or the student withdrew: its state now, not a 404,
        # and what the reviewer wrote shown to them)
        if page := refused_page(case.id, KIND.code, form, _review_again):
            return page
        flash(no_longer_possible(case), "error")
    return redirect(url_for("cases.show", case_id=case.id), 303)


def _review_again(case, parts, form):
    """For refused_page: the page as it is now, with the reviewer's form and text back in
    place while the note can still be reviewed."""
    from portal.cases.views import case_context

    context = case_context(case, parts)
    if not context["can_review"]:
        return context, False
    context["review_form"] = form
    return context, True


@bp.route("/<int:case_id>/documents", methods=["POST"])
@roles_required("student")
def add_document(case_id):
    """The student adds documentation; when more was asked for, the note goes back."""
    case, parts = case_for(case_id, kind="absence_note")
    if "student" not in parts:
        abort(404)
    form = DocumentForm()
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        abort(400)
    checked = checked_upload(form.document)
    if not case.is_open:  # (decided while the student chose the file: say so, name it)
        if page := _document_not_added(case.id, form, checked, stale=False):
            return page
        flash(no_longer_possible(case), "error")
        return redirect(url_for("cases.show", case_id=case.id), 303)
    if checked is None and not form.document.errors:
        form.document.errors.append(_("Choose a file or take a photo of the documentation."))
    if not valid or checked is None:
        return _document_refused(case, parts, form)
    note_row = AbsenceNote.get(AbsenceNote.case == case)
    health = note_row.category in HEALTH_CATEGORIES or note_row.chronic
    user = current_user._get_current_object()
    text = (form.comment.data or "").strip()
    try:
        if case.state == "needs_documentation":
            apply(case, "add", actor=user, expected_version=int(form.version.data or 0),
                  text=text, effect=lambda c, e: _attach(c, checked, user, health=health))
        else:  # (no version to check: a send that overlaps another waits for it in note)
            def effect(case, event):
                add_once(case.id, checked)
                _attach(case, checked, user, health=health)

            note(case, actor=user, role="student", action="upload", text=text, effect=effect)
    except StaleCase:  # (nothing was added: the transaction is undone)
        return _document_not_added(case.id, form, checked)
    except SentTwice:  # (the same)
        return already_added(case.id, checked)
    flash(_("The documentation is added."), "success")
    return redirect(url_for("cases.show", case_id=case.id), 303)


def _document_not_added(case_id, form, checked, stale=True):
    """The note changed while the student sent a document (`stale`), or was decided before
    (the reviewer accepted it, say), so nothing was added: the page as it is now with the
    comment and the file kept to send again while documents can still be added (422), else
    the reason and the file's name; None when nothing was sent to keep. A double tap whose
    first send added the file (and moved the note on) is told so instead."""
    from portal.cases.views import case_context

    if checked is not None and (back := added_before(case_id, checked)):
        return back

    def again(case, parts, form):
        context = case_context(case, parts)
        if not context["can_add"]:
            return context, False
        hold(form, form.document, checked)
        context["document_form"] = form
        return context, True

    return refused_page(case_id, KIND.code, form, again, stale=stale,
                        also=[(form.document.label.text, checked.filename)] if checked else [])


def _document_refused(case, parts, form):
    """The case page again with the form as sent, its errors at its fields (the form's
    action ends in its own anchor, so the browser shows it there) and the comment kept; a
    browser cannot be given the file back."""
    from portal.cases.views import case_context

    context = case_context(case, parts)
    context["document_form"] = form
    return render_template(KIND.template, **context), 422


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@roles_required("student")
def withdraw(case_id):
    """The student withdraws the note; it stays in the timeline."""
    case, parts = case_for(case_id, kind="absence_note")
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        apply(case, "withdraw", actor=current_user._get_current_object(),
              expected_version=int(form.version.data or 0))
    except StaleCase:
        flash(str(STALE), "error")
    except TransitionRefused:
        # (another reviewer acted first, or the student withdrew: its state now, not a 404)
        flash(no_longer_possible(case), "error")
    else:
        flash(_("Your absence note is withdrawn. It stays in your list as withdrawn."),
              "success")
    return redirect(url_for("cases.show", case_id=case.id), 303)


def case_extra(case, parts):
    """The note's facts and the forms open to this user, for the case page."""
    note_row = AbsenceNote.get_or_none(AbsenceNote.case == case)
    actions = {t.action for t in KIND.actions(case.state, parts)}
    profile = case.school.rules
    review_form = ReviewForm(version=case.version)
    review_form.text.label.text = str(review_form.text.label.text) % student_words(case.school)
    can_review = bool(actions & set(REVIEW_ACTIONS))
    days = review.note_days(note_row, case.school_year_id) if note_row else []
    return {
        "note": note_row,
        # what accepting would do, for the reviewer to weigh before they press "Accept" (or,
        # where it leaves days on the diploma, "Accept in part", which issues a decision)
        "preview": review.preview(case, note_row, days) if can_review and note_row else None,
        "category_label": CATEGORY_LABELS.get(note_row.category, "") if note_row else "",
        "school_days": days,
        "can_review": can_review,
        "can_add": "student" in parts and case.is_open,
        "can_withdraw": "withdraw" in actions,
        "review_form": review_form,
        "document_form": DocumentForm(version=case.version),
        "profile": profile,
        "keeps_diploma_days": rules.keeps_diploma_days(profile),
    }
