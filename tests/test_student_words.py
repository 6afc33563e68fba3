"""A case calls its student what their school does: elev at a vgs, student at a fagskole, in
its timeline, its labels and the messages to staff; and a year coordinator is
'trinnoppfølgeren' where Norwegian wants the definite form."""

from datetime import date

import pytest

from portal.cases.engine import open_case
from portal.models import Case
from portal.roles import student_words
from tests.factories import make_school
from tests.grading import make_exam, make_grade, make_havbruk, post_form

WORDS = {"vgs": ("eleven", "Elev"), "havbruk": ("studenten", "Student")}


def test_the_words_by_the_kind_of_school(app):
    with app.test_request_context():
        assert student_words("vgs") == {"student": "eleven", "Student": "Eleven",
                                        "students": "elevens", "Students": "Elevens"}
        assert student_words("fagskole") == {"student": "studenten", "Student": "Studenten",
                                             "students": "studentens",
                                             "Students": "Studentens"}


@pytest.mark.parametrize("profile", ["vgs", "havbruk"])
def test_an_absence_note_names_the_student_as_the_school_does(client, auth, csrf, db,
                                                              profile):
    the, label = WORDS[profile]
    s = make_school(profile=profile, code=f"test-{profile}")
    case = open_case("absence_note", school=s.school, school_year=s.year, student=s.elev1,
                     title="Sykdom", actor=s.elev1,
                     participants=[(s.laerer1, "contact_teacher")])
    auth.login("laerer1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'<label for="text">Melding til {the}</label>' in page
    assert f"avslår: {the} ser det." in page
    response = post_form(client, csrf, f"/cases/{case.id}", f"/absence-notes/{case.id}/review",
                         {"action": "ask", "text": "", "version": case.version})
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Skriv til {the} hva som mangler" in flashed
    auth.logout()
    auth.login("elev1")
    r = post_form(client, csrf, f"/cases/{case.id}/withdraw",
                  f"/absence-notes/{case.id}/withdraw",
                  {"version": case.version, "confirmed": "yes"})
    auth.logout()
    auth.login("laerer1")
    timeline = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"Trukket av {the}" in timeline and f"Elev Nummer1 ({label})" in timeline
    other = "eleven" if the == "studenten" else "studenten"
    assert f"Trukket av {other}" not in timeline


def test_at_a_fagskole_the_flash_and_the_timeline_agree(client, auth, csrf, db, monkeypatch):
    """The usability test's case: 'sendt til studenten' above a timeline that said
    '(Elev)'. (Justifications are asked for at fagskoler only: no vgs profile has the rule.)"""
    from portal.rules import calendar as cal

    the, label = WORDS["havbruk"]
    s = make_havbruk()
    grade = make_grade(s, make_exam(s), s.elev1, published=date(2027, 1, 22))
    monkeypatch.setattr(cal, "today", lambda: date(2027, 1, 25))
    auth.login("elev1")
    url = f"/justifications/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {}).status_code == 303
    case = Case.get(Case.kind == "justification")
    auth.logout()
    auth.login("eksamen")
    page = f"/cases/{case.id}"
    post_form(client, csrf, page, f"/justifications/{case.id}/route",
              {"version": case.version, "examiners": [s.sensor1.id]})
    auth.logout()
    auth.login("sensor1")
    assert f">Gi beskjed til {the}</button>" in client.get(page).get_data(as_text=True)
    r = post_form(client, csrf, page, f"/justifications/{case.id}/answer",
                  {"version": case.version + 1, "answer": "Drøftingen manglet kilder."})
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"Begrunnelsen er sendt til {the}." in html
    assert f"Elev Nummer1 ({label})" in html


def test_the_teachers_answer_is_sent_to_trinnoppfolgeren(client, auth, csrf, school, app):
    from tests.test_study_leave import TODAY, Portal, _answers, with_teachers

    app.config["PORTAL_TODAY"] = TODAY
    portal = Portal(client, auth, csrf)
    case = with_teachers(portal, school)
    norsk, _matte = _answers(case)
    portal.login("laerer1")
    response = portal.step(case, f"teacher-answer/{norsk.id}", **{
        f"a{norsk.id}-version": Case.get_by_id(case.id).version,
        f"a{norsk.id}-choice": "approve", f"a{norsk.id}-text": "Les kapittel 4."})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Svaret ditt for Norsk er sendt til trinnoppfølgeren." in html
