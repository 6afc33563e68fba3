"""The demo schools: `make run` loads them into an empty database, and every account works."""

from datetime import date

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
