"""Rendered list rows kept per process (portal/fragments.py): a row comes from the cache only
as it would be rendered now, whoever looks and whatever changed the case."""

import re
from datetime import timedelta

import pytest

from portal import fragments
from portal.cases import engine
from portal.models import Case
from portal.rules import calendar
from tests.conftest import Auth
from tests.test_engine import TEST_KIND, kind  # noqa: F401  (fixture)


def _open(school, title="Min sak"):
    return engine.open_case(TEST_KIND.code, school=school.school, school_year=school.year,
                            student=school.elev1, title=title, actor=school.elev1,
                            participants=[(school.trinn, "year_coordinator")])


def _rows(client) -> list[str]:
    html = client.get("/home").get_data(as_text=True)
    return re.findall(r'<li class="case-row">.*?</li>', html, re.S)


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _uncached(app, client) -> list[str]:
    kept, app.jinja_env.portal_rows = app.jinja_env.portal_rows, None
    try:
        return _rows(client)
    finally:
        app.jinja_env.portal_rows = kept


def test_a_row_is_rendered_once_for_everyone_who_sees_it(app, client, auth, school, kind):  # noqa: F811
    first, second = _open(school, "Første"), _open(school, "Andre")
    auth.login("elev1")
    rows = _rows(client)
    assert len(rows) == 2 and "Første" in "".join(rows) and "Andre" in "".join(rows)
    assert len(app.jinja_env.portal_rows.rows) == 2
    assert _uncached(app, client) == rows  # the same HTML as rendered without the cache
    staff = app.test_client()
    Auth(staff).login("trinn1")
    staff_rows = _rows(staff)
    # staff's rows name whose case it is: two entries of their own ...
    assert len(app.jinja_env.portal_rows.rows) == 4
    named = '<span class="case-student">Elev Nummer1, 1STA</span>'
    assert all(named in row for row in staff_rows)
    assert sorted(_plain(r.replace(named, "")) for r in staff_rows) == sorted(map(_plain, rows))
    # ... which every staff member who follows the cases shares: no new entries
    for case in (first, second):
        engine.add_participant(case, school.laerer1, "contact_teacher")
    other = app.test_client()
    Auth(other).login("laerer1")
    assert sorted(_rows(other)) == sorted(staff_rows)
    assert len(app.jinja_env.portal_rows.rows) == 4
    assert {first.id, second.id} == {key[1][0] for key in app.jinja_env.portal_rows.rows}


def test_a_row_shows_what_changed_whatever_changed_it(app, client, auth, school, kind):  # noqa: F811
    case = _open(school)
    auth.login("trinn1")
    assert "Min sak" in _rows(client)[0]
    # written around the app (a script, an admin's SQL): no new version, no new event
    Case.update(title="Nytt navn").where(Case.id == case.id).execute()
    assert "Nytt navn" in _rows(client)[0]
    Case.update(state="with_staff").where(Case.id == case.id).execute()
    row = _rows(client)[0]
    assert "With staff" in row and "Sent" not in row
    assert _rows(client) == _uncached(app, client)


def test_a_new_day_makes_a_row_later(app, client, auth, school, kind, monkeypatch):  # noqa: F811
    case = _open(school)
    today = calendar.today()
    Case.update(staff_due_on=today - timedelta(days=1)).where(Case.id == case.id).execute()
    auth.login("trinn1")
    assert "1 dag forsinket" in _rows(client)[0]
    monkeypatch.setattr(calendar, "today", lambda: today + timedelta(days=2))
    assert "3 dager forsinket" in _rows(client)[0]


def test_the_cache_keeps_no_more_rows_than_it_may(app, client, auth, school, kind):  # noqa: F811
    app.jinja_env.portal_rows = fragments.RowCache(2)
    titles = [f"Sak {n}" for n in range(5)]
    for title in titles:
        _open(school, title)
    auth.login("elev1")
    rows = _rows(client)
    assert len(app.jinja_env.portal_rows.rows) == 2
    assert sorted(re.search(r"Sak \d", row).group(0) for row in rows) == titles
    assert _rows(client) == rows


def test_no_rows_kept_while_templates_reload_or_when_turned_off(app, client, auth, school,
                                                               kind):  # noqa: F811
    _open(school)
    auth.login("elev1")
    app.jinja_env.auto_reload = True  # debug mode, or TEMPLATES_AUTO_RELOAD: edits show at once
    assert len(_rows(client)) == 1 and not app.jinja_env.portal_rows.rows
    app.jinja_env.auto_reload = False
    assert len(_rows(client)) == 1 and len(app.jinja_env.portal_rows.rows) == 1
    app.config["PORTAL_ROW_CACHE_SIZE"] = 0
    fragments.init_app(app)
    assert app.jinja_env.portal_rows is None and len(_rows(client)) == 1
    app.config["PORTAL_ROW_CACHE_SIZE"] = 10
    fragments.init_app(app)
    assert app.jinja_env.portal_rows.size == 10


def test_rows_are_kept_by_where_the_app_is_mounted(app, client, auth, school, kind):  # noqa: F811
    case = _open(school)
    auth.login("elev1")
    assert f'href="/cases/{case.id}"' in _rows(client)[0]
    mounted = client.get("/home", base_url="http://localhost/portal").get_data(as_text=True)
    assert f'href="/portal/cases/{case.id}"' in mounted
    assert len(app.jinja_env.portal_rows.rows) == 2


def test_a_long_text_takes_the_room_of_several_rows_and_the_least_used_go_first():
    cache = fragments.RowCache(3)  # 3 rows, 4,500 bytes
    cache.put("a", "x" * 400, 0)
    cache.put("b", "x" * 400, 0)
    assert cache.get("a") is not None  # used: "b" is now the least recently used
    cache.put("c", "x" * 2_000, 1_000)  # a long text: "b" goes to make room
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    assert cache.used <= cache.budget
    cache.put("d", "x" * 5_000, 0)  # more than the whole cache: not kept, nothing evicted
    assert cache.get("d") is None and cache.get("a") and cache.get("c")


@pytest.mark.usefixtures("kind")
def test_the_check_finds_a_key_that_misses_what_its_row_shows(app, client, auth, school,
                                                               monkeypatch):
    case = _open(school)
    auth.login("elev1")
    _rows(client)
    without_title = lambda row: fragments.case_row_key(row)[:4]  # noqa: E731
    monkeypatch.setitem(fragments.KEYS, "case_row", without_title)
    _rows(client)  # kept under the short key, then taken again: the same so far
    Case.update(title="Nytt navn").where(Case.id == case.id).execute()
    with pytest.raises(AssertionError, match="case_row"):
        client.get("/home")


def _timeline(client, case) -> str:
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    return html[html.index('id="timeline-heading"'):]


def test_a_timeline_is_rendered_as_without_the_cache_and_follows_names(app, client, auth,
                                                                        school, kind):  # noqa: F811
    case = _open(school)
    engine.apply(case, "take", actor=school.trinn, expected_version=case.version)
    auth.login("elev1")
    first = _timeline(client, case)
    assert first.count("<li>") == 2 and school.trinn.full_name in first
    kept, app.jinja_env.portal_rows = app.jinja_env.portal_rows, None
    assert _timeline(client, case) == first
    app.jinja_env.portal_rows = kept
    assert _timeline(client, case) == first
    school.trinn.full_name = "Trinn Nytt Navn"  # who acted is named as they are called now
    school.trinn.save()
    assert "Trinn Nytt Navn" in _timeline(client, case)
    status = client.get(f"/cases/{case.id}/status").get_data(as_text=True)
    assert "Trinn Nytt Navn" in status and "With staff" in status
    kept, app.jinja_env.portal_rows = app.jinja_env.portal_rows, None
    assert client.get(f"/cases/{case.id}/status").get_data(as_text=True) == status
    app.jinja_env.portal_rows = kept
