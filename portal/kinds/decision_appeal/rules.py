"""The rules of an appeal on a decision: deadlines, late appeals, no detriment at first
instance, the board's conflicts of interest and its vote."""

from collections import Counter
from datetime import date

from portal.cases import appeals
from portal.i18n import lazy_gettext as _l
from portal.models import Decision, Event, User
from portal.models.people import holders
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import Deadline

# How good an outcome is for the student; the first instance may only move up this scale.
OUTCOME_RANK = {"refused": 0, "partly_granted": 1, "granted": 2}
# (%(students)s: roles.student_words of the case's school)
REVERSAL_OUTCOMES = {
    "partly_granted": _l("Partly in %(students)s favour"),
    "granted": _l("In %(students)s favour: the change asked for"),
}
BOARD_OUTCOMES = {
    "upheld": _l("The decision is upheld"),
    "changed": _l("The decision is changed"),
    "returned": _l("Returned for new treatment"),
    # only for an appeal received late (cases/dismissal.py): not heard; final
    "dismissed": _l("The appeal is dismissed: it came too late"),
}


def appeal_deadline(decision: Decision) -> Deadline:
    """The decision's appeal deadline (restarted if reasons were given later)."""
    rule = decision.case.school.rules.rule("decision_appeal_deadline")
    return Deadline(due=decision.appeal_deadline, rule=rule)


def timeliness(decision: Decision, on: date) -> appeals.Timeliness:
    """An appeal on `decision` filed `on`: late, or past the absolute limit from the decision."""
    return appeals.timeliness(appeal_deadline(decision), rules=decision.case.school.rules,
                              decided_on=oslo_date(decision.decided_at), on=on)


def reversal_options(original_outcome: str) -> dict:
    """Outcomes the first instance may give: only better for the student than the original."""
    rank = OUTCOME_RANK.get(original_outcome, 0)
    return {code: label for code, label in REVERSAL_OUTCOMES.items()
            if OUTCOME_RANK[code] > rank}


def answer_deadline(school, received_on: date) -> Deadline:
    return Deadline.after(received_on, school.rules.rule("appeal_board_answer_within"))


def conflicts(decision: Decision) -> dict[int, str]:
    """Board members who took part in the decision, with the reason (habilitet,
    forvaltningsloven § 6; member who took part may not sit, [002 § 6-8], [003 § 7-7])."""
    reasons = {decision.decided_by_id: str(_l("made the decision that is appealed"))}
    actors = (Event.select(Event.actor)
              .where((Event.case == decision.case_id) & Event.actor.is_null(False))
              .distinct())
    for ev in actors:
        reasons.setdefault(ev.actor_id, str(_l("took part in the case that led to the "
                                                 "decision")))
    return reasons


def board(school, decision: Decision) -> tuple[list[User], list[tuple[User, str]]]:
    """(members who may sit, [(blocked member, reason)])."""
    blocked = conflicts(decision)
    members = list(holders(school, "appeals_board"))
    return ([m for m in members if m.id not in blocked],
            [(m, blocked[m.id]) for m in members if m.id in blocked])


def majority(votes: dict[int, str], chair_id: int) -> str:
    """The outcome most members voted for; on a tie the chair's vote decides."""
    counts = Counter(votes.values()).most_common()
    top = [outcome for outcome, n in counts if n == counts[0][1]]
    if len(top) == 1 or votes[chair_id] not in top:
        return top[0]
    return votes[chair_id]
