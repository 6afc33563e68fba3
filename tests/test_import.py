"""CSV import of users and class lists: bad rows named by line, nothing half-imported."""

from portal.auth.passwords import verify_password
from portal.importer import import_classes, import_users
from portal.models import (
    Enrolment,
    RoleGrant,
    SchoolClass,
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


def test_reimport_updates_instead_of_duplicating(school):
    import_users(USERS)
    result = import_users(USERS.replace("Ola Nordmann", "Ola N. Nordmann"))
    assert result.ok and result.updated == 2
    assert User.by_username("ola").full_name == "Ola N. Nordmann"


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


def test_cli_create_user(runner, school):
    result = runner.invoke(
        args=["create-user", "nyansatt", "--name", "Ny Ansatt", "--role", "teacher",
              "--school", "test-vgs"],
        input="langtpassord\n",
    )
    assert result.exit_code == 0, result.output
    assert verify_password(User.by_username("nyansatt").password_hash, "langtpassord")
