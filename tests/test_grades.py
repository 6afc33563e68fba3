"""Grades: examiners or the exam office record them, the exam office publishes them (date and
channel kept), the student sees the published grade with the assessment guidelines."""

from datetime import date

import pytest

from portal.exams.models import ExamRegistration
from portal.grades.models import Grade
from portal.rules import calendar as cal
from tests.grading import make_exam, make_grade, make_havbruk, post_form


@pytest.fixture
def hav(db):
    return make_havbruk()


def test_examiner_records_exam_office_publishes_student_sees(hav, client, auth, csrf):
    exam = make_exam(hav)
    for student in (hav.elev1, hav.elev2):
        ExamRegistration.create(exam=exam, student=student, status="attended")
    regs = {r.student_id: r for r in ExamRegistration.select()}
    auth.login("sensor1")
    page = f"/grades/exams/{exam.id}"
    assert "Fiskehelse" in client.get("/grades/exams").get_data(as_text=True)
    r = post_form(client, csrf, page, page, {
        f"grade_{regs[hav.elev1.id].id}": "B", f"grade_{regs[hav.elev2.id].id}": "Q",
        "guidelines": "A: selvstendig drøfting."})
    assert r.status_code == 422  # not a grade
    r = post_form(client, csrf, page, page, {
        f"grade_{regs[hav.elev1.id].id}": "B", f"grade_{regs[hav.elev2.id].id}": "fail",
        "guidelines": "A: selvstendig drøfting."})
    assert r.status_code == 303
    r = post_form(client, csrf, page, f"/grades/exams/{exam.id}/publish", {"channel": "other"})
    assert r.status_code == 404  # the exam office publishes
    auth.logout()
    auth.login("elev1")
    assert "Du har ingen kunngjorte karakterer" in client.get("/grades/").get_data(as_text=True)
    auth.logout()
    auth.login("eksamen")
    r = post_form(client, csrf, page, f"/grades/exams/{exam.id}/publish", {"channel": "electronic"})
    assert r.status_code == 303
    assert all(g.published_at and g.channel == "electronic" for g in Grade.select())
    auth.logout()
    auth.login("elev1")
    html = client.get("/grades/").get_data(as_text=True)
    assert ">B<" in html and "A: selvstendig drøfting." in html
    assert "Be om begrunnelse" in html and "Klag på karakteren" in html


def test_published_grade_cannot_be_changed_on_the_exam_page(hav, client, auth, csrf):
    exam = make_exam(hav)
    grade = make_grade(hav, exam, hav.elev1, letter="C")
    auth.login("eksamen")
    page = f"/grades/exams/{exam.id}"
    post_form(client, csrf, page, page, {f"grade_{grade.registration_id}": "A"})
    assert Grade.get_by_id(grade.id).grade == "C"


def test_access(hav, client, auth, monkeypatch):
    exam = make_exam(hav)
    make_grade(hav, exam, hav.elev1)
    monkeypatch.setattr(cal, "today", lambda: date(2027, 1, 25))
    auth.login("sensor2")  # not an examiner of this exam
    assert client.get(f"/grades/exams/{exam.id}").status_code == 404
    auth.logout()
    auth.login("elev1")
    assert client.get("/grades/exams").status_code == 404
    auth.logout()
    auth.login("elev2")
    assert "Fiskehelse" not in client.get("/grades/").get_data(as_text=True)


def test_demo_grades(db):
    from portal import demo

    demo.load(date(2026, 11, 23))
    published = Grade.select().where(Grade.published_at.is_null(False))
    assert published.count() >= 8
