"""A doctor's note in effect keeps its effect (havbruk: forskriften § 4-6): registering the
student or the class again leaves the registration as it is, an appeal's new grading sets no
grade for it, and a failing grade published before the note (an absence not documented is
graded as sat, § 4-6 (1)) is set aside: kept in the record, no longer the student's result."""

import importlib
import re
from datetime import date, timedelta
from io import BytesIO

import pytest

from portal.db import database
from portal.exams import plan
from portal.exams.models import ExamRegistration, ExamSickNote
from portal.grades.models import Grade
from portal.kinds.grade_appeal.models import GradeAppeal
from portal.models import Case, utcnow
from portal.rules import calendar as cal
from tests.grading import flat, make_exam, make_grade, make_havbruk, oslo, post_form
from tests.statements import statements
from tests.test_exam_sick_note_grades import PNG, _note_sent_while, _sick

RULE = "jf. forskriften § 4-6 (2)"  # the havbruk profile's exam_sick_note_within
NO_GRADE = ("Det er levert legeerklæring for denne eksamenen: fraværet er dokumentert, og "
            f"eksamen skal ikke ha karakter ({RULE}).")
# what the examiners are told: not that the candidate sent a doctor's note (GDPR art. 9)
VALID_ABSENCE = f"Gyldig fravær – skal ikke ha karakter ({RULE})."


@pytest.fixture
def hav(db):
    return make_havbruk()


# --- 1. registering again leaves the note in effect ---------------------------------------

def test_registering_the_class_leaves_a_registration_with_a_note_as_it_is_and_says_so(
        hav, client, auth, csrf):
    exam = make_exam(hav)
    sick = ExamRegistration.create(exam=exam, student=hav.elev1, status="attended")
    _sick(sick)
    auth.login("eksamen")
    page = f"/exams/{exam.id}"
    response = post_form(client, csrf, page, f"/exams/{exam.id}/register",
                         {"school_class": hav.klass.id})
    assert response.status_code == 303
    html = flat(client.get(page))
    assert "1 studenter i 1STA er meldt opp." in html  # elev2
    assert ("1 i 1STA har levert legeerklæring for denne eksamenen, og oppmeldingen deres er "
            "ikke endret: fraværet er dokumentert, og eksamen teller ikke som forsøk "
            f"({RULE}).") in html
    assert ExamRegistration.get_by_id(sick.id).status == plan.SICK_DOCUMENTED
    assert ExamRegistration.get(student=hav.elev2).status == "registered"


def test_registering_a_student_whose_note_is_in_effect_is_refused_naming_the_rule(hav):
    exam = make_exam(hav)
    sick = ExamRegistration.create(exam=exam, student=hav.elev1, status="attended")
    _sick(sick)
    with pytest.raises(plan.ExamRuleError) as refused:
        plan.register(exam, hav.elev1)
    assert "Elev Nummer1" in str(refused.value) and RULE in str(refused.value)
    assert ExamRegistration.get_by_id(sick.id).status == plan.SICK_DOCUMENTED
    assert plan.attempts_used(hav.elev1, hav.subject) == 0


# --- 2. an appeal's new grading sets no grade where a note is in effect --------------------

def _appealed_and_appointed(hav, client, auth, csrf, monkeypatch, grade):
    """The student appeals `grade` on 15 January 2027; the exam office appoints sensor2."""
    monkeypatch.setattr(cal, "today", lambda: date(2027, 1, 15))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    response = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                                  "reasons": "Jeg var syk."})
    assert response.status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "grade_appeal")
    auth.login("eksamen")
    response = post_form(client, csrf, f"/cases/{case.id}", f"/grade-appeals/{case.id}/appoint",
                         {"version": case.version, "examiners": [hav.sensor2.id]})
    assert response.status_code == 303
    auth.logout()
    return Case.get_by_id(case.id)


def test_a_new_grade_on_appeal_is_refused_where_a_note_is_in_effect(
        hav, client, auth, csrf, monkeypatch):
    """A note in effect for the registration of an appeal with its new examiners (a note
    that sets the appealed fail aside closes the appeal: test_grade_appeal_lapse; here the
    step's own guard, for an appeal still open beside a note, as one heard again after its
    dismissal as late): the new examiner is told the exam gets no grade (valid absence, not
    the note), and setting one is refused with the rule; nothing is stored and the case stays
    with the new examiners."""
    exam = make_exam(hav)
    fail = make_grade(hav, exam, hav.elev1, letter="F", published=date(2027, 1, 15))
    case = _appealed_and_appointed(hav, client, auth, csrf, monkeypatch, fail)
    ExamRegistration.update(status=plan.SICK_DOCUMENTED).where(
        ExamRegistration.id == fail.registration_id).execute()
    auth.login("sensor2")
    page = f"/cases/{case.id}"
    html = flat(client.get(page))
    assert VALID_ABSENCE in html and "legeerklæring" not in html.lower()
    response = post_form(client, csrf, page, f"/grade-appeals/{case.id}/regrade",
                         {"version": case.version, "grade": "B"})
    assert response.status_code == 303
    html = flat(client.get(page))
    assert html.count(VALID_ABSENCE) == 2  # (the step's refusal, and above the form)
    assert "legeerklæring" not in html.lower()
    assert [g.id for g in Grade.select()] == [fail.id]
    assert GradeAppeal.get().new_grade_id is None
    assert Case.get_by_id(case.id).state == "regrading"


@pytest.mark.postgresql_only
def test_a_note_sent_while_the_new_grade_is_set_refuses_it(
        hav, app, client, auth, csrf, monkeypatch):
    """The note's transaction holds the registration when the new examiner sends the grade:
    the step waits for it, and finds the appeal closed by it (lapsed); the fail stays set
    aside, replaced by no new grade."""
    exam = make_exam(hav)
    fail = make_grade(hav, exam, hav.elev1, letter="F", published=date(2027, 1, 15))
    case = _appealed_and_appointed(hav, client, auth, csrf, monkeypatch, fail)
    auth.login("sensor2")
    page = f"/cases/{case.id}"
    token = csrf(client.get(page).get_data(as_text=True))
    response = _note_sent_while(app, fail.registration, lambda: client.post(
        f"/grade-appeals/{case.id}/regrade",
        data={"csrf_token": token, "version": case.version, "grade": "B"}))
    assert response.status_code == 303
    html = flat(client.get(page))
    assert "Bortfalt" in html and 'name="grade"' not in html
    assert "legeerklæring" not in html.lower()
    assert Case.get_by_id(case.id).state == "lapsed"
    assert [g.id for g in Grade.select()] == [fail.id]
    stored = Grade.get_by_id(fail.id)
    assert stored.replaced_by_id is None and stored.set_aside_at is not None


# --- 3. a published fail is set aside by the note ------------------------------------------

def _checked():
    from portal.cases.uploads import CheckedFile

    return CheckedFile(filename="lege.png", content_type="image/png", data=PNG, size=len(PNG),
                       sha256="0" * 64)


def _exam_two_days_ago(hav):
    """An exam held two days ago, its fail for elev1 and its B for elev2 published
    yesterday: a note is still within its week."""
    exam = make_exam(hav, day=cal.today() - timedelta(days=2))
    fail = make_grade(hav, exam, hav.elev1, letter="F", published=cal.today() - timedelta(days=1))
    make_grade(hav, exam, hav.elev2, letter="B", published=cal.today() - timedelta(days=1))
    return exam, fail


def _send_note(client, auth, csrf, reg):
    auth.login("elev1")
    form = f"/exams/registrations/{reg.id}/sick-note"
    response = client.post(form, data={
        "csrf_token": csrf(client.get(form).get_data(as_text=True)),
        "document": (BytesIO(PNG), "lege.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    return response


def test_a_note_after_a_published_fail_sets_it_aside_and_both_sides_are_told(
        hav, client, auth, csrf):
    exam, fail = _exam_two_days_ago(hav)
    auth.login("elev1")
    mine = flat(client.get("/grades/"))
    assert f'href="/grade-appeals/new?grade={fail.id}"' in mine
    auth.logout()
    _send_note(client, auth, csrf, fail.registration)
    published = cal.oslo_date(fail.published_at)
    from portal.rules.deadlines import format_date

    told = ("Karakteren F, kunngjort " + format_date(published) + ", er satt til side på grunn "
            "av legeerklæringen: fraværet er dokumentert, og eksamen teller ikke som forsøk "
            f"({RULE}).")
    assert told in flat(client.get("/exams/mine"))  # (said when the note is received)

    # kept in the record, marked as set aside for documented absence; not the result
    stored = Grade.get_by_id(fail.id)
    assert (stored.grade, stored.published_at, stored.replaced_by_id) == (
        "F", fail.published_at, None)
    assert stored.set_aside_because == "documented_absence"
    assert stored.set_aside_at == ExamSickNote.get().uploaded_at
    assert plan.attempts_used(hav.elev1, hav.subject) == 0

    mine = flat(client.get("/grades/"))
    card = re.search(rf'<article class="grade-card" aria-labelledby="grade-{fail.id}">.*?'
                     r"</article>", mine).group(0)
    assert "Ingen karakter: dokumentert fravær" in card and told in card
    assert '<strong class="grade">F</strong>' not in mine
    assert f"grade={fail.id}" not in mine  # nothing left to appeal or have justified
    for url in (f"/grade-appeals/new?grade={fail.id}", f"/justifications/new?grade={fail.id}",
                f"/formal-error-appeals/new?grade={fail.id}"):
        assert client.get(url).status_code == 404, url
    assert statements(client, "/grades/") <= 12
    auth.logout()

    auth.login("eksamen")
    grades = flat(client.get(f"/grades/exams/{exam.id}"))
    assert f"<strong>Elev Nummer1</strong>: {NO_GRADE}" in grades and told in grades
    assert "En karakter ble kunngjort før legeerklæringen kom" not in grades
    assert told in flat(client.get("/exams/sick-notes"))
    auth.logout()

    # the examiner: the same, but valid absence, not the doctor's note
    auth.login("sensor1")
    grades = flat(client.get(f"/grades/exams/{exam.id}"))
    assert f"<strong>Elev Nummer1</strong>: {VALID_ABSENCE}" in grades
    assert ("Karakteren F, kunngjort " + format_date(published) + ", er satt til side: gyldig "
            f"fravær, og eksamen teller ikke som forsøk ({RULE}).") in grades
    assert "legeerklæring" not in grades.lower()


def test_a_justification_of_the_fail_set_aside_still_opens(hav, client, auth, csrf):
    """The justification of the fail was answered before the note: its page opens, and
    offers no appeal of a grade that is no longer the result."""
    from portal.cases.engine import add_participant, open_case
    from portal.kinds.justification.models import JustificationRequest

    _exam, fail = _exam_two_days_ago(hav)
    case = open_case("justification", school=hav.school, school_year=hav.year,
                     student=hav.elev1, title="Begrunnelse", actor=hav.elev1)
    Case.update(state="answered").where(Case.id == case.id).execute()
    add_participant(case, hav.sensor1, "examiner")
    JustificationRequest.create(case=case, grade=fail, requested_on=cal.today(),
                                answer_due=cal.today(), answer="Oppgave 3 var ikke besvart.",
                                answered_at=utcnow())
    _send_note(client, auth, csrf, fail.registration)
    html = flat(client.get(f"/cases/{case.id}"))
    assert "Oppgave 3 var ikke besvart." in html
    assert 'id="appeal-deadline"' not in html


def test_a_note_leaves_a_passing_grade_and_an_unpublished_fail_as_they_are(hav):
    """A pass refuses the note (the exam was completed); a fail not published stays what it
    was (not published while the note is in effect); only the published fail is set aside."""
    exam = make_exam(hav)
    passed = make_grade(hav, exam, hav.elev1, letter="B", published=date(2027, 1, 15))
    unpublished = make_grade(hav, exam, hav.elev2, letter="F", published=None)
    with pytest.raises(plan.ExamRuleError):
        _sick(passed.registration)
    assert _sick(unpublished.registration).set_aside is None
    assert not Grade.select().where(Grade.set_aside_at.is_null(False)).exists()


def test_the_pages_of_notes_send_the_same_statements_for_more_fails_set_aside(
        hav, client, auth):
    from tests.factories import make_user

    exam = make_exam(hav)
    _sick(make_grade(hav, exam, hav.elev1, letter="F", published=date(2027, 1, 15))
          .registration)
    auth.login("eksamen")
    pages = ("/exams/sick-notes", f"/grades/exams/{exam.id}")
    few = [statements(client, page) for page in pages]
    for n in range(4):
        student = make_user(f"kandidat{n}", ["student"], hav.school, f"Kandidat Nummer{n}")
        _sick(make_grade(hav, exam, student, letter="F", published=date(2027, 1, 15))
              .registration)
    assert [statements(client, page) for page in pages] == few
    assert max(few) <= 12
    assert flat(client.get(pages[0])).count("er satt til side") == 5


def test_the_migration_sets_aside_the_fails_of_notes_sent_before_it(hav):
    """Notes sent before the release: the published fail that still stands is set aside at
    the time of the note; a fail not published, or one without a note in effect, stays."""
    backfill = importlib.import_module("migrations.036_grade_set_aside").BACKFILL
    exam = make_exam(hav)
    fail = make_grade(hav, exam, hav.elev1, letter="F", published=date(2027, 1, 15))
    other = make_grade(hav, exam, hav.elev2, letter="F", published=date(2027, 1, 15))
    elsewhere = make_exam(hav, day=date(2027, 1, 20))
    unpublished = make_grade(hav, elsewhere, hav.elev1, letter="fail", published=None)
    for reg in (fail.registration, unpublished.registration):
        ExamSickNote.create(registration=reg, filename="lege.png", content_type="image/png",
                            size=len(PNG), sha256="0" * 64, data=PNG,
                            uploaded_at=oslo(date(2027, 1, 16)))
        ExamRegistration.update(status=plan.SICK_DOCUMENTED).where(
            ExamRegistration.id == reg.id).execute()
    database.execute_sql(backfill)
    assert [(g.id, g.set_aside_at, g.set_aside_because) for g in
            Grade.select().order_by(Grade.id)] == [
        (fail.id, oslo(date(2027, 1, 16)), "documented_absence"),
        (other.id, None, ""), (unpublished.id, None, "")]
