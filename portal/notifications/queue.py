"""Work queues: overdue answers first, most overdue on top, then those due soonest."""

from datetime import date


def overdue_first(rows: list, today: date) -> list:
    """Sort queue rows (with .case) by the staff due date and mark how late each is
    (row.days_late > 0) or when it is due (row.due_on); where the kind's date in the case's
    state is when staff may act (Kind.due_opens_in), row.opens: never late."""
    from portal.cases.kinds import REGISTRY

    for row in rows:
        case = row.case
        due = case.staff_due_on
        kind = REGISTRY.get(case.kind)
        row.due_on = due
        row.opens = kind is not None and case.state in kind.due_opens_in
        row.days_late = ((today - due).days if due is not None and due < today
                         and not row.opens else 0)
    dated = sorted((r for r in rows if r.due_on is not None), key=lambda r: r.due_on)
    return dated + [r for r in rows if r.due_on is None]
