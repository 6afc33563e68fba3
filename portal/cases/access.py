"""The one access check for cases: a user sees a case only if they have a part in it."""

from flask import abort
from flask_login import current_user
from peewee import Expression, fn

from portal.db import Prepared, is_postgresql
from portal.models import Case, Participant, School, SchoolYear, User


def in_cases_of(user) -> Expression:
    """Case.id among the cases `user` has a part in. PostgreSQL gets the ids as an array
    (`= ANY(ARRAY(...))`): with `IN (subquery)` its planner, on default settings, hashes the
    user's participant rows and scans the whole case table (30 ms at 150,000 cases) instead
    of looking the cases up by id (2 ms)."""
    ids = Participant.select(Participant.case).where(Participant.user == user)
    if is_postgresql():
        return Case.id == fn.ANY(fn.ARRAY(ids))
    return Case.id.in_(ids)


def visible_cases(user: User):
    """Cases in which `user` has a part, newest activity first: what a list row shows (title,
    kind, state, reference, due date), nothing more."""
    return (
        Case.select(Case.id, Case.school_year, Case.number, Case.kind, Case.state, Case.is_open,
                    Case.title, Case.version, Case.staff_due_on, SchoolYear.id,
                    SchoolYear.starts_on)
        .join(SchoolYear)
        .where(in_cases_of(user))
        .order_by(Case.updated_at.desc(), Case.id.desc())
    )


_case_by_id = Prepared(lambda case_id: (
    Case.select(Case, SchoolYear, School, User)
    .join(SchoolYear)
    .switch(Case)
    .join(School)
    .switch(Case)
    .join(User, on=(Case.student == User.id))  # every case page names the student
    .where(Case.id == case_id)
    .limit(1)))

_parts_of = Prepared(lambda case_id, user_id: (
    Participant.select(Participant.part)
    .where((Participant.case == case_id) & (Participant.user == user_id))
    .tuples()))


def case_for(case_id: int, user: User | None = None, kind: str | None = None,
             parts: set[str] | None = None) -> tuple[Case, set]:
    """The case and the user's parts in it; 404 when it does not exist or is not theirs.
    `parts`: the user's parts, when the caller has just read them for this same user from
    the participant rows (the status poll); never parts taken from a request.

    "Not theirs" and "does not exist" look the same, so case numbers reveal nothing.
    """
    if not parts:  # given parts were read for a checked session's user: no need to load it
        user = user or current_user
        if not getattr(user, "is_authenticated", False):
            abort(404)
    case = _case_by_id.first(case_id)
    if case is None or (kind is not None and case.kind != kind):
        abort(404)
    if not parts:
        parts = {part for (part,) in _parts_of.execute(case_id, user.id)}
    if not parts:
        abort(404)
    return case, parts
