"""The exam plan: withdrawal limit (24 h, across summer time), sick notes, attempts, pages."""

from datetime import date, datetime, time, timedelta

import pytest

from portal.exams import plan
from portal.exams.models import Exam, ExamRegistration
from portal.models import utcnow
from portal.rules.calendar import OSLO
from tests.factories import make_school, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200


def oslo(y, m, d, hh=9, mm=0):
    """Naive UTC for an Oslo wall-clock time."""
    return plan.to_utc(date(y, m, d), time(hh, mm))


def make_exam(s, starts_at, subject=None, form="written", minutes=300):
    return Exam.create(school=s.school, school_year=s.year, subject=subject or s.norsk,
                       starts_at=starts_at, duration_minutes=minutes, form=form,
                       aids="Alle", location="Aud. 1", is_final_assessment=True)


def make_hav():
    """A havbruk school: elev1-elev3, exam office `eksamen`, principal `rektor`."""
    s = make_school(profile="havbruk", code="hav")
    s.office = make_user("eksamen", ["exam_office"], s.school, "Elin Eksamen")
    s.principal = make_user("rektor", ["principal"], s.school, "Randi Rektor")
    return s


@pytest.fixture
def hav(db):
    return make_hav()


def test_withdrawal_limit_is_24_real_hours_across_summer_time(hav):
    # A home exam starts Sunday 28 March 2027 at 12:00; summer time began at 02:00 that night,
    # so 24 real hours earlier the wall clock showed 11:00 on Saturday.
    exam = make_exam(hav, oslo(2027, 3, 28, 12), form="project")
    reg = plan.register(exam, hav.elev1)
    limit = plan.withdrawal_limit(exam)
    assert limit == datetime(2027, 3, 27, 11, 0, tzinfo=OSLO)
    assert plan.can_withdraw(reg, datetime(2027, 3, 27, 11, 0, tzinfo=OSLO))
    late = datetime(2027, 3, 27, 11, 30, tzinfo=OSLO)  # 23.5 h before: too late
    assert not plan.can_withdraw(reg, late)
    with pytest.raises(plan.ExamRuleError) as refused:
        plan.withdraw(reg, late)
    assert "27. mars 2027 kl. 11:00" in str(refused.value)
    assert "forskriften § 4-4 (3)" in str(refused.value)
    plan.withdraw(reg, datetime(2027, 3, 27, 10, 59, tzinfo=OSLO))
    assert ExamRegistration.get_by_id(reg.id).status == "withdrawn"


def test_withdrawal_on_an_ordinary_day_is_exactly_24_hours(hav):
    exam = make_exam(hav, oslo(2027, 1, 14, 9))
    reg = plan.register(exam, hav.elev2)
    assert plan.withdrawal_limit(exam) == datetime(2027, 1, 13, 9, 0, tzinfo=OSLO)
    assert plan.can_withdraw(reg, datetime(2027, 1, 13, 9, 0, tzinfo=OSLO))
    assert not plan.can_withdraw(reg, datetime(2027, 1, 13, 9, 0, 1, tzinfo=OSLO))


def test_no_withdrawal_rule_means_no_withdrawal_in_the_portal(db):
    s = make_school()  # vgs has no exam_withdrawal_before
    exam = make_exam(s, oslo(2027, 5, 20))
    reg = plan.register(exam, s.elev1)
    assert plan.withdrawal_limit(exam) is None
    assert not plan.can_withdraw(reg, datetime(2027, 1, 1, tzinfo=OSLO))


def _checked():
    from portal.cases.uploads import CheckedFile

    return CheckedFile(filename="lege.png", content_type="image/png", data=PNG, size=len(PNG),
                       sha256="0" * 64)


def test_sick_note_within_one_week_makes_the_attempt_not_count(hav):
    exam = make_exam(hav, oslo(2027, 1, 14, 9))
    reg = plan.register(exam, hav.elev1)
    assert plan.attempts_used(hav.elev1, hav.norsk) == 1
    deadline = plan.sick_note_deadline(exam)
    assert deadline.due == date(2027, 1, 21)
    with pytest.raises(plan.ExamRuleError) as late:
        plan.file_sick_note(reg, _checked(), at=oslo(2027, 1, 22, 8))
    assert "Fristen var 21. januar 2027" in str(late.value) and "§ 4-6" in str(late.value)
    plan.file_sick_note(reg, _checked(), at=oslo(2027, 1, 21, 23, 30))
    assert ExamRegistration.get_by_id(reg.id).status == "sick_documented"
    assert plan.attempts_used(hav.elev1, hav.norsk) == 0


def test_sick_note_window_is_two_weeks_at_nki(db):
    s = make_school(profile="nki", code="nki")
    exam = make_exam(s, oslo(2027, 1, 14))
    assert plan.sick_note_deadline(exam).due == date(2027, 1, 28)


def test_attempts_are_counted_against_the_profile_limit(db):
    s = make_school(profile="nki", code="nki")
    exams = [make_exam(s, oslo(2027, m, 10)) for m in (1, 2, 3, 4)]
    regs = [plan.register(e, s.elev1) for e in exams[:3]]
    assert [r.attempt for r in regs] == [1, 2, 3]
    with pytest.raises(plan.ExamRuleError) as refused:
        plan.register(exams[3], s.elev1)
    assert "3" in str(refused.value) and "eksamensreglementet pkt. 9" in str(refused.value)
    # A documented illness gives the attempt back.
    plan.file_sick_note(regs[2], _checked(), at=exams[2].starts_at + timedelta(days=2))
    assert plan.register(exams[3], s.elev1).attempt == 3


def test_havbruk_has_no_attempt_limit_in_its_profile(hav):
    exams = [make_exam(hav, oslo(2027, m, 10)) for m in (1, 2, 3, 4)]
    assert [plan.register(e, hav.elev1).attempt for e in exams] == [1, 2, 3, 4]


# --- pages --------------------------------------------------------------------------------

def test_exam_office_builds_the_plan_and_registers_a_class(hav, client, auth, csrf):
    auth.login("eksamen")
    page = client.get("/exams/new")
    assert page.status_code == 200
    bad = client.post("/exams/new", data={"csrf_token": csrf(page.get_data(as_text=True)),
                                          "subject": hav.norsk.id, "day": "",
                                          "start": "09:00", "duration_minutes": "300",
                                          "form": "written", "location": "Aud. 2"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Aud. 2" in html  # input kept
    response = client.post("/exams/new", data={
        "csrf_token": csrf(html), "subject": hav.norsk.id, "day": "2027-05-26",
        "start": "09:00", "duration_minutes": "300", "form": "written", "aids": "Alle",
        "location": "Aud. 2", "is_final_assessment": "y"})
    assert response.status_code == 303
    exam = Exam.get()
    assert exam.starts_at == datetime(2027, 5, 26, 7, 0)  # 09:00 summer time = 07:00 UTC
    show = client.get(f"/exams/{exam.id}")
    reg = client.post(f"/exams/{exam.id}/register",
                      data={"csrf_token": csrf(show.get_data(as_text=True)),
                            "school_class": hav.klass.id})
    assert reg.status_code == 303
    assert {r.student_id for r in exam.registrations} == {hav.elev1.id, hav.elev2.id}
    assert "Elev Nummer1" in client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert client.get("/exams/plan").status_code == 200


def test_student_sees_own_exams_and_withdraws(hav, client, auth, csrf):
    exam = make_exam(hav, utcnow() + timedelta(days=10))
    reg = plan.register(exam, hav.elev1)
    auth.login("elev1")
    page = client.get("/exams/mine")
    html = page.get_data(as_text=True)
    assert "Norsk" in html and "forskriften § 4-4 (3)" in html
    response = client.post(f"/exams/registrations/{reg.id}/withdraw",
                           data={"csrf_token": csrf(html), "confirmed": "yes"})
    assert response.status_code == 303
    assert ExamRegistration.get_by_id(reg.id).status == "withdrawn"


def test_student_sends_a_sick_note(hav, client, auth, csrf):
    exam = make_exam(hav, utcnow() - timedelta(days=2))
    reg = plan.register(exam, hav.elev1)
    auth.login("elev1")
    page = client.get(f"/exams/registrations/{reg.id}/sick-note")
    assert "forskriften § 4-6 (2)" in page.get_data(as_text=True)
    from io import BytesIO

    response = client.post(f"/exams/registrations/{reg.id}/sick-note", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "document": (BytesIO(PNG), "lege.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert ExamRegistration.get_by_id(reg.id).status == "sick_documented"


# --- withdrawing asks first (§ 4-4 (3): at least 24 hours before) ------------------------

def _next_exam(s, days=10):
    """An exam at 09:00 Oslo time `days` from today."""
    from portal.rules.calendar import today

    return make_exam(s, plan.to_utc(today() + timedelta(days=days), time(9)))


def test_my_exams_links_to_the_confirmation_instead_of_withdrawing_at_once(hav, client, auth):
    reg = plan.register(_next_exam(hav), hav.elev1)
    auth.login("elev1")
    html = client.get("/exams/mine").get_data(as_text=True)
    assert (f'<a class="button secondary" href="/exams/registrations/{reg.id}/withdraw">'
            "Meld deg av eksamen</a>") in html
    assert 'method="post"' not in html.split("<main", 1)[1]  # no one-tap form in the list


def test_withdrawing_asks_first_then_withdraws_and_says_so(hav, client, auth, csrf):
    from portal.filters import local_datetime

    exam = _next_exam(hav)
    reg = plan.register(exam, hav.elev1)
    auth.login("elev1")
    page = client.get(f"/exams/registrations/{reg.id}/withdraw")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Vil du melde deg av eksamen?</h1>" in html
    with client.application.test_request_context():
        when = local_datetime(exam.starts_at)
    assert "NOR1260 Norsk" in html and when in html and "kl. 09:00" in when
    limit = plan.withdrawal_limit(exam)
    assert f"Du kan melde deg av til {limit.day}. " in html
    assert "jf. forskriften § 4-4 (3)" in html
    assert "teller ikke som forsøk" in html
    assert "Du kan ikke melde deg opp til eksamen igjen selv" in html
    assert f'<form method="post" action="/exams/registrations/{reg.id}/withdraw"' in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    assert 'href="/exams/mine">Nei, tilbake til mine eksamener</a>' in html
    assert ExamRegistration.get_by_id(reg.id).status == "registered"  # asking changed nothing
    no_token = client.post(f"/exams/registrations/{reg.id}/withdraw", data={"confirmed": "yes"})
    assert no_token.status_code == 400  # the confirmation still needs its CSRF token
    assert ExamRegistration.get_by_id(reg.id).status == "registered"
    response = client.post(f"/exams/registrations/{reg.id}/withdraw",
                           data={"csrf_token": csrf(html), "confirmed": "yes"},
                           follow_redirects=True)
    assert response.request.path == "/exams/mine"
    assert "Du har meldt deg av eksamen i Norsk." in response.get_data(as_text=True)
    assert ExamRegistration.get_by_id(reg.id).status == "withdrawn"


@pytest.mark.parametrize("extra", [{}, {"confirmed": "y"}])
def test_a_withdrawal_not_confirmed_is_sent_to_the_confirmation(hav, client, auth, csrf, extra):
    reg = plan.register(_next_exam(hav), hav.elev1)
    auth.login("elev1")
    token = csrf(client.get("/exams/mine").get_data(as_text=True))
    response = client.post(f"/exams/registrations/{reg.id}/withdraw",
                           data={"csrf_token": token, **extra})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/exams/registrations/{reg.id}/withdraw")
    assert ExamRegistration.get_by_id(reg.id).status == "registered"


def test_the_24_hour_limit_holds_on_the_confirmed_post(hav, client, auth, csrf):
    """The page is not offered once the limit has passed, and a confirmation posted after it
    (the page opened in time, sent too late) withdraws nothing."""
    exam = make_exam(hav, utcnow() + timedelta(days=3))
    reg = plan.register(exam, hav.elev1)
    auth.login("elev1")
    html = client.get(f"/exams/registrations/{reg.id}/withdraw").get_data(as_text=True)
    assert "Vil du melde deg av eksamen?" in html
    Exam.update(starts_at=utcnow() + timedelta(hours=23)).where(Exam.id == exam.id).execute()
    response = client.post(f"/exams/registrations/{reg.id}/withdraw",
                           data={"csrf_token": csrf(html), "confirmed": "yes"},
                           follow_redirects=True)
    assert response.request.path == "/exams/mine"
    text = response.get_data(as_text=True)
    assert "For sent å melde seg av" in text and "forskriften § 4-4 (3)" in text
    assert ExamRegistration.get_by_id(reg.id).status == "registered"
    again = client.get(f"/exams/registrations/{reg.id}/withdraw", follow_redirects=True)
    assert again.request.path == "/exams/mine"
    assert "For sent å melde seg av" in again.get_data(as_text=True)
    assert f'href="/exams/registrations/{reg.id}/withdraw"' not in again.get_data(as_text=True)


# --- no sick note for an exam with a grade (§ 4-6: ill before the exam, or during it) -----

def _grade(reg, grader, letter="B", published=True):
    from portal.grades.models import Grade

    return Grade.create(registration=reg, grade=letter, graded_by=grader,
                        published_at=utcnow() if published else None)


def test_no_sick_note_for_an_exam_completed_with_a_grade(hav, client, auth, csrf):
    """An oral exam two days ago, attended and graded B: the note would take back an attempt
    the student completed. Another exam that day, attended but left ill (no grade): the note
    is taken."""
    from io import BytesIO

    from portal.exams.models import ExamSickNote

    graded = ExamRegistration.create(exam=make_exam(hav, utcnow() - timedelta(days=2),
                                                    form="oral", minutes=30),
                                     student=hav.elev1, status="attended")
    _grade(graded, hav.office)
    left_ill = ExamRegistration.create(exam=make_exam(hav, utcnow() - timedelta(days=2),
                                                      hav.matte),
                                       student=hav.elev1, status="attended")
    auth.login("elev1")
    html = client.get("/exams/mine").get_data(as_text=True)
    assert f'href="/exams/registrations/{graded.id}/sick-note"' not in html
    assert f'href="/exams/registrations/{left_ill.id}/sick-note"' in html
    page = client.get(f"/exams/registrations/{graded.id}/sick-note", follow_redirects=True)
    assert page.request.path == "/exams/mine"
    text = page.get_data(as_text=True)
    assert "du har fullført og bestått den" in text
    assert "forskriften § 4-6 (2)" in text
    token = csrf(client.get(f"/exams/registrations/{left_ill.id}/sick-note")
                 .get_data(as_text=True))
    refused = client.post(f"/exams/registrations/{graded.id}/sick-note", data={
        "csrf_token": token, "document": (BytesIO(PNG), "lege.png")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "du har fullført og bestått den" in refused.get_data(as_text=True)
    assert ExamRegistration.get_by_id(graded.id).status == "attended"
    assert not ExamSickNote.select().where(ExamSickNote.registration == graded.id).exists()
    assert plan.attempts_used(hav.elev1, hav.norsk) == 1
    taken = client.post(f"/exams/registrations/{left_ill.id}/sick-note", data={
        "csrf_token": token, "document": (BytesIO(PNG), "lege.png")},
        content_type="multipart/form-data")
    assert taken.status_code == 303
    assert ExamRegistration.get_by_id(left_ill.id).status == "sick_documented"


@pytest.mark.parametrize(("letter", "published"), [("B", False), ("F", True),
                                                    ("fail", True)])
def test_a_grade_unpublished_or_failing_leaves_the_note_open(hav, letter, published):
    """Not yet published, a grade is not the student's to learn of by a refusal; a failing
    one may be what an absence from the exam, or leaving it ill, was graded (§ 4-6 (1): not
    documented, the student "ansees å ha fremstilt seg"), which the note within its week
    undoes."""
    reg = ExamRegistration.create(exam=make_exam(hav, oslo(2027, 1, 14, 9)), student=hav.elev1,
                                  status="attended")
    _grade(reg, hav.office, letter, published=published)
    assert plan.can_file_sick_note(reg, at=oslo(2027, 1, 16))
    plan.file_sick_note(reg, _checked(), at=oslo(2027, 1, 16))
    assert ExamRegistration.get_by_id(reg.id).status == "sick_documented"


def test_nki_refuses_a_note_for_a_graded_exam_naming_its_rule(db):
    s = make_school(profile="nki", code="nki")
    s.office = make_user("eksamen", ["exam_office"], s.school, "Elin Eksamen")
    reg = ExamRegistration.create(exam=make_exam(s, oslo(2027, 1, 14, 9)), student=s.elev1,
                                  status="attended")
    _grade(reg, s.office, "E")
    with pytest.raises(plan.ExamRuleError) as refused:
        plan.file_sick_note(reg, _checked(), at=oslo(2027, 1, 20))
    assert "jf. eksamensreglementet, forfall og sykdom under eksamen" in str(refused.value)
    assert ExamRegistration.get_by_id(reg.id).status == "attended"
    assert plan.attempts_used(s.elev1, s.norsk) == 1


def test_access_to_exam_pages(hav, client, auth, csrf):
    exam = make_exam(hav, utcnow() + timedelta(days=10))
    reg = plan.register(exam, hav.elev1)
    auth.login("elev2")
    assert client.get("/exams/plan").status_code == 404
    assert client.get(f"/exams/{exam.id}").status_code == 404
    assert client.get(f"/exams/{exam.id}/adaptations").status_code == 404
    assert client.get(f"/exams/registrations/{reg.id}/sick-note").status_code == 404
    assert client.get(f"/exams/registrations/{reg.id}/withdraw").status_code == 404
    html = client.get("/exams/mine").get_data(as_text=True)
    assert client.post(f"/exams/registrations/{reg.id}/withdraw",
                       data={"csrf_token": csrf(html), "confirmed": "yes"}).status_code == 404
    assert ExamRegistration.get_by_id(reg.id).status == "registered"


# --- statements per page (no query per row) -----------------------------------------------

def _more_subjects(s, n):
    from portal.models import Subject

    return [Subject.create(school=s.school, code=f"FAG{i}", name=f"Fag nummer {i}")
            for i in range(n)]


def test_my_exams_sends_the_same_statements_for_more_exams(hav, client, auth):
    from tests.statements import statements

    plan.register(make_exam(hav, utcnow() + timedelta(days=40)), hav.elev1)
    auth.login("elev1")
    few = statements(client, "/exams/mine")
    for i, subject in enumerate(_more_subjects(hav, 5)):
        plan.register(make_exam(hav, utcnow() + timedelta(days=41 + i), subject), hav.elev1)
    plan.register(make_exam(hav, utcnow() - timedelta(days=2), hav.matte), hav.elev1)
    assert statements(client, "/exams/mine") == few
    html = client.get("/exams/mine").get_data(as_text=True)
    assert "Fag nummer 4" in html and "Matematikk 1T" in html


def test_the_plan_counts_who_sat_the_exam_not_who_withdrew(hav, client, auth):
    """An exam already held: one student attended, one is still registered, one withdrew and
    one was documented sick. The plan's count is the two who are (or were) registered."""
    import re

    exam = make_exam(hav, oslo(2026, 11, 12))
    for student, status in ((hav.elev1, "attended"), (hav.elev2, "registered"),
                            (hav.elev3, "withdrawn"),
                            (make_user("elev9", ["student"], hav.school), "sick_documented")):
        ExamRegistration.create(exam=exam, student=student, status=status)
    auth.login("eksamen")
    html = client.get("/exams/plan").get_data(as_text=True)
    row = re.search(r"<tr>(?:(?!</tr>).)*Aud\. 1(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2"]


def test_exam_plan_sends_the_same_statements_for_more_exams(hav, client, auth):
    from tests.statements import statements

    make_exam(hav, oslo(2027, 5, 20))
    auth.login("eksamen")
    few = statements(client, "/exams/plan")
    for i, subject in enumerate(_more_subjects(hav, 6)):
        make_exam(hav, oslo(2027, 5, 21 + i), subject)
    assert statements(client, "/exams/plan") == few
    html = client.get("/exams/plan").get_data(as_text=True)
    assert "FAG5 Fag nummer 5" in html and "NOR1260 Norsk" in html


# --- the school of the exam office's pages (?school=ID) -------------------------------------

def _school(name, code):
    """Another havbruk school with its school year and one exam, in subject <CODE>201."""
    from portal.models import School, SchoolYear, Subject

    school = School.create(name=name, code=code, profile="havbruk")
    year = SchoolYear.create(school=school, name="2026/2027", starts_on=date(2026, 8, 17),
                             ends_on=date(2027, 6, 18))
    subject = Subject.create(school=school, code=f"{code.upper()}201", name=f"Fag ved {name}")
    Exam.create(school=school, school_year=year, subject=subject, starts_at=oslo(2027, 5, 3),
                duration_minutes=240, form="written")
    return school


def test_an_exam_office_of_two_schools_chooses_whose_plan(hav, client, auth, csrf):
    from portal.models import RoleGrant

    make_exam(hav, oslo(2027, 5, 20))  # NOR1260 at Testskolen vgs
    other = _school("Annen fagskole", "annen")  # first by name
    third = _school("Tredje fagskole", "tredje")
    both = make_user("begge", ["exam_office"], hav.school, "Bente Begge")
    RoleGrant.create(user=both, role="exam_office", school=other)
    auth.login("begge")

    first = client.get("/exams/plan").get_data(as_text=True)  # the first school by name
    assert "ANNEN201" in first and "NOR1260" not in first
    assert '<label for="plan-school">Skole</label>' in first
    assert f'<option value="{hav.school.id}">Testskolen vgs</option>' in first
    assert "Tredje fagskole" not in first
    here = client.get(f"/exams/plan?school={hav.school.id}").get_data(as_text=True)
    assert "NOR1260" in here and "ANNEN201" not in here
    assert f'<option value="{hav.school.id}" selected>Testskolen vgs</option>' in here
    assert f'href="/exams/new?school={hav.school.id}"' in here
    assert f'href="/exams/sick-notes?school={hav.school.id}"' in here
    notes = client.get(f"/exams/sick-notes?school={hav.school.id}").get_data(as_text=True)
    assert f'href="/exams/plan?school={hav.school.id}"' in notes
    for url in (f"/exams/plan?school={third.id}", f"/exams/new?school={third.id}",
                f"/exams/sick-notes?school={third.id}", "/exams/plan?school=x"):
        assert client.get(url).status_code == 404, url

    # a new exam goes to the chosen school; its form carries the school, checked on POST
    page = client.get(f"/exams/new?school={hav.school.id}").get_data(as_text=True)
    assert f'action="/exams/new?school={hav.school.id}"' in page and "NOR1260" in page
    data = {"csrf_token": csrf(page), "subject": hav.matte.id, "day": "2027-05-27",
            "start": "09:00", "duration_minutes": "300", "form": "written"}
    assert client.post(f"/exams/new?school={third.id}", data=data).status_code == 404
    assert client.post(f"/exams/new?school={hav.school.id}", data=data).status_code == 303
    exam = Exam.get(Exam.subject == hav.matte)
    assert (exam.school_id, exam.school_year_id) == (hav.school.id, hav.year.id)
    show = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert f'href="/exams/plan?school={hav.school.id}"' in show


def test_an_exam_office_of_every_school_sees_the_plan(hav, client, auth):
    from tests.statements import statements

    make_exam(hav, oslo(2027, 5, 20))
    other = _school("Annen fagskole", "annen")
    make_user("alle", ["exam_office"], None, "Arne Alle")
    auth.login("alle")
    response = client.get("/exams/plan")
    assert response.status_code == 200
    assert "ANNEN201" in response.get_data(as_text=True)
    here = client.get(f"/exams/plan?school={hav.school.id}").get_data(as_text=True)
    assert "NOR1260" in here and "ANNEN201" not in here
    assert client.get(f"/exams/new?school={other.id}").status_code == 200
    assert client.get(f"/exams/plan?school={other.id + 1000}").status_code == 404
    few = statements(client, "/exams/plan")
    for n in range(3):
        _school(f"Fagskole {n}", f"fag{n}")
    assert statements(client, "/exams/plan") == few
