"""Grade justification (begrunnelse): asked for from the grade, routed by the exam office to
the examiner(s), answered in writing or orally; receiving it restarts the appeal deadline."""

from flask import Blueprint

from portal.cases.kinds import (
    LAPSE,
    Kind,
    State,
    Transition,
    lapsed_state,
    lapses,
    no_status_extras,
    register,
    withdrawals,
)
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
        lapsed_state(),
    ],
    transitions=[
        Transition("requested", "route", {"exam_office"}, "with_examiner"),
        Transition("with_examiner", "answer", {"examiner"}, "answered"),
        Transition("with_examiner", "delay", {"examiner"}, "delayed"),
        Transition("delayed", "answer", {"examiner"}, "answered"),
        *withdrawals(["requested"]),
        # a doctor's note sets the grade aside (plan.lapse_on_set_aside, below): there is no
        # longer a grade to justify, and the examiner is not left with the task
        *lapses(["requested", "with_examiner", "delayed"]),
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
        LAPSE: _l("The request has lapsed"),
    },
    news={
        "file": _l("A justification of a grade has been asked for."),
        "route": (_l("Your request for a justification has been sent to the examiner."),
                  _l("The request for a grade justification has been sent to the examiner.")),
        "delay": _l("The examiner has said that the justification will be late."),
        "answer": (_l("You have been given the justification of your grade."),
                   _l("The justification of the grade has been given.")),
        "withdraw": _l("The request for a grade justification has been withdrawn."),
        # (the examiners are among those told: valid absence, never the doctor's note)
        LAPSE: (_l("Your request for a justification has lapsed: the grade is set aside."),
                _l("The request for a grade justification has lapsed: the grade is set aside "
                   "(valid absence).")),
    },
))

from portal.exams import plan  # noqa: E402
from portal.kinds.justification import views  # noqa: E402,F401

# (its text says only what the examiners may know: valid absence, plan.set_aside_text, not
# that a note was sent)
plan.lapse_on_set_aside(KIND, JustificationRequest,
                        why=lambda grade, exam: plan.set_aside_text(grade, exam.school))

__all__ = ["JustificationRequest", "bp"]
