"""The study-leave rules and steps; views call these and stay thin.

Every step goes through the engine (`apply`) so the state, the version check, the timeline
event and the rows that belong to the step (answers, decision, attachment) commit together.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import JOIN, SQL, fn
from peewee import Case as SqlCase

from portal.cases import decisions, engine
from portal.cases.uploads import CheckedFile, release
from portal.collation import by_name
from portal.db import Prepared, create_row, is_postgresql
from portal.filters import state_label
from portal.i18n import gettext as _
from portal.kinds.study_leave import COORDINATOR, KIND
from portal.kinds.study_leave.models import StudyLeave, TeacherAnswer
from portal.models import (
    Attachment,
    Case,
    Event,
    SchoolBreak,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)
from portal.rules import calendar
from portal.rules.calendar import school_days
from portal.rules.deadlines import Deadline, format_date

LEAD_RULE = "study_leave_lead_time"
BASIS_RULE = "study_leave_basis"
WITHDRAWAL_RULE = "study_leave_withdrawal"
GRANTED_STATES = ("granted", "completed")


class StepRefused(ValueError):
    """A step the rules do not allow now; the message is for the user."""


def today() -> date:
    """Today in Oslo (calendar.today: tests and demos may pin it with PORTAL_TODAY)."""
    return calendar.today()


def offered_at(school) -> bool:
    return LEAD_RULE in school.rules


def deadline_for(school, first_day: date) -> Deadline:
    """The last day to apply for a period starting on `first_day`."""
    return Deadline.before(first_day, school.rules.rule(LEAD_RULE))


def earliest_first_day(school, on: date) -> date:
    """The earliest first day one can still apply for on `on`."""
    return on + school.rules.rule(LEAD_RULE).period.as_timedelta()


@dataclass
class PeriodProblem:
    field: str  # "first_day" or "last_day"
    message: str


def check_period(school, first: date, last: date | None, on: date,
                 year: SchoolYear | None = None, breaks=None) -> list[PeriodProblem]:
    """Everything wrong with the period, each as a clear Norwegian message for its field.
    `last` None: not given (or no date), which its field says; what the first day alone
    shows is checked (the lead time, the school year). `year`: the school's current year on
    `on`, when the caller has it, with its `breaks` (read with it when not given)."""
    problems = []
    if last is not None and last < first:
        problems.append(PeriodProblem("last_day", _(
            "The last day (%(last)s) is before the first day (%(first)s).",
            last=format_date(last), first=format_date(first))))
    if first < on:
        problems.append(PeriodProblem("first_day", _(
            "The period has already started: the first day (%(first)s) is in the past. "
            "Apply before a period, not afterwards.", first=format_date(first))))
        return problems
    if year is None or breaks is None:
        year, breaks = SchoolYear.current_with_breaks(school, on)
    outside = [d for d in (first, last)
               if d is not None and (year is None or not year.contains(d))]
    if outside:
        problems.append(PeriodProblem(
            "first_day" if first in outside else "last_day",
            _("The period must lie within the school year %(name)s (%(start)s – %(end)s).",
              name=year.name, start=format_date(year.starts_on), end=format_date(year.ends_on))
            if year else _("The school has no school year registered for this period.")))
    elif last is not None and first <= last and not school_days(first, last, breaks):
        # independent study stands in for lessons (the tasks, then R in the register): a
        # period with none has nothing to apply for
        problems.append(PeriodProblem("first_day", _(
            "The period %(first)s – %(last)s has no school days: it falls on a weekend, public "
            "holidays or the school's breaks and days off. Independent study is for days with "
            "teaching.", first=format_date(first), last=format_date(last)) if first < last else _(
            "%(day)s is no school day: it is a weekend, a public holiday or one of the "
            "school's breaks and days off. Independent study is for days with teaching.",
            day=format_date(first))))
    deadline = deadline_for(school, first)
    if deadline.is_late(on):
        problems.append(PeriodProblem("first_day", _(
            "Too late: for a period starting %(first)s the application had to be sent by "
            "%(due)s (%(rule)s). Late applications are not processed.",
            first=format_date(first), due=format_date(deadline.due),
            rule=deadline.rule.describe())))
    return problems


def period_school_days(case, leave: StudyLeave) -> list[date]:
    """The school days of the period: weekdays that are neither Norwegian public holidays
    nor the breaks of the case's school year (one statement, for the breaks)."""
    return school_days(leave.first_day, leave.last_day, SchoolBreak.of(case.school_year_id))


def school_day_count(case, leave: StudyLeave) -> int:
    """How many school days the period holds (period_school_days)."""
    return len(period_school_days(case, leave))


def file(*, student, school, first: date, last: date, reason: str, is_sports_event: bool,
         parents_informed: bool, club_informed: bool, confirmation: CheckedFile | None,
         on: date | None = None, year: SchoolYear | None = None) -> Case:
    """Open the case: the student, the contact teacher (a copy) and the year coordinator.
    `year`: the school's current year on `on`, when the caller has it."""
    year = year or SchoolYear.current(school, on or today())
    klass = SchoolClass.of_student(student, year)
    if klass is None:
        raise StepRefused(_("You are not registered in a class this school year. "
                            "Contact the school office."))
    title = _("Independent study %(first)s – %(last)s", first=format_date(first),
              last=format_date(last))

    def effect(case):
        create_row(StudyLeave, case=case, school_class=klass, first_day=first, last_day=last,
                   reason=reason, is_sports_event=is_sports_event,
                   parents_informed=is_sports_event and parents_informed,
                   club_informed=is_sports_event and club_informed)
        if confirmation is not None:
            _attach(case, student, confirmation, "sports_confirmation")

    return engine.open_case(
        "study_leave", school=school, school_year=year, student=student, title=title,
        actor=student, participants=[(klass.contact_teacher_id, "contact_teacher"),
                                     (klass.year_coordinator_id, "year_coordinator")],
        text=reason, data={"first_day": first.isoformat(), "last_day": last.isoformat()},
        effect=effect,
        # staff answer before the period begins: the student must know before they go (work
        # queues put it first as the day nears, reminders; the decision clears it)
        staff_due_on=answer_due(first),
    )


def _attach(case, user, checked: CheckedFile, purpose: str, *, health: bool = False) -> Attachment:
    attachment = Attachment.create(case=case, uploaded_by=user, filename=checked.filename,
                                   content_type=checked.content_type, size=checked.size,
                                   sha256=checked.sha256, purpose=purpose, data=checked.data,
                                   is_health=health)
    release(checked)  # (a file kept from the form's last try: no longer held)
    return attachment


_leave_of = Prepared(lambda case_id: (
    StudyLeave.select(StudyLeave, SchoolClass)
    .join(SchoolClass, JOIN.LEFT_OUTER)  # the case page names the class
    .where(StudyLeave.case == case_id)
    .limit(1)))


def leave_of(case) -> StudyLeave:
    leave = _leave_of.first(case.id)
    if leave is None:
        raise StudyLeave.DoesNotExist(f"no study leave for case {case.id}")
    return leave


_earlier_grants = Prepared(lambda student_id, school_year_id, case_id: (
    StudyLeave.select(StudyLeave, Case)
    .join(Case)
    .where((Case.student == student_id) & (Case.school_year == school_year_id)
           & (Case.kind == "study_leave") & (Case.state.in_(GRANTED_STATES))
           & (Case.id != case_id))
    .order_by(StudyLeave.first_day, StudyLeave.id)))


def earlier_grants(case) -> list[StudyLeave]:
    """The student's other granted applications this school year, oldest period first."""
    return _earlier_grants(case.student_id, case.school_year_id, case.id)


def absence_summary(case, viewer=None):
    """The student's absence so far from the absence package, when it offers one, as
    `viewer` reads it (the days rulings on appeal keep off the diploma over the limit are
    named only to one who may open the appeal's case: absence.services.absence_summary)."""
    try:
        from portal.absence import absence_summary as summary
    except ImportError:
        return None
    return summary(case.student_id, case.school_year, school=case.school,
                   to_date=False,  # (the page shows shares of the year's lessons)
                   viewer=viewer)


def absence_line_key(figures) -> tuple:
    """What a subject's line of "Absence so far" shows (study_leave/_macros.html,
    absence_line): the line is kept (portal/fragments.py), as a coordinator opens one case
    after another and each student's figures change only when absence is registered."""
    return (figures.subject, figures.absent, figures.planned, figures.percent,
            figures.percent_undocumented, figures.late_minutes, bool(figures.warnings))


def answer_due(first_day: date) -> date:
    """When staff owe the student an answer: the day before the period begins."""
    return first_day - timedelta(days=1)


def _issue(case, event, *, outcome, summary, reasons, actor, due=None):
    """The decision; `due`: when the coordinator acts next (a grant's approval of the work)."""
    decisions.issue(case, outcome=outcome, summary=summary, reasons=reasons,
                    rule_reference=case.school.rules.rule(BASIS_RULE).cite(),
                    decided_by=actor, role="year_coordinator", decided_at=event.created_at)
    case.staff_due_on = due  # the student is answered
    Case.update(staff_due_on=due).where(Case.id == case.id).execute()


def refuse(case, *, actor, version, reasons):
    """The coordinator finds no grounds: a decision with appeal rights."""
    leave = leave_of(case)
    summary = _("Independent study %(first)s – %(last)s is refused",
                first=format_date(leave.first_day), last=format_date(leave.last_day))
    return engine.apply(case, "refuse", actor=actor, expected_version=version, text=reasons,
                        effect=lambda c, ev: _issue(c, ev, outcome="refused", summary=summary,
                                                    reasons=reasons, actor=actor))


def send_to_teachers(case, *, actor, version, text=""):
    """Grounds exist: every subject teacher of the student gets a part and an open answer."""
    return engine.apply(case, "grounds", actor=actor, expected_version=version, text=text,
                        effect=to_teachers(case))


def to_teachers(case):
    """The effect of finding grounds (the coordinator's, or a ruling's on appeal): each
    subject teacher of the student gets a part and an open answer."""
    assignments = list(TeachingAssignment.for_student(case.student, case.school_year))

    def effect(c, ev):
        for a in assignments:
            TeacherAnswer.insert(case=c, subject=a.subject, teacher=a.teacher).on_conflict_ignore(
            ).execute()
            engine.add_participant(c, a.teacher, "teacher")

    return effect


_answers = Prepared(TeacherAnswer.of_case)


def answers(case) -> list[TeacherAnswer]:
    return _answers(case.id)


_answers_shown = Prepared(lambda case_id: TeacherAnswer.of_case(case_id).select(
    TeacherAnswer, Subject.id, Subject.name, User.id, User.full_name))


def answers_shown(case) -> list[TeacherAnswer]:
    """The answers as the status block shows them: subject and teacher by name only."""
    return _answers_shown(case.id)


# The application with its class and the answers as answers_shown gives them, in one
# statement: a row per answer (one with no answer before any is asked for).
_leave_with_answers = Prepared(lambda case_id: (
    StudyLeave.select(StudyLeave, SchoolClass, TeacherAnswer, Subject.id, Subject.name, User.id,
                      User.full_name)
    .join(SchoolClass, JOIN.LEFT_OUTER)
    .switch(StudyLeave)
    .join(TeacherAnswer, JOIN.LEFT_OUTER, on=(TeacherAnswer.case == StudyLeave.case),
          attr="answer")
    .join(Subject, JOIN.LEFT_OUTER, on=(TeacherAnswer.subject == Subject.id))
    .switch(TeacherAnswer)
    .join(User, JOIN.LEFT_OUTER, on=(TeacherAnswer.teacher == User.id))
    .where(StudyLeave.case == case_id)
    .order_by(by_name(Subject.name), TeacherAnswer.id)))


def leave_and_answers(case) -> tuple[StudyLeave, list[TeacherAnswer]]:
    """leave_of(case) and answers_shown(case), as the case page needs both: on PostgreSQL in
    one statement (a round trip fewer), on SQLite in two (a statement is a function call
    there, and the application repeated in every answer's row cost more than it saved:
    +0.1 ms a page)."""
    if not is_postgresql():
        return leave_of(case), answers_shown(case)
    return joined_leave_and_answers(case)


def joined_leave_and_answers(case) -> tuple[StudyLeave, list[TeacherAnswer]]:
    """leave_and_answers in one statement, on either database."""
    rows = _leave_with_answers(case.id)
    if not rows:
        raise StudyLeave.DoesNotExist(f"no study leave for case {case.id}")
    leave = rows[0]
    answers = [row.answer for row in rows if row.answer is not None]
    del leave.answer  # (the joined answer of its row: the list is the answers)
    return leave, answers


# (case, 1 if the user's own answer is among the missing else 0) for each case that misses an
# answer: a row a case, where the teachers' missing answers would be a row each (75 on a
# coordinator's first page)
_missing_answers = Prepared(lambda case_ids, user_id: (
    TeacherAnswer.select(TeacherAnswer.case, fn.MAX(SqlCase(
        None, [(TeacherAnswer.teacher == user_id, SQL("1"))], SQL("0"))))
    .where(TeacherAnswer.case.in_(case_ids) & TeacherAnswer.decision.is_null())
    .group_by(TeacherAnswer.case)
    .tuples()))


def done_by(user, cases: list[Case], parts: dict[int, set[str]]) -> set[int]:
    """Kind.done_by: cases where `user` has nothing to do now — with the teachers, a teacher
    who has answered for each of their subjects, or the coordinator while answers are missing;
    granted, the coordinator until the period has ended (the student does the tasks, and the
    work is approved and recorded as R only after the last day: complete(); the grant sets
    staff_due_on to that day, which the lists read with the case)."""
    now = today()
    waiting = {c.id for c in cases if c.state == "granted" and COORDINATOR in parts.get(c.id, ())
               and c.staff_due_on is not None and c.staff_due_on > now}
    open_ids = [c.id for c in cases if c.state == "with_teachers"]
    if not open_ids:
        return waiting
    mine_missing, all_missing = set(), set()
    for case_id, mine in _missing_answers(open_ids, user.id):
        all_missing.add(case_id)
        if mine:
            mine_missing.add(case_id)
    coordinating = {cid for cid in open_ids if COORDINATOR in parts.get(cid, ())}
    return waiting | {cid for cid in open_ids if cid not in mine_missing
                      and not (cid in coordinating and cid not in all_missing)}


class AnswerChanged(engine.StaleCase):
    """The teacher's answer for the subject was saved elsewhere (another window) since the
    page with the form was loaded."""


def answered_token(answer: TeacherAnswer) -> str:
    """What the answer form carries of the answer the teacher saw: when it was last saved
    ("" before the first answer)."""
    return answer.answered_at.isoformat() if answer.answered_at is not None else ""


def teacher_answer(case, answer: TeacherAnswer, *, actor, seen: str, approve: bool, text: str):
    """A subject teacher approves (with the tasks) or declines (with why) for one subject.

    Each teacher answers only for their own subjects, so another subject's answer since the
    page was loaded is no conflict: the case need only still be with the teachers. The answer
    row itself is claimed in the step's transaction on what the teacher saw of it (`seen`, as
    answered_token gave it): when it was saved elsewhere meanwhile, AnswerChanged.
    The answer that completes the set says so in its event's data ("completes"): that is
    when the coordinator is told that the case waits for them (turn_begins)."""
    if answer.teacher_id != actor.id:
        raise engine.TransitionRefused("not this teacher's subject")
    decision = "approved" if approve else "declined"
    seen_at = datetime.fromisoformat(seen) if seen else None
    data = {"subject": answer.subject.code, "decision": decision}

    def effect(c, ev):
        claimed = (TeacherAnswer.update(decision=decision, text=text, answered_at=ev.created_at)
                   .where((TeacherAnswer.id == answer.id)
                          & (TeacherAnswer.answered_at.is_null() if seen_at is None
                             else TeacherAnswer.answered_at == seen_at))
                   .execute())
        if claimed != 1:
            raise AnswerChanged(f"answer {answer.id} changed since {seen or 'unanswered'}")
        if seen_at is None and not (TeacherAnswer.select()
                                    .where((TeacherAnswer.case == c)
                                           & TeacherAnswer.decision.is_null())
                                    .exists()):
            ev.data = {**data, "completes": True}
            Event.update(data=ev.data).where(Event.id == ev.id).execute()

    return engine.apply(case, "teacher_answer", actor=actor, expected_version=None,
                        text=f"{answer.subject.name}: {text}", data=data, effect=effect)


def turn_begins(action: str, data: dict | None, parts: set[str]) -> bool | None:
    """Kind.turn_begins: a subject teacher's answer tells nobody that the case waits for them
    (each teacher was told once, when it was sent to the teachers) but the coordinator, with
    the answer that completes the set."""
    if action != "teacher_answer":
        return None
    return COORDINATOR in parts and bool((data or {}).get("completes"))


def _letter(case, leave, message: str) -> str:
    lines = [message.strip()] if message.strip() else []
    for a in answers(case):
        if a.approved:
            lines.append(_("%(subject)s (%(teacher)s) – tasks: %(text)s",
                           subject=a.subject.name, teacher=a.teacher.full_name, text=a.text))
        elif a.is_answered:
            lines.append(_("%(subject)s (%(teacher)s) – the teacher declined: %(text)s",
                           subject=a.subject.name, teacher=a.teacher.full_name, text=a.text))
    return "\n\n".join(lines)


def answer_student(case, *, actor, version, grant: bool, message: str):
    """The coordinator answers once every teacher has: granted (tasks included) or refused."""
    waiting = [a for a in answers(case) if not a.is_answered]
    if waiting:
        raise StepRefused(_("Wait until every subject teacher has answered (missing: "
                            "%(subjects)s).", subjects=", ".join(a.subject.name for a in waiting)))
    leave = leave_of(case)
    period = {"first": format_date(leave.first_day), "last": format_date(leave.last_day)}
    if grant:
        summary = _("Independent study %(first)s – %(last)s is granted", **period)
    else:
        summary = _("Independent study %(first)s – %(last)s is refused", **period)
    reasons = _letter(case, leave, message)
    return engine.apply(
        case, "grant" if grant else "refuse_answer", actor=actor, expected_version=version,
        text=message,
        effect=lambda c, ev: _issue(c, ev, outcome="granted" if grant else "refused",
                                    summary=summary, reasons=reasons, actor=actor,
                                    due=completion_opens(leave) if grant else None))


def add_documentation(case, *, actor, version, checked: CheckedFile):
    """The student's documentation of the absence in the period, in place of an absence
    note: as a note's, it may be a doctor's note, so it is kept as a health document (only
    the student and the year coordinator open it, and every opening is logged)."""
    return engine.apply(case, "add_documentation", actor=actor, expected_version=version,
                        text=checked.filename,
                        effect=lambda c, ev: _attach(c, actor, checked, "documentation",
                                                     health=True))


# --- the absence note for the period -------------------------------------------------------

NOTE_KIND = "absence_note"
NOTE_UNUSABLE_STATES = ("refused", "withdrawn")


def _note_period(note) -> tuple[date, date] | None:
    if note.scope == "days" and note.first_day is not None:
        return note.first_day, note.last_day or note.first_day
    if note.lesson_day is not None:
        return note.lesson_day, note.lesson_day
    return None


@functools.cache
def _note_queries() -> tuple[Prepared, Prepared] | None:
    """(the student's absence notes this school year that still stand: not refused or
    withdrawn, not a correction request, with their cases and school years, newest first;
    an absence note with its case, by the case's id), or None without the absence-note
    kind."""
    try:
        from portal.kinds.absence_note.models import AbsenceNote
    except ImportError:
        return None
    standing = Prepared(lambda student_id, school_year_id: (
        AbsenceNote.select(AbsenceNote, Case, SchoolYear)
        .join(Case).join(SchoolYear)
        .where((Case.student == student_id) & (Case.school_year == school_year_id)
               & (Case.kind == NOTE_KIND) & Case.state.not_in(NOTE_UNUSABLE_STATES)
               & (AbsenceNote.category != "correction"))
        .order_by(Case.id.desc())))
    by_case = Prepared(lambda case_id: (
        AbsenceNote.select(AbsenceNote, Case).join(Case)
        .where(AbsenceNote.case == case_id).limit(1)))
    return standing, by_case


def note_candidates(case, leave: StudyLeave | None = None) -> list[tuple[Case, object]]:
    """The student's standing absence notes this school year that overlap the period:
    (case, note), newest first. The school year comes along: the choices show each case's
    reference, which reads it. `leave`: the application, when the caller has it."""
    queries = _note_queries()
    if queries is None:
        return []
    leave = leave or leave_of(case)
    result = []
    for note in queries[0](case.student_id, case.school_year_id):
        period = _note_period(note)
        if period and period[0] <= leave.last_day and period[1] >= leave.first_day:
            result.append((note.case, note))
    return result


def linked_note(leave: StudyLeave):
    """The linked absence note's case and note, or (None, None)."""
    if leave.absence_note_id is None:
        return None, None
    queries = _note_queries()
    if queries is None:
        return Case.get_or_none(Case.id == leave.absence_note_id), None
    note = queries[1].first(leave.absence_note_id)
    return (note.case, note) if note is not None else (None, None)


def link_absence_note(case, *, actor, version, note_case_id: int,
                      leave: StudyLeave | None = None):
    """Student: link one of their absence notes covering (part of) the period. `leave`: the
    application, when the caller has it."""
    chosen = {c.id: (c, n) for c, n in note_candidates(case, leave)}.get(note_case_id)
    if chosen is None:
        raise StepRefused(_("Choose one of your absence notes that covers the period."))
    note_case, _note = chosen

    def effect(c, ev):
        StudyLeave.update(absence_note=note_case.id).where(StudyLeave.case == c).execute()

    return engine.apply(case, "link_absence_note", actor=actor, expected_version=version,
                        text=note_case.reference, data={"absence_note": note_case.id},
                        effect=effect)


# (the highest id a case can have: a larger number in a link is no case, not an error)
_MAX_ID = 2**31 - 1

_own_leave = Prepared(lambda case_id, student_id: (
    StudyLeave.select(StudyLeave, Case, SchoolYear)
    .join(Case).join(SchoolYear)
    .where((StudyLeave.case == case_id) & (Case.student == student_id))
    .limit(1)))


def own_leave(student, case_id: str | None) -> StudyLeave | None:
    """The application of case `case_id` (as the link to the absence-note form from its page
    gives it) with its case and school year, when it is `student`'s own; None for anything
    else (another student's case, no such case, not a number): as if the link gave none."""
    if not case_id or not case_id.isascii() or not case_id.isdigit() or int(case_id) > _MAX_ID:
        return None
    return _own_leave.first(int(case_id), student.id)


def links_notes(leave: StudyLeave) -> bool:
    """Whether an absence note can be linked to the application in the state it is in (its
    case as own_leave read it), as the absence-note form tells the student it will be."""
    return KIND.transition(leave.case.state, "link_absence_note") is not None


def link_filed_note(leave: StudyLeave, note_case: Case, *, actor) -> str | None:
    """Link the absence note the student files from the application's page (`leave`, as
    own_leave gave it) as the link step does, with its checks and its event, in the note's
    filing transaction: None when linked, else why it was not and how to link one, for the
    student (the note is filed all the same)."""
    case = leave.case
    period = {"ref": case.reference, "first": format_date(leave.first_day),
              "last": format_date(leave.last_day)}
    try:
        link_absence_note(case, actor=actor, version=None, note_case_id=note_case.id,
                          leave=leave)
    except StepRefused:
        return _("It was not linked to your application for independent study %(ref)s: only "
                 "an absence note of yours for days in its period, %(first)s – %(last)s, can "
                 "be linked. To link one, open the application: choose a note for the period "
                 "under \u201cAbsence note for the period\u201d, or write one there.", **period)
    except engine.TransitionRefused:
        now = Case.get_by_id(case.id)  # (its state may have changed since it was read)
        return _("It was not linked to your application for independent study %(ref)s: the "
                 "application is now \u201c%(state)s\u201d, and an absence note can be linked "
                 "only while it is granted.", ref=period["ref"], state=state_label(now))
    return None


def _record_period_as_r(case, leave: StudyLeave) -> int:
    """Cover each school day of the period as R (organised study work, not absence) in the
    absence register, in each subject whose teacher approved the leave (a declined subject's
    lessons stay absence: the student had no study work agreed there), and re-flag the
    lessons already recorded; returns the days covered."""
    try:
        from portal.absence import AbsenceCover, apply_covers
        from portal.absence.rules import STUDY_WORK
    except ImportError:
        return 0
    days = period_school_days(case, leave)
    subjects = [a.subject_id for a in answers(case) if a.approved]
    rows = [{"student": case.student_id, "school_year": case.school_year_id, "case": case.id,
             "date": day, "subject": subject, "category": STUDY_WORK, "documented": True,
             "struck": False} for day in days for subject in subjects]
    if rows:
        AbsenceCover.insert_many(rows).execute()
    apply_covers(case.student, case.school_year)
    return len(days)


def task_done(case, answer: TeacherAnswer, *, actor, version):
    if not answer.approved or answer.case_id != case.id:
        raise StepRefused(_("There is no such task in this case."))

    def effect(c, ev):
        TeacherAnswer.update(done=True, done_at=ev.created_at).where(
            TeacherAnswer.id == answer.id).execute()

    return engine.apply(case, "task_done", actor=actor, expected_version=version,
                        text=answer.subject.name, data={"subject": answer.subject.code},
                        effect=effect)


def open_tasks(case) -> list[TeacherAnswer]:
    return [a for a in answers(case) if a.approved and not a.done]


def completion_opens(leave: StudyLeave) -> date:
    """The first day the work can be approved and the period recorded as R: the day after
    its last day (Oslo time), when the period has run in full."""
    return leave.last_day + timedelta(days=1)


def complete(case, *, actor, version, text=""):
    """Only once the period has ended, every task is done and the work shown: approved and
    recorded as R."""
    leave = leave_of(case)
    opens = completion_opens(leave)
    if today() < opens:
        raise StepRefused(_(
            "The period runs until %(last)s: the work can be approved and the period "
            "recorded as R from %(opens)s, the day after its last day.",
            last=format_date(leave.last_day), opens=format_date(opens)))
    missing = open_tasks(case)
    if missing:
        raise StepRefused(_("Not every task is marked as done yet (missing: %(subjects)s).",
                            subjects=", ".join(a.subject.name for a in missing)))

    def effect(c, ev):
        StudyLeave.update(registered_r_at=utcnow()).where(StudyLeave.case == c).execute()
        _record_period_as_r(c, leave)

    return engine.apply(case, "complete", actor=actor, expected_version=version, text=text,
                        effect=effect)


def close(case, *, actor, version, text):
    return engine.apply(case, "close", actor=actor, expected_version=version, text=text)


def withdrawal_deadline(school, leave: StudyLeave) -> Deadline | None:
    """The last day the student may withdraw a granted application: the profile's rule
    before the period's first day (vgs: the day before it), or None where the profile has
    no such rule (a granted application then stays)."""
    if WITHDRAWAL_RULE not in school.rules:
        return None
    return Deadline.before(leave.first_day, school.rules.rule(WITHDRAWAL_RULE))


def _late_withdrawal(school, leave: StudyLeave, on: date) -> str | None:
    """Why a granted application can no longer be withdrawn on `on`, or None while it can:
    once the period has begun the student does the tasks and shows the work, or the case is
    closed as not completed (withdrawing then would escape that)."""
    deadline = withdrawal_deadline(school, leave)
    if deadline is None:
        return _("A granted application cannot be withdrawn.")
    if not deadline.is_late(on):
        return None
    return _("You can no longer withdraw the application: a granted application can be "
             "withdrawn until %(due)s, %(amount)s before the period's first day (%(first)s), "
             "%(cite)s. Now you do the tasks and show the work, or the case is closed as not "
             "completed.", due=format_date(deadline.due), amount=deadline.rule.amount(),
             first=format_date(leave.first_day), cite=deadline.rule.cite())


def withdrawal_refused(case, leave: StudyLeave | None = None) -> str | None:
    """Kind.withdrawal_refused: why the student may not withdraw the case now though its
    state allows it, or None. Before the answer, always; granted, until withdrawal_deadline.
    `leave`: the application, when the caller has it."""
    if case.state != "granted":
        return None
    return _late_withdrawal(case.school, leave or leave_of(case), today())


def withdraw(case, *, actor, version, text=""):
    """The student withdraws the application: before the answer, or once granted until the
    profile's last day before the period (withdrawal_deadline). The rule is checked inside
    the step's transaction, on the state the version check found (the event's state_before):
    StepRefused, and nothing is stored, from the first day on."""
    def effect(c, ev):
        if ev.state_before == "granted" and (
                why := _late_withdrawal(c.school, leave_of(c), today())):
            raise StepRefused(why)

    return engine.apply(case, "withdraw", actor=actor, expected_version=version, text=text,
                        effect=effect)
