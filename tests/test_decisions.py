"""The decision letter (enkeltvedtak): every required part, the page and the PDF, asking for
reasons (which restarts the appeal deadline), and access."""

import io
import re
from datetime import date, datetime

import pypdf
import pytest

from portal.cases import decisions
from portal.cases.engine import add_participant, open_case
from portal.models import Decision, utcnow
from portal.security import CSRF_STAND_IN, unmask_csrf_token
from tests.test_exams import make_hav


@pytest.fixture
def hav(db):
    return make_hav()


@pytest.fixture
def decided(hav):
    """A decided exam adaptation case on havbruk, decided Friday 4 Dec 2026 without reasons."""
    case = open_case("exam_adaptation", school=hav.school, school_year=hav.year,
                     student=hav.elev1, title="Tilrettelegging: Norsk", actor=hav.elev1,
                     participants=[(hav.principal, "principal")])
    decision = decisions.issue(case, outcome="partly_granted",
                               summary="Utvidet tid: Delvis innvilget, 30 min",
                               reasons="", rule_reference="jf. forskriften § 4-5 (4)",
                               decided_by=hav.principal, role="principal",
                               decided_at=datetime(2026, 12, 4, 10, 0))
    hav.case, hav.decision = case, decision
    return hav


def _text(html):
    return re.sub(r"\s+", " ", html)


def test_appeal_deadline_is_three_weeks_rolled_past_christmas(decided):
    # 4 Dec + 3 weeks = Friday 25 Dec (Christmas Day) -> 26 Dec (holiday) -> Monday 28 Dec.
    assert decided.decision.appeal_deadline == date(2026, 12, 28)


def test_the_letter_has_every_required_part(decided, client, auth):
    auth.login("elev1")
    page = client.get(f"/cases/{decided.case.id}/decisions/{decided.decision.id}")
    assert page.status_code == 200
    html = _text(page.get_data(as_text=True))
    # who decided and when
    assert "Randi Rektor" in html and "Rektor" in html
    assert "4. des. 2026 kl. 11:00" in html
    # the decision
    assert "Utvidet tid: Delvis innvilget, 30 min" in html
    # the reasons (here: none, and how to ask for them)
    assert 'data-part="reasons"' in html and "forvaltningsloven § 24" in html
    # the rule applied
    assert "jf. forskriften § 4-5 (4)" in html
    # the right to appeal
    assert 'data-part="right-to-appeal"' in html
    # the deadline, computed, with its date and its rule
    assert "28. desember 2026" in html and "3 uker" in html and "forskriften § 7-2" in html
    # the appeal body
    assert "Skolens lokale klagenemnd" in html
    # how to appeal
    assert 'data-part="how-to-appeal"' in html and "forvaltningsloven § 31" in html
    # the right to see the case documents
    assert "forvaltningsloven § 18" in html
    # page and PDF
    assert f"/cases/{decided.case.id}/decisions/{decided.decision.id}.pdf" in html


def test_the_case_page_shows_the_letter(decided, client, auth):
    auth.login("elev1")
    html = _text(client.get(f"/cases/{decided.case.id}").get_data(as_text=True))
    assert "Utvidet tid: Delvis innvilget, 30 min" in html and "28. desember 2026" in html


def test_the_appeal_button_only_when_the_appeal_kind_exists(decided, app, client, auth):
    auth.login("elev1")
    html = client.get(f"/cases/{decided.case.id}/decisions/{decided.decision.id}").get_data(
        as_text=True)
    link = f"decision={decided.decision.id}"
    if decisions.APPEAL_ENDPOINT in app.view_functions:
        assert link in html
    else:
        assert link not in html


def test_the_pdf_is_a_real_pdf_with_the_letter(decided, client, auth):
    auth.login("elev1")
    response = client.get(f"/cases/{decided.case.id}/decisions/{decided.decision.id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    for part in ("Randi Rektor", "Utvidet tid: Delvis innvilget, 30 min",
                 "forskriften § 4-5 (4)", "28. desember 2026", "Skolens lokale klagenemnd",
                 "forvaltningsloven § 18", decided.case.reference):
        assert part in text, part


def test_asking_for_reasons_restarts_the_appeal_deadline(decided, client, auth, csrf):
    url = f"/cases/{decided.case.id}/decisions/{decided.decision.id}"
    auth.login("elev1")
    page = client.get(url).get_data(as_text=True)
    response = client.post(url + "/ask-reasons", data={"csrf_token": csrf(page)})
    assert response.status_code == 303
    assert Decision.get_by_id(decided.decision.id).reasons_requested_at is not None
    auth.logout()
    auth.login("rektor")
    page = client.get(url).get_data(as_text=True)
    empty = client.post(url + "/reasons", data={"csrf_token": csrf(page), "reasons": ""})
    assert empty.status_code == 422
    response = client.post(url + "/reasons", data={"csrf_token": csrf(page),
                                                   "reasons": "Dokumentert behov for 30 min."})
    assert response.status_code == 303
    decision = Decision.get_by_id(decided.decision.id)
    assert decision.reasons == "Dokumentert behov for 30 min."
    from portal.rules.calendar import oslo_date
    from portal.rules.deadlines import restart

    rule = decided.school.rules.rule("decision_appeal_deadline")
    assert decision.appeal_deadline == restart(oslo_date(utcnow()), rule)


def test_reasons_given_on_a_real_date(decided):
    # Reasons received Thursday 4 March 2027: 3 weeks = 25 March, Maundy Thursday; Good
    # Friday, the weekend and Easter Monday follow, so the deadline is Tuesday 30 March.
    d = decisions.reasons_given(decided.decision, "Grunner.", at=datetime(2027, 3, 4, 10))
    assert d.appeal_deadline == date(2027, 3, 30)
    assert d.reasons_given_at == datetime(2027, 3, 4, 10)


def test_only_the_student_asks_and_only_the_decider_answers(decided, client, auth, csrf):
    url = f"/cases/{decided.case.id}/decisions/{decided.decision.id}"
    auth.login("rektor")
    page = client.get(url).get_data(as_text=True)
    assert client.post(url + "/ask-reasons", data={"csrf_token": csrf(page)}).status_code == 404
    auth.logout()
    auth.login("elev1")
    page = client.get(url).get_data(as_text=True)
    assert client.post(url + "/reasons", data={"csrf_token": csrf(page),
                                               "reasons": "x"}).status_code == 404


def test_no_letter_for_those_without_a_part(decided, client, auth):
    url = f"/cases/{decided.case.id}/decisions/{decided.decision.id}"
    for user in ("elev2", "eksamen", "laerer1"):
        auth.login(user)
        assert client.get(url).status_code == 404
        assert client.get(url + ".pdf").status_code == 404
        auth.logout()
    add_participant(decided.case, decided.laerer1, "contact_teacher")
    auth.login("laerer1")
    assert client.get(url).status_code == 200
    assert client.get(f"/cases/{decided.case.id}/decisions/99999").status_code == 404


def _letters(client, case) -> str:
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    return html[html.index('id="decisions-heading"'):html.index('id="docs-heading"')]


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def _same_letter(html: str) -> str:
    """The letters with their forms' tokens unmasked (each response masks its own)."""
    return re.sub(r'(name="csrf_token" value=")([^"]+)"',
                  lambda m: m.group(1) + unmask_csrf_token(m.group(2)) + '"', html)


def test_a_letter_on_the_case_page_is_kept_as_it_would_be_rendered_now(decided, app, client,
                                                                       auth, csrf, monkeypatch):
    """The case page keeps a decision letter's HTML (portal/fragments.py, letter_key): the
    same as rendered without the cache, the student's form with the response's own masked
    token of the session (never a token kept from another response or session), and the
    letter as it is after reasons are asked for and given."""
    from tests.conftest import Auth

    case = decided.case
    auth.login("elev1")
    first = _letters(client, case)
    assert "Ask for the reasons" in first or "Be om begrunnelse" in first
    # later requests of the session (flask-wtf would sign its token with a later time: the
    # page's forms carry the session's token signed once, portal.forms)
    import itsdangerous.timed

    later = itsdangerous.timed.time.time() + 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    kept, app.jinja_env.portal_rows = app.jinja_env.portal_rows, None
    fresh = _letters(client, case)
    assert _same_letter(fresh) == _same_letter(first)
    app.jinja_env.portal_rows = kept
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    again = _letters(client, case)
    assert _same_letter(again) == _same_letter(first)
    assert len(_tokens(first) | _tokens(fresh) | _tokens(again)) == 3  # masked each time
    assert CSRF_STAND_IN not in page and _tokens(page) == {csrf(page)}  # the page's one mask

    other = app.test_client()  # the student in another session: their own token in the form
    Auth(other).login("elev1")
    page = other.get(f"/cases/{case.id}").get_data(as_text=True)
    theirs = _letters(other, case)
    assert {unmask_csrf_token(t) for t in _tokens(theirs)} == {unmask_csrf_token(csrf(page))}
    assert unmask_csrf_token(csrf(page)) not in {unmask_csrf_token(t) for t in _tokens(first)}

    url = f"/cases/{case.id}/decisions/{decided.decision.id}"
    assert client.post(url + "/ask-reasons", data={"csrf_token": csrf(first)}).status_code == 303
    asked = _letters(client, case)
    assert asked != first and not _tokens(asked)
    decisions.reasons_given(Decision.get_by_id(decided.decision.id), "Dokumentert behov.")
    assert "Dokumentert behov." in _letters(client, case)


def test_a_kinds_outcomes_are_named_once(monkeypatch):
    """A kind registers its own decision outcomes; one another kind labels differently is
    refused when the kind is loaded, not shown with either label by chance."""
    from portal.i18n import lazy_gettext as _l

    monkeypatch.setattr(decisions, "OUTCOMES", dict(decisions.OUTCOMES))
    decisions.register_outcomes({"new_grading": _l("New grading"), "test_only": _l("Test")})
    assert str(decisions.OUTCOMES["test_only"]) == "Test"
    with pytest.raises(ValueError, match="granted"):
        decisions.register_outcomes({"granted": _l("Given")})
