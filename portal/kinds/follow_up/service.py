"""Reporting a concern: a new follow-up case, or one more concern on the student's open one."""

from peewee import IntegrityError
from werkzeug.exceptions import BadRequest

from portal.cases.engine import AlreadyFiled, add_participant, hold_student, note, open_case
from portal.collation import by_name
from portal.db import database
from portal.filters import role_label
from portal.forms import sent_form_token
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.kinds.follow_up.models import Concern, FollowUp
from portal.models import Case, Participant, SchoolClass, User
from portal.models.people import holders

KIND = "follow_up"
RULE = "follow_up_decision"

REASONS = {
    "academic_difficulty": _l("Academic difficulty"),
    "low_attendance": _l("Low attendance"),
    "low_progression": _l("Low study progression"),
    "missing_work": _l("Missing or failed mandatory work"),
}


def available(school) -> bool:
    """Follow-up of students at risk is a fagskole procedure: profiles that name its rule."""
    return RULE in school.rules


def coordinators(student, school, school_year) -> list[User]:
    klass = SchoolClass.of_student(student, school_year)
    if klass is not None and klass.cohort_coordinator_id:
        return [klass.cohort_coordinator]
    return holders(school, "cohort_coordinator")


# The parts that meet to decide a follow-up case [000], in the order the record names them.
MEETING_PARTS = ("department_head", "principal", "cohort_coordinator")


def meeting_attendees(case, recorder: User, present: set[str]) -> list[tuple[str, list[str]]]:
    """Who took part in the meeting that decides `case`, each once by name with their parts in
    it: the department head who records it (`recorder`, first), and everyone still active who
    holds one of the parts in `present` (those ticked as there) in the case."""
    rows = (Participant.select(Participant, User).join(User)
            .where((Participant.case == case) & Participant.part.in_(MEETING_PARTS) & User.active
                   & (Participant.part.in_(sorted(present)) | (Participant.user == recorder)))
            .order_by(by_name(User.full_name), User.id))
    found = {recorder.id: (recorder.full_name, set())}
    for row in rows:
        found.setdefault(row.user_id, (row.user.full_name, set()))[1].add(row.part)
    return [(name, [part for part in MEETING_PARTS if part in parts])
            for name, parts in found.values()]


def named(attendees) -> list[str]:
    """Those who took part in the meeting, (name, parts) each, as its record names them:
    "Randi Rektor (Rektor)"."""
    return [f"{name} ({', '.join(role_label(part) for part in parts)})"
            for name, parts in attendees]


def decision_text(outcome: str, attendees) -> str:
    """The decision's entry in the timeline: the outcome (in words) and who took part in the
    meeting (meeting_attendees)."""
    return _("%(outcome)s. Present: %(names)s.", outcome=outcome,
             names=", ".join(named(attendees)))


def open_case_of(student, school_year) -> Case | None:
    return (Case.select().where((Case.kind == KIND) & (Case.student == student)
                                & (Case.school_year == school_year) & Case.is_open)
            .order_by(Case.id.desc()).first())


def report_concern(student: User, subject, reason: str, reported_by: User | None,
                   text: str, *, school=None, school_year=None) -> Case:
    """Report a concern about `student` in `subject` (a Subject or None); `reported_by` None
    means the absence limits reported it. Adds to the student's open follow-up case, or
    opens one with the cohort coordinator, department head(s) and principal(s).

    A teacher's report keeps the token of the form it was sent with (forms.FilingForm) on
    its concern: the same form sent again (a double tap, the browser sending it again) adds
    nothing, and AlreadyFiled names the case the first send went to; a token of another
    teacher's report, or of a report about another student, is refused as a bad request."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}; known: {', '.join(REASONS)}")
    if school is None:
        school = subject.school if subject is not None else next(iter(student.schools()), None)
    school_year = school_year or school.current_year()
    role = "teacher" if reported_by is not None else "system"
    # (the limits report beside another request's own form: not with its token, nor does
    # open_case take it for them)
    token = sent_form_token() if reported_by is not None else None
    try:
        with database.atomic():
            # two reports about one student at the same moment take turns: the second finds
            # the case the first opened and joins it (each found none and opened its own)
            hold_student(student)
            case = open_case_of(student, school_year)
            if case is not None:
                Concern.create(case=case, subject=subject, reason=reason,
                               reported_by=reported_by, text=text, form_token=token)
                if reported_by is not None:
                    add_participant(case, reported_by, "teacher")
                note(case, actor=reported_by, role=role, action="concern_added",
                     data={"reason": reason})
                return case
            participants = [(u, "cohort_coordinator")
                            for u in coordinators(student, school, school_year)]
            participants += [(u, "department_head")
                             for u in holders(school, "department_head")]
            participants += [(u, "principal") for u in holders(school, "principal")]
            if reported_by is not None:
                participants.append((reported_by, "teacher"))

            def effect(case):
                FollowUp.create(case=case)
                Concern.create(case=case, subject=subject, reason=reason,
                               reported_by=reported_by, text=text, form_token=token)

            return open_case(KIND, school=school, school_year=school_year, student=student,
                             title=str(_l("Follow-up of study progress")), actor=reported_by,
                             role=role, participants=participants, data={"reason": reason},
                             effect=effect, form_token=token)
    except (IntegrityError, AlreadyFiled):
        # the token is on a concern already (or on the case its first send opened): the same
        # teacher's report about the same student is the form sent again; anything else is a
        # token that is not this form's
        sent = None if token is None else (
            Concern.select(Concern.case, Concern.reported_by, Case.id, Case.student)
            .join(Case).where(Concern.form_token == token).first())
        if sent is None:
            raise
        if sent.reported_by_id != reported_by.id or sent.case.student_id != student.id:
            raise BadRequest("a report form's token that is not this report's") from None
        raise AlreadyFiled(sent.case) from None
