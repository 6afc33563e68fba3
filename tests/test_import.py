"""Schools, school years and the CSV import of users and class lists: bad rows named by
line, nothing half-imported."""

import pytest

from portal.auth.passwords import verify_password
from portal.importer import import_classes, import_users
from portal.models import (
    Enrolment,
    RoleGrant,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
)

USERS = """username,full_name,email,roles,school,password
ola,Ola Nordmann,ola@example.no,student,test-vgs,hemmelig123
kari,Kari Nordmann,,teacher;contact_teacher,test-vgs,
"""


def test_import_users_creates_accounts_with_roles(school):
    result = import_users(USERS)
    assert result.ok and (result.created, result.updated) == (2, 0)
    ola = User.by_username("ola")
    assert verify_password(ola.password_hash, "hemmelig123")
    kari = User.by_username("kari")
    assert {g.role for g in RoleGrant.select().where(RoleGrant.user == kari)} == {
        "teacher", "contact_teacher"}
    # Without a password column value the account gets an unguessable one.
    assert not verify_password(kari.password_hash, "")


def test_an_account_imported_without_a_password_cannot_be_logged_in_to(client, auth, school):
    """No password is made up and hashed for it (0.1 s an account: an hour for a county's
    students): it stores a value no password matches, a different one for each account, so
    that sessions of two such accounts could never share a fingerprint."""
    from portal.auth.passwords import unusable_password

    result = import_users("username,full_name,email,roles,school\n"
                          "per,Per,,student,test-vgs\npål,Pål,,student,test-vgs\n")
    assert result.ok and result.created == 2
    per, pal = User.by_username("per"), User.by_username("pål")
    assert per.password_hash != pal.password_hash
    assert not per.password_hash.startswith("$argon2")  # nothing was hashed for it
    for guess in ("", "demo", "not a real password"):  # (the last: what the dummy hash is of)
        assert not verify_password(per.password_hash, guess)
        assert not verify_password(unusable_password(), guess)
    assert auth.login("per", "not a real password").status_code == 401
    # a password given later works as any other
    import_users("username,full_name,email,roles,school,password\n"
                 "per,Per,,student,test-vgs,langtpassord\n")
    assert auth.login("per", "langtpassord").status_code == 302


def test_reimport_updates_instead_of_duplicating(school):
    import_users(USERS)
    result = import_users(USERS.replace("Ola Nordmann", "Ola N. Nordmann"))
    assert result.ok and result.updated == 2
    assert User.by_username("ola").full_name == "Ola N. Nordmann"


def test_reimport_without_a_password_keeps_the_one_the_user_has(school):
    import_users(USERS)
    result = import_users(USERS.replace("hemmelig123", ""))
    assert result.ok and result.updated == 2
    assert verify_password(User.by_username("ola").password_hash, "hemmelig123")


@pytest.mark.parametrize("password", ["kort", "x" * 513, " " * 9])
def test_a_password_in_the_file_is_held_to_what_users_may_choose(school, password):
    result = import_users("username,full_name,email,roles,school,password\n"
                          f"per,Per,,student,test-vgs,{password}\n")
    assert result.errors == ["line 2: password must have 8 to 512 characters (not only "
                             "spaces), or be left empty"]
    assert User.by_username("per") is None


@pytest.mark.parametrize("password", ["hemmelig123 ", " hemmelig123", "hemmelig123\t"])
def test_a_password_padded_with_spaces_is_refused(school, password):
    """A spreadsheet's padding would be part of a password nobody knows to type."""
    result = import_users("username,full_name,email,roles,school,password\n"
                          f"per,Per,,student,test-vgs,{password}\n")
    assert result.errors == ["line 2: password begins or ends with a space or tab: remove it, "
                             "or set such a password with create-user"]
    assert User.by_username("per") is None


def test_a_password_with_spaces_inside_is_taken_as_written(school):
    result = import_users("username,full_name,email,roles,school,password\n"
                          "per,Per,,student,test-vgs,to ord her\n")
    assert result.ok
    assert verify_password(User.by_username("per").password_hash, "to ord her")


def test_bad_user_rows_are_named_by_line_and_nothing_is_imported(school):
    text = (
        "username,full_name,email,roles,school\n"
        "good,Good Person,,student,test-vgs\n"
        "bad user,Bad,,student,test-vgs\n"
        "nameless,,,student,test-vgs\n"
        "wizard,Wiz,,wizard,test-vgs\n"
        "lost,Lost,,student,no-such-school\n"
        "good,Twice,,student,test-vgs\n"
    )
    result = import_users(text)
    assert not result.ok
    joined = "\n".join(result.errors)
    assert [e.split(":")[0] for e in result.errors] == [
        "line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "unknown role(s): wizard" in joined and "no-such-school" in joined
    assert "appears twice" in joined
    assert User.by_username("good") is None


def test_missing_columns_are_reported(school):
    result = import_users("username,full_name\nx,y\n")
    assert result.errors == ["line 1: missing column(s): email, roles, school"]


def test_import_classes(school):
    import_users(USERS)
    text = (
        "school,year,class,username,part,subject_code,subject_name\n"
        "test-vgs,2026/2027,2STA,ola,student,,\n"
        "test-vgs,2026/2027,2STA,kari,contact_teacher,,\n"
        "test-vgs,2026/2027,2STA,kari,teacher,KJE1001,Kjemi 1\n"
    )
    result = import_classes(text)
    assert result.ok, result.errors
    klass = SchoolClass.get(SchoolClass.name == "2STA")
    assert klass.contact_teacher.username == "kari"
    assert [s.username for s in klass.students()] == ["ola"]
    assert TeachingAssignment.get(TeachingAssignment.school_class == klass).subject.code == (
        "KJE1001")


def test_import_planned_lessons_and_practice_periods(school):
    import_users(USERS)
    text = (
        "school,year,class,username,part,subject_code,subject_name,planned_lessons,practice\n"
        "test-vgs,2026/2027,2STA,kari,teacher,KJE1001,Kjemi 1,140,nei\n"
        "test-vgs,2026/2027,2STB,kari,teacher,PRA1001,Praksis i barnehage,80,ja\n"
    )
    result = import_classes(text)
    assert result.ok, result.errors
    rows = {a.subject.code: a for a in TeachingAssignment.select().where(
        TeachingAssignment.teacher == User.by_username("kari"))}
    assert (rows["KJE1001"].planned_lessons, rows["KJE1001"].subject.practice) == (140, False)
    assert (rows["PRA1001"].planned_lessons, rows["PRA1001"].subject.practice) == (80, True)


def test_bad_planned_lessons_and_practice_are_named(school):
    import_users(USERS)
    text = (
        "school,year,class,username,part,subject_code,subject_name,planned_lessons,practice\n"
        "test-vgs,2026/2027,2STA,kari,teacher,KJE1001,Kjemi 1,mange,nei\n"
        "test-vgs,2026/2027,2STA,kari,teacher,PRA1001,Praksis,80,kanskje\n"
    )
    result = import_classes(text)
    assert [e.split(":")[0] for e in result.errors] == ["line 2", "line 3"]
    assert "planned_lessons must be a whole number" in result.errors[0]
    assert "practice must be ja or nei" in result.errors[1]
    assert not Subject.select().where(Subject.code == "PRA1001").exists()


def test_bad_class_rows_leave_nothing_behind(school):
    import_users(USERS)
    text = (
        "school,year,class,username,part\n"
        "test-vgs,2026/2027,2STA,ola,student\n"
        "test-vgs,1999/2000,2STA,ola,student\n"
        "test-vgs,2026/2027,2STA,ghost,student\n"
        "test-vgs,2026/2027,2STA,ola,contact_teacher\n"
        "test-vgs,2026/2027,2STA,kari,teacher\n"
    )
    result = import_classes(text)
    assert [e.split(":")[0] for e in result.errors] == ["line 3", "line 4", "line 5", "line 6"]
    assert "does not have the role contact_teacher" in result.errors[2]
    assert not SchoolClass.select().where(SchoolClass.name == "2STA").exists()
    assert Enrolment.select().count() == 3  # only the fixture's


def test_cli_import_reports_bad_rows(runner, school, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username,full_name,email,roles,school\nx y,Z,,student,test-vgs\n")
    result = runner.invoke(args=["import-users", str(path)])
    assert result.exit_code != 0
    assert "line 2" in result.output and "nothing was imported" in result.output


@pytest.mark.parametrize("password", ["langtpassord", " to ord med mellomrom "])
def test_cli_create_user(runner, school, password):
    result = runner.invoke(
        args=["create-user", "nyansatt", "--name", "Ny Ansatt", "--role", "teacher",
              "--school", "test-vgs"],
        input=password + "\n",
    )
    assert result.exit_code == 0, result.output
    # exactly as typed: the spaces a password begins or ends with are part of it
    assert verify_password(User.by_username("nyansatt").password_hash, password)


def test_a_new_school_is_set_up_from_the_command_line_alone(runner, client, auth, db,
                                                          tmp_path):
    """What a school's IT staff do on an empty database (docs/production.md): the school and
    its year, the users, the classes; then a student logs in to their school's home page."""
    from portal.rules.calendar import today

    year = today().year if today().month >= 8 else today().year - 1
    steps = [
        ["create-school", "berg-vgs", "--name", "Berg videregående skole", "--profile", "vgs"],
        ["create-school-year", "berg-vgs", f"{year}/{year + 1}", "--starts",
         f"{year}-08-17", "--ends", f"{year + 1}-06-18"],
    ]
    for args in steps:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Created ")
    users = tmp_path / "users.csv"
    users.write_text("username,full_name,email,roles,school,password\n"
                     "kari,Kari Elev,,student,berg-vgs,langtpassord\n"
                     "ola,Ola Lærer,,teacher;contact_teacher,berg-vgs,langtpassord\n")
    classes = tmp_path / "classes.csv"
    classes.write_text("school,year,class,username,part,subject_code,subject_name\n"
                       f"berg-vgs,{year}/{year + 1},1STA,kari,student,,\n"
                       f"berg-vgs,{year}/{year + 1},1STA,ola,contact_teacher,,\n"
                       f"berg-vgs,{year}/{year + 1},1STA,ola,teacher,NOR1260,Norsk\n")
    reports = {"import-users": "Imported: 2 created, 0 updated.",
               "import-classes": "Imported. Classes created: 1; students enrolled: 1; "
                                 "teaching assignments added: 1; class roles set: 1."}
    for command, path in (("import-users", users), ("import-classes", classes)):
        result = runner.invoke(args=[command, str(path)])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == reports[command]
    # the same file again changes nothing, and says so
    again = runner.invoke(args=["import-classes", str(classes)])
    assert again.output.strip() == ("Imported. Classes created: 0; students enrolled: 0; "
                                    "teaching assignments added: 0; class roles set: 0.")
    assert auth.login("kari", "langtpassord").status_code == 302
    home = client.get("/home").get_data(as_text=True)
    assert "Kari Elev" in home and "Selvstendig studiearbeid" in home


@pytest.mark.parametrize("args, message", [
    (["create-school", "Berg VGS", "--name", "Berg", "--profile", "vgs"], "lower-case"),
    (["create-school", "berg", "--name", "Berg", "--profile", "nope"], "profile 'nope'"),
    (["create-school", "test-vgs", "--name", "Igjen", "--profile", "vgs"], "exists already"),
    (["create-school-year", "nope", "2026/2027", "--starts", "2026-08-17", "--ends",
      "2027-06-18"], "no school with code 'nope'"),
    (["create-school-year", "test-vgs", "2026/2027", "--starts", "2026-18-08", "--ends",
      "2027-06-18"], "is not a date"),
    (["create-school-year", "test-vgs", "2027/2028", "--starts", "2027-08-17", "--ends",
      "2027-06-18"], "must end after it starts"),
    (["create-school-year", "test-vgs", "2027/2028", "--starts", "20270817", "--ends",
      "2028-06-18"], "is not a date"),
    (["create-school-year", "test-vgs", "2027/2028", "--starts", "2027-08-17", "--ends",
      "2072-06-18"], "longer than a year"),
    (["create-school-year", "test-vgs", "2026vår", "--starts", "2026-01-05", "--ends",
      "2026-06-19"], "starts in 2026 too"),
])
def test_a_school_or_year_that_cannot_be_is_not_created(runner, school, args, message):
    before = (School.select().count(), SchoolYear.select().count())
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output and "was not created" in result.output
    assert (School.select().count(), SchoolYear.select().count()) == before


def test_school_years_of_one_school_may_not_overlap(runner, school):
    year = SchoolYear.get(SchoolYear.school == School.get(School.code == "test-vgs"))
    code = "test-vgs"
    result = runner.invoke(args=[
        "create-school-year", code, "ekstra", "--starts", str(year.ends_on),
        "--ends", str(year.ends_on.replace(year=year.ends_on.year + 1))])
    assert result.exit_code != 0 and f"overlaps {code}'s school year" in result.output
    result = runner.invoke(args=[
        "create-school-year", code, "neste", "--starts",
        str(year.ends_on.replace(day=year.ends_on.day + 1)), "--ends",
        str(year.ends_on.replace(year=year.ends_on.year + 1))])
    assert result.exit_code == 0, result.output


def test_create_user_again_sets_a_new_password_and_keeps_the_address(runner, school):
    """Run again for a user who exists: the user's e-mail address stays when --email is not
    given."""
    args = ["create-user", "nyansatt", "--name", "Ny Ansatt", "--role", "teacher",
            "--school", "test-vgs"]
    assert runner.invoke(args=[*args, "--email", "ny@skole.no"],
                         input="langtpassord\n").exit_code == 0
    result = runner.invoke(args=args, input="nyttpassord\n")
    assert result.exit_code == 0, result.output
    user = User.by_username("nyansatt")
    assert verify_password(user.password_hash, "nyttpassord")
    assert user.email == "ny@skole.no"


def test_an_unknown_role_is_named_with_the_roles_there_are(school):
    result = import_users("username,full_name,email,roles,school\nny,Ny,,lærer,test-vgs\n")
    assert "unknown role(s): lærer (roles: " in result.errors[0]
    assert "teacher" in result.errors[0] and "student" in result.errors[0]


def test_set_password_sets_only_the_password(app, runner, client, auth, school):
    """A forgotten password set by staff (docs/production.md): the roles stay as they were
    (create-user without --school would have added a role at every school), the user's
    sessions end and a throttled account opens again."""
    from portal.auth import throttle
    from portal.models import LoginThrottle

    before = sorted((g.role, g.school_id) for g in RoleGrant.select().join(User).where(
        User.username == "laerer1"))
    auth.login("laerer1")
    assert client.get("/home").status_code == 200
    for _ in range(3):
        throttle.record_failure(["user:laerer1"])
    result = runner.invoke(args=["set-password", "Laerer1"], input="nytt-passord\n")
    assert result.exit_code == 0, result.output
    assert result.output == "Password set for laerer1; sessions they had are logged out.\n"
    assert verify_password(User.by_username("laerer1").password_hash, "nytt-passord")
    assert sorted((g.role, g.school_id) for g in RoleGrant.select().join(User).where(
        User.username == "laerer1")) == before
    assert client.get("/home").status_code == 302  # the session ended
    assert not LoginThrottle.select().where(LoginThrottle.key == "user:laerer1").exists()
    assert auth.login("laerer1", "nytt-passord").status_code == 302


@pytest.mark.parametrize("username, password, message", [
    ("ingen", "nytt-passord", "No user ingen."),
    ("laerer1", "kort", "The password must have 8 to 512 characters"),
])
def test_set_password_refuses_what_it_cannot_do(runner, school, username, password, message):
    result = runner.invoke(args=["set-password", username], input=password + "\n")
    assert result.exit_code != 0 and message in result.output
    assert verify_password(User.by_username("laerer1").password_hash, "demo")


def test_set_password_for_a_user_gone_meanwhile_says_so(runner, school, monkeypatch):
    """The user is deleted while the password is typed: a message, not a traceback."""
    from portal import cli

    read = cli._read_password

    def typed_while_deleted():
        User.delete().where(User.username == "elev3").execute()
        return read()

    monkeypatch.setattr(cli, "_read_password", typed_while_deleted)
    result = runner.invoke(args=["set-password", "elev3"], input="nytt-passord\n")
    assert result.exit_code == 1 and "No user elev3." in result.output


def test_create_user_says_whom_it_created_or_updated(runner, school):
    args = ["create-user", "NyAnsatt", "--name", "Ny Ansatt", "--role", "teacher",
            "--school", "test-vgs"]
    assert runner.invoke(args=args, input="langtpassord\n").output == "Created user nyansatt.\n"
    assert runner.invoke(args=args, input="langtpassord\n").output == "Updated user nyansatt.\n"
