"""The case engine: transition tables, one transaction per step, stale versions refused."""

import threading
from datetime import date

import pytest

from portal.cases import engine
from portal.cases.kinds import REGISTRY, Kind, State, Transition, withdrawals
from portal.db import database
from portal.models import Case, CaseCounter, Event, Participant

TEST_KIND = Kind(
    code="engine_test",
    label="Engine test",
    initial="submitted",
    states=[
        State("submitted", "Sent"),
        State("with_staff", "With staff"),
        State("done", "Done", is_open=False),
        State("withdrawn", "Withdrawn", is_open=False),
    ],
    transitions=[
        Transition("submitted", "take", {"year_coordinator"}, "with_staff"),
        Transition("with_staff", "finish", {"year_coordinator"}, "done", decision=True),
        *withdrawals(["submitted", "with_staff"]),
    ],
)


@pytest.fixture
def kind():
    REGISTRY[TEST_KIND.code] = TEST_KIND
    yield TEST_KIND
    REGISTRY.pop(TEST_KIND.code)


def _open(s, student=None):
    student = student or s.elev1
    return engine.open_case(
        "engine_test", school=s.school, school_year=s.year, student=student,
        title="Test", actor=student, participants=[(s.trinn, "year_coordinator"),
                                                   (s.laerer1, "contact_teacher")],
        text="first",
    )


def test_open_case_numbers_per_school_year_and_records_first_event(school, kind):
    first, second = _open(school), _open(school, school.elev2)
    assert (first.number, second.number) == (1, 2)
    assert first.reference == "2026-0001"
    assert first.state == "submitted" and first.is_open and first.version == 1
    parts = {(p.user.username, p.part) for p in Participant.select().where(
        Participant.case == first)}
    assert parts == {("elev1", "student"), ("trinn1", "year_coordinator"),
                     ("laerer1", "contact_teacher")}
    ev = Event.get(Event.case == first)
    assert (ev.action, ev.state_after, ev.text, ev.actor.username) == (
        "file", "submitted", "first", "elev1")
    assert CaseCounter.get().last_number == 2


def test_allowed_transition_changes_state_version_and_timeline(school, kind):
    case = _open(school)
    ev = engine.apply(case, "take", actor=school.trinn, expected_version=1, text="ok")
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version, stored.is_open) == ("with_staff", 2, True)
    assert (ev.role, ev.state_before, ev.state_after) == ("year_coordinator", "submitted",
                                                          "with_staff")
    engine.apply(stored, "finish", actor=school.trinn, expected_version=2)
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.is_open) == ("done", False)
    assert Event.select().where(Event.case == case).count() == 3


def test_every_event_is_written_at_the_moment_its_case_last_changed(school, kind):
    """The home page's lists show a case's updated_at as its newest event's time."""
    case = _open(school)

    def newest_matches():
        stored = Case.get_by_id(case.id)
        newest = Event.select().where(Event.case == case.id).order_by(Event.id.desc()).get()
        return stored.updated_at == newest.created_at

    assert newest_matches()
    engine.apply(case, "take", actor=school.trinn, expected_version=1)
    assert newest_matches()
    engine.note(case, actor=school.trinn, role="year_coordinator", action="reminder")
    assert newest_matches()


@pytest.mark.parametrize(
    "actor, action, message",
    [
        ("laerer1", "take", "no part"),  # contact teacher only has a copy
        ("elev1", "take", "no part"),
        ("trinn1", "finish", "not possible"),  # wrong state
        ("trinn1", "fly", "not possible"),  # unknown action
        ("elev2", "withdraw", "no part"),  # another student's case
    ],
)
def test_refused_transitions_change_nothing(school, kind, actor, action, message):
    case = _open(school)
    user = {"laerer1": school.laerer1, "elev1": school.elev1, "trinn1": school.trinn,
            "elev2": school.elev2}[actor]
    with pytest.raises(engine.TransitionRefused, match=message):
        engine.apply(case, action, actor=user, expected_version=1)
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("submitted", 1)
    assert Event.select().where(Event.case == case).count() == 1


def test_a_step_its_effect_refuses_leaves_the_case_object_as_stored(school, kind):
    """The transaction rolls back, and the object in hand says again what the database holds:
    a view that shows the case after the refusal shows it as it is."""
    from portal.cases.steps import StepRefused

    case = _open(school)
    before = (case.state, case.is_open, case.version, case.updated_at, case.staff_due_on)

    def refuse(c, event):
        c.staff_due_on = date(2026, 12, 24)  # (what an effect may set before it is refused)
        c.save()
        raise StepRefused("not now")

    with pytest.raises(StepRefused):
        engine.apply(case, "take", actor=school.trinn, expected_version=1, effect=refuse)
    assert (case.state, case.is_open, case.version, case.updated_at, case.staff_due_on) == before
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("submitted", 1)
    assert Event.select().where(Event.case == case).count() == 1


def test_stale_version_is_refused(school, kind):
    case = _open(school)
    engine.apply(case, "take", actor=school.trinn, expected_version=1)
    old_view = Case.get_by_id(case.id)
    old_view.state, old_view.version = "submitted", 1  # what a second browser tab still shows
    with pytest.raises(engine.StaleCase):
        engine.apply(old_view, "withdraw", actor=school.elev1, expected_version=1)
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("with_staff", 2)


def test_a_step_on_the_state_alone_ignores_the_version_but_not_the_state(school, kind):
    """expected_version=None (a step each of several people takes for their own share):
    another step since the page was loaded is no conflict, a change of state is."""
    case = _open(school)
    engine.note(case, actor=school.trinn, role="year_coordinator", action="comment")
    old_view = Case.get_by_id(case.id)
    old_view.version = 1  # loaded before the note
    engine.apply(old_view, "take", actor=school.trinn, expected_version=None)
    assert old_view.version == 3 and Case.get_by_id(case.id).version == 3
    old_view = Case.get_by_id(case.id)
    old_view.state = "submitted"  # loaded before "take"
    with pytest.raises(engine.TransitionRefused):
        engine.apply(old_view, "withdraw", actor=school.elev1, expected_version=None)
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("with_staff", 3)
    assert Event.select().where(Event.case == case).count() == 3


def test_effect_failure_rolls_back_state_and_event(school, kind):
    case = _open(school)

    def broken(case, event):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        engine.apply(case, "take", actor=school.trinn, expected_version=1, effect=broken)
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("submitted", 1)
    assert Event.select().where(Event.case == case).count() == 1


def test_a_notes_effect_sees_its_event_and_a_failure_undoes_the_note(school, kind):
    case = _open(school)
    seen = []
    engine.note(case, actor=school.elev1, role="student", action="upload",
                effect=lambda case, event: seen.append((case.version, event.action)))
    assert seen == [(2, "upload")]

    def broken(case, event):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        engine.note(case, actor=school.elev1, role="student", action="upload", effect=broken)
    assert Case.get_by_id(case.id).version == 2
    assert Event.select().where(Event.case == case).count() == 2


def test_a_request_gives_its_form_token_to_the_first_case_it_opens(app):
    """Each request's own: one app context may serve several requests (a script, a test),
    and a case a request opens besides (a rule's follow-up) is filed without the token."""
    from portal.forms import sent_form_token

    token = "a" * 22
    with app.app_context():
        for _ in range(2):
            with app.test_request_context("/", method="POST", data={"form_token": token}):
                assert sent_form_token() == token
                assert sent_form_token() is None
        with app.test_request_context("/", method="POST", data={"form_token": "<b>"}):
            assert sent_form_token() is None


def test_two_people_acting_at_once_cannot_both_win(school, kind):
    case = _open(school)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user, action):
        with database.connection_context():
            mine = Case.get_by_id(case.id)
            barrier.wait()
            try:
                engine.apply(mine, action, actor=user, expected_version=mine.version)
                outcomes.append(("won", action))
            except engine.StaleCase:
                outcomes.append(("stale", action))

    threads = [threading.Thread(target=act, args=(school.trinn, "take")),
               threading.Thread(target=act, args=(school.elev1, "withdraw"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o[0] for o in outcomes) == ["stale", "won"]
    winner = next(action for result, action in outcomes if result == "won")
    stored = Case.get_by_id(case.id)
    assert stored.version == 2
    assert stored.state == {"take": "with_staff", "withdraw": "withdrawn"}[winner]
    assert Event.select().where(Event.case == case).count() == 2


def test_kind_table_is_checked_when_declared():
    with pytest.raises(ValueError, match="unknown"):
        Kind(code="bad", label="Bad", initial="a", states=[State("a", "A")],
             transitions=[Transition("a", "go", {"student"}, "nowhere")])
    with pytest.raises(ValueError, match="twice"):
        Kind(code="bad", label="Bad", initial="a", states=[State("a", "A"), State("b", "B")],
             transitions=[Transition("a", "go", {"student"}, "b"),
                          Transition("a", "go", {"admin"}, "b")])
    with pytest.raises(ValueError, match="initial"):
        Kind(code="bad", label="Bad", initial="x", states=[State("a", "A")], transitions=[])


def test_actions_lists_what_a_part_may_do(kind):
    assert [t.action for t in kind.actions("submitted", {"year_coordinator"})] == ["take"]
    assert [t.action for t in kind.actions("submitted", {"student"})] == ["withdraw"]
    assert kind.actions("done", {"student", "year_coordinator"}) == []
