"""What a ruling on an appeal does to a follow-up case (Kind.on_ruling, cases/rulings.py).

Returned for new treatment, the case goes back to the department head as the student left
the protocol (signed, or commented on instead), to meet and decide again; the meeting the
decision recorded is cleared (appeal_return, appeal_return_commented). Changed in the
student's favour, the decision's outcome is changed to a milder one of the kind's own (a
follow-up plan instead of a written warning, say: changes): none of them changes anything else
in the portal, so the change is the case's timeline entry (appeal_change) and what the
decision's letter says above it (cases/decisions.py).
"""

from portal.cases import rulings
from portal.i18n import gettext as _
from portal.kinds.follow_up import OUTCOMES
from portal.kinds.follow_up.models import FollowUp
from portal.roles import student_words

# how heavy a decision is for the student: a change in their favour makes it lighter
WEIGHT = {"no_measures": 0, "follow_up_plan": 1, "written_warning": 2, "loss_of_study_place": 3}
APPLIED = frozenset({rulings.RETURNED, *WEIGHT})


def changes(decision) -> list[str]:
    """The outcomes lighter than the decision's, lightest last."""
    weight = WEIGHT.get(decision.outcome, 0)
    return sorted((code for code, w in WEIGHT.items() if w < weight),
                  key=WEIGHT.get, reverse=True)


def on_ruling(ruling):
    """Change the decision of the case it was made in (still decided) to the lighter
    outcome, or return the case to the department head."""
    stands = ruling.case.state == "decided"
    if not ruling.returned:
        return rulings.take(ruling, "appeal_change", stands=stands, effect=None, text=_(
            "Changed in %(students)s favour on appeal (case %(ref)s): the decision is now: "
            "%(outcome)s.", ref=ruling.appeal.reference, outcome=OUTCOMES[ruling.outcome],
            **student_words(ruling.case.school)))
    follow_up = FollowUp.get(FollowUp.case == ruling.case.id)
    action = "appeal_return" if follow_up.signed_at is not None else "appeal_return_commented"

    def effect(case, event):
        (FollowUp.update(decision_meeting_on=None, decision_attendees=None)
         .where(FollowUp.case == case.id).execute())

    return rulings.take(ruling, action, stands=stands, effect=effect,
                        text=_("Returned for new treatment on appeal (case %(ref)s): the "
                               "department head is to meet and decide again.",
                               ref=ruling.appeal.reference))
