"""Fraværsmelding: a student's absence note (opplæringslova § 3-47), reviewed by the person
the profile names (rule `absence_reviewer`, normally the contact teacher).

submitted -reviewer: accept-> accepted · -reviewer: accept in part [decision]-> accepted ·
-reviewer: ask for more-> needs_documentation -student: add-> submitted · -reviewer: refuse
[decision]-> refused. Acceptance applies the counting rules of portal/absence/rules.py and
says what was kept off the diploma; where a limit keeps days on the diploma that the note asks
to keep off it, the acceptance is in part and decides on those days (review.py). A ruling on
an appeal against a decision changes the note (refused | accepted -appeal: change-> accepted)
or returns it to its reviewer (-appeal: return-> submitted), in the ruling's transaction
(ruling.py).
"""

from flask import Blueprint

from portal.cases.kinds import (
    APPEAL_REVIEWER,
    Kind,
    State,
    Transition,
    no_status_extras,
    register,
    withdrawals,
)
from portal.i18n import lazy_gettext as _l
from portal.kinds.absence_note.models import AbsenceNote

# The parts the profile may name as reviewer (rule absence_reviewer).
REVIEWERS = frozenset({"contact_teacher", "year_coordinator", "cohort_coordinator"})

KIND = register(Kind(
    code="absence_note",
    label=_l("Absence note"),
    states=[
        State("submitted", _l("Sent, waiting for review")),
        State("needs_documentation", _l("More documentation needed")),
        State("accepted", _l("Accepted"), is_open=False),
        State("refused", _l("Refused"), is_open=False),
        State("withdrawn", _l("Withdrawn"), is_open=False),
    ],
    transitions=[
        Transition("submitted", "accept", REVIEWERS, "accepted"),
        Transition("submitted", "accept_in_part", REVIEWERS, "accepted", decision=True),
        Transition("submitted", "ask", REVIEWERS, "needs_documentation"),
        Transition("submitted", "refuse", REVIEWERS, "refused", decision=True),
        Transition("needs_documentation", "add", frozenset({"student"}), "submitted"),
        *withdrawals(["submitted", "needs_documentation"]),
        # a ruling on an appeal against the refusal or the acceptance in part (ruling.py)
        *(Transition(decided, action, {APPEAL_REVIEWER}, to)
          for decided in ("refused", "accepted")
          for action, to in (("appeal_change", "accepted"), ("appeal_return", "submitted"))),
    ],
    initial="submitted",
    deciders=REVIEWERS,
    new_endpoint="absence_note.new",
    template="absence_note/case.html",
    # (partly_granted: an acceptance in part, whose decision is on the days left on the
    # diploma; an appeal's first instance may change it to granted)
    outcome_labels={"partly_granted": _l("Accepted in part")},
    event_labels={
        "accept": _l("Accepted"),
        "accept_in_part": _l("Accepted in part (decision)"),
        "ask": _l("More documentation asked for"),
        "refuse": _l("Refused"),
        "add": _l("Documentation added"),
        "upload": _l("Document uploaded"),
        "appeal_change": _l("Changed on appeal"),
        "appeal_return": _l("Returned for new treatment on appeal"),
    },
    news={
        "file": _l("A new absence note has been sent."),
        "accept": _l("The absence note has been accepted."),
        "accept_in_part": _l("The absence note has been accepted in part."),
        "ask": _l("%(Who)s asks for more documentation for the absence note."),
        "refuse": _l("The absence note has been refused."),
        "add": _l("More documentation has been added to the absence note."),
        "upload": _l("A document has been added to the absence note."),
        "appeal_change": _l("The absence note has been changed on appeal."),
        "appeal_return": _l("The absence note has been returned for new treatment on appeal."),
    },
))

bp = Blueprint("absence_note", __name__, url_prefix="/absence-notes",
               template_folder="templates")

from portal.kinds.absence_note import ruling, views  # noqa: E402

KIND.on_ruling = ruling.on_ruling
KIND.rulings_applied = frozenset({"granted", "partly_granted", "returned"})
KIND.ruling_changes = ruling.changes

KIND.extra_context = views.case_extra
KIND.status_context = no_status_extras  # the status block shows the basics only

__all__ = ["KIND", "AbsenceNote", "bp"]
