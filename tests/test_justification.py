"""Grade justification: request deadlines by exam form and channel on real dates, routing,
answer or delay, and the restart of the grade-appeal deadline."""

import re
from datetime import date

import pytest

from portal.grades import deadlines as dl
from portal.kinds.justification.models import JustificationRequest
from portal.models import Case
from portal.rules import calendar as cal
from tests.grading import make_exam, make_grade, make_havbruk, oslo, post_form


@pytest.fixture
def hav(db):
    return make_havbruk()


def _on(monkeypatch, day):
    monkeypatch.setattr(cal, "today", lambda: day)


def test_electronic_request_deadline_one_week_rolled_past_easter(hav):
    # Published Thursday 18 March 2027; one week ends Skjærtorsdag 25 March -> Tuesday 30 March.
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 18))
    d = dl.justification_request_deadline(grade)
    assert d.due == date(2027, 3, 30) and d.rolled_from == date(2027, 3, 25)
    assert "forskriften § 4-9 (1) a" in d.describe() and "Skjærtorsdag" in d.describe()


def test_oral_exam_at_once_and_refused_the_next_day(hav, client, auth, csrf, monkeypatch):
    exam = make_exam(hav, form="oral", day=date(2027, 6, 2))
    grade = make_grade(hav, exam, hav.elev1, published=date(2027, 6, 2), channel="other")
    assert dl.justification_request_deadline(grade).due == date(2027, 6, 2)
    auth.login("elev1")
    at_once = "(straks da karakteren ble gitt, jf. forskriften § 4-9 (1) a)."
    _on(monkeypatch, date(2027, 6, 2))
    card = _card(client, grade)
    assert f"Fristen er 2. juni 2027 {at_once}" in card and "0 dager" not in card
    _on(monkeypatch, date(2027, 6, 3))
    url = f"/justifications/new?grade={grade.id}"
    page = client.get(url).get_data(as_text=True)
    assert f"Fristen var 2. juni 2027 {at_once}" in page and "0 dager" not in page
    response = post_form(client, csrf, url, url, {})
    assert response.status_code == 422
    assert not JustificationRequest.select().exists()


def test_other_channel_one_week_from_learning_but_at_most_three_weeks(hav):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22),
                       channel="other")
    assert dl.justification_request_deadline(grade, date(2027, 1, 25)).due == date(2027, 2, 1)
    # learned 8 Feb: one week would be 15 Feb, but never later than 3 weeks (12 Feb).
    assert dl.justification_request_deadline(grade, date(2027, 2, 8)).due == date(2027, 2, 12)


def test_nki_three_weeks(db):
    nki = make_havbruk(profile="nki", code="test-nki")
    grade = make_grade(nki, make_exam(nki), nki.elev1, published=date(2027, 1, 22))
    assert dl.justification_request_deadline(grade).due == date(2027, 2, 12)


def _request(hav, client, auth, csrf, monkeypatch, grade, day):
    auth.login("elev1")
    _on(monkeypatch, day)
    url = f"/justifications/new?grade={grade.id}"
    response = post_form(client, csrf, url, url, {})
    assert response.status_code == 303, response.get_data(as_text=True)
    auth.logout()
    return Case.get(Case.kind == "justification")


def test_flow_route_answer_and_appeal_deadline_restarts(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    assert dl.grade_appeal_deadline(grade).due == date(2027, 2, 12)
    case = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    req = JustificationRequest.get(JustificationRequest.case == case)
    assert req.answer_due == date(2027, 2, 8)  # two weeks
    auth.login("eksamen")
    page = f"/cases/{case.id}"
    r = post_form(client, csrf, page, f"/justifications/{case.id}/route",
                  {"version": case.version, "examiners": [hav.sensor1.id]})
    assert r.status_code == 303
    auth.logout()
    auth.login("sensor1")
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": case.version + 1, "answer": ""})
    assert r.status_code == 422 and "Skriv begrunnelsen" in r.get_data(as_text=True)
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": case.version + 1, "answer": "Drøftingen manglet kilder."})
    assert r.status_code == 303
    # Received on Saturday 6 February 2027: three new weeks end Saturday 27 Feb -> Monday 1 Mar.
    JustificationRequest.update(answered_at=oslo(date(2027, 2, 6))).execute()
    d = dl.grade_appeal_deadline(grade)
    assert d.due == date(2027, 3, 1) and d.rolled_from == date(2027, 2, 27)
    auth.logout()
    auth.login("elev1")
    _on(monkeypatch, date(2027, 2, 8))
    html = client.get(page).get_data(as_text=True)
    assert "Drøftingen manglet kilder." in html and "1. mars 2027" in html
    assert "1. mars 2027" in client.get("/grades/").get_data(as_text=True)


def _with_examiner(hav, client, auth, csrf, monkeypatch):
    """A request routed to sensor1, who is logged in: (the case, its page)."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    case = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    auth.login("eksamen")
    page = f"/cases/{case.id}"
    post_form(client, csrf, page, f"/justifications/{case.id}/route",
              {"version": 1, "examiners": [hav.sensor1.id]})
    auth.logout()
    auth.login("sensor1")
    return case, page


def test_delay_shows_expected_date(hav, client, auth, csrf, monkeypatch):
    case, page = _with_examiner(hav, client, auth, csrf, monkeypatch)
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 2, "expected_on": "2027-02-01"})
    assert r.status_code == 422  # not after the deadline 8 February
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 2, "expected_on": "2027-02-15"})
    assert r.status_code == 303
    auth.logout()
    auth.login("elev1")
    html = client.get(page).get_data(as_text=True)
    assert "15. februar 2027" in html
    assert Case.get_by_id(case.id).state == "delayed"


def test_stale_version_gives_a_message(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    case = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    auth.login("eksamen")
    r = post_form(client, csrf, f"/cases/{case.id}", f"/justifications/{case.id}/route",
                  {"version": 99, "examiners": [hav.sensor1.id]})
    assert r.status_code == 303
    assert "endret saken" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert Case.get_by_id(case.id).state == "requested"


def test_a_step_not_taken_keeps_what_the_examiner_wrote(hav, client, auth, csrf,
                                                         monkeypatch):
    """The examiner writes the justification in one window after using "it will be late"
    in another: the answer comes back in its form, at the case's new version, to send again.
    Sent once more from a page where it was already given, the text is shown, not sent."""
    case, page = _with_examiner(hav, client, auth, csrf, monkeypatch)
    assert post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                     {"version": 2, "expected_on": "2027-02-15"}).status_code == 303
    # "it will be late" sent again from the old page: no longer offered; the page's answer
    # form is at the case's version, not the one sent
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 2, "expected_on": "2027-02-20"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Det er ikke lenger mulig" in html
    assert re.findall(r'name="version" type="hidden" value="(\d+)"', html) == ["3"]
    written = "Oppgave 2 manglet drøfting av kildene."
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": 2, "answer": written})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Noen andre endret saken" in html and "det du skrev står fortsatt" in html
    assert f"{written}</textarea>" in html
    assert 'name="version" type="hidden" value="3"' in html
    assert JustificationRequest.get(JustificationRequest.case == case).answer == ""
    assert post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                     {"version": 3, "answer": written}).status_code == 303
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": 3, "answer": "Et nytt utkast."})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Det er ikke lenger mulig" in html
    assert "Ikke sendt: det du skrev" in html and "Et nytt utkast." in html
    assert JustificationRequest.get(JustificationRequest.case == case).answer == written


def test_access(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    case = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    auth.login("elev2")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/justifications/new?grade={grade.id}").status_code == 404
    auth.logout()
    auth.login("sensor2")
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_student_withdraws_before_routing(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    case = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    auth.login("elev1")
    # not from the confirmation page: sent there, nothing withdrawn
    r = post_form(client, csrf, f"/cases/{case.id}", f"/justifications/{case.id}/withdraw",
                  {"version": case.version})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{case.id}/withdraw")
    assert Case.get_by_id(case.id).state == "requested"
    r = post_form(client, csrf, f"/cases/{case.id}/withdraw",
                  f"/justifications/{case.id}/withdraw",
                  {"version": case.version, "confirmed": "yes"})
    assert r.status_code == 303
    assert Case.get_by_id(case.id).state == "withdrawn"


def _route_choices(html: str) -> dict[int, bool]:
    """The examiners the exam office's routing offers, by user id: whether each is ticked."""
    inputs = re.findall(r'<input[^>]*name="examiners"[^>]*>', html)
    return {int(re.search(r'value="(\d+)"', i)[1]): " checked" in i for i in inputs}


def test_a_new_grade_after_an_appeal_is_justified_by_those_who_set_it(
        hav, client, auth, csrf, monkeypatch):
    """sensor1, the exam's examiner, set a D, which sensor4 justified; on appeal sensor2 and
    sensor3 were appointed as new examiners and set a B (sensor2 recorded it), final
    (forskriften § 4-9 (4)). The justification of the B is theirs to give: routing it, the
    exam office is offered the new examiners, both ticked, and neither sensor1 nor sensor4,
    who took no part in setting the B. An ordinary grade is still routed to its own
    examiners, ticked among the school's."""
    from portal.cases.engine import add_participant
    from portal.grades.models import Grade
    from portal.kinds.grade_appeal.models import GradeAppeal
    from portal.models import Participant, Subject
    from tests.factories import make_user
    from tests.statements import statements

    sensor4 = make_user("sensor4", ["examiner"], hav.school, "Sensor Nummer4")
    old = make_grade(hav, make_exam(hav), hav.elev1, letter="D", published=date(2027, 1, 22))

    def case(number, kind, state):
        return Case.create(school=hav.school, school_year=hav.year, number=number, kind=kind,
                           state=state, student=hav.elev1, title=kind)

    justified = case(900, "justification", "answered")
    add_participant(justified, sensor4, "examiner")
    JustificationRequest.create(case=justified, grade=old, requested_on=date(2027, 1, 25),
                                answer_due=date(2027, 2, 8), answer="D fordi …",
                                answered_at=oslo(date(2027, 1, 27)))
    appeal = case(901, "grade_appeal", "regraded")
    for examiner in (hav.sensor2, hav.sensor3):
        add_participant(appeal, examiner, "new_examiner")
    new = Grade.create(registration=old.registration, grade="B", graded_by=hav.sensor2,
                       published_at=oslo(date(2027, 2, 15)), origin="regrading", is_final=True)
    Grade.update(replaced_by=new).where(Grade.id == old.id).execute()
    GradeAppeal.create(case=appeal, grade=old, new_grade=new, filed_on=date(2027, 1, 29))

    def asked(grade):
        auth.login("elev1")
        url = f"/justifications/new?grade={grade.id}"
        assert post_form(client, csrf, url, url, {}).status_code == 303
        auth.logout()
        auth.login("eksamen")
        return JustificationRequest.get(JustificationRequest.grade == grade).case

    _on(monkeypatch, date(2027, 2, 16))
    request = asked(new)
    page = f"/cases/{request.id}"
    assert _route_choices(client.get(page).get_data(as_text=True)) == {
        hav.sensor2.id: True, hav.sensor3.id: True}
    assert statements(client, page) <= 12
    for examiner in (hav.sensor1, sensor4):
        r = post_form(client, csrf, page, f"/justifications/{request.id}/route",
                      {"version": request.version, "examiners": [examiner.id]})
        assert r.status_code == 422 and Case.get_by_id(request.id).state == "requested"
    r = post_form(client, csrf, page, f"/justifications/{request.id}/route",
                  {"version": request.version, "examiners": [hav.sensor2.id, hav.sensor3.id]})
    assert r.status_code == 303
    assert {p.user_id for p in Participant.select().where(
        (Participant.case == request) & (Participant.part == "examiner"))} == {
        hav.sensor2.id, hav.sensor3.id}
    auth.logout()
    # an ordinary grade: its exam's examiner and whoever recorded it (sensor1), ticked
    hav.subject = Subject.create(school=hav.school, code="HAV102", name="Fôrteknologi")
    ordinary = make_grade(hav, make_exam(hav, examiner=hav.sensor3), hav.elev1,
                          published=date(2027, 2, 15))
    request = asked(ordinary)
    assert _route_choices(client.get(f"/cases/{request.id}").get_data(as_text=True)) == {
        hav.sensor1.id: True, hav.sensor2.id: False, hav.sensor3.id: True, sensor4.id: False}


def _examiner_form(html: str) -> str:
    """The examiner's form on the case page: the one that holds the justification's field."""
    forms = re.findall(r"<form\b.*?</form>", html, re.S)
    found = [f for f in forms if 'name="answer"' in f]
    assert len(found) == 1, forms
    return found[0]


def test_will_be_late_keeps_the_justification_written_without_javascript(
        hav, client, auth, csrf, monkeypatch):
    """The examiner writes part of the justification, then finds it will be late: the page's
    one form sends both (a browser without JavaScript sends only the form whose button was
    pressed), the date is recorded and what was written is kept for the examiner alone, to
    finish and send."""
    case, page = _with_examiner(hav, client, auth, csrf, monkeypatch)
    form = _examiner_form(client.get(page).get_data(as_text=True))
    assert 'name="expected_on"' in form
    assert f'formaction="/justifications/{case.id}/delay"' in form
    written = "Oppgave 2: drøftingen av kildene var for kort."
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 2, "answer": written, "expected_on": "2027-02-15"})
    assert r.status_code == 303
    req = JustificationRequest.get(JustificationRequest.case == case)
    assert req.expected_on == date(2027, 2, 15) and req.answer == "" and req.answered_at is None
    html = client.get(page).get_data(as_text=True)
    assert f"{written}</textarea>" in _examiner_form(html)
    assert "name=\"expected_on\"" not in html  # (said once)
    auth.logout()
    auth.login("elev1")
    html = client.get(page).get_data(as_text=True)
    assert "15. februar 2027" in html and written not in html
    auth.logout()
    auth.login("sensor1")
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": 3, "answer": written + " Ellers godt arbeid."})
    assert r.status_code == 303
    req = JustificationRequest.get(JustificationRequest.case == case)
    assert req.answer == written + " Ellers godt arbeid." and req.draft is None


def _ticked_orally(form: str) -> bool:
    box = re.search(r'<input[^>]*name="given_orally"[^>]*>', form).group(0)
    return " checked" in box


def test_will_be_late_keeps_the_given_orally_tick_too(hav, client, auth, csrf, monkeypatch):
    """The examiner ticks that the justification was given orally and notes what was said,
    then finds it will be late: the tick is kept with the notes, shown again in the
    examiner's form, and cleared once the justification is sent. Ticked with nothing written,
    the tick alone is kept."""
    case, page = _with_examiner(hav, client, auth, csrf, monkeypatch)
    assert not _ticked_orally(_examiner_form(client.get(page).get_data(as_text=True)))
    notes = "Gjennomgått muntlig: oppgave 3 manglet kilder."
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 2, "answer": notes, "given_orally": "y",
                   "expected_on": "2027-02-15"})
    assert r.status_code == 303
    req = JustificationRequest.get(JustificationRequest.case == case)
    assert req.draft == notes and req.draft_given_orally and not req.given_orally
    html = client.get(page).get_data(as_text=True)
    form = _examiner_form(html)
    assert f"{notes}</textarea>" in form and _ticked_orally(form)
    assert "er tatt vare på nedenfor" in html
    auth.logout()
    auth.login("elev1")
    assert notes not in client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login("sensor1")
    assert post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                     {"version": 3, "answer": notes, "given_orally": "y"}).status_code == 303
    req = JustificationRequest.get(JustificationRequest.case == case)
    assert req.given_orally and req.answer == notes
    assert req.draft is None and not req.draft_given_orally


def test_will_be_late_keeps_the_tick_with_nothing_written(hav, client, auth, csrf,
                                                         monkeypatch):
    case, page = _with_examiner(hav, client, auth, csrf, monkeypatch)
    assert post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                     {"version": 2, "answer": "", "given_orally": "y",
                      "expected_on": "2027-02-15"}).status_code == 303
    req = JustificationRequest.get(JustificationRequest.case == case)
    assert req.draft is None and req.draft_given_orally
    html = client.get(page).get_data(as_text=True)
    assert _ticked_orally(_examiner_form(html)) and "er tatt vare på nedenfor" in html


def test_each_step_of_the_examiners_form_checks_its_own_fields(hav, client, auth, csrf,
                                                               monkeypatch):
    """"It will be late" without a date, or sent from a page someone else has changed since,
    comes back with everything written; sending the justification asks nothing of the date."""
    case, page = _with_examiner(hav, client, auth, csrf, monkeypatch)
    written = "Besvarelsen manglet en drøfting av oppgave 3."
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 2, "answer": written, "expected_on": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Skriv inn datoen." in html
    assert f"{written}</textarea>" in _examiner_form(html)
    r = post_form(client, csrf, page, f"/justifications/{case.id}/delay",
                  {"version": 1, "answer": written, "expected_on": "2027-02-15"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Noen andre endret saken" in html
    form = _examiner_form(html)
    assert f"{written}</textarea>" in form and 'value="2027-02-15"' in form
    assert 'name="version" type="hidden" value="2"' in form
    assert Case.get_by_id(case.id).state == "with_examiner"
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": 2, "answer": written, "expected_on": "ikke en dato"})
    assert r.status_code == 303
    assert JustificationRequest.get(JustificationRequest.case == case).answer == written


def _withdraw(client, csrf, case):
    r = post_form(client, csrf, f"/cases/{case.id}/withdraw",
                  f"/justifications/{case.id}/withdraw",
                  {"version": Case.get_by_id(case.id).version, "confirmed": "yes"})
    assert r.status_code == 303 and Case.get_by_id(case.id).state == "withdrawn"


def _card(client, grade):
    """The grades page's card of `grade`, its whitespace as one space."""
    html = client.get("/grades/").get_data(as_text=True)
    card = re.search(rf'<article class="grade-card" aria-labelledby="grade-{grade.id}">.*?'
                     r"</article>", html, flags=re.S).group(0)
    return " ".join(card.split())


FROM_PUBLICATION = ("Klagefrist: Fristen er 12. februar 2027 (3 uker, jf. forskriften § 4-9 (2)). "
                    "Du trakk tilbake forespørselen om begrunnelse: fristen løper fra karakteren "
                    "ble kunngjort.")


def test_withdrawn_a_request_is_shown_so_and_another_can_be_asked_for_in_time(
        hav, client, auth, csrf, monkeypatch):
    """Published electronically Friday 22 January 2027: a justification can be asked for
    within a week, to Friday 29 January (forskriften § 4-9 (1) a), and the grade appealed
    within three weeks, to Friday 12 February. Asked for on 25 January and withdrawn the
    next day, no justification is given: the grades page says so, the appeal deadline runs
    from publication, and a new request can be made until the 29th."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    first = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    auth.login("elev1")
    _on(monkeypatch, date(2027, 1, 26))
    _withdraw(client, csrf, first)
    card = _card(client, grade)
    assert (f'<a href="/cases/{first.id}">Din forespørsel om begrunnelse</a>: trukket tilbake; '
            "det gis ingen begrunnelse.") in card
    assert "skal gis innen" not in card
    assert "Fristen er 29. januar 2027 (1 uke, jf. forskriften § 4-9 (1) a)." in card
    assert (f'href="/justifications/new?grade={grade.id}">Be om begrunnelse på nytt</a>'
            in card)
    assert FROM_PUBLICATION in card and "begynner klagefristen på nytt" not in card
    assert dl.grade_appeal_deadline(grade).due == date(2027, 2, 12)
    page = " ".join(client.get(f"/cases/{first.id}").get_data(as_text=True).split())
    assert "Du trakk tilbake forespørselen: det gis ingen begrunnelse for den" in page
    assert "Svar innen" not in page
    # the form answers, not the withdrawn case, and files a new request
    url = f"/justifications/new?grade={grade.id}"
    assert client.get(url).status_code == 200
    r = post_form(client, csrf, url, url, {})
    assert r.status_code == 303
    second = Case.select().where(Case.kind == "justification").order_by(Case.id.desc()).get()
    assert second.id != first.id and r.headers["Location"].endswith(f"/cases/{second.id}")
    assert JustificationRequest.select().count() == 2
    assert JustificationRequest.get(JustificationRequest.case == second).answer_due == \
        date(2027, 2, 9)  # two weeks from 26 January
    card = _card(client, grade)
    assert (f'<a href="/cases/{second.id}">Din forespørsel om begrunnelse</a>: skal gis innen '
            "9. februar 2027.") in card
    assert "begynner klagefristen på nytt" in card and FROM_PUBLICATION not in card
    # asked for again: the form leads to the request that stands
    r = client.get(url)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{second.id}")


def test_two_tabs_asking_at_the_same_moment_file_one_request(app, hav, client, auth, csrf,
                                                              monkeypatch):
    """The student asks for the justification of one grade from two tabs (two forms, each
    loaded anew) at the same moment. Both requests are under way while another transaction
    holds the school year's case counter (PostgreSQL: its row, FOR UPDATE; SQLite: the one
    writer), which filing updates. One request is filed; the other tab is told it was not,
    and led to the one filed. Without the student held and the requests asked again inside
    the filing's transaction, each found none and filed its own: two requests, and two
    answers owed, for one grade."""
    from portal.models import CaseCounter, SchoolYear
    from tests.tabs import one_form_sent_from_two_tabs_at_once

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _on(monkeypatch, date(2027, 1, 25))
    CaseCounter.create(school=hav.school, school_year=SchoolYear.current(hav.school),
                       last_number=0)
    auth.login("elev1")
    url = f"/justifications/new?grade={grade.id}"
    answers = one_form_sent_from_two_tabs_at_once(app, client, csrf, url, {},
                                                  CaseCounter.select(CaseCounter.id))
    [case] = Case.select().where(Case.kind == "justification")
    assert JustificationRequest.select().count() == 1
    assert [r.status_code for _tab, r in answers] == [303, 303]
    assert all(r.headers["Location"].endswith(f"/cases/{case.id}") for _tab, r in answers)
    pages = sorted((tab.get(r.headers["Location"]).get_data(as_text=True) for tab, r in answers),
                   key=lambda page: ASKED_ALREADY in page)
    assert "Du har bedt om begrunnelse. Den skal gis innen" in pages[0]
    assert ASKED_ALREADY not in pages[0]
    assert f"{ASKED_ALREADY} {NOT_FILED}" in pages[1]
    # an old link to the form: led to the request, told why
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert f"{ASKED_ALREADY} Her er den." in page and f"/cases/{case.id}" in page


ASKED_ALREADY = "Begrunnelse for denne karakteren er allerede bedt om."
NOT_FILED = "Forespørselen du nettopp sendte, er ikke registrert; her er den du har bedt om."


def test_withdrawn_after_the_deadline_to_ask_nothing_more_is_asked(hav, client, auth, csrf,
                                                                    monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    first = _request(hav, client, auth, csrf, monkeypatch, grade, date(2027, 1, 25))
    auth.login("elev1")
    _on(monkeypatch, date(2027, 2, 1))
    _withdraw(client, csrf, first)
    card = _card(client, grade)
    assert "trukket tilbake; det gis ingen begrunnelse." in card
    assert ("Fristen for å be om begrunnelse var 29. januar 2027 "
            "(jf. forskriften § 4-9 (1) a).") in card
    assert "/justifications/new" not in card
    assert FROM_PUBLICATION in card
    url = f"/justifications/new?grade={grade.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Du kan ikke lenger be om den" in page.get_data(
        as_text=True)
    assert post_form(client, csrf, url, url, {}).status_code == 422
    assert JustificationRequest.select().count() == 1


# --- a grade made known otherwise than electronically (forskriften § 4-9 (1) a) ---------

RULE = "jf. forskriften § 4-9 (1) a"


def _form(client, url):
    return " ".join(client.get(url).get_data(as_text=True).split())


def _other_channel(hav):
    """Made known on paper on Friday 22 January 2027: a week from publication is Friday
    29 January; one who learned of it later has a week from that day, never later than
    three weeks from publication, Friday 12 February."""
    return make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22),
                      channel="other")


def test_other_channel_before_the_week_from_publication_says_both_deadlines(
        hav, client, auth, csrf, monkeypatch):
    grade = _other_channel(hav)
    auth.login("elev1")
    _on(monkeypatch, date(2027, 1, 25))
    card = _card(client, grade)
    assert (f"Fristen er 29. januar 2027 (1 uke, {RULE}). Fikk du vite om karakteren senere "
            "enn den ble kunngjort, har du 1 uke fra den dagen du fikk vite om den, men ikke "
            f"lenger enn til 12. februar 2027 (3 uker etter kunngjøringen, {RULE}).") in card
    form = _form(client, f"/justifications/new?grade={grade.id}")
    assert ("Karakteren ble gjort kjent på annen måte enn elektronisk: du må be om begrunnelse "
            "innen 1 uke etter at du fikk vite om den, men ikke senere enn 3 uker etter at den "
            f"ble kunngjort, det vil si innen 12. februar 2027 ({RULE}).") in form
    assert f"Regnet fra kunngjøringen: Fristen er 29. januar 2027 (1 uke, {RULE})." in form
    assert "skriv inn dagen nedenfor" not in form  # (not needed yet)


def test_other_channel_learned_later_can_still_ask_until_the_limit(hav, client, auth, csrf,
                                                                   monkeypatch):
    """On Tuesday 2 February the week from publication has passed, but not the three weeks:
    the grades page does not say it is too late, and the form asks the day the student
    learned of the grade and counts the week from it."""
    grade = _other_channel(hav)
    auth.login("elev1")
    _on(monkeypatch, date(2027, 2, 2))
    card = _card(client, grade)
    assert ("Fristen for å be om begrunnelse regnet fra kunngjøringen var 29. januar 2027 "
            f"({RULE}). Fikk du vite om karakteren senere, kan du fortsatt be om den innen "
            "1 uke etter at du fikk vite om den, men senest 12. februar 2027 (3 uker etter "
            f"kunngjøringen, {RULE}).") in card
    assert "rule-late" not in card.split("<h3>Klage</h3>")[0]
    assert f'href="/justifications/new?grade={grade.id}">Be om begrunnelse</a>' in card
    url = f"/justifications/new?grade={grade.id}"
    form = _form(client, url)
    assert "Du kan ikke lenger be om den" not in form
    assert (f"Regnet fra kunngjøringen: Fristen var 29. januar 2027 (1 uke, {RULE}). Fikk du "
            "vite om karakteren senere, skriv inn dagen nedenfor.") in form
    field = re.search(r'<input[^>]*name="learned_on"[^>]*>', form).group(0)
    assert 'min="2027-01-22"' in field and 'max="2027-02-02"' in field
    assert "En dag fra og med 22. januar 2027, da karakteren ble kunngjort, til og med i dag." \
        in form
    # no day given: the week from publication, which has passed
    r = post_form(client, csrf, url, url, {})
    html = " ".join(r.get_data(as_text=True).split())
    assert r.status_code == 422
    assert (f"Fristen regnet fra kunngjøringen var 29. januar 2027 ({RULE}). Fikk du vite om "
            "karakteren senere, skriv inn dagen du fikk vite om den.") in html
    # a day before publication, or one whose week has passed: refused, the day kept
    r = post_form(client, csrf, url, url, {"learned_on": "2027-01-21"})
    html = " ".join(r.get_data(as_text=True).split())
    assert r.status_code == 422
    assert "Karakteren ble kunngjort 22. januar 2027: datoen kan ikke være før det." in html
    assert 'value="2027-01-21"' in html
    r = post_form(client, csrf, url, url, {"learned_on": "2027-01-25"})
    html = " ".join(r.get_data(as_text=True).split())
    assert r.status_code == 422 and 'value="2027-01-25"' in html
    assert f"Du fikk vite om karakteren 25. januar 2027: fristen var 1. februar 2027 ({RULE})." \
        in html
    assert (f"Du fikk vite om karakteren 25. januar 2027: Fristen var 1. februar 2027 (1 uke, "
            f"{RULE}).") in html
    r = post_form(client, csrf, url, url, {"learned_on": "2027-02-03"})
    assert r.status_code == 422 and "Datoen kan ikke være fram i tid." in r.get_data(as_text=True)
    assert not JustificationRequest.select().exists()
    # learned of on Monday 1 February: a week from then, to Monday 8 February
    r = post_form(client, csrf, url, url, {"learned_on": "2027-02-01"})
    assert r.status_code == 303, r.get_data(as_text=True)
    req = JustificationRequest.get()
    assert req.learned_on == date(2027, 2, 1) and req.requested_on == date(2027, 2, 2)
    # the day given is shown with the request, to the exam office who judges it too
    auth.logout()
    auth.login("eksamen")
    page = _form(client, f"/cases/{req.case_id}")
    assert ("<dt>Fikk vite om karakteren</dt><dd>1. februar 2027 (gjort kjent på annen måte "
            "enn elektronisk)</dd>") in page


def test_other_channel_learned_late_the_limit_from_publication_holds(hav, client, auth, csrf,
                                                                     monkeypatch):
    """Learned of on Wednesday 10 February: a week would end 17 February, but never later
    than three weeks from publication, 12 February; after that nothing can be asked."""
    grade = _other_channel(hav)
    auth.login("elev1")
    url = f"/justifications/new?grade={grade.id}"
    assert dl.justification_request_deadline(grade, date(2027, 2, 10)).due == date(2027, 2, 12)
    _on(monkeypatch, date(2027, 2, 12))
    assert (f"Regnet fra kunngjøringen: Fristen var 29. januar 2027 (1 uke, {RULE})."
            in _form(client, url))
    _on(monkeypatch, date(2027, 2, 13))
    form = _form(client, url)
    assert (f"Fristen for å be om begrunnelse var 12. februar 2027 ({RULE}). Du kan ikke lenger "
            "be om den.") in form
    assert 'name="learned_on"' not in form
    assert post_form(client, csrf, url, url, {"learned_on": "2027-02-12"}).status_code == 422
    card = _card(client, grade)
    assert f"Fristen for å be om begrunnelse var 12. februar 2027 ({RULE})." in card
    assert "/justifications/new" not in card
    assert not JustificationRequest.select().exists()


def test_withdrawn_the_day_stated_does_not_bind_the_next_request(hav, client, auth, csrf,
                                                                monkeypatch):
    """Published otherwise than electronically on Friday 22 January 2027; asked for on the
    28th, saying the grade was learned of on Wednesday 27 January (a week: to Wednesday
    3 February), and withdrawn on 2 February. The withdrawn request's day does not bind the
    next (forskriften § 4-9 (1) a runs the deadline from when the student learned of the
    grade, which each request states): the grades page and the form say the same, the
    deadline from publication and the limit three weeks from it, Friday 12 February. On
    5 February, past the week from the 27th, both still take a request, which states its
    day again; the 27th is refused with its deadline, another day within the limit stands."""
    grade = _other_channel(hav)
    auth.login("elev1")
    _on(monkeypatch, date(2027, 1, 28))
    url = f"/justifications/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {"learned_on": "2027-01-27"}).status_code == 303
    first = Case.get(Case.kind == "justification")
    _on(monkeypatch, date(2027, 2, 2))
    _withdraw(client, csrf, first)
    from_publication = (f"Fristen for å be om begrunnelse regnet fra kunngjøringen var 29. januar "
                        f"2027 ({RULE}). Fikk du vite om karakteren senere, kan du fortsatt be om "
                        "den innen 1 uke etter at du fikk vite om den, men senest 12. februar "
                        f"2027 (3 uker etter kunngjøringen, {RULE}).")
    in_form = (f"innen 12. februar 2027 ({RULE}). Regnet fra kunngjøringen: Fristen var "
               f"29. januar 2027 (1 uke, {RULE}). Fikk du vite om karakteren senere, skriv inn "
               "dagen nedenfor.")
    stated = "I forespørselen du trakk tilbake, oppga du 27. januar 2027."
    for day in (date(2027, 2, 2), date(2027, 2, 5)):
        _on(monkeypatch, day)
        card = _card(client, grade)
        assert from_publication in card and "3. februar" not in card, day
        assert f'href="/justifications/new?grade={grade.id}">Be om begrunnelse på nytt</a>' \
            in card
        form = _form(client, url)
        assert in_form in form and stated in form and "3. februar" not in form, day
        assert 'value="2027-01-27"' not in form  # (stated again, or another day)
    r = post_form(client, csrf, url, url, {"learned_on": "2027-01-27"})
    html = " ".join(r.get_data(as_text=True).split())
    assert r.status_code == 422 and 'value="2027-01-27"' in html
    assert f"Du fikk vite om karakteren 27. januar 2027: fristen var 3. februar 2027 ({RULE})." \
        in html
    assert post_form(client, csrf, url, url, {"learned_on": "2027-02-01"}).status_code == 303
    second = JustificationRequest.select().order_by(JustificationRequest.id.desc()).get()
    assert second.case_id != first.id and second.learned_on == date(2027, 2, 1)
    assert JustificationRequest.select().count() == 2


def test_the_day_learned_counts_only_where_the_profile_says_so(db, client, auth, csrf,
                                                               monkeypatch):
    """NKI (pkt. 8.1): three weeks, with no rule on a grade made known otherwise: the form
    asks no day, and one sent does not move the deadline (Friday 12 February)."""
    nki = make_havbruk(profile="nki", code="test-nki")
    grade = make_grade(nki, make_exam(nki), nki.elev1, published=date(2027, 1, 22),
                       channel="other")
    auth.login("elev1")
    url = f"/justifications/new?grade={grade.id}"
    _on(monkeypatch, date(2027, 2, 1))
    form = _form(client, url)
    assert "Fristen er 12. februar 2027 (3 uker, jf. eksamensreglementet pkt. 8.1)." in form
    assert 'name="learned_on"' not in form
    _on(monkeypatch, date(2027, 2, 15))
    form = _form(client, url)
    assert 'name="learned_on"' not in form and "Du kan ikke lenger be om den" in form
    assert post_form(client, csrf, url, url, {"learned_on": "2027-02-14"}).status_code == 422
    assert not JustificationRequest.select().exists()
    assert not dl.learned_on_counts(grade) and dl.justification_request_limit(grade) is None
