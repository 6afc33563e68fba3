"""The demo schools: `make run` loads them into an empty database, and every account works."""

from datetime import date, timedelta

import pytest

from portal import demo
from portal.auth.passwords import verify_password
from portal.models import RoleGrant, School, SchoolClass, User

VGS_ACCOUNTS = (
    [f"elev{i}" for i in range(1, 61)] + [f"laerer{i}" for i in range(1, 9)]
    + ["trinn1", "kull1", "avd1", "rektor", "eksamen", "sensor1", "sensor2", "klage1", "admin"]
)
HAVBRUK_ACCOUNTS = (
    [f"student{i}" for i in range(1, 21)] + [f"f-laerer{i}" for i in range(1, 5)]
    + ["f-kull1", "f-avd1", "f-rektor", "f-eksamen", "f-sensor1", "f-sensor2", "f-klage1"]
)


def test_demo_data_creates_both_schools_and_every_account(db):
    assert demo.is_empty()
    demo.load(today=date(2026, 11, 23))
    assert not demo.is_empty()
    schools = {s.code: s for s in School.select()}
    assert schools["solberg-vgs"].profile == "vgs"
    assert schools["havbruk"].profile == "havbruk"
    assert schools["solberg-vgs"].rules.name == "vgs"
    users = {u.username: u for u in User.select()}
    for username in VGS_ACCOUNTS + HAVBRUK_ACCOUNTS:
        user = users[username]
        assert user.role_codes(), f"{username} has no role"
        assert verify_password(user.password_hash, "demo"), username
    assert {n for n in users} >= set(VGS_ACCOUNTS + HAVBRUK_ACCOUNTS)
    classes = list(SchoolClass.select().where(SchoolClass.school == schools["solberg-vgs"]))
    assert sorted(c.name for c in classes) == ["1STA", "1STB", "1STC"]
    first = next(c for c in classes if c.name == "1STA")
    assert first.contact_teacher.username == "laerer1"
    assert first.year_coordinator.username == "trinn1"
    assert RoleGrant.select().where(RoleGrant.role == "appeals_board").count() == 2


def test_demo_data_if_empty_is_idempotent(runner, db):
    assert runner.invoke(args=["demo-data", "--if-empty"]).exit_code == 0
    count = User.select().count()
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0
    assert User.select().count() == count


def test_one_account_of_every_role_logs_in(app, client, auth):
    with app.app_context():
        from portal.db import database

        with database.connection_context():
            demo.load(today=date(2026, 11, 23))
    for username in ["elev1", "laerer1", "trinn1", "kull1", "avd1", "rektor", "eksamen",
                     "sensor1", "klage1", "admin", "student1", "f-rektor"]:
        response = auth.login(username)
        assert response.status_code == 302, username
        home = client.get("/home")
        assert home.status_code == 200
        assert "Logg ut" in home.get_data(as_text=True)
        auth.logout()


def test_home_offers_only_the_requests_the_school_profile_has(app, client, auth):
    with app.app_context():
        from portal.db import database

        with database.connection_context():
            demo.load(today=date(2026, 11, 23))
    auth.login("elev1")
    assert 'href="/study-leave/new"' in client.get("/home").get_data(as_text=True)
    auth.logout()
    auth.login("student1")  # fagskole on profile havbruk: no selvstendig studiearbeid
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/study-leave/new"' not in page
    assert client.get("/study-leave/new").status_code == 404


# Days the demo is loaded on whose old fixed choice (the Monday two weeks on, and a week
# after it) fell in a break: Christmas, autumn (week 40), winter (week 8), Easter 2027.
STUDY_LEAVE_DAYS = [date(2026, 11, 23), date(2026, 12, 3), date(2026, 9, 14),
                    date(2027, 2, 8), date(2027, 3, 4)]


@pytest.mark.parametrize("today", STUDY_LEAVE_DAYS)
def test_every_demo_study_leave_passes_the_check_the_form_makes(app, db, today):
    """Each demo application's period is one the application form accepts on the day the
    demo is loaded (flow.check_period: the lead time, the school year, school days), and
    its first and last days are school days."""
    from portal.kinds.study_leave import flow
    from portal.kinds.study_leave.models import StudyLeave
    from portal.models import Case, SchoolYear
    from portal.rules.calendar import school_days

    app.config["PORTAL_TODAY"] = today
    demo.load(today=today)
    leaves = list(StudyLeave.select(StudyLeave, Case).join(Case))
    assert {leave.case.state for leave in leaves} == {"submitted", "granted"}
    for leave in leaves:
        school = leave.case.school
        year, breaks = SchoolYear.current_with_breaks(school, today)
        first, last = leave.first_day, leave.last_day
        assert flow.check_period(school, first, last, today, year, breaks) == [], (first, last)
        assert school_days(first, first, breaks) == [first]
        assert school_days(last, last, breaks) == [last]


def test_the_demo_asks_the_rules_for_its_periods_on_every_day_of_the_year(app, db):
    """period_for, which the demo files with, on every day of a school year: a period it
    gives passes check_period and holds the school days asked for, with no break or holiday
    in it; it gives one on every day until some weeks before the summer."""
    from portal.kinds.study_leave import flow
    from portal.kinds.study_leave.demo import period_for
    from portal.models import SchoolYear
    from portal.rules.calendar import school_days

    demo.load(today=date(2026, 8, 17))
    school = School.get(School.code == "solberg-vgs")
    year, breaks = SchoolYear.current_with_breaks(school, date(2026, 8, 17))
    day, found = year.starts_on, []
    while day <= year.ends_on:
        period = period_for(school, day, 3, year, breaks)
        if period is not None:
            first, last = period
            assert flow.check_period(school, first, last, day, year, breaks) == [], day
            assert len(school_days(first, last, breaks)) == 3
            assert all(d.weekday() >= 5 for d in set(
                first + timedelta(days=i) for i in range((last - first).days + 1))
                - set(school_days(first, last, breaks))), (day, period)
            found.append(day)
        day += timedelta(days=1)
    assert found[0] == year.starts_on and found[-1] >= date(2027, 6, 1)
    assert len(found) == (found[-1] - found[0]).days + 1  # none missing before that
