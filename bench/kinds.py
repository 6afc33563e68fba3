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
from portal.i18n import gettext as _
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import Deadline, format_date

# Each school's exams: every subject on these days (UTC, 08:00), grades published two weeks
# later (the autumn's are past by December).
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

    def at(self, action) -> tuple | None:
        """The last event of this action."""
        return next((e for e in reversed(self.events) if e[2] == action), None)

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
    texts: dict[str, str] = {}  # action -> what the one who takes the step writes

    def __init__(self, builder):
        self.b = builder

    def start(self, rows, ctx) -> datetime | bool:
        """When the case is filed (by default any time of the year so far; False: this
        student cannot file one now)."""
        return self.b._start()

    def title(self, ctx) -> str:
        """The case's title, as the kind's own code words it."""
        raise NotImplementedError

    def decision(self, action, ctx) -> tuple[str, str, str]:
        """(outcome, summary, rule reference) of the decision a step issues."""
        raise NotImplementedError

    def finish(self, rows, ctx, walk: Walk) -> None:
        """Write the kind's rows for the walk's last state."""


def _due(builder, day: date, rule: str) -> date | None:
    profile = builder.profile
    return Deadline.after(day, profile.rule(rule)).due if rule in profile else None


class Exams:
    """Each school's exams and examiners, and the grades of the students' appeals."""

    def __init__(self, builder):
        self.b = builder
        self.of_school: dict[int, list[tuple[int, int, datetime]]] = {}  # (exam, subject, at)
        self.subjects: dict[int, tuple[str, str]] = {}  # subject -> (code, name)
        self.used: set[tuple[int, int]] = set()  # (exam, student) registered

    def add_school(self, rows, school_id, year_id, subjects, examiner, created):
        from portal.exams.models import Exam
        from portal.grades.models import ExamExaminer

        exams = []
        self.subjects.update((sub, (code, name)) for sub, code, name in subjects)
        for day in EXAM_DAYS:
            for sub, _code, _name in subjects:
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
        their other appeals' (exam, publication time, subject)."""
        past = [(eid, at + PUBLISHED_AFTER, sub) for eid, sub, at in self.of_school[school_id]
                if at + PUBLISHED_AFTER < before and (eid, student) not in self.used]
        return self.b.rnd.choice(past) if past else None

    def register(self, rows, exam_id, student, exam_at) -> int:
        from portal.exams.models import ExamRegistration

        self.used.add((exam_id, student))
        rid = self.b.ids(ExamRegistration)
        rows.add(ExamRegistration, ("id", "exam", "student", "attempt", "status",
                                    "registered_at", "changed_at"),
                 (rid, exam_id, student, 1, "attended", exam_at - timedelta(days=30), exam_at))
        return rid

    def grade(self, rows, gid, registration, grade, by, published, *, origin="ordinary",
              replaced_by=None, final=False) -> None:
        from portal.grades.models import Grade

        rows.add(Grade, ("id", "registration", "grade", "graded_by", "recorded_at",
                         "published_at", "channel", "guidelines", "has_oral_part", "origin",
                         "replaced_by", "is_final"),
                 (gid, registration, grade, by,
                  published - timedelta(hours=2) if origin == "ordinary" else published,
                  published, "electronic", "Vurderingsveiledning for eksamen", False, origin,
                  replaced_by, final))


class GradeAppeal(KindRows):
    """An appeal of one of the student's published grades, within the appeal deadline; the
    exam office appoints a new examiner, who regrades (no decision letter: the new grade is
    final)."""

    takes_part = ("exam_office",)
    joins = {"appoint": ("new_examiner",)}

    def start(self, rows, ctx):
        from portal.grades.models import Grade

        found = self.b.exams.graded(ctx["school"], ctx["student"],
                                    self.b.now - timedelta(hours=2))
        if found is None:
            return False
        exam, published, subject = found
        ctx["published"], ctx["subject"] = published, subject
        ctx["registration"] = self.b.exams.register(rows, exam, ctx["student"],
                                                    published - PUBLISHED_AFTER)
        ctx["grade"] = self.b.ids(Grade)  # (written after its new grade: it refers to it)
        window = min(timedelta(days=9), self.b.now - published - timedelta(hours=1))
        return published + window * self.b.rnd.uniform(0.05, 1)

    def title(self, ctx):
        code, name = self.b.exams.subjects[ctx["subject"]]
        return _("Appeal on grade: %(code)s %(name)s", code=code, name=name)

    def finish(self, rows, ctx, walk):
        from portal.grades.models import Grade
        from portal.kinds.grade_appeal.models import GradeAppeal as Appeal

        exams, rnd = self.b.exams, self.b.rnd
        regraded = walk.at("regrade")
        new = None
        if regraded:
            new = self.b.ids(Grade)
            exams.grade(rows, new, ctx["registration"], rnd.choice(LETTERS[:5]), regraded[0],
                        regraded[7], origin="regrading", final=True)
        exams.grade(rows, ctx["grade"], ctx["registration"], rnd.choice(LETTERS[1:5]),
                    ctx["staff"]["examiner"], ctx["published"], replaced_by=new)
        on = oslo_date(walk.filed)
        due = _due(self.b, on, "regrading_within")
        rows.add(Appeal, ("id", "case", "grade", "reasons", "filed_on", "answer_due",
                          "new_grade", "new_oral_required"),
                 (self.b.ids(Appeal), walk.case_id, ctx["grade"],
                  "Jeg mener besvarelsen fortjener en bedre karakter.", on, due, new, False))
        if walk.state in ("filed", "regrading"):
            ctx["staff_due_on"] = due


class DecisionAppeal(KindRows):
    """An appeal of one of the student's earlier decisions that went against them (each
    decision appealed once), within the appeal deadline."""

    takes_part = ("principal",)
    joins = {"forward": ("appeals_board",)}
    texts = {"forward": "Skolen opprettholder vedtaket og sender klagen til klagenemnda."}
    CHANGE_WANTED = "At søknaden innvilges."

    def start(self, rows, ctx):
        decided = self.b.decided.get(ctx["student"], [])
        appealable = [d for d in decided if d[2] in ("refused", "partly_granted")
                      and d[1] < self.b.now - timedelta(hours=3)]
        if not appealable:
            return False
        chosen = appealable[-1]
        decided.remove(chosen)
        ctx["appealed"], decided_at, _outcome, ctx["appealed_summary"] = chosen
        window = min(timedelta(days=14), self.b.now - decided_at - timedelta(hours=2))
        return decided_at + window * self.b.rnd.uniform(0.05, 1)

    def title(self, ctx):
        return _("Appeal: %(summary)s", summary=ctx["appealed_summary"])[:200]

    def decision(self, action, ctx):  # reverse: in the student's favour
        from portal.kinds.decision_appeal.rules import REVERSAL_OUTCOMES

        return ("granted", f"{REVERSAL_OUTCOMES['granted']}: {self.CHANGE_WANTED}",
                self.b.profile.rule("decision_appeal_first_instance").cite())

    def finish(self, rows, ctx, walk):
        from portal.kinds.decision_appeal.models import BoardVote
        from portal.kinds.decision_appeal.models import DecisionAppeal as Appeal

        forwarded, reversed_, decided = walk.at("forward"), walk.at("reverse"), walk.at("decide")
        on = oslo_date(walk.filed)
        # the board's answer is due from the filing, and anew from the forwarding
        due = _due(self.b, oslo_date(forwarded[7]) if forwarded else on,
                   "appeal_board_answer_within")
        aid = self.b.ids(Appeal)
        rows.add(Appeal, ("id", "case", "decision", "change_wanted", "reasons", "signed_at",
                          "filed_on", "is_late", "late_explanation", "assessment",
                          "forwarded_on", "answer_due", "outcome", "minutes", "meeting_on"),
                 (aid, walk.case_id, ctx["appealed"], self.CHANGE_WANTED,
                  "Jeg la ved dokumentasjon som ikke ble vurdert.", walk.filed, on, False, "",
                  self.texts["forward"] if forwarded else "",
                  oslo_date(forwarded[7]) if forwarded else None, due,
                  "reversed" if reversed_ else ("upheld" if decided else None),
                  "Klagenemnda gikk gjennom saken." if decided else "",
                  oslo_date(decided[7]) if decided else None))
        if decided:
            rows.add(BoardVote, ("id", "appeal", "member", "vote", "is_chair"),
                     (self.b.ids(BoardVote), aid, walk.people["appeals_board"], "upheld", True))
        if walk.state in ("filed", "with_board"):
            ctx["staff_due_on"] = due


class AbsenceNote(KindRows):
    """A note of one to three days' illness, reviewed by the contact teacher (the vgs
    profile's reviewer); acceptance applies the portal's own counting rules."""

    takes_part = ("contact_teacher",)
    texts = {"ask": "Legeerklæring for dagene mangler.",
             "refuse": "Fraværet er ikke dokumentert.",
             "add": "Legeerklæring lagt ved."}
    CATEGORY = "a"  # health or welfare reasons

    def start(self, rows, ctx):
        from portal.absence.rules import school_days

        t0 = super().start(rows, ctx)
        on = oslo_date(t0)
        first = on - timedelta(days=self.b.rnd.randint(1, 8))
        days = school_days(max(first, self.b.year[0]), on)[:self.b.rnd.randint(1, 3)]
        if not days:
            return False
        ctx["days"] = days
        return t0

    def title(self, ctx):
        from portal.kinds.absence_note.forms import CATEGORY_LABELS

        first, last = ctx["days"][0], ctx["days"][-1]
        span = format_date(first) + (f" – {format_date(last)}" if last != first else "")
        return f"{CATEGORY_LABELS[self.CATEGORY]}: {span}"[:200]

    def decision(self, action, ctx):  # refuse
        from portal.kinds.absence_note.views import _rule_applied

        return ("refused", _("The absence note is refused."), _rule_applied(self.b.profile))

    def finish(self, rows, ctx, walk):
        from portal.absence import rules
        from portal.absence.models import AbsenceCover
        from portal.kinds.absence_note.models import AbsenceNote as Note
        from portal.kinds.absence_note.review import explain

        days, student = ctx["days"], ctx["student"]
        for event in walk.events:
            if event[2] == "add":  # the documentation the student adds
                self.b._attachment(rows, walk.case_id, student, "documentation", event[7],
                                   health=True)
        outcome = None
        # the teachers registered those days' lessons as absence (bench/dataset.py, absence)
        absent = self.b.note_days.setdefault(student, {})
        for day in days:
            absent.setdefault(day, (None, False, False))
        if walk.at("accept"):
            struck = self.b.struck.setdefault(student, set())
            assessed = rules.assess_note(self.b.profile, category=self.CATEGORY, days=days,
                                         struck_so_far=len(struck), already_struck=struck)
            for day in assessed.days:
                rows.add(AbsenceCover, ("id", "student", "school_year", "case", "date",
                                        "lesson", "category", "documented", "struck"),
                         (self.b.ids(AbsenceCover), student, ctx["year"], walk.case_id, day,
                          None, self.CATEGORY, day in assessed.documented,
                          day in assessed.struck))
                absent[day] = (self.CATEGORY, day in assessed.documented,
                               day in assessed.struck)
            struck.update(assessed.struck)
            summary = explain(assessed, self.b.profile, chronic=False, used=len(struck))
            outcome = {"explanation": summary,
                       "struck": [d.isoformat() for d in assessed.struck],
                       "partial": assessed.is_partial}
            # the acceptance's event says what it did, as the app's does
            at = walk.events.index(walk.at("accept"))
            walk.events[at] = (*walk.events[at][:5], summary, *walk.events[at][6:])
        rows.add(Note, ("id", "case", "category", "scope", "first_day", "last_day",
                        "lesson_day", "lessons", "chronic", "records", "explanation",
                        "missing", "outcome"),
                 (self.b.ids(Note), walk.case_id, self.CATEGORY, "days", days[0], days[-1],
                  None, "", False, None, "Jeg var syk med feber.",
                  self.texts["ask"] if walk.at("ask") else "", outcome))


# Every registered kind but study leave, with its part here, or None where a vgs does not
# have the kind (the dataset's schools are all vgs, and their profile lacks its rules: a
# justification, a formal-error appeal or a follow-up could not be filed or decided there,
# and an exam adaptation is decided by the exam office outside the portal, as the vgs
# profile names no decider for it).
BY_KIND = {"grade_appeal": GradeAppeal, "decision_appeal": DecisionAppeal,
           "absence_note": AbsenceNote, "justification": None, "formal_error_appeal": None,
           "follow_up": None, "exam_adaptation": None}


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
    from portal.absence.models import AbsenceCover
    from portal.exams.models import Exam, ExamRegistration
    from portal.grades.models import ExamExaminer, Grade

    out = [Exam, ExamExaminer, ExamRegistration, Grade, AbsenceCover]
    for code, part in BY_KIND.items():
        if part is None or code not in REGISTRY:
            continue
        module = __import__(f"portal.kinds.{code}.models", fromlist=["*"])
        out += [m for m in vars(module).values()
                if isinstance(m, type) and hasattr(m, "_meta") and m.__module__ == module.__name__]
    return out
