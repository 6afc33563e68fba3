"""Grade justification (begrunnelse): asked for from the grade, routed by the exam office to
the examiner(s), answered in writing or orally; receiving it restarts the appeal deadline."""

from flask import Blueprint

from portal.cases.kinds import Kind, State, Transition, no_status_extras, register, withdrawals
from portal.i18n import lazy_gettext as _l
from portal.kinds.justification.models import JustificationRequest

KIND = "justification"

bp = Blueprint(KIND, __name__, template_folder="templates", url_prefix="/justifications")


def _context(case, parts):
    from portal.kinds.justification.views import case_context

    return case_context(case, parts)


register(Kind(
    code=KIND,
    label=_l("Grade justification"),
    initial="requested",
    states=[
        State("requested", _l("Asked for – with the exam office")),
        State("with_examiner", _l("With the examiner")),
        State("delayed", _l("Delayed – expected date given")),
        State("answered", _l("Answered"), is_open=False),
        State("withdrawn", _l("Withdrawn"), is_open=False),
    ],
    transitions=[
        Transition("requested", "route", {"exam_office"}, "with_examiner"),
        Transition("with_examiner", "answer", {"examiner"}, "answered"),
        Transition("with_examiner", "delay", {"examiner"}, "delayed"),
        Transition("delayed", "answer", {"examiner"}, "answered"),
        *withdrawals(["requested"]),
    ],
    deciders=frozenset({"exam_office", "examiner"}),
    template="justification/case.html",
    extra_context=_context,
    status_context=no_status_extras,  # the status block shows the basics only
    event_labels={
        "file": _l("Justification asked for"),
        "route": _l("Sent to the examiner"),
        "delay": _l("The justification will be late"),
        "answer": _l("Justification given"),
    },
    news={
        "file": _l("A justification of a grade has been asked for."),
        "route": (_l("Your request for a justification has been sent to the examiner."),
                  _l("The request for a grade justification has been sent to the examiner.")),
        "delay": _l("The examiner has said that the justification will be late."),
        "answer": (_l("You have been given the justification of your grade."),
                   _l("The justification of the grade has been given.")),
        "withdraw": _l("The request for a grade justification has been withdrawn."),
    },
))

from portal.kinds.justification import views  # noqa: E402,F401

__all__ = ["JustificationRequest", "bp"]
