"""Absence in the database: recording, the per-subject summary, cover from accepted notes,
warnings created once when a threshold is crossed, and who may see what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.absence import rules
from portal.absence.models import AbsenceCover, AbsenceRecord, AbsenceWarning
from portal.db import database
from portal.models import (
    Enrolment,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)

OVERSEERS = ("principal", "department_head", "admin")


def today() -> date:
    """Today in Oslo; tests and demos may pin it with the PORTAL_TODAY setting."""
    from flask import current_app, has_app_context

    from portal.rules import calendar

    pinned = current_app.config.get("PORTAL_TODAY") if has_app_context() else None
    return pinned or calendar.today()


def lesson_minutes(profile) -> int:
    return int(profile.value("lesson_length")) if "lesson_length" in profile else 0


@dataclass
class AbsenceSummary:
    """A student's school year: figures per subject and the diploma days struck."""

    subjects: list[rules.SubjectFigures]
    struck_days: int = 0
    max_struck_days: int | None = None
    warnings: list[AbsenceWarning] = field(default_factory=list)
    counts_documented: bool = False  # fagskole: all absence counts toward the thresholds

    def __iter__(self):
        return iter(self.subjects)

    def __len__(self):
        return len(self.subjects)

    @property
    def struck_days_left(self) -> int | None:
        if self.max_struck_days is None:
            return None
        return max(0, self.max_struck_days - self.struck_days)

    @property
    def risk(self) -> float:
        """The highest counted percentage of any subject: how the class overview sorts."""
        return max((s.percent if self.counts_documented else s.percent_undocumented
                    for s in self.subjects), default=0.0)


def struck_days(student, school_year) -> dict[date, str]:
    """The school days struck from the diploma so far this year, with their category."""
    rows = (AbsenceCover.select(AbsenceCover.date, AbsenceCover.category)
            .where((AbsenceCover.student == student) & (AbsenceCover.school_year == school_year)
                   & AbsenceCover.struck & AbsenceCover.lesson.is_null()))
    return {r.date: r.category for r in rows}


def struck_day_counts(student, school_year) -> tuple[int, int]:
    """School days struck from the diploma so far this year: in total, for religious holidays."""
    days = struck_days(student, school_year)
    return len(days), sum(1 for c in days.values() if c == rules.RELIGIOUS)


def absence_summary(student, school_year, on: date | None = None) -> AbsenceSummary:
    """Per subject of the student's classes: absent lessons against planned lessons for the
    year and to date, how much is documented and struck, and the warnings given."""
    on = on or today()
    profile = school_year.school.rules
    minutes = lesson_minutes(profile)
    by_subject: dict[int, rules.SubjectFigures] = {}
    figures: dict[int, rules.SubjectFigures] = {}  # by assignment (co-teachers share one)
    for a in TeachingAssignment.for_student(student, school_year):
        if a.subject_id not in by_subject:
            by_subject[a.subject_id] = rules.SubjectFigures(
                assignment_id=a.id, subject=a.subject.name, subject_code=a.subject.code,
                planned=a.planned_lessons, practice=a.subject.practice,
                planned_to_date=rules.planned_to_date(a.planned_lessons, school_year.starts_on,
                                                      school_year.ends_on, on))
        figures[a.id] = by_subject[a.subject_id]
    records = AbsenceRecord.select().where(
        (AbsenceRecord.student == student) & (AbsenceRecord.school_year == school_year)
        & ~AbsenceRecord.corrected & ((AbsenceRecord.category.is_null())
                                       | (AbsenceRecord.category != rules.STUDY_WORK)))
    late_undocumented: dict[int, int] = {}
    for r in records:
        f = figures.get(r.assignment_id)
        if f is None:
            continue
        if r.minutes_late:
            f.late_minutes += r.minutes_late
            if not r.documented:
                late_undocumented[f.assignment_id] = (late_undocumented.get(f.assignment_id, 0)
                                                      + r.minutes_late)
        else:
            f.lessons_absent += 1
            f.lessons_documented += r.documented
            f.lessons_struck += r.struck
    for f in by_subject.values():
        f.absent = rules.lesson_equivalents(f.lessons_absent, f.late_minutes, minutes)
        f.undocumented = rules.lesson_equivalents(
            f.lessons_absent - f.lessons_documented,
            late_undocumented.get(f.assignment_id, 0), minutes)
    warnings = list(AbsenceWarning.select().where(
        (AbsenceWarning.student == student) & (AbsenceWarning.school_year == school_year))
        .order_by(AbsenceWarning.created_at))
    for w in warnings:
        if w.assignment_id in figures:
            figures[w.assignment_id].warnings.append(w)
    struck, _religious = struck_day_counts(student, school_year)
    cap = (int(profile.value("absence_max_struck_days"))
           if rules.keeps_diploma_days(profile) else None)
    return AbsenceSummary(subjects=sorted(by_subject.values(), key=lambda f: f.subject),
                          struck_days=struck, max_struck_days=cap, warnings=warnings,
                          counts_documented=profile.school_type == "fagskole")


# -- recording ---------------------------------------------------------------------------------

def _covers_for(student, school_year, day):
    return list(AbsenceCover.select().where(
        (AbsenceCover.student == student) & (AbsenceCover.school_year == school_year)
        & (AbsenceCover.date == day)))


def _flags(covers, lesson: int) -> dict:
    """The flags a record on a day gets from the accepted notes covering that day."""
    flags = {"documented": False, "struck": False, "category": None}
    for c in covers:
        if c.lesson is None or c.lesson == lesson:
            flags["documented"] |= c.documented
            flags["struck"] |= c.struck
            if c.category == rules.STUDY_WORK or flags["category"] is None:
                flags["category"] = c.category
    return flags


def record_absence(assignment, student, day: date, lesson: int, minutes_late: int = 0,
                   by: User | None = None, check: bool = True) -> AbsenceRecord:
    """Register (or change) one student's absence in one lesson; then check thresholds
    (`check=False` when the caller checks once after many records)."""
    school_year = assignment.school_class.school_year
    with database.atomic():
        record = AbsenceRecord.get_or_none(
            (AbsenceRecord.student == student) & (AbsenceRecord.assignment == assignment)
            & (AbsenceRecord.date == day) & (AbsenceRecord.lesson == lesson))
        flags = _flags(_covers_for(student, school_year, day), lesson)
        if record is None:
            record = AbsenceRecord.create(student=student, assignment=assignment,
                                          school_year=school_year, date=day, lesson=lesson,
                                          minutes_late=minutes_late, recorded_by=by, **flags)
        else:
            record.minutes_late = minutes_late
            record.recorded_by = by
            record.recorded_at = utcnow()
            record.save()
        if check:
            check_warnings(student, school_year)
    return record


def clear_absence(assignment, student, day: date, lesson: int) -> None:
    """The teacher tapped a student back to present."""
    AbsenceRecord.delete().where(
        (AbsenceRecord.student == student) & (AbsenceRecord.assignment == assignment)
        & (AbsenceRecord.date == day) & (AbsenceRecord.lesson == lesson)).execute()


def apply_covers(student, school_year) -> None:
    """Bring the records' documented/struck/category flags in step with the covers."""
    covers: dict[date, list] = {}
    for c in AbsenceCover.select().where((AbsenceCover.student == student)
                                         & (AbsenceCover.school_year == school_year)):
        covers.setdefault(c.date, []).append(c)
    for r in AbsenceRecord.select().where((AbsenceRecord.student == student)
                                          & (AbsenceRecord.school_year == school_year)):
        flags = _flags(covers.get(r.date, []), r.lesson)
        if (r.documented, r.struck, r.category) != tuple(flags.values()):
            AbsenceRecord.update(**flags).where(AbsenceRecord.id == r.id).execute()


# -- warnings -----------------------------------------------------------------------------------

def check_warnings(student, school_year) -> list[AbsenceWarning]:
    """Create a warning for every threshold newly crossed (once per student, subject and
    rule); for a loss-of-place threshold also a follow-up case where that kind exists. Each
    new warning notifies those who must hear of it, in the warning's own transaction."""
    profile = school_year.school.rules
    created = []
    summary = absence_summary(student, school_year)
    for f in summary.subjects:
        have = {w.rule_key for w in f.warnings}
        for threshold in rules.crossed(profile, f):
            if threshold.key in have:
                continue
            with database.atomic():
                inserted = (AbsenceWarning.insert(
                    student=student, assignment=f.assignment_id, school_year=school_year,
                    rule_key=threshold.key, percent=f.counted_percent(threshold),
                    created_at=utcnow()).on_conflict_ignore().as_rowcount().execute())
                warning = AbsenceWarning.get_or_none(
                    (AbsenceWarning.student == student)
                    & (AbsenceWarning.assignment == f.assignment_id)
                    & (AbsenceWarning.rule_key == threshold.key))
                if inserted and warning is not None:  # this call created it: never twice
                    if threshold.follow_up:
                        _open_follow_up(warning, f)
                    _notify_warning(warning, threshold)
                    created.append(warning)
    return created


def warning_recipients(warning: AbsenceWarning, threshold: rules.Threshold) -> list:
    """Who hears of a new warning: the student and the contact teacher of the subject's
    class, and its cohort coordinator for a fagskole or loss-of-place threshold."""
    klass = warning.assignment.school_class
    people = [warning.student]
    if klass.contact_teacher_id is not None:
        people.append(klass.contact_teacher)
    if klass.cohort_coordinator_id is not None and (threshold.for_cohort_coordinator
                                                    or threshold.follow_up):
        people.append(klass.cohort_coordinator)
    unique = {}
    for user in people:
        if user.active:
            unique.setdefault(user.id, user)
    return list(unique.values())


def _notify_warning(warning: AbsenceWarning, threshold: rules.Threshold) -> None:
    """The warning in the notification list of each recipient, e-mail unless switched off
    (through portal/notifications when it is installed; the warning stands without it). The
    e-mail says only that there is news about absence."""
    try:
        from portal.notifications.notify import deliver
    except ImportError:
        return
    klass = warning.assignment.school_class
    for user in warning_recipients(warning, threshold):
        key = "absence_warning" if user.id == warning.student_id else "absence_warning_staff"
        deliver(user, None, "absence_warning", key, school_class=klass,
                dedupe_key=f"absence-warning:{warning.id}:user:{user.id}")


def _open_follow_up(warning: AbsenceWarning, figures) -> None:
    """A case for loss of the study place, through the follow-up kind when it is installed
    (portal/kinds/follow_up) and the school's profile has that procedure."""
    from portal.cases.kinds import REGISTRY

    if "follow_up" not in REGISTRY:
        return
    from portal.kinds.follow_up import service

    school_year = warning.school_year
    if not service.available(school_year.school):
        return
    rule = school_year.school.rules.rule(warning.rule_key)
    subject = warning.assignment.subject
    text = f"{subject.name}: {warning.percent:g} % – {rule.explanation} ({rule.cite()})"
    case = service.report_concern(warning.student, subject, "low_attendance", None, text,
                                  school=school_year.school, school_year=school_year)
    warning.follow_up = case
    warning.save()


# -- who sees what -------------------------------------------------------------------------------

def can_see_class(user, klass: SchoolClass) -> bool:
    """Staff of the class: its contact teacher and coordinators, its subject teachers, and
    the school's leaders and administrators."""
    if user.id in (klass.contact_teacher_id, klass.year_coordinator_id,
                   klass.cohort_coordinator_id):
        return True
    if user.has_role(*OVERSEERS, school=klass.school):
        return True
    return TeachingAssignment.select().where((TeachingAssignment.school_class == klass)
                                             & (TeachingAssignment.teacher == user)).exists()


def visible_classes(user, on: date | None = None):
    """The classes of current school years whose absence `user` may see."""
    taught = TeachingAssignment.select(TeachingAssignment.school_class).where(
        TeachingAssignment.teacher == user)
    condition = ((SchoolClass.contact_teacher == user) | (SchoolClass.year_coordinator == user)
                 | (SchoolClass.cohort_coordinator == user) | SchoolClass.id.in_(taught))
    schools = [s for s in user.schools() if user.has_role(*OVERSEERS, school=s)]
    if schools:
        condition |= SchoolClass.school.in_(schools)
    return SchoolClass.select().where(condition).order_by(SchoolClass.name)


def can_see_student(user, student, school_year) -> bool:
    klass = SchoolClass.of_student(student, school_year)
    return klass is not None and can_see_class(user, klass)


def class_overview(klass: SchoolClass, on: date | None = None):
    """The students of a class with their summaries, highest risk first."""
    rows = [(s, absence_summary(s, klass.school_year, on)) for s in klass.students()]
    return sorted(rows, key=lambda r: (-r[1].risk, r[0].full_name))


def teacher_assignments(user, school_year=None):
    query = (TeachingAssignment.select(TeachingAssignment, Subject, SchoolClass)
             .join(Subject).switch(TeachingAssignment).join(SchoolClass)
             .where(TeachingAssignment.teacher == user))
    if school_year is not None:
        query = query.where(SchoolClass.school_year == school_year)
    return query.order_by(SchoolClass.name, Subject.name)


def enrolled(student, klass) -> bool:
    return Enrolment.select().where((Enrolment.student == student)
                                    & (Enrolment.school_class == klass)).exists()


def records_of_lesson(assignment, day: date, lesson: int) -> dict[int, AbsenceRecord]:
    return {r.student_id: r for r in AbsenceRecord.select().where(
        (AbsenceRecord.assignment == assignment) & (AbsenceRecord.date == day)
        & (AbsenceRecord.lesson == lesson))}

