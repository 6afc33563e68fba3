"""The one access check for cases: a user sees a case only if they have a part in it, or
decide an appeal on one of its decisions (then they read it, as APPEAL_REVIEWER)."""

import operator
from collections.abc import Callable
from functools import reduce

from flask import abort
from flask_login import current_user
from peewee import SQL, fn

from portal.cases.kinds import APPEAL_REVIEWER
from portal.db import Prepared, is_postgresql
from portal.models import (
    Attachment,
    Case,
    CaseListing,
    Decision,
    Enrolment,
    Participant,
    School,
    SchoolClass,
    SchoolYear,
    User,
)

# The order of a user's lists, newest activity first, on case_listing's (user, updated_at, case)
# index: the home page's query and its validator's (main.views._window) must agree on it.
LISTING_ORDER = (CaseListing.updated_at.desc(), CaseListing.case.desc())


def student_class_name():
    """A correlated subquery: the name of the outer query's case's student's class in the
    case's school year (the first by name if they have several; NULL if none). Written to
    be read from the student's few enrolments (enrolment's (student, school_class) index),
    each class by its key: as a join, a planner without statistics may instead go through
    every class of the school year and probe each for the student."""
    name_in_year = (SchoolClass.select(SchoolClass.name)
                    .where((SchoolClass.id == Enrolment.school_class)
                           & (SchoolClass.school_year == Case.school_year)))
    return Enrolment.select(fn.MIN(name_in_year)).where(Enrolment.student == Case.student)


def visible_cases(user: User):
    """Cases in which `user` has a part, newest activity first: what a list row shows (title,
    kind, state, reference, due date, whose case: the student's name and class as the case's
    `student_name` and `student_class`), nothing more. Read through the user's case_listing
    rows (kept by the database, migration 015): the newest come first from their index,
    however many cases the user has had; filter on CaseListing's kind and is_open to stay on
    it. The student's name and class come in the same statement (a join on the student's key
    and a probe of their enrolments): a row of a work queue names whose case it is."""
    return (
        Case.select(Case.id, Case.school_year, Case.number, Case.kind, Case.state, Case.is_open,
                    Case.title, Case.version, Case.staff_due_on, Case.student, SchoolYear.id,
                    SchoolYear.starts_on,
                    # (expressions, not User's field: peewee gives them to the case, and makes
                    # no User for a row)
                    User.full_name.concat("").alias("student_name"),
                    student_class_name().alias("student_class"))
        .join(CaseListing, on=((CaseListing.case == Case.id) & (CaseListing.user == user)))
        .switch(Case)
        .join(SchoolYear)
        .switch(Case)
        .join(User, on=(Case.student == User.id))
        .order_by(*LISTING_ORDER)
    )


_case_by_id = Prepared(lambda case_id: (
    Case.select(Case, SchoolYear, School, User, student_class_name().alias("student_class"))
    .join(SchoolYear)
    .switch(Case)
    .join(School)
    .switch(Case)
    .join(User, on=(Case.student == User.id))  # every case page names the student
    .where(Case.id == case_id)
    .limit(1)))


def parts_text(user_id):
    """A correlated subquery: `user_id`'s parts in the outer query's case as one text
    ("student", "teacher,year_coordinator"; role codes hold no commas), from participant's
    (case, user, part) index. `parts_of_text` turns it into a set."""
    parts = (fn.STRING_AGG(Participant.part, ",") if is_postgresql()
             else fn.GROUP_CONCAT(Participant.part, ","))
    return Participant.select(parts).where((Participant.case == Case.id)
                                           & (Participant.user == user_id))


def parts_of_text(text: str | None) -> set[str]:
    return set(text.split(",")) if text else set()


# Who reads a case through an appeal on one of its decisions: appeal kinds add a builder
# (user_id) -> a query, correlated on the outer query's case, with a row when `user_id`
# decides an appeal on one of that case's decisions now or did. They register at import,
# before the first case is read (the statement below is built once).
appeal_reviews: list[Callable] = []


def reviews_appeal(user_id):
    """A correlated expression: whether `user_id` decides an appeal on the outer query's
    case (APPEAL_REVIEWER), or None when no appeal kind is installed."""
    if not appeal_reviews:
        return None
    return reduce(operator.or_, (fn.EXISTS(review(user_id)) for review in appeal_reviews))


def may_open(user_id):
    """A correlated expression: whether `user_id` may open the outer query's case, as
    case_for lets them: they hold a part in it, or decide an appeal on one of its decisions
    (reviews_appeal). For a page that names a case it shows beside something else (a
    ruling on appeal beside a student's absence): the case's number for those who may open
    it, in the page's own statement."""
    part = fn.EXISTS(Participant.select(SQL("1")).where((Participant.case == Case.id)
                                                        & (Participant.user == user_id)))
    review = reviews_appeal(user_id)
    return part if review is None else part | review


def _any_of_case(model):
    """Whether the outer query's case has a row in `model` (one probe of its case index)."""
    return fn.EXISTS(model.select(SQL("1")).where(model.case == Case.id))


# The case with the user's parts in it: the access check and the page's case in one
# statement. It also tells whether the case has documents and decisions at all, so that the
# case page asks for them only then (most cases have neither: a statement each saved, a round
# trip each on PostgreSQL).
_case_with_parts = Prepared(lambda case_id, user_id: _case_by_id.builder(case_id).select_extend(
    parts_text(user_id).alias("my_parts"),
    _any_of_case(Attachment).alias("has_attachments"),
    _any_of_case(Decision).alias("has_decisions")))


def _reviewing(case_id, user_id):
    review = reviews_appeal(user_id)
    return Case.select(SQL("1")).where((Case.id == case_id) & review).limit(1)


# Asked only of one who holds no part in the case (else the page would be a 404): whether
# they decide an appeal on one of its decisions. Not part of the statement above, which every
# case page sends, because almost nobody who opens a case reads it that way.
_reviews_appeal = Prepared(_reviewing)


def given_parts(case_id: int, user_id: int) -> set[str]:
    """The parts a user who holds none in the case is given without a participant row:
    APPEAL_REVIEWER when they decide an appeal on one of its decisions. (One who holds a
    part reads the case by it: a board member who is also, say, its contact teacher, reads
    it as the contact teacher.)"""
    if not appeal_reviews:
        return set()
    return {APPEAL_REVIEWER} if _reviews_appeal(case_id, user_id) else set()


def case_for(case_id: int, user: User | None = None, kind: str | None = None,
             parts: set[str] | None = None) -> tuple[Case, set]:
    """The case and the user's parts in it; 404 when it does not exist or is not theirs.
    One who holds no part but decides an appeal on one of the case's decisions reads it as
    APPEAL_REVIEWER (given_parts). `parts`: the user's parts, when the caller has
    just read them for this same user from the participant rows (the status poll); never
    parts taken from a request.

    "Not theirs" and "does not exist" look the same, so case numbers reveal nothing.
    """
    if parts:  # read for a checked session's user: no need to load it
        case = _case_by_id.first(case_id)
    else:
        user = user or current_user
        if not getattr(user, "is_authenticated", False):
            abort(404)
        case = _case_with_parts.first(case_id, user.id)
        parts = parts_of_text(case.my_parts) if case is not None else set()
        if case is not None and not parts:
            parts = given_parts(case.id, user.id)
    if case is None or not parts or (kind is not None and case.kind != kind):
        abort(404)
    return case, parts
