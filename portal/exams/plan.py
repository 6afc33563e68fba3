"""The exam rules: withdrawal before the profile's limit, sick notes within its window,
attempts against its maximum. Views call these; every number comes from the profile."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time

from peewee import fn

from portal.collation import by_name
from portal.db import database
from portal.exams.models import Exam, ExamRegistration, ExamSickNote, ExamSickNoteAccess
from portal.i18n import gettext as _
from portal.models import School, SchoolClass, Subject, User, utcnow
from portal.models.people import holders
from portal.rules import calendar as cal
from portal.rules.deadlines import Deadline, format_date, latest_moment_before

WITHDRAWAL_RULE = "exam_withdrawal_before"
SICK_NOTE_RULE = "exam_sick_note_within"
MAX_ATTEMPTS_RULE = "exam_max_attempts"

# A registration whose doctor's note is in effect: documented absence, no attempt, no grade.
# (A note refused or withdrawn, were there such a step, would set the status back: the
# registration can then be graded again, since everything here reads the status.)
SICK_DOCUMENTED = "sick_documented"

# The kinds whose open cases ask about an exam's grade (the appeal on it, the appeal on a
# formal error at its exam, the request for its justification): kind code -> (the model that
# names the case and the grade, why(grade, exam) -> the text its lapse gives, or None for
# lapsed_text). When a doctor's note sets the grade aside, file_sick_note closes them in its
# transaction (lapse_cases_on); feature packages add theirs (lapse_on_set_aside).
LAPSING_ON_SET_ASIDE: dict[str, tuple] = {}


def lapse_on_set_aside(kind: str, link, why: Callable[..., str] | None = None) -> None:
    """Let the open cases of `kind` lapse when a doctor's note sets aside the grade they ask
    about (LAPSING_ON_SET_ASIDE): `link` names the case and the grade, `why(grade, exam)`
    what the timeline says."""
    LAPSING_ON_SET_ASIDE[kind] = (link, why)


class ExamRuleError(ValueError):
    """An action the profile's exam rules refuse; the message names the date and the rule."""


def to_utc(day: date, at: time) -> datetime:
    """Naive UTC for a wall-clock time in Oslo (what the exam office types)."""
    return datetime.combine(day, at, tzinfo=cal.OSLO).astimezone(UTC).replace(tzinfo=None)


def exam_day(exam: Exam) -> date:
    return cal.oslo_date(exam.starts_at)


def _rule(exam: Exam, key: str):
    profile = exam.school.rules
    return profile.rule(key) if key in profile else None


def withdrawal_limit(exam: Exam) -> datetime | None:
    """The last moment (Oslo) the student can withdraw; None when the profile has no rule."""
    rule = _rule(exam, WITHDRAWAL_RULE)
    return None if rule is None else latest_moment_before(exam.starts_at, rule)


def withdrawal_text(exam: Exam) -> str | None:
    rule = _rule(exam, WITHDRAWAL_RULE)
    if rule is None:
        return None
    limit = withdrawal_limit(exam)
    return _("You can withdraw until %(when)s (%(rule)s).",
             when=f"{format_date(limit.date())} kl. {limit:%H:%M}", rule=rule.describe())


def can_withdraw(reg: ExamRegistration, at: datetime | None = None) -> bool:
    limit = withdrawal_limit(reg.exam)
    at = cal.to_oslo(at or cal.utcnow())
    return reg.status == "registered" and limit is not None and at <= limit


def withdrawal_refusal(reg: ExamRegistration, at: datetime | None = None) -> str | None:
    """Why the student cannot withdraw from the exam now, or None."""
    if reg.status != "registered":
        return _("You are not registered for this exam.")
    if withdrawal_limit(reg.exam) is None:
        return _("Your school does not allow withdrawal in the portal. Contact the exam "
                 "office.")
    if not can_withdraw(reg, at):
        return withdrawal_late_text(reg.exam)
    return None


def withdraw(reg: ExamRegistration, at: datetime | None = None) -> None:
    if why := withdrawal_refusal(reg, at):
        raise ExamRuleError(why)
    _set_status(reg, "withdrawn")


def withdrawal_late_text(exam: Exam) -> str:
    limit = withdrawal_limit(exam)
    return _("Too late to withdraw: the limit was %(when)s (%(rule)s).",
             when=f"{format_date(limit.date())} kl. {limit:%H:%M}",
             rule=_rule(exam, WITHDRAWAL_RULE).describe())


def sick_note_deadline(exam: Exam) -> Deadline | None:
    """The doctor's note is due within the profile's window after the exam day."""
    rule = _rule(exam, SICK_NOTE_RULE)
    return None if rule is None else Deadline.after(exam_day(exam), rule, roll=False)


def graded(regs) -> set[int]:
    """The ids of those of `regs` that have a published passing grade, in one query (the
    student's list asks it for every row): the exam was completed (sick_note_refusal). A
    grade not yet published is not the student's to learn of here; a failing one may be
    what an undocumented absence from the exam, or leaving it ill, was graded (§ 4-6 (1):
    "ansees å ha fremstilt seg"), which a note within its week still undoes: the note sets
    that grade aside (file_sick_note)."""
    from portal.grades.models import FAILING, Grade

    ids = [reg.id for reg in regs]
    if not ids:
        return set()
    return {row.registration_id for row in
            Grade.select(Grade.registration).where(
                Grade.registration.in_(ids) & Grade.published_at.is_null(False)
                & Grade.grade.not_in(FAILING)).distinct()}


def sick_note_refusal(reg: ExamRegistration, at: datetime | None = None,
                      has_grade: bool | None = None) -> str | None:
    """Why the student cannot send a doctor's note for the exam now, or None. `has_grade`
    spares the query when the caller knows it (plan.graded).

    The note covers a student who fell ill before the exam or during it and left (havbruk's
    forskrift § 4-6 (1)-(2); NKI's eksamensreglement, forfall og sykdom under eksamen): such a
    student has no passing grade. An exam passed was completed, and a note afterwards cannot
    take back the attempt (`graded`)."""
    at = at or cal.utcnow()
    deadline = sick_note_deadline(reg.exam)
    if deadline is None:
        return _("Your school takes sick notes for exams at the exam office.")
    if reg.exam.starts_at > at:
        return _("A sick note can be sent from the start of the exam. To stay away from an "
                 "exam, withdraw from it.")
    if deadline.is_late(at):
        return _("Too late for a sick note: %(deadline)s",
                 deadline=deadline.describe(cal.oslo_date(at)))
    if reg.status not in ("registered", "attended"):
        return _("You are not registered for this exam.")
    if has_grade if has_grade is not None else reg.id in graded([reg]):
        return _("You cannot send a sick note for this exam: you completed it and passed it. "
                 "A sick note is for a student who falls ill before the exam, or during it and "
                 "leaves (%(rule)s).",
                 rule=_rule(reg.exam, SICK_NOTE_RULE).cite())
    return None


def can_file_sick_note(reg: ExamRegistration, at: datetime | None = None,
                       has_grade: bool | None = None) -> bool:
    return sick_note_refusal(reg, at, has_grade) is None


def file_sick_note(reg: ExamRegistration, checked, explanation: str = "",
                   at: datetime | None = None) -> ExamSickNote:
    """Store the doctor's note; the attempt no longer counts, a published failing grade is
    set aside (set_aside_failing_grade: `note.set_aside` is that grade, or None), what asks
    about it lapses (LAPSING_ON_SET_ASIDE: lapse_cases_on), and the
    exam office of the school is told (in the same transaction). The registration is locked
    and read again first (lock_registrations): what the refusal weighs (its status, a
    published grade) is then what another transaction recording, publishing or re-grading
    its grade has committed."""
    at = at or cal.utcnow()
    with database.atomic():
        lock_registrations(ExamRegistration.id == reg.id)
        reg.status = ExamRegistration.get_by_id(reg.id).status
        if why := sick_note_refusal(reg, at):
            raise ExamRuleError(why)
        note = ExamSickNote.create(registration=reg, filename=checked.filename,
                                   content_type=checked.content_type, size=checked.size,
                                   sha256=checked.sha256, data=checked.data,
                                   explanation=explanation, uploaded_at=at)
        _set_status(reg, SICK_DOCUMENTED)
        note.set_aside = set_aside_failing_grade(reg, at)
        if note.set_aside is not None:
            for kind, (link, why) in LAPSING_ON_SET_ASIDE.items():
                lapse_cases_on(note.set_aside, kind, link, why)
        _tell_exam_office(note, reg.exam)
    return note


def set_aside_failing_grade(reg: ExamRegistration, at: datetime):
    """Set aside the registration's published failing grade, if that is its result, and
    return it (else None): call it in the transaction of the note, after lock_registrations.

    An absence not documented is graded as an exam sat (havbruk: forskriften § 4-6 (1):
    "ansees å ha fremstilt seg"), and so is leaving it ill; the note within its window
    documents the absence, and then the exam counts as no attempt and has no grade (§ 4-6
    (1)-(2)). So that grade is no longer the result: kept in the record, marked as set aside
    for documented absence (Grade.set_aside_at, set_aside_because), it no longer counts
    anywhere the grade that counts is read (portal.grades.current_grades), nor can it be
    appealed or its justification asked for (student_grade_or_404). A passing grade refuses
    the note (sick_note_refusal); one not published stays unpublished (the grades page)."""
    from portal.grades import current_grade
    from portal.grades.models import DOCUMENTED_ABSENCE, FAILING, Grade

    grade = current_grade(reg)
    if grade is None or not grade.is_published or grade.grade not in FAILING:
        return None
    Grade.update(set_aside_at=at, set_aside_because=DOCUMENTED_ABSENCE).where(
        Grade.id == grade.id).execute()
    grade.set_aside_at, grade.set_aside_because = at, DOCUMENTED_ABSENCE
    return grade


def lapse_cases_on(grade, kind: str, link, why: Callable[..., str] | None = None) -> None:
    """Close as lapsed ("bortfalt") the open cases of `kind` that ask about `grade`, which a
    doctor's note has just set aside (file_sick_note, LAPSING_ON_SET_ASIDE: in the note's
    transaction, after it locked the registration), or about an earlier grade of its
    registration that it replaced (an appeal's new grade): what they ask about is no longer
    the student's result. `link` is the kind's model that names the case and the grade (its
    `case` and `grade` fields). Each is closed through the kind's step (engine.lapse), with
    its timeline event (why(grade, exam), else lapsed_text) and notifications, and leaves
    every list of work. The cases are held first (PostgreSQL: FOR NO KEY UPDATE), so that a
    step taken on one at the same moment is committed before its state is read here, or
    waits for the note and finds it closed."""
    from portal.cases.engine import lapse
    from portal.cases.kinds import LAPSE, get_kind
    from portal.grades.models import Grade
    from portal.models import Case

    lapsing = [t.state for t in get_kind(kind).transitions if t.action == LAPSE]
    query = (Case.select().join(link, on=(link.case == Case.id))
             .join(Grade, on=(link.grade == Grade.id))
             .where((Grade.registration == grade.registration_id) & Case.state.in_(lapsing))
             .order_by(Case.id))
    if database.for_update:
        query = query.for_update("FOR NO KEY UPDATE")
    cases = list(query)
    if not cases:
        return
    exam = grade.registration.exam
    text = why(grade, exam) if why is not None else lapsed_text(exam)

    def effect(case, event):
        case.staff_due_on = None
        case.save()

    for case in cases:
        lapse(case, text=text, effect=effect)


def lapsed_text(exam: Exam) -> str:
    """Why an appeal on a grade set aside lapsed, naming the rule of the exam's profile (the
    timeline's text, which those who grade blind are not shown)."""
    profile = exam.school.rules
    if SICK_NOTE_RULE not in profile:
        return _("The grade appealed is set aside because the absence is documented: it is no "
                 "longer the result, and there is nothing left to appeal.")
    return _("The grade appealed is set aside because the absence is documented (%(rule)s): "
             "it is no longer the result, and there is nothing left to appeal.",
             rule=profile.rule(SICK_NOTE_RULE).cite())


def set_aside_text(grade, school: School, tell_note: bool = False) -> str:
    """What became of a grade set aside by a doctor's note, naming the rule of the profile of
    `school` (the exam's). `tell_note`: that it was a doctor's note, for the student and the
    exam office; for anyone else (the examiners) only that the absence was valid
    (no_grade_text)."""
    from portal.grades.forms import grade_label

    profile = school.rules
    rule = profile.rule(SICK_NOTE_RULE) if SICK_NOTE_RULE in profile else None
    facts = {"grade": grade_label(grade.grade),
             "date": format_date(cal.oslo_date(grade.published_at))}
    if not tell_note:
        if rule is None:
            return _("The grade %(grade)s, published %(date)s, is set aside: valid absence, "
                     "and the exam does not count as an attempt.", **facts)
        return _("The grade %(grade)s, published %(date)s, is set aside: valid absence, and "
                 "the exam does not count as an attempt (%(rule)s).", rule=rule.cite(), **facts)
    if rule is None:
        return _("The grade %(grade)s, published %(date)s, is set aside because of the "
                 "doctor's note: the absence is documented, and the exam does not count as an "
                 "attempt.", **facts)
    return _("The grade %(grade)s, published %(date)s, is set aside because of the doctor's "
             "note: the absence is documented, and the exam does not count as an attempt "
             "(%(rule)s).", rule=rule.cite(), **facts)


def lock_registrations(where) -> None:
    """Make a transaction that records, publishes or excuses the grade of exam registrations
    (those `where` picks) take turns with any other doing so: call it first inside the
    transaction, and read the registrations after it. PostgreSQL: the rows, locked until the
    transaction ends (FOR NO KEY UPDATE: a grade that refers to one is not held up, nor are
    reads); SQLite: its one writer does it (every transaction begins IMMEDIATE)."""
    if database.for_update:
        list(ExamRegistration.select(ExamRegistration.id).where(where)
             .order_by(ExamRegistration.id).for_update("FOR NO KEY UPDATE"))


def has_sick_note(reg: ExamRegistration) -> bool:
    """Whether a doctor's note is in effect for the registration: the exam gets no grade."""
    return reg.status == SICK_DOCUMENTED


def no_grade_text(exam: Exam, tell_note: bool = False) -> str:
    """Why a registration with a doctor's note in effect gets no grade, naming the profile's
    rule (havbruk: forskriften § 4-6: absence documented is valid absence, and the exam does
    not count as an attempt). `tell_note`: that a doctor's note was sent, for the exam office.
    Anyone else who grades (examiners, the new examiners of an appeal) is told only that the
    absence is valid and the candidate gets no grade: that a named candidate sent a doctor's
    note is health information (GDPR art. 9), which grading does not need."""
    rule = _rule(exam, SICK_NOTE_RULE)
    if not tell_note:
        if rule is None:
            return _("Valid absence – no grade.")
        return _("Valid absence – no grade (%(rule)s).", rule=rule.cite())
    if rule is None:
        return _("A doctor's note for this exam is in effect: the absence is documented, and "
                 "the exam gets no grade.")
    return _("A doctor's note for this exam is in effect: the absence is documented, and the "
             "exam gets no grade (%(rule)s).", rule=rule.cite())


def _tell_exam_office(note: ExamSickNote, exam: Exam) -> None:
    """A notification to each of the exam office that a note has come (they arrange the
    postponed exam, havbruk § 4-7), e-mail unless switched off: the e-mail, as for absence,
    only that there is news (a doctor's note tells of health). Through portal/notifications
    when it is installed; the note stands without it."""
    try:
        from portal.notifications.notify import deliver
    except ImportError:
        return
    for user in holders(exam.school_id, "exam_office"):
        deliver(user, None, "action_needed", "exam_sick_note",
                dedupe_key=f"exam-sick-note:{note.id}:user:{user.id}")


def sick_notes_of(where, comment: bool = False):
    """Doctor's notes with their registration, student, exam, subject and school, without
    the document itself (`where` picks them), oldest first. The student's comment
    (`explanation`: it may tell of health) only with `comment`, for the page that logs its
    opening (views.sick_note_page); else `has_comment` says whether there is one."""
    text = (ExamSickNote.explanation if comment
            else (ExamSickNote.explanation != "").alias("has_comment"))
    return (ExamSickNote.select(ExamSickNote.id, ExamSickNote.registration,
                                ExamSickNote.filename, ExamSickNote.size, text,
                                ExamSickNote.uploaded_at, ExamRegistration, User, Exam, Subject,
                                School)
            .join(ExamRegistration)
            .join(User, on=(ExamRegistration.student == User.id))
            .switch(ExamRegistration)
            .join(Exam)
            .join(Subject)
            .switch(Exam)
            .join(School)
            .where(where)
            .order_by(ExamSickNote.uploaded_at, ExamSickNote.id))


def opened(note: ExamSickNote, user: User, part: str) -> None:
    """Log an opening of a doctor's note (a health document: every opening is logged)."""
    ExamSickNoteAccess.create(note=note, user=user, part=part, opened_at=utcnow())


def _set_status(reg: ExamRegistration, status: str) -> None:
    reg.status = status
    reg.changed_at = utcnow()
    reg.save()


def max_attempts(school) -> int | None:
    profile = school.rules
    return int(profile.value(MAX_ATTEMPTS_RULE)) if MAX_ATTEMPTS_RULE in profile else None


def attempts_used(student: User, subject) -> int:
    """Registrations in the subject that count: not withdrawn, not excused by a sick note."""
    return (
        ExamRegistration.select(fn.COUNT(ExamRegistration.id))
        .join(Exam)
        .where((ExamRegistration.student == student) & (Exam.subject == subject)
               & ExamRegistration.status.in_(("registered", "attended")))
        .scalar()
    ) or 0


def register(exam: Exam, student: User) -> ExamRegistration:
    """Register one student; refused when the profile's attempts are used up, and for a
    registration whose doctor's note is in effect, which is left as it is: registered again,
    the note would lose its effect (the attempt would count, the exam be graded). The
    registration is locked and read again first (lock_registrations), so that a note sent
    at the same moment is seen here or waits for this."""
    with database.atomic():
        lock_registrations((ExamRegistration.exam == exam)
                           & (ExamRegistration.student == student))
        existing = ExamRegistration.get_or_none(exam=exam, student=student)
        if existing is not None and existing.status == "registered":
            return existing
        if existing is not None and has_sick_note(existing):
            raise ExamRuleError(sick_note_kept_text(exam, student.full_name))
        used = attempts_used(student, exam.subject)
        limit = max_attempts(exam.school)
        if limit is not None and used >= limit:
            rule = exam.school.rules.rule(MAX_ATTEMPTS_RULE)
            raise ExamRuleError(_("%(name)s has used all %(n)s attempts at this exam "
                                  "(%(rule)s).", name=student.full_name, n=limit,
                                  rule=rule.cite()))
        if existing is not None:  # withdrawn earlier, registered again
            existing.attempt = used + 1
            _set_status(existing, "registered")
            return existing
        return ExamRegistration.create(exam=exam, student=student, attempt=used + 1)


def sick_note_kept_text(exam: Exam, name: str) -> str:
    """Why the registration of `name` is not registered again: a doctor's note is in effect
    for it, naming the profile's rule."""
    rule = _rule(exam, SICK_NOTE_RULE)
    if rule is None:
        return _("%(name)s has a doctor's note in effect for this exam: the absence is "
                 "documented, and the exam does not count as an attempt. The registration is "
                 "left as it is.", name=name)
    return _("%(name)s has a doctor's note in effect for this exam: the absence is documented, "
             "and the exam does not count as an attempt (%(rule)s). The registration is left "
             "as it is.", name=name, rule=rule.cite())


def register_class(exam: Exam, school_class: SchoolClass) -> tuple[int, list[str], int]:
    """Register every student of a class who is not registered for the exam already; the
    number registered, the refusals, and the number left as they are because a doctor's note
    is in effect for their registration (register)."""
    added, refused, excused = 0, [], 0
    with database.atomic():
        for student in school_class.students():
            existing = ExamRegistration.get_or_none(exam=exam, student=student)
            if existing is not None:
                if has_sick_note(existing):
                    excused += 1
                continue
            try:
                register(exam, student)
                added += 1
            except ExamRuleError as exc:
                refused.append(str(exc))
    return added, refused, excused


def sick_notes_kept_text(exam: Exam, n: int, school_class: SchoolClass) -> str:
    """Registering a class: how many of it were left as they are, a doctor's note being in
    effect for them, naming the profile's rule."""
    rule = _rule(exam, SICK_NOTE_RULE)
    if rule is None:
        return _("%(n)s of %(cls)s have a doctor's note in effect for this exam and are left as "
                 "they are: the absence is documented, and the exam does not count as an "
                 "attempt.", n=n, cls=school_class.name)
    return _("%(n)s of %(cls)s have a doctor's note in effect for this exam and are left as they "
             "are: the absence is documented, and the exam does not count as an attempt "
             "(%(rule)s).", n=n, cls=school_class.name, rule=rule.cite())


def exams_of(school, school_year):
    """The plan's exams with their subjects (joined: the plan names each exam's subject)."""
    return (Exam.select(Exam, Subject)
            .join(Subject)
            .where((Exam.school == school) & (Exam.school_year == school_year))
            .order_by(Exam.starts_at))


def registrations_of(student: User, school_year=None):
    """The student's registrations with exam, subject and school joined: the pages name the
    subject and read the deadlines from the school's profile for every row."""
    query = (ExamRegistration.select(ExamRegistration, Exam, Subject, School)
             .join(Exam)
             .join(Subject)
             .switch(Exam)
             .join(School)
             .where(ExamRegistration.student == student)
             .order_by(Exam.starts_at))
    if school_year is not None:
        query = query.where(Exam.school_year == school_year)
    return query


def classes_of(school, school_year):
    return (SchoolClass.select()
            .where((SchoolClass.school == school) & (SchoolClass.school_year == school_year))
            .order_by(by_name(SchoolClass.name)))


def students_of_exam(exam: Exam):
    return (User.select(User, ExamRegistration)
            .join(ExamRegistration, on=(ExamRegistration.student == User.id))
            .where(ExamRegistration.exam == exam)
            .order_by(by_name(User.full_name), User.id))

