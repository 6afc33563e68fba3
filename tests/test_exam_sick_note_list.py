"""The exam office's list of doctor's notes (/exams/sick-notes): where the notification of a
note leads. It shows the notes of every school the user is the exam office of (every school
for a grant without one), by school: just those whom plan._tell_exam_office tells of a note."""

import re
from datetime import date

import pytest

from portal.exams.models import Exam, ExamRegistration
from portal.models import RoleGrant, School, SchoolYear, Subject
from portal.models.people import holders
from tests.factories import make_user
from tests.grading import make_exam, make_havbruk, oslo
from tests.statements import statements
from tests.test_exam_sick_note_grades import _sick


@pytest.fixture
def hav(db):
    return make_havbruk()


def _school_with_a_note(name, code, student):
    """Another fagskole on the havbruk profile, with its school year and one exam for which
    `student` (a username) has sent a doctor's note."""
    school = School.create(name=name, code=code, profile="havbruk")
    year = SchoolYear.create(school=school, name="2026/2027", starts_on=date(2026, 8, 17),
                             ends_on=date(2027, 6, 18))
    subject = Subject.create(school=school, code=f"{code.upper()}201", name=f"Fag ved {name}")
    exam = Exam.create(school=school, school_year=year, subject=subject,
                       starts_at=oslo(date(2027, 1, 14), 9), duration_minutes=240,
                       form="written")
    pupil = make_user(student, ["student"], school, f"Kandidat {student.title()}")
    _sick(ExamRegistration.create(exam=exam, student=pupil, status="attended"))
    return school


def _here(hav):
    """A note at the havbruk school (Testskolen vgs), for Elev Nummer1."""
    exam = make_exam(hav)
    _sick(ExamRegistration.create(exam=exam, student=hav.elev1, status="attended"))
    return exam


def _sections(html) -> list[tuple[str, list[str]]]:
    """The page's schools, in order, each with the candidates of its notes."""
    return [(heading, [name.strip() for name in re.findall(r"<h3>([^<–]+)–", body)])
            for heading, body in re.findall(
        r'<h2 id="school-\d+">([^<]+)</h2>(.*?)</section>', html, re.S)]


def test_each_exam_office_the_note_is_told_to_finds_it_on_the_list(hav, client, auth):
    """Exam office at two schools, and for every school: each is told of the note at
    Testskolen (plan._tell_exam_office), and the list shows it, under its school, with the notes
    of their other schools; the exam office of the other school alone sees only its own."""
    _here(hav)
    other = _school_with_a_note("Annen fagskole", "annen", "ola")  # first by name
    both = make_user("begge", ["exam_office"], hav.school, "Bente Begge")
    RoleGrant.create(user=both, role="exam_office", school=other)
    make_user("alle", ["exam_office"], None, "Arne Alle")
    make_user("annen", ["exam_office"], other, "Anne Annen")
    told = [u.username for u in holders(hav.school.id, "exam_office")]
    assert told == ["alle", "begge", "eksamen"]  # (by name: Arne, Bente, Eli)

    seen = {}
    for username in (*told, "annen"):
        auth.login(username)
        response = client.get("/exams/sick-notes")
        assert response.status_code == 200, username
        seen[username] = _sections(response.get_data(as_text=True))
        auth.logout()
    both_schools = [("Annen fagskole · 2026/2027", ["Kandidat Ola"]),
                    ("Testskolen vgs · 2026/2027", ["Elev Nummer1"])]
    assert seen == {"eksamen": [("Testskolen vgs · 2026/2027", ["Elev Nummer1"])],
                    "begge": both_schools, "alle": both_schools,
                    "annen": [("Annen fagskole · 2026/2027", ["Kandidat Ola"])]}


def test_a_school_without_notes_says_so_under_its_name(hav, client, auth):
    _school_with_a_note("Annen fagskole", "annen", "ola")
    both = make_user("begge", ["exam_office"], hav.school, "Bente Begge")
    RoleGrant.create(user=both, role="exam_office", school=School.get(code="annen"))
    auth.login("begge")
    html = client.get("/exams/sick-notes").get_data(as_text=True)
    assert _sections(html) == [("Annen fagskole · 2026/2027", ["Kandidat Ola"]),
                               ("Testskolen vgs · 2026/2027", [])]
    testskolen = html[html.index("Testskolen vgs · 2026/2027"):]
    assert "Det er ikke levert noen legeerklæringer for eksamenene dette skoleåret." in testskolen


def test_the_list_over_every_school_sends_the_same_statements_for_more_notes_and_schools(
        hav, client, auth):
    make_user("alle", ["exam_office"], None, "Arne Alle")
    exam = _here(hav)
    auth.login("alle")
    few = statements(client, "/exams/sick-notes")
    assert few <= 12
    for n in range(3):
        student = make_user(f"kandidat{n}", ["student"], hav.school, f"Kandidat Nummer{n}")
        _sick(ExamRegistration.create(exam=exam, student=student, status="attended"))
    for code in ("annen", "tredje"):
        _school_with_a_note(f"Fagskole {code}", code, f"elev_{code}")
    assert statements(client, "/exams/sick-notes") == few
    html = client.get("/exams/sick-notes").get_data(as_text=True)
    assert [len(names) for _school, names in _sections(html)] == [1, 1, 4]
