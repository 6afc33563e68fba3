"""What a ruling on an appeal does to an exam adaptation (Kind.on_ruling, cases/rulings.py).

Changed in full in the student's favour, every adaptation applied for is granted as asked (the
extra minutes asked for, which the application was held to the profile's maximum when filed),
so the exam office's list of adaptations at each exam shows them (appeal_change). Changed in
part, the ruling names which of the adaptations not granted as asked it grants (Ruling.parts,
ticked on the appeal's page: parts), and those are granted as asked; the rest stay as
decided. A change in part is offered where at least two adaptations are not granted as asked
(with one, a change grants it or not: changes). Returned for new treatment, the decision's
outcomes are cleared and the application goes back to the decider as sent (appeal_return).
"""

from portal.cases import rulings
from portal.i18n import gettext as _
from portal.kinds.exam_adaptation.forms import ADAPTATION_LABELS
from portal.kinds.exam_adaptation.models import ExamAdaptationItem

APPLIED = frozenset({"granted", rulings.IN_PART, rulings.RETURNED})


def _items(case_id):
    return list(ExamAdaptationItem.select().where(ExamAdaptationItem.case == case_id)
                .order_by(ExamAdaptationItem.id))


def _not_as_asked(items):
    """The adaptations not granted as asked: refused, or granted fewer extra minutes."""
    return [i for i in items if i.outcome != "granted"
            or (i.adaptation == "extra_time" and (i.granted_minutes or 0) < (i.minutes or 0))]


def _open(decision):
    """The decision's adaptations not granted as asked (read once per decision read)."""
    if not hasattr(decision, "_not_as_asked"):
        decision._not_as_asked = _not_as_asked(_items(decision.case_id))
    return decision._not_as_asked


def _asked(item) -> str:
    label = str(ADAPTATION_LABELS[item.adaptation])
    return f"{label} (+{item.minutes} min)" if item.adaptation == "extra_time" and item.minutes \
        else label


def changes(decision) -> list[str]:
    """A change grants every adaptation not granted as asked, or, where there are two or
    more, some of them (in part); none where each is granted as asked."""
    left = _open(decision)
    return [*([rulings.IN_PART] if len(left) > 1 else []), "granted"] if left else []


def parts(decision) -> list[tuple[int, str]]:
    """What a change in part may grant: the adaptations not granted as asked, as asked."""
    return [(i.id, _asked(i)) for i in _open(decision)]


def on_ruling(ruling):
    """Apply `ruling` to the application its decision was made on (still decided)."""
    stands = ruling.case.state == "decided"
    words = {"ref": ruling.appeal.reference}
    items = _items(ruling.case.id)
    if ruling.returned:
        def returned(case, event):
            (ExamAdaptationItem.update(outcome=None, granted_minutes=None, decision_reason="")
             .where(ExamAdaptationItem.case == case.id).execute())

        return rulings.take(ruling, "appeal_return", stands=stands, effect=returned, text=_(
            "Returned for new treatment on appeal (case %(ref)s): the application is to be "
            "decided again, and the decision's outcomes no longer hold.", **words))

    reason = _("Granted on appeal (case %(ref)s).", **words)
    in_part = ruling.outcome == rulings.IN_PART
    left = {i.id for i in _not_as_asked(items)}
    chosen = [i for i in items if i.id in set(ruling.parts)] if in_part else items
    # in part: what it names must still be open, and not all of it (the page checked it
    # against the application as it read it)
    stands = stands and (not in_part or (
        bool(chosen) and {i.id for i in chosen} <= left and len(chosen) < len(left)))

    def granted(case, event):
        for item in chosen:
            item.outcome = "granted"
            item.granted_minutes = item.minutes if item.adaptation == "extra_time" else None
            item.decision_reason = reason
            item.save()

    lines = [_("Changed in part on appeal (case %(ref)s): these adaptations are granted as "
               "asked; the others stay as decided.", **words) if in_part else
             _("Changed on appeal (case %(ref)s): every adaptation applied for is granted as "
               "asked.", **words)]
    lines += [_asked(i) for i in chosen]
    return rulings.take(ruling, "appeal_change", stands=stands, effect=granted,
                        text="\n".join(lines))
