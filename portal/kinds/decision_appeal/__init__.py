"""Appeal on an individual decision (klage på enkeltvedtak): filed from the decision letter,
signed with the password, first the principal (may only change it in the student's
favour), then the appeals board (members who took part are blocked), final."""

from flask import Blueprint
from peewee import SQL

from portal.cases import access
from portal.cases.kinds import Kind, State, Transition, no_status_extras, register, withdrawals
from portal.i18n import lazy_gettext as _l
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.models import Case, Decision, Participant

KIND = "decision_appeal"

bp = Blueprint(KIND, __name__, template_folder="templates", url_prefix="/decision-appeals")


def _context(case, parts):
    from portal.kinds.decision_appeal.views import case_context

    return case_context(case, parts)


DECIDERS = frozenset({"principal", "appeals_board"})


def _reviews(user_id):
    """Rows when `user_id` decides an appeal, not withdrawn, on a decision of the outer
    query's case (access.appeal_reviews): the first instance from filing, the board's members
    from forwarding (they are added then; the recused as board_recused, no deciding part)."""
    appealing = Case.alias("appealing")
    return (DecisionAppeal.select(SQL("1"))
            .join(Decision, on=(DecisionAppeal.decision == Decision.id))
            .join(appealing, on=(DecisionAppeal.case == appealing.id))
            .join(Participant, on=(Participant.case == appealing.id))
            .where((Decision.case == Case.id) & (Participant.user == user_id)
                   & Participant.part.in_(sorted(DECIDERS))
                   & (appealing.state != "withdrawn")))


access.appeal_reviews.append(_reviews)

register(Kind(
    code=KIND,
    label=_l("Appeal on a decision"),
    initial="filed",
    states=[
        State("filed", _l("Received – with the principal")),
        State("with_board", _l("With the appeals board")),
        State("reversed", _l("Changed in your favour"), is_open=False),
        State("decided", _l("Decided by the appeals board"), is_open=False),
        State("withdrawn", _l("Withdrawn"), is_open=False),
    ],
    transitions=[
        Transition("filed", "reverse", {"principal"}, "reversed", decision=True),
        Transition("filed", "forward", {"principal"}, "with_board"),
        Transition("with_board", "decide", {"appeals_board"}, "decided"),
        *withdrawals(["filed", "with_board"]),
    ],
    deciders=DECIDERS,
    template="decision_appeal/case.html",
    extra_context=_context,
    status_context=no_status_extras,  # the status block shows the basics only
    # a recused board member (board_recused) reads no decision of the appeal, nor its title
    # (which quotes the decision appealed)
    decision_readers=frozenset({"student", *DECIDERS}),
    title_withheld_from=frozenset({"board_recused"}),
    outcome_labels={  # the principal's change in the student's favour: the appeal's words
        "granted": _l("Appeal granted"),
        "partly_granted": _l("Appeal partly granted"),
    },
    event_labels={
        "file": _l("Appeal received (signed)"),
        "reverse": _l("Decision changed in %(students)s favour"),
        "forward": _l("Sent to the appeals board with the principal's assessment"),
        "decide": _l("Decided by the appeals board"),
    },
    news={
        "file": _l("A new appeal on a decision has been received."),
        "reverse": (_l("The principal has changed the decision in your favour."),
                    _l("The principal has changed the appealed decision.")),
        "forward": (_l("Your appeal has been sent to the appeals board."),
                    _l("The appeal on a decision has been sent to the appeals board.")),
        "decide": (_l("The appeals board has decided your appeal."),
                   _l("The appeals board has decided the appeal on a decision.")),
        "withdraw": _l("The appeal on a decision has been withdrawn."),
    },
))

from portal.kinds.decision_appeal import views  # noqa: E402,F401

__all__ = ["BoardVote", "DecisionAppeal", "bp"]
