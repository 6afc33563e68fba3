"""A role at one school gives nothing at another where the user holds some other role: the
exam office of one school neither sees nor records nor publishes another's grades, and an
administrator imports absence only into the schools they administer."""

from datetime import date

import pytest

from portal.exams.models import Exam, ExamRegistration
from portal.grades.models import ExamExaminer, Grade
from portal.models import RoleGrant, School, SchoolYear, Subject
from tests.factories import make_user
from tests.grading import make_havbruk, oslo, post_form


@pytest.fixture
def two(db):
    """The havbruk school (its exam office `eksamen`), and another school with an exam of
    its own; `dual` is the exam office at havbruk and an examiner at the other school."""
    s = make_havbruk()
    other = School.create(name="Andre fagskole", code="andre", profile="havbruk")
    year = SchoolYear.create(school=other, name="2026/2027", starts_on=date(2026, 8, 17),
                             ends_on=date(2027, 6, 18))
    subject = Subject.create(school=other, code="AND101", name="Andre fag")
    s.other_exam = Exam.create(school=other, school_year=year, subject=subject,
                               starts_at=oslo(date(2027, 1, 14), 9), duration_minutes=240,
                               form="written", is_final_assessment=True)
    s.registration = ExamRegistration.create(exam=s.other_exam, student=s.elev1,
                                             status="attended")
    s.dual = make_user("dual", ["exam_office"], s.school, "Dina Dobbel")
    RoleGrant.create(user=s.dual, role="examiner", school=other)
    s.own_exam = Exam.create(school=s.school, school_year=s.year, subject=s.subject,
                             starts_at=oslo(date(2027, 1, 15), 9), duration_minutes=240,
                             form="written", is_final_assessment=True)
    return s


def test_an_exam_office_sees_only_its_own_schools_exams(two, client, auth, csrf):
    auth.login("dual")
    listing = client.get("/grades/exams").get_data(as_text=True)
    assert f"/grades/exams/{two.own_exam.id}" in listing
    assert f"/grades/exams/{two.other_exam.id}" not in listing
    page = f"/grades/exams/{two.other_exam.id}"
    assert client.get(page).status_code == 404
    own = f"/grades/exams/{two.own_exam.id}"
    for action in (page, f"{page}/publish", f"{page}/examiners"):
        response = post_form(client, csrf, own, action, {
            f"grade_{two.registration.id}": "F", "channel": "electronic",
            "examiners": [two.dual.id]})
        assert response.status_code == 404, action
    assert not Grade.select().exists()
    assert not ExamExaminer.select().where(ExamExaminer.examiner == two.dual).exists()


def test_named_examiner_there_records_but_does_not_publish(two, client, auth, csrf):
    ExamExaminer.create(exam=two.other_exam, examiner=two.dual)
    auth.login("dual")
    page = f"/grades/exams/{two.other_exam.id}"
    assert f'href="{page}"' in client.get("/grades/exams").get_data(as_text=True)
    response = post_form(client, csrf, page, page, {f"grade_{two.registration.id}": "C"})
    assert response.status_code == 303
    assert Grade.get().grade == "C"
    assert post_form(client, csrf, page, f"{page}/publish",
                     {"channel": "electronic"}).status_code == 404
    assert Grade.get().published_at is None
    assert "Kunngjør" not in client.get(page).get_data(as_text=True)


def test_a_named_examiner_who_is_no_longer_one_there_records_nothing(two, client, auth,
                                                                      csrf):
    """Named examiner of the other school's exam, then the examiner role there is taken
    away: the exam is no longer theirs."""
    ExamExaminer.create(exam=two.other_exam, examiner=two.dual)
    RoleGrant.delete().where((RoleGrant.user == two.dual) & (RoleGrant.role == "examiner")
                             ).execute()
    auth.login("dual")
    page = f"/grades/exams/{two.other_exam.id}"
    assert client.get(page).status_code == 404
    assert post_form(client, csrf, f"/grades/exams/{two.own_exam.id}", page,
                     {f"grade_{two.registration.id}": "C"}).status_code == 404
    assert not Grade.select().exists()


def test_a_county_wide_examiner_records_the_exams_they_are_named_for(two, client, auth, csrf):
    """An examiner for every school (a grant without a school) sees the exams they are
    named examiner of, wherever they are, and no others."""
    county = make_user("fylkessensor", ["examiner"], None, "Frida Fylke")
    ExamExaminer.create(exam=two.other_exam, examiner=county)
    auth.login("fylkessensor")
    listing = client.get("/grades/exams")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f"/grades/exams/{two.other_exam.id}" in html
    assert f"/grades/exams/{two.own_exam.id}" not in html
    page = f"/grades/exams/{two.other_exam.id}"
    assert post_form(client, csrf, page, page,
                     {f"grade_{two.registration.id}": "D"}).status_code == 303
    assert client.get(f"/grades/exams/{two.own_exam.id}").status_code == 404


def test_the_exam_office_there_publishes(two, client, auth, csrf):
    """The other school's own exam office still runs its exams."""
    make_user("eksamen2", ["exam_office"], two.other_exam.school, "Eva Eksamen")
    auth.login("eksamen2")
    page = f"/grades/exams/{two.other_exam.id}"
    assert post_form(client, csrf, page, page,
                     {f"grade_{two.registration.id}": "B"}).status_code == 303
    assert post_form(client, csrf, page, f"{page}/publish",
                     {"channel": "electronic"}).status_code == 303
    assert Grade.get().published_at is not None
    assert client.get(f"/grades/exams/{two.own_exam.id}").status_code == 404


def test_an_administrator_imports_absence_only_into_their_own_school(client, auth, csrf,
                                                                     school):
    """`admin` administers test-vgs; elev1 is also a student at andre-vgs, in 2STA, which has
    Norsk: a row valid there is refused here as one of an unknown school, and names no user."""
    from io import BytesIO

    from portal.absence.models import AbsenceRecord
    from portal.models import SchoolClass, TeachingAssignment
    from tests.factories import second_school

    other, teacher = second_school(school.elev1)
    subject = Subject.create(school=other, code="NOR1260", name="Norsk")
    TeachingAssignment.create(teacher=teacher, subject=subject, planned_lessons=100,
                              school_class=SchoolClass.get(SchoolClass.school == other))
    auth.login("admin")
    head = "school,date,class,subject_code,username,lesson,minutes_late\n"
    for row, error in (("andre-vgs,2026-11-02,2STA,NOR1260,elev1,1,", "ingen skole med koden"),
                       ("andre-vgs,2026-11-02,2STA,NOR1260,nobody,1,", "ingen skole med koden")):
        page = client.get("/absence/import").get_data(as_text=True)
        response = client.post("/absence/import", data={
            "csrf_token": csrf(page), "file": (BytesIO((head + row + "\n").encode()), "a.csv")},
            content_type="multipart/form-data")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and error in html
        assert "ingen bruker" not in html
    assert not AbsenceRecord.select().exists()
