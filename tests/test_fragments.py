"""Rendered list rows kept per process (portal/fragments.py): a row comes from the cache only
as it would be rendered now, whoever looks and whatever changed the case."""

import re
from datetime import timedelta

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
    # the coordinator's queue shows the same two cases: no new entries
    assert len(app.jinja_env.portal_rows.rows) == 2
    assert sorted(staff_rows) == sorted(rows)
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


def test_no_cache_in_debug_mode_or_when_turned_off(app):
    app.debug = True  # templates reload: an edited row must show at once
    fragments.init_app(app)
    assert app.jinja_env.portal_rows is None
    app.debug = False
    app.config["PORTAL_ROW_CACHE_SIZE"] = 0
    fragments.init_app(app)
    assert app.jinja_env.portal_rows is None
    app.config["PORTAL_ROW_CACHE_SIZE"] = 10
    fragments.init_app(app)
    assert app.jinja_env.portal_rows.size == 10


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
