"""A doctor's note for an exam takes effect when it is sent (havbruk: forskriften § 4-6): the
absence is documented, so the exam gets no grade. Recording or publishing one is refused, in
the transaction that would write it; the exam office is told of the note and opens it, each
opening logged (a health document)."""

import re
import threading
import time
from datetime import date, timedelta

import pytest

from portal.db import database
from portal.exams import plan
from portal.exams.models import Exam, ExamRegistration, ExamSickNote, ExamSickNoteAccess
from portal.grades.models import Grade
from tests.grading import make_exam, make_grade, make_havbruk, oslo, post_form

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200
RULE = "jf. forskriften § 4-6 (2)"  # the havbruk profile's exam_sick_note_within


@pytest.fixture
def hav(db):
    return make_havbruk()


def _checked():
    from portal.cases.uploads import CheckedFile

    return CheckedFile(filename="lege.png", content_type="image/png", data=PNG, size=len(PNG),
                       sha256="0" * 64)


def _sick(reg):
    """The student's note, two days after the exam of 14 January 2027 (within the week)."""
    return plan.file_sick_note(reg, _checked(), at=oslo(date(2027, 1, 16)))


def _candidates(hav, exam):
    return [ExamRegistration.create(exam=exam, student=student, status="attended")
            for student in (hav.elev1, hav.elev2)]


def _selected(html, reg):
    """The option chosen in the grade field of `reg`, as the page shows it."""
    select = re.search(rf'<select[^>]*name="grade_{reg.id}".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                       select)
    return chosen and (chosen.group(1) or chosen.group(2))


def test_a_grade_for_a_candidate_with_a_doctors_note_is_refused_keeping_what_was_typed(
        hav, client, auth, csrf):
    """The examiner opened the page before the note came and grades both candidates: nothing
    is saved, the page names the rule at the candidate's grade and keeps both grades typed;
    afterwards the page shows that the candidate gets no grade instead of a grade field. The
    examiner is told of valid absence only, never that the candidate sent a doctor's note
    (health information, GDPR art. 9). Were the note set aside (status back to attended: a
    refusal, had the portal one), the grade is taken again."""
    exam = make_exam(hav)
    sick, well = _candidates(hav, exam)
    auth.login("sensor1")
    page = f"/grades/exams/{exam.id}"
    token = csrf(client.get(page).get_data(as_text=True))
    _sick(sick)
    response = client.post(page, data={"csrf_token": token, f"grade_{sick.id}": "C",
                                       f"grade_{well.id}": "B",
                                       "guidelines": "A: selvstendig drøfting."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (f"Gyldig fravær – skal ikke ha karakter ({RULE}). Velg «Ingen karakter ennå» for "
            "denne kandidaten. Ingen karakterer er lagret." in html)
    assert "legeerklæring" not in html.lower()
    assert f'href="#grade_{sick.id}"' in html  # the summary leads to the field
    assert _selected(html, sick) == "C" and _selected(html, well) == "B"
    assert "A: selvstendig drøfting." in html
    assert Grade.select().count() == 0

    html = client.get(page).get_data(as_text=True)
    assert f'name="grade_{sick.id}"' not in html and f'name="grade_{well.id}"' in html
    assert f"<strong>Elev Nummer1</strong>: Gyldig fravær – skal ikke ha karakter ({RULE})." in html
    assert "legeerklæring" not in html.lower()  # (nor does the examiner open it)
    token = csrf(html)
    response = client.post(page, data={"csrf_token": token, f"grade_{well.id}": "B"})
    assert response.status_code == 303
    assert [(g.registration_id, g.grade) for g in Grade.select()] == [(well.id, "B")]

    ExamRegistration.update(status="attended").where(ExamRegistration.id == sick.id).execute()
    response = client.post(page, data={"csrf_token": token, f"grade_{sick.id}": "D",
                                       f"grade_{well.id}": "B"})
    assert response.status_code == 303
    assert Grade.get(Grade.registration == sick.id).grade == "D"


def test_a_grade_recorded_before_the_note_is_not_published(hav, client, auth, csrf):
    """Recorded, then the note came: the page says that grade is not published, the exam
    office publishes the other candidate's alone, and opens the note from the page; the
    examiner is told of the grade not published, not of the note."""
    exam = make_exam(hav)
    sick, well = _candidates(hav, exam)
    before = make_grade(hav, exam, hav.elev1, letter="F", published=None)
    other = make_grade(hav, exam, hav.elev2, letter="B", published=None)
    _sick(sick)
    auth.login("eksamen")
    page = f"/grades/exams/{exam.id}"
    html = client.get(page).get_data(as_text=True)
    assert "En karakter som ble lagret før legeerklæringen kom (F), blir ikke kunngjort." in html
    assert "Kunngjør 1 karakterer" in html
    note = ExamSickNote.get()
    assert f'href="/exams/sick-notes/{note.id}"' in html
    response = post_form(client, csrf, page, f"/grades/exams/{exam.id}/publish",
                         {"channel": "electronic"})
    assert response.status_code == 303
    assert Grade.get_by_id(before.id).published_at is None
    assert Grade.get_by_id(other.id).published_at is not None
    auth.logout()

    auth.login("sensor1")  # the examiner: the same, but not that a doctor's note came
    html = client.get(page).get_data(as_text=True)
    assert "En karakter som ble lagret tidligere (F), blir ikke kunngjort." in html
    assert "legeerklæring" not in html.lower()


def test_the_exam_office_is_told_of_a_note_and_opens_it_logged(hav, client, auth, csrf):
    """The student sends the note (the form says no diagnosis is needed): each of the exam
    office gets a notification (the e-mail says nothing of it), which leads to the list of
    notes. The list and the exam's pages say who sent a note for which exam, and link to the
    note's page; the student's comment (it may tell of health) and the document are read
    only there and in the document, each opening logged. An examiner, the student, or the
    exam office of another school, cannot open either."""
    from io import BytesIO

    from portal.models import utcnow
    from portal.notifications.models import Notification, Outbox
    from tests.factories import give_emails, make_user

    give_emails(hav.eksamen)
    exam = make_exam(hav)
    Exam.update(starts_at=utcnow() - timedelta(days=2)).where(Exam.id == exam.id).execute()
    reg = ExamRegistration.create(exam=exam, student=hav.elev1, status="attended")
    auth.login("elev1")
    form = f"/exams/registrations/{reg.id}/sick-note"
    html = client.get(form).get_data(as_text=True)
    assert ("Legeerklæringen trenger ikke si hvilken sykdom du hadde – la diagnosen være ute."
            in html)
    assert "Ikke skriv diagnose: eksamenskontoret trenger den ikke." in html
    response = client.post(form, data={
        "csrf_token": csrf(html), "document": (BytesIO(PNG), "lege.png"),
        "explanation": "Influensa"}, content_type="multipart/form-data")
    assert response.status_code == 303
    note = ExamSickNote.get()
    told = list(Notification.select())
    assert [(n.user_id, n.text_key, n.kind) for n in told] == [
        (hav.eksamen.id, "exam_sick_note", "action_needed")]
    mail = Outbox.get()
    assert mail.recipient == "eksamen@skole.test"
    for secret in ("Fiskehelse", "Elev Nummer1", "Influensa", "legeerklæring", "lege.png"):
        assert secret not in mail.subject + mail.body
    auth.logout()

    auth.login("eksamen")
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Det er levert en legeerklæring for en eksamen. Se legeerklæringene." in html
    opened = post_form(client, csrf, "/notifications/", f"/notifications/{told[0].id}/read",
                       {"open": "1"})
    assert opened.headers["Location"].endswith("/exams/sick-notes")
    page = f"/exams/sick-notes/{note.id}"
    listed = client.get("/exams/sick-notes").get_data(as_text=True)
    assert "Elev Nummer1" in listed and "HAV101 Fiskehelse" in listed
    assert f'href="{page}">Åpne legeerklæringen</a> (med kommentar)' in listed
    for shown in (listed, client.get(f"/exams/{exam.id}").get_data(as_text=True),
                  client.get(f"/grades/exams/{exam.id}").get_data(as_text=True)):
        assert f'href="{page}"' in shown
        assert "Influensa" not in shown and "lege.png" not in shown
    assert ExamSickNoteAccess.select().count() == 0

    html = client.get(page).get_data(as_text=True)
    assert "Influensa" in html and "HAV101 Fiskehelse" in html
    assert f'href="{page}/document">lege.png</a>' in html
    assert [(a.note_id, a.user_id, a.part) for a in ExamSickNoteAccess.select()] == [
        (note.id, hav.eksamen.id, "exam_office")]
    document = client.get(f"{page}/document")
    assert document.status_code == 200 and document.data == PNG
    # as a case's document opens (portal.cases.uploads.document_response; tests/test_access.py)
    assert document.headers["Content-Type"] == "image/png"
    assert document.headers["Content-Disposition"] == "attachment; filename*=UTF-8''lege.png"
    assert document.headers["Cache-Control"] == "private, no-store"
    assert [(a.note_id, a.user_id, a.part) for a in ExamSickNoteAccess.select()] == [
        (note.id, hav.eksamen.id, "exam_office")] * 2
    auth.logout()

    from portal.models import School

    elsewhere = School.create(name="Annen fagskole", code="annen", profile="havbruk")
    make_user("eksamen2", ["exam_office"], elsewhere, "Ella Eksamen")
    for username in ("sensor1", "elev1", "eksamen2"):
        auth.login(username)
        assert client.get(page).status_code == 404
        assert client.get(f"{page}/document").status_code == 404
        auth.logout()
    assert ExamSickNoteAccess.select().count() == 2


def test_a_note_without_a_comment_says_so_on_its_page(hav, client, auth):
    exam = make_exam(hav)
    _sick(ExamRegistration.create(exam=exam, student=hav.elev1, status="attended"))
    note = ExamSickNote.get()
    auth.login("eksamen")
    listed = client.get("/exams/sick-notes").get_data(as_text=True)
    assert "Åpne legeerklæringen</a>" in listed and "med kommentar" not in listed
    assert "Ingen kommentar." in client.get(f"/exams/sick-notes/{note.id}").get_data(
        as_text=True)


# --- two at once (PostgreSQL: the rows are locked; SQLite has one writer) ---------------

def _note_sent_while(app, reg, act):
    """Send the note for `reg` in a transaction held open until another statement waits for
    a lock (or 5 seconds pass), while `act()` runs: the note is sent while the grade is
    recorded or published. What `act()` returns."""
    holding, errors = threading.Event(), []

    def send_note():
        try:
            with app.app_context(), database.connection_context(), database.atomic():
                _sick(reg)
                holding.set()
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    (waiting,) = database.execute_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()").fetchone()
                    if waiting:
                        break
                    time.sleep(0.05)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            holding.set()

    thread = threading.Thread(target=send_note)
    thread.start()
    try:
        assert holding.wait(10)
        database.execute_sql("SET lock_timeout = '10s'")  # waiting too long fails, not hangs
        result = act()
    finally:
        database.execute_sql("SET lock_timeout = 0")
        thread.join(30)
    assert not errors
    return result


@pytest.mark.postgresql_only
def test_a_note_sent_while_the_grade_is_recorded_refuses_it(hav, app, client, auth, csrf):
    exam = make_exam(hav)
    sick, well = _candidates(hav, exam)
    auth.login("sensor1")
    page = f"/grades/exams/{exam.id}"
    token = csrf(client.get(page).get_data(as_text=True))
    response = _note_sent_while(app, sick, lambda: client.post(page, data={
        "csrf_token": token, f"grade_{sick.id}": "C", f"grade_{well.id}": "B"}))
    assert response.status_code == 422
    assert RULE in response.get_data(as_text=True)
    assert Grade.select().count() == 0
    assert ExamRegistration.get_by_id(sick.id).status == "sick_documented"


@pytest.mark.postgresql_only
def test_a_note_sent_while_the_grades_are_published_keeps_its_grade_unpublished(
        hav, app, client, auth, csrf):
    exam = make_exam(hav)
    sick, _well = _candidates(hav, exam)
    before = make_grade(hav, exam, hav.elev1, letter="F", published=None)
    other = make_grade(hav, exam, hav.elev2, letter="B", published=None)
    auth.login("eksamen")
    token = csrf(client.get(f"/grades/exams/{exam.id}").get_data(as_text=True))
    response = _note_sent_while(app, sick, lambda: client.post(
        f"/grades/exams/{exam.id}/publish", data={"csrf_token": token, "channel": "electronic"}))
    assert response.status_code == 303
    assert Grade.get_by_id(before.id).published_at is None
    assert Grade.get_by_id(other.id).published_at is not None


def test_the_pages_of_notes_send_the_same_statements_for_more_notes(hav, client, auth):
    from tests.factories import make_user
    from tests.statements import statements

    exam = make_exam(hav)
    _sick(_candidates(hav, exam)[0])
    auth.login("eksamen")
    note = ExamSickNote.get()
    pages = ("/exams/sick-notes", f"/grades/exams/{exam.id}", f"/exams/{exam.id}",
             f"/exams/sick-notes/{note.id}")
    few = [statements(client, page) for page in pages]
    for n in range(5):
        student = make_user(f"kandidat{n}", ["student"], hav.school, f"Kandidat Nummer{n}")
        _sick(ExamRegistration.create(exam=exam, student=student, status="attended"))
    assert [statements(client, page) for page in pages] == few
    assert max(few) <= 12
    html = client.get("/exams/sick-notes").get_data(as_text=True)
    assert html.count('href="/exams/sick-notes/') == 6
