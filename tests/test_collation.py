"""Lists of names in Norwegian alphabetical order (portal/collation.py), on SQLite and on
PostgreSQL whatever the cluster's locale: case ignored, É with E, Æ Ø Å after Z."""

import pytest

from portal.collation import sort_key
from portal.models import Enrolment, SchoolClass, Subject
from tests.factories import make_user

# in Norwegian order; by code point (SQLite's own, PostgreSQL's in C.UTF-8) "Ola", "Zara",
# "anne", "Åse", "Ærlig", "Émile", "Øyvind"; en_US.UTF-8 puts "Åse" first, among the A's
NORWEGIAN = ["anne Lund", "Émile Berg", "Ola Nordmann", "Zara Moe", "Ærlig Dahl",
             "Øyvind Lie", "Åse Holm"]


def test_the_sort_key_puts_names_in_norwegian_order():
    assert sorted(reversed(NORWEGIAN), key=sort_key) == NORWEGIAN
    assert sorted(NORWEGIAN[::2] + NORWEGIAN[1::2], key=sort_key) == NORWEGIAN
    # the German and Swedish letters with their Norwegian twins; "aa" as å (Aasen)
    assert sorted(["Öberg", "Østby", "Ärlig", "Zink"], key=sort_key) == [
        "Zink", "Ärlig", "Öberg", "Østby"]
    assert sorted(["Aasen", "Berg", "Zahl"], key=sort_key) == ["Berg", "Zahl", "Aasen"]
    # the same letters, decomposed (as some systems store them), sort as the composed ones
    assert sort_key("A\u030ase Holm")[0] == sort_key("Åse Holm")[0]


# names where code points, en_US and a key that only took accents off would all go wrong
HARD = ["Łukasz Nowak", "Lars Lie", "Luna", "Đặng Văn", "Dag", "Ivar", "Ida", "İbrahim",
        "Anne\xa0Lise", "Anne Lise", "Anne-Lise", "Annelise", "Annette", "Ola Nordmann",
        "ola nordmann", "OLA NORDMANN", "Zahl", "Ærlig", "Ärlig", "Øst", "Öst", "Åse", "Aasen",
        "Åsen", "Émile", "Emil", "Þór", "Thor", "Ödön", "Győző", "Müller", "Myhre", "de la Cruz",
        "De la Cruz", "O'Brien", "Obrien", "Per 2", "Per 10", "St. Olav", "1STA", "Vg1 bygg",
        "VG1 Bygg"]


def test_the_database_orders_as_the_sort_key_does(db):
    """PostgreSQL's ICU collation (migration 021) and SQLite's function (portal/db.py) give
    the order of `sort_key`, which the portal also sorts by in Python: the same list in the
    same order whichever database a school runs."""
    from portal.db import database

    values = ", ".join(["(?)" if database.param == "?" else "(%s)"] * len(HARD))
    rows = database.execute_sql(f"SELECT column1 FROM (VALUES {values}) AS v "
                                "ORDER BY column1 COLLATE portal_nb", HARD).fetchall()
    assert [x for (x,) in rows] == sorted(HARD, key=sort_key)


def test_names_alike_but_for_accents_and_case():
    assert sorted(["Ärlig", "Ærlig", "Öst", "Øst", "Aasen", "Åsen"], key=sort_key) == [
        "Ærlig", "Ärlig", "Øst", "Öst", "Åsen", "Aasen"]
    assert sorted(["OLA NORDMANN", "Ola Nordmann", "ola nordmann"], key=sort_key) == [
        "ola nordmann", "Ola Nordmann", "OLA NORDMANN"]


def test_a_users_schools_are_in_norwegian_order(db):
    """(The statement that loads the user for every page orders their roles' schools.)"""
    from portal.models import RoleGrant, School, User

    user = make_user("rektor", [], None, "Rita Rektor")
    for code, name in (("asa", "Åsane vgs"), ("ber", "Bergen katedralskole"), ("ole", "Ølen vgs")):
        RoleGrant.create(user=user, role="principal",
                         school=School.create(name=name, code=code, profile="vgs"))
    assert [s.name for s in User.load(user.id).schools()] == [
        "Bergen katedralskole", "Ølen vgs", "Åsane vgs"]


@pytest.fixture
def class_of_names(school):
    klass = SchoolClass.create(school=school.school, school_year=school.year, name="2STA",
                               contact_teacher=school.laerer1)
    for n, name in enumerate(reversed(NORWEGIAN)):
        student = make_user(f"navn{n}", ["student"], school.school, name)
        Enrolment.create(student=student, school_class=klass)
    return klass


def test_a_class_lists_its_students_in_norwegian_order(class_of_names):
    assert [s.full_name for s in class_of_names.students()] == NORWEGIAN


def test_staff_and_subjects_are_listed_in_norwegian_order(school):
    from portal.models import TeachingAssignment
    from portal.models.people import holders

    for n, name in enumerate(["Åshild Rektor", "Bjørn Rektor", "Ørjan Rektor"]):
        make_user(f"rektor{n}", ["principal"], school.school, name)
    assert [u.full_name for u in holders(school.school, "principal")] == [
        "Bjørn Rektor", "Ørjan Rektor", "Åshild Rektor"]

    for code, name in (("AAR1", "Årsplan"), ("OKO1", "Økonomi"), ("ENG1", "engelsk")):
        subject = Subject.create(school=school.school, code=code, name=name)
        TeachingAssignment.create(teacher=school.laerer1, subject=subject,
                                  school_class=school.klass, planned_lessons=10)
    subjects = [a.subject.name for a in TeachingAssignment.for_student(school.elev1,
                                                                       school.year)]
    assert subjects == ["engelsk", "Matematikk 1T", "Norsk", "Økonomi", "Årsplan"]


def test_a_class_page_lists_its_students_in_norwegian_order(client, auth, class_of_names):
    """Seen on a page: the contact teacher's absence overview of the class (by risk, and
    within the same risk by name; no absence here)."""
    auth.login("laerer1")
    html = client.get(f"/absence/classes/{class_of_names.id}").get_data(as_text=True)
    assert sorted(NORWEGIAN, key=html.index) == NORWEGIAN
