"""An appeal on a formal error at an exam that is open when a doctor's note sets the exam's
failing grade aside (plan.set_aside_failing_grade) lapses ("bortfalt") in the note's
transaction, with the principal or with the appeals body: the exam no longer counts as an
attempt, and a new grading or a new exam has nothing left to remedy. An appeal opened again
afterwards cannot be granted one, nor can a grant be changed on appeal to the other."""

from datetime import timedelta

import pytest

from portal.exams import plan
from portal.exams.models import ExamRegistration
from portal.grades.models import Grade
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
from portal.models import Case, Decision, Event
from portal.rules import calendar as cal
from tests.grading import flat, make_havbruk, post_form, told
from tests.test_exam_sick_note_effect import _exam_two_days_ago, _send_note

RULE = "jf. forskriften § 4-6 (2)"  # the havbruk profile's exam_sick_note_within
WHY = ("Karakteren fra eksamen er satt til side fordi fraværet er dokumentert "
       f"({RULE}): eksamen teller ikke som forsøk, og det er ikke lenger noe for ny sensur "
       "eller ny eksamen å rette opp.")
TO_STUDENT = ("Klagen din på formell feil ved eksamen er bortfalt: karakteren er satt til side "
              "fordi fraværet er dokumentert.")
TO_DECIDERS = ("Klagen på formell feil ved eksamen er bortfalt: karakteren er satt til side "
               "fordi fraværet er dokumentert.")


@pytest.fixture
def hav(db):
    return make_havbruk()


def _appeal(client, auth, csrf, grade) -> Case:
    auth.login("elev1")
    url = f"/formal-error-appeals/new?grade={grade.id}"
    response = post_form(client, csrf, url, url, {
        "learned_on": (cal.today() - timedelta(days=1)).isoformat(),
        "description": "Oppgavesettet manglet side 3.", "confirm": "y", "password": "demo"})
    assert response.status_code == 303
    auth.logout()
    return Case.get(Case.kind == "formal_error_appeal")


def _forward(client, auth, csrf, case) -> Case:
    auth.login("rektor")
    response = post_form(client, csrf, f"/cases/{case.id}",
                         f"/formal-error-appeals/{case.id}/forward",
                         {"version": Case.get_by_id(case.id).version,
                          "assessment": "Ikke en formell feil."})
    assert response.status_code == 303
    auth.logout()
    return Case.get_by_id(case.id)


def _granted(client, auth, csrf, hav):
    """elev1's appeal on a failing grade, granted a new grading by the principal: (the
    grade, the appeal's case); nobody is logged in."""
    _exam, fail = _exam_two_days_ago(hav)
    case = _appeal(client, auth, csrf, fail)
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/formal-error-appeals/{case.id}/grant",
                     {"version": case.version, "outcome": "new_grading", "scope": "one",
                      "reasons": "Feil i oppgavesettet."}).status_code == 303
    auth.logout()
    return fail, case


def _waiting(client, auth, username, case) -> bool:
    auth.login(username)
    page = client.get("/home").get_data(as_text=True)
    auth.logout()
    return f"/cases/{case.id}" in page.split('id="waiting-heading"')[1].split("</section>")[0]


def _lapsed(case, before: str) -> None:
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.is_open) == ("lapsed", False)
    event = Event.get((Event.case == case.id) & (Event.action == "lapse"))
    assert (event.actor_id, event.state_before, event.state_after, event.text) == (
        None, before, "lapsed", WHY)
    assert FormalErrorAppeal.get().outcome is None
    assert not Decision.select().where(Decision.case == case.id).exists()


def test_an_appeal_with_the_principal_lapses_when_the_note_sets_the_grade_aside(
        hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _appeal(client, auth, csrf, fail)
    assert _waiting(client, auth, "rektor", case)
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    _lapsed(case, "filed")
    assert TO_STUDENT in told(client, auth, "elev1")
    assert TO_DECIDERS in told(client, auth, "rektor")
    assert not _waiting(client, auth, "rektor", case)
    for username in ("elev1", "rektor"):
        auth.login(username)
        page = flat(client.get(f"/cases/{case.id}"))
        assert "Bortfalt" in page and "Klagen er bortfalt" in page and WHY in page, username
        assert "/grant" not in page and "/withdraw" not in page, username
        auth.logout()


def test_an_appeal_with_the_appeals_body_lapses_and_the_body_is_told(hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _forward(client, auth, csrf, _appeal(client, auth, csrf, fail))
    assert case.state == "with_board"
    assert _waiting(client, auth, "klage1", case)
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    _lapsed(case, "with_board")
    assert TO_DECIDERS in told(client, auth, "klage1")
    assert not _waiting(client, auth, "klage1", case)
    auth.login("klage1")
    page = flat(client.get(f"/cases/{case.id}"))
    assert WHY in page and "/decide" not in page
    auth.logout()


def test_a_decided_appeal_stays_as_it_was_decided(hav, client, auth, csrf):
    fail, case = _granted(client, auth, csrf, hav)
    _send_note(client, auth, csrf, fail.registration)
    assert Case.get_by_id(case.id).state == "granted"
    assert not Event.select().where((Event.case == case.id) & (Event.action == "lapse")).exists()


def test_no_new_grading_or_exam_is_granted_for_a_grade_set_aside(hav, client, auth, csrf):
    """As when a ruling sends the principal's decision back after the note: the appeal is open
    again, and what it could grant is refused, saying why; the appeal may still be rejected."""
    _exam, fail = _exam_two_days_ago(hav)
    case = _forward(client, auth, csrf, _appeal(client, auth, csrf, fail))
    Grade.update(set_aside_at=cal.utcnow(), set_aside_because="documented_absence").where(
        Grade.id == fail.id).execute()
    ExamRegistration.update(status=plan.SICK_DOCUMENTED).where(
        ExamRegistration.id == fail.registration_id).execute()
    auth.login("klage1")
    page = f"/cases/{case.id}"
    for outcome in ("new_grading", "new_exam"):
        response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide",
                             {"version": case.version, "outcome": outcome, "scope": "one",
                              "reasons": "Feil i oppgavesettet."})
        assert response.status_code == 422, outcome
        assert WHY in flat(response), outcome
        assert (Case.get_by_id(case.id).state, FormalErrorAppeal.get().outcome) == (
            "with_board", None)
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide",
                         {"version": case.version, "outcome": "rejected", "scope": "one",
                          "reasons": "Ingen feil."})
    assert response.status_code == 303
    assert (Case.get_by_id(case.id).state, FormalErrorAppeal.get().outcome) == (
        "decided", "rejected")


def test_an_appeal_on_a_grade_an_appeal_replaced_lapses_with_the_new_grade(
        hav, client, auth, csrf):
    """The appeal names the grade it was filed on; a grade appeal's new grade replaced it, and
    the note sets the new one aside: the exam's result is gone all the same."""
    _exam, fail = _exam_two_days_ago(hav)
    case = _appeal(client, auth, csrf, fail)
    new = Grade.create(registration=fail.registration_id, grade="F", graded_by=hav.sensor2,
                       published_at=fail.published_at, channel="electronic",
                       origin="regrading", is_final=True)
    Grade.update(replaced_by=new).where(Grade.id == fail.id).execute()
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    assert Grade.get_by_id(new.id).is_set_aside
    _lapsed(case, "filed")


def _board_changes(client, auth, csrf, appeal, outcome):
    """The principal forwards the appeal on a decision, and the board (klage1 alone) changes
    the decision to `outcome`: its answer."""
    from portal.models import User

    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{appeal.id}",
                     f"/decision-appeals/{appeal.id}/forward",
                     {"version": Case.get_by_id(appeal.id).version,
                      "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()
    member = User.get(User.username == "klage1")
    auth.login("klage1")
    response = post_form(client, csrf, f"/cases/{appeal.id}",
                         f"/decision-appeals/{appeal.id}/decide",
                         {"version": Case.get_by_id(appeal.id).version,
                          "meeting_on": cal.today().isoformat(), "chair": str(member.id),
                          f"vote_{member.id}": "changed", "new_outcome": outcome,
                          "minutes": "Møte."})
    auth.logout()
    return response


@pytest.mark.parametrize("by", ["first_instance", "board"])
def test_a_grant_is_not_changed_on_appeal_for_a_grade_set_aside_since(
        hav, client, auth, csrf, by):
    """The principal granted a new grading; the student appeals that decision, wanting a new
    exam; a doctor's note then sets the grade aside. Changing the grant on appeal, by the
    first instance or by the appeals body, is refused as the grant itself would be now,
    saying why, and the grant stays as it was."""
    from tests.test_rulings import _appeal as appeal_decision
    from tests.test_rulings import _reverse

    fail, case = _granted(client, auth, csrf, hav)
    appeal = appeal_decision(client, auth, csrf, Decision.get(Decision.case == case.id))
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    before = Case.get_by_id(case.id).version
    if by == "board":
        response = _board_changes(client, auth, csrf, appeal, "new_exam")
    else:
        response = _reverse(client, auth, csrf, appeal, "new_exam")
    assert response.status_code == 422
    assert WHY in flat(response)
    assert (Case.get_by_id(case.id).state, Case.get_by_id(case.id).version,
            FormalErrorAppeal.get().outcome) == ("granted", before, "new_grading")
    # (the appeal still to be decided, where it was)
    assert Case.get_by_id(appeal.id).state == ("with_board" if by == "board" else "filed")
