"""What a ruling on an appeal does to an absence note (Kind.on_ruling, cases/rulings.py).

The decisions on a note are its refusal and its acceptance in part. A ruling in the student's
favour accepts the note anew in its own step (appeal_change), in the ruling's transaction:
in full, every day it asks to keep off the diploma is kept off, over the limits the decision
applied too (the ruling says they should be); in part (of a refusal), as the rules allow, the
limits included. Its covers are made again from that, so the student's absence figures and
the days kept off the diploma follow. A return for new treatment (appeal_return) undoes what
the decision did and puts the note back to its reviewer as sent: its covers, and the chronic
condition its acceptance filed (review.withdraw_chronic), which its timeline says; and the
days it leaves undocumented may cross a threshold of absence: its warning is given in the same
transaction (absence.check_warnings, as when absence is recorded). A warning given stays when
a change documents the days.
"""

from portal.absence import rules
from portal.absence.services import check_warnings
from portal.cases import rulings
from portal.cases.engine import hold_student
from portal.cases.steps import StepRefused
from portal.i18n import gettext as _
from portal.kinds.absence_note import review
from portal.kinds.absence_note.models import AbsenceNote
from portal.roles import student_words
from portal.rules.deadlines import format_date


def changes(decision) -> list[str]:
    """A refusal is changed in part (accepted as the rules allow) or in full; an acceptance
    in part, in full. A correction is made or not: only in full."""
    note = AbsenceNote.get(AbsenceNote.case == decision.case_id)
    if note.category == rules.CORRECTION:
        return ["granted"] if decision.outcome == "refused" else []
    return {"refused": [rulings.IN_PART, "granted"], "partly_granted": ["granted"]}.get(
        decision.outcome, [])


def on_ruling(ruling):
    """Apply `ruling` (cases.rulings.Ruling) to the note its decision was made on: the
    decision appealed must still stand as it left the note (refused, or accepted in part)."""
    case = ruling.case
    note = AbsenceNote.get(AbsenceNote.case == case.id)
    stands = {"refused": case.state == "refused",
              "partly_granted": case.state == "accepted"
              and bool((note.outcome or {}).get("partial"))}.get(ruling.decision.outcome, False)
    if ruling.returned:
        return rulings.take(ruling, "appeal_return", stands=stands, effect=_return(ruling, note))
    return rulings.take(ruling, "appeal_change", stands=stands, effect=_change(ruling, note))


def _words(ruling) -> dict:
    return {"ref": ruling.appeal.reference, **student_words(ruling.case.school)}


def _change(ruling, note):
    """The effect of appeal_change: the note accepted anew as the ruling says."""
    in_full = ruling.outcome == "granted"

    def effect(case, event):
        review.uncover(case)  # (accepted in part: its covers are made again)
        if note.category == rules.CORRECTION:
            if not in_full:
                raise StepRefused(_("A correction is made or not: change the decision in "
                                    "full."))
            text = f"{_in_full(ruling)} {review.correct(case, note)}"
            note.outcome = {"explanation": text, "ruling": ruling.event_data()}
        else:
            text = _accepted(ruling, case, note, in_full)
        note.missing = ""
        note.save()
        event.text = text
        event.save()

    return effect


def _accepted(ruling, case, note, in_full: bool) -> str:
    """The note's covers as the ruling accepts it, and what it says of them."""
    profile, year = case.school.rules, case.school_year
    hold_student(case.student_id)  # as an acceptance does: the student's other notes' days
    chronic = review.chronic_on_file(case, note, ruling.actor)
    days = review.note_days(note, year)
    limited, before = review.assess(case, note, chronic=chronic, days=days)
    if not in_full and not limited.is_partial:
        raise StepRefused(_(
            "Accepted as the rules allow, the note keeps every day it asks for off the "
            "diploma: that is a change in full, not in part. Choose the change asked for, "
            "not the one in part."))
    outcome = (review.assess(case, note, chronic=chronic, days=days, limits=False)[0]
               if in_full and limited.is_partial else limited)
    # the days past the limit of days a year are kept off by the ruling, beside the count
    over = review.over_limit(outcome, before, profile) if in_full else ()
    review.cover(case, note, outcome, appeal=ruling.appeal, over=over)
    lines = [_in_full(ruling) if in_full else
             _("Changed in %(students)s favour on appeal (case %(ref)s): the note is accepted "
               "in part, as the rules allow.", **_words(ruling))]
    refused = review.refused_days(limited) if in_full else ()
    if refused:
        lines.append(_("By the ruling these days are kept off the diploma too, over the limit "
                       "of the rules: %(dates)s.",
                       dates=", ".join(format_date(d) for d in refused)))
    lines.append(review.explain(outcome, profile, chronic=chronic,
                                used=before.used(outcome.struck, over), ruled=before.rulings))
    text = " ".join(lines)
    note.outcome = review.outcome_record(text, outcome, ruling=ruling.event_data())
    return text


def _in_full(ruling) -> str:
    return _("Changed in %(students)s favour on appeal (case %(ref)s): the note is accepted in "
             "full.", **_words(ruling))


def _return(ruling, note):
    """The effect of appeal_return: what the decision did undone, the note sent again."""

    def effect(case, event):
        review.uncover(case)
        # (a refusal filed no chronic condition: only an acceptance's is withdrawn)
        chronic, said = (review.withdraw_chronic(case, note)
                         if event.state_before == "accepted" else ("", ""))
        check_warnings(case.student, case.school_year)
        note.outcome = None
        note.missing = ""
        note.save()
        event.text = " ".join(filter(None, [_(
            "Returned for new treatment on appeal (case %(ref)s): the note is to be reviewed "
            "again, and what the decision did is undone until then.", **_words(ruling)), said]))
        if chronic:
            event.data = {**(event.data or {}), "chronic_condition": chronic}
        event.save()

    return effect
