"""Staff see whose case it is: the student's name and class on each row of the work queue and
on the case page (the student is called elev at a vgs, student at a fagskole), read with the
page's own statements, not one a row."""

import re

from portal.cases.engine import open_case
from portal.models import Enrolment, SchoolClass, User
from tests.factories import make_school, make_user
from tests.statements import statements


def _note(school, student, title="Sykdom"):
    return open_case("absence_note", school=school.school, school_year=school.year,
                     student=student, title=title, actor=student,
                     participants=[(school.laerer1, "contact_teacher")])


def _rows(html: str) -> list[str]:
    return re.findall(r'<li class="case-row">.*?</li>', html, re.S)


def test_each_row_of_the_work_queue_names_the_student_and_class(client, auth, school):
    _note(school, school.elev1, "Sykdom 1")
    _note(school, school.elev3, "Sykdom 3")  # in 1STB
    no_class = make_user("elev9", ["student"], school.school, "Uten Klasse")
    _note(school, no_class, "Sykdom 9")
    auth.login("laerer1")
    rows = _rows(client.get("/home").get_data(as_text=True))
    assert len(rows) == 3
    by_title = {re.search(r'case-title">([^<]+)', r).group(1): r for r in rows}
    assert '<span class="case-student">Elev Nummer1, 1STA</span>' in by_title["Sykdom 1"]
    assert '<span class="case-student">Elev Nummer3, 1STB</span>' in by_title["Sykdom 3"]
    assert '<span class="case-student">Uten Klasse</span>' in by_title["Sykdom 9"]


def test_a_students_own_rows_do_not_name_them(client, auth, school):
    _note(school, school.elev1)
    auth.login("elev1")
    html = client.get("/home").get_data(as_text=True)
    assert len(_rows(html)) == 1 and "case-student" not in html


def test_the_queue_asks_no_more_statements_for_more_rows(client, auth, school):
    _note(school, school.elev1)
    auth.login("laerer1")
    few = statements(client, "/home")
    for n in range(6):
        _note(school, school.elev2 if n % 2 else school.elev3, f"Sykdom {n}")
    assert statements(client, "/home") == few


def test_a_new_name_or_class_shows_on_the_row(client, auth, school):
    """The row's HTML is kept (portal/fragments.py): its key holds the name and the class."""
    _note(school, school.elev1)
    auth.login("laerer1")
    assert "Elev Nummer1, 1STA<" in client.get("/home").get_data(as_text=True)
    User.update(full_name="Elev Nyttnavn").where(User.id == school.elev1.id).execute()
    Enrolment.update(school_class=school.other_class).where(
        Enrolment.student == school.elev1.id).execute()
    assert "Elev Nyttnavn, 1STB<" in client.get("/home").get_data(as_text=True)


def test_the_class_is_the_one_of_the_cases_school_year(client, auth, school):
    from datetime import date

    from portal.models import SchoolYear

    last_year = SchoolYear.create(school=school.school, name="2025/2026",
                                  starts_on=date(2025, 8, 18), ends_on=date(2026, 6, 19))
    old = SchoolClass.create(school=school.school, school_year=last_year, name="0VGX")
    Enrolment.create(student=school.elev1, school_class=old)
    _note(school, school.elev1)
    auth.login("laerer1")
    assert "Elev Nummer1, 1STA<" in client.get("/home").get_data(as_text=True)


def test_the_case_page_names_the_student_to_staff_not_to_the_student(client, auth, school):
    case = _note(school, school.elev1)
    auth.login("laerer1")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert '<p class="case-student"><strong>Elev:</strong> Elev Nummer1, 1STA</p>' in html
    auth.logout()
    auth.login("elev1")
    assert "case-student" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_at_a_fagskole_the_student_is_called_student(client, auth, db):
    hav = make_school(profile="havbruk", code="test-hav")
    case = _note(hav, hav.elev1)
    auth.login("laerer1")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert '<strong>Student:</strong> Elev Nummer1, 1STA' in html
    # the timeline names the part the same way: "(Student)", not "(Elev)"
    timeline = html[html.index('id="timeline-heading"'):]
    assert "Elev Nummer1 (Student)" in timeline and "(Elev)" not in timeline


def test_at_a_vgs_the_timeline_says_elev(client, auth, school):
    case = _note(school, school.elev1)
    auth.login("laerer1")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Elev Nummer1 (Elev)" in html[html.index('id="timeline-heading"'):]
