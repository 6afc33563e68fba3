"""What a ruling on an appeal does to a formal-error appeal whose principal granted it, or
dismissed it as late (Kind.on_ruling, cases/rulings.py).

Returned for new treatment, the appeal goes back to the principal as received, who grants
it again, sends it to the appeals body or (late) dismisses it again; the outcome the grant or
the dismissal recorded is cleared (appeal_return). A change gives the grant the other of its
outcomes (a new exam instead of a new grading, or the reverse: changes), for the candidates
the grant named; the case's outcome is changed with it (appeal_change). A dismissal has no
other outcome to change to: it is returned, or it stands.
"""

from portal.cases import dismissal, rulings
from portal.i18n import gettext as _
from portal.kinds.formal_error_appeal.forms import OUTCOMES
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal

GRANTS = ("new_grading", "new_exam")
APPLIED = frozenset({rulings.RETURNED, *GRANTS})
# the states the principal's decisions leave the appeal in
DECIDED = ("granted", dismissal.DISMISSED)


def changes(decision) -> list[str]:
    """The grant's other outcome: what the student may have asked for instead."""
    return [code for code in GRANTS if code != decision.outcome] \
        if decision.outcome in GRANTS else []


def on_ruling(ruling):
    """Change the principal's grant (still granted) to the other outcome, or return the
    formal-error appeal (still granted, or dismissed) to the principal."""
    if not ruling.returned:
        def changed(case, event):
            (FormalErrorAppeal.update(outcome=ruling.outcome)
             .where(FormalErrorAppeal.case == case.id).execute())

        return rulings.take(ruling, "appeal_change", stands=ruling.case.state == "granted",
                            effect=changed, text=_(
                                "Changed on appeal (case %(ref)s): the grant is now: "
                                "%(outcome)s.",
                                ref=ruling.appeal.reference, outcome=OUTCOMES[ruling.outcome]))

    def effect(case, event):
        (FormalErrorAppeal.update(outcome=None, scope=None)
         .where(FormalErrorAppeal.case == case.id).execute())

    return rulings.take(ruling, "appeal_return", stands=ruling.case.state in DECIDED,
                        effect=effect,
                        text=_("Returned for new treatment on appeal (case %(ref)s): the "
                               "principal is to decide the appeal again.",
                               ref=ruling.appeal.reference))
