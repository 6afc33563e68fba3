"""The first instance's dismissal of a late appeal, once the appeal has gone on past it.

A late appeal dismissed by the first instance (an enkeltvedtak with a right of appeal,
forvaltningsloven § 33 annet ledd) is appealed; the ruling on that appeal returns the
dismissal, or changes it so that the appeal is heard, and the appeal is back as received.
Sent on, it is then for the appeals body, whose own dismissal is final (§ 34 første ledd,
§ 28 tredje ledd bokstav b). The first instance's earlier dismissal no longer decides the
appeal after that: no second appeal on it, no page loaded before and sent after, and no
second appeal received beside the first brings it back, nor applies a ruling on it twice.
Two of the staff acting on it at the same moment: one step is taken."""

from datetime import date

import pytest

from portal.cases.engine import add_participant, open_case
from portal.cases.kinds import REGISTRY
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.models import Case, Decision, Event
from portal.rules import calendar as cal
from tests.conftest import Auth
from tests.factories import make_user
from tests.grading import flat, make_havbruk, post_form
from tests.tabs import at_once
from tests.test_appeal_dismissal import (
    LATE,
    ORIGINAL,
    WHY,
    _appeal,
    _appeal_the_dismissal,
    _formal_error,
    _grade_appeal,
    _heard_by_the_principal,
    _ruled_by_the_board,
)

FINAL = ("Klagen som avvisningen gjaldt, er senere avvist endelig av klageinstansen fordi "
         "den kom for sent")
BOARD_RULE = "jf. forvaltningsloven § 34 første ledd og § 28 tredje ledd bokstav b"
NO_LONGER = "er ikke lenger slik vedtaket som er påklaget etterlot den"
RULINGS = ("appeal_change", "appeal_return")


@pytest.fixture
def hav(db):
    REGISTRY[ORIGINAL.code] = ORIGINAL
    yield make_havbruk()
    REGISTRY.pop(ORIGINAL.code)


def _dismissed_by(client, auth, csrf, username, case, prefix):
    """`username`, the first instance, dismisses the late appeal `case` (its kind's URL
    `prefix`): the decision."""
    case = Case.get_by_id(case.id)
    auth.login(username)
    assert post_form(client, csrf, f"/cases/{case.id}", f"/{prefix}/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    return (Decision.select().where(Decision.case == case.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc()).first())


def _sent_on(client, auth, csrf, case, prefix):
    """The principal sends the appeal `case` on to the appeals body."""
    case = Case.get_by_id(case.id)
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/{prefix}/{case.id}/forward", {
        "version": case.version, "assessment": "Forklaringen bør vurderes."}).status_code == 303
    auth.logout()


def _board_dismisses(s, client, auth, csrf, case):
    """The appeals board (its member klage3, chair) dismisses the late appeal on a decision
    `case` unheard: final."""
    member = s.klage[2]
    auth.login("klage3")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": cal.today().isoformat(),
        "chair": str(member.id), f"vote_{member.id}": "dismissed",
        "minutes": "Møte. Forklaringen godtas ikke."}).status_code == 303
    auth.logout()


def _received_besides(s, dismissed):
    """A second appeal on `dismissed`, received beside the first (two sent at the same moment
    before filing took turns, or kept from an earlier release): its case, with the
    principal."""
    return open_case(
        "decision_appeal", school=s.school, school_year=s.year, student=s.elev1,
        title="Klage: avvisningen", actor=s.elev1, participants=[(s.rektor, "principal")],
        form_token=None, effect=lambda case: DecisionAppeal.create(
            case=case, decision=dismissed, change_wanted="Klagen må behandles.",
            reasons="Jeg var syk.", signed_at=case.created_at, filed_on=cal.today()))


def _changed_to_heard(client, auth, csrf, appeal, version=None):
    """The principal changes the dismissal appealed in `appeal` so that it is heard
    (`version`: of the page as loaded then; the case's own when None): the answer."""
    auth.login("rektor")
    response = post_form(client, csrf, f"/cases/{appeal.id}",
                         f"/decision-appeals/{appeal.id}/reverse", {
                             "version": version or Case.get_by_id(appeal.id).version,
                             "outcome": "heard", "reasons": "Forklaringen godtas."})
    auth.logout()
    return response


def _rulings(case) -> int:
    return Event.select().where((Event.case == case.id) & Event.action.in_(RULINGS)).count()


def _still_dismissed_finally(case):
    """`case` is dismissed by the appeals body, after the one ruling that sent it back."""
    case = Case.get_by_id(case.id)
    assert (case.state, case.is_open) == ("dismissed", False)
    last = Event.select().where(Event.case == case.id).order_by(Event.id.desc()).first()
    assert (last.action, last.role) == ("dismiss", "appeals_board")
    assert _rulings(case) == 1


def _refused_as_final(response):
    html = flat(response)
    assert response.status_code == 422, response.status_code
    assert FINAL in html and BOARD_RULE in html
    return html


# ---------------------------------------------------------------------------------------------
# Returned, sent on, dismissed by the appeals body

def test_a_dismissal_returned_and_then_dismissed_by_the_board_stays_dismissed(
        hav, client, auth, csrf, monkeypatch):
    """Dismissed by the principal, appealed, returned by the board, sent on, and dismissed by
    the appeals board (final). The principal's dismissal cannot be appealed again (the student
    is led to the appeal received), the principal's page of that appeal loaded before it was
    sent on changes nothing, and a second appeal on the dismissal received beside the first
    is refused, by its principal and by its board, naming the rule: the appeal stays
    dismissed, with nothing of the refused ruling stored."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    dismissed = _dismissed_by(client, auth, csrf, "rektor", case, "decision-appeals")
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    stale = Case.get_by_id(appeal.id).version  # (the principal's page of it, as loaded now)
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "returned", date(2026, 11, 23))
    assert Case.get_by_id(case.id).state == "filed"
    _sent_on(client, auth, csrf, case, "decision-appeals")
    _board_dismisses(hav, client, auth, csrf, case)
    _still_dismissed_finally(case)
    # the board's dismissal is no decision: the principal's is still the case's newest
    assert [x.id for x in Decision.select().where(Decision.case == case.id)] == [dismissed.id]

    # no second appeal on the principal's dismissal: the one received is shown
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={dismissed.id}"
    shown = client.get(url)
    assert shown.status_code == 303 and shown.location.endswith(f"/cases/{appeal.id}")
    again = post_form(client, csrf, "/home", url, {
        "change_wanted": "Klagen må behandles.", "reasons": "Igjen.", "confirm": "y",
        "password": "demo", "late_explanation": LATE})
    assert again.status_code == 303 and again.location.endswith(f"/cases/{appeal.id}")
    assert Case.select().where(Case.kind == "decision_appeal").count() == 2
    assert "Klageinstansens avvisning er endelig" in flat(client.get(page))
    auth.logout()

    # the principal's ruling, from the appeal's page as loaded before it was sent on
    response = _changed_to_heard(client, auth, csrf, appeal, version=stale)
    assert response.status_code == 422 and "Forklaringen godtas." in flat(response)
    assert Case.get_by_id(appeal.id).state == "decided"
    _still_dismissed_finally(case)

    # a second appeal on the dismissal, received beside the first: its principal's ruling
    second = _received_besides(hav, dismissed)
    html = _refused_as_final(_changed_to_heard(client, auth, csrf, second))
    assert "Forklaringen godtas." in html  # (what the principal wrote, kept)
    assert Case.get_by_id(second.id).state == "filed"
    assert not Decision.select().where(Decision.case == second.id).exists()
    _still_dismissed_finally(case)
    # and its board's: no vote stored, the appeal still with the board
    _sent_on(client, auth, csrf, second, "decision-appeals")
    member = hav.klage[1]  # (klage1 and klage3 took part in the case the dismissal is in)
    auth.login("klage2")
    _refused_as_final(post_form(
        client, csrf, f"/cases/{second.id}", f"/decision-appeals/{second.id}/decide", {
            "version": Case.get_by_id(second.id).version,
            "meeting_on": cal.today().isoformat(), "chair": str(member.id),
            f"vote_{member.id}": "returned", "minutes": "Møte."}))
    auth.logout()
    row = DecisionAppeal.get(DecisionAppeal.case == second.id)
    assert Case.get_by_id(second.id).state == "with_board" and row.outcome is None
    assert not BoardVote.select().where(BoardVote.appeal == row.id).exists()
    _still_dismissed_finally(case)


def test_a_formal_error_dismissal_returned_and_then_dismissed_by_the_body_stays_dismissed(
        hav, client, auth, csrf, monkeypatch):
    """The same for an appeal on a formal error: the appeals body's dismissal, once the
    principal's dismissal was returned and the appeal sent on, is final; a ruling on the
    principal's dismissal is refused, naming the rule."""
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    dismissed = _dismissed_by(client, auth, csrf, "rektor", case, "formal-error-appeals")
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "returned", date(2027, 3, 31))
    assert Case.get_by_id(case.id).state == "filed"
    _sent_on(client, auth, csrf, case, "formal-error-appeals")
    auth.login("klage2")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "outcome": "dismissed", "scope": "one",
        "reasons": WHY}).status_code == 303
    auth.logout()
    _still_dismissed_finally(case)

    second = _received_besides(hav, dismissed)
    _refused_as_final(_changed_to_heard(client, auth, csrf, second))
    assert Case.get_by_id(second.id).state == "filed"
    assert not Decision.select().where(Decision.case == second.id).exists()
    _still_dismissed_finally(case)
    auth.login("elev1")
    html = flat(client.get(page))
    assert "Klageinstansens avvisning er endelig" in html
    assert f"/formal-error-appeals/{case.id}/withdraw" not in html
    auth.logout()


# ---------------------------------------------------------------------------------------------
# Nearby orderings

def test_a_grade_appeal_dismissed_again_after_a_return_answers_to_its_new_dismissal(
        hav, client, auth, csrf, monkeypatch):
    """An appeal on a grade has no appeals body: returned, the exam office dismisses it
    again by a new decision. A ruling on the first dismissal is refused (the case is no
    longer as it left it); a ruling on the new one is applied."""
    grade, case, page = _grade_appeal(hav, client, auth, csrf, monkeypatch)
    first = _dismissed_by(client, auth, csrf, "eksamen", case, "grade-appeals")
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, first)
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "returned", date(2027, 2, 13))
    assert Case.get_by_id(case.id).state == "filed"
    again = _dismissed_by(client, auth, csrf, "eksamen", case, "grade-appeals")
    assert again.id != first.id and Case.get_by_id(case.id).state == "dismissed"

    response = _changed_to_heard(client, auth, csrf, _received_besides(hav, first))
    assert response.status_code == 422 and NO_LONGER in flat(response)
    assert Case.get_by_id(case.id).state == "dismissed" and _rulings(case) == 1

    _heard_by_the_principal(hav, client, auth, csrf,
                            _appeal_the_dismissal(hav, client, auth, csrf, again))
    case = Case.get_by_id(case.id)
    assert case.state == "filed" and _rulings(case) == 2
    auth.login("eksamen")
    assert f"/grade-appeals/{case.id}/dismiss" not in client.get(page).get_data(as_text=True)
    auth.logout()


def test_a_dismissal_changed_to_heard_and_sent_on_cannot_be_dismissed_by_the_board(
        hav, client, auth, csrf, monkeypatch):
    """Dismissed, appealed, changed so that it is heard, sent on: the appeals board's vote to
    dismiss it as late is refused, and so is a second ruling on the dismissal; the board
    decides it on what it asks for, and a ruling on the dismissal after that is refused
    too."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    dismissed = _dismissed_by(client, auth, csrf, "rektor", case, "decision-appeals")
    _heard_by_the_principal(hav, client, auth, csrf,
                            _appeal_the_dismissal(hav, client, auth, csrf, dismissed))
    _sent_on(client, auth, csrf, case, "decision-appeals")
    member = hav.klage[2]
    auth.login("klage3")
    vote = {"meeting_on": cal.today().isoformat(), "chair": str(member.id), "minutes": "Møte."}
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, f"vote_{member.id}": "dismissed", **vote})
    assert response.status_code == 422
    assert Case.get_by_id(case.id).state == "with_board" and not BoardVote.select().exists()
    auth.logout()

    second = _received_besides(hav, dismissed)
    response = _changed_to_heard(client, auth, csrf, second)
    assert response.status_code == 422 and NO_LONGER in flat(response)
    assert Case.get_by_id(case.id).state == "with_board" and _rulings(case) == 1

    auth.login("klage3")
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, f"vote_{member.id}": "upheld",
        **vote}).status_code == 303
    auth.logout()
    assert Case.get_by_id(case.id).state == "decided"
    response = _changed_to_heard(client, auth, csrf, second)
    assert response.status_code == 422 and NO_LONGER in flat(response)
    assert Case.get_by_id(case.id).state == "decided" and _rulings(case) == 1


# ---------------------------------------------------------------------------------------------
# Two of the staff at the same moment

def _staff(client, username, page):
    """Another client (a second member of the staff) logged in as `username`, and its CSRF
    token from `page`."""
    from tests.conftest import _csrf_from

    other = client.application.test_client()
    Auth(other).login(username)
    return other, _csrf_from(other.get(page).get_data(as_text=True))


def test_two_principals_at_once_on_a_returned_dismissal_one_step_is_taken(
        hav, client, auth, csrf, monkeypatch):
    """Returned, the appeal is with the principals as received: one dismisses it again while
    the other sends it on, at the same moment. One step is taken; the other is told, with
    what they wrote kept, and nothing of it is stored."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    rektor2 = make_user("rektor2", ["principal"], hav.school, "Rune Rektor")
    add_participant(case, rektor2, "principal")
    dismissed = _dismissed_by(client, auth, csrf, "rektor", case, "decision-appeals")
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "returned", date(2026, 11, 23))
    case = Case.get_by_id(case.id)
    assert case.state == "filed"
    # (the first instance as the profile names it: havbruk's rektor)
    returned = Event.select().where(Event.case == case.id).order_by(Event.id.desc()).get()
    assert returned.text.endswith("Klagen er hos rektor igjen, som mottatt.")
    first, first_token = _staff(client, "rektor", page)
    second, second_token = _staff(client, "rektor2", page)
    answers = at_once(
        Case.select().where(Case.id == case.id),
        lambda: first.post(f"/decision-appeals/{case.id}/dismiss", data={
            "csrf_token": first_token, "version": case.version,
            "dismissal_reasons": "Avvist igjen."}),
        lambda: second.post(f"/decision-appeals/{case.id}/forward", data={
            "csrf_token": second_token, "version": case.version,
            "assessment": "Sendes videre."}))
    codes = sorted(a.status_code for a in answers)
    assert codes == [303, 422], codes
    case = Case.get_by_id(case.id)
    decisions = Decision.select().where(Decision.case == case.id).count()
    steps = [e.action for e in Event.select().where(
        (Event.case == case.id) & Event.action.in_(("dismiss", "forward")))]
    if case.state == "dismissed":
        assert (decisions, steps) == (2, ["dismiss", "dismiss"])
        assert "Sendes videre." in flat(answers[1])
    else:
        assert case.state == "with_board"
        assert (decisions, steps) == (1, ["dismiss", "forward"])
        assert "Avvist igjen." in flat(answers[0])


def test_two_principals_at_once_change_a_dismissal_on_appeal_once(
        hav, client, auth, csrf, monkeypatch):
    """Two principals of the appeal on the dismissal both change it so that the appeal is
    heard, at the same moment: one ruling is recorded and applied once; the other is told,
    and nothing of it is stored."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    make_user("rektor2", ["principal"], hav.school, "Rune Rektor")  # (a principal of appeals)
    dismissed = _dismissed_by(client, auth, csrf, "rektor", case, "decision-appeals")
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    appeal_page = f"/cases/{appeal.id}"
    first, first_token = _staff(client, "rektor", appeal_page)
    second, second_token = _staff(client, "rektor2", appeal_page)

    def change(tab, token, reasons):
        return lambda: tab.post(f"/decision-appeals/{appeal.id}/reverse", data={
            "csrf_token": token, "version": appeal.version, "outcome": "heard",
            "reasons": reasons})

    answers = at_once(Case.select().where(Case.id == appeal.id),
                       change(first, first_token, "Forklaringen godtas."),
                       change(second, second_token, "Godtas også."))
    assert sorted(a.status_code for a in answers) == [303, 422]
    assert Case.get_by_id(appeal.id).state == "reversed"
    assert Decision.select().where(Decision.case == appeal.id).count() == 1
    case = Case.get_by_id(case.id)
    assert case.state == "filed" and _rulings(case) == 1
