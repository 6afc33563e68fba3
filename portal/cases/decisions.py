"""Individual decisions (enkeltvedtak): the parts forvaltningsloven requires, computed once.

Call `issue` inside the engine's transition (its `effect`), so that the decision commits or
rolls back with the step that made it.
"""

from datetime import datetime

from portal.models import Case, Decision, User, utcnow
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import deadline_after, restart

APPEAL_RULE = "decision_appeal_deadline"


def issue(
    case: Case,
    *,
    outcome: str,
    summary: str,
    reasons: str,
    rule_reference: str,
    decided_by: User,
    role: str,
    decided_at: datetime | None = None,
) -> Decision:
    """Record a decision with its appeal deadline (from the day it is received, rolled past
    weekends and holidays) and appeal body, both from the school's rule profile."""
    profile = case.school.rules
    appeal = profile.rule(APPEAL_RULE)
    decided_at = decided_at or utcnow()
    return Decision.create(
        case=case,
        outcome=outcome,
        summary=summary,
        reasons=reasons,
        rule_reference=rule_reference,
        decided_by=decided_by,
        decided_role=role,
        decided_at=decided_at,
        appeal_body=profile.value("appeal_body"),
        appeal_deadline=deadline_after(oslo_date(decided_at), appeal),
        appeal_rule=appeal.cite(),
    )


def reasons_given(decision: Decision, reasons: str, at: datetime | None = None) -> Decision:
    """The reasons came later (forvaltningsloven § 24): a full new appeal period runs from
    the day they were received."""
    at = at or utcnow()
    appeal = decision.case.school.rules.rule(APPEAL_RULE)
    decision.reasons = reasons
    decision.reasons_given_at = at
    decision.appeal_deadline = restart(oslo_date(at), appeal)
    decision.save()
    return decision


def for_case(case: Case) -> list[Decision]:
    return list(
        Decision.select(Decision, User)
        .join(User, on=(Decision.decided_by == User.id))
        .where(Decision.case == case)
        .order_by(Decision.decided_at)
    )
