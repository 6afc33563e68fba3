"""A request for the justification of a failing grade that is open when a doctor's note sets
the grade aside (plan.set_aside_failing_grade) lapses ("bortfalt") in the note's transaction,
whether it waits for the exam office or for the examiner: there is no longer a grade to
justify. The examiner, who is told and reads the timeline, learns only of a valid absence,
never of the doctor's note."""

import pytest

from portal.models import Case, Event
from portal.rules import calendar as cal
from portal.rules.deadlines import format_date
from tests.grading import flat, make_havbruk, post_form, told
from tests.test_exam_sick_note_effect import _exam_two_days_ago, _send_note

TO_STUDENT = "Forespørselen din om begrunnelse er bortfalt: karakteren er satt til side."
TO_STAFF = ("Forespørselen om begrunnelse for karakter er bortfalt: karakteren er satt til side "
            "(gyldig fravær).")


@pytest.fixture
def hav(db):
    return make_havbruk()


def _request(client, auth, csrf, grade) -> Case:
    auth.login("elev1")
    url = f"/justifications/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {}).status_code == 303
    auth.logout()
    return Case.get(Case.kind == "justification")


def _route(client, auth, csrf, case, examiner) -> Case:
    auth.login("eksamen")
    response = post_form(client, csrf, f"/cases/{case.id}", f"/justifications/{case.id}/route",
                         {"version": Case.get_by_id(case.id).version,
                          "examiners": [examiner.id]})
    assert response.status_code == 303
    auth.logout()
    return Case.get_by_id(case.id)


def _why(fail) -> str:
    published = format_date(cal.oslo_date(fail.published_at))
    return (f"Karakteren F, kunngjort {published}, er satt til side: gyldig fravær, og eksamen "
            "teller ikke som forsøk (jf. forskriften § 4-6 (2)).")


def _lapsed(case, before: str, why: str) -> None:
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.is_open, stored.staff_due_on) == ("lapsed", False, None)
    event = Event.get((Event.case == case.id) & (Event.action == "lapse"))
    assert (event.actor_id, event.state_before, event.text) == (None, before, why)


def test_a_request_with_the_exam_office_lapses(hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _request(client, auth, csrf, fail)
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    _lapsed(case, "requested", _why(fail))
    assert TO_STUDENT in told(client, auth, "elev1")
    assert TO_STAFF in told(client, auth, "eksamen")
    auth.login("eksamen")
    page = flat(client.get(f"/cases/{case.id}"))
    assert "Forespørselen er bortfalt" in page and _why(fail) in page
    assert 'name="examiners"' not in page
    auth.logout()


def test_a_request_with_the_examiner_lapses_and_the_examiner_hears_of_no_note(
        hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _route(client, auth, csrf, _request(client, auth, csrf, fail), hav.sensor1)
    assert case.state == "with_examiner"
    _send_note(client, auth, csrf, fail.registration)
    auth.logout()
    _lapsed(case, "with_examiner", _why(fail))
    news = told(client, auth, "sensor1")
    assert TO_STAFF in news
    auth.login("sensor1")
    page = flat(client.get(f"/cases/{case.id}"))
    assert "Bortfalt" in page and _why(fail) in page and 'name="answer"' not in page
    auth.logout()
    for text in (news, page):
        assert "legeerklæring" not in text.lower() and "dokumentert" not in text


def test_an_answered_request_stays_answered(hav, client, auth, csrf):
    _exam, fail = _exam_two_days_ago(hav)
    case = _route(client, auth, csrf, _request(client, auth, csrf, fail), hav.sensor1)
    auth.login("sensor1")
    assert post_form(client, csrf, f"/cases/{case.id}", f"/justifications/{case.id}/answer",
                     {"version": case.version, "answer": "Drøftingen manglet kilder."}
                     ).status_code == 303
    auth.logout()
    _send_note(client, auth, csrf, fail.registration)
    assert Case.get_by_id(case.id).state == "answered"

