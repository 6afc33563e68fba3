"""Work queues: overdue answers first, most overdue on top, then those due soonest."""

from datetime import date


def overdue_first(rows: list, today: date) -> list:
    """Sort queue rows (with .case) by the staff due date and mark how late each is
    (row.days_late > 0) or when it is due (row.due_on)."""
    for row in rows:
        due = row.case.staff_due_on
        row.due_on = due
        row.days_late = (today - due).days if due is not None and due < today else 0
    dated = sorted((r for r in rows if r.due_on is not None), key=lambda r: r.due_on)
    return dated + [r for r in rows if r.due_on is None]
