"""Dismissing a late appeal (avvisning, forvaltningsloven § 33 annet ledd, § 34 første ledd):
an appeal flagged late can be dismissed unheard by the body that has it — on a decision or a
formal error the principal while it is received, the appeals board once it is sent on; on a
grade the exam office before it appoints new examiners. The first instance's dismissal is a
decision with reasons and a right of appeal; the board's is final. An appeal received in time
cannot be dismissed as late, whatever is sent."""

import re
from datetime import date

import pytest

from portal.cases import decisions
from portal.cases.engine import add_participant, note, open_case
from portal.cases.kinds import REGISTRY, Kind, State, Transition
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
from portal.kinds.grade_appeal.models import GradeAppeal
from portal.models import Case, Decision, Event, Participant
from portal.notifications.models import Notification
from portal.rules import calendar as cal
from portal.rules import get_profile, profile_names
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import deadline_after, format_date
from tests.grading import flat, make_exam, make_grade, make_havbruk, oslo, post_form
from tests.statements import statements

ORIGINAL = Kind(code="vedtak_avvis_test", label="Vedtak (test)", initial="open",
                states=[State("open", "Åpen"), State("done", "Avgjort", is_open=False)],
                transitions=[Transition("open", "decide", {"principal"}, "done", True)])

LATE = "Jeg lå på sykehus i hele november."
WHY = "Sykehusoppholdet begynte etter at fristen var ute, så forklaringen godtas ikke."
DISMISSED = "Avvist – klagen kom for sent"
NOT_LATE = "Denne klagen kom inn innen fristen og kan derfor ikke avvises"


@pytest.fixture
def hav(db):
    REGISTRY[ORIGINAL.code] = ORIGINAL
    s = make_havbruk()
    yield s
    REGISTRY.pop(ORIGINAL.code)


def _on(monkeypatch, day):
    monkeypatch.setattr(cal, "today", lambda: day)


def test_every_profile_names_the_rules_of_dismissal():
    for name in profile_names():
        profile = get_profile(name)
        assert "31 og 33 annet ledd" in profile.rule("late_appeal_dismissal").reference, name
        assert "§ 34 første ledd" in profile.rule("late_appeal_dismissal_by_board").reference


# ---------------------------------------------------------------------------------------------
# An appeal on a decision

def _decision(s):
    """A decision of Thursday 1 October 2026: three weeks to appeal end 22 October."""
    case = open_case(ORIGINAL.code, school=s.school, school_year=s.year, student=s.elev1,
                     title="Tilrettelegging", actor=s.elev1)
    add_participant(case, s.rektor, "principal")
    note(case, actor=s.klage[1], role="principal", action="comment", text="Uttalelse")
    return decisions.issue(case, outcome="partly_granted", summary="Utvidet tid 30 min.",
                           reasons="Dokumentert behov.", rule_reference="forskriften § 4-5",
                           decided_by=s.rektor, role="principal",
                           decided_at=oslo(date(2026, 10, 1), 10))


def _appeal(s, client, auth, csrf, monkeypatch, late=True):
    """The student appeals the decision, late (23 November) with an explanation, or in time
    (12 October): (the decision, the appeal's case, its page)."""
    d = _decision(s)
    _on(monkeypatch, date(2026, 11, 23) if late else date(2026, 10, 12))
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={d.id}"
    data = {"change_wanted": "Utvidet tid 60 min.", "reasons": "Legeerklæringen sier 60.",
            "confirm": "y", "password": "demo", **({"late_explanation": LATE} if late else {})}
    assert post_form(client, csrf, url, url, data).status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "decision_appeal")
    assert DecisionAppeal.get().is_late == late
    return d, case, f"/cases/{case.id}"


def test_the_principal_dismisses_a_late_appeal_by_a_decision(hav, client, auth, csrf,
                                                             monkeypatch):
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    html = flat(client.get(page))
    # the choice, with the rule and the student's explanation beside it
    form = html[html.index(f'action="/decision-appeals/{case.id}/dismiss"'):]
    form = form[:form.index("</form>")]
    assert "Avvis klagen fordi den kom for sent" in form
    assert "jf. forvaltningsloven §§ 31 og 33 annet ledd" in form
    assert "Studentens forklaring på forsinkelsen" in form and LATE in form
    assert 'name="csrf_token"' in form and f'name="version" type="hidden" value="{case.version}"' \
        in form
    # the reasons are required: said, by the field, with the rule
    url = f"/decision-appeals/{case.id}/dismiss"
    empty = post_form(client, csrf, page, url, {"version": case.version,
                                                "dismissal_reasons": " "})
    assert empty.status_code == 422
    assert "Skriv hvorfor forklaringen på forsinkelsen ikke godtas" in flat(empty)
    assert Case.get_by_id(case.id).state == "filed" and not Decision.select().where(
        Decision.case == case.id).exists()
    response = post_form(client, csrf, page, url, {"version": case.version,
                                                   "dismissal_reasons": WHY})
    assert response.status_code == 303
    case = Case.get_by_id(case.id)
    assert (case.state, case.is_open, case.staff_due_on) == ("dismissed", False, None)
    assert DecisionAppeal.get().outcome == "dismissed"
    event = Event.get(Event.case == case.id, Event.action == "dismiss")
    assert (event.actor_id, event.role, event.state_before) == (hav.rektor.id, "principal",
                                                                "filed")
    # an enkeltvedtak: reasons, rule, appeal deadline and body from the profile
    decision = Decision.get(Decision.case == case.id)
    assert (decision.outcome, decision.reasons, decision.decided_role) == (
        "dismissed", WHY, "principal")
    assert decision.rule_reference == "forvaltningsloven §§ 31 og 33 annet ledd"
    assert decision.appeal_body == "Skolens lokale klagenemnd"
    assert decision.appeal_deadline == deadline_after(
        oslo_date(decision.decided_at), get_profile("havbruk").rule("decision_appeal_deadline"))
    assert "22. oktober 2026" in decision.summary and "23. november 2026" in decision.summary
    # the student is told, as of a decision
    told = Notification.get(Notification.user == hav.elev1, Notification.event == event.id)
    assert told.text_key == "decision"
    auth.logout()

    auth.login("elev1")
    html = flat(client.get(page))
    assert DISMISSED in html and "Klagen er avvist fordi den kom for sent." in html
    assert "Avvis klagen" not in html
    letter = flat(client.get(f"/cases/{case.id}/decisions/{decision.id}"))
    for shown in (html, letter):
        assert f"Vedtak: {DISMISSED}" in shown and WHY in shown
        assert "forvaltningsloven §§ 31 og 33 annet ledd" in shown  # the rule applied
        assert "Du har rett til å klage på dette vedtaket." in shown
        assert f"Klagefrist: {format_date(decision.appeal_deadline)}" in shown
        assert "Skolens lokale klagenemnd" in shown
        assert f"/decision-appeals/new?decision={decision.id}" in shown  # appeal the dismissal
    # the decision appealed says that the appeal was dismissed, not heard, and stands
    original = flat(client.get(f"/cases/{d.case_id}"))
    assert DISMISSED in original and "Klagen ble ikke behandlet, så vedtaket står ved lag." \
        in original
    assert f"/decision-appeals/new?decision={d.id}" not in original


def test_two_principals_at_once_dismiss_once(hav, client, auth, csrf, monkeypatch):
    """Two principals load the page at one version and both dismiss: the first's step is
    taken; the second is told the case has moved on, with what they wrote kept."""
    from tests.conftest import Auth
    from tests.factories import make_user

    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    add_participant(case, make_user("rektor2", ["principal"], hav.school, "Rune Rektor"),
                    "principal")
    url = f"/decision-appeals/{case.id}/dismiss"
    other = client.application.test_client()
    Auth(other).login("rektor2")
    other_token = csrf(other.get(page).get_data(as_text=True))
    auth.login("rektor")
    token = csrf(client.get(page).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "version": case.version,
                                  "dismissal_reasons": WHY}).status_code == 303
    second = other.post(url, data={"csrf_token": other_token, "version": case.version,
                                   "dismissal_reasons": "Også avvist."})
    assert second.status_code == 422 and "Også avvist." in second.get_data(as_text=True)
    assert Decision.select().where(Decision.case == case.id).count() == 1
    assert Event.select().where((Event.case == case.id)
                                & (Event.action == "dismiss")).count() == 1


def test_an_appeal_in_time_cannot_be_dismissed_as_late(hav, client, auth, csrf, monkeypatch):
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch, late=False)
    auth.login("rektor")
    html = client.get(page).get_data(as_text=True)
    assert "/dismiss" not in html and "Avvis klagen" not in html
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 422 and NOT_LATE in flat(response)
    assert Case.get_by_id(case.id).state == "filed"
    assert not Decision.select().where(Decision.case == case.id).exists()
    # nor by the board's vote
    _on(monkeypatch, date(2026, 10, 15))
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()
    auth.login("klage3")
    html = client.get(page).get_data(as_text=True)
    assert 'value="dismissed"' not in html
    k3 = hav.klage[2]
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": "2026-10-15",
        "chair": str(k3.id), "minutes": "Møte.", f"vote_{k3.id}": "dismissed"})
    assert response.status_code == 422
    assert Case.get_by_id(case.id).state == "with_board" and not BoardVote.select().exists()


def test_the_board_dismisses_a_late_appeal_finally(hav, client, auth, csrf, monkeypatch):
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    _on(monkeypatch, date(2026, 11, 24))
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Forklaringen bør vurderes."}).status_code == 303
    auth.logout()
    auth.login("klage3")
    html = flat(client.get(page))
    form = html[html.index(f'action="/decision-appeals/{case.id}/decide"'):]
    form = form[:form.index("</form>")]
    assert 'value="dismissed"' in form and "Klagen avvises: den kom for sent" in form
    assert LATE in form and "jf. forvaltningsloven § 34 første ledd" in form
    k3, k4 = hav.klage[2], hav.klage[3]
    _on(monkeypatch, date(2026, 11, 30))
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": "2026-11-30",
        "chair": str(k3.id), "minutes": "Møte 30.11. Forklaringen godtas ikke.",
        f"vote_{k3.id}": "dismissed", f"vote_{k4.id}": "dismissed"})
    assert response.status_code == 303
    case = Case.get_by_id(case.id)
    assert (case.state, case.is_open) == ("dismissed", False)
    assert DecisionAppeal.get().outcome == "dismissed"
    assert Event.get(Event.case == case.id, Event.action == "dismiss").role == "appeals_board"
    assert not Decision.select().where(Decision.case == case.id).exists()  # final: no letter
    auth.logout()
    auth.login("elev1")
    html = flat(client.get(page))
    assert DISMISSED in html and "Klagen avvises: den kom for sent" in html
    assert "Klageinstansens avvisning er endelig" in html
    assert "jf. forvaltningsloven § 34 første ledd og § 28 tredje ledd bokstav b" in html
    assert "Møte 30.11. Forklaringen godtas ikke." in html


def test_strangers_get_404(hav, client, auth, csrf, monkeypatch):
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    for username in ("elev2", "klage3", "eksamen"):  # (the board: not before it is sent on)
        auth.login(username)
        assert client.get(page).status_code == 404
        token = csrf(client.get("/home").get_data(as_text=True))
        response = client.post(f"/decision-appeals/{case.id}/dismiss", data={
            "csrf_token": token, "version": case.version, "dismissal_reasons": WHY})
        assert response.status_code == 404, username
        auth.logout()
    # the student cannot dismiss their own appeal either
    auth.login("elev1")
    token = csrf(client.get(page).get_data(as_text=True))
    assert client.post(f"/decision-appeals/{case.id}/dismiss", data={
        "csrf_token": token, "version": case.version, "dismissal_reasons": WHY}).status_code \
        == 404
    assert Case.get_by_id(case.id).state == "filed"
    # and nobody without the CSRF token
    auth.logout()
    auth.login("rektor")
    assert client.post(f"/decision-appeals/{case.id}/dismiss", data={
        "version": case.version, "dismissal_reasons": WHY}).status_code == 400
    assert Case.get_by_id(case.id).state == "filed"


def test_the_pages_keep_their_statements_however_many_dismissals(hav, client, auth, csrf,
                                                                 monkeypatch):
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    staff = statements(client, page)
    assert staff <= 12
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss", {
        "version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    auth.login("elev1")
    for url in (page, f"/cases/{d.case_id}"):
        assert statements(client, url) <= 12, url


# ---------------------------------------------------------------------------------------------
# An appeal on a grade

def _grade_appeal(s, client, auth, csrf, monkeypatch, late=True, letter="C"):
    """A grade (`letter`) published Friday 22 January 2027 (three weeks end 12 February),
    appealed late on 13 February with an explanation, or in time on 1 February: (the grade,
    the case, its page)."""
    grade = make_grade(s, make_exam(s), s.elev1, letter=letter, published=date(2027, 1, 22))
    _on(monkeypatch, date(2027, 2, 13) if late else date(2027, 2, 1))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {
        "confirm": "y", "password": "demo", "reasons": "For streng.",
        **({"late_explanation": LATE} if late else {})}).status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "grade_appeal")
    return grade, case, f"/cases/{case.id}"


def test_the_exam_office_dismisses_a_late_grade_appeal(hav, client, auth, csrf, monkeypatch):
    grade, case, page = _grade_appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("eksamen")
    html = flat(client.get(page))
    form = html[html.index(f'action="/grade-appeals/{case.id}/dismiss"'):]
    form = form[:form.index("</form>")]
    assert LATE in form and "jf. forvaltningsloven §§ 31 og 33 annet ledd" in form
    assert statements(client, page) <= 12
    response = post_form(client, csrf, page, f"/grade-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 303
    case = Case.get_by_id(case.id)
    assert (case.state, case.is_open, case.staff_due_on) == ("dismissed", False, None)
    decision = Decision.get(Decision.case == case.id)
    assert (decision.outcome, decision.reasons, decision.decided_role) == (
        "dismissed", WHY, "exam_office")
    assert "12. februar 2027" in decision.summary
    assert not Participant.select().where((Participant.case == case.id)
                                          & (Participant.part == "new_examiner")).exists()
    auth.logout()
    auth.login("elev1")
    html = flat(client.get(page))
    assert DISMISSED in html and f"Vedtak: {DISMISSED}" in html and WHY in html
    assert "Du har rett til å klage på dette vedtaket." in html
    mine = flat(client.get("/grades/"))
    assert f'href="/cases/{case.id}">Din klage på karakteren</a>: ' in mine
    assert DISMISSED in mine and "Klagen ble ikke behandlet, så karakteren står ved lag." in mine
    assert statements(client, "/grades/") <= 12
    assert GradeAppeal.get().new_grade_id is None


def test_a_grade_appeal_in_time_cannot_be_dismissed(hav, client, auth, csrf, monkeypatch):
    grade, case, page = _grade_appeal(hav, client, auth, csrf, monkeypatch, late=False)
    auth.login("eksamen")
    assert "/dismiss" not in client.get(page).get_data(as_text=True)
    response = post_form(client, csrf, page, f"/grade-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 422 and NOT_LATE in flat(response)
    assert Case.get_by_id(case.id).state == "filed" and not Decision.select().exists()
    auth.logout()
    for username in ("elev2", "sensor2", "rektor"):
        auth.login(username)
        token = csrf(client.get("/home").get_data(as_text=True))
        assert client.post(f"/grade-appeals/{case.id}/dismiss", data={
            "csrf_token": token, "version": case.version, "dismissal_reasons": WHY}
        ).status_code == 404, username
        auth.logout()


# ---------------------------------------------------------------------------------------------
# An appeal on a formal error at an exam

def _formal_error(s, client, auth, csrf, monkeypatch, late=True):
    """Learned of the error on Thursday 4 March 2027 (three weeks end 30 March, moved past
    Easter): appealed late on 31 March, or in time on 10 March."""
    grade = make_grade(s, make_exam(s), s.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 31) if late else date(2027, 3, 10))
    auth.login("elev1")
    url = f"/formal-error-appeals/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {
        "learned_on": "2027-03-04", "description": "Oppgavesettet manglet side 3.",
        "confirm": "y", "password": "demo",
        **({"late_explanation": LATE} if late else {})}).status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "formal_error_appeal")
    return grade, case, f"/cases/{case.id}"


def test_the_principal_dismisses_a_late_formal_error_appeal(hav, client, auth, csrf,
                                                            monkeypatch):
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    html = flat(client.get(page))
    form = html[html.index(f'action="/formal-error-appeals/{case.id}/dismiss"'):]
    form = form[:form.index("</form>")]
    assert LATE in form and "Avvis klagen" in form
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 303
    assert Case.get_by_id(case.id).state == "dismissed"
    assert FormalErrorAppeal.get().outcome == "dismissed"
    decision = Decision.get(Decision.case == case.id)
    assert (decision.outcome, decision.reasons) == ("dismissed", WHY)
    assert decision.appeal_body == "Skolens styre"  # this kind's appeal body (forskriften)
    assert "30. mars 2027" in decision.summary
    auth.logout()
    auth.login("elev1")
    html = flat(client.get(page))
    assert f"Vedtak: {DISMISSED}" in html and "Klageinstans: Skolens styre" in html
    mine = flat(client.get("/grades/"))
    assert f'href="/cases/{case.id}">Din klage på formell feil</a>: ' in mine
    assert DISMISSED in mine


def test_the_appeals_body_dismisses_a_late_formal_error_appeal(hav, client, auth, csrf,
                                                               monkeypatch):
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "For sent, men forklart."}).status_code == 303
    auth.logout()
    auth.login("klage2")
    html = flat(client.get(page))
    form = html[html.index(f'action="/formal-error-appeals/{case.id}/decide"'):]
    form = form[:form.index("</form>")]
    assert 'value="dismissed"' in form and LATE in form
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "outcome": "dismissed", "scope": "one",
        "reasons": WHY})
    assert response.status_code == 303
    case = Case.get_by_id(case.id)
    appeal = FormalErrorAppeal.get()
    assert (case.state, appeal.outcome, appeal.scope, appeal.board_reasons) == (
        "dismissed", "dismissed", None, WHY)
    assert Event.get(Event.case == case.id, Event.action == "dismiss").role == "appeals_board"
    assert not Decision.select().where(Decision.case == case.id).exists()
    auth.logout()
    auth.login("elev1")
    html = flat(client.get(page))
    assert DISMISSED in html and "Klageinstansens avvisning er endelig" in html and WHY in html


def test_a_formal_error_appeal_in_time_cannot_be_dismissed(hav, client, auth, csrf,
                                                           monkeypatch):
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch, late=False)
    auth.login("rektor")
    assert "/dismiss" not in client.get(page).get_data(as_text=True)
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 422 and NOT_LATE in flat(response)
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Ingen feil."}).status_code == 303
    auth.logout()
    auth.login("klage2")
    assert 'value="dismissed"' not in client.get(page).get_data(as_text=True)
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "outcome": "dismissed", "scope": "one",
        "reasons": WHY})
    assert response.status_code == 422
    assert Case.get_by_id(case.id).state == "with_board"
    auth.logout()
    auth.login("elev2")
    assert client.get(page).status_code == 404


def test_a_dismissal_returned_on_appeal_goes_back_to_the_principal(hav, client, auth, csrf,
                                                                   monkeypatch):
    """The principal's dismissal is a decision the student can appeal; when the board returns
    it for new treatment, the formal-error appeal is with the principal again, as received."""
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    decision = Decision.get(Decision.case == case.id)
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={decision.id}"
    assert post_form(client, csrf, url, url, {
        "change_wanted": "Klagen må behandles.", "reasons": "Jeg var syk.", "confirm": "y",
        "password": "demo", "late_explanation": "Jeg var syk."}).status_code == 303
    auth.logout()
    appeal = Case.get(Case.kind == "decision_appeal")
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{appeal.id}", f"/decision-appeals/{appeal.id}/forward",
                     {"version": appeal.version, "assessment": "Avvisningen bør stå."}
                     ).status_code == 303
    auth.logout()
    member = hav.klage[0]
    auth.login("klage1")
    assert post_form(client, csrf, f"/cases/{appeal.id}", f"/decision-appeals/{appeal.id}/decide",
                     {"version": Case.get_by_id(appeal.id).version,
                      "meeting_on": date(2027, 3, 31).isoformat(), "chair": str(member.id),
                      f"vote_{member.id}": "returned", "minutes": "Møte."}).status_code == 303
    auth.logout()
    case = Case.get_by_id(case.id)
    assert case.state == "filed" and FormalErrorAppeal.get().outcome is None
    [event] = Event.select().where((Event.case == case.id)
                                   & (Event.action == "appeal_return"))
    assert event.state_before == "dismissed" and "avvisningen står ikke lenger" in event.text
    auth.login("rektor")
    html = flat(client.get(page))
    assert f'action="/formal-error-appeals/{case.id}/dismiss"' in html
    assert "Det er avgjort etter klage at den skal behandles." not in html
    # returned, not heard: the principal may dismiss it again
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    assert Case.get_by_id(case.id).state == "dismissed"
    assert Decision.select().where(Decision.case == case.id).count() == 2


# ---------------------------------------------------------------------------------------------
# A ruling on an appeal against the first instance's dismissal: heard after all, or returned

HEARD = "Klagen skal behandles: avvisningen er opphevet"


def _appeal_the_dismissal(s, client, auth, csrf, decision):
    """The student appeals the first instance's dismissal `decision`; the principal has the
    appeal on it (a decision appeal): its case."""
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={decision.id}"
    assert post_form(client, csrf, url, url, {
        "change_wanted": "Klagen må behandles.", "reasons": "Jeg var syk.", "confirm": "y",
        "password": "demo", "late_explanation": "Jeg var syk."}).status_code == 303
    auth.logout()
    return DecisionAppeal.get(DecisionAppeal.decision == decision.id).case


def _heard_by_the_principal(s, client, auth, csrf, appeal):
    """The principal changes the dismissal in the student's favour: the appeal is heard."""
    auth.login("rektor")
    html = flat(client.get(f"/cases/{appeal.id}"))
    form = html[html.index(f'action="/decision-appeals/{appeal.id}/reverse"'):]
    form = form[:form.index("</form>")]
    # the one change a dismissal has, applied at once; no change in part
    assert 'value="heard"' in form and HEARD in form
    assert 'value="partly_granted"' not in form and 'value="granted"' not in form
    assert ("Gjennomføres straks i saken vedtaket ble fattet i, og vises i tidslinjen der: "
            f"{HEARD}") in html
    assert post_form(client, csrf, f"/cases/{appeal.id}",
                     f"/decision-appeals/{appeal.id}/reverse",
                     {"version": appeal.version, "outcome": "heard",
                      "reasons": "Forklaringen godtas."}).status_code == 303
    auth.logout()


def _ruled_by_the_board(s, client, auth, csrf, appeal, vote, day, new_outcome=None,
                        offered="heard"):
    """The principal sends the appeal on the dismissal (or on another decision, whose change
    `offered` is) on; the board's one member present votes `vote` (to `new_outcome`, where
    changed) on `day`."""
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{appeal.id}",
                     f"/decision-appeals/{appeal.id}/forward",
                     {"version": appeal.version, "assessment": "Avvisningen bør stå."}
                     ).status_code == 303
    auth.logout()
    member = s.klage[0]
    auth.login("klage1")
    page = f"/cases/{appeal.id}"
    html = flat(client.get(page))
    form = html[html.index(f'action="/decision-appeals/{appeal.id}/decide"'):]
    assert f'value="{offered}"' in form[:form.index("</form>")]
    assert 'value="partly_granted"' not in form[:form.index("</form>")]
    assert post_form(client, csrf, page, f"/decision-appeals/{appeal.id}/decide", {
        "version": Case.get_by_id(appeal.id).version, "meeting_on": day.isoformat(),
        "chair": str(member.id), f"vote_{member.id}": vote, "minutes": "Møte.",
        **({"new_outcome": new_outcome} if new_outcome else {})}).status_code == 303
    auth.logout()


def _ruling_event(case, action, role, appeal):
    [event] = Event.select().where((Event.case == case.id) & Event.action.in_(
        ("appeal_change", "appeal_return")))
    assert (event.action, event.role, event.state_before, event.state_after) == (
        action, role, "dismissed", "filed")
    assert event.data["appeal"] == appeal.id and appeal.reference in event.text
    return event


def test_a_dismissal_changed_on_appeal_sends_the_appeal_back_to_be_heard(hav, client, auth,
                                                                         csrf, monkeypatch):
    """The principal's dismissal of a late appeal on a decision, appealed: the principal
    changes it in the student's favour. The appeal is with the principal again as received,
    with a new answer deadline, and is to be heard: it is no longer offered to be dismissed,
    nor dismissed when asked."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    dismissed = Decision.get(Decision.case == case.id)
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    _heard_by_the_principal(hav, client, auth, csrf, appeal)
    assert Case.get_by_id(appeal.id).state == "reversed"
    case = Case.get_by_id(case.id)
    row = DecisionAppeal.get(DecisionAppeal.case == case.id)
    assert (case.state, case.is_open, row.outcome) == ("filed", True, None)
    assert case.staff_due_on is not None and case.staff_due_on == row.answer_due
    _ruling_event(case, "appeal_change", "principal", appeal)
    auth.login("rektor")
    html = flat(client.get(page))
    assert f"/decision-appeals/{case.id}/dismiss" not in html
    assert f'action="/decision-appeals/{case.id}/forward"' in html
    assert "Avvisningen endret etter klage" in html  # the timeline
    assert "Det er avgjort etter klage at den skal behandles." in html
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 422
    assert Case.get_by_id(case.id).state == "filed"
    assert Decision.select().where(Decision.case == case.id).count() == 1
    # nor by the board, once it is sent on
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Skal behandles."}).status_code == 303
    auth.logout()
    auth.login("klage3")
    assert 'value="dismissed"' not in client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login("elev1")
    letter = flat(client.get(f"/cases/{case.id}/decisions/{dismissed.id}"))
    assert f"til: {HEARD}" in letter


def test_a_decision_heard_after_a_dismissal_and_then_changed_shows_once_with_its_change(
        hav, client, auth, csrf, monkeypatch):
    """The appeal's case then holds two decisions of the principal, the dismissal and the
    change in the student's favour: the appealed decision is shown once, changed to what the
    change gave, never "changed to: dismissed"."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, Decision.get(Decision.case == case.id))
    _heard_by_the_principal(hav, client, auth, csrf, appeal)
    case = Case.get_by_id(case.id)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/reverse",
                     {"version": case.version, "outcome": "granted",
                      "reasons": "Legeerklæringen sier 60 minutter."}).status_code == 303
    auth.logout()
    assert Decision.select().where(Decision.case == case.id).count() == 2
    auth.login("elev1")
    html = flat(client.get(f"/cases/{d.case_id}"))
    assert html.count(f'id="decision-{d.id}"') == 1
    assert f"til: {DISMISSED}" not in html
    letter = flat(client.get(f"/cases/{d.case_id}/decisions/{d.id}"))
    assert f"til: {DISMISSED}" not in letter and "til: Innvilget" in letter


def test_a_dismissal_returned_by_the_board_goes_back_to_the_principal(hav, client, auth, csrf,
                                                                      monkeypatch):
    """Returned for new treatment, the appeal on a decision is with the principal again as
    received, who may dismiss it again."""
    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    appeal = _appeal_the_dismissal(hav, client, auth, csrf,
                                   Decision.get(Decision.case == case.id))
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "returned", date(2026, 11, 23))
    case = Case.get_by_id(case.id)
    assert case.state == "filed" and DecisionAppeal.get(DecisionAppeal.case == case.id
                                                        ).outcome is None
    _ruling_event(case, "appeal_return", "appeals_board", appeal)
    auth.login("rektor")
    html = flat(client.get(page))
    assert f'action="/decision-appeals/{case.id}/dismiss"' in html
    # the ruling's step, taken by the body that heard the appeal on the dismissal, which this
    # case's words (the body its own decision appealed names) do not name: the part's word
    timeline = html[html.index('id="timeline-heading"'):]
    assert "Klage Medlem1 (Klagenemnd)" in timeline
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    assert Case.get_by_id(case.id).state == "dismissed"


def test_a_grade_appeal_dismissal_changed_on_appeal_goes_to_new_examiners(hav, client, auth,
                                                                          csrf, monkeypatch):
    """The exam office's dismissal of a late appeal on a grade, appealed: the board changes it
    in the student's favour. The appeal is with the exam office again as received, with a new
    deadline for the new grading, which appoints new examiners and cannot dismiss it."""
    grade, case, page = _grade_appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("eksamen")
    assert post_form(client, csrf, page, f"/grade-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    appeal = _appeal_the_dismissal(hav, client, auth, csrf,
                                   Decision.get(Decision.case == case.id))
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "changed", date(2027, 2, 13),
                        new_outcome="heard")
    case = Case.get_by_id(case.id)
    row = GradeAppeal.get(GradeAppeal.case == case.id)
    assert (case.state, case.is_open) == ("filed", True)
    assert case.staff_due_on is not None and case.staff_due_on == row.answer_due
    _ruling_event(case, "appeal_change", "appeals_board", appeal)
    auth.login("eksamen")
    html = flat(client.get(page))
    assert f"/grade-appeals/{case.id}/dismiss" not in html
    assert f'action="/grade-appeals/{case.id}/appoint"' in html
    assert statements(client, page) <= 12
    response = post_form(client, csrf, page, f"/grade-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 422 and Case.get_by_id(case.id).state == "filed"
    assert post_form(client, csrf, page, f"/grade-appeals/{case.id}/appoint", {
        "version": case.version, "examiners": str(hav.sensor2.id)}).status_code == 303
    assert Case.get_by_id(case.id).state == "regrading"
    auth.logout()
    auth.login("elev1")
    mine = flat(client.get("/grades/"))
    assert "Klagen ble ikke behandlet" not in mine


def test_a_grade_appeal_dismissal_heard_by_the_principal(hav, client, auth, csrf,
                                                                     monkeypatch):
    """The principal, first instance of the appeal on the exam office's dismissal, changes it
    in the student's favour: the appeal on the grade is with the exam office again, and the
    exam office and the student are told."""
    grade, case, page = _grade_appeal(hav, client, auth, csrf, monkeypatch)
    auth.login("eksamen")
    assert post_form(client, csrf, page, f"/grade-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    appeal = _appeal_the_dismissal(hav, client, auth, csrf,
                                   Decision.get(Decision.case == case.id))
    _heard_by_the_principal(hav, client, auth, csrf, appeal)
    case = Case.get_by_id(case.id)
    assert case.state == "filed"
    _ruling_event(case, "appeal_change", "principal", appeal)
    told = Notification.select().join(Event).where(
        (Event.case == case.id) & (Event.action == "appeal_change"))
    assert {n.user_id for n in told} >= {hav.eksamen.id, hav.elev1.id}


def test_a_ruling_is_applied_to_an_appeals_dismissal_not_to_its_change(hav, client, auth,
                                                                        csrf, monkeypatch):
    """Of an appeal on a decision's two kinds of decision, a ruling is applied to the
    dismissal (heard, or returned), not to the principal's change in the student's favour,
    whose case a ruling on it leaves as it is."""
    from portal.cases import rulings

    d, case, page = _appeal(hav, client, auth, csrf, monkeypatch)
    case = Case.get_by_id(case.id)
    change = decisions.issue(case, outcome="partly_granted", summary="Delvis", reasons="R",
                             rule_reference="fvl § 33", decided_by=hav.rektor,
                             role="principal")
    dismissed = decisions.issue(case, outcome="dismissed", summary="Avvist", reasons=WHY,
                                rule_reference="fvl § 33", decided_by=hav.rektor,
                                role="principal")
    for decision in (change, dismissed):
        decision.case = case
    assert rulings.applied(dismissed) == {"heard", "returned"}
    assert rulings.changes(dismissed) == ["heard"]
    assert rulings.applied(change) == frozenset() and rulings.changes(change) == ["granted"]
    ruling = rulings.Ruling(decision=change, outcome="granted", actor=hav.rektor,
                            role="principal", appeal=case)
    assert rulings.apply(ruling) is None
    assert Case.get_by_id(case.id).state == "filed"


def test_a_formal_error_dismissal_changed_on_appeal_is_heard(hav, client, auth, csrf,
                                                             monkeypatch):
    """The principal's dismissal of a late appeal on a formal error, appealed: the board
    changes it in the student's favour. The appeal is with the principal again as received
    and is to be heard: neither the principal nor the appeals body is offered, or allowed, to
    dismiss it as late; it is decided on what it asks for."""
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    dismissed = Decision.get(Decision.case == case.id)
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "changed", date(2027, 3, 31),
                        new_outcome="heard")
    case = Case.get_by_id(case.id)
    row = FormalErrorAppeal.get(FormalErrorAppeal.case == case.id)
    assert (case.state, case.is_open, row.outcome, row.scope) == ("filed", True, None, None)
    event = _ruling_event(case, "appeal_change", "appeals_board", appeal)
    assert "klagen skal behandles selv om den kom for sent" in event.text
    auth.login("rektor")
    html = flat(client.get(page))
    assert f"/formal-error-appeals/{case.id}/dismiss" not in html
    assert f'action="/formal-error-appeals/{case.id}/grant"' in html
    assert "Det er avgjort etter klage at den skal behandles." in html
    assert "Sen klage som skal behandles: det er avgjort etter klage." in html
    assert statements(client, page) <= 12
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                         {"version": case.version, "dismissal_reasons": WHY})
    assert response.status_code == 422 and Case.get_by_id(case.id).state == "filed"
    assert Decision.select().where(Decision.case == case.id).count() == 1
    # nor by the appeals body, once it is sent on
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Skal behandles."}).status_code == 303
    auth.logout()
    auth.login("klage2")
    html = flat(client.get(page))
    assert 'value="dismissed"' not in html and "den kan avvises uten å bli behandlet" not in html
    assert 'value="new_grading"' in html
    version = Case.get_by_id(case.id).version
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide", {
        "version": version, "outcome": "dismissed", "scope": "one", "reasons": WHY})
    assert response.status_code == 422 and Case.get_by_id(case.id).state == "with_board"
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide", {
        "version": version, "outcome": "new_grading", "scope": "one",
        "reasons": "Feilen er dokumentert."}).status_code == 303
    assert Case.get_by_id(case.id).state == "decided"
    auth.logout()
    auth.login("elev1")
    letter = flat(client.get(f"/cases/{case.id}/decisions/{dismissed.id}"))
    assert f"til: {HEARD}" in letter
    told = Notification.select().join(Event).where(
        (Event.case == case.id) & (Event.action == "appeal_change"))
    assert {n.user_id for n in told} >= {hav.rektor.id, hav.elev1.id}


def test_a_late_formal_error_grant_changed_on_appeal_leaves_lateness_open(hav, client, auth,
                                                                          csrf, monkeypatch):
    """A change of the principal's grant of a late formal-error appeal (its other outcome)
    still works, and hears no dismissal: returned later, the appeal may still be dismissed
    as late. The student and the principal are told of the change."""
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/grant", {
        "version": case.version, "outcome": "new_grading", "scope": "one",
        "reasons": "Feil i oppgaven."}).status_code == 303
    auth.logout()
    grant = Decision.get(Decision.case == case.id)
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, grant)
    auth.login("rektor")
    html = flat(client.get(f"/cases/{appeal.id}"))
    form = html[html.index(f'action="/decision-appeals/{appeal.id}/reverse"'):]
    form = form[:form.index("</form>")]
    assert 'value="new_exam"' in form and 'value="heard"' not in form
    assert post_form(client, csrf, f"/cases/{appeal.id}",
                     f"/decision-appeals/{appeal.id}/reverse",
                     {"version": appeal.version, "outcome": "new_exam",
                      "reasons": "Ny eksamen."}).status_code == 303
    auth.logout()
    case = Case.get_by_id(case.id)
    assert case.state == "granted"
    assert FormalErrorAppeal.get(FormalErrorAppeal.case == case.id).outcome == "new_exam"
    auth.login("elev1")
    assert ("Vedtaket fra rektor i klagen din på formell feil ved eksamen er endret etter klage."
            in flat(client.get("/notifications/")))
    auth.logout()
    DecisionAppeal.delete().execute()  # (appealed again, to be returned)
    _ruled_by_the_board(hav, client, auth, csrf,
                        _appeal_the_dismissal(hav, client, auth, csrf, grant), "returned",
                        date(2027, 3, 31), offered="new_exam")
    case = Case.get_by_id(case.id)
    assert case.state == "filed"
    auth.login("rektor")
    html = flat(client.get(page))
    assert f'action="/formal-error-appeals/{case.id}/dismiss"' in html
    assert "Det er avgjort etter klage at den skal behandles." not in html
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    assert Case.get_by_id(case.id).state == "dismissed"


def _visible_text(html):
    return re.sub(r"<[^>]+>", " ", html)


def _status_block(html):
    block = re.search(r'<section id="case-status".*?</section>', html, flags=re.S).group(0)
    return " ".join(block.split())


def test_who_decides_an_appeal_on_a_grade_appeals_dismissal_reads_what_bears_on_the_delay(
        hav, client, auth, csrf, monkeypatch):
    """The principal and the appeals board, deciding an appeal on the exam office's dismissal
    of a late appeal on a grade, read that appeal as APPEAL_REVIEWER: the flag, the student's
    explanation for the delay, the dismissal with its reasons and the timeline with its text
    (they judge whether the delay is excused, forvaltningsloven §§ 31, 33-34); not the grade
    appealed, the student's reasons against it, or the new examiners' notice. The decision
    appeal's own page shows the dismissal's reasons. One who is also a new examiner in the
    appeal grades blind all the same."""
    from portal.models import RoleGrant

    grade, case, page = _grade_appeal(hav, client, auth, csrf, monkeypatch, letter="D")
    auth.login("eksamen")
    assert post_form(client, csrf, page, f"/grade-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    dismissed = Decision.get(Decision.case == case.id)
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    blind_notice = "Bedøm besvarelsen på fritt grunnlag"

    def read_as_reviewer(username):
        auth.login(username)
        response = client.get(page)
        assert response.status_code == 200, username
        html = flat(response)
        assert "Fristen var 12. februar 2027 (jf. forskriften § 4-9 (2))." in html, username
        assert LATE in html, username
        assert f"Vedtak: {DISMISSED}" in html and WHY in html, username  # the dismissal
        assert 'data-part="reviewing"' in html, username
        assert blind_notice not in html, username
        assert "For streng." not in html and "Påklaget karakter" not in html, username
        assert not re.search(r"(?<![\w-])D(?![\w-])", _visible_text(html)), username
        assert statements(client, page) <= 12
        status = f"/cases/{case.id}/status"
        assert statements(client, status) <= 12
        assert _status_block(client.get(status).get_data(as_text=True)) == _status_block(
            response.get_data(as_text=True))
        auth.logout()
        return html

    # the principal, first instance of the appeal on the dismissal
    assert "Klagen er avvist fordi den kom for sent." in read_as_reviewer("rektor")
    auth.login("rektor")
    mine = flat(client.get(f"/cases/{appeal.id}"))
    assert "Begrunnelsen for det påklagede vedtaket" in mine and WHY in mine
    # and the explanation for the delay of the grade appeal dismissed
    dismissed_block = mine[mine.index('data-part="dismissed-appeal"'):]
    assert LATE in dismissed_block[:dismissed_block.index("</div>")]
    auth.logout()
    # the appeals board, once it is sent on, and after it has returned the dismissal: the
    # timeline's text (the ruling's, naming the appeal's case)
    _ruled_by_the_board(hav, client, auth, csrf, appeal, "returned", date(2027, 2, 13))
    case = Case.get_by_id(case.id)
    assert f"(sak {appeal.reference})" in read_as_reviewer("klage1")

    # the board member, appointed a new examiner in the appeal: blind, as any new examiner
    member = hav.klage[0]
    RoleGrant.create(user=member, role="examiner", school=hav.school)
    auth.login("eksamen")
    assert post_form(client, csrf, page, f"/grade-appeals/{case.id}/appoint", {
        "version": case.version, "examiners": str(member.id)}).status_code == 303
    auth.logout()
    auth.login("klage1")
    html = flat(client.get(page))
    assert blind_notice in html and 'data-part="reviewing"' not in html
    assert LATE not in html and WHY not in html and "For streng." not in html
    assert not re.search(r"(?<![\w-])D(?![\w-])", _visible_text(
        re.sub(r"<fieldset>.*?</fieldset>", "", html)))  # (the grade choices aside)
    from portal.cases.kinds import APPEAL_REVIEWER
    from portal.kinds.grade_appeal import views

    assert views.page_view({"new_examiner", APPEAL_REVIEWER}) == views.BLIND_VIEW


def test_an_appeal_on_a_formal_error_decision_goes_to_the_body_its_letter_names(
        hav, client, auth, csrf, monkeypatch):
    """The principal's decisions on an appeal on a formal error (its dismissal as late, its
    grant) are appealed to the school's board at Havbruk ([003 § 4-10 (4)], § 7-5 (1) a): the
    letter names it, and so do the page the appeal is filed from, its receipt and where it is
    once sent on, which the members of the appeals role decide. Another decision's appeal
    still goes to the local appeals board (§ 7-5 (1) c)."""
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/dismiss",
                     {"version": case.version, "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    dismissed = Decision.get(Decision.case == case.id)
    assert dismissed.appeal_body == "Skolens styre"
    auth.login("elev1")
    letter = flat(client.get(f"/cases/{case.id}/decisions/{dismissed.id}"))
    assert "Klageinstans: Skolens styre" in letter
    filing = flat(client.get(f"/decision-appeals/new?decision={dismissed.id}"))
    assert "Ellers går klagen til skolens styre" in filing
    assert "lokale klagenemnd" not in filing
    auth.logout()
    appeal = _appeal_the_dismissal(hav, client, auth, csrf, dismissed)
    auth.login("elev1")
    receipt = flat(client.get(f"/cases/{appeal.id}"))
    assert "Ellers sendes den med en vurdering til skolens styre" in receipt
    # the explanation for the delay of the formal-error appeal dismissed, as the student wrote
    # it, beside the dismissal's reasons
    dismissed_block = receipt[receipt.index('data-part="dismissed-appeal"'):]
    assert LATE in dismissed_block[:dismissed_block.index("</div>")]
    assert "lokale klagenemnd" not in receipt
    auth.logout()
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{appeal.id}",
                     f"/decision-appeals/{appeal.id}/forward",
                     {"version": appeal.version, "assessment": "Avvisningen bør stå."}
                     ).status_code == 303
    auth.logout()
    auth.login("klage1")  # (who decides: the members of the appeals role, as the kind's own)
    html = flat(client.get(f"/cases/{appeal.id}"))
    where = html[html.index('id="where-heading"'):html.index("</dl>")]
    assert "Skolens styre" in where
    assert f'action="/decision-appeals/{appeal.id}/decide"' in html
    assert "lokale klagenemnd" not in html
    # the timeline and the board's form name it too, never a fixed klagenemnda
    assert "Sendt til skolens styre med vurderingen fra rektor" in html
    assert "Før inn vedtaket fra skolens styre" in html and "klagenemnda" not in html.lower()
    auth.logout()


def test_a_formal_error_grant_names_the_same_appeal_body(hav, client, auth, csrf,
                                                         monkeypatch):
    """The principal's grant of an appeal on a formal error is a decision on it too: appealed
    to the school's board, as its dismissal ([003 § 4-10 (4)])."""
    grade, case, page = _formal_error(hav, client, auth, csrf, monkeypatch, late=False)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/grant", {
        "version": case.version, "outcome": "new_grading", "scope": "one",
        "reasons": "Feil i oppgaven."}).status_code == 303
    auth.logout()
    assert Decision.get(Decision.case == case.id).appeal_body == "Skolens styre"

    # an ordinary decision: the local appeals board, as the profile's appeal_body
    d = _decision(hav)
    auth.login("elev1")
    filing = flat(client.get(f"/decision-appeals/new?decision={d.id}"))
    assert "Ellers går klagen til skolens lokale klagenemnd" in filing


# ---------------------------------------------------------------------------------------------
# The student's explanation for the delay, as written (escaped), is before those who decide
# whether a late appeal is heard, and the student: beside the "for sent" flag with the deadline
# and its rule on the late appeal's page, and beside the dismissal's reasons on the page of an
# appeal on its dismissal. At a school whose appeal body is not called klagenemnda (NKI) and
# one whose is (a vgs).

LATE_HTML = "Jeg lå på sykehus <b>hele</b> november & desember."


@pytest.fixture(params=["nki", "vgs"])
def schools(request, db):
    REGISTRY[ORIGINAL.code] = ORIGINAL
    s = make_havbruk(profile=request.param, code=f"test-{request.param}")
    yield s
    REGISTRY.pop(ORIGINAL.code)


def test_those_who_decide_on_lateness_read_the_explanation_with_the_deadline_and_rule(
        schools, client, auth, csrf, monkeypatch):
    from html import escape

    s = schools
    d = _decision(s)
    _on(monkeypatch, date(2026, 11, 23))
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={d.id}"
    assert post_form(client, csrf, url, url, {
        "change_wanted": "Utvidet tid 60 min.", "reasons": "Legeerklæringen sier 60.",
        "confirm": "y", "password": "demo", "late_explanation": LATE_HTML}).status_code == 303
    auth.logout()
    late = DecisionAppeal.get()
    assert late.is_late and late.late_explanation == LATE_HTML
    page = f"/cases/{late.case_id}"
    rule = s.school.rules.rule("decision_appeal_deadline").cite()
    flag = f"Fristen var 22. oktober 2026 ({escape(rule)})."
    shown = f'<p class="prewrap">{escape(LATE_HTML)}</p>'
    explained = {"nki": "Studentens", "vgs": "Elevens"}[s.school.profile] + (
        " forklaring på forsinkelsen")

    def reads(username, url, *parts):
        auth.login(username)
        html = flat(client.get(url))
        auth.logout()
        assert "<b>hele</b>" not in html, username  # (as written, not as markup)
        for part in parts:
            assert part in html, (username, part)
        return html

    # the late appeal's page: the flag with the deadline and its rule, the explanation
    for who in ("elev1", "rektor"):
        reads(who, page, flag, explained, shown)
    auth.login("rektor")
    assert post_form(client, csrf, page, f"/decision-appeals/{late.case_id}/dismiss",
                     {"version": Case.get_by_id(late.case_id).version,
                      "dismissal_reasons": WHY}).status_code == 303
    auth.logout()
    dismissed = Decision.get(Decision.case == late.case_id)

    # the appeal on the dismissal: its page shows the explanation beside the dismissal's
    # reasons, to the principal, the student and, once sent on, the members who sit
    appeal = _appeal_the_dismissal(s, client, auth, csrf, dismissed)
    on_it = f"/cases/{appeal.id}"
    block = ('<div data-part="dismissed-appeal"> <p class="rule rule-late"><strong>Klagen som '
             'ble avvist som for sen:</strong> mottatt 23. november 2026, etter fristen; det '
             'påklagede vedtaket oppgir fristen og regelen.</p>'
             f' <h3>{explained}</h3> {shown} </div>')
    for who in ("rektor", "elev1"):
        html = reads(who, on_it, block)
        assert html.index("Begrunnelsen for det påklagede vedtaket") < html.index(block)
    auth.login("rektor")
    assert post_form(client, csrf, on_it, f"/decision-appeals/{appeal.id}/forward",
                     {"version": Case.get_by_id(appeal.id).version,
                      "assessment": "Avvisningen bør stå."}).status_code == 303
    auth.logout()
    reads("klage3", on_it, block)
    auth.login("klage3")
    assert statements(client, on_it) <= 12
    auth.logout()
    # and the dismissed appeal's own page, which the member reads as one who decides the
    # appeal on its dismissal
    reads("klage3", page, flag, explained, shown)
    # one with no part in either reads neither
    auth.login("laerer2")
    assert client.get(on_it).status_code == 404 and client.get(page).status_code == 404
    auth.logout()
