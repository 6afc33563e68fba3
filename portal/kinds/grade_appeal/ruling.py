"""What a ruling on an appeal does to an appeal on a grade that the exam office dismissed as
late (Kind.on_ruling, cases/rulings.py, cases/dismissal.py).

Changed in the student's favour (the appeal is to be heard though it came late) or returned for
new treatment, the dismissed appeal goes back to the exam office as received, with a new
deadline for the new grading from the day of the ruling; the exam office then appoints new
examiners or, returned only, dismisses it again. The dismissal is the one decision an appeal on
a grade has.
"""

from portal.cases import dismissal
from portal.i18n import gettext as _
from portal.kinds.grade_appeal.models import GradeAppeal
from portal.models import Case
from portal.rules import calendar as cal
from portal.rules.deadlines import Deadline

APPLIED = dismissal.RULINGS_APPLIED
changes = dismissal.ruling_changes


def on_ruling(ruling):
    """Send the appeal on a grade (still dismissed) back to the exam office as received."""
    def effect(case, event):
        rules = case.school.rules
        due = Deadline.after(cal.today(), rules.rule("regrading_within")).due \
            if "regrading_within" in rules else None
        GradeAppeal.update(answer_due=due).where(GradeAppeal.case == case.id).execute()
        Case.update(staff_due_on=due).where(Case.id == case.id).execute()
        case.staff_due_on = due

    ref = ruling.appeal.reference
    return dismissal.ruled(ruling, effect=effect, heard=_(
        "Dismissal changed on appeal (case %(ref)s): the appeal is to be heard though it came "
        "late. It is with the exam office again, to appoint new examiners.", ref=ref),
        returned=_(
        "Returned for new treatment on appeal (case %(ref)s): the dismissal no longer stands. "
        "The appeal is with the exam office again, as received.", ref=ref))
