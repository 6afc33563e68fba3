"""Appeals on decisions: filed from the letter, signed, dated, receipt; late appeals flagged
(forvaltningsloven § 31) and refused after one year; the principal may only change the
decision in the student's favour; the board without members who took part, by majority with
the chair's casting vote, minutes kept; the student sees where it is and when it is due."""

import re
from datetime import date
from html import escape as html_escape

import pytest

from portal.cases import decisions
from portal.cases.engine import add_participant, note, open_case
from portal.cases.kinds import REGISTRY, Kind, State, Transition
from portal.kinds.decision_appeal import rules as r
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.models import Case, Decision, Event
from portal.notifications.models import Notification, Outbox
from portal.rules import calendar as cal
from tests.factories import give_emails
from tests.grading import make_havbruk, oslo, post_form, summary_order

ORIGINAL = Kind(code="vedtak_test", label="Vedtak (test)", initial="open",
                states=[State("open", "Åpen"), State("done", "Avgjort", is_open=False)],
                transitions=[Transition("open", "decide", {"principal"}, "done", True)])


@pytest.fixture
def hav(db):
    REGISTRY[ORIGINAL.code] = ORIGINAL
    s = make_havbruk()
    yield s
    REGISTRY.pop(ORIGINAL.code)


def _on(monkeypatch, day):
    monkeypatch.setattr(cal, "today", lambda: day)


def _decision(s, outcome="partly_granted", decided_on=date(2026, 10, 1), by=None):
    case = open_case("vedtak_test", school=s.school, school_year=s.year, student=s.elev1,
                     title="Tilrettelegging", actor=s.elev1)
    by = by or s.rektor
    add_participant(case, by, "principal")
    note(case, actor=s.klage[1], role="principal", action="comment", text="Uttalelse")
    return decisions.issue(case, outcome=outcome, summary="Utvidet tid 30 min.",
                           reasons="Dokumentert behov.", rule_reference="forskriften § 4-5",
                           decided_by=by, role="principal",
                           decided_at=oslo(decided_on, 10))


def _file(client, csrf, decision, **extra):
    url = f"/decision-appeals/new?decision={decision.id}"
    data = {"change_wanted": "Utvidet tid 60 min.", "reasons": "Legeerklæringen sier 60.",
            "confirm": "y", "password": "demo", **extra}
    return post_form(client, csrf, url, url, data)


def test_deadline_three_weeks_and_one_year_limit(hav):
    d = _decision(hav, decided_on=date(2026, 10, 1))
    when = r.timeliness(d, date(2026, 10, 22))
    assert d.appeal_deadline == date(2026, 10, 22) and not when.is_late
    assert r.timeliness(d, date(2026, 10, 23)).is_late
    assert when.limit.due == date(2027, 10, 1)
    assert not r.timeliness(d, date(2027, 10, 1)).is_too_late
    assert r.timeliness(d, date(2027, 10, 2)).is_too_late


def test_deadline_rolls_past_easter(hav):
    # Received Thursday 4 March 2027: three weeks end Skjærtorsdag 25 March -> Tuesday 30 March.
    d = _decision(hav, decided_on=date(2027, 3, 4))
    assert d.appeal_deadline == date(2027, 3, 30)


def test_file_from_the_letter_signed_with_receipt(hav, client, auth, csrf, monkeypatch):
    d = _decision(hav)
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    letter = client.get(f"/cases/{d.case_id}").get_data(as_text=True)
    assert f"/decision-appeals/new?decision={d.id}" in letter
    form = client.get(f"/decision-appeals/new?decision={d.id}").get_data(as_text=True)
    assert "22. oktober 2026" in form and "forskriften § 7-2" in form
    bad = _file(client, csrf, d, password="feil")
    assert bad.status_code == 422 and "Legeerklæringen sier 60." in bad.get_data(as_text=True)
    response = _file(client, csrf, d)
    assert response.status_code == 303
    appeal = DecisionAppeal.get()
    assert (appeal.filed_on, appeal.is_late, appeal.answer_due) == (
        date(2026, 10, 12), False, date(2026, 11, 2))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kvittering og videre saksgang" in page and "12. oktober 2026" in page
    assert "Rita Rektor" in page and "2. november 2026" in page  # who holds it, when due
    # Only one appeal per decision.
    again = client.get(f"/decision-appeals/new?decision={d.id}")
    assert again.status_code == 303


def test_the_error_summary_lists_the_fields_in_the_order_of_the_page(hav, client, auth, csrf,
                                                                    monkeypatch):
    """What to change and why come before the signature on the page, and so in the summary,
    though the signature's fields are declared first (on the form every appeal extends)."""
    d = _decision(hav)
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    response = _file(client, csrf, d, change_wanted="", reasons="", confirm="", password="")
    assert response.status_code == 422
    assert summary_order(response.get_data(as_text=True)) == [
        "change_wanted", "reasons", "confirm", "password"]


def test_guessing_the_signature_is_throttled_as_a_login_is(hav, client, auth, csrf,
                                                           monkeypatch):
    """A session left open must not become a way to guess the student's password through the
    appeal's signature: wrong signatures count as failed logins of the account, and once the
    throttle asks for a wait even the right one is refused, saying how long, with what the
    student wrote kept."""
    from portal.auth import throttle
    from portal.models import LoginThrottle

    d = _decision(hav)
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    for _ in range(throttle.FREE_FAILURES):
        assert _file(client, csrf, d, password="gjetning").status_code == 422
    assert LoginThrottle.get(LoginThrottle.key == "user:elev1").failures \
        == throttle.FREE_FAILURES
    refused = _file(client, csrf, d)  # the right password, but too soon
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and re.search(r"Vent \d+ sekunder", html)
    assert "Legeerklæringen sier 60." in html
    assert not DecisionAppeal.select().exists()


def test_late_appeal_needs_explanation_and_is_flagged(hav, client, auth, csrf, monkeypatch):
    d = _decision(hav)
    _on(monkeypatch, date(2026, 11, 23))
    auth.login("elev1")
    response = _file(client, csrf, d)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Fristen var 22. oktober 2026 (jf. forskriften § 7-2). Forklar hvorfor" in html
    assert "Legeerklæringen sier 60." in html  # what the student wrote is kept
    response = _file(client, csrf, d, late_explanation="Jeg lå på sykehus.")
    assert response.status_code == 303
    appeal = DecisionAppeal.get()
    assert appeal.is_late and appeal.late_explanation == "Jeg lå på sykehus."
    auth.logout()
    auth.login("rektor")
    page = client.get(f"/cases/{appeal.case_id}").get_data(as_text=True)
    assert "Klagen er kommet for sent" in page and "Jeg lå på sykehus." in page


def test_a_late_appeal_asks_for_the_explanation_with_the_other_errors(hav, client, auth, csrf,
                                                                       monkeypatch):
    """Sent late, with the reasons and the signature left out: the explanation of the delay
    is asked for in the same answer as they are, where the page shows it (after the reasons,
    before the signature). It was asked for only once all the rest was right: the student
    put it right, sent it, and only then learned an explanation was needed."""
    d = _decision(hav)
    _on(monkeypatch, date(2026, 11, 23))
    auth.login("elev1")
    response = _file(client, csrf, d, reasons="", password="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_order(html) == ["reasons", "late_explanation", "password"]
    assert "Fristen var 22. oktober 2026 (jf. forskriften § 7-2). Forklar hvorfor" in html
    assert "Utvidet tid 60 min." in html  # what the student wrote is kept
    assert not DecisionAppeal.select().exists()


def test_the_form_says_the_deadline_in_the_tense_of_the_day(hav, client, auth, monkeypatch):
    """Decided Thursday 1 October 2026: three weeks end Thursday 22 October. On that day the
    form says the deadline "er"; a month later, appealing late, that it "var", then that it
    has passed."""
    d = _decision(hav)
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={d.id}"
    _on(monkeypatch, date(2026, 10, 22))
    form = client.get(url).get_data(as_text=True)
    assert "Fristen er 22. oktober 2026 (3 uker, jf. forskriften § 7-2)." in form
    assert "Fristen har gått ut" not in form
    _on(monkeypatch, date(2026, 11, 23))
    form = " ".join(client.get(url).get_data(as_text=True).split())
    assert ("Fristen var 22. oktober 2026 (3 uker, jf. forskriften § 7-2). Fristen har gått ut. "
            "Du kan likevel klage") in form
    assert "Fristen er 22. oktober" not in form


def test_refused_after_one_year(hav, client, auth, csrf, monkeypatch):
    d = _decision(hav)
    _on(monkeypatch, date(2027, 10, 2))
    auth.login("elev1")
    response = _file(client, csrf, d, late_explanation="Glemte det.")
    assert response.status_code == 422
    assert "1. oktober 2027" in response.get_data(as_text=True)
    assert not DecisionAppeal.select().exists()


def test_past_the_limit_the_page_says_why_and_shows_no_form(hav, client, auth, csrf,
                                                            monkeypatch):
    """Decided Thursday 1 October 2026: on Saturday 2 October 2027 the year of
    forvaltningsloven § 31 tredje ledd has passed. The page says so, with the rule and the last
    day, and has no form to fill in; a form sent anyway is refused with the same words."""
    d = _decision(hav, decided_on=date(2026, 10, 1))
    _on(monkeypatch, date(2027, 10, 2))
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={d.id}"
    refusal = ("Klagen kan ikke tas imot: det er gått mer enn 1 år siden vedtaket (jf. "
               "forvaltningsloven § 31 tredje ledd). Siste dag var 1. oktober 2027.")
    page = client.get(url)
    response = _file(client, csrf, d, late_explanation="Glemte det.")
    for answer in (page, response):
        html = answer.get_data(as_text=True)
        assert html.count(refusal) == 1 and "Utvidet tid 30 min." in html  # which decision
        assert 'action="/decision-appeals/new' not in html and "Send klagen" not in html
        assert "Du kan likevel klage" not in html and "Hvorfor kommer klagen for sent?" not in html
    assert (page.status_code, response.status_code) == (200, 422)
    assert not DecisionAppeal.select().exists()


def _filed(hav, client, auth, csrf, monkeypatch, **kw):
    d = _decision(hav, **kw)
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    assert _file(client, csrf, d).status_code == 303
    auth.logout()
    return d, Case.get(Case.kind == "decision_appeal")


def _forwarded(hav, client, auth, csrf, monkeypatch, **kw):
    """An appeal filed on 12 October 2026 and forwarded to the board on the 15th: (its case,
    its page)."""
    d, case = _filed(hav, client, auth, csrf, monkeypatch, **kw)
    auth.login("rektor")
    page = f"/cases/{case.id}"
    _on(monkeypatch, date(2026, 10, 15))
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()
    return case, page


def test_first_instance_only_in_the_students_favour(hav, client, auth, csrf, monkeypatch):
    d, case = _filed(hav, client, auth, csrf, monkeypatch, outcome="partly_granted")
    auth.login("rektor")
    page = f"/cases/{case.id}"
    for worse in ("refused", "partly_granted"):
        response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/reverse",
                             {"version": case.version, "outcome": worse, "reasons": "x"})
        assert response.status_code == 422, worse
    assert Case.get_by_id(case.id).state == "filed"
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/reverse",
                         {"version": case.version, "outcome": "granted", "reasons": "Medhold."})
    assert response.status_code == 303
    assert Case.get_by_id(case.id).state == "reversed"
    new = Decision.get(Decision.case == case)
    assert new.outcome == "granted" and new.decided_by_id == hav.rektor.id
    # the appeal's decision in an appeal's words; the decision appealed, an application's
    html = client.get(page).get_data(as_text=True)
    assert "Vedtak: Medhold" in html and "Innvilget" not in html
    original = client.get(f"/cases/{d.case_id}").get_data(as_text=True)
    assert "Vedtak: Delvis innvilget" in original and "medhold" not in original.lower()


def test_nothing_better_than_granted_so_only_forward(hav, client, auth, csrf, monkeypatch):
    d, case = _filed(hav, client, auth, csrf, monkeypatch, outcome="granted")
    assert r.reversal_options("granted") == {}
    auth.login("rektor")
    response = post_form(client, csrf, f"/cases/{case.id}", f"/decision-appeals/{case.id}/reverse",
                         {"version": case.version, "outcome": "granted", "reasons": "x"})
    assert response.status_code == 422


def test_board_conflicts_majority_and_casting_vote(hav, client, auth, csrf, monkeypatch):
    # klage1 made the decision, klage2 took part in its case: both are blocked.
    d, case = _filed(hav, client, auth, csrf, monkeypatch, by=hav.klage[0])
    auth.login("rektor")
    page = f"/cases/{case.id}"
    _on(monkeypatch, date(2026, 10, 15))
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward",
                         {"version": case.version, "assessment": "Ingen grunn til endring."})
    assert response.status_code == 303
    appeal = DecisionAppeal.get()
    assert appeal.answer_due == date(2026, 11, 5)
    auth.logout()
    auth.login("klage1")
    html = client.get(page).get_data(as_text=True)
    assert "fattet vedtaket som er påklaget" in html
    assert "Før inn nemndas vedtak" not in html
    # recused (forvaltningsloven § 6): told why, not what the appeal or the assessment says
    assert "Du kan ikke delta i behandlingen av denne klagen" in html
    for text in ("Utvidet tid 60 min.", "Legeerklæringen sier 60.", "Ingen grunn til endring."):
        assert text not in html
    # nor the title, which quotes the decision appealed: the case is named by its kind, on
    # its page and in the member's list
    title = Case.get_by_id(case.id).title
    assert title.startswith("Klage: ") and len(title) > len("Klage: ")
    home = client.get("/home").get_data(as_text=True)
    for shown in (html, home):
        assert html_escape(title) not in shown and title not in shown
        assert "Klage på vedtak" in shown
    assert "<title>Klage på vedtak – " in html and f'href="/cases/{case.id}"' in home
    # nor in a notification of the case, should a rule ever send them one (none does now)
    Notification.create(user=hav.klage[0], case=case, kind="case_update", text_key="case_update")
    listed = client.get("/notifications/").get_data(as_text=True)
    assert "Klage på vedtak: " in listed and title not in listed
    assert html_escape(title) not in listed
    auth.logout()
    auth.login("klage3")
    html = client.get(page).get_data(as_text=True)
    assert "deltok i saken som førte til vedtaket" in html
    # a member who sits sees the title, in a notification too
    assert html_escape(title) in html and html_escape(title) in client.get("/home").get_data(
        as_text=True)
    Notification.create(user=hav.klage[2], case=case, kind="case_update", text_key="case_update")
    assert html_escape(title) + ": " in client.get("/notifications/").get_data(as_text=True)
    k1, k2, k3, k4 = hav.klage
    _on(monkeypatch, date(2026, 10, 28))  # (the meeting's day)
    base = {"version": case.version + 1, "meeting_on": "2026-10-28", "chair": str(k3.id),
            "minutes": "Møte 28.10 kl. 10-11. Til stede: leder og ett medlem."}
    blocked = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide",
                        {**base, f"vote_{k1.id}": "changed"})
    assert blocked.status_code == 422 or Case.get_by_id(case.id).state == "with_board"
    assert not BoardVote.select().exists()
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide",
                         {**base, f"vote_{k3.id}": "upheld", f"vote_{k4.id}": "changed"})
    assert response.status_code == 303
    appeal = DecisionAppeal.get()
    assert appeal.outcome == "upheld"  # tie: the chair's vote decides
    assert {(v.member_id, v.vote, v.is_chair) for v in BoardVote.select()} == {
        (k3.id, "upheld", True), (k4.id, "changed", False)}
    auth.logout()
    auth.login("klage1")  # recused: not the board's minutes either
    html = client.get(page).get_data(as_text=True)
    assert "Møte 28.10" not in html and "Legeerklæringen sier 60." not in html
    auth.logout()
    auth.login("elev1")
    html = client.get(page).get_data(as_text=True)
    assert "Vedtaket opprettholdes" in html and "endelig" in html and "Møte 28.10" in html


def test_minutes_written_after_the_student_withdrew_are_shown_not_lost(hav, client, auth,
                                                                        csrf, monkeypatch):
    """The student withdraws the appeal while the board writes its minutes: the member who
    sends them is told it is no longer possible, and the minutes come back as not sent."""
    from portal.cases.engine import apply

    case, page = _forwarded(hav, client, auth, csrf, monkeypatch, by=hav.klage[0])
    case = Case.get_by_id(case.id)
    apply(case, "withdraw", actor=hav.elev1, expected_version=case.version)
    auth.login("klage3")
    minutes = "Møte 28.10 kl. 10-11. Til stede: leder og ett medlem."
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": case.version, "meeting_on": "2026-10-28", "chair": str(hav.klage[2].id),
        "minutes": minutes, f"vote_{hav.klage[2].id}": "upheld"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Det er ikke lenger mulig" in html
    assert "Ikke sendt: det du skrev" in html and minutes in html
    assert not BoardVote.select().exists()


def test_the_board_records_a_meeting_held_since_the_appeal_came_to_it(hav, client, auth, csrf,
                                                                        monkeypatch):
    """The meeting's date: not in the future (a decision from a meeting not yet held), nor
    before the appeal was forwarded to the board; what the member wrote is kept."""
    case, page = _forwarded(hav, client, auth, csrf, monkeypatch)
    auth.login("klage3")
    _on(monkeypatch, date(2026, 10, 28))
    k3 = hav.klage[2]
    minutes = "Møte kl. 10-11. Til stede: leder."
    sent = {"version": Case.get_by_id(case.id).version, "chair": str(k3.id), "minutes": minutes,
            f"vote_{k3.id}": "upheld"}
    for day, said in (("2026-10-29", "Møtedatoen 29. oktober 2026 er fram i tid"),
                      ("2026-10-14", "Møtedatoen 14. oktober 2026 er før klagen kom til "
                                     "skolens lokale klagenemnd (15. oktober 2026).")):
        response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide",
                             {**sent, "meeting_on": day})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and said in html, day
        assert minutes in html and f'value="{day}"' in html
    assert not BoardVote.select().exists() and Case.get_by_id(case.id).state == "with_board"
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide",
                     {**sent, "meeting_on": "2026-10-15"}).status_code == 303  # the day it came
    assert DecisionAppeal.get().meeting_on == date(2026, 10, 15)


def test_the_boards_error_summary_lists_the_votes_before_the_minutes(hav, client, auth, csrf,
                                                                     monkeypatch):
    """The members' votes are added to the board's form after its minutes are declared; the
    page shows them before the minutes, and so does the summary."""
    case, page = _forwarded(hav, client, auth, csrf, monkeypatch)
    auth.login("klage3")
    k3 = hav.klage[2]
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": "", "chair": "",
        "minutes": "", f"vote_{k3.id}": "no such outcome"})
    assert response.status_code == 422
    assert summary_order(response.get_data(as_text=True)) == [
        "meeting_on", "chair", f"vote_{k3.id}", "minutes"]


def test_majority(hav):
    assert r.majority({1: "upheld", 2: "changed", 3: "changed"}, chair_id=1) == "changed"
    assert r.majority({1: "upheld", 2: "changed"}, chair_id=1) == "upheld"


def test_access(hav, client, auth, csrf, monkeypatch):
    d, case = _filed(hav, client, auth, csrf, monkeypatch)
    auth.login("elev2")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/decision-appeals/new?decision={d.id}").status_code == 404
    auth.logout()
    auth.login("klage3")  # not yet forwarded: the board has no part
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.post(f"/decision-appeals/{case.id}/forward").status_code in (400, 404)




# ---------------------------------------------------------------------------------------------
# A decision appealed shows its appeal, and where it is, instead of the button to appeal it.

def _shown(client, d) -> list[str]:
    """The decision as its case page and its letter page show it (spaces made single)."""
    page = client.get(f"/cases/{d.case_id}").get_data(as_text=True)
    letters = page[page.index('id="decisions-heading"'):page.index('id="docs-heading"')]
    letter = client.get(f"/cases/{d.case_id}/decisions/{d.id}").get_data(as_text=True)
    return [re.sub(r"\s+", " ", html) for html in (letters, letter)]


def _pdf_text(client, d) -> str:
    import io

    import pypdf

    response = client.get(f"/cases/{d.case_id}/decisions/{d.id}.pdf")
    assert response.status_code == 200
    pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


def test_an_appealed_decision_shows_its_appeal_and_where_it_is(hav, app, client, auth, csrf,
                                                               monkeypatch):
    """Once appealed, the decision (on its case page and its letter page) says when the
    student appealed, links the appeal's case and says where it is now, as it moves on, and
    offers no button to appeal again; its PDF stays the letter as it was issued. The case page
    keeps its letters' HTML (portal/fragments.py): what a worker serves from what it kept is
    checked here, not rendered again beside it."""
    from tests.statements import statements

    app.jinja_env.portal_rows_check = False
    d = _decision(hav)
    button = f"/decision-appeals/new?decision={d.id}"
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    assert all(button in html and "Du klaget" not in html for html in _shown(client, d))
    before = statements(client, f"/cases/{d.case_id}")
    issued = _pdf_text(client, d)
    assert _file(client, csrf, d).status_code == 303
    case = Case.get(Case.kind == "decision_appeal")
    appealed = (f'Du klaget på dette vedtaket 12. oktober 2026. <a href="/cases/{case.id}">Sak '
                f'{case.reference}</a>: <span class="badge state-{{}}">{{}}</span>')
    for html in _shown(client, d):
        assert appealed.format("filed", "Mottatt") in html  # (the list's label: no school read)
        assert button not in html and "Klag på vedtaket" not in html
    assert statements(client, f"/cases/{d.case_id}") == before
    assert _pdf_text(client, d) == issued  # the letter as issued: no appeal in it
    auth.logout()

    auth.login("rektor")
    page = f"/cases/{case.id}"
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()
    auth.login("elev1")
    assert all(appealed.format("with_board", "Hos klageinstansen") in html
               for html in _shown(client, d))
    auth.logout()

    auth.login("klage3")
    _on(monkeypatch, date(2026, 10, 28))
    k3 = hav.klage[2]
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": "2026-10-28",
        "chair": str(k3.id), f"vote_{k3.id}": "upheld", "minutes": "Møte."}).status_code == 303
    auth.logout()
    auth.login("elev1")
    for html in _shown(client, d):
        assert appealed.format("decided", "Avgjort av klageinstansen") in html
        assert button not in html
    # the form itself still sends to the appeal (were it reached by an old page)
    assert client.get(button).headers["Location"].endswith(f"/cases/{case.id}")


def test_staff_see_a_decision_is_appealed_and_its_case_only_with_a_part_in_it(
        hav, client, auth, csrf, monkeypatch):
    """Staff who read the decision see that it is appealed, when and the appeal's case
    number; the link to that case, and where it is, only when they hold a part in it (its
    pages are 404 to anyone else), never what the appeal says."""
    d, case = _filed(hav, client, auth, csrf, monkeypatch, by=hav.klage[0])
    add_participant(d.case, hav.laerer1, "contact_teacher")
    told = f"Vedtaket ble påklaget 12. oktober 2026. Sak {case.reference}."
    linked = (f'Vedtaket ble påklaget 12. oktober 2026. <a href="/cases/{case.id}">Sak '
              f'{case.reference}</a>: <span class="badge state-{{}}">{{}}</span>')

    def seen_by(who):
        auth.login(who)
        shown = _shown(client, d)
        reaches = client.get(f"/cases/{case.id}").status_code
        auth.logout()
        for html in shown:
            assert "Du klaget" not in html and "decision-appeals/new" not in html
            for text in ("Utvidet tid 60 min.", "Legeerklæringen sier 60."):
                assert text not in html
        return shown, reaches

    # the contact teacher and the member who decided (before the appeal reaches the board)
    for who in ("laerer1", "klage1"):
        shown, reaches = seen_by(who)
        assert reaches == 404
        assert all(told in html and f'href="/cases/{case.id}"' not in html
                   and 'class="badge state-filed"' not in html for html in shown), who
    # the principal, who reads the decision as the appeal's first instance
    shown, reaches = seen_by("rektor")
    assert reaches == 200
    assert all(linked.format("filed", "Mottatt") in html for html in shown)
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()
    # the member who decided now holds a part in the appeal (recused): its link, its state
    shown, reaches = seen_by("klage1")
    assert reaches == 200
    assert all(linked.format("with_board", "Hos klageinstansen") in html for html in shown)
    shown, reaches = seen_by("laerer1")
    assert reaches == 404 and all(told in html and "Hos klageinstansen" not in html
                                  for html in shown)


def test_a_withdrawn_appeal_is_shown_and_the_decision_may_be_appealed_again(
        hav, client, auth, csrf, monkeypatch):
    from portal.cases.engine import apply

    d, case = _filed(hav, client, auth, csrf, monkeypatch)
    apply(Case.get_by_id(case.id), "withdraw", actor=hav.elev1,
          expected_version=Case.get_by_id(case.id).version)
    button = f"/decision-appeals/new?decision={d.id}"
    auth.login("elev1")
    for html in _shown(client, d):
        assert (f'<a href="/cases/{case.id}">Sak {case.reference}</a>: '
                '<span class="badge state-withdrawn">Trukket tilbake</span>') in html
        assert button in html
    assert _file(client, csrf, d).status_code == 303
    again = Case.select().where((Case.kind == "decision_appeal") & (Case.id != case.id)).get()
    for html in _shown(client, d):
        assert f'<a href="/cases/{again.id}">Sak {again.reference}</a>: ' in html
        assert f'href="/cases/{case.id}"' not in html and button not in html


RECEIVED_ALREADY = ("En klage på dette vedtaket er allerede mottatt. Klagen du nettopp sendte, "
                    "er ikke registrert; her er den som er mottatt.")


def test_sent_again_from_a_form_loaded_before_one_appeal_is_filed(hav, client, auth, csrf,
                                                                  monkeypatch):
    """A second form, loaded before the first was sent and sent after it: nothing more is
    filed; the student is told the appeal is received already and led to it."""
    d = _decision(hav)
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={d.id}"
    second = client.get(url).get_data(as_text=True)
    assert _file(client, csrf, d).status_code == 303
    response = client.post(url, data={
        "csrf_token": csrf(second), "change_wanted": "Noe annet.", "reasons": "Andre grunner.",
        "confirm": "y", "password": "demo"})
    [case] = Case.select().where(Case.kind == "decision_appeal")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert RECEIVED_ALREADY in client.get(response.headers["Location"]).get_data(as_text=True)
    assert DecisionAppeal.get().change_wanted == "Utvidet tid 60 min."


def test_two_tabs_appealing_at_the_same_moment_file_one_appeal(app, hav, client, auth, csrf,
                                                               monkeypatch):
    """The student appeals one decision from two tabs (two forms, each loaded anew) at the
    same moment. Both appeals are under way while another transaction holds the school
    year's case counter (PostgreSQL: its row, FOR UPDATE; SQLite: the one writer), which
    filing updates. One appeal is filed, and its principal told once; the other tab is told
    it is received already and led to it. Without the student held and the appeals asked
    again inside the filing's transaction, each found none and filed its own: two appeals on
    one decision, the decision's page showing the newest."""
    from portal.models import CaseCounter
    from tests.tabs import one_form_sent_from_two_tabs_at_once

    d = _decision(hav)
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    answers = one_form_sent_from_two_tabs_at_once(
        app, client, csrf, f"/decision-appeals/new?decision={d.id}",
        {"change_wanted": "Utvidet tid 60 min.", "reasons": "Legeerklæringen sier 60.",
         "confirm": "y", "password": "demo"},
        CaseCounter.select(CaseCounter.id).where(CaseCounter.school == hav.school))
    [case] = Case.select().where(Case.kind == "decision_appeal")
    assert DecisionAppeal.select().count() == 1
    assert [r.status_code for _tab, r in answers] == [303, 303]
    assert all(r.headers["Location"].endswith(f"/cases/{case.id}") for _tab, r in answers)
    told = [RECEIVED_ALREADY in tab.get(r.headers["Location"]).get_data(as_text=True)
            for tab, r in answers]
    assert sorted(told) == [False, True]
    assert [n.user_id for n in Notification.select().join(Case).where(
        Case.kind == "decision_appeal")] == [hav.rektor.id]


def test_case_page_statements_do_not_grow_with_board_votes(hav, client, auth, csrf,
                                                           monkeypatch):
    from tests.factories import make_user
    from tests.statements import statements

    d, case = _filed(hav, client, auth, csrf, monkeypatch, by=hav.klage[0])
    auth.login("rektor")
    page = f"/cases/{case.id}"
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward",
                     {"version": case.version, "assessment": "Ingen grunn."}).status_code == 303
    auth.logout()
    auth.login("klage3")
    k3 = hav.klage[2]
    _on(monkeypatch, date(2026, 10, 28))  # (the meeting's day)
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide",
                     {"version": case.version + 1, "meeting_on": "2026-10-28",
                      "chair": str(k3.id), f"vote_{k3.id}": "upheld",
                      "minutes": "Møte."}).status_code == 303
    auth.logout()
    for who in ("elev1", "rektor", "klage3"):
        auth.login(who)
        few = statements(client, page)
        appeal = DecisionAppeal.get()
        extra = [make_user(f"medlem{who}{n}", ["appeals_board"], hav.school,
                           f"Ekstra Medlem{who}{n}") for n in range(6)]
        for member in extra:
            BoardVote.create(appeal=appeal, member=member, vote="changed")
        assert statements(client, page) == few, who
        html = client.get(page).get_data(as_text=True)
        assert all(m.full_name in html for m in extra) and "Klage Medlem3" in html
        BoardVote.delete().where(BoardVote.member.in_(extra)).execute()
        auth.logout()


# ---------------------------------------------------------------------------------------------
# Those who decide an appeal read the appealed case (its page, letters, documents), nobody else.

def _attach(case, user, is_health, name="legeerklaering.pdf"):
    from portal.models import Attachment

    return Attachment.create(case=case, uploaded_by=user, filename=name,
                             content_type="application/pdf", size=9, sha256="0" * 64,
                             is_health=is_health, data=b"%PDF-1.4\n")


def _urls(d, documents):
    return [f"/cases/{d.case_id}", f"/cases/{d.case_id}/status",
            f"/cases/{d.case_id}/decisions/{d.id}",
            *(f"/cases/{d.case_id}/documents/{a.id}" for a in documents)]


def _answers(client, auth, who, urls):
    auth.login(who)
    codes = [client.get(url).status_code for url in urls]
    auth.logout()
    return codes


def _appeal_on_a_health_case(hav, client, auth, csrf, monkeypatch):
    """A decision by klage1 (so rektor has no part in its case; klage2 took part in it and is
    recused on the board), its case holding a doctor's note and another document."""
    d = _decision(hav, by=hav.klage[0])
    documents = [_attach(d.case, hav.elev1, True),
                 _attach(d.case, hav.elev1, False, "timeplan.pdf")]
    return d, documents


def test_the_first_instance_and_the_board_read_the_appealed_case(hav, client, auth, csrf,
                                                                 monkeypatch):
    from portal.cases.engine import TransitionRefused, check
    from portal.models import AttachmentAccess, CaseListing, Participant

    d, documents = _appeal_on_a_health_case(hav, client, auth, csrf, monkeypatch)
    urls = _urls(d, documents)
    assert _answers(client, auth, "rektor", urls) == [404] * len(urls)  # no appeal yet
    case = _appealed(client, auth, csrf, monkeypatch, d)
    # The principal follows the appeal's link to the decision appealed, its letter and its
    # documents, the doctor's note included, and each opening is logged.
    auth.login("rektor")
    appeal_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{d.case_id}"' in appeal_page
    page = client.get(f"/cases/{d.case_id}").get_data(as_text=True)
    assert "Utvidet tid 30 min." in page and "Uttalelse" in page
    assert f"/cases/{d.case_id}/documents/{documents[0].id}" in page
    assert client.get(f"/cases/{d.case_id}/status").status_code == 200
    letter = client.get(f"/cases/{d.case_id}/decisions/{d.id}").get_data(as_text=True)
    assert "Dokumentert behov." in letter
    assert client.get(f"/cases/{d.case_id}/documents/{documents[0].id}").status_code == 200
    assert [(a.user_id, a.part) for a in AttachmentAccess.select()] == [
        (hav.rektor.id, "appeal_reviewer")]
    auth.logout()
    # ... but takes no part in it: no step, no list or work queue, no notifications
    with pytest.raises(TransitionRefused):
        check(Case.get_by_id(d.case_id), "decide", hav.rektor)
    assert not Participant.select().where((Participant.case == d.case_id)
                                          & (Participant.user == hav.rektor)).exists()
    assert not CaseListing.select().where((CaseListing.case == d.case_id)
                                          & (CaseListing.user == hav.rektor)).exists()
    # The board reads nothing before the appeal is forwarded to it.
    assert _answers(client, auth, "klage3", urls) == [404] * len(urls)
    _forward(client, auth, csrf, case)
    assert _answers(client, auth, "klage3", urls) == [200] * len(urls)
    assert AttachmentAccess.select().where(
        (AttachmentAccess.user == hav.klage[2]) & (AttachmentAccess.part == "appeal_reviewer")
        & (AttachmentAccess.attachment == documents[0])).exists()
    # Nobody else: the recused member, the school's other staff and students, another
    # school's principal.
    from portal.models import School
    from tests.factories import make_user

    elsewhere = School.create(name="Annen skole", code="annen", profile="havbruk")
    make_user("rektor2", ["principal"], elsewhere, "Rolf Rektor")
    for who in ("klage2", "laerer1", "trinn1", "elev2", "eksamen", "rektor2"):
        assert _answers(client, auth, who, urls) == [404] * len(urls), who


def test_a_withdrawn_appeal_gives_nothing(hav, client, auth, csrf, monkeypatch):
    from portal.cases.engine import apply

    d, documents = _appeal_on_a_health_case(hav, client, auth, csrf, monkeypatch)
    case = _appealed(client, auth, csrf, monkeypatch, d)
    _forward(client, auth, csrf, case)
    urls = _urls(d, documents)
    assert _answers(client, auth, "klage3", urls) == [200] * len(urls)
    case = Case.get_by_id(case.id)
    apply(case, "withdraw", actor=hav.elev1, expected_version=case.version)
    for who in ("rektor", "klage3"):
        assert _answers(client, auth, who, urls) == [404] * len(urls), who


def _appealed(client, auth, csrf, monkeypatch, decision):
    """elev1 appeals `decision` on 12 October 2026; the appeal's case."""
    _on(monkeypatch, date(2026, 10, 12))
    auth.login("elev1")
    assert _file(client, csrf, decision).status_code == 303
    auth.logout()
    return Case.get(Case.kind == "decision_appeal")


def _forward(client, auth, csrf, case):
    """The principal forwards the appeal to the board."""
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/decision-appeals/{case.id}/forward",
                     {"version": case.version, "assessment": "Ingen grunn."}).status_code == 303
    auth.logout()


def test_an_appeal_reviewer_reads_decisions_kept_from_other_parts():
    kind = Kind(code="x", label="x", initial="open", states=[State("open", "Åpen")],
                transitions=[], decision_readers=frozenset({"student"}))
    assert kind.reads_decisions({"appeal_reviewer"})
    assert not kind.reads_decisions({"teacher"})


def test_appealed_case_page_statements_do_not_grow(hav, client, auth, csrf, monkeypatch):
    from tests.statements import statements

    d, documents = _appeal_on_a_health_case(hav, client, auth, csrf, monkeypatch)
    appeal = _appealed(client, auth, csrf, monkeypatch, d)
    page = f"/cases/{d.case_id}"
    auth.login("rektor")
    few = statements(client, page)
    for n in range(4):
        _attach(d.case, hav.elev1, n % 2 == 0, f"vedlegg{n}.pdf")
        note(d.case, actor=hav.klage[0], role="principal", action="comment", text=f"Notat {n}")
        decisions.issue(d.case, outcome="refused", summary=f"Vedtak {n}", reasons="Grunn.",
                        rule_reference="forskriften § 4-5", decided_by=hav.klage[0],
                        role="principal")
    for n in range(4):  # more principals on the appeal
        from tests.factories import make_user

        add_participant(appeal, make_user(f"rektor{n + 3}", ["principal"], hav.school),
                        "principal")
    assert statements(client, page) == few


# ---------------------------------------------------------------------------------------------
# The body that hears the appeal is the one the appealed decision's letter names
# (Decision.appeal_body, from the school's rule profile): the page's steps and headings, the
# timeline, the status fragment, the flash messages and the notifications name it, not a fixed
# "klagenemnda".

@pytest.fixture(params=[("nki", "NKIs klageinstans"), ("vgs", "Klagenemnda i fylkeskommunen")],
                ids=["nki", "vgs"])
def bodies(request, db):
    """A school whose appeal body is not called klagenemnda (NKI) and one whose is (a vgs):
    (the school, its body as the letter names it)."""
    profile, body = request.param
    REGISTRY[ORIGINAL.code] = ORIGINAL
    s = make_havbruk(profile=profile, code=f"test-{profile}")
    yield s, body
    REGISTRY.pop(ORIGINAL.code)


def _status_block(html: str) -> str:
    block = re.search(r'<section id="case-status".*?</section>', html, flags=re.S).group(0)
    return " ".join(block.split())


def test_the_news_of_a_change_in_the_students_favour_names_the_first_instance(
        bodies, client, auth, csrf, monkeypatch):
    """Who changed the decision, as the profile names the first instance (NKI: the
    undervisningsdirektør), not a fixed "rektor"."""
    s, _body = bodies
    d, case = _filed(s, client, auth, csrf, monkeypatch, outcome="partly_granted")
    auth.login("rektor")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/decision-appeals/{case.id}/reverse",
                     {"version": case.version, "outcome": "granted", "reasons": "Medhold."}
                     ).status_code == 303
    auth.logout()
    First = {"nki": "Undervisningsdirektør", "vgs": "Rektor"}[s.school.profile]
    auth.login("elev1")
    listed = " ".join(client.get("/notifications/").get_data(as_text=True).split())
    assert f"{First} har endret vedtaket til gunst for deg." in listed
    if First != "Rektor":
        assert "Rektor har endret" not in listed
    # the letters: the new decision's, on its page and in its PDF's page, names who decided
    # as the first instance; the decision appealed says who changed it
    new = Decision.get(Decision.case == case.id)
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/decisions/{new.id}"):
        page = " ".join(client.get(url).get_data(as_text=True).split())
        assert f'<dd data-part="decided-by">Rita Rektor ({First})</dd>' in page, url
    appealed = " ".join(client.get(f"/cases/{d.case_id}").get_data(as_text=True).split())
    assert f"Dette vedtaket ble endret etter klage av {First.lower()} " in appealed


def test_the_appeal_names_the_body_its_letter_names(bodies, client, auth, csrf, monkeypatch):
    s, Body = bodies
    body = Body[0].lower() + Body[1:] if Body[1].islower() else Body  # (inside a sentence)
    give_emails(s.elev1, s.rektor)
    d, case = _filed(s, client, auth, csrf, monkeypatch)
    assert d.appeal_body == Body
    page, status = f"/cases/{case.id}", f"/cases/{case.id}/status"
    pages = []

    def seen(url, **kw):
        html = " ".join(client.get(url, **kw).get_data(as_text=True).split())
        pages.append(html)
        return html

    auth.login("rektor")
    html = seen(page)
    assert html.count(f"Send til {body}") == 2  # (the form's heading and its button)
    assert f"Din vurdering av klagen (sendes til {body})" in html
    assert f"Medlemmer av {body} som ikke kan delta" in html
    _on(monkeypatch, date(2026, 10, 15))
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/forward", {
        "version": case.version, "assessment": "Ingen grunn til endring."})
    assert response.status_code == 303
    html = seen(page)
    assert f"Klagen er sendt til {body}." in html  # (the flash)
    # with the assessment of the first instance the profile names (NKI: the
    # undervisningsdirektør), in the timeline and its heading on the page
    first = s.school.rules.value("decision_appeal_first_instance")
    assert first == {"nki": "undervisningsdirektør", "vgs": "rektor"}[s.school.profile]
    sent = f"Sendt til {body} med vurderingen fra {first}"
    assert sent in _status_block(html) and sent in html[html.index('id="timeline-heading"'):]
    assert f"<h3>Vurderingen fra {first}</h3>" in html
    if first != "rektor":
        assert "rektors vurdering" not in html.lower()
    assert _status_block(seen(status)) == _status_block(html)  # (the live fragment alike)
    # the state: on the page and its status, the body the letter names; in a list, which
    # reads no decision, the generic word, true of any body
    assert f"Hos {body}" in _status_block(html)
    auth.logout()

    auth.login("elev1")
    listed = seen("/notifications/")
    assert f"Klagen din er sendt til {body}." in listed
    assert "Hos klageinstansen" in seen("/home")
    auth.logout()

    auth.login("klage3")
    html = seen(page)
    assert f"Før inn vedtaket fra {body}" in html
    k3 = s.klage[2]
    _on(monkeypatch, date(2026, 10, 28))
    response = post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": "2026-10-28",
        "chair": str(k3.id), f"vote_{k3.id}": "upheld", "minutes": "Møte."})
    assert response.status_code == 303
    assert f"Vedtaket fra {body} er ført inn: Vedtaket opprettholdes." in seen(page)
    auth.logout()

    auth.login("elev1")
    html = seen(page)
    assert f'id="board-result-heading">Vedtaket fra {body}</h2>' in html
    assert f"Avgjort av {body}" in html[html.index('id="timeline-heading"'):]
    assert f"Avgjort av {body}" in _status_block(seen(status))
    assert f"{Body} har avgjort klagen din." in seen("/notifications/")
    auth.logout()
    # (the staff's sentence: a notification of the board's decision, should a rule send the
    # principal one; none does now)
    decided = Event.get((Event.case == case.id) & (Event.action == "decide"))
    Notification.create(user=s.rektor, case=case, event=decided, kind="case_update",
                        text_key="case_update")
    auth.login("rektor")
    assert f"{Body} har avgjort klagen på vedtaket." in seen("/notifications/")
    auth.logout()
    # the e-mails name it too (the news, read when the event was written)
    subjects = {o.subject for o in Outbox.select().where(Outbox.recipient == "elev1@skole.test")}
    assert any(f"Klagen din er sendt til {body}" in sub for sub in subjects), subjects
    assert any(f"{Body} har avgjort klagen din" in sub for sub in subjects), subjects
    if "klagenemnd" not in Body.lower():  # nothing calls it what it is not called here
        assert not [html for html in pages if "klagenemnda" in html.lower()]


def _timeline(html: str) -> str:
    return html[html.index('id="timeline-heading"'):]


def test_the_timeline_names_the_body_its_members_sit_in(bodies, client, auth, csrf,
                                                        monkeypatch):
    """A member of the body who acted is named, in the timeline, by the body the letter names
    ("Klage Medlem3 (NKIs klageinstans)"), not a fixed "Klagenemnd"; a recused member as a
    member of it. Elsewhere, where no case names the body, the part keeps its word."""
    s, Body = bodies
    body = Body[0].lower() + Body[1:] if Body[1].islower() else Body  # (inside a sentence)
    case, page = _forwarded(s, client, auth, csrf, monkeypatch)
    # (no step gives a recused member an event today; the timeline names any event's part)
    note(case, actor=s.klage[1], role="board_recused", action="comment", text="Merknad.")
    k3 = s.klage[2]
    auth.login("klage3")
    _on(monkeypatch, date(2026, 10, 28))
    assert post_form(client, csrf, page, f"/decision-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "meeting_on": "2026-10-28",
        "chair": str(k3.id), f"vote_{k3.id}": "upheld", "minutes": "Møte."}).status_code == 303
    auth.logout()
    for username in ("elev1", "rektor", "klage3"):
        auth.login(username)
        timeline = _timeline(" ".join(client.get(page).get_data(as_text=True).split()))
        auth.logout()
        assert f"Klage Medlem3 ({Body})" in timeline, username
        assert f"Klage Medlem2 (Medlem av {body}, inhabil)" in timeline, username
        assert "Klagenemnd)" not in timeline and "klagenemnda, inhabil" not in timeline
