"""What a ruling on an appeal does to a follow-up case (Kind.on_ruling, cases/rulings.py).

Returned for new treatment, the case goes back to the department head as the student left
the protocol (signed, or commented on instead), to meet and decide again; the meeting the
decision recorded is cleared (appeal_return, appeal_return_commented). A change in the
student's favour is not applied: the decision's outcomes (a follow-up plan, a written
warning, loss of the study place, no further measures) are not the grants a change names,
and none of them changes anything else in the portal.
"""

from portal.cases import rulings
from portal.i18n import gettext as _
from portal.kinds.follow_up.models import FollowUp

APPLIED = frozenset({rulings.RETURNED})


def on_ruling(ruling):
    """Return the case the decision was made in (still decided) to the department head."""
    follow_up = FollowUp.get(FollowUp.case == ruling.case.id)
    action = "appeal_return" if follow_up.signed_at is not None else "appeal_return_commented"

    def effect(case, event):
        (FollowUp.update(decision_meeting_on=None, decision_attendees=None)
         .where(FollowUp.case == case.id).execute())

    return rulings.take(ruling, action, stands=ruling.case.state == "decided", effect=effect,
                        text=_("Returned for new treatment on appeal (case %(ref)s): the "
                               "department head is to meet and decide again.",
                               ref=ruling.appeal.reference))
