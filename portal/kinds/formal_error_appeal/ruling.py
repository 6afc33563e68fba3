"""What a ruling on an appeal does to a formal-error appeal whose principal granted it
(Kind.on_ruling, cases/rulings.py).

Returned for new treatment, the appeal goes back to the principal as received, who grants
it again or sends it to the appeals body; the outcome the grant recorded is cleared
(appeal_return). A change in the student's favour is not applied: the grant's outcomes (new
grading, a new exam, for one or all candidates) are not the grants a change names.
"""

from portal.cases import rulings
from portal.i18n import gettext as _
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal

APPLIED = frozenset({rulings.RETURNED})


def on_ruling(ruling):
    """Return the formal-error appeal (still granted) to the principal."""
    def effect(case, event):
        (FormalErrorAppeal.update(outcome=None, scope=None)
         .where(FormalErrorAppeal.case == case.id).execute())

    return rulings.take(ruling, "appeal_return", stands=ruling.case.state == "granted",
                        effect=effect,
                        text=_("Returned for new treatment on appeal (case %(ref)s): the "
                               "principal is to decide the appeal again.",
                               ref=ruling.appeal.reference))
