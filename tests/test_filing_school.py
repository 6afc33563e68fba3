"""A student at more than one school (changed schools during the year, or takes a subject at
another) chooses the school a request goes to; a student at one school never sees the choice.
The choice is carried through the form to its POST, and a school not theirs is never taken."""

import io
import re
from datetime import date

import pytest

from portal.models import Case, RoleGrant, School
from tests.factories import second_school

TODAY = date(2026, 11, 23)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ASK = "hvilken skole?"
# what each form has that no other page has
FORMS = {"/absence-notes/new": 'class="absence-note-form"',
         "/study-leave/new": 'action="/study-leave/new',
         "/exam-adaptation/new": "<h1>Søk om tilrettelegging av eksamen</h1>"}


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
    assert page.status_code == 200 and "<h1>Fraværsmelding: hvilken skole?</h1>" in html
    assert "name=\"category\"" not in html  # no form until a school is chosen
    assert _choices(html) == [
        ("Andre vgs", f"/absence-notes/new?school={other.id}"),
        ("Testskolen vgs", f"/absence-notes/new?school={school.school.id}")]
    # a school they are not a student at is not taken: they are asked again
    stranger = School.create(name="Fremmed vgs", code="fremmed", profile="vgs")
    assert ASK in client.get(
        f"/absence-notes/new?school={stranger.id}").get_data(as_text=True)
    assert ASK in client.get("/absence-notes/new?school=x").get_data(as_text=True)

    url = f"/absence-notes/new?school={other.id}"
    form = client.get(url).get_data(as_text=True)
    assert ASK not in form and 'name="category"' in form
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
    for url, marker in FORMS.items():
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and ASK not in html and marker in html, url


def test_a_school_without_a_school_year_is_not_offered(client, auth, school):
    """A school set up for next year, with no year yet: nothing can be filed there, so the
    student is not asked."""
    other = School.create(name="Ny vgs", code="ny-vgs", profile="vgs")
    RoleGrant.create(user=school.elev1, role="student", school=other)
    auth.login("elev1")
    for url, marker in FORMS.items():
        html = client.get(url).get_data(as_text=True)
        assert ASK not in html and marker in html, url


def test_only_the_schools_that_offer_a_kind_are_offered(client, auth, csrf, school):
    """Study leave exists under opplæringslova only: a student also at a fagskole applies at
    the vgs without being asked, where an absence note asks; exam adaptation is decided in
    the portal at the fagskole only, so it goes there without asking."""
    fagskole, _teacher = second_school(school.elev1, profile="havbruk", code="havbruk",
                                        name="Havbruksfagskolen")
    auth.login("elev1")
    form = client.get("/study-leave/new").get_data(as_text=True)
    assert ASK not in form and "/study-leave/new?school" not in form
    response = client.post("/study-leave/new", data={
        "csrf_token": csrf(form), "first_day": "2026-11-30", "last_day": "2026-12-02",
        "reason": "Landsfinale i orientering"}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert Case.get(Case.student == school.elev1).school_id == school.school.id
    assert [name for name, _href in _choices(
        client.get("/absence-notes/new").get_data(as_text=True))] == [
        "Havbruksfagskolen", "Testskolen vgs"]
    form = client.get("/exam-adaptation/new").get_data(as_text=True)
    assert ASK not in form and FORMS["/exam-adaptation/new"] in form
    assert "tar ikke imot søknader" not in form


def test_the_study_leave_form_keeps_the_chosen_school_through_its_fragment_and_post(
        client, auth, csrf, school):
    other, _teacher = second_school(school.elev1)
    auth.login("elev1")
    assert ASK in client.get("/study-leave/new").get_data(as_text=True)
    assert ASK in client.get(
        "/study-leave/deadline?first_day=2026-11-30").get_data(as_text=True)
    url = f"/study-leave/new?school={other.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'action="{url}"' in form
    assert f'hx-get="/study-leave/deadline?school={other.id}"' in form
    fragment = client.get(f"/study-leave/deadline?school={other.id}&first_day=2026-11-30")
    assert fragment.status_code == 200 and ASK not in fragment.get_data(
        as_text=True)
    response = client.post(url, data={
        "csrf_token": csrf(form), "first_day": "2026-11-30", "last_day": "2026-12-02",
        "reason": "Landsfinale i orientering"}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert Case.get(Case.student == school.elev1).school_id == other.id


def test_a_form_sent_without_its_school_is_not_filed_and_says_so(client, auth, csrf, school):
    """A tab opened before the student's second school was added: its POST names no school.
    Nothing is filed at a school the student did not choose, and the page says so; the
    form's HTMX fragment changes nothing rather than swap the whole page into the form."""
    second_school(school.elev1)
    auth.login("elev1")
    token = csrf(client.get("/home").get_data(as_text=True))
    response = client.post("/study-leave/new", data={
        "csrf_token": token, "first_day": "2026-11-30", "last_day": "2026-12-02",
        "reason": "Landsfinale i orientering"}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and ASK in html
    assert "Ingenting er sendt: skjemaet sa ikke hvilken skole det gjaldt." in html
    assert not Case.select().exists()
    fragment = client.get("/study-leave/deadline?first_day=2026-11-30",
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment.get_data() == b""


def test_the_choices_keep_the_query_and_nothing_else(client, auth, school):
    """The chooser's links are this page's path with its query (repeated keys too) and the
    school: never url_for's own arguments (_external, endpoint) taken from the query."""
    other, _teacher = second_school(school.elev1)
    auth.login("elev1")
    page = client.get("/absence-notes/new?_external=1&endpoint=x&a=1&a=2&school=999")
    assert page.status_code == 200
    assert [href for _name, href in _choices(page.get_data(as_text=True))] == [
        f"/absence-notes/new?_external=1&endpoint=x&a=1&a=2&school={other.id}",
        f"/absence-notes/new?_external=1&endpoint=x&a=1&a=2&school={school.school.id}"]


def test_the_absence_overview_sends_a_note_to_its_own_school(client, auth, school):
    other, _teacher = second_school(school.elev1)
    auth.login("elev1")
    html = client.get("/absence/").get_data(as_text=True)
    for at in (school.school, other):
        assert f'href="/absence-notes/new?school={at.id}"' in html
