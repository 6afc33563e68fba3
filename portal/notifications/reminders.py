"""Deadline reminders, run from cron (`flask --app wsgi send-reminders`, see docs/operations.md).

Staff hear of answers due within the school's reminder lead time (rule `reminder_lead_time`)
and of answers overdue (Case.staff_due_on); students hear of their own deadlines closing
(appeal windows of their decisions, and whatever the request kinds register with
`student_deadlines`). Each reminder goes out once: its key is recorded in SentReminder, and a
second run — or two at once — finds it there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from peewee import IntegrityError

from portal.cases.kinds import REGISTRY
from portal.db import database
from portal.models import Case, Decision, Participant, School, User
from portal.notifications.models import SentReminder
from portal.notifications.notify import deliver

LEAD_RULE = "reminder_lead_time"
LOOKAHEAD = timedelta(days=31)  # a wider window than any lead time; each school's rule narrows


@dataclass(frozen=True)
class Due:
    """A deadline someone should be reminded of."""

    key: str  # unique per reminder: the same key is never sent twice
    user: User
    case: Case
    due_on: date
    text_key: str
    kind: str = "reminder"  # the notification's kind (what e-mail can be switched off for)


# Request kinds add generators of students' own deadlines: fn(today) -> Iterable[Due]
# (tasks for selvstendig studiearbeid, missing documentation, ...).
student_deadlines: list[Callable[[date], Iterable[Due]]] = []


def lead_days(school: School) -> int:
    rules = school.rules
    return int(rules.value(LEAD_RULE)) if LEAD_RULE in rules else 2


def staff_answers(today: date) -> Iterable[Due]:
    """Open cases whose staff answer is due within the lead time or overdue; and in a state
    whose date is when staff may act next (Kind.due_opens_in: a granted study leave, whose
    work can be approved the day after its period), one notice once that day has come, that
    the case waits for them: no countdown to it, and never "late". A day missed (the job did
    not run) is caught up within the lead time; one further back is not news (the first run
    after a release would tell of every such case at once: their lists show them)."""
    cases = (Case.select(Case, School)
             .join(School)
             .where(Case.is_open & Case.staff_due_on.is_null(False)
                    & (Case.staff_due_on <= today + LOOKAHEAD))
             .order_by(Case.staff_due_on, Case.id))
    for case in cases:
        if case.staff_due_on > today + timedelta(days=lead_days(case.school)):
            continue
        kind = REGISTRY.get(case.kind)
        if kind is None:
            continue
        opens = case.state in kind.due_opens_in
        if opens and case.staff_due_on > today:  # (a "from" date: no countdown to it)
            continue
        if opens and case.staff_due_on < today - timedelta(days=lead_days(case.school)):
            continue
        overdue = case.staff_due_on < today
        parts_by_user: dict[int, tuple[User, set[str]]] = {}
        for row in (Participant.select(Participant.part, User)
                    .join(User, on=(Participant.user == User.id))
                    .where(Participant.case == case)):
            parts_by_user.setdefault(row.user.id, (row.user, set()))[1].add(row.part)
        for user, parts in parts_by_user.values():
            staff = parts - {"student"}
            if not kind.may_act(case.state, staff):
                continue
            if case.id in kind.already_done(user, [case], {case.id: staff}):
                continue
            if opens:
                yield Due(key=f"opens:{case.id}:{case.state}:{case.staff_due_on}:{user.id}",
                          user=user, case=case, due_on=case.staff_due_on,
                          text_key="action_needed", kind="action_needed")
                continue
            when = "overdue" if overdue else "soon"
            yield Due(key=f"staff:{case.id}:{case.state}:{case.staff_due_on}:{when}:{user.id}",
                      user=user, case=case, due_on=case.staff_due_on,
                      text_key=f"reminder_{'overdue' if overdue else 'due_soon'}")


def appeal_windows(today: date) -> Iterable[Due]:
    """Decisions whose appeal deadline closes within the lead time (and has not passed)."""
    decisions = (Decision.select(Decision, Case, School)
                 .join(Case)
                 .join(School)
                 .where((Decision.appeal_deadline >= today)
                        & (Decision.appeal_deadline <= today + LOOKAHEAD)))
    for decision in decisions:
        case = decision.case
        if decision.appeal_deadline > today + timedelta(days=lead_days(case.school)):
            continue
        yield Due(key=f"appeal:{decision.id}:{decision.appeal_deadline}:{case.student_id}",
                  user=case.student, case=case, due_on=decision.appeal_deadline,
                  text_key="reminder_deadline")


def send_one(due: Due) -> bool:
    """Record and send one reminder; False when it had already gone out."""
    if SentReminder.select().where(SentReminder.key == due.key).exists():
        return False
    try:
        with database.atomic():
            SentReminder.create(key=due.key, user=due.user, case=due.case, due_on=due.due_on)
            deliver(due.user, due.case, due.kind, due.text_key, due_on=due.due_on,
                    dedupe_key=f"reminder:{due.key}")
    except IntegrityError:
        return False
    return True


def send_reminders(today: date) -> dict[str, int]:
    """Every reminder due on `today`; returns counts of sent and already sent."""
    counts = {"sent": 0, "already": 0}
    sources = [staff_answers, appeal_windows, *student_deadlines]
    for source in sources:
        for due in list(source(today)):
            if not due.user.active:
                continue
            counts["sent" if send_one(due) else "already"] += 1
    return counts
