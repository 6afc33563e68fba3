"""The first instance's dismissal of a late appeal, once the appeal has gone on past it.

A late appeal dismissed by the first instance (an enkeltvedtak with a right of appeal,
forvaltningsloven § 33 annet ledd) is appealed; the ruling on that appeal returns the
dismissal, or changes it so that the appeal is heard, and the appeal is back as received.
Sent on, it is then for the appeals body, whose own dismissal is final (§ 34 første ledd,
§ 28 tredje ledd bokstav b). The first instance's earlier dismissal no longer decides the
appeal after that: no second appeal on it, no page loaded before and sent after, and no
second appeal received beside the first brings it back, nor applies a ruling on it twice."""

from datetime import date

import pytest

from portal.cases.engine import open_case
from portal.cases.kinds import REGISTRY
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.models import Case, Decision, Event
from portal.rules import calendar as cal
from tests.grading import make_havbruk, post_form
from tests.test_appeal_dismissal import (
    LATE,
    ORIGINAL,
    WHY,
    _appeal,
    _appeal_the_dismissal,
    _flat,
    _formal_error,
    _ruled_by_the_board,
)

FINAL = ("Klagen som avvisningen gjaldt, er senere avvist endelig av klageinstansen fordi "
         "den kom for sent")
BOARD_RULE = "jf. forvaltningsloven § 34 første ledd og § 28 tredje ledd bokstav b"
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
    html = _flat(response)
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
    assert "Klageinstansens avvisning er endelig" in _flat(client.get(page))
    auth.logout()

    # the principal's ruling, from the appeal's page as loaded before it was sent on
    response = _changed_to_heard(client, auth, csrf, appeal, version=stale)
    assert response.status_code == 422 and "Forklaringen godtas." in _flat(response)
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
    html = _flat(client.get(page))
    assert "Klageinstansens avvisning er endelig" in html
    assert f"/formal-error-appeals/{case.id}/withdraw" not in html
    auth.logout()
