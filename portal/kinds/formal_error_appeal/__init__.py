"""Appeal on a formal error at an exam: the principal may grant a new grading or a new exam
(for one or all candidates) or send it to the board, which decides: rejected, new grading
or new exam. Final."""

from flask import Blueprint

from portal.cases import decisions, dismissal
from portal.cases.kinds import (
    APPEAL_REVIEWER,
    LAPSE,
    REGISTRY,
    Kind,
    State,
    Transition,
    lapsed_state,
    lapses,
    register,
    withdrawals,
)
from portal.i18n import lazy_gettext as _l
from portal.kinds.formal_error_appeal.forms import OUTCOMES
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
from portal.models import Case, School
from portal.roles import body_words, first_instance_words
from portal.rules import get_profile

KIND = "formal_error_appeal"

bp = Blueprint(KIND, __name__, template_folder="templates", url_prefix="/formal-error-appeals")

# the principal's decision is a new grading or a new exam: the decision and its letter name it
decisions.register_outcomes({code: label for code, label in OUTCOMES.items()
                             if code != "rejected"})  # (the board's, not a decision's)


def _context(case, parts):
    from portal.kinds.formal_error_appeal.views import case_context

    return case_context(case, parts)


def body_name(rules) -> str:
    """The body that hears an appeal on a formal error at an exam under the rule profile
    `rules`: its own where the profile names one (Havbruk: the school's board, forskriften
    § 4-10 (4)), else the appeals body of the school's decisions."""
    key = "formal_error_appeal_body" if "formal_error_appeal_body" in rules else "appeal_body"
    return str(rules.value(key))


def first_instance_name(rules) -> str:
    """Who considers an appeal on a formal error at an exam first under the rule profile
    `rules`, and may grant it: its own where the profile names one (NKI: the
    undervisningsdirektør, eksamensreglementet pkt. 8.3), else the first instance of the
    school's decisions (rektor; "fagskolen")."""
    key = ("formal_error_first_instance" if "formal_error_first_instance" in rules
           else "decision_appeal_first_instance")
    return str(rules.value(key))


def words_of(rules) -> dict[str, str]:
    """What the kind's labels and news name of an appeal under the rule profile `rules`: its
    body (%(body)s, %(Body)s) and its first instance (%(first)s, %(First)s)."""
    return {**body_words(body_name(rules)), **first_instance_words(first_instance_name(rules))}


def body_label_words(school) -> tuple:
    """What the kind's labels name of an appeal at `school` (Kind.label_words' words, as the
    case page and its status take them: words_of), from the school's profile, which the page
    has read with the case."""
    return tuple(sorted(words_of(school.rules).items()))


def _label_words(case_ids) -> dict[int, dict[str, str]]:
    """Kind.label_words: words_of each appeal's school's profile, in one statement."""
    rows = (Case.select(Case.id, School.profile).join(School, on=(Case.school == School.id))
            .where(Case.id.in_(list(case_ids))).tuples())
    return {case_id: words_of(get_profile(profile)) for case_id, profile in rows}


def _status_context(case, parts) -> dict:
    """Kind.status_context: the basics, with the body named from the case's school (read with
    the case), not asked again."""
    return {"label_words": body_label_words(case.school)}


register(Kind(
    code=KIND,
    label=_l("Appeal on a formal error at an exam"),
    initial="filed",
    states=[
        # (a list's label, which reads no school, does not name the first instance; the page
        # and its status name the one the school's profile names: State.named, with
        # label_words)
        State("filed", _l("Received"), named=_l("Received – with %(first)s")),
        # (the body: the profile's, named where the case's school is read, on its page and
        # in its status; the lists that show the state read no school: the generic word)
        State("with_board", _l("With %(body)s")),
        State("granted", _l("Granted"), is_open=False),
        State("decided", _l("Decided (final)"), is_open=False),
        dismissal.state(),
        State("withdrawn", _l("Withdrawn"), is_open=False),
        lapsed_state(),
    ],
    transitions=[
        Transition("filed", "grant", {"principal"}, "granted", decision=True),
        Transition("filed", "forward", {"principal"}, "with_board"),
        # a late appeal not heard: the principal's dismissal is a decision with a right of
        # appeal; the appeals body's is final (cases/dismissal.py)
        Transition("filed", dismissal.ACTION, {"principal"}, dismissal.DISMISSED, decision=True),
        Transition("with_board", "decide", {"appeals_board"}, "decided"),
        Transition("with_board", dismissal.ACTION, {"appeals_board"}, dismissal.DISMISSED),
        *withdrawals(["filed", "with_board"]),
        # a doctor's note sets the grade aside (plan.lapse_on_set_aside, below): the exam no longer
        # counts as an attempt, and a new grading or a new exam has nothing left to remedy
        *lapses(["filed", "with_board"]),
        # a ruling on an appeal that changes the principal's grant to its other outcome, or
        # returns it for new treatment (ruling.py)
        Transition("granted", "appeal_change", {APPEAL_REVIEWER}, "granted"),
        Transition("granted", "appeal_return", {APPEAL_REVIEWER}, "filed"),
        # a ruling on an appeal against the principal's dismissal that hears the appeal after
        # all, or returns the dismissal for new treatment (ruling.py)
        *dismissal.ruling_transitions("filed"),
    ],
    deciders=frozenset({"principal", "appeals_board"}),
    template="formal_error_appeal/case.html",
    extra_context=_context,
    status_context=_status_context,  # the basics, and the body's name
    label_words=_label_words,
    first_instance=lambda school: first_instance_name(school.rules),
    event_labels={
        "file": _l("Appeal received (signed)"),
        # (%(first)s: the first instance the profile names, label_words)
        "grant": _l("Granted by %(first)s"),
        # (%(body)s: the body the profile names for these appeals, label_words)
        "forward": _l("Sent to %(body)s"),
        "decide": _l("Decided by %(body)s"),
        # (the steps of a ruling on the grant and on the dismissal alike: the timeline's text
        # says which, and what it did)
        "appeal_change": _l("Changed on appeal"),
        "appeal_return": dismissal.RETURNED_LABEL,
        dismissal.ACTION: dismissal.EVENT_LABEL,
        LAPSE: _l("The appeal has lapsed"),
    },
    news={
        "file": _l("A new appeal on a formal error at an exam has been received."),
        "grant": (_l("%(First)s has granted your appeal on a formal error at the exam."),
                  _l("%(First)s has granted the appeal on a formal error at an exam.")),
        "forward": (_l("Your appeal has been sent to %(body)s."),
                    _l("The appeal on a formal error at an exam has been sent to %(body)s.")),
        "decide": (_l("%(Body)s has decided your appeal."),
                   _l("%(Body)s has decided the appeal on a formal error at an exam.")),
        dismissal.ACTION: (dismissal.TO_STUDENT,
                           _l("The appeal on a formal error at an exam has been dismissed "
                              "because it came too late.")),
        "withdraw": _l("The appeal on a formal error at an exam has been withdrawn."),
        LAPSE: (_l("Your appeal on a formal error at an exam has lapsed: the grade is set aside "
                   "because the absence is documented."),
                _l("The appeal on a formal error at an exam has lapsed: the grade is set aside "
                   "because the absence is documented.")),
        # (a ruling on the grant, or on the dismissal: the principal's decisions)
        "appeal_change": (
            _l("The decision of %(first)s on your appeal on a formal error at an exam has been "
               "changed on appeal."),
            _l("The decision of %(first)s on an appeal on a formal error at an exam has been "
               "changed on appeal.")),
        "appeal_return": _l("The appeal on a formal error at an exam has been returned for new "
                            "treatment."),
    },
))

dismissal.APPEALS[KIND] = FormalErrorAppeal  # (an appeal on its dismissal shows it)

from portal.kinds.formal_error_appeal import ruling, views  # noqa: E402,F401

_kind = REGISTRY[KIND]
_kind.on_ruling = ruling.on_ruling
_kind.rulings_applied = ruling.APPLIED
_kind.ruling_changes = ruling.changes

from portal.exams import plan  # noqa: E402

# (its timeline says what a new grading or a new exam had to remedy: views.set_aside_text)
plan.lapse_on_set_aside(KIND, FormalErrorAppeal,
                        why=lambda _grade, exam: views.set_aside_text(exam))

__all__ = ["FormalErrorAppeal", "bp"]
