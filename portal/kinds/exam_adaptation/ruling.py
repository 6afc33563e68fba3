"""What a ruling on an appeal does to an exam adaptation (Kind.on_ruling, cases/rulings.py).

Changed in full in the student's favour, every adaptation applied for is granted as asked (the
extra minutes asked for, which the application was held to the profile's maximum when filed),
so the exam office's list of adaptations at each exam shows them (appeal_change). Returned
for new treatment, the decision's outcomes are cleared and the application goes back to the
decider as sent (appeal_return). A change in part is not applied: which adaptations it
grants is not recorded by the ruling (rulings_applied leaves it out; the appeal's page says so).
"""

from portal.cases import rulings
from portal.i18n import gettext as _
from portal.kinds.exam_adaptation.forms import ADAPTATION_LABELS
from portal.kinds.exam_adaptation.models import ExamAdaptationItem

APPLIED = frozenset({"granted", rulings.RETURNED})


def on_ruling(ruling):
    """Apply `ruling` to the application its decision was made on (still decided)."""
    stands = ruling.case.state == "decided"
    words = {"ref": ruling.appeal.reference}
    items = list(ExamAdaptationItem.select().where(ExamAdaptationItem.case == ruling.case.id)
                 .order_by(ExamAdaptationItem.id))
    if ruling.returned:
        def returned(case, event):
            (ExamAdaptationItem.update(outcome=None, granted_minutes=None, decision_reason="")
             .where(ExamAdaptationItem.case == case.id).execute())

        return rulings.take(ruling, "appeal_return", stands=stands, effect=returned, text=_(
            "Returned for new treatment on appeal (case %(ref)s): the application is to be "
            "decided again, and the decision's outcomes no longer hold.", **words))

    reason = _("Granted on appeal (case %(ref)s).", **words)

    def granted(case, event):
        for item in items:
            item.outcome = "granted"
            item.granted_minutes = item.minutes if item.adaptation == "extra_time" else None
            item.decision_reason = reason
            item.save()

    lines = [_("Changed on appeal (case %(ref)s): every adaptation applied for is granted as "
               "asked.", **words)]
    lines += [f"{ADAPTATION_LABELS[i.adaptation]}"
              + (f" (+{i.minutes} min)" if i.adaptation == "extra_time" and i.minutes else "")
              for i in items]
    return rulings.take(ruling, "appeal_change", stands=stands, effect=granted,
                        text="\n".join(lines))
