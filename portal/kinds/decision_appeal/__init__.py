"""Appeal on an individual decision (klage på enkeltvedtak): filed from the decision letter,
signed with the password, first the principal (may only change it in the student's
favour), then the appeals board (members who took part are blocked), final."""

from flask import Blueprint
from peewee import JOIN, SQL, fn

from portal.cases import access, decisions, dismissal
from portal.cases.kinds import (
    REGISTRY,
    Kind,
    State,
    Transition,
    no_status_extras,
    register,
    withdrawals,
)
from portal.i18n import lazy_gettext as _l
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.models import Case, Decision, Participant, School, SchoolYear
from portal.roles import body_words, first_instance_words
from portal.rules import get_profile

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


def first_instance_name(rules) -> str:
    """Who considers an appeal on a decision first under the rule profile `rules`, and may
    change the decision in the student's favour ("rektor"; NKI: "undervisningsdirektør")."""
    return str(rules.value("decision_appeal_first_instance"))


def label_words_of(appeal_body: str, school) -> dict[str, str]:
    """What the kind's labels and news name of an appeal (Kind.label_words): the body the
    appealed decision's letter names (Decision.appeal_body), which hears the appeal, and the
    first instance `school`'s profile names (a School or its profile's name), which considers
    it first (%(first)s: "rektor", at NKI "undervisningsdirektør")."""
    rules = get_profile(school) if isinstance(school, str) else school.rules
    return {**body_words(appeal_body), **first_instance_words(first_instance_name(rules))}


def _label_words(case_ids) -> dict[int, dict[str, str]]:
    """Kind.label_words: label_words_of each appeal, in one statement."""
    rows = (DecisionAppeal.select(DecisionAppeal.case, Decision.appeal_body, School.profile)
            .join(Decision, on=(DecisionAppeal.decision == Decision.id))
            .switch(DecisionAppeal)
            .join(Case, on=(DecisionAppeal.case == Case.id))
            .join(School, on=(Case.school == School.id))
            .where(DecisionAppeal.case.in_(list(case_ids))).tuples())
    return {case_id: label_words_of(body, profile) for case_id, body, profile in rows}


def _with_appeal(query, user_id):
    """`query` (of decisions) with each decision's appeal joined, as the decision shows it
    (decisions.appeal_join): the one not withdrawn if there is one (a decision has at most one:
    views._open_appeal), else the latest withdrawn; and whether `user_id` holds a part in its
    case. One probe of the appeal's decision index per decision, in the same statement. With
    it, its ruling as the decision shows it (decisions.ShownAppeal.ruling): the board's
    outcome, what it changed the decision to and the day it met, and the principal's change
    (the one decision its reverse issues in the appeal's case; not a dismissal as late) as
    `ruling`."""
    latest, its_case = DecisionAppeal.alias("latest_appeal"), Case.alias("latest_appeal_case")
    shown = (latest.select(latest.id)
             .join(its_case, on=(latest.case == its_case.id))
             .where(latest.decision == Decision.id)
             .order_by(its_case.state == decisions.WITHDRAWN, latest.id.desc())
             .limit(1))
    appeal_case, appeal_year = Case.alias("appeal_case"), SchoolYear.alias("appeal_year")
    reversal = Decision.alias("reversal")
    readable = fn.EXISTS(Participant.select(SQL("1")).where(
        (Participant.case == appeal_case.id) & (Participant.user == user_id)))
    return (query
            .select_extend(DecisionAppeal.id, DecisionAppeal.filed_on, DecisionAppeal.outcome,
                           DecisionAppeal.new_outcome, DecisionAppeal.meeting_on,
                           reversal.id, reversal.outcome, reversal.decided_at, appeal_case.id,
                           appeal_case.number, appeal_case.kind, appeal_case.state,
                           appeal_year.id, appeal_year.starts_on,
                           readable.alias("appeal_readable"))
            .switch(Decision)
            # (by the decision's index, then the one shown of its few)
            .join(DecisionAppeal, JOIN.LEFT_OUTER, attr="appeal",
                  on=((DecisionAppeal.decision == Decision.id) & (DecisionAppeal.id == shown)))
            .join(appeal_case, JOIN.LEFT_OUTER, on=(DecisionAppeal.case == appeal_case.id),
                  attr="case")
            .join(appeal_year, JOIN.LEFT_OUTER,
                  on=(appeal_case.school_year == appeal_year.id), attr="school_year")
            # (by the decisions' case index: of the appeal case's decisions, its reversal, the
            # one there can be; not its dismissals as late, of which there may be several, and
            # a reversal besides once a ruling had the appeal heard after all)
            .switch(appeal_case)
            .join(reversal, JOIN.LEFT_OUTER,
                  on=((reversal.case == appeal_case.id)
                      & (reversal.outcome != dismissal.DISMISSED)),
                  attr="reversal"))


decisions.appeal_join = _with_appeal

register(Kind(
    code=KIND,
    label=_l("Appeal on a decision"),
    initial="filed",
    states=[
        # (the lists, which read no decision nor school, name the body in the generic word and
        # not the first instance, which the profile names (rektor; NKI's
        # undervisningsdirektør); the page and its status name those the letter and the
        # profile name: State.named, with label_words)
        State("filed", _l("Received"), named=_l("Received – with %(first)s")),
        State("with_board", _l("With the appeals body"), named=_l("With %(body)s")),
        State("reversed", _l("Changed in your favour"), is_open=False),
        State("decided", _l("Decided by the appeals body"), is_open=False,
              named=_l("Decided by %(body)s")),
        dismissal.state(),
        State("withdrawn", _l("Withdrawn"), is_open=False),
    ],
    transitions=[
        Transition("filed", "reverse", {"principal"}, "reversed", decision=True),
        Transition("filed", "forward", {"principal"}, "with_board"),
        # a late appeal not heard: the principal's dismissal is a decision with a right of
        # appeal; the board's (a majority voting so in its meeting) is final (cases/dismissal.py)
        Transition("filed", dismissal.ACTION, {"principal"}, dismissal.DISMISSED, decision=True),
        Transition("with_board", "decide", {"appeals_board"}, "decided"),
        Transition("with_board", dismissal.ACTION, {"appeals_board"}, dismissal.DISMISSED),
        *withdrawals(["filed", "with_board"]),
        # a ruling on an appeal against the principal's dismissal that hears the appeal after
        # all, or returns the dismissal for new treatment (ruling.py)
        *dismissal.ruling_transitions("filed"),
    ],
    deciders=DECIDERS,
    template="decision_appeal/case.html",
    extra_context=_context,
    status_context=no_status_extras,  # the status block shows the basics only
    label_words=_label_words,
    first_instance=lambda school: first_instance_name(school.rules),
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
        # (%(body)s: the body the appealed decision's letter names, label_words)
        # (%(first)s: the first instance the school's profile names, label_words)
        "forward": _l("Sent to %(body)s with the assessment of %(first)s"),
        "decide": _l("Decided by %(body)s"),
        dismissal.ACTION: dismissal.EVENT_LABEL,
        dismissal.HEARD_ACTION: dismissal.HEARD_LABEL,
        dismissal.RETURN_ACTION: dismissal.RETURNED_LABEL,
    },
    news={
        "file": _l("A new appeal on a decision has been received."),
        # (%(First)s: the first instance the school's profile names, label_words)
        "reverse": (_l("%(First)s has changed the decision in your favour."),
                    _l("%(First)s has changed the appealed decision.")),
        "forward": (_l("Your appeal has been sent to %(body)s."),
                    _l("The appeal on a decision has been sent to %(body)s.")),
        "decide": (_l("%(Body)s has decided your appeal."),
                   _l("%(Body)s has decided the appeal on a decision.")),
        dismissal.ACTION: (dismissal.TO_STUDENT,
                           _l("The appeal on a decision has been dismissed because it came too "
                              "late.")),
        "withdraw": _l("The appeal on a decision has been withdrawn."),
        dismissal.HEARD_ACTION: (
            _l("Your appeal is to be heard after all: the dismissal was changed on appeal."),
            _l("The dismissal of an appeal on a decision has been changed on appeal: the "
               "appeal is to be heard.")),
        dismissal.RETURN_ACTION: _l("The dismissal of an appeal on a decision has been "
                                    "returned for new treatment."),
    },
))

dismissal.APPEALS[KIND] = DecisionAppeal  # (an appeal on its dismissal shows it)

from portal.kinds.decision_appeal import ruling, views  # noqa: E402,F401

_kind = REGISTRY[KIND]
_kind.on_ruling = ruling.on_ruling
_kind.rulings_applied = ruling.APPLIED
_kind.ruling_applies = ruling.applies
_kind.ruling_changes = ruling.changes

__all__ = ["BoardVote", "DecisionAppeal", "bp"]
