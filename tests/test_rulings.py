"""A ruling on an appeal against a decision, in the kinds that issue decisions besides the
absence note (tests/test_absence_note_appeal.py): what a change in the student's favour or a
return for new treatment does to the case the decision was made in, and what it does not.

- exam adaptation: changed in full, every adaptation is granted as asked (the exam office's
  list shows it); in part, those the ruling ticks; returned, the decider decides it again.
- study leave: a refusal changed in full is granted with the teachers' tasks, or, refused
  before they were asked, goes to them; returned, the coordinator decides it again.
- follow-up, formal-error appeal: changed, to an outcome of their own (a lighter decision,
  the grant's other outcome); returned, those who decide it decide it again.
"""

from datetime import date

import pytest

from portal.cases.engine import TransitionRefused, apply_ruling
from portal.cases.kinds import APPEAL_REVIEWER, REGISTRY
from portal.kinds.decision_appeal.models import DecisionAppeal
from portal.models import Case, Decision, Event, Participant, User
from tests.factories import make_user

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _today(client) -> date:
    return client.application.config["PORTAL_TODAY"]


def _page(client, url):
    return client.get(url).get_data(as_text=True)


def _appeal(client, auth, csrf, decision):
    """elev1 appeals `decision`: the appeal's case; nobody is logged in."""
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={decision.id}"
    assert client.post(url, data={
        "csrf_token": csrf(_page(client, url)), "change_wanted": "Innvilg søknaden.",
        "reasons": "Behovet er dokumentert.", "confirm": "y", "password": "demo",
        # (kept only where the day pinned is past the deadline of a decision made now)
        "late_explanation": "Jeg var syk."}).status_code == 303
    auth.logout()
    return Case.get_by_id(DecisionAppeal.get(DecisionAppeal.decision == decision).case_id)


def _reverse(client, auth, csrf, appeal, outcome="granted", parts=()):
    auth.login("rektor")
    response = client.post(f"/decision-appeals/{appeal.id}/reverse", data={
        "csrf_token": csrf(_page(client, f"/cases/{appeal.id}")),
        "version": Case.get_by_id(appeal.id).version, "outcome": outcome,
        "reasons": "Medhold.", "parts": [str(p) for p in parts]})
    auth.logout()
    return response


def _returned(client, auth, csrf, appeal):
    """The principal forwards the appeal, and the board (klage1 alone) returns the decision
    for new treatment."""
    auth.login("rektor")
    assert client.post(f"/decision-appeals/{appeal.id}/forward", data={
        "csrf_token": csrf(_page(client, f"/cases/{appeal.id}")),
        "version": Case.get_by_id(appeal.id).version,
        "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()
    member = User.get(User.username == "klage1")
    auth.login("klage1")
    assert client.post(f"/decision-appeals/{appeal.id}/decide", data={
        "csrf_token": csrf(_page(client, f"/cases/{appeal.id}")),
        "version": Case.get_by_id(appeal.id).version,
        "meeting_on": _today(client).isoformat(), "chair": str(member.id),
        f"vote_{member.id}": "returned", "minutes": "Møte."}).status_code == 303
    auth.logout()


def _last_event(case):
    event = Event.select().where(Event.case == case.id).order_by(Event.id.desc()).get()
    return event.action, event.role, event.state_after


def _board(school):
    make_user("klage1", ["appeals_board"], school, "Klage Medlem1")


# --- exam adaptation -------------------------------------------------------------------------

@pytest.fixture
def adaptation(db, client, auth, csrf):
    """A havbruk application for 60 extra minutes, a separate room and a dictionary at one
    exam, refused in full by the principal: (the school, the exam, the case, the refusal)."""
    from portal.exams import plan
    from tests.test_exam_adaptation import _apply, _decide
    from tests.test_exams import make_exam, make_hav, oslo

    s = make_hav()
    _board(s.school)
    exam = make_exam(s, oslo(2027, 5, 26))
    plan.register(exam, s.elev1)
    auth.login("elev1")
    assert _apply(client, csrf, [exam]).status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "exam_adaptation")
    auth.login("rektor")
    no = ("refused", None, "Ikke dokumentert.")
    assert _decide(client, csrf, case, {"extra_time": no, "separate_room": no,
                                        "dictionary": no}).status_code == 303
    auth.logout()
    return s, exam, case, Decision.get(Decision.case == case)


def _items(case):
    from portal.kinds.exam_adaptation.models import ExamAdaptationItem

    return {i.adaptation: (i.outcome, i.granted_minutes) for i in
            ExamAdaptationItem.select().where(ExamAdaptationItem.case == case.id)}


def test_an_exam_adaptation_changed_in_full_is_granted_on_the_exam_offices_list(
        client, auth, csrf, adaptation):
    from portal.kinds.exam_adaptation.models import granted_for_exam

    s, exam, case, refusal = adaptation
    assert granted_for_exam(exam) == []
    appeal = _appeal(client, auth, csrf, refusal)
    auth.login("rektor")
    form = " ".join(_page(client, f"/cases/{appeal.id}").split())
    auth.logout()
    assert ("Gjennomføres straks i saken vedtaket ble fattet i, og vises i tidslinjen der: "
            "Delvis til studentens gunst; Til studentens gunst: endringen det ble klaget om."
            ) in form
    assert "Gjennomføres ikke" not in form
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    assert _items(case) == {"extra_time": ("granted", 60), "separate_room": ("granted", None),
                            "dictionary": ("granted", None)}
    assert _last_event(case) == ("appeal_change", "principal", "decided")
    (row,) = granted_for_exam(exam)
    assert row["extra_minutes"] == 60 and row["separate_room"]


def test_an_exam_adaptation_changed_in_part_grants_what_the_ruling_ticks(client, auth, csrf,
                                                                        adaptation):
    """A change in part names the adaptations it grants (ticked beside the choice): none, or
    all (a change in full), is refused with why and keeps what was written; those ticked are
    granted as asked, the others stay refused."""
    from portal.kinds.exam_adaptation.models import ExamAdaptationItem

    s, exam, case, refusal = adaptation
    appeal = _appeal(client, auth, csrf, refusal)
    ids = {i.adaptation: i.id for i in ExamAdaptationItem.select()}
    auth.login("rektor")
    form = " ".join(_page(client, f"/cases/{appeal.id}").split())
    auth.logout()
    assert "Bare ved endring delvis: hva den innvilger" in form
    assert f'name="parts" value="{ids["extra_time"]}"> Utvidet tid (+60 min)' in form
    response = _reverse(client, auth, csrf, appeal, "partly_granted")
    assert response.status_code == 422
    assert "Endring delvis: kryss av for hva den innvilger." in response.get_data(as_text=True)
    response = _reverse(client, auth, csrf, appeal, "partly_granted", parts=list(ids.values()))
    assert response.status_code == 422
    html = " ".join(response.get_data(as_text=True).split())
    assert "Alt er krysset av: det er en endring i sin helhet." in html
    assert "Medhold." in html  # (what was written is kept)
    assert Case.get_by_id(appeal.id).state == "filed"
    assert _reverse(client, auth, csrf, appeal, "partly_granted",
                    parts=[ids["separate_room"]]).status_code == 303
    assert Case.get_by_id(appeal.id).state == "reversed"
    assert _items(case) == {"extra_time": ("refused", None), "separate_room": ("granted", None),
                            "dictionary": ("refused", None)}
    event = Event.select().where(Event.case == case.id).order_by(Event.id.desc()).get()
    assert (event.action, event.data["parts"]) == ("appeal_change", [ids["separate_room"]])
    assert "disse tilretteleggingene innvilges som søkt" in event.text


def test_an_exam_adaptation_returned_is_decided_again(client, auth, csrf, adaptation):
    from tests.test_exam_adaptation import _decide

    s, exam, case, refusal = adaptation
    appeal = _appeal(client, auth, csrf, refusal)
    _returned(client, auth, csrf, appeal)
    case = Case.get_by_id(case.id)
    assert (case.state, case.is_open) == ("submitted", True)
    assert _items(case) == {"extra_time": (None, None), "separate_room": (None, None),
                            "dictionary": (None, None)}
    assert _last_event(case) == ("appeal_return", "appeals_board", "submitted")
    auth.login("rektor")
    assert f'href="/cases/{case.id}"' in _page(client, "/home")
    yes = ("granted", None, "")
    assert _decide(client, csrf, case, {"extra_time": ("granted", "60", ""), "separate_room": yes,
                                        "dictionary": yes}).status_code == 303
    assert Decision.select().where(Decision.case == case).count() == 2


# --- study leave -----------------------------------------------------------------------------

@pytest.fixture
def leave(client, auth, csrf, school):
    from tests.test_study_leave import Portal

    make_user("rektor", ["principal"], school.school, "Rita Rektor")
    _board(school.school)
    return Portal(client, auth, csrf)


def _logged_out(portal):
    if portal.user:
        portal.auth.logout()
        portal.user = None


def test_a_study_leave_refused_outright_and_changed_goes_to_the_teachers(leave, school,
                                                                         client, auth, csrf):
    from portal.kinds.study_leave.models import TeacherAnswer
    from tests.test_study_leave import filed

    case = filed(leave)
    leave.login("trinn1")
    assert leave.step(case, "decide", choice="refuse", text="Ferie.").status_code == 303
    _logged_out(leave)
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    # granted or refused as a whole: no change in part is offered, nor taken
    auth.login("rektor")
    form = " ".join(_page(client, f"/cases/{appeal.id}").split())
    auth.logout()
    assert 'value="granted"' in form and 'value="partly_granted"' not in form
    assert _reverse(client, auth, csrf, appeal, "partly_granted").status_code == 422
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    assert Case.get_by_id(case.id).state == "with_teachers"
    assert _last_event(case) == ("appeal_grounds", "principal", "with_teachers")
    assert TeacherAnswer.select().where(TeacherAnswer.case == case).count() == 2
    assert {p.user.username for p in Participant.select().where(
        (Participant.case == case) & (Participant.part == "teacher"))} == {"laerer1", "laerer2"}


def test_a_study_leave_refused_after_the_teachers_and_changed_is_granted(leave, school,
                                                                         client, auth, csrf):
    from portal.kinds.study_leave import flow
    from tests.test_study_leave import answered, with_teachers

    case = answered(leave, school, with_teachers(leave, school))
    leave.login("trinn1")
    assert leave.step(case, "answer", choice="refuse", text="Nei.").status_code == 303
    _logged_out(leave)
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    case = Case.get_by_id(case.id)
    assert case.state == "granted"
    assert case.staff_due_on == flow.completion_opens(flow.leave_of(case))
    leave.login("elev1")
    assert "Merk Norsk som gjort" in leave.page(case)  # the tasks, to do


def test_a_study_leave_returned_is_decided_again(leave, school, client, auth, csrf):
    from portal.kinds.study_leave import flow
    from tests.test_study_leave import filed

    case = filed(leave)
    leave.login("trinn1")
    assert leave.step(case, "decide", choice="refuse", text="Ferie.").status_code == 303
    _logged_out(leave)
    _returned(client, auth, csrf, _appeal(client, auth, csrf,
                                          Decision.get(Decision.case == case)))
    case = Case.get_by_id(case.id)
    assert case.state == "submitted"
    assert case.staff_due_on == flow.answer_due(flow.leave_of(case).first_day)
    leave.login("trinn1")
    assert leave.step(case, "decide", choice="grounds").status_code == 303


# --- follow-up and formal-error appeal ---------------------------------------------------------

def test_a_follow_up_decision_returned_goes_back_to_the_department_head(app, client, auth,
                                                                        csrf, db):
    from portal.kinds.follow_up.models import FollowUp
    from tests.factories import make_school
    from tests.test_follow_up import MEETING, _answered, _decide

    s = make_school(profile="havbruk", code="test-fag")  # (as test_follow_up's fagskole)
    s.kull = make_user("kull1", ["cohort_coordinator"], s.school, "Kari Kull")
    s.avd = make_user("avd1", ["department_head"], s.school, "Arne Avd")
    s.rektor = make_user("rektor", ["principal"], s.school, "Randi Rektor")
    s.klass.cohort_coordinator = s.kull
    s.klass.save()
    _board(s.school)
    case = _answered(s)
    app.config["PORTAL_TODAY"] = MEETING
    auth.login("avd1")
    assert _decide(client, csrf, case, outcome="written_warning",
                   summary="Skriftlig advarsel.").status_code == 303
    auth.logout()
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    assert _reverse(client, auth, csrf, appeal, "granted").status_code == 422  # (not offered)
    assert _reverse(client, auth, csrf, appeal, "follow_up_plan").status_code == 303
    assert Case.get_by_id(case.id).state == "decided"
    assert _last_event(case) == ("appeal_change", "principal", "decided")
    other = _answered(s, commented=True)
    auth.login("avd1")
    assert _decide(client, csrf, other, outcome="written_warning",
                   summary="Skriftlig advarsel.").status_code == 303
    auth.logout()
    DecisionAppeal.delete().execute()  # (one appeal per student's decision in this test)
    _returned(client, auth, csrf, _appeal(client, auth, csrf,
                                          Decision.get(Decision.case == other)))
    other = Case.get_by_id(other.id)
    assert other.state == "commented"
    assert _last_event(other) == ("appeal_return_commented", "appeals_board", "commented")
    assert FollowUp.get(FollowUp.case == other).decision_meeting_on is None
    auth.login("avd1")
    assert _decide(client, csrf, other, outcome="no_measures",
                   summary="Ingen tiltak.").status_code == 303
    assert Case.get_by_id(other.id).state == "decided"


def test_a_formal_error_grant_returned_goes_back_to_the_principal(db, client, auth, csrf,
                                                                  monkeypatch):
    from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
    from portal.rules import calendar as cal
    from tests.grading import make_exam, make_grade, make_havbruk, post_form
    from tests.test_formal_error_appeal import _file

    s = make_havbruk()
    grade = make_grade(s, make_exam(s), s.elev1, published=date(2027, 3, 1))
    day = date(2027, 3, 10)
    monkeypatch.setattr(cal, "today", lambda: day)
    client.application.config["PORTAL_TODAY"] = day
    auth.login("elev1")
    assert _file(client, csrf, grade).status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "formal_error_appeal")
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/formal-error-appeals/{case.id}/grant",
                     {"version": case.version, "outcome": "new_grading", "scope": "one",
                      "reasons": "Feil i oppgaven."}).status_code == 303
    auth.logout()
    grant = Decision.get(Decision.case == case)
    appeal = _appeal(client, auth, csrf, grant)
    auth.login("rektor")
    form = " ".join(_page(client, f"/cases/{appeal.id}").split())
    auth.logout()
    # the grant's other outcome is offered, not "in part / in full"
    assert 'value="new_exam"' in form and 'value="granted"' not in form
    assert _reverse(client, auth, csrf, appeal, "new_exam").status_code == 303
    assert Case.get_by_id(case.id).state == "granted"
    assert _last_event(case) == ("appeal_change", "principal", "granted")
    assert FormalErrorAppeal.get(FormalErrorAppeal.case == case).outcome == "new_exam"
    DecisionAppeal.delete().execute()  # (appealed again, to be returned)
    _returned(client, auth, csrf, _appeal(client, auth, csrf, grant))
    case = Case.get_by_id(case.id)
    assert case.state == "filed"
    assert FormalErrorAppeal.get(FormalErrorAppeal.case == case).outcome is None
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/formal-error-appeals/{case.id}/grant",
                     {"version": case.version, "outcome": "new_exam", "scope": "one",
                      "reasons": "Ny eksamen."}).status_code == 303


# --- the engine -----------------------------------------------------------------------------

def test_only_a_ruling_takes_the_steps_a_ruling_takes(app):
    """The steps a ruling takes in an appealed case are named for APPEAL_REVIEWER alone, a
    part no participant row holds: no page, list or work queue offers them to anyone, and a
    kind applies only rulings it has a step for."""
    for kind in REGISTRY.values():
        for t in kind.transitions:
            if APPEAL_REVIEWER in t.roles:
                assert t.roles == {APPEAL_REVIEWER}, (kind.code, t.action)
                assert t.action.startswith("appeal_"), (kind.code, t.action)
            assert kind.actions(t.state, {APPEAL_REVIEWER, "student"}) == [
                s for s in kind.transitions if s.state == t.state and "student" in s.roles]
        assert bool(kind.rulings_applied) == (kind.on_ruling is not None), kind.code
        if kind.ruling_changes is not None or kind.ruling_parts is not None:
            assert kind.on_ruling is not None, kind.code


def test_apply_ruling_refuses_a_step_that_is_not_a_rulings(school):
    from portal.cases.engine import open_case

    case = open_case("absence_note", school=school.school, school_year=school.year,
                     student=school.elev1, title="x", actor=school.elev1, form_token=None)
    with pytest.raises(TransitionRefused):  # (the reviewer's step, not a ruling's)
        apply_ruling(case, "accept", actor=school.laerer1, role="principal",
                     expected_version=case.version)
    with pytest.raises(TransitionRefused):  # (not from this state)
        apply_ruling(case, "appeal_change", actor=school.laerer1, role="principal",
                     expected_version=case.version)
