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


def _case(hav, kind, state):
    from portal.models import Case

    number = Case.select().count() + 1
    return Case.create(school=hav.school, school_year=hav.year, number=number, kind=kind,
                       state=state, student=hav.elev1, title=kind)


def _grades_of_every_kind(hav, code):
    """elev1's grades in four new subjects `code`1–4 (each with its own exam): one with a
    justification asked for, one with an answered justification and a formal-error appeal,
    one justified, appealed and re-graded, one not yet published; and a registration without a
    grade."""
    from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
    from portal.kinds.grade_appeal.models import GradeAppeal
    from portal.kinds.justification.models import JustificationRequest
    from portal.models import Subject
    from tests.grading import oslo

    def exam(n):
        hav.subject = Subject.create(school=hav.school, code=f"{code}{n}", name=f"Emne {code}{n}")
        return make_exam(hav)

    pending = make_grade(hav, exam(1), hav.elev1)
    JustificationRequest.create(case=_case(hav, "justification", "requested"), grade=pending,
                                requested_on=date(2027, 1, 25), answer_due=date(2027, 2, 8))
    justified = make_grade(hav, exam(2), hav.elev1)
    JustificationRequest.create(case=_case(hav, "justification", "answered"), grade=justified,
                                requested_on=date(2027, 1, 23), answer_due=date(2027, 2, 5),
                                answered_at=oslo(date(2027, 1, 27)))
    FormalErrorAppeal.create(case=_case(hav, "formal_error_appeal", "filed"), grade=justified,
                             learned_on=date(2027, 1, 22), description="x",
                             filed_on=date(2027, 1, 24))
    old = make_grade(hav, exam(3), hav.elev1, letter="D")
    new = Grade.create(registration=old.registration, grade="B", graded_by=hav.sensor2,
                       published_at=oslo(date(2027, 1, 25)), channel="electronic",
                       origin="regrading", is_final=True)
    Grade.update(replaced_by=new).where(Grade.id == old.id).execute()
    JustificationRequest.create(case=_case(hav, "justification", "answered"), grade=old,
                                requested_on=date(2027, 1, 22), answer_due=date(2027, 2, 5),
                                answered_at=oslo(date(2027, 1, 22)))
    GradeAppeal.create(case=_case(hav, "grade_appeal", "regraded"), grade=old, new_grade=new,
                       filed_on=date(2027, 1, 23))
    make_grade(hav, exam(4), hav.elev1, published=None)
    ExamRegistration.create(exam=exam(5), student=hav.elev1, status="registered")


def test_my_grades_statements_do_not_grow_with_the_grades(hav, client, auth, monkeypatch):
    from tests.statements import statements

    monkeypatch.setattr(cal, "today", lambda: date(2027, 1, 26))
    _grades_of_every_kind(hav, "FEW")
    auth.login("elev1")
    few = statements(client, "/grades/")
    for code in ("MANY", "MORE", "MOST"):
        _grades_of_every_kind(hav, code)
    assert statements(client, "/grades/") == few <= 12
    html = client.get("/grades/").get_data(as_text=True)
    assert html.count('class="grade-card"') == 12 and "Emne MOST3" in html
    assert "Emne MOST4" not in html  # not published
    assert html.count("begynner klagefristen på nytt") == 4  # the pending justifications
    assert html.count("begrunnelse for karakteren før ny sensur") == 4  # kept after regrading


def test_exam_page_statements_do_not_grow_with_the_candidates(hav, client, auth):
    from tests.factories import make_user
    from tests.statements import statements

    exam = make_exam(hav)
    make_grade(hav, exam, hav.elev1, letter="C")
    auth.login("eksamen")
    few = statements(client, f"/grades/exams/{exam.id}")
    for n in range(20):
        student = make_user(f"kandidat{n}", ["student"], hav.school, f"Kandidat Nummer{n}")
        make_grade(hav, exam, student, letter="A", published=None if n % 2 else date(2027, 1, 22))
    assert statements(client, f"/grades/exams/{exam.id}") == few <= 12
    html = client.get(f"/grades/exams/{exam.id}").get_data(as_text=True)
    assert "Kandidat Nummer0" in html and "Kandidat Nummer19" in html


def _card(html, grade):
    """The grades page's card of `grade`, its whitespace as one space."""
    import re

    card = re.search(rf'<article class="grade-card" aria-labelledby="grade-{grade.id}">.*?'
                     r"</article>", html, flags=re.S).group(0)
    return " ".join(card.split())


def _regraded(hav, code, justified):
    """elev1's grade D in a new subject `code` (exam Thursday 12 November 2026), published
    Friday 20 November 2026, appealed and re-graded B, published Monday 7 December 2026 (its
    justification deadline: one week, Monday 14 December). With `justified`, the D's
    justification was asked for on 23 November and answered on 27 November: its case."""
    from portal.kinds.grade_appeal.models import GradeAppeal
    from portal.kinds.justification.models import JustificationRequest
    from portal.models import Subject
    from tests.grading import oslo

    hav.subject = Subject.create(school=hav.school, code=code, name=f"Emne {code}")
    old = make_grade(hav, make_exam(hav, day=date(2026, 11, 12)), hav.elev1, letter="D",
                     published=date(2026, 11, 20))
    case = None
    if justified:
        case = _case(hav, "justification", "answered")
        JustificationRequest.create(case=case, grade=old, requested_on=date(2026, 11, 23),
                                    answer_due=date(2026, 12, 7),
                                    answered_at=oslo(date(2026, 11, 27)))
    new = Grade.create(registration=old.registration, grade="B", graded_by=hav.sensor2,
                       published_at=oslo(date(2026, 12, 7)), channel="electronic",
                       origin="regrading", is_final=True)
    Grade.update(replaced_by=new).where(Grade.id == old.id).execute()
    GradeAppeal.create(case=_case(hav, "grade_appeal", "regraded"), grade=old, new_grade=new,
                       filed_on=date(2026, 11, 30))
    return new, case


def test_after_regrading_the_earlier_justification_stays_and_tense_follows_today(
        hav, client, auth, monkeypatch):
    justified, justification = _regraded(hav, "JUS", justified=True)
    plain, _ = _regraded(hav, "PLA", justified=False)
    auth.login("elev1")
    monkeypatch.setattr(cal, "today", lambda: date(2026, 12, 9))  # a Wednesday
    html = client.get("/grades/").get_data(as_text=True)
    card = _card(html, justified)
    assert (f'<a href="/cases/{justification.id}">Din forespørsel om begrunnelse for karakteren '
            "før ny sensur</a>: besvart") in card
    # the new grade's own justification can be asked for (forskriften § 4-9 (1)), beside the
    # earlier grade's where there was one; its appeal cannot
    for grade in (plain, justified):
        card = _card(html, grade)
        assert "Fristen er 14. desember 2026 (1 uke, jf. forskriften § 4-9 (1) a)." in card
        assert "var 14. desember" not in card
        assert f'href="/justifications/new?grade={grade.id}"' in card
        assert client.get(f"/justifications/new?grade={grade.id}").status_code == 200
    monkeypatch.setattr(cal, "today", lambda: date(2026, 12, 15))
    html = client.get("/grades/").get_data(as_text=True)
    assert ("Fristen for å be om begrunnelse var 14. desember 2026 "
            "(jf. forskriften § 4-9 (1) a).") in _card(html, plain)
    assert f'<a href="/cases/{justification.id}">' in _card(html, justified)


RESTARTS = ("Du har bedt om begrunnelse. Når du får den, begynner klagefristen på nytt: du har "
            "da 3 uker fra den dagen du får begrunnelsen (jf. forskriften § 4-9 (2)).")


def test_a_pending_justification_says_the_appeal_deadline_will_restart(hav, client, auth,
                                                                       monkeypatch):
    """Published Friday 22 January 2027: three weeks to appeal end Friday 12 February. The
    justification asked for on Monday 25 January restarts them when it is received; until
    then the page says so in place of a deadline, and an appeal is not late, however long
    the justification takes."""
    from portal.kinds.justification.models import JustificationRequest
    from portal.models import Case
    from tests.grading import oslo

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    case = _case(hav, "justification", "requested")
    request = JustificationRequest.create(case=case, grade=grade, requested_on=date(2027, 1, 25),
                                          answer_due=date(2027, 2, 8))
    auth.login("elev1")
    for day in (date(2027, 2, 1), date(2027, 2, 15)):  # before and after 12 February
        monkeypatch.setattr(cal, "today", lambda day=day: day)
        card = _card(client.get("/grades/").get_data(as_text=True), grade)
        assert "Klagefrist: " + RESTARTS in card
        assert "12. februar" not in card and "Fristen har gått ut" not in card
        assert f'href="/grade-appeals/new?grade={grade.id}">Klag på karakteren<' in card
    # withdrawn, it restarts nothing
    Case.update(state="withdrawn").where(Case.id == case.id).execute()
    assert RESTARTS not in _card(client.get("/grades/").get_data(as_text=True), grade)
    # received Tuesday 16 February: a new three weeks, to Tuesday 9 March
    Case.update(state="answered").where(Case.id == case.id).execute()
    JustificationRequest.update(answered_at=oslo(date(2027, 2, 16))).where(
        JustificationRequest.id == request.id).execute()
    monkeypatch.setattr(cal, "today", lambda: date(2027, 2, 17))
    card = _card(client.get("/grades/").get_data(as_text=True), grade)
    assert RESTARTS not in card
    assert ("Klagefrist: Fristen er 9. mars 2027 (3 uker, jf. forskriften § 4-9 (2)). Fristen "
            "løper fra du mottok begrunnelsen.") in card
