"""The kinds' own rows in the benchmark's dataset, for every kind but study leave (which
bench/dataset.py scripts whole).

Those kinds' cases walk at random through their transition tables (bench/dataset.py,
`Builder.generic`); each kind here says who takes part, when a case can start
(a grade must be published first, an appeal needs an earlier decision), which outcome a
decision of a step has, and writes the rows the kind's own code would have written by the
walk's last state: the application, note or appeal row, the exam and grade it is about, the
new grade of a regrading, the board's vote. So every case page of the dataset opens as
it would in a school that had used the portal (tests/test_bench.py opens one of each kind
and state as each of its participants).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.cases.kinds import REGISTRY
from portal.rules.deadlines import Deadline

# Each school's exams: every subject on these days (UTC, 08:00), grades published two weeks
# later. The autumn's are past by December; the later ones are what adaptations ask for.
EXAM_DAYS = [date(2026, 9, 15), date(2026, 10, 13), date(2026, 11, 10), date(2026, 12, 8),
             date(2027, 5, 25)]
PUBLISHED_AFTER = timedelta(days=14)
LETTERS = "ABCDEF"


@dataclass
class Walk:
    """One case's walk: its events [(actor, role, action, before, after, text, data, t)]."""

    case_id: int
    events: list
    people: dict

    def at(self, *actions) -> tuple | None:
        """The last event of one of these actions."""
        return next((e for e in reversed(self.events) if e[2] in actions), None)

    @property
    def state(self) -> str:
        return self.events[-1][4]

    @property
    def filed(self) -> datetime:
        return self.events[0][7]


class KindRows:
    """A kind's part in the dataset; the base class writes nothing of its own."""

    takes_part: tuple[str, ...] = ()  # roles that take part from the filing on
    joins: dict[str, tuple[str, ...]] = {}  # action -> roles that join the case with it
    outcomes: dict[str, str] = {}  # action of a decision step -> the decision's outcome

    def __init__(self, builder):
        self.b = builder

    def start(self, rows, ctx) -> datetime | None | bool:
        """When the case is filed (None: any time of the year; False: this student cannot
        file one now)."""
        return None

    def title(self, ctx) -> str:
        """The case's title, as the kind's own code words it (in Norwegian)."""
        raise NotImplementedError

    def finish(self, rows, ctx, walk: Walk) -> None:
        """Write the kind's rows for the walk's last state."""


def _due(builder, day: date, rule: str) -> date | None:
    profile = builder.profile
    return Deadline.after(day, profile.rule(rule)).due if rule in profile else None


class Exams:
    """Each school's exams and examiners, and the grades of the students' cases."""

    def __init__(self, builder):
        self.b = builder
        self.of_school: dict[int, list[tuple[int, int, datetime]]] = {}  # (exam, subject, at)
        self.subjects: dict[int, str] = {}  # subject -> its name
        self.used: set[tuple[int, int]] = set()  # (exam, student) registered

    def add_school(self, rows, school_id, year_id, subjects, examiner, created):
        from portal.exams.models import Exam
        from portal.grades.models import ExamExaminer

        exams = []
        self.subjects.update((sub, name) for sub, name in subjects)
        for day in EXAM_DAYS:
            for sub, _name in subjects:
                eid = self.b.ids(Exam)
                at = datetime.combine(day, time(8, 0))
                rows.add(Exam, ("id", "school", "school_year", "subject", "starts_at",
                                "duration_minutes", "form", "aids", "location",
                                "is_final_assessment", "created_at"),
                         (eid, school_id, year_id, sub, at, 300, "written", "Alle hjelpemidler",
                          "Gymsalen", False, created))
                rows.add(ExamExaminer, ("id", "exam", "examiner"),
                         (self.b.ids(ExamExaminer), eid, examiner))
                exams.append((eid, sub, at))
        self.of_school[school_id] = exams

    def graded(self, school_id, student, before: datetime) -> tuple | None:
        """An exam of the student's whose grade was published before `before`, not one of
        their other cases' (exam, publication time, subject)."""
        past = [(eid, at + PUBLISHED_AFTER, sub) for eid, sub, at in self.of_school[school_id]
                if at + PUBLISHED_AFTER < before and (eid, student) not in self.used]
        return self.b.rnd.choice(past) if past else None

    def coming(self, school_id, student, after: datetime) -> tuple | None:
        """The student's next exam after `after` (exam, time, subject)."""
        coming = [(eid, at, sub) for eid, sub, at in self.of_school[school_id]
                  if at > after and (eid, student) not in self.used]
        return coming[0] if coming else None

    def register(self, rows, exam_id, student, exam_at, status="attended") -> int:
        from portal.exams.models import ExamRegistration

        self.used.add((exam_id, student))
        rid = self.b.ids(ExamRegistration)
        rows.add(ExamRegistration, ("id", "exam", "student", "attempt", "status",
                                    "registered_at", "changed_at"),
                 (rid, exam_id, student, 1, status, exam_at - timedelta(days=30),
                  exam_at if status == "attended" else exam_at - timedelta(days=30)))
        return rid

    def grade(self, rows, registration, grade, by, published, *, origin="ordinary",
              replaced_by=None, final=False) -> int:
        from portal.grades.models import Grade

        gid = self.b.ids(Grade)
        rows.add(Grade, ("id", "registration", "grade", "graded_by", "recorded_at",
                         "published_at", "channel", "guidelines", "has_oral_part", "origin",
                         "replaced_by", "is_final"),
                 (gid, registration, grade, by, published - timedelta(hours=2), published,
                  "electronic", "Vurderingsveiledning for eksamen", False, origin, replaced_by,
                  final))
        return gid


class GradeAppeal(KindRows):
    """An appeal of one of the student's published grades; new examiners regrade it."""

    takes_part = ("exam_office",)
    joins = {"appoint": ("new_examiner",)}

    def start(self, rows, ctx):
        found = self.b.exams.graded(ctx["school"], ctx["student"], self.b.now - timedelta(
            hours=2))
        if found is None:
            return False
        exam, published, subject = found
        ctx["exam"], ctx["published"], ctx["subject"] = exam, published, subject
        ctx["registration"] = self.b.exams.register(rows, exam, ctx["student"],
                                                    published - PUBLISHED_AFTER)
        window = min(timedelta(days=9), self.b.now - published - timedelta(hours=1))
        return published + window * self.b.rnd.uniform(0.05, 1)

    def title(self, ctx):
        return f"Klage på karakter: {self.b.exams.subjects[ctx['subject']]}"

    def ordinary_grade(self, rows, ctx, *, replaced_by=None) -> int:
        examiner = ctx["staff"]["examiner"]
        return self.b.exams.grade(rows, ctx["registration"], self.b.rnd.choice(LETTERS[1:5]),
                                  examiner, ctx["published"], replaced_by=replaced_by)

    def finish(self, rows, ctx, walk):
        from portal.kinds.grade_appeal.models import GradeAppeal as Appeal

        regraded = walk.at("regrade")
        new = None
        if regraded:  # the new grade first: the old one refers to it
            new = self.b.exams.grade(rows, ctx["registration"], self.b.rnd.choice(LETTERS[:5]),
                                     regraded[0], regraded[7], origin="regrading", final=True)
        old = self.ordinary_grade(rows, ctx, replaced_by=new)
        on = walk.filed.date()
        due = _due(self.b, on, "regrading_within")
        rows.add(Appeal, ("id", "case", "grade", "reasons", "filed_on", "answer_due",
                          "new_grade", "new_oral_required"),
                 (self.b.ids(Appeal), walk.case_id, old,
                  "Jeg mener besvarelsen fortjener en bedre karakter.", on, due, new, False))
        if walk.state in ("filed", "regrading"):
            ctx["staff_due_on"] = due


class DecisionAppeal(KindRows):
    """An appeal of one of the student's earlier decisions that went against them."""

    takes_part = ("principal",)
    joins = {"forward": ("appeals_board",)}
    outcomes = {"reverse": "granted"}

    def start(self, rows, ctx):
        appealable = [d for d in self.b.decided.get(ctx["student"], [])
                      if d[2] in ("refused", "partly_granted")
                      and d[1] < self.b.now - timedelta(hours=3)]
        if not appealable:
            return False
        decision, decided_at, _outcome, summary = appealable[-1]
        ctx["appealed"], ctx["appealed_summary"] = decision, summary
        window = min(timedelta(days=14), self.b.now - decided_at - timedelta(hours=2))
        return decided_at + window * self.b.rnd.uniform(0.05, 1)

    def title(self, ctx):
        return f"Klage: {ctx['appealed_summary']}"[:200]

    def finish(self, rows, ctx, walk):
        from portal.kinds.decision_appeal.models import BoardVote
        from portal.kinds.decision_appeal.models import DecisionAppeal as Appeal

        forwarded, reversed_, decided = walk.at("forward"), walk.at("reverse"), walk.at("decide")
        on = walk.filed.date()
        outcome = "reversed" if reversed_ else ("upheld" if decided else None)
        aid = self.b.ids(Appeal)
        rows.add(Appeal, ("id", "case", "decision", "change_wanted", "reasons", "signed_at",
                          "filed_on", "is_late", "late_explanation", "assessment",
                          "forwarded_on", "answer_due", "outcome", "minutes", "meeting_on"),
                 (aid, walk.case_id, ctx["appealed"], "At søknaden innvilges.",
                  "Jeg la ved dokumentasjon som ikke ble vurdert.", walk.filed, on, False, "",
                  "Skolen opprettholder vedtaket." if forwarded else "",
                  forwarded[7].date() if forwarded else None,
                  _due(self.b, forwarded[7].date(), "appeal_board_answer_within")
                  if forwarded else None, outcome,
                  "Klagenemnda gikk gjennom saken." if decided else "",
                  decided[7].date() if decided else None))
        if decided:
            rows.add(BoardVote, ("id", "appeal", "member", "vote", "is_chair"),
                     (self.b.ids(BoardVote), aid, walk.people["appeals_board"], "upheld", True))


class AbsenceNote(KindRows):
    takes_part = ("contact_teacher",)
    outcomes = {"refuse": "refused"}

    def start(self, rows, ctx):
        t0 = self.b._start()
        first = t0.date() - timedelta(days=self.b.rnd.randint(1, 6))
        while first.weekday() >= 5:
            first -= timedelta(days=1)
        ctx["day"] = first
        return t0

    def title(self, ctx):
        return f"a) Helse- eller velferdsgrunner: {ctx['day']:%d.%m.%Y}"

    def finish(self, rows, ctx, walk):
        from portal.kinds.absence_note.models import AbsenceNote as Note

        first = ctx["day"]
        accepted = walk.at("accept")
        asked = walk.at("ask")
        rows.add(Note, ("id", "case", "category", "scope", "first_day", "last_day",
                        "lesson_day", "lessons", "chronic", "records", "explanation",
                        "missing", "outcome"),
                 (self.b.ids(Note), walk.case_id, "a", "days", first, first, None, "", False,
                  None, "Jeg var syk med feber.",
                  "Legeerklæring for dagen." if asked else "",
                  {"explanation": "Dagen holdes utenfor vitnemålet."} if accepted else None))


class ExamAdaptation(KindRows):
    takes_part = ("exam_office",)
    outcomes = {"decide": "granted"}

    def start(self, rows, ctx):
        latest = self.b.now - timedelta(hours=2)
        span = (latest - datetime.combine(self.b.year[0], time(8, 0))).total_seconds()
        t0 = latest - timedelta(seconds=self.b.rnd.uniform(0, max(span, 3600)))
        found = self.b.exams.coming(ctx["school"], ctx["student"], t0 + timedelta(days=21))
        if found is None:
            return False
        ctx["exam"], ctx["exam_at"], ctx["subject"] = found
        self.b.exams.register(rows, found[0], ctx["student"], found[1],
                              status="attended" if found[1] < self.b.now else "registered")
        return t0

    def title(self, ctx):
        return (f"Tilrettelegging: {self.b.exams.subjects[ctx['subject']]} "
                f"{ctx['exam_at']:%d.%m.%Y}")

    def finish(self, rows, ctx, walk):
        from portal.kinds.exam_adaptation.models import (
            ExamAdaptationApplication,
            ExamAdaptationExam,
            ExamAdaptationItem,
        )

        decided = walk.at("decide")
        rows.add(ExamAdaptationApplication, ("id", "case", "all_exams", "acute",
                                             "acute_explanation", "reason"),
                 (self.b.ids(ExamAdaptationApplication), walk.case_id, False, False, "",
                  "Jeg har dysleksi og trenger lengre tid til å lese oppgaven."))
        rows.add(ExamAdaptationExam, ("id", "case", "exam"),
                 (self.b.ids(ExamAdaptationExam), walk.case_id, ctx["exam"]))
        rows.add(ExamAdaptationItem, ("id", "case", "adaptation", "minutes", "detail",
                                      "outcome", "granted_minutes", "decision_reason"),
                 (self.b.ids(ExamAdaptationItem), walk.case_id, "extra_time", 60, "",
                  "granted" if decided else None, 60 if decided else None,
                  "Dokumentert behov." if decided else ""))


# Every registered kind but study leave, with its part here, or None where a vgs does not
# have the kind (the dataset's schools are all vgs, and their profile lacks its rules: a
# justification, a formal-error appeal or a follow-up could not be filed or decided there).
BY_KIND = {"grade_appeal": GradeAppeal, "decision_appeal": DecisionAppeal,
           "absence_note": AbsenceNote, "exam_adaptation": ExamAdaptation,
           "justification": None, "formal_error_appeal": None, "follow_up": None}


def kind_rows(builder) -> dict[str, KindRows]:
    """{kind: its part} for the registered kinds the dataset's schools have (study leave is
    bench/dataset.py's own). A kind new to the portal must be named in BY_KIND first."""
    unknown = set(REGISTRY) - set(BY_KIND) - {"study_leave"}
    if unknown:
        raise RuntimeError(f"bench/kinds.py does not know the kinds {sorted(unknown)}: "
                           "say in BY_KIND which rows their cases need")
    return {code: part(builder) for code, part in BY_KIND.items()
            if part is not None and code in REGISTRY}


def models() -> list:
    """The tables written here, in an order their foreign keys allow (after the core
    tables of bench/dataset.py's ORDER that they refer to)."""
    from portal.exams.models import Exam, ExamRegistration
    from portal.grades.models import ExamExaminer, Grade

    out = [Exam, ExamExaminer, ExamRegistration, Grade]
    for code, part in BY_KIND.items():
        if part is None or code not in REGISTRY:
            continue
        module = __import__(f"portal.kinds.{code}.models", fromlist=["*"])
        out += [m for m in vars(module).values()
                if isinstance(m, type) and hasattr(m, "_meta") and m.__module__ == module.__name__]
    return out
