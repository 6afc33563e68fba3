"""Appeal on a formal error at an exam: the principal may grant a new grading or a new exam
(for one or all candidates) or send it to the board, which decides: rejected, new grading
or new exam. Final."""

from flask import Blueprint

from portal.cases import decisions, dismissal
from portal.cases.kinds import (
    APPEAL_REVIEWER,
    REGISTRY,
    Kind,
    State,
    Transition,
    no_status_extras,
    register,
    withdrawals,
)
from portal.i18n import lazy_gettext as _l
from portal.kinds.formal_error_appeal.forms import OUTCOMES
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal

KIND = "formal_error_appeal"

bp = Blueprint(KIND, __name__, template_folder="templates", url_prefix="/formal-error-appeals")

# the principal's decision is a new grading or a new exam: the decision and its letter name it
decisions.register_outcomes({code: label for code, label in OUTCOMES.items()
                             if code != "rejected"})  # (the board's, not a decision's)


def _context(case, parts):
    from portal.kinds.formal_error_appeal.views import case_context

    return case_context(case, parts)


register(Kind(
    code=KIND,
    label=_l("Appeal on a formal error at an exam"),
    initial="filed",
    states=[
        State("filed", _l("Received – with the principal")),
        State("with_board", _l("With the appeals body")),
        State("granted", _l("Granted"), is_open=False),
        State("decided", _l("Decided (final)"), is_open=False),
        dismissal.state(),
        State("withdrawn", _l("Withdrawn"), is_open=False),
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
    status_context=no_status_extras,  # the status block shows the basics only
    event_labels={
        "file": _l("Appeal received (signed)"),
        "grant": _l("Granted by the principal"),
        "forward": _l("Sent to the appeals body"),
        "decide": _l("Decided by the appeals body"),
        # (the steps of a ruling on the grant and on the dismissal alike: the timeline's text
        # says which, and what it did)
        "appeal_change": _l("Changed on appeal"),
        "appeal_return": dismissal.RETURNED_LABEL,
        dismissal.ACTION: dismissal.EVENT_LABEL,
    },
    news={
        "file": _l("A new appeal on a formal error at an exam has been received."),
        "grant": (_l("The principal has granted your appeal on a formal error at the exam."),
                  _l("The principal has granted the appeal on a formal error at an exam.")),
        "forward": (_l("Your appeal has been sent to the appeals body."),
                    _l("The appeal on a formal error at an exam has been sent to the appeals "
                       "body.")),
        "decide": (_l("The appeals body has decided your appeal."),
                   _l("The appeals body has decided the appeal on a formal error at an "
                      "exam.")),
        dismissal.ACTION: (dismissal.TO_STUDENT,
                           _l("The appeal on a formal error at an exam has been dismissed "
                              "because it came too late.")),
        "withdraw": _l("The appeal on a formal error at an exam has been withdrawn."),
        # (a ruling on the grant, or on the dismissal: the principal's decisions)
        "appeal_change": (
            _l("The principal's decision on your appeal on a formal error at an exam has been "
               "changed on appeal."),
            _l("The principal's decision on an appeal on a formal error at an exam has been "
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

__all__ = ["FormalErrorAppeal", "bp"]
