"""The one access check: a case is visible only to those with a part in it (404 otherwise)."""

import pytest

from portal.cases import engine
from portal.cases.engine import add_participant
from portal.models import Attachment, AttachmentAccess
from tests.test_engine import TEST_KIND, kind  # noqa: F401  (fixture)


@pytest.fixture
def case(school, kind):  # noqa: F811
    c = engine.open_case("engine_test", school=school.school, school_year=school.year,
                         student=school.elev1, title="Min sak", actor=school.elev1,
                         participants=[(school.trinn, "year_coordinator"),
                                       (school.laerer1, "contact_teacher")])
    return c


@pytest.mark.parametrize("username, status", [
    ("elev1", 200), ("trinn1", 200), ("laerer1", 200),
    ("elev2", 404), ("laerer2", 404), ("admin", 404),
])
def test_case_page_only_for_participants(client, auth, case, username, status):
    auth.login(username)
    assert client.get(f"/cases/{case.id}").status_code == status
    assert client.get(f"/cases/{case.id}/status").status_code == status


def test_missing_case_looks_like_a_foreign_one(client, auth, case):
    auth.login("elev1")
    assert client.get("/cases/999999").status_code == 404


def test_status_fragment_answers_304_while_unchanged(client, auth, case, school):
    auth.login("elev1")
    first = client.get(f"/cases/{case.id}/status")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    again = client.get(f"/cases/{case.id}/status", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    # as a browser sends it back through a compressing proxy (nginx's gzip makes it weak)
    weak = client.get(f"/cases/{case.id}/status",
                      headers={"If-None-Match": "W/" + first.headers["ETag"]})
    assert weak.status_code == 304
    engine.apply(case, "take", actor=school.trinn, expected_version=case.version)
    changed = client.get(f"/cases/{case.id}/status",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_unchanged_poll_checks_the_session_in_its_one_query(client, auth, case):
    from bench.queries import counting

    auth.login("elev1")
    etag = client.get(f"/cases/{case.id}/status").headers["ETag"]
    with counting() as queries:
        again = client.get(f"/cases/{case.id}/status", headers={"If-None-Match": etag})
    assert again.status_code == 304 and queries["n"] == 1


def test_changed_poll_renders_without_loading_the_user_for_the_menu(client, auth, case,
                                                                  monkeypatch):
    from portal.models import User

    auth.login("elev1")
    loads = []
    load = User.load
    monkeypatch.setattr(User, "load", lambda user_id: loads.append(user_id) or load(user_id))
    fragment = client.get(f"/cases/{case.id}/status", headers={"If-None-Match": '"c0v0"',
                                                               "HX-Request": "true"})
    assert fragment.status_code == 200 and b'id="case-status"' in fragment.get_data()
    assert b"Min sak" not in fragment.get_data()  # the block alone, not the page
    assert loads == []  # the poll's own query checked the session
    assert client.get(f"/cases/{case.id}").status_code == 200 and loads  # the page's menu


@pytest.mark.parametrize("change", ["password", "deactivated", "other_browser", "logged_out"])
def test_poll_refuses_a_session_the_pages_refuse(client, auth, case, change):
    from portal.auth.passwords import hash_password
    from portal.models import User

    auth.login("elev1")
    etag = client.get(f"/cases/{case.id}/status").headers["ETag"]
    headers = {"If-None-Match": etag}
    if change == "password":
        User.update(password_hash=hash_password("new-password")).where(
            User.username == "elev1").execute()
    elif change == "deactivated":
        User.update(active=False).where(User.username == "elev1").execute()
    elif change == "other_browser":  # session protection: a cookie carried to another browser
        headers["User-Agent"] = "Something/else"
    else:
        auth.logout()
    for h in (headers, {**headers, "HX-Request": "true"}):
        response = client.get(f"/cases/{case.id}/status", headers=h)
        assert response.status_code in (302, 401), (change, response.status_code)
        assert not response.get_data() or b"case-status" not in response.get_data()
    assert client.get("/home", headers=headers).status_code in (302, 401)


def _attach(case, user, is_health):
    return Attachment.create(case=case, uploaded_by=user, filename="legeerklaering.pdf",
                             content_type="application/pdf", size=9, sha256="0" * 64,
                             is_health=is_health, data=b"%PDF-1.4\n")


def test_health_document_only_for_deciders_and_every_opening_logged(client, auth, case, school):
    TEST_KIND.deciders = frozenset({"year_coordinator"})
    try:
        doc = _attach(case, school.elev1, is_health=True)
        url = f"/cases/{case.id}/documents/{doc.id}"
        auth.login("laerer1")  # contact teacher: a copy of the case, not the decision
        assert client.get(url).status_code == 404
        assert "bare de som avgjør saken" in client.get(f"/cases/{case.id}").get_data(as_text=True)
        auth.logout()
        auth.login("trinn1")
        response = client.get(url)
        assert response.status_code == 200 and response.data == b"%PDF-1.4\n"
        assert response.headers["Content-Type"] == "application/pdf"
        assert "no-store" in response.headers["Cache-Control"]
        log = list(AttachmentAccess.select())
        assert [(a.user.username, a.part) for a in log] == [("trinn1", "year_coordinator")]
    finally:
        TEST_KIND.deciders = frozenset()


def test_ordinary_document_for_every_participant(client, auth, case, school):
    doc = _attach(case, school.elev1, is_health=False)
    auth.login("laerer1")
    assert client.get(f"/cases/{case.id}/documents/{doc.id}").status_code == 200
    auth.logout()
    auth.login("elev2")
    assert client.get(f"/cases/{case.id}/documents/{doc.id}").status_code == 404


def test_document_of_another_case_is_404(client, auth, case, school):
    other = engine.open_case("engine_test", school=school.school, school_year=school.year,
                             student=school.elev2, title="Annen", actor=school.elev2)
    add_participant(other, school.elev1, "student")  # even a part elsewhere does not help
    doc = _attach(other, school.elev2, is_health=False)
    auth.login("trinn1")
    assert client.get(f"/cases/{case.id}/documents/{doc.id}").status_code == 404


def test_home_lists_only_own_cases(client, auth, case, school):
    auth.login("elev2")
    assert "Min sak" not in client.get("/home").get_data(as_text=True)
    auth.logout()
    auth.login("trinn1")
    page = client.get("/home").get_data(as_text=True)
    assert "Min sak" in page and "Venter på deg" in page


@pytest.mark.parametrize("content_type, data, disposition", [
    ("application/pdf", b"%PDF-1.4\n", "inline"),
    ("image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "attachment"),
])
def test_a_document_opens_under_its_own_name_and_type_and_is_not_cached(
        client, auth, case, school, content_type, data, disposition):
    """(One response for every stored upload: portal.cases.uploads.document_response, as a
    doctor's note for an exam opens: tests/test_exam_sick_note_grades.py.)"""
    doc = Attachment.create(case=case, uploaded_by=school.elev1, filename="Søknad æøå 1.pdf",
                            content_type=content_type, size=len(data), sha256="0" * 64,
                            data=data)
    auth.login("elev1")
    response = client.get(f"/cases/{case.id}/documents/{doc.id}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == (
        f"{disposition}; filename*=UTF-8''S%C3%B8knad%20%C3%A6%C3%B8%C3%A5%201.pdf")
    assert response.headers["Cache-Control"] == "private, no-store"
