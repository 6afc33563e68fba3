"""The kinds' own rows in the benchmark's dataset, for every kind but study leave (which
bench/dataset.py scripts whole).

Those kinds' cases walk at random through their transition tables (bench/dataset.py,
`Builder.generic`); each kind here says which rules of a school's profile it needs (a school
whose profile lacks them has none of its cases), who takes part, who files it, when a case
can start (a grade must be published first, an appeal needs an earlier decision, an exam
adaptation an exam registration the profile's lead time ahead), which outcome a decision of
a step has, and writes the rows the kind's own code would have written by the walk's last
state: the application, request, note, appeal or follow-up row, the exam and grade it is
about, the new grade of a regrading, the board's vote, the protocol and its signature. So
every case page of the dataset opens as it would in a school that had used the portal
(tests/test_bench.py opens one of each school, kind and state as each of its participants).
The builder reads the rules of the school being built from `builder.profile`.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.cases import dismissal
from portal.cases.kinds import REGISTRY
from portal.i18n import gettext as _
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import Deadline, format_date

# Each school's exams: every subject on these days of 2026/27 (UTC, 08:00; moved with the
# dataset's year, Builder.shift), grades published two weeks later (the autumn's are past by
# December).
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

    def rewrite(self, action, *, text=None, data=None) -> None:
        """Give every event of `action` the text and data the kind's own step writes (what
        the walk could not know when it took the step)."""
        for i, event in enumerate(self.events):
            if event[2] == action:
                self.events[i] = (*event[:5], event[5] if text is None else text,
                                  event[6] if data is None else data, event[7])


class KindRows:
    """A kind's part in the dataset; the base class writes nothing of its own."""

    requires: tuple[str, ...] = ()  # rules of the profile the kind's code needs to file and
    #                                 decide one (besides the kind's own requires_rules)
    takes_part: tuple[str, ...] = ()  # roles that take part from the filing on
    joins: dict[str, tuple[str, ...]] = {}  # action -> roles that join the case with it
    texts: dict[str, str] = {}  # action -> what the one who takes the step writes
    # steps the walk never takes: the kind's own code takes them only where its rules lead
    # there, and this kind's cases never come to that
    skips: frozenset[str] = frozenset()
    FILED = "Søknad sendt."  # the text of the student's filing

    def __init__(self, builder):
        self.b = builder

    def offered(self, profile, code: str) -> bool:
        """Whether a school on `profile` has this kind in the portal."""
        return profile.has(*REGISTRY[code].requires_rules, *self.requires)

    def start(self, rows, ctx) -> datetime | bool:
        """When the case is filed (by default any time of the year so far; False: this
        student cannot file one now)."""
        return self.b._start()

    def filing(self, ctx, state, t) -> tuple:
        """The case's first event (by default the student files it)."""
        return (ctx["student"], "student", "file", None, state, self.FILED, None, t)

    def title(self, ctx) -> str:
        """The case's title, as the kind's own code words it."""
        raise NotImplementedError

    def decision(self, action, ctx) -> tuple[str, str, str]:
        """(outcome, summary, rule reference) of the decision a step issues."""
        raise NotImplementedError

    def present(self, ctx) -> str | None:
        """Who took part in the meeting where the decision was made, as Decision.present
        holds it; None for a kind whose decisions are not made at a meeting."""
        return None

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

    def add_school(self, rows, school_id, year_id, subjects, examiner, created, *,
                   final=False):
        """`final`: the exams are the final assessment (where the profile lets only that be
        appealed, rule grade_appeal_scope)."""
        from portal.exams.models import Exam
        from portal.grades.models import ExamExaminer

        exams = []
        self.subjects.update((sub, (code, name)) for sub, code, name in subjects)
        for day in (d + self.b.shift for d in EXAM_DAYS):
            for sub, _code, _name in subjects:
                eid = self.b.ids(Exam)
                at = datetime.combine(day, time(8, 0))
                rows.add(Exam, ("id", "school", "school_year", "subject", "starts_at",
                                "duration_minutes", "form", "aids", "location",
                                "is_final_assessment", "created_at"),
                         (eid, school_id, year_id, sub, at, 300, "written", "Alle hjelpemidler",
                          "Gymsalen", final, created))
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

    def register(self, rows, exam_id, student, exam_at, *, before=None) -> int:
        """The student's registration for the exam (a month ahead, or before `before`);
        attended once the exam is past."""
        from portal.exams.models import ExamRegistration

        self.used.add((exam_id, student))
        rid = self.b.ids(ExamRegistration)
        registered = exam_at - timedelta(days=30)
        if before is not None:
            registered = min(registered, before - timedelta(hours=1))
        past = exam_at < self.b.now
        rows.add(ExamRegistration, ("id", "exam", "student", "attempt", "status",
                                    "registered_at", "changed_at"),
                 (rid, exam_id, student, 1, "attended" if past else "registered", registered,
                  exam_at if past else registered))
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


class FromGrade(KindRows):
    """A kind a student files about one of their published grades, within WINDOW of its
    publication (inside the profile's deadline); the grade is written in `finish`."""

    WINDOW = timedelta(days=9)

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
        ctx["grade"] = self.b.ids(Grade)  # (written by finish: a new grade may replace it)
        window = min(self.WINDOW, self.b.now - published - timedelta(hours=1))
        return published + window * self.b.rnd.uniform(0.05, 1)

    def subject(self, ctx) -> tuple[str, str]:
        """The (code, name) of the grade's subject."""
        return self.b.exams.subjects[ctx["subject"]]

    def grade(self, rows, ctx, replaced_by=None) -> None:
        """The published grade the case is about, set by the exam's examiner."""
        self.b.exams.grade(rows, ctx["grade"], ctx["registration"],
                           self.b.rnd.choice(LETTERS[1:5]), ctx["staff"]["examiner"],
                           ctx["published"], replaced_by=replaced_by)


class GradeAppeal(FromGrade):
    """An appeal of one of the student's published grades, within the appeal deadline; the
    exam office appoints a new examiner, who regrades (no decision letter: the new grade is
    final)."""

    requires = ("grade_appeal_deadline",)
    takes_part = ("exam_office",)
    # (the dataset's appeals are filed within their deadline: none may be dismissed as late,
    # portal/cases/dismissal.py)
    skips = frozenset({dismissal.ACTION})
    joins = {"appoint": ("new_examiner",)}
    WINDOW = timedelta(days=9)  # (the vgs's 10 days; a fagskole's three weeks)

    def title(self, ctx):
        code, name = self.subject(ctx)
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
        self.grade(rows, ctx, replaced_by=new)
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

    requires = ("decision_appeal_deadline", "decision_appeal_first_instance", "appeal_body")
    takes_part = ("principal",)
    # (the dataset's appeals are filed within their deadline: none may be dismissed as late,
    # portal/cases/dismissal.py)
    skips = frozenset({dismissal.ACTION})
    joins = {"forward": ("appeals_board",)}
    texts = {"forward": "Skolen opprettholder vedtaket og sender klagen til klagenemnda."}
    CHANGE_WANTED = "At søknaden innvilges."
    # outcomes that go against the student: a refusal, a part grant, a follow-up's warning
    # or loss of the study place
    AGAINST = ("refused", "partly_granted", "written_warning", "loss_of_study_place")

    def start(self, rows, ctx):
        decided = self.b.decided.get(ctx["student"], [])
        appealable = [d for d in decided if d[2] in self.AGAINST
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
    """A note of one to three days' illness, reviewed by the profile's reviewer (the contact
    teacher at a vgs and at the fagskole); acceptance applies the portal's own counting
    rules (a fagskole keeps no days off the diploma: the days are documented)."""

    requires = ("absence_reviewer",)
    texts = {"ask": "Legeerklæring for dagene mangler.",
             "refuse": "Fraværet er ikke dokumentert.",
             "add": "Legeerklæring lagt ved."}
    CATEGORY = "a"  # health or welfare reasons
    # (one to three days of illness are never over a limit: accepted in full, or refused)
    skips = frozenset({"accept_in_part"})

    @property
    def takes_part(self):
        return (str(self.b.profile.value("absence_reviewer")),)

    def start(self, rows, ctx):
        from portal.rules.calendar import school_days

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
            walk.rewrite("accept", text=summary)  # it says what it did, as the app's does
        rows.add(Note, ("id", "case", "category", "scope", "first_day", "last_day",
                        "lesson_day", "lessons", "chronic", "records", "explanation",
                        "missing", "outcome"),
                 (self.b.ids(Note), walk.case_id, self.CATEGORY, "days", days[0], days[-1],
                  None, "", False, None, "Jeg var syk med feber.",
                  self.texts["ask"] if walk.at("ask") else "", outcome))


class Justification(FromGrade):
    """A request for the justification of one of the student's published grades, within the
    profile's week; the exam office routes it to the exam's examiner, who answers in writing
    or first says it will be late (portal/kinds/justification/views.py)."""

    requires = ("justification_request_within", "justification_answer_within")
    takes_part = ("exam_office",)
    joins = {"route": ("examiner",)}  # (the exam's own examiner: grade_setters)
    WINDOW = timedelta(days=6)
    ANSWER = ("Oppgave 1 og 2 er godt løst. Drøftingen i oppgave 3 er kort og trekker ned; "
              "karakteren er satt etter vurderingsveiledningen.")
    LATE_BY = timedelta(days=7)  # the examiner's expected date, past the deadline
    FILED = ""  # (asked for from the grade, with no text)

    def title(self, ctx):
        code, name = self.subject(ctx)
        return _("Justification: %(code)s %(name)s", code=code, name=name)[:200]

    def finish(self, rows, ctx, walk):
        from portal.kinds.justification.models import JustificationRequest

        self.grade(rows, ctx)
        on = oslo_date(walk.filed)
        due = _due(self.b, on, "justification_answer_within")
        expected = due + self.LATE_BY if walk.at("delay") else None
        if expected:
            walk.rewrite("delay", data={"expected_on": expected.isoformat()})
        answered = walk.at("answer")
        rows.add(JustificationRequest, ("id", "case", "grade", "requested_on", "learned_on",
                                        "answer_due", "expected_on", "answer", "given_orally",
                                        "answered_at"),
                 (self.b.ids(JustificationRequest), walk.case_id, ctx["grade"], on, None, due,
                  expected, self.ANSWER if answered else "", False,
                  answered[7] if answered else None))
        ctx["staff_due_on"] = expected or due


class FormalErrorAppeal(FromGrade):
    """An appeal on a formal error at the exam of one of the student's published grades,
    learned of at publication and filed within the profile's three weeks; the principal
    grants a new grading or a new exam (a decision) or forwards it to the appeals body, which
    decides, finally (portal/kinds/formal_error_appeal/views.py)."""

    requires = ("formal_error_appeal_deadline",)
    takes_part = ("principal",)
    # (the dataset's appeals are filed within their deadline: none may be dismissed as late,
    # portal/cases/dismissal.py)
    skips = frozenset({dismissal.ACTION})
    joins = {"forward": ("appeals_board",)}
    WINDOW = timedelta(days=20)
    DESCRIPTION = ("Vedlegget som oppgave 3 viste til, ble delt ut først en time etter "
                   "start, og vi fikk ikke ekstra tid.")
    ASSESSMENT = ("Vedlegget ble delt ut etter en time, men alle kandidatene fikk en time "
                  "ekstra. Skolen mener feilen ikke har virket inn på resultatet.")
    BOARD_REASONS = "Klageinstansen har vurdert gjennomføringen av eksamen."
    GRANTED = ("new_grading", "new_exam")
    FILED = ""  # (the description is the appeal's own row)

    def title(self, ctx):
        code, name = self.subject(ctx)
        return _("Formal error: %(code)s %(name)s", code=code, name=name)[:200]

    def decision(self, action, ctx):  # grant: a new grading or a new exam, for this candidate
        from portal.kinds.formal_error_appeal.forms import OUTCOMES, SCOPES

        outcome = ctx["outcome"] = self.b.rnd.choice(self.GRANTED)
        ctx["scope"] = "one"
        return (outcome, f"{OUTCOMES[outcome]} – {SCOPES['one']}",
                self.b.profile.rule("formal_error_appeal_deadline").reference)

    def finish(self, rows, ctx, walk):
        from portal.kinds.formal_error_appeal.models import FormalErrorAppeal as Appeal

        self.grade(rows, ctx)
        outcome, scope = ctx.get("outcome"), ctx.get("scope")
        if walk.at("decide"):  # the board: mostly as the principal assessed
            outcome = self.b.rnd.choice(("rejected", "rejected", *self.GRANTED))
            scope = None if outcome == "rejected" else "one"
            walk.rewrite("decide", data={"outcome": outcome})
        rows.add(Appeal, ("id", "case", "grade", "learned_on", "description", "filed_on",
                          "assessment", "outcome", "scope", "board_reasons"),
                 (self.b.ids(Appeal), walk.case_id, ctx["grade"], oslo_date(ctx["published"]),
                  self.DESCRIPTION, oslo_date(walk.filed),
                  self.ASSESSMENT if walk.at("forward") else "", outcome, scope,
                  self.BOARD_REASONS if walk.at("decide") else ""))


class ExamAdaptation(KindRows):
    """An application for adaptation at one of the student's exams, filed the profile's
    lead time before it (and before now) with an expert's statement; the profile's decider
    grants, partly grants or refuses each adaptation (a decision), as
    portal/kinds/exam_adaptation/views.py words it."""

    requires = ("exam_adaptation_decider",)
    texts = {"ask_documentation": "Vi trenger en uttalelse fra lege eller psykolog.",
             "add_documentation": "Uttalelse fra fastlegen lagt ved."}
    REASON = "Jeg har dysleksi; uttalelsen fra logopeden sier hva jeg trenger på eksamen."
    FILED = REASON  # (the application's reason is its filing's text)
    # what students ask for: (adaptation, minutes, detail)
    ASKED = [(("extra_time", 60, ""),),
             (("extra_time", 30, ""), ("separate_room", None, "")),
             (("pc", None, ""), ("extra_time", 60, "")),
             (("other_aids", None, "Ordbok på morsmålet"),),
             (("reading_support", None, ""),)]
    REFUSED = "Dokumentasjonen gir ikke grunnlag for denne tilretteleggingen."
    LOOK_BACK = timedelta(weeks=10)  # filed at most this long before the application deadline

    @property
    def takes_part(self):
        return (str(self.b.profile.value("exam_adaptation_decider")),)

    def start(self, rows, ctx):
        from portal.kinds.exam_adaptation.rules import LEAD_TIME
        from portal.rules.deadlines import latest_filing_day

        b, student, profile = self.b, ctx["student"], self.b.profile
        choices = []
        for exam, subject, at in b.exams.of_school[ctx["school"]]:
            if (exam, student) in b.exams.used:
                continue
            last = (latest_filing_day(oslo_date(at), profile.rule(LEAD_TIME))
                    if LEAD_TIME in profile else oslo_date(at) - timedelta(days=14))
            latest = min(datetime.combine(last, time(15, 0)), b.now - timedelta(hours=2))
            earliest = max(datetime.combine(b.year[0], time(7, 0)),
                           datetime.combine(last, time(7, 0)) - self.LOOK_BACK)
            if latest > earliest:
                choices.append((exam, subject, at, earliest, latest))
        if not choices:
            return False
        exam, subject, at, earliest, latest = b.rnd.choice(choices)
        t0 = earliest + (latest - earliest) * b.rnd.random()
        ctx["exam"], ctx["subject"] = exam, subject
        ctx["asked"] = b.rnd.choice(self.ASKED)
        b.exams.register(rows, exam, student, at, before=t0)
        return t0

    def title(self, ctx):
        return _("Exam adaptation: %(exams)s",
                 exams=self.b.exams.subjects[ctx["subject"]][1])[:200]

    def decision(self, action, ctx):  # decide: each adaptation granted, in part or refused
        from types import SimpleNamespace

        from portal.kinds.exam_adaptation import rules
        from portal.kinds.exam_adaptation.decision import Choice
        from portal.kinds.exam_adaptation.decision import summary as decision_summary

        items = [SimpleNamespace(id=i, adaptation=a, minutes=m, detail=d)
                 for i, (a, m, d) in enumerate(ctx["asked"])]
        chosen = {}
        for item in items:
            roll = self.b.rnd.random()
            if roll < 0.75:
                chosen[item.id] = ("granted", item.minutes, "")
            elif roll < 0.9 and item.adaptation == "extra_time" and item.minutes > 30:
                chosen[item.id] = ("partly_granted", 30, "Eksamen er kort; 30 minutter er nok.")
            else:
                chosen[item.id] = ("refused", None, self.REFUSED)
        overall, summary = decision_summary(items, {
            i: Choice(outcome, minutes, reason, str(minutes or ""))
            for i, (outcome, minutes, reason) in chosen.items()})
        ctx["chosen"], ctx["summary"] = chosen, summary
        profile = self.b.profile
        references = [profile.rule(rules.DECIDER).cite()]
        if rules.EXTRA_TIME_MAX in profile and any(i.adaptation == "extra_time" for i in items):
            references.append(profile.rule(rules.EXTRA_TIME_MAX).cite())
        return overall, summary, "; ".join(references)

    def finish(self, rows, ctx, walk):
        from portal.kinds.exam_adaptation.models import (
            ExamAdaptationApplication,
            ExamAdaptationExam,
            ExamAdaptationItem,
        )

        b, case = self.b, walk.case_id
        b._attachment(rows, case, ctx["student"], "documentation", walk.filed, health=True)
        for event in walk.events:
            if event[2] == "add_documentation":
                b._attachment(rows, case, ctx["student"], "documentation", event[7],
                              health=True)
        rows.add(ExamAdaptationApplication, ("id", "case", "all_exams", "acute",
                                             "acute_explanation", "reason"),
                 (b.ids(ExamAdaptationApplication), case, False, False, "", self.REASON))
        rows.add(ExamAdaptationExam, ("id", "case", "exam"),
                 (b.ids(ExamAdaptationExam), case, ctx["exam"]))
        decided = walk.at("decide") is not None
        for i, (adaptation, minutes, detail) in enumerate(ctx["asked"]):
            outcome, granted, reason = ctx["chosen"][i] if decided else (None, None, "")
            rows.add(ExamAdaptationItem, ("id", "case", "adaptation", "minutes", "detail",
                                          "outcome", "granted_minutes", "decision_reason"),
                     (b.ids(ExamAdaptationItem), case, adaptation, minutes, detail, outcome,
                      granted, reason))
        if decided:
            walk.rewrite("decide", text=ctx["summary"])


class FollowUp(KindRows):
    """Follow-up of a student at risk, reported by one of the student's subject teachers
    (the case's first event is theirs, as report_concern writes it); the cohort coordinator
    summons the student and writes the protocol, the student signs it or comments, and the
    department head decides after meeting the principal and the coordinator
    (portal/kinds/follow_up). One case a student: a second concern would join the open one."""

    requires = ("follow_up_decision",)
    takes_part = ("cohort_coordinator", "department_head", "principal", "teacher")
    texts = {"close": "Innleveringene er levert; ingen videre oppfølging.",
             "comment": "Jeg mener protokollen ikke får med at jeg var syk i tre uker."}
    CONCERN = ("To av tre obligatoriske innleveringer mangler, og studenten har ikke møtt på "
               "de siste samlingene.")
    PROTOCOL = ("Vi gikk gjennom innleveringene og oppmøtet. Studenten leverer de to "
                "innleveringene innen fire uker og møter på alle samlinger.")
    PLACE = "Møterom 2, 1. etg."
    OUTCOMES = {"follow_up_plan": "Oppfølgingsplan med tiltak ut semesteret.",
                "written_warning": "Skriftlig advarsel om tap av studieplass.",
                "loss_of_study_place": "Studenten mister studieplassen.",
                "no_measures": "Ingen videre tiltak."}
    OUTCOME_WEIGHTS = (5, 3, 1, 2)

    def __init__(self, builder):
        super().__init__(builder)
        self.followed: set[int] = set()  # students with a follow-up case

    def start(self, rows, ctx):
        from portal.kinds.follow_up.service import REASONS

        if ctx["student"] in self.followed:
            return False
        self.followed.add(ctx["student"])
        t0 = super().start(rows, ctx)
        ctx["teacher"], ctx["subject"], _name = self.b.rnd.choice(ctx["klass"]["teachers"])
        ctx["reason"] = self.b.rnd.choice(list(REASONS))
        return t0

    def title(self, ctx):
        return _("Follow-up of study progress")

    def filing(self, ctx, state, t):
        return (ctx["teacher"], "teacher", "file", None, state, "", {"reason": ctx["reason"]},
                t)

    def decision(self, action, ctx):  # decide, after the meeting
        outcome = ctx["outcome"] = self.b.rnd.choices(list(self.OUTCOMES),
                                                      self.OUTCOME_WEIGHTS)[0]
        return (outcome, self.OUTCOMES[outcome],
                self.b.profile.rule("follow_up_decision").reference)

    def _attendees(self, ctx) -> list[tuple[str, list[str]]]:
        """All three at the meeting: a decision on loss of rights needs the principal
        (service.meeting_attendees)."""
        from portal.kinds.follow_up.service import MEETING_PARTS

        return [(self.b.names[ctx["staff"][part]], [part]) for part in MEETING_PARTS]

    def present(self, ctx):
        from portal.kinds.follow_up.service import named

        return "\n".join(named(self._attendees(ctx)))

    def finish(self, rows, ctx, walk):
        from portal.kinds.follow_up import OUTCOMES
        from portal.kinds.follow_up.models import Concern
        from portal.kinds.follow_up.models import FollowUp as Conversation
        from portal.kinds.follow_up.service import decision_text
        from portal.rules.calendar import next_working_day

        b, case = self.b, walk.case_id
        rows.add(Concern, ("id", "case", "subject", "reason", "reported_by", "text",
                           "created_at"),
                 (b.ids(Concern), case, ctx["subject"], ctx["reason"], ctx["teacher"],
                  self.CONCERN, walk.filed))
        protocol, signed, commented, decided = (walk.at(a) for a in ("write_protocol", "sign",
                                                                      "comment", "decide"))
        meeting = None
        for i, event in enumerate(walk.events):
            if event[2] == "summon":  # (a second summons moves the meeting)
                # the conversation: a few days on, or the day its protocol was written
                meeting = next_working_day(oslo_date(event[7]) + timedelta(days=3))
                if protocol and event is walk.at("summon"):
                    meeting = oslo_date(protocol[7])
                walk.events[i] = (*event[:5], f"{format_date(meeting)} 10:15, {self.PLACE}",
                                  *event[6:])
        if protocol:  # (held the day the student was called to: the protocol's day)
            walk.rewrite("write_protocol",
                         text=_("Conversation held %(date)s.", date=format_date(meeting)))
        if decided:
            walk.rewrite("decide", text=decision_text(str(OUTCOMES[ctx["outcome"]]),
                                                      self._attendees(ctx)))
        rows.add(Conversation, ("id", "case", "meeting_on", "meeting_time", "place",
                                "held_on", "protocol", "protocol_by", "protocol_at",
                                "signed_at", "student_comment", "commented_at",
                                "decision_meeting_on", "decision_attendees"),
                 (b.ids(Conversation), case, meeting, "10:15" if meeting else None,
                  self.PLACE if meeting else None, meeting if protocol else None,
                  self.PROTOCOL if protocol else None,
                  protocol[0] if protocol else None, protocol[7] if protocol else None,
                  signed[7] if signed else None, self.texts["comment"] if commented else None,
                  commented[7] if commented else None,
                  oslo_date(decided[7]) if decided else None,
                  self.present(ctx) if decided else None))


# Every registered kind but study leave, with its part here (a kind whose rules a school's
# profile lacks is left out there: the vgs schools have no justification, formal-error
# appeal or follow-up, whose rules only the fagskole profiles have, and no exam adaptation,
# for which the vgs profile names no decider; the dataset's fagskole has them all).
BY_KIND = {"grade_appeal": GradeAppeal, "decision_appeal": DecisionAppeal,
           "absence_note": AbsenceNote, "justification": Justification,
           "formal_error_appeal": FormalErrorAppeal, "follow_up": FollowUp,
           "exam_adaptation": ExamAdaptation}


def kind_rows(builder) -> dict[str, KindRows]:
    """{kind: its part} for the registered kinds (study leave is bench/dataset.py's own;
    KindRows.offered says which a school has). A kind new to the portal must be named in
    BY_KIND first."""
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
