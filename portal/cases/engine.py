"""Opening cases and applying transitions: one transaction each, with its timeline event.

A transition is refused unless the kind's table allows the action from the case's state to a
part the actor holds in the case. The state change is a compare-and-set on the case's version,
so when two people act on one case at once exactly one wins; the other gets StaleCase. A step
that several people take side by side in one state, each for their own share (each subject
teacher's answer), sets on the state instead (expected_version=None) and guards its own rows.
A ruling on an appeal takes its step in the appealed case inside its own (apply_ruling), as
the part APPEAL_REVIEWER, which the kind's table names for that alone.
Every event is written at the moment its case's `updated_at` is set to, in the same
transaction: the home page's lists show that column as the case's newest event's time.
"""

from collections.abc import Callable
from datetime import date

from peewee import IntegrityError
from werkzeug.exceptions import BadRequest

from portal.cases.kinds import APPEAL_REVIEWER, LAPSE, PORTAL, Kind, Transition, get_kind
from portal.db import Prepared, create_row, database, insert_rows
from portal.forms import sent_form_token
from portal.models import Case, CaseCounter, Event, Participant, User, utcnow


class TransitionRefused(Exception):
    """The action is not open to this user in the case's present state."""


class StaleCase(Exception):
    """Someone else changed the case since the user loaded it."""


# Called as listener(case, event, transition) inside the event's transaction, after the event
# is written (transition is None for the first event and for notes). Feature packages append
# to it (portal/notifications queues notifications and e-mail here); an error rolls back the step.
listeners: list[Callable[[Case, Event, Transition | None], None]] = []


def _notify(case: Case, event: Event, transition: Transition | None) -> None:
    for listener in listeners:
        listener(case, event, transition)


def parts_of(case: Case, user: User) -> set[str]:
    """The parts (role codes) `user` holds in `case`."""
    query = Participant.select(Participant.part).where(
        (Participant.case == case) & (Participant.user == user)
    )
    return {p.part for p in query}


def add_participant(case: Case, user: User, part: str) -> None:
    insert_rows(Participant, [{"case": case, "user": user, "part": part, "added_at": utcnow()}],
                ignore_conflicts=True)


def hold_student(student: User | int) -> None:
    """Make two transactions that each read what a student has so far and then add to it
    take turns: call it first inside the transaction, and whatever another such transaction
    adds for the same student is committed before this one reads. PostgreSQL: the student's
    user row, locked until the transaction ends (FOR NO KEY UPDATE: the rows that refer to
    the student are not held up, nor are reads); SQLite: its one writer does it (every
    transaction begins IMMEDIATE)."""
    if database.for_update:
        student_id = student.id if isinstance(student, User) else student
        list(User.select(User.id).where(User.id == student_id)
             .for_update("FOR NO KEY UPDATE"))


_bump_counter = Prepared(lambda school_id, school_year_id: (
    CaseCounter.update(last_number=CaseCounter.last_number + 1)
    .where((CaseCounter.school == school_id) & (CaseCounter.school_year == school_year_id))
    .returning(CaseCounter.last_number).tuples()))


def _next_number(school, school_year) -> int:
    """The next case number of the school year: one UPDATE ... RETURNING (row-locked, so two
    filings never share a number); the year's first case creates the counter."""
    for _attempt in range(2):
        numbers = [n for (n,) in _bump_counter(school, school_year)]
        if numbers:
            return numbers[0]
        CaseCounter.insert(school=school, school_year=school_year,
                           last_number=0).on_conflict_ignore().execute()
    raise RuntimeError("case counter could not be created")


FROM_REQUEST = object()  # (open_case's form_token: the token of the request's filing form)


def open_case(
    kind_code: str,
    *,
    school,
    school_year,
    student: User,
    title: str,
    actor: User,
    role: str = "student",
    participants: list[tuple[User | int | None, str]] = (),  # users or their ids
    text: str = "",
    data: dict | None = None,
    effect: Callable[[Case], None] | None = None,
    staff_due_on: date | None = None,
    form_token: str | None | object = FROM_REQUEST,
) -> Case:
    """File a new case in the kind's initial state, in one transaction with its first event.
    `staff_due_on`: when staff owe the answer, where the kind sets it at filing.

    The case keeps the token of the form that filed it (forms.FilingForm: the request's, or
    `form_token` when the caller took it from the request already, None for none): when a
    case was filed with it already, the case's unique index refuses the second (one sent at
    the same moment waits for the first's transaction), nothing is filed, and AlreadyFiled
    names the case the first filed. A token on another student's case (copied from their
    form) is refused as a bad request. No statement is added to a filing for this."""
    kind: Kind = get_kind(kind_code)
    token = sent_form_token() if form_token is FROM_REQUEST else form_token
    try:
        with database.atomic():
            now = utcnow()
            case = create_row(
                Case,
                school=school,
                school_year=school_year,
                number=_next_number(school, school_year),
                kind=kind.code,
                state=kind.initial,
                is_open=kind.is_open(kind.initial),
                student=student,
                title=title,
                created_at=now,
                updated_at=now,
                **({"staff_due_on": staff_due_on} if staff_due_on is not None else {}),
                **({"form_token": token} if token is not None else {}),
            )
            rows = [{"case": case, "user": student, "part": "student", "added_at": now}]
            rows += [{"case": case, "user": user, "part": part, "added_at": now}
                     for user, part in participants if user is not None]
            insert_rows(Participant, rows, ignore_conflicts=True)
            if effect is not None:
                effect(case)
            event = create_row(
                Event,
                case=case,
                actor=actor,
                role=role,
                action="file",
                state_before=None,
                state_after=case.state,
                text=text,
                data=data,
                created_at=now,
            )
            _notify(case, event, None)
    except IntegrityError:
        filed = None if token is None else (
            Case.select(Case.id, Case.student).where(Case.form_token == token).first())
        if filed is None:
            raise
        if filed.student_id != student.id:  # (copied: not answered with another's case)
            raise BadRequest("a filing form's token that is another student's") from None
        raise AlreadyFiled(filed) from None
    return case


class AlreadyFiled(Exception):
    """The form was sent before and filed `case` (errors: 303 to it, saying so)."""

    def __init__(self, case):
        super().__init__(f"the form filed case {case.id} already")
        self.case = case



def check(case: Case, action: str, actor: User) -> tuple[Transition, str]:
    """The transition and the part under which `actor` may take `action`, or refuse."""
    kind = get_kind(case.kind)
    transition = kind.transition(case.state, action)
    if transition is None:
        raise TransitionRefused(f"{action!r} is not possible when the case is {case.state!r}")
    allowed = parts_of(case, actor) & transition.roles
    if not allowed:
        raise TransitionRefused(f"{actor.username} has no part in the case that may {action!r}")
    return transition, sorted(allowed)[0]


def apply(
    case: Case,
    action: str,
    *,
    actor: User,
    expected_version: int | None,
    text: str = "",
    data: dict | None = None,
    effect: Callable[[Case, Event], None] | None = None,
) -> Event:
    """Take `action` on `case` for `actor`: state, version and event in one transaction.

    `effect` runs inside the same transaction after the version check (rows that belong to
    the step, such as a teacher's answer or a decision) and so commits or rolls back with it.
    With `expected_version` None the case need only still be in the state the step starts
    from (whatever else changed since the user loaded it); the step's `effect` then checks
    that its own rows are as the user saw them, and raises StaleCase where they are not.
    """
    transition, role = check(case, action, actor)
    return _take(case, transition, role, actor=actor, expected_version=expected_version,
                 text=text, data=data, effect=effect)


def apply_ruling(
    case: Case,
    action: str,
    *,
    actor: User,
    role: str,
    expected_version: int,
    text: str = "",
    data: dict | None = None,
    effect: Callable[[Case, Event], None] | None = None,
) -> Event:
    """The step a ruling on an appeal takes in the case whose decision was appealed
    (cases/rulings.py), called inside the ruling's own step so that both commit or neither:
    the kind's transition for APPEAL_REVIEWER, a part no participant row holds (so no page,
    list or work queue offers it to anyone), taken by `actor` as `role`, the part they ruled
    in (the principal, the appeals board), which the appealed case's timeline names.

    `expected_version` is the appealed case's version as the ruling's request read it: when
    the case changed since (another ruling on it, sent at the same moment), StaleCase, and
    the ruling is not taken either."""
    kind = get_kind(case.kind)
    transition = kind.transition(case.state, action)
    if transition is None or APPEAL_REVIEWER not in transition.roles:
        raise TransitionRefused(f"a ruling cannot {action!r} when the case is {case.state!r}")
    return _take(case, transition, role, actor=actor, expected_version=expected_version,
                 text=text, data=data, effect=effect)


def lapse(case: Case, *, text: str = "", data: dict | None = None,
          effect: Callable[[Case, Event], None] | None = None) -> Event:
    """Close `case` as lapsed (kinds.LAPSE): the kind's transition for the portal itself
    (kinds.PORTAL), a part no participant row holds, taken by no one, inside the transaction of
    what made the case's question go. Its event names no actor, so everyone in the case is
    told (notify.heard says what). The case need only still be in the state the step starts
    from: the caller holds its row (PostgreSQL: FOR UPDATE) and read it after taking it."""
    kind = get_kind(case.kind)
    transition = kind.transition(case.state, LAPSE)
    if transition is None or PORTAL not in transition.roles:
        raise TransitionRefused(f"{case.kind!r} cannot lapse when the case is {case.state!r}")
    return _take(case, transition, PORTAL, actor=None, expected_version=None, text=text,
                 data=data, effect=effect)


def _take(case: Case, transition: Transition, role: str, *, actor: User | None,
          expected_version: int | None, text: str, data: dict | None,
          effect: Callable[[Case, Event], None] | None) -> Event:
    """`transition` taken on `case` by `actor` as `role` (apply, apply_ruling)."""
    kind = get_kind(case.kind)
    action = transition.action
    with database.atomic():
        now = utcnow()
        seen = (Case.state == transition.state if expected_version is None
                else Case.version == expected_version)
        updated = (
            Case.update(
                state=transition.to,
                is_open=kind.is_open(transition.to),
                version=Case.version + 1,
                updated_at=now,
            )
            .where((Case.id == case.id) & seen)
            .execute()
        )
        if updated != 1:
            if expected_version is None:
                raise TransitionRefused(f"the case is no longer {transition.state!r}")
            raise StaleCase(f"case {case.id} is no longer at version {expected_version}")
        before = case.state
        # (all of the row, as the effect may change more of it: a new staff due date)
        kept, kept_dirty = dict(case.__data__), set(case._dirty)
        case.state = transition.to
        case.is_open = kind.is_open(transition.to)
        case.version = (expected_version + 1 if expected_version is not None
                        else Case.select(Case.version).where(Case.id == case.id).scalar())
        case.updated_at = now
        try:
            event = create_row(
                Event,
                case=case,
                actor=actor,
                role=role,
                action=action,
                state_before=before,
                state_after=transition.to,
                text=text,
                data=data,
                created_at=now,
            )
            if effect is not None:
                effect(case, event)
            _notify(case, event, transition)
        except BaseException:
            # the transaction rolls back: the object says again what the database holds, for
            # a view that shows the case after a refused step
            case.__data__.clear()
            case.__data__.update(kept)
            case._dirty.clear()
            case._dirty.update(kept_dirty)
            raise
    return event


def note(case: Case, *, actor: User | None, role: str, action: str, text: str = "",
         data: dict | None = None,
         effect: Callable[[Case, Event], None] | None = None) -> Event:
    """A timeline event that does not change the state (e.g. a document opened, a reminder);
    it bumps the version so that live views refresh.

    `effect` runs inside the same transaction after the bump, which holds the case row until
    the transaction ends (PostgreSQL's row lock; SQLite's one writer): a second request that
    notes on the case meanwhile waits there, and its effect sees what the first committed."""
    with database.atomic():
        now = utcnow()
        Case.update(version=Case.version + 1, updated_at=now).where(Case.id == case.id).execute()
        case.version = Case.select(Case.version).where(Case.id == case.id).scalar()
        event = create_row(Event, case=case, actor=actor, role=role, action=action,
                             state_before=case.state, state_after=case.state, text=text,
                             data=data, created_at=now)
        if effect is not None:
            effect(case, event)
        _notify(case, event, None)
        return event
