"""What a ruling on an appeal does to a formal-error appeal whose principal granted it, or
dismissed it as late (Kind.on_ruling, cases/rulings.py, cases/dismissal.py).

The grant: returned for new treatment, the appeal goes back to the principal as received, who
grants it again, sends it to the appeals body or (late) dismisses it; the outcome the grant
recorded is cleared (appeal_return). A change gives the grant the other of its outcomes (a new
exam instead of a new grading, or the reverse: changes), for the candidates the grant named;
the case's outcome is changed with it (appeal_change), unless a doctor's note has set the
exam's grade aside since the grant (views.refuse_if_set_aside: refused, saying why).

The dismissal: changed in the student's favour (the appeal is to be heard though it came
late) or returned for new treatment, the dismissed appeal goes back to the principal as
received, its recorded outcome cleared (dismissal.ruled); the principal then grants it or
sends it to the appeals body or, returned only, dismisses it again. Heard, neither the
principal nor the appeals body may dismiss it as late (dismissal.heard_on_appeal).
"""

from portal.cases import dismissal, rulings
from portal.i18n import gettext as _
from portal.kinds.formal_error_appeal.forms import OUTCOMES
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal

GRANTS = ("new_grading", "new_exam")
APPLIED = frozenset({*dismissal.RULINGS_APPLIED, *GRANTS})


def changes(decision) -> list[str]:
    """The grant's other outcome (what the student may have asked for instead); a
    dismissal's one change: the appeal is heard."""
    if decision.outcome in GRANTS:
        return [code for code in GRANTS if code != decision.outcome]
    return dismissal.ruling_changes(decision)


def _as_received(case, event):
    """Back with the principal as received: the outcome the principal's decision recorded
    (and its candidates) cleared."""
    (FormalErrorAppeal.update(outcome=None, scope=None)
     .where(FormalErrorAppeal.case == case.id).execute())


def on_ruling(ruling):
    """Send the formal-error appeal (still dismissed) back to the principal as received; or
    change the principal's grant (still granted) to the other outcome, or return it to the
    principal."""
    from portal.kinds.formal_error_appeal import first_instance_name

    ref = ruling.appeal.reference
    first = first_instance_name(ruling.case.school.rules)  # (NKI: the undervisningsdirektør)
    if dismissal.is_dismissal(ruling.decision):
        return dismissal.ruled(ruling, effect=_as_received, heard=_(
            "Dismissal changed on appeal (case %(ref)s): the appeal is to be heard though it "
            "came late. It is with %(first)s again, as received.", ref=ref, first=first),
            returned=_(
            "Returned for new treatment on appeal (case %(ref)s): the dismissal no longer "
            "stands. The appeal is with %(first)s again, as received.", ref=ref, first=first))
    if not ruling.returned:
        def changed(case, event):
            # (a grant's other outcome is refused as the grant itself would be, for an exam
            # whose grade a doctor's note has set aside since the grant, read in this step's
            # transaction. A note committed after this read leaves the change standing, as a
            # note sent after the change would: a granted appeal does not lapse.)
            from portal.kinds.formal_error_appeal.views import refuse_if_set_aside

            refuse_if_set_aside(FormalErrorAppeal.get(FormalErrorAppeal.case == case.id),
                                ruling.outcome)
            (FormalErrorAppeal.update(outcome=ruling.outcome)
             .where(FormalErrorAppeal.case == case.id).execute())

        return rulings.take(ruling, "appeal_change", stands=ruling.case.state == "granted",
                            effect=changed, text=_(
                                "Changed on appeal (case %(ref)s): the grant is now: "
                                "%(outcome)s.", ref=ref, outcome=OUTCOMES[ruling.outcome]))

    return rulings.take(ruling, "appeal_return", stands=ruling.case.state == "granted",
                        effect=_as_received,
                        text=_("Returned for new treatment on appeal (case %(ref)s): "
                               "%(first)s is to decide the appeal again.", ref=ref,
                               first=first))
