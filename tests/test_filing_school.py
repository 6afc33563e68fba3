"""A student at more than one school (changed schools during the year, or takes a subject at
another) chooses the school a request goes to; a student at one school never sees the choice.
The choice is carried through the form to its POST, and a school not theirs is never taken."""

import io
import re
from datetime import date

import pytest

from portal.models import Case, School
from tests.factories import second_school

TODAY = date(2026, 11, 23)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _choices(html):
    """(name, href) of the schools the page asks the student to choose between."""
    return [(name, href.replace("&amp;", "&")) for href, name in
            re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', html)]


def test_a_student_at_two_schools_chooses_where_the_absence_note_goes(
        client, auth, csrf, school):
    other, teacher = second_school(school.elev1)
    auth.login("elev1")
    page = client.get("/absence-notes/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Hvilken skole?</h1>" in html
    assert "name=\"category\"" not in html  # no form until a school is chosen
    assert _choices(html) == [
        ("Andre vgs", f"/absence-notes/new?school={other.id}"),
        ("Testskolen vgs", f"/absence-notes/new?school={school.school.id}")]
    # a school they are not a student at is not taken: they are asked again
    stranger = School.create(name="Fremmed vgs", code="fremmed", profile="vgs")
    assert "Hvilken skole?" in client.get(
        f"/absence-notes/new?school={stranger.id}").get_data(as_text=True)
    assert "Hvilken skole?" in client.get("/absence-notes/new?school=x").get_data(as_text=True)

    url = f"/absence-notes/new?school={other.id}"
    form = client.get(url).get_data(as_text=True)
    assert "Hvilken skole?" not in form and 'name="category"' in form
    response = client.post(url, data={
        "csrf_token": csrf(form), "category": "a", "scope": "days", "first_day": "2026-11-19",
        "last_day": "2026-11-20", "document": (io.BytesIO(PNG), "legeerklaering.png")},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    case = Case.get(Case.student == school.elev1)
    assert case.school_id == other.id
    assert case.school_year.school_id == other.id
    assert [p.user_id for p in case.participants if p.part == "contact_teacher"] == [teacher.id]

    # a prefilled link keeps what it fills in when the student chooses
    prefilled = client.get("/absence-notes/new?category=R&first_day=2026-11-30")
    assert (f"/absence-notes/new?category=R&first_day=2026-11-30&school={other.id}"
            in dict(_choices(prefilled.get_data(as_text=True))).values())


def test_a_student_at_one_school_is_never_asked(client, auth, school):
    auth.login("elev1")
    for url in ("/absence-notes/new", "/study-leave/new", "/exam-adaptation/new"):
        html = client.get(url).get_data(as_text=True)
        assert "Hvilken skole?" not in html and "<form" in html, url


def test_only_the_schools_that_offer_a_kind_are_offered(client, auth, csrf, school):
    """Study leave exists under opplæringslova only: a student also at a fagskole applies at
    the vgs without being asked, where an absence note asks."""
    fagskole, _teacher = second_school(school.elev1, profile="havbruk", code="havbruk",
                                        name="Havbruksfagskolen")
    auth.login("elev1")
    form = client.get("/study-leave/new").get_data(as_text=True)
    assert "Hvilken skole?" not in form and "/study-leave/new?school" not in form
    response = client.post("/study-leave/new", data={
        "csrf_token": csrf(form), "first_day": "2026-11-30", "last_day": "2026-12-02",
        "reason": "Landsfinale i orientering"}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert Case.get(Case.student == school.elev1).school_id == school.school.id
    assert [name for name, _href in _choices(
        client.get("/absence-notes/new").get_data(as_text=True))] == [
        "Havbruksfagskolen", "Testskolen vgs"]
    assert "Hvilken skole?" in client.get("/exam-adaptation/new").get_data(as_text=True)


def test_the_study_leave_form_keeps_the_chosen_school_through_its_fragment_and_post(
        client, auth, csrf, school):
    other, _teacher = second_school(school.elev1)
    auth.login("elev1")
    assert "Hvilken skole?" in client.get("/study-leave/new").get_data(as_text=True)
    assert "Hvilken skole?" in client.get(
        "/study-leave/deadline?first_day=2026-11-30").get_data(as_text=True)
    url = f"/study-leave/new?school={other.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'action="{url}"' in form
    assert f'hx-get="/study-leave/deadline?school={other.id}"' in form
    fragment = client.get(f"/study-leave/deadline?school={other.id}&first_day=2026-11-30")
    assert fragment.status_code == 200 and "Hvilken skole?" not in fragment.get_data(
        as_text=True)
    response = client.post(url, data={
        "csrf_token": csrf(form), "first_day": "2026-11-30", "last_day": "2026-12-02",
        "reason": "Landsfinale i orientering"}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert Case.get(Case.student == school.elev1).school_id == other.id
