"""The home page's validator (ETag): a browser that has the page asks with If-None-Match and
gets 304 while nothing it shows has changed, and the new page as soon as anything has."""

from datetime import timedelta

from portal.models import RoleGrant
from portal.notifications.models import Notification
from portal.rules import calendar
from tests.conftest import Auth


def _first(client):
    page = client.get("/home")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-cache"
    etag = page.headers["ETag"].strip('"')
    assert client.get("/home", headers={"If-None-Match": f'"{etag}"'}).status_code == 304
    return etag


def _again(client, etag):
    return client.get("/home", headers={"If-None-Match": f'"{etag}"'})


def test_a_new_notification_changes_the_page(client, auth, school):
    auth.login("elev1")
    etag = _first(client)
    Notification.create(user=school.elev1, kind="reminder", text_key="due_soon")
    page = _again(client, etag)
    assert page.status_code == 200
    assert '<span class="count">1<span class="visually-hidden">' in page.get_data(as_text=True)
    etag = page.headers["ETag"].strip('"')
    assert _again(client, etag).status_code == 304
    # weak, as it comes back through a proxy that compressed the page (nginx's gzip)
    assert client.get("/home", headers={"If-None-Match": f'W/"{etag}"'}).status_code == 304
    Notification.update(read_at=Notification.created_at).execute()  # read elsewhere
    assert _again(client, etag).status_code == 200


def test_a_new_day_changes_the_page(client, auth, school, monkeypatch):
    auth.login("elev1")
    etag = _first(client)
    tomorrow = calendar.today() + timedelta(days=1)
    monkeypatch.setattr(calendar, "today", lambda: tomorrow)  # overdue, requests offered
    assert _again(client, etag).status_code == 200


def test_new_roles_and_a_new_name_change_the_page(client, auth, school):
    auth.login("laerer1")
    etag = _first(client)
    grant = RoleGrant.create(user=school.laerer1, school=school.school, role="exam_office")
    page = _again(client, etag)
    assert page.status_code == 200 and "Eksamensplan" in page.get_data(as_text=True)
    etag = page.headers["ETag"].strip('"')
    grant.delete_instance()
    assert _again(client, etag).status_code == 200
    etag = _first(client)
    school.laerer1.full_name = "Lærer Nytt Navn"
    school.laerer1.save()
    assert _again(client, etag).status_code == 200


def test_a_new_release_changes_the_page(app, client, auth, school):
    auth.login("elev1")
    etag = _first(client)
    app.config["PORTAL_RELEASE"] = "next"
    assert _again(client, etag).status_code == 200


def test_a_new_session_gets_the_page_with_its_own_form_tokens(app, client, auth, school):
    auth.login("elev1")
    etag = _first(client)
    again = app.test_client()  # the browser closed and opened: a new session, the old cache
    Auth(again).login("elev1")
    page = _again(again, etag)
    assert page.status_code == 200  # its logout form carries this session's CSRF token


def test_addresses_out_of_range_are_not_found_not_errors(client, auth, school):
    auth.login("elev1")
    assert client.get("/cases/3000000000").status_code == 404
    assert client.get("/cases/3000000000/status").status_code == 404
    assert client.get(f"/home?page={10**30}").status_code == 200


def test_a_swapped_role_and_a_school_profile_change_the_page(client, auth, school):
    auth.login("laerer1")
    grant = RoleGrant.create(user=school.laerer1, school=school.school, role="exam_office")
    etag = _first(client)
    # same number of grants, and on SQLite the new grant may even take the old one's id
    grant.delete_instance()
    RoleGrant.create(user=school.laerer1, school=school.school, role="examiner")
    page = _again(client, etag)
    assert page.status_code == 200
    etag = page.headers["ETag"].strip('"')
    assert _again(client, etag).status_code == 304
    school.school.profile = "nki"  # which requests the school offers
    school.school.save()
    assert _again(client, etag).status_code == 200


def test_filtered_and_empty_pages_answer_304_until_their_cases_change(client, auth, school):
    """A first load takes its ETag's figures from the page's query, a conditional request
    from a query of its own: the two must agree, for every filter and past the end."""
    from portal.cases.engine import note, open_case

    def file(kind, n):
        return [open_case(kind, school=school.school, school_year=school.year,
                          student=school.elev1, title=f"Sak {i}", actor=school.elev1,
                          participants=[(school.trinn, "year_coordinator")])
                for i in range(n)]

    mine = file("study_leave", 3)
    other = file("absence_note", 2)
    auth.login("trinn1")
    for address in ("/home", "/home?kind=study_leave", "/home?kind=study_leave&open=1",
                    "/home?open=1", "/home?page=40", "/home?kind=study_leave&page=40"):
        page = client.get(address)
        assert page.status_code == 200, address
        etag = page.headers["ETag"]
        assert client.get(address, headers={"If-None-Match": etag}).status_code == 304, address
    address = "/home?kind=study_leave&open=1"
    etag = client.get(address).headers["ETag"]
    note(other[0], actor=school.trinn, role="year_coordinator", action="reminder")
    assert client.get(address, headers={"If-None-Match": etag}).status_code == 304  # not listed
    note(mine[1], actor=school.trinn, role="year_coordinator", action="reminder")
    page = client.get(address, headers={"If-None-Match": etag})
    assert page.status_code == 200 and page.headers["ETag"] != etag


def test_each_row_shows_when_its_newest_event_happened(client, auth, school, monkeypatch):
    from portal.cases import engine
    from portal.filters import local_datetime
    from portal.models import Event

    cases = [engine.open_case("study_leave", school=school.school, school_year=school.year,
                              student=school.elev1, title=f"Sak {i}", actor=school.elev1,
                              participants=[(school.trinn, "year_coordinator")])
             for i in range(2)]
    filed = Event.get(Event.case == cases[0].id).created_at
    monkeypatch.setattr(engine, "utcnow", lambda: filed + timedelta(days=3))
    later = engine.note(cases[0], actor=school.trinn, role="year_coordinator",
                        action="reminder")  # three days on
    monkeypatch.undo()
    auth.login("trinn1")
    page = client.get("/home").get_data(as_text=True)
    with client.application.test_request_context():
        shown = [local_datetime(later.created_at),
                 local_datetime(Event.get(Event.case == cases[1].id).created_at)]
        old = local_datetime(filed)
    assert all(f'<span class="case-latest">{when}</span>' in page for when in shown)
    # the first case's filing no longer shows (the second's may show the same minute)
    assert page.count(f'<span class="case-latest">{old}</span>') == shown[1:].count(old)


def test_a_page_is_current_while_its_own_rows_are(client, auth, school):
    """A page's validator is its rows (and the one after it) with their versions: a change to
    a case on another page leaves it current; a change that brings a case onto it does not."""
    from portal.cases.engine import note, open_case
    from portal.main.views import PAGE_SIZE
    from portal.models import Case

    cases = [open_case("study_leave", school=school.school, school_year=school.year,
                       student=school.elev1, title=f"Sak {i}", actor=school.elev1,
                       participants=[(school.trinn, "year_coordinator")])
             for i in range(PAGE_SIZE + 3)]
    auth.login("trinn1")
    first, second = (client.get(f"/home?page={n}").headers["ETag"] for n in (1, 2))
    # the oldest case, on page 2, changed around the app: a new version, the same place
    Case.update(version=Case.version + 1).where(Case.id == cases[0].id).execute()
    assert client.get("/home?page=1", headers={"If-None-Match": first}).status_code == 304
    page = client.get("/home?page=2", headers={"If-None-Match": second})
    assert page.status_code == 200 and page.headers["ETag"] != second
    note(cases[0], actor=school.trinn, role="year_coordinator", action="reminder")
    page = client.get("/home?page=1", headers={"If-None-Match": first})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index(">Sak 0<") < html.index(f">Sak {PAGE_SIZE + 2}<")  # now at the top


def test_the_row_after_a_page_counts_for_it(client, auth, school):
    """Whether there is a next page shows on the page (its link): the case after the page is
    part of the page's validator."""
    from portal.cases.engine import open_case
    from portal.main.views import PAGE_SIZE
    from portal.models import Case

    cases = [open_case("study_leave", school=school.school, school_year=school.year,
                       student=school.elev1, title=f"Sak {i}", actor=school.elev1,
                       participants=[(school.trinn, "year_coordinator")])
             for i in range(PAGE_SIZE + 1)]
    auth.login("trinn1")
    first = client.get("/home")
    assert 'rel="next"' in first.get_data(as_text=True)
    Case.delete().where(Case.id == cases[0].id).execute()  # the only case on page 2
    page = client.get("/home", headers={"If-None-Match": first.headers["ETag"]})
    assert page.status_code == 200 and 'rel="next"' not in page.get_data(as_text=True)
