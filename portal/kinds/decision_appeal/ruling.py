"""What a ruling on an appeal does to an appeal on a decision that its principal dismissed as
late (Kind.on_ruling, cases/rulings.py, cases/dismissal.py).

Changed in the student's favour (the appeal is to be heard though it came late) or returned for
new treatment, the dismissed appeal goes back to the principal as received, with a new answer
deadline from the day of the ruling; the principal then changes the decision appealed, sends
the appeal to the appeals board or, returned only, dismisses it again. The appeal's other
decision, the principal's change in the student's favour, is left as it is by a ruling on it
(Kind.ruling_applies).
"""

from portal.cases import dismissal, rulings
from portal.i18n import gettext as _
from portal.kinds.decision_appeal import rules as r
from portal.kinds.decision_appeal.models import DecisionAppeal
from portal.models import Case
from portal.rules import calendar as cal

APPLIED = dismissal.RULINGS_APPLIED
applies = dismissal.is_dismissal


def changes(decision) -> list[str]:
    """A dismissal: to be heard. The principal's change in the student's favour: the grants
    better than it (not applied here), none for a change that heard a dismissed appeal."""
    if dismissal.is_dismissal(decision):
        return dismissal.ruling_changes(decision)
    return [] if decision.outcome == dismissal.HEARD else rulings.ranked(decision)


def on_ruling(ruling):
    """Send the appeal (still dismissed) back to the principal as received."""
    def effect(case, event):
        rules = case.school.rules
        due = r.answer_deadline(case.school, cal.today()).due \
            if "appeal_board_answer_within" in rules else None
        (DecisionAppeal.update(outcome=None, answer_due=due)
         .where(DecisionAppeal.case == case.id).execute())
        Case.update(staff_due_on=due).where(Case.id == case.id).execute()
        case.staff_due_on = due

    from portal.kinds.decision_appeal import first_instance_name

    ref = ruling.appeal.reference
    # (the first instance the school's profile names: NKI's undervisningsdirektør)
    first = first_instance_name(ruling.case.school.rules)
    return dismissal.ruled(ruling, effect=effect, heard=_(
        "Dismissal changed on appeal (case %(ref)s): the appeal is to be heard though it came "
        "late. It is with %(first)s again, as received.", ref=ref, first=first), returned=_(
        "Returned for new treatment on appeal (case %(ref)s): the dismissal no longer stands. "
        "The appeal is with %(first)s again, as received.", ref=ref, first=first))
