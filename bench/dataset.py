"""A county-sized dataset built with bulk inserts through the core models.

At scale 1.0: 10 schools, nine upper-secondary schools (profile `vgs`) and, last, a fagskole
(profile `havbruk`; every scale has at least two schools, the last of them the fagskole),
30,000 students in classes of 30, 5 cases a student (150,000) with realistic timelines (about
1.5 million events), participants, decisions, attachments and the notifications the events
sent (to whom the app's rule sends them, `notify.audience`: those who may act next, the
student of every change, the deciders of a note, and a copy of a filing, a decision and a
closing to those the kind keeps informed; read some hours later, but for about half of the
last days' ones), and the absence the teachers registered (bench/dataset.py, `absence`):
every lesson of the days the students' absence notes are about, and single lessons and late
arrivals besides, about ABSENCE_MEAN a student so far this year, skewed; documented
and struck as the accepted notes' days are, and warnings where the profile's thresholds are
crossed (at the fagskole all absence counts, documented or not, as its profile says).
Each school has the kinds its own profile has rules for, and its rows are those the portal
would have written under that profile (deadlines, decisions' appeal body and rule, absence
thresholds and lesson length): the vgs schools study leave, absence notes, grade appeals and
decision appeals; the fagskole every registered kind but study leave (absence notes, grade
justifications, grade and formal-error appeals, exam adaptations, follow-ups, decision
appeals). Kinds are handled by their code: study_leave gets its own rows (the application
and each subject teacher's answer) and a scripted timeline; every other registered kind gets
a random walk through its transition table, with the rows its own code would have written by
the walk's last state (bench/kinds.py: its application, request, note, appeal or follow-up,
the exam and published grade it is about, the earlier decision a decision appeal is about).

Every account's password is `bench`. Usernames: b<school>-elev<n>, b<school>-laerer<n>,
b<school>-trinn<n> (year coordinators, at the vgs schools only: a fagskole has none),
b<school>-<role> for the other staff. Every account has an e-mail address, as a school's do
(the portal mails each notification to those who have one and did not switch its kind off);
one in EMAIL_OFF_EVERY has switched off e-mail of updates to cases they take part in. The
outbox starts empty: the mailer has sent what the dataset's events queued.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bench.bulk import Loader
from bench.kinds import Exams, Walk, kind_rows
from bench.kinds import models as kind_models
from portal.absence import rules as absence_rules
from portal.absence.models import AbsenceRecord, AbsenceWarning
from portal.absence.services import lesson_minutes
from portal.auth.passwords import hash_password
from portal.cases.kinds import APPEAL_REVIEWER, REGISTRY
from portal.models import (
    Attachment,
    Case,
    CaseCounter,
    Decision,
    Enrolment,
    Event,
    Participant,
    RoleGrant,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
)
from portal.notifications.models import Notification, NotificationPreference
from portal.notifications.notify import heard
from portal.rules import get_profile
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import deadline_after

PASSWORD = "bench"
CASES_PER_STUDENT = 5
CLASS_SIZE = 30
CLASSES_PER_COORDINATOR = 10
# The school year the dataset is written for, 2026/27; a dataset built in another year has
# every date moved by whole 52-week steps to the year of its `now` (school_year_of)
YEAR = (date(2026, 8, 17), date(2027, 6, 18))
SUBJECTS = [
    ("NOR1260", "Norsk"), ("MAT1021", "Matematikk 1T"), ("ENG1007", "Engelsk"),
    ("NAT1007", "Naturfag"), ("SAK1001", "Samfunnskunnskap"), ("GEO1001", "Geografi"),
    ("KRO1017", "Kroppsøving"), ("SPR3031", "Spansk I"),
]
# the fagskole's (a two-year aquaculture programme)
FAGSKOLE_SUBJECTS = [
    ("HAV101", "Fiskehelse og fiskevelferd"), ("HAV102", "Havbruksteknologi"),
    ("HAV103", "HMS og kvalitetsledelse"), ("HAV104", "Biologi for havbruk"),
    ("HAV105", "Fôr og fôring"), ("HAV106", "Driftsledelse"), ("HAV107", "Miljø og lovverk"),
    ("HAV108", "Hovedprosjekt"),
]
VGS, FAGSKOLE = "vgs", "havbruk"  # the profiles: the last school is the fagskole
MIN_SCHOOLS = 2  # (so every scale has a fagskole)
OTHER_STAFF = ["cohort_coordinator", "department_head", "principal", "exam_office", "examiner",
               "appeals_board", "admin"]
# the names the students' uploads have, by what they are for
FILE_NAMES = {"sports_confirmation": "bekreftelse-fra-klubben.pdf",
              "documentation": "dokumentasjon.pdf"}
# what their accounts are called (as a school's staff are named in its pages: not by a code)
STAFF_NAMES = {"cohort_coordinator": "Kullkoordinator", "department_head": "Avdelingsleder",
               "principal": "Rektor", "exam_office": "Eksamenskontoret", "examiner": "Sensor 1",
               "appeals_board": "Klagenemndas leder", "admin": "Administrator"}
# Relative frequency of each kind a school has; kinds not named get DEFAULT_WEIGHT (study
# leave dominates at a vgs; the fagskole's are absence notes, justifications and appeals)
WEIGHTS = {"study_leave": 6.0, "decision_appeal": 0.5, "exam_adaptation": 1.0,
           "follow_up": 0.5, "formal_error_appeal": 0.3}
DEFAULT_WEIGHT = 2.0
# a profile's own, over WEIGHTS: more of the fagskole's decisions go against the student (a
# refused adaptation, a warning after a follow-up), and more of them are appealed
PROFILE_WEIGHTS = {FAGSKOLE: {"decision_appeal": 1.0}}
REASONS = [
    "Jeg skal delta i NM i langrenn med klubben min og reiser fredag morgen.",
    "Familien skal i begravelse i Tromsø, og vi må reise to dager før.",
    "Jeg er tatt ut til regionssamling i fotball og er borte tre skoledager.",
    "Jeg skal på utvekslingsbesøk med korpset og har avtalt opplegg med kontaktlærer.",
]
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
       b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       + b"% bekreftelse fra klubben\n" * 40 + b"trailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Ids:
    """Next id per table (every table starts empty)."""

    next: dict = field(default_factory=dict)

    def __call__(self, model) -> int:
        n = self.next.get(model, 1)
        self.next[model] = n + 1
        return n


@dataclass
class Rows:
    """Rows gathered for one school before they are written."""

    data: dict = field(default_factory=dict)

    def add(self, model, fields: tuple[str, ...], row: tuple) -> None:
        self.data.setdefault((model, fields), []).append(row)

    def flush(self, loader: Loader, order: list) -> None:
        for model in order:
            for (m, fields), rows in list(self.data.items()):
                if m is model:
                    loader.write(model, list(fields), rows)
                    del self.data[(m, fields)]
        assert not self.data, f"rows of unknown tables: {list(self.data)}"


ORDER = [School, SchoolYear, User, RoleGrant, NotificationPreference, Subject, SchoolClass,
         Enrolment, TeachingAssignment, Case, CaseCounter, Participant, Event, Notification,
         Decision, Attachment]
UNREAD_DAYS = 3  # notifications of the last days: about half of them not read yet
EMAIL_OFF_EVERY = 5  # one account in five gets no e-mail of updates to its cases
# Registered absence: lessons a day (a class's timetable gives each its subject), and how many
# single lessons or late arrivals a student has so far besides their notes' days (the mean of
# a skewed draw, at most ABSENCE_MAX)
LESSONS_A_DAY = 6
PLANNED_LESSONS = 113  # a subject's lessons in the year
ABSENCE_MEAN = 8
ABSENCE_MAX = 40
LATE_SHARE = 0.3  # of those, late arrivals (5-30 minutes)
RECORD_F = ("id", "student", "assignment", "school_year", "date", "lesson", "minutes_late",
            "documented", "struck", "category", "corrected", "recorded_by", "recorded_at")
WARNING_F = ("id", "student", "assignment", "school_year", "rule_key", "percent", "created_at")

USER_F = ("id", "username", "full_name", "email", "password_hash", "active", "created_at")
CASE_F = ("id", "school", "school_year", "number", "kind", "state", "is_open", "student",
          "title", "version", "created_at", "updated_at", "staff_due_on")
EVENT_F = ("id", "case", "actor", "role", "action", "state_before", "state_after", "text",
           "data", "created_at")
PART_F = ("id", "case", "user", "part", "added_at")
DEC_F = ("id", "case", "outcome", "summary", "reasons", "rule_reference", "decided_by",
         "decided_role", "decided_at", "appeal_body", "appeal_deadline", "appeal_rule",
         "present")
ATT_F = ("id", "case", "uploaded_by", "filename", "content_type", "size", "sha256",
         "is_health", "purpose", "data", "created_at")
NOTE_F = ("id", "user", "case", "event", "kind", "text_key", "created_at", "read_at")


def study_leave_models():
    """The study-leave kind's own tables, when that kind is installed."""
    try:
        from portal.kinds.study_leave.models import StudyLeave, TeacherAnswer
    except ImportError:
        return None
    return StudyLeave, TeacherAnswer


# A school year's first weeks hold no completed study leave yet (a period starts a week or
# more after its application, and is completed after it ends), which the benchmark's
# scenarios read: until then the dataset is the year before's
SETTLED = timedelta(weeks=6)


def year_shift(day: date) -> timedelta:
    """Whole 52-week steps (weekdays kept) from YEAR to the school year under way on `day`
    for at least SETTLED, else the one before it (in the summer: the one just ended)."""
    weeks = 52 * ((day - SETTLED - YEAR[0]).days // 364)
    return timedelta(weeks=weeks)


def school_year_of(day: date) -> tuple[date, date, str]:
    """The dataset's school year for a dataset built on `day`: its first and last day and
    name (17 August 2026, 18 June 2027, "2026/2027" for a day of that year)."""
    shift = year_shift(day)
    first, last = YEAR[0] + shift, YEAR[1] + shift
    return first, last, f"{first.year}/{first.year + 1}"


class Builder:
    def __init__(self, database, *, scale: float, now: datetime, seed: int = 7):
        self.db = database
        self.loader = Loader(database)
        self.rnd = random.Random(seed)
        self.now = now
        *self.year, self.year_name = school_year_of(oslo_date(now))
        self.shift = self.year[0] - YEAR[0]  # (the exam days' move to this year)
        self.ids = Ids()
        self.students_total = max(CLASS_SIZE, round(30_000 * scale))
        self.schools = max(MIN_SCHOOLS, min(10, round(10 * scale)))
        self.profiles = [VGS] * (self.schools - 1) + [FAGSKOLE]
        self.hash = hash_password(PASSWORD)
        self.sl = study_leave_models()
        self.own = kind_rows(self)  # every other kind (bench/kinds.py)
        self.names: dict[int, str] = {}  # user -> full name
        self.order = list(ORDER)
        if self.sl:
            self.order += list(self.sl)
        self.order += kind_models()
        self.exams = Exams(self)
        # student -> [(decision, decided at, outcome, summary)]
        self.decided: dict[int, list] = {}
        self.struck: dict[int, set] = {}  # student -> days kept off the diploma so far
        self.sha = __import__("hashlib").sha256(PDF).hexdigest()
        self.deadline_cache: dict[tuple, date] = {}  # (profile, day) -> appeal deadline
        self.heard_cache: dict[tuple, tuple | None] = {}
        self.note_rnd = random.Random(seed + 2)
        # student -> {day: (category, documented, struck)}: the days their absence notes are
        # about (bench/kinds.py), registered as absence here
        self.note_days: dict[int, dict] = {}
        # a stream of its own: the cases are the same as without the absence
        self.absence_rnd = random.Random(seed + 1)
        self.order += [AbsenceRecord, AbsenceWarning]
        self.school_days = absence_rules.school_days(self.year[0],
                                                     min(oslo_date(now), self.year[1]))
        self.use_profile(VGS)

    def use_profile(self, name: str) -> None:
        """The rules of the school being built, from its own profile (bench/kinds.py reads
        them here too), and the kinds it has."""
        p = self.profile = get_profile(name)
        self.appeal_rule = p.rule("decision_appeal_deadline")
        self.thresholds = absence_rules.thresholds(p)
        self.lesson_minutes = lesson_minutes(p)
        self.study_leave_here = bool(self.sl) and p.has(*REGISTRY["study_leave"].requires_rules)
        self.kinds = sorted([*(k for k, own in self.own.items() if own.offered(p, k)),
                             *(["study_leave"] if self.study_leave_here else [])])
        weights = {**WEIGHTS, **PROFILE_WEIGHTS.get(name, {})}
        self.kind_weights = [weights.get(k, DEFAULT_WEIGHT) for k in self.kinds]

    # --- people and structure -------------------------------------------------------------

    def user(self, rows, username, full_name, roles, school_id):
        uid = self.ids(User)
        self.names[uid] = full_name
        rows.add(User, USER_F, (uid, username, full_name, f"{username}@example.org", self.hash,
                                True, self.now - timedelta(days=120)))
        if uid % EMAIL_OFF_EVERY == 0:
            rows.add(NotificationPreference, ("id", "user", "kind", "email"),
                     (self.ids(NotificationPreference), uid, "case_update", False))
        for role in roles:
            rows.add(RoleGrant, ("id", "user", "role", "school"),
                     (self.ids(RoleGrant), uid, role, school_id))
        return uid

    def build(self) -> dict:
        per_school = math.ceil(self.students_total / self.schools)
        with self.db.atomic():
            for n in range(1, self.schools + 1):
                rows = Rows()
                self.school(rows, n, per_school)
                rows.flush(self.loader, self.order)
            self.loader.finish()
        self.loader.settle()
        return dict(self.loader.counts)

    def school(self, rows, n, students):
        profile = self.profiles[n - 1]
        self.use_profile(profile)
        vgs = profile == VGS
        sid = self.ids(School)
        rows.add(School, ("id", "name", "code", "profile"),
                 (sid, f"Benk videregående skole {n}" if vgs else f"Benk fagskole {n}",
                  f"bench-{n}", profile))
        yid = self.ids(SchoolYear)
        rows.add(SchoolYear, ("id", "school", "name", "starts_on", "ends_on"),
                 (yid, sid, self.year_name, *self.year))
        prefix = f"b{n}-"
        subjects, coded = [], []
        for code, name in SUBJECTS if vgs else FAGSKOLE_SUBJECTS:
            sub = self.ids(Subject)
            rows.add(Subject, ("id", "school", "code", "name", "practice"),
                     (sub, sid, code, name, False))
            subjects.append((sub, name))
            coded.append((sub, code, name))
        n_classes = math.ceil(students / CLASS_SIZE)
        n_teachers = max(len(subjects), math.ceil(n_classes * len(subjects) / 6))
        # year coordinators decide study leave: a school without it has none
        n_coord = max(1, math.ceil(n_classes / CLASSES_PER_COORDINATOR)) \
            if self.study_leave_here else 0
        teachers = [self.user(rows, f"{prefix}laerer{i}", f"Lærer {i} ved skole {n}",
                              ["teacher", "contact_teacher"] if i <= n_classes else ["teacher"],
                              sid) for i in range(1, n_teachers + 1)]
        coords = [self.user(rows, f"{prefix}trinn{i}", f"Trinnoppfølger {i} ved skole {n}",
                            ["year_coordinator"], sid) for i in range(1, n_coord + 1)]
        staff = {role: self.user(rows, f"{prefix}{role}", f"{STAFF_NAMES[role]} ved skole {n}",
                                 [role], sid)
                 for role in OTHER_STAFF}
        # the new examiner of grade appeals: never the one who set the grade
        staff["new_examiner"] = self.user(rows, f"{prefix}examiner2", f"Sensor 2 ved skole {n}",
                                          ["examiner"], sid)
        self.exams.add_school(rows, sid, yid, coded, staff["examiner"],
                              self.now - timedelta(days=120),
                              final=self.profile.has("grade_appeal_scope")
                              and self.profile.value("grade_appeal_scope") == "final_assessment")
        classes = []
        for c in range(n_classes):
            cid = self.ids(SchoolClass)
            klass = {"id": cid, "contact": teachers[c % n_teachers],
                     "coord": coords[c // CLASSES_PER_COORDINATOR] if coords else None,
                     "teachers": []}
            class_name = (f"{1 + c % 3}ST{c // 3 + 1:02d}" if vgs
                          else f"{1 + c % 2}HAV{c // 2 + 1:02d}")
            rows.add(SchoolClass, ("id", "school", "school_year", "name", "contact_teacher",
                                   "year_coordinator", "cohort_coordinator"),
                     (cid, sid, yid, class_name, klass["contact"], klass["coord"],
                      staff["cohort_coordinator"]))
            klass["assignments"] = []
            for j, (sub, name) in enumerate(subjects):
                teacher = teachers[(c * len(subjects) + j) // 6 % n_teachers]
                aid = self.ids(TeachingAssignment)
                rows.add(TeachingAssignment, ("id", "teacher", "subject", "school_class",
                                              "planned_lessons"),
                         (aid, teacher, sub, cid, PLANNED_LESSONS))
                klass["teachers"].append((teacher, sub, name))
                klass["assignments"].append((aid, teacher, name))
            classes.append(klass)
        number = 0
        for i in range(1, students + 1):
            klass = classes[(i - 1) // CLASS_SIZE]
            uid = self.user(rows, f"{prefix}elev{i}", f"Elev {i} ved skole {n}", ["student"],
                            sid)
            rows.add(Enrolment, ("id", "student", "school_class"),
                     (self.ids(Enrolment), uid, klass["id"]))
            for _ in range(CASES_PER_STUDENT):
                number += 1
                # a kind the student cannot file now (no published grade, no decision to
                # appeal) gives way to another drawn the same way
                for _attempt in range(20):
                    kind = self.rnd.choices(self.kinds, self.kind_weights)[0]
                    ctx = {"school": sid, "year": yid, "number": number, "student": uid,
                           "klass": klass, "staff": staff}
                    if kind == "study_leave":
                        self.study_leave(rows, ctx)
                        break
                    if self.generic(rows, kind, ctx) is not False:
                        break
            self.absence(rows, uid, yid, klass)
        rows.add(CaseCounter, ("id", "school", "school_year", "last_number"),
                 (self.ids(CaseCounter), sid, yid, number))

    # --- absence --------------------------------------------------------------------------

    def absence(self, rows, student, year, klass):
        """The student's registered absence so far: every lesson of their notes' days, then
        single lessons and late arrivals, each subject's undocumented absence kept under the
        profile's first threshold; warnings for any threshold the notes' days crossed."""
        rnd, lessons = self.absence_rnd, klass["assignments"]
        records = {}  # (date, lesson) -> [assignment, teacher, minutes late, documented,
        #                                   struck, category]

        def subject_of(day, lesson):  # the class's timetable
            return lessons[(day.weekday() * LESSONS_A_DAY + lesson) % len(lessons)]

        for day, (category, documented, struck) in sorted(self.note_days.pop(student, {})
                                                          .items()):
            for lesson in range(1, LESSONS_A_DAY + 1):
                aid, teacher, _name = subject_of(day, lesson)
                records[day, lesson] = [aid, teacher, 0, documented, struck, category]
        counted = self._counted(records)
        first = min((t.percent for t in self.thresholds), default=100) * PLANNED_LESSONS / 100
        for _ in range(min(ABSENCE_MAX, int(rnd.expovariate(1 / ABSENCE_MEAN)))):
            day, lesson = rnd.choice(self.school_days), rnd.randint(1, LESSONS_A_DAY)
            if (day, lesson) in records:
                continue
            aid, teacher, _name = subject_of(day, lesson)
            late = rnd.choice((5, 10, 15, 20, 30)) if rnd.random() < LATE_SHARE else 0
            counts = self._lessons(late)
            if counted.get(aid, 0) + counts >= first:
                continue
            counted[aid] = counted.get(aid, 0) + counts
            records[day, lesson] = [aid, teacher, late, False, False, None]
        for (day, lesson), (aid, teacher, late, documented, struck, category) in sorted(
                records.items()):
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=7 + lesson)
            rows.add(AbsenceRecord, RECORD_F,
                     (self.ids(AbsenceRecord), student, aid, year, day, lesson, late,
                      documented, struck, category, False, teacher, min(at, self.now)))
        names = {aid: name for aid, _t, name in lessons}
        undocumented = self._undocumented(records)
        for aid, absent in self._undocumented(records, everything=True).items():
            figures = absence_rules.SubjectFigures(
                assignment_id=aid, subject=names[aid], subject_code="", planned=PLANNED_LESSONS,
                planned_to_date=0, undocumented=undocumented.get(aid, 0), absent=absent)
            for threshold in absence_rules.crossed(self.profile, figures):
                rows.add(AbsenceWarning, WARNING_F,
                         (self.ids(AbsenceWarning), student, aid, year, threshold.key,
                          figures.counted_percent(threshold), self.now))

    def _lessons(self, minutes_late: int) -> float:
        """What one record counts, in lessons: a whole lesson, or the part a late arrival
        missed (the portal's rule)."""
        return absence_rules.lesson_equivalents(0 if minutes_late else 1, minutes_late,
                                                self.lesson_minutes)

    def _undocumented(self, records, *, everything=False) -> dict[int, float]:
        """Undocumented absence (`everything`: all absence) in lessons (late minutes as parts
        of a lesson) by assignment, as the portal counts it (categories R and corrected
        records are none here)."""
        out: dict[int, float] = {}
        for aid, _teacher, late, documented, _struck, _category in records.values():
            if everything or not documented:
                out[aid] = out.get(aid, 0) + self._lessons(late)
        return out

    def _counted(self, records) -> dict[int, float]:
        """The absence the profile's thresholds count: undocumented at a vgs, all of it at a
        fagskole."""
        return self._undocumented(records, everything=any(t.counts_documented
                                                          for t in self.thresholds))

    # --- cases ----------------------------------------------------------------------------

    def _start(self) -> datetime:
        """When a case was filed: any working hour since the school year began."""
        span = (self.now - datetime.combine(self.year[0], datetime.min.time())).total_seconds()
        return self.now - timedelta(seconds=self.rnd.uniform(3600, span))

    def _later(self, t: datetime, hours=(2, 60)) -> datetime:
        return t + timedelta(hours=self.rnd.uniform(*hours))

    def _appeal_deadline(self, day: date) -> date:
        key = (self.profile.name, day)
        if key not in self.deadline_cache:
            self.deadline_cache[key] = deadline_after(day, self.appeal_rule)
        return self.deadline_cache[key]

    def _case(self, rows, ctx, kind, title, events, parts, t0):
        """Write a case with its events [(actor, role, action, before, after, text, data, t)]
        and its participants {(user, part)} (or {(user, part): when they joined})."""
        cid = ctx["case_id"]
        last = events[-1]
        state = last[4]
        is_open = REGISTRY[kind].is_open(state)
        rows.add(Case, CASE_F, (cid, ctx["school"], ctx["year"], ctx["number"], kind, state,
                                is_open, ctx["student"], title, len(events), t0, last[7],
                                ctx.get("staff_due_on") if is_open else None))
        joined = parts if isinstance(parts, dict) else dict.fromkeys(parts, t0)
        for user, part in sorted(parts):
            rows.add(Participant, PART_F, (self.ids(Participant), cid, user, part,
                                           joined[user, part]))
        held: dict[int, frozenset] = {}
        for user, part in parts:
            held[user] = held.get(user, frozenset()) | {part}
        for actor, role, action, before, after, text, data, t in events:
            eid = self.ids(Event)
            rows.add(Event, EVENT_F, (eid, cid, actor, role, action, before, after, text, data,
                                      t))
            for user in sorted(held):
                if user == actor:
                    continue
                heard = self._heard(kind, before, action, after, held[user], data)
                if heard is not None:
                    self._notification(rows, user, cid, eid, *heard, t)

    def _heard(self, kind: str, before, action: str, after: str, parts: frozenset, data):
        """(kind, text key) of the notification someone holding `parts` gets of an event, or
        None: the app's own rule (notifications.notify.heard), worked out once for each
        kind, step, parts and whose turn the step begins (Kind.turn)."""
        k = REGISTRY[kind]
        transition = None if action == "file" else k.transition(before, action)
        turn = k.turn(transition, action, data, set(parts))
        key = (kind, before, action, after, parts, turn)
        if key not in self.heard_cache:
            self.heard_cache[key] = heard(k, transition, action, after, k.is_open(after), parts,
                                          turn=turn)
        return self.heard_cache[key]

    def _notification(self, rows, user, cid, eid, kind: str, key: str, t):
        rnd = self.note_rnd  # (a stream of its own: the cases are the same whoever hears)
        recent = self.now - t < timedelta(days=UNREAD_DAYS)
        read_at = (None if recent and rnd.random() < 0.5
                   else min(self.now, t + timedelta(hours=rnd.uniform(0.2, 48))))
        rows.add(Notification, NOTE_F, (self.ids(Notification), user, cid, eid, kind, key, t,
                                        read_at))

    def _decision(self, rows, cid, outcome, summary, actor, role, t, *, student,
                  reference="opplæringslova § 3-47", present=None):
        did = self.ids(Decision)
        rows.add(Decision, DEC_F, (
            did, cid, outcome, summary, summary, reference,
            actor, role, t, self.profile.value("appeal_body"),
            self._appeal_deadline(oslo_date(t)), self.appeal_rule.cite(), present))
        self.decided.setdefault(student, []).append((did, t, outcome, summary))

    def _attachment(self, rows, cid, user, purpose, t, *, health=False):
        rows.add(Attachment, ATT_F, (self.ids(Attachment), cid, user, FILE_NAMES[purpose],
                                     "application/pdf", len(PDF), self.sha, health, purpose,
                                     PDF, t))

    def study_leave(self, rows, ctx):
        """The study-leave timeline: filed, grounds, each teacher answers, decided, tasks
        done, recorded as R; recent cases stop where today is."""
        StudyLeave, TeacherAnswer = self.sl
        rnd = self.rnd
        cid = ctx["case_id"] = self.ids(Case)
        student, klass = ctx["student"], ctx["klass"]
        coord = klass["coord"]
        t = t0 = self._start()
        first = t0.date() + timedelta(days=rnd.randint(8, 30))
        last = first + timedelta(days=rnd.randint(0, 4))
        sports = rnd.random() < 0.2
        reason = rnd.choice(REASONS)
        title = f"Selvstendig studiearbeid {first:%d.%m.%Y} – {last:%d.%m.%Y}"
        parts = {(student, "student"), (klass["contact"], "contact_teacher"),
                 (coord, "year_coordinator")}
        events = [(student, "student", "file", None, "submitted", reason,
                   {"first_day": first.isoformat(), "last_day": last.isoformat()}, t)]
        if sports:
            self._attachment(rows, cid, student, "sports_confirmation", t)
        answers = []

        def step(actor, role, action, after, text="", data=None, hours=(2, 60)):
            nonlocal t
            nxt = self._later(t, hours)
            if nxt >= self.now:
                return False
            t = nxt
            events.append((actor, role, action, events[-1][4], after, text, data, t))
            return True

        def finish():
            # when staff owe the next answer, as the flow sets it: the day before the period
            # until the student is answered, then the day after it (the work is approved)
            state = events[-1][4]
            ctx["staff_due_on"] = (first - timedelta(days=1) if state in (
                "submitted", "with_teachers") else last + timedelta(days=1)
                if state == "granted" else None)
            rows.add(StudyLeave, ("id", "case", "school_class", "first_day", "last_day",
                                  "reason", "is_sports_event", "parents_informed",
                                  "club_informed", "registered_r_at", "created_at"),
                     (self.ids(StudyLeave), cid, klass["id"], first, last, reason, sports,
                      sports, sports, t if events[-1][2] == "complete" else None, t0))
            for a in answers:
                rows.add(TeacherAnswer, ("id", "case", "subject", "teacher", "decision", "text",
                                         "answered_at", "done", "done_at"), a)
            self._case(rows, ctx, "study_leave", title, events, parts, t0)

        roll = rnd.random()
        if roll < 0.04:
            step(student, "student", "withdraw", "withdrawn")
            return finish()
        if roll < 0.12:
            if step(coord, "year_coordinator", "refuse", "refused", "Ikke grunnlag."):
                self._decision(rows, cid, "refused", title + " er avslått", coord,
                               "year_coordinator", t, student=student)
            return finish()
        if not step(coord, "year_coordinator", "grounds", "with_teachers"):
            return finish()
        pending = []
        for teacher, sub, _name in klass["teachers"]:
            parts.add((teacher, "teacher"))
            pending.append([self.ids(TeacherAnswer), cid, sub, teacher, None, "", None, False,
                            None])
        for i, a in enumerate(pending):
            decision = "approved" if rnd.random() < 0.9 else "declined"
            text = "Les kapittel 4 og lever oppgave 4.2." if decision == "approved" else \
                "Vi har prøve den uka."
            data = {"decision": decision}
            if i == len(pending) - 1:  # (the answer that completes them, as the flow marks it)
                data["completes"] = True
            if step(a[3], "teacher", "teacher_answer", "with_teachers", text, data,
                    hours=(1, 20)):
                a[4], a[5], a[6] = decision, text, t
        answers.extend(pending)
        if any(a[4] is None for a in pending):
            answers[:] = [tuple(a) for a in answers]
            return finish()
        granted = rnd.random() < 0.93
        if not step(coord, "year_coordinator", "grant" if granted else "refuse_answer",
                    "granted" if granted else "refused"):
            answers[:] = [tuple(a) for a in answers]
            return finish()
        self._decision(rows, cid, "granted" if granted else "refused",
                       title + (" er innvilget" if granted else " er avslått"), coord,
                       "year_coordinator", t, student=student)
        if granted:
            for a in pending:
                if a[4] == "approved" and step(student, "student", "task_done", "granted",
                                               "Oppgave levert", hours=(4, 48)):
                    a[7], a[8] = True, t
            if rnd.random() < 0.3 and step(student, "student", "add_documentation", "granted",
                                           "dokumentasjon.pdf"):
                self._attachment(rows, cid, student, "documentation", t)
            # (approved, or closed as not done, only once the period has run: flow.complete)
            if (all(a[7] or a[4] != "approved" for a in pending)
                    and t.date() > last):
                if rnd.random() < 0.95:
                    step(coord, "year_coordinator", "complete", "completed")
                else:
                    step(coord, "year_coordinator", "close", "not_completed", "Ikke levert.")
        answers[:] = [tuple(a) for a in answers]
        return finish()

    def generic(self, rows, kind_code, ctx):
        """A random walk through a kind's transition table, one event a step, with the
        kind's own rows (bench/kinds.py); False when the student cannot file one now."""
        kind, own = REGISTRY[kind_code], self.own[kind_code]
        rnd = self.rnd
        start = own.start(rows, ctx)
        if start is False:
            return False
        t = t0 = start
        cid = ctx["case_id"] = self.ids(Case)
        klass, staff, student = ctx["klass"], ctx["staff"], ctx["student"]
        people = {"student": student, "contact_teacher": klass["contact"],
                  "year_coordinator": klass["coord"],
                  "teacher": ctx.get("teacher", klass["teachers"][0][0]), **staff}
        state = kind.initial
        title = own.title(ctx)
        events = [own.filing(ctx, state, t)]  # (the student's, or a teacher's report)
        parts = dict.fromkeys([(student, "student"), *((people[r], r) for r in own.takes_part)],
                              t0)
        taken: dict[str, int] = {}
        for _ in range(rnd.randint(6, 16)):
            # (a step at most twice a case: more documentation asked for a third time, or
            # a third round of anything, is not how cases go)
            # (nor the steps a ruling on an appeal takes, which the appeals' rows do not tell)
            options = [tr for tr in kind.transitions
                       if tr.state == state and taken.get(tr.action, 0) < 2
                       and tr.action not in own.skips and APPEAL_REVIEWER not in tr.roles]
            if not options:
                break
            staying = [tr for tr in options if kind.is_open(tr.to)]
            tr = rnd.choice(staying if staying and rnd.random() < 0.8 else options)
            # (the kind's own staff where the step allows them: the profile's reviewer)
            role = next((r for r in sorted(tr.roles) if r in own.takes_part),
                        sorted(tr.roles)[0])
            actor = people.get(role, staff["admin"])
            nxt = self._later(t)
            if nxt >= self.now:
                break
            t = nxt
            for joining in [(actor, role), *((people[r], r) for r in own.joins.get(tr.action,
                                                                                    ()))]:
                parts.setdefault(joining, t)
            taken[tr.action] = taken.get(tr.action, 0) + 1
            events.append((actor, role, tr.action, state, tr.to, own.texts.get(tr.action, ""),
                           None, t))
            if tr.decision:
                outcome, summary, reference = own.decision(tr.action, ctx)
                self._decision(rows, cid, outcome, summary, actor, role, t, student=student,
                               reference=reference, present=own.present(ctx))
            state = tr.to
        own.finish(rows, ctx, Walk(cid, events, people))
        self._case(rows, ctx, kind_code, title, events, parts, t0)


def build(database, *, scale: float, now: datetime | None = None, seed: int = 7) -> dict:
    """Fill an empty, migrated database; returns the number of rows per table."""
    from portal.models.base import utcnow

    return Builder(database, scale=scale, now=now or utcnow(), seed=seed).build()
