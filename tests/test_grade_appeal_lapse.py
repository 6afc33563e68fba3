"""An appeal on a failing grade that is open when a doctor's note sets the grade aside
(plan.set_aside_failing_grade) lapses ("bortfalt") in the note's transaction: what it asks
about is no longer the student's result, and it could not end otherwise (the new grade is
refused, and the student may withdraw only before new examiners are appointed). It is closed
through the kind's step, with its timeline event; the student and the exam office are told
why, the new examiners only that the case is closed, and it leaves everyone's queue."""


import pytest

from portal.kinds.grade_appeal.models import GradeAppeal
from portal.models import Case, Event
from tests.grading import flat, make_havbruk, post_form, told
from tests.test_exam_sick_note_effect import _exam_two_days_ago, _send_note

RULE = "jf. forskriften § 4-6 (2)"  # the havbruk profile's exam_sick_note_within
WHY = ("Karakteren det er klaget på, er satt til side fordi fraværet er dokumentert "
       f"({RULE}): den er ikke lenger resultatet, og det er ikke lenger noe å klage på.")
TO_STUDENT = ("Klagen din på karakter er bortfalt: karakteren er satt til side fordi fraværet "
              "er dokumentert.")
TO_OFFICE = ("Klagen på karakter er bortfalt: karakteren er satt til side fordi fraværet er "
             "dokumentert.")
CLOSED = "Saken er avsluttet."


@pytest.fixture
def hav(db):
    return make_havbruk()


def _appeal(client, auth, csrf, grade) -> Case:
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    response = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                                  "reasons": "Oppgave 3 ble bedømt for strengt."})
    assert response.status_code == 303
    auth.logout()
    return Case.get(Case.kind == "grade_appeal")


def _appoint(client, auth, csrf, case, examiner) -> Case:
    auth.login("eksamen")
    response = post_form(client, csrf, f"/cases/{case.id}", f"/grade-appeals/{case.id}/appoint",
                         {"version": Case.get_by_id(case.id).version,
                          "examiners": [examiner.id]})
    assert response.status_code == 303
    auth.logout()
    return Case.get_by_id(case.id)


def _listed(client, auth, username, case) -> tuple[bool, bool]:
    """Whether `case` is among what waits for `username` on their home page, and whether it is
    on the page at all."""
    auth.login(username)
    page = client.get("/home").get_data(as_text=True)
    auth.logout()
    section = page.split('id="waiting-heading"')[1].split("</section>")[0]
    return f"/cases/{case.id}" in section, f"/cases/{case.id}" in page


def _lapsed(case, before: str) -> None:
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.is_open, stored.staff_due_on) == ("lapsed", False, None)
    event = Event.get((Event.case == case.id) & (Event.action == "lapse"))
    assert (event.actor_id, event.state_before, event.state_after, event.text) == (
        None, before, "lapsed", WHY)


def _student_sees_it_lapsed(client, auth, case) -> None:
    auth.login("elev1")
    page = flat(client.get(f"/cases/{case.id}"))
    assert "Bortfalt" in page and "Klagen er bortfalt" in page and WHY in page
    assert "Trekk klagen" not in page
    auth.logout()
    assert TO_STUDENT in told(client, auth, "elev1")


def test_an_appeal_filed_lapses_when_the_note_sets_its_grade_aside(hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _appeal(client, auth, csrf, fail)
    assert _listed(client, auth, "eksamen", case) == (True, True)
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    _lapsed(case, "filed")
    assert GradeAppeal.get().new_grade_id is None
    _student_sees_it_lapsed(client, auth, case)
    # the exam office: told why, and the case no longer waits for it
    assert TO_OFFICE in told(client, auth, "eksamen")
    assert _listed(client, auth, "eksamen", case) == (False, True)
    auth.login("eksamen")
    page = flat(client.get(f"/cases/{case.id}"))
    assert WHY in page and 'name="examiners"' not in page
    auth.logout()


def test_an_appeal_with_new_examiners_lapses_and_they_are_told_only_that_it_is_closed(
        hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _appoint(client, auth, csrf, _appeal(client, auth, csrf, fail), hav.sensor2)
    assert case.state == "regrading"
    assert _listed(client, auth, "sensor2", case) == (True, True)
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    _lapsed(case, "regrading")
    _student_sees_it_lapsed(client, auth, case)
    assert TO_OFFICE in told(client, auth, "eksamen")
    assert _listed(client, auth, "eksamen", case) == (False, True)

    # the new examiner: no longer asked to grade; told it is closed, not why
    assert _listed(client, auth, "sensor2", case) == (False, True)
    news = told(client, auth, "sensor2")
    assert CLOSED in news
    for secret in ("bortfalt", "fraværet", "legeerklæring"):
        assert secret not in news.lower(), secret
    auth.login("sensor2")
    page = flat(client.get(f"/cases/{case.id}"))
    assert "Bortfalt" in page and 'name="grade"' not in page
    assert "fraværet" not in page and "legeerklæring" not in page.lower()
    auth.logout()
