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


def test_cases_filtered_out_are_not_no_cases(client, auth, school):
    """A student's address with a filter that leaves nothing (?kind=, ?open=1)."""
    _note(school)
    auth.login("elev1")
    for query in ("?kind=exam_adaptation", "?kind=study_leave&open=1"):
        html = client.get(f"/home{query}").get_data(as_text=True)
        assert NONE_YET not in html and "Ingen andre saker." in html, query


def test_the_buttons_are_named_only_where_there_are_some(client, auth, school):
    from portal.models import RoleGrant

    auth.login("elev1")
    assert "Bruk knappene over" in client.get("/home").get_data(as_text=True)
    # a student role held at no school: nothing to send, so no buttons to point to
    RoleGrant.update(school=None).where((RoleGrant.user == school.elev1)
                                        & (RoleGrant.role == "student")).execute()
    html = client.get("/home").get_data(as_text=True)
    assert NONE_YET in html and "Bruk knappene over" not in html
