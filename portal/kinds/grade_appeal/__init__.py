"""Appeal on a grade: the exam office appoints new examiners (never the original ones), who
grade blind — no page, fragment or notification shows them the old grade, its justification
or the student's reasons. Their grade replaces the old one, up or down, and is final."""

from flask import Blueprint

from portal.cases import dismissal
from portal.cases.kinds import (
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
from portal.kinds.grade_appeal.models import GradeAppeal

KIND = "grade_appeal"

bp = Blueprint(KIND, __name__, template_folder="templates", url_prefix="/grade-appeals")


def _context(case, parts):
    from portal.kinds.grade_appeal.views import case_context

    return case_context(case, parts)


def _status_context(case, parts):
    from portal.kinds.grade_appeal.views import status_context

    return status_context(case, parts)


register(Kind(
    code=KIND,
    label=_l("Appeal on a grade"),
    initial="filed",
    states=[
        State("filed", _l("Received – with the exam office")),
        State("regrading", _l("New grading by new examiners")),
        State("regraded", _l("New grade set (final)"), is_open=False),
        dismissal.state(),
        State("withdrawn", _l("Withdrawn"), is_open=False),
        lapsed_state(),
    ],
    transitions=[
        Transition("filed", "appoint", {"exam_office"}, "regrading"),
        # a late appeal not heard, before new examiners are appointed: a decision with a
        # right of appeal (cases/dismissal.py)
        Transition("filed", dismissal.ACTION, {"exam_office"}, dismissal.DISMISSED,
                   decision=True),
        Transition("regrading", "regrade", {"new_examiner"}, "regraded"),
        *withdrawals(["filed"]),
        # a doctor's note sets the grade aside (plan.lapse_on_set_aside, below): what the
        # appeal asks about is no longer the student's result, and it could not end otherwise
        # (its new grade is refused, and the student may withdraw only before new examiners
        # are appointed)
        *lapses(["filed", "regrading"]),
        # a ruling on an appeal against the dismissal that hears the appeal after all, or
        # returns the dismissal for new treatment (ruling.py)
        *dismissal.ruling_transitions("filed"),
    ],
    deciders=frozenset({"exam_office"}),
    template="grade_appeal/case.html",
    extra_context=_context,
    status_context=_status_context,
    event_labels={
        "file": _l("Appeal received (signed)"),
        "appoint": _l("New examiners appointed"),
        "regrade": _l("New grade set"),
        "new_oral_required": _l("A new oral exam is to be scheduled"),
        dismissal.ACTION: dismissal.EVENT_LABEL,
        LAPSE: _l("The appeal has lapsed"),
        dismissal.HEARD_ACTION: dismissal.HEARD_LABEL,
        dismissal.RETURN_ACTION: dismissal.RETURNED_LABEL,
    },
    # (never the grade: the new examiners are told of their task, nothing of the old grade)
    news={
        "file": _l("A new appeal on a grade has been received."),
        "appoint": (_l("New examiners have been appointed for your appeal."),
                    _l("New examiners have been appointed for the appeal on a grade.")),
        "regrade": (_l("A new grade has been set after your appeal."),
                    _l("A new grade has been set after the appeal.")),
        dismissal.ACTION: (dismissal.TO_STUDENT,
                           _l("The appeal on a grade has been dismissed because it came too "
                              "late.")),
        "withdraw": _l("The appeal on a grade has been withdrawn."),
        # (to the student and the exam office, who decides it; the new examiners are told
        # only that the case is closed: notify.heard)
        LAPSE: (_l("Your appeal on a grade has lapsed: the grade is set aside because the "
                   "absence is documented."),
                _l("The appeal on a grade has lapsed: the grade is set aside because the "
                   "absence is documented.")),
        dismissal.HEARD_ACTION: (
            _l("Your appeal is to be heard after all: the dismissal was changed on appeal."),
            _l("The dismissal of an appeal on a grade has been changed on appeal: the appeal "
               "is to be heard.")),
        dismissal.RETURN_ACTION: _l("The dismissal of an appeal on a grade has been returned "
                                    "for new treatment."),
    },
))

dismissal.APPEALS[KIND] = GradeAppeal  # (an appeal on its dismissal shows it)

from portal.kinds.grade_appeal import ruling, views  # noqa: E402,F401

_kind = REGISTRY[KIND]
_kind.on_ruling = ruling.on_ruling
_kind.rulings_applied = ruling.APPLIED
_kind.ruling_changes = ruling.changes

from portal.exams import plan  # noqa: E402

plan.lapse_on_set_aside(KIND, GradeAppeal)

__all__ = ["GradeAppeal", "bp"]
