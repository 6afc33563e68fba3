"""What a ruling on an appeal does to an application for independent study (Kind.on_ruling,
cases/rulings.py).

A refusal changed in full in the student's favour: where the subject teachers had answered,
the application is granted with their tasks, as the coordinator's grant would have
(appeal_change; the work is approved from the day after the period); where it was refused
before they were asked, there are grounds, and it goes to them as the coordinator's finding
of grounds sends it (appeal_grounds), for the coordinator to answer with their tasks.
Returned for new treatment (a refusal or a grant), it goes back to the coordinator as sent
(appeal_return). A change in part is not offered (changes): an application is granted or
refused as a whole.
"""

from portal.cases import rulings
from portal.i18n import gettext as _
from portal.kinds.study_leave import flow
from portal.models import Case

APPLIED = frozenset({"granted", rulings.RETURNED})


def changes(decision) -> list[str]:
    """A refusal is changed to a grant; a grant is not changed further in the student's
    favour (it may be returned)."""
    return ["granted"] if decision.outcome == "refused" else []


def on_ruling(ruling):
    """Apply `ruling` to the application its decision was made on (still refused, or still
    granted and not yet completed or closed)."""
    case = ruling.case
    stands = case.state == {"refused": "refused", "granted": "granted"}.get(
        ruling.decision.outcome)
    words = {"ref": ruling.appeal.reference}
    leave = flow.leave_of(case)
    if ruling.returned:
        return rulings.take(ruling, "appeal_return", stands=stands,
                            effect=_due(flow.answer_due(leave.first_day)), text=_(
                                "Returned for new treatment on appeal (case %(ref)s): the "
                                "application is to be decided again.", **words))
    answers = flow.answers(case)
    if not answers:  # (refused before the teachers were asked)
        effect = flow.to_teachers(case)
        return rulings.take(ruling, "appeal_grounds", stands=stands, effect=effect, text=_(
            "Changed on appeal (case %(ref)s): there are grounds. The application goes to "
            "the subject teachers, and the year coordinator then answers with their tasks.",
            **words))
    waiting = [a for a in answers if not a.is_answered]
    return rulings.take(ruling, "appeal_change", stands=stands and not waiting,
                        effect=_due(flow.completion_opens(leave)), text=_(
                            "Changed on appeal (case %(ref)s): the application is granted, "
                            "with the subject teachers' tasks.", **words))


def _due(day):
    """An effect setting when the coordinator acts next (Case.staff_due_on) to `day`."""
    def effect(case, event):
        case.staff_due_on = day
        Case.update(staff_due_on=day).where(Case.id == case.id).execute()
    return effect
