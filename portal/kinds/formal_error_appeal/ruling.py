"""What a ruling on an appeal does to a formal-error appeal whose principal granted it, or
dismissed it as late (Kind.on_ruling, cases/rulings.py).

Returned for new treatment, the appeal goes back to the principal as received, who grants
it again, sends it to the appeals body or (late) dismisses it again; the outcome the grant or
the dismissal recorded is cleared (appeal_return). A change in the student's favour is not
applied: the grant's outcomes (new grading, a new exam, for one or all candidates) are not
the grants a change names.
"""

from portal.cases import dismissal, rulings
from portal.i18n import gettext as _
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal

APPLIED = frozenset({rulings.RETURNED})
# the states the principal's decisions leave the appeal in
DECIDED = ("granted", dismissal.DISMISSED)


def on_ruling(ruling):
    """Return the formal-error appeal (still granted, or dismissed) to the principal."""
    def effect(case, event):
        (FormalErrorAppeal.update(outcome=None, scope=None)
         .where(FormalErrorAppeal.case == case.id).execute())

    return rulings.take(ruling, "appeal_return", stands=ruling.case.state in DECIDED,
                        effect=effect,
                        text=_("Returned for new treatment on appeal (case %(ref)s): the "
                               "principal is to decide the appeal again.",
                               ref=ruling.appeal.reference))
