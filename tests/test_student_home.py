"""The student's home says they have no cases only when they have none."""

from portal.cases.engine import apply, open_case

NONE_YET = "Du har ingen saker ennå."


def _note(school):
    return open_case("absence_note", school=school.school, school_year=school.year,
                     student=school.elev1, title="Sykdom", actor=school.elev1,
                     participants=[(school.laerer1, "contact_teacher")])


def test_a_student_with_no_cases_is_told_so(client, auth, school):
    auth.login("elev1")
    html = client.get("/home").get_data(as_text=True)
    assert NONE_YET in html and "Ingen andre saker." not in html


def test_a_case_waiting_for_the_student_is_not_contradicted_below(client, auth, school):
    case = _note(school)
    apply(case, "ask", actor=school.laerer1, expected_version=case.version,
          text="Legeerklæring mangler")  # now waiting for the student's documentation
    auth.login("elev1")
    html = client.get("/home").get_data(as_text=True)
    waiting = html[html.index('id="waiting-heading"'):html.index('id="others-heading"')]
    assert "Sak 2026-0001" in waiting
    assert NONE_YET not in html and "Ingen andre saker." in html


def test_a_later_page_with_nothing_on_it_does_not_say_no_cases_yet(client, auth, school):
    _note(school)
    auth.login("elev1")
    html = client.get("/home?page=2").get_data(as_text=True)
    assert NONE_YET not in html and "Ingen andre saker." in html
