"""Home pages: the student's own cases, staff's work queue."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.cases.access import visible_cases
from portal.cases.engine import latest_events
from portal.cases.kinds import REGISTRY
from portal.models import Participant

bp = Blueprint("main", __name__)

PAGE_SIZE = 50


@bp.route("/")
def index():
    """Send visitors to their home page or to the login page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


def _parts_by_case(user, case_ids):
    parts: dict[int, set[str]] = {}
    rows = Participant.select(Participant.case, Participant.part).where(
        (Participant.user == user) & Participant.case.in_(case_ids)
    )
    for row in rows:
        parts.setdefault(row.case_id, set()).add(row.part)
    return parts


@bp.route("/home")
@login_required
def home():
    """The user's cases: what waits for them first, then the rest."""
    cases = list(visible_cases(current_user).limit(PAGE_SIZE))
    ids = [c.id for c in cases]
    latest = latest_events(ids)
    parts = _parts_by_case(current_user, ids)
    waiting, others = [], []
    for case in cases:
        kind = REGISTRY.get(case.kind)
        actions = kind.actions(case.state, parts.get(case.id, set())) if kind else []
        staff_actions = [t for t in actions if t.action != "withdraw"]
        row = {"case": case, "kind": kind, "latest": latest.get(case.id, [None])[0]}
        (waiting if case.is_open and staff_actions else others).append(row)
    new_requests = [k for k in REGISTRY.values() if getattr(k, "new_endpoint", None)]
    return render_template(
        "main/home.html",
        waiting=waiting,
        others=others,
        is_student=current_user.has_role("student"),
        new_requests=new_requests,
    )
