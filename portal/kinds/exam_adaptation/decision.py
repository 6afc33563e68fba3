"""The decider's form on an exam adaptation case: each adaptation's outcome, extra minutes
and reason as posted, checked field by field, and the summary the decision letter states."""

from dataclasses import dataclass

from portal.cases import decisions
from portal.i18n import gettext as _
from portal.kinds.exam_adaptation import rules
from portal.kinds.exam_adaptation.forms import (
    ADAPTATION_LABELS,
    DECISION_FIELD_LABELS,
    OUTCOME_LABELS,
)


@dataclass(frozen=True)
class Choice:
    """One adaptation as the decider posted it; `minutes_text` is what was typed, shown
    again as it was when the form comes back with errors."""

    outcome: str
    minutes: int | None
    reason: str
    minutes_text: str


@dataclass(frozen=True)
class FieldError:
    """An error on one field of the form: `anchor` is the id of the input it links to,
    `label` names the field (its adaptation, and which of its fields)."""

    item_id: int
    field: str  # "outcome", "minutes" or "reason"
    anchor: str
    label: str
    message: str


def outcome_anchor(item) -> str:
    """The id of an item's first outcome radio (where the error summary points)."""
    return f"outcome_{item.id}-{next(iter(OUTCOME_LABELS))}"


def parse(case, items, data) -> tuple[dict[int, Choice], list[FieldError]]:
    """Each item's choice from the posted `data`, and every error at once, each on the
    field it is about (in the order of the page)."""
    rule = rules.extra_time_rule(case.school)
    chosen, errors = {}, []
    for item in items:
        outcome = data.get(f"outcome_{item.id}", "")
        reason = (data.get(f"reason_{item.id}") or "").strip()
        typed = (data.get(f"minutes_{item.id}") or "").strip()
        label = ADAPTATION_LABELS[item.adaptation]

        def error(field, message, anchor=None, item=item, label=label):
            named = (f"{label} – {DECISION_FIELD_LABELS[field]}"
                     if field in DECISION_FIELD_LABELS else str(label))
            errors.append(FieldError(item.id, field, anchor or f"{field}_{item.id}", named,
                                     message))

        if outcome not in OUTCOME_LABELS:
            error("outcome", _("Choose grant, grant in part or refuse for %(a)s.", a=label),
                  outcome_anchor(item))
        minutes = None
        if item.adaptation == "extra_time" and outcome in ("granted", "partly_granted"):
            if typed and not typed.isdecimal():
                error("minutes", _("Write the number of extra minutes as a whole number."))
            else:
                minutes = int(typed) if typed else (item.minutes if outcome == "granted"
                                                    else None)
                if not minutes:
                    error("minutes", _("Write how many extra minutes are granted."))
                elif minutes > rules.MINUTES_BEYOND_BELIEF:
                    error("minutes", _("Write at most %(max)s minutes.",
                                       max=rules.MINUTES_BEYOND_BELIEF))
                elif rule is not None and minutes > int(rule.value):
                    error("minutes", _("At most %(n)s extra minutes can be given (%(rule)s).",
                                       n=rule.value, rule=rule.cite()))
                elif (outcome == "partly_granted" and item.minutes
                      and minutes >= item.minutes):
                    error("minutes", _("A part grant of extended time gives fewer minutes "
                                       "than asked for (%(n)s).", n=item.minutes))
                elif outcome == "granted" and item.minutes and minutes < item.minutes:
                    # fewer minutes than asked is a grant in part: the letter must say so,
                    # with the reason the student may appeal against
                    error("minutes", _("%(granted)s of the %(n)s minutes asked for is a grant "
                                       "in part: choose «%(part)s» and give the "
                                       "reason.", granted=minutes, n=item.minutes,
                                       part=OUTCOME_LABELS["partly_granted"]))
        if outcome in ("partly_granted", "refused") and not reason:
            error("reason", _("Give the reason for refusing %(a)s fully or in part.", a=label))
        chosen[item.id] = Choice(outcome, minutes, reason, typed)
    return chosen, errors


def summary(items, chosen) -> tuple[str, str]:
    """The overall outcome and one line per adaptation for the decision letter."""
    outcomes = {chosen[i.id].outcome for i in items}
    overall = (outcomes.pop() if len(outcomes) == 1 and outcomes <= {"granted", "refused"}
               else "partly_granted")
    lines = []
    for item in items:
        choice = chosen[item.id]
        text = f"{ADAPTATION_LABELS[item.adaptation]}"
        if item.detail:
            text += f" ({item.detail})"
        text += f": {decisions.outcome_label(choice.outcome, 'exam_adaptation')}"
        if choice.minutes:
            text += f", {choice.minutes} min"
        if choice.reason:
            text += f" – {choice.reason}"
        lines.append(text)
    return overall, "\n".join(lines)
