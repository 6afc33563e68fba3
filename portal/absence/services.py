"""Absence in the database: recording, the per-subject summary, cover from accepted notes,
warnings created once when a threshold is crossed, and who may see what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from peewee import JOIN, SQL, fn
from peewee import Case as SqlCase

from portal.absence import rules
from portal.absence.models import AbsenceCover, AbsenceRecord, AbsenceWarning
from portal.collation import by_name, sort_key
from portal.db import Prepared, database
from portal.models import (
    Case,
    Enrolment,
    SchoolBreak,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)

OVERSEERS = ("principal", "department_head", "admin")


def today() -> date:
    """Today in Oslo (calendar.today: tests and demos may pin it with PORTAL_TODAY)."""
    from portal.rules import calendar

    return calendar.today()


def lesson_minutes(profile) -> int:
    return int(profile.value("lesson_length")) if "lesson_length" in profile else 0


@dataclass(frozen=True)
class RuledDays:
    """School days kept off the diploma over the limit of days a year by the ruling on one
    appeal (the appeals body may decide so): shown beside the count against the limit, not in
    it. `linked`: the one who reads may open the appeal's case (cases.access.case_for): only
    they are told its number (unnamed_ruled_days)."""

    appeal_id: int
    reference: str
    days: tuple[date, ...]
    linked: bool = False


def unnamed_ruled_days(rulings, named=()) -> tuple[date, ...]:
    """The days of `rulings` (RuledDays) other than those `named`, in date order, once each:
    shown on one line that names no ruling, to one who may not open the appeals' cases (that
    the student appealed is not theirs to know, nor how many times)."""
    shown = {day for r in named for day in r.days}
    return tuple(sorted({day for r in rulings for day in r.days} - shown))


@dataclass
class StruckDays:
    """The school days of a student's year kept off the diploma: `counted` against the limit
    of days a year (with their category), `ruled` over it by a ruling on appeal (with the
    appeal's id; a day some ruling keeps off over the limit is never counted too), and those
    rulings as RuledDays."""

    counted: dict[date, str] = field(default_factory=dict)
    ruled: dict[date, int] = field(default_factory=dict)
    rulings: list[RuledDays] = field(default_factory=list)

    @property
    def all(self) -> set[date]:
        return set(self.counted) | set(self.ruled)

    @property
    def religious(self) -> int:
        """Of the counted days, those for religious holidays."""
        return sum(1 for c in self.counted.values() if c == rules.RELIGIOUS)

    def used(self, struck=(), over=()) -> int:
        """The days counted against the limit once the days `struck` are kept off too, those
        of them `over` the limit by a ruling on appeal (and those already so) aside."""
        return len((set(self.counted) | set(struck)) - set(self.ruled) - set(over))


@dataclass
class AbsenceSummary:
    """A student's school year: figures per subject and the diploma days struck."""

    subjects: list[rules.SubjectFigures]
    struck_days: int = 0  # counted against max_struck_days
    max_struck_days: int | None = None
    warnings: list[AbsenceWarning] = field(default_factory=list)
    counts_documented: bool = False  # fagskole: all absence counts toward the thresholds
    # days kept off the diploma over the limit by rulings on appeal, by ruling
    ruled_over_limit: list[RuledDays] = field(default_factory=list)

    @property
    def ruled_named(self) -> list[RuledDays]:
        """The rulings of ruled_over_limit the reader may open the appeal's case of: each is
        named, with the case's number."""
        return [r for r in self.ruled_over_limit if r.linked]

    @property
    def ruled_unnamed(self) -> tuple[date, ...]:
        """The days the other rulings keep off the diploma over the limit, named by none."""
        return unnamed_ruled_days(self.ruled_over_limit, self.ruled_named)

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


# Each query of the summary is asked for one student, or for every student of one class at
# once (the class overview): a fixed number of statements whatever the class's size.
def _scoped(build):
    """(one student's, one class's) Prepared queries from `build(scope, year_id, *more)`,
    where `scope(column)` limits a column holding a student's id (`more`: the builder's own
    values, if it has any)."""
    def students_of(class_id):
        return Enrolment.select(Enrolment.student).where(Enrolment.school_class == class_id)

    return (Prepared(lambda student_id, year_id, *more: build(
                lambda col: col == student_id, year_id, *more)),
            Prepared(lambda class_id, year_id, *more: build(
                lambda col: col.in_(students_of(class_id)), year_id, *more)))


def _whole_lessons(condition=None):
    """SQL: how many of the grouped records are whole lessons missed (and meet `condition`)."""
    whole = AbsenceRecord.minutes_late == 0
    return fn.SUM(SqlCase(None, [(whole if condition is None else whole & condition,
                                  SQL("1"))], SQL("0")))


def _absence_sums(scope, year_id):
    """The absence that counts (not corrected, not organised study work), summed in the
    database for each student and assignment: whole lessons, of them documented and struck,
    late minutes, of them undocumented."""
    record = AbsenceRecord
    return (record.select(
                record.student, record.assignment,
                _whole_lessons().alias("whole"),
                _whole_lessons(record.documented).alias("documented"),
                _whole_lessons(record.struck).alias("struck"),
                fn.SUM(record.minutes_late).alias("late"),
                fn.SUM(SqlCase(None, [(~record.documented, record.minutes_late)],
                               SQL("0"))).alias("late_undocumented"))
            .where(scope(record.student) & (record.school_year == year_id)
                   & ~record.corrected
                   & (record.category.is_null() | (record.category != rules.STUDY_WORK)))
            .group_by(record.student, record.assignment)
            .alias("sums"))


# the subjects of the students' classes with their absence: (student, assignment, subject,
# planned lessons, subject's name, code, practice, whole lessons missed, documented, struck,
# late minutes, undocumented late minutes), by subject name (the first assignment of a subject
# stands for its co-teachers' too); an assignment without absence has no sums (None)
def _assignments_query(scope, year_id):
    sums = _absence_sums(scope, year_id)
    return (TeachingAssignment.select(
                Enrolment.student, TeachingAssignment.id, TeachingAssignment.subject,
                TeachingAssignment.planned_lessons, Subject.name, Subject.code,
                Subject.practice, sums.c.whole, sums.c.documented, sums.c.struck, sums.c.late,
                sums.c.late_undocumented)
            .join(Subject).switch(TeachingAssignment).join(SchoolClass)
            .join(Enrolment, on=(Enrolment.school_class == SchoolClass.id))
            .join(sums, JOIN.LEFT_OUTER, on=((sums.c.student_id == Enrolment.student)
                                             & (sums.c.assignment_id == TeachingAssignment.id)))
            .where(scope(Enrolment.student) & (SchoolClass.school_year == year_id))
            .order_by(by_name(Subject.name), TeachingAssignment.id).tuples())


_assignments = _scoped(_assignments_query)
# the warnings given, with their subjects (the pages name them)
_warnings = _scoped(lambda scope, year_id: (
    AbsenceWarning.select(AbsenceWarning, TeachingAssignment, Subject)
    .join(TeachingAssignment).join(Subject)
    .where(scope(AbsenceWarning.student) & (AbsenceWarning.school_year == year_id))
    .order_by(AbsenceWarning.created_at, AbsenceWarning.id)))
# the whole school days struck from the diploma: (student, date, category, and for a day a
# ruling on appeal keeps off over the limit: the appeal's id, number, school year's start and
# whether `viewer_id` may open its case, as the case's page lets them), in the same statement
def _struck_query(scope, year_id, viewer_id):
    from portal.cases.access import may_open

    return (AbsenceCover.select(AbsenceCover.student, AbsenceCover.date, AbsenceCover.category,
                                AbsenceCover.appeal, Case.number, SchoolYear.starts_on,
                                may_open(viewer_id))
            .join(Case, JOIN.LEFT_OUTER, on=(AbsenceCover.appeal == Case.id))
            .join(SchoolYear, JOIN.LEFT_OUTER, on=(Case.school_year == SchoolYear.id))
            .where(scope(AbsenceCover.student) & (AbsenceCover.school_year == year_id)
                   & AbsenceCover.struck & AbsenceCover.lesson.is_null())
            .order_by(AbsenceCover.date)
            .tuples())


_struck = _scoped(_struck_query)


def _struck_by_student(rows) -> dict[int, StruckDays]:
    """The rows of _struck as each student's StruckDays."""
    found: dict[int, StruckDays] = {}
    rulings: dict[tuple[int, int], tuple[str, list, bool]] = {}
    for student_id, day, category, appeal_id, number, starts_on, part in rows:
        days = found.setdefault(student_id, StruckDays())
        if appeal_id is None:
            days.counted.setdefault(day, category)
            continue
        days.ruled[day] = appeal_id
        # (the appeal's number as Case.reference reads it)
        reference = Case(number=number, school_year=SchoolYear(starts_on=starts_on)).reference
        ruling = rulings.setdefault((student_id, appeal_id), (reference, [], bool(part)))
        if day not in ruling[1]:
            ruling[1].append(day)
    for days in found.values():
        for day in days.ruled:  # a day a ruling keeps off over the limit is not counted
            days.counted.pop(day, None)
    for (student_id, appeal_id), (reference, ruled, linked) in rulings.items():
        found[student_id].rulings.append(RuledDays(appeal_id, reference, tuple(ruled), linked))
    return found


def struck_days(student, school_year) -> StruckDays:
    """The school days struck from the diploma so far this year: counted against the limit,
    with their category, and kept off over it by rulings on appeal."""
    student_id = getattr(student, "id", student)
    return _struck_by_student(_struck[0](student_id, school_year, 0)).get(student_id,
                                                                       StruckDays())


def struck_day_counts(student, school_year) -> tuple[int, int]:
    """School days struck from the diploma so far this year and counted against the limit: in
    total, for religious holidays."""
    days = struck_days(student, school_year)
    return len(days.counted), days.religious


def absence_summary(student, school_year, on: date | None = None,
                    school=None, to_date: bool = True, viewer=None) -> AbsenceSummary:
    """Per subject of the student's classes: absent lessons against planned lessons for the
    year and to date, how much is documented and struck, and the warnings given. `school`:
    the school year's, when the caller has it loaded. `to_date`: False where the lessons
    planned to date are not shown (planned_to_date None): the thresholds and the class
    overview count against the year's planned lessons, and then the year's breaks are not
    read. `viewer`: the user who reads it (the rulings that keep days off the diploma over
    the limit are named, linked, where they may open the appeal's case; without a viewer,
    none is)."""
    student_id = getattr(student, "id", student)
    return _summaries(0, student_id, [student_id], school_year, on, school,
                      to_date, viewer)[student_id]


def _summaries(scope: int, who: int, students: list[int], school_year, on,
               school=None, to_date: bool = True, viewer=None) -> dict[int, AbsenceSummary]:
    """The summaries of `students` (ids), by id: of one student (scope 0, `who` their id) or
    of a class's students (scope 1, `who` the class's id), in as many statements either way.
    `school`: the school year's, when the caller has it loaded; `to_date`, `viewer`: as for
    absence_summary."""
    on = on or today()
    profile = (school or school_year.school).rules
    minutes = lesson_minutes(profile)
    year_id = getattr(school_year, "id", school_year)
    # planned_to_date depends on the lessons alone: the year's days are counted once, its
    # breaks read once when there is a subject to count them for
    breaks = None
    by_student: dict[int, dict[int, rules.SubjectFigures]] = {}  # student -> subject -> figures
    figures: dict[tuple[int, int], rules.SubjectFigures] = {}  # (student, assignment) -> same
    so_far: dict[int, int | None] = {}
    late_undocumented: dict[int, int] = {}  # id() of the figures -> minutes
    for (student_id, a_id, subject_id, planned, name, code, practice, whole, documented, struck,
         late, late_not_documented) in _assignments[scope](who, year_id):
        subjects = by_student.setdefault(student_id, {})
        if subject_id not in subjects:
            if planned not in so_far:
                so_far[planned] = None
                if to_date:
                    breaks = SchoolBreak.of(year_id) if breaks is None else breaks
                    so_far[planned] = rules.planned_to_date(
                        planned, school_year.starts_on, school_year.ends_on, on, breaks)
            subjects[subject_id] = rules.SubjectFigures(
                assignment_id=a_id, subject=name, subject_code=code, planned=planned,
                practice=bool(practice), planned_to_date=so_far[planned])
        f = figures[student_id, a_id] = subjects[subject_id]
        if whole is not None:  # (co-teachers' assignments add up in their subject)
            f.lessons_absent += int(whole)
            f.lessons_documented += int(documented)
            f.lessons_struck += int(struck)
            f.late_minutes += int(late)
            late_undocumented[id(f)] = late_undocumented.get(id(f), 0) + int(late_not_documented)
    for subjects in by_student.values():
        for f in subjects.values():
            f.absent = rules.lesson_equivalents(f.lessons_absent, f.late_minutes, minutes)
            f.undocumented = rules.lesson_equivalents(
                f.lessons_absent - f.lessons_documented, late_undocumented.get(id(f), 0),
                minutes)
    warnings: dict[int, list[AbsenceWarning]] = {}
    for w in _warnings[scope](who, year_id):
        warnings.setdefault(w.student_id, []).append(w)
        f = figures.get((w.student_id, w.assignment_id))
        if f is not None:
            f.warnings.append(w)
    struck = _struck_by_student(_struck[scope](who, year_id, getattr(viewer, "id", viewer) or 0))
    cap = (int(profile.value("absence_max_struck_days"))
           if rules.keeps_diploma_days(profile) else None)
    return {student_id: AbsenceSummary(
                subjects=sorted(by_student.get(student_id, {}).values(),
                                 key=lambda f: sort_key(f.subject)),
                struck_days=len(struck[student_id].counted) if student_id in struck else 0,
                max_struck_days=cap, warnings=warnings.get(student_id, []),
                counts_documented=profile.school_type == "fagskole",
                ruled_over_limit=struck[student_id].rulings if student_id in struck else [])
            for student_id in students}


# -- recording ---------------------------------------------------------------------------------

def _covers_for(student, school_year, day):
    return list(AbsenceCover.select().where(
        (AbsenceCover.student == student) & (AbsenceCover.school_year == school_year)
        & (AbsenceCover.date == day)))


def _flags(covers, lesson: int, subject_id: int) -> dict:
    """The flags a record (of `lesson`, in the subject `subject_id`) on a day gets from the
    covers of that day: those of its lesson or the whole day, in its subject or every one."""
    flags = {"documented": False, "struck": False, "category": None}
    # A completed study leave's R holds in the subjects whose teacher approved it (its covers
    # name them): on its days an R note for the whole day leaves a declined subject's lessons
    # documented absence, not R.
    r_subjects = {c.subject_id for c in covers
                  if c.subject_id is not None and c.category == rules.STUDY_WORK}
    for c in covers:
        if ((c.lesson is None or c.lesson == lesson)
                and (c.subject_id is None or c.subject_id == subject_id)):
            flags["documented"] |= c.documented
            flags["struck"] |= c.struck
            if c.category == rules.STUDY_WORK and r_subjects and subject_id not in r_subjects:
                continue
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
        flags = _flags(_covers_for(student, school_year, day), lesson, assignment.subject_id)
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
    for r in (AbsenceRecord.select(AbsenceRecord, TeachingAssignment.subject.alias("subject_id"))
              .join(TeachingAssignment)
              .where((AbsenceRecord.student == student)
                     & (AbsenceRecord.school_year == school_year)).objects()):
        flags = _flags(covers.get(r.date, []), r.lesson, r.subject_id)
        if (r.documented, r.struck, r.category) != tuple(flags.values()):
            AbsenceRecord.update(**flags).where(AbsenceRecord.id == r.id).execute()


# -- warnings -----------------------------------------------------------------------------------

def check_warnings(student, school_year) -> list[AbsenceWarning]:
    """Create a warning for every threshold newly crossed (once per student, subject and
    rule), where the figures can rise: absence recorded (record_absence, and the importer's
    batch), and an absence note's decision returned for new treatment on appeal (what it
    struck counts again: absence_note.ruling). Not at a note's acceptance or a change on appeal,
    where the figures only fall. For a loss-of-place threshold also a follow-up case where
    that kind exists. Each new warning notifies those who must hear of it, in the warning's
    own transaction. A warning given stays when the figures fall below its threshold again
    (documented later, say): it is the record that the student was warned in time (domain:
    "the student must be warned in time"), and the pages show it with the percentage it was
    given at. Returns the warnings created."""
    profile = school_year.school.rules
    created = []
    summary = absence_summary(student, school_year, to_date=False)
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
    from portal.filters import percent

    text = f"{subject.name}: {percent(warning.percent)} – {rule.explanation} ({rule.cite()})"
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
    if user.has_role(*OVERSEERS, school=klass.school_id):
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
    return (SchoolClass.select(SchoolClass, SchoolYear).join(SchoolYear)
            .where(condition).order_by(by_name(SchoolClass.name)))


def can_see_student(user, student, school_year) -> bool:
    klass = SchoolClass.of_student(student, school_year)
    return klass is not None and can_see_class(user, klass)


def class_overview(klass: SchoolClass, on: date | None = None, viewer=None):
    """The students of a class with their summaries, highest risk first (`viewer`: as for
    absence_summary)."""
    students = list(klass.students())
    summaries = _summaries(1, klass.id, [s.id for s in students], klass.school_year, on,
                           to_date=False, viewer=viewer)
    rows = [(s, summaries[s.id]) for s in students]
    return sorted(rows, key=lambda r: (-r[1].risk, sort_key(r[0].full_name)))


def teacher_assignments(user, school_year=None):
    query = (TeachingAssignment.select(TeachingAssignment, Subject, SchoolClass)
             .join(Subject).switch(TeachingAssignment).join(SchoolClass)
             .where(TeachingAssignment.teacher == user))
    if school_year is not None:
        query = query.where(SchoolClass.school_year == school_year)
    return query.order_by(by_name(SchoolClass.name), by_name(Subject.name))


def enrolled(student, klass) -> bool:
    return Enrolment.select().where((Enrolment.student == student)
                                    & (Enrolment.school_class == klass)).exists()


def records_of_lesson(assignment, day: date, lesson: int) -> dict[int, AbsenceRecord]:
    return {r.student_id: r for r in AbsenceRecord.select().where(
        (AbsenceRecord.assignment == assignment) & (AbsenceRecord.date == day)
        & (AbsenceRecord.lesson == lesson))}

