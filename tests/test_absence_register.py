"""The teacher's register on real dates: only school days of the school year (weekends,
Norwegian public holidays and the year's bounds refused, by name), and an error shown at the
row the teacher acted on, with what was typed kept — with and without JavaScript."""

import re
from datetime import date

import pytest

from portal.absence.models import AbsenceRecord
from tests.factories import norsk_assignment


@pytest.fixture
def norsk(school):
    return norsk_assignment(school)


def _page(client, assignment, query=""):
    return client.get(f"/absence/register/{assignment.id}{query}")


def _post(client, csrf, assignment, student, day, *, status="absent", minutes="", htmx=False,
          lesson=1):
    page = _page(client, assignment).get_data(as_text=True)
    headers = {"HX-Request": "true", "HX-Target": f"student-{student.id}"} if htmx else {}
    return client.post(f"/absence/register/{assignment.id}", headers=headers, data={
        "csrf_token": csrf(page), "student": student.id, "date": day.isoformat(),
        "lesson": lesson, "status": status, "minutes": minutes})


def test_on_a_sunday_the_register_opens_on_the_last_school_day(app, client, auth, school,
                                                                norsk):
    app.config["PORTAL_TODAY"] = date(2026, 12, 6)  # Sunday
    auth.login("laerer1")
    html = _page(client, norsk).get_data(as_text=True)
    assert 'id="date" name="date" value="2026-12-04"' in html  # Friday
    assert "4. desember 2026, time 1" in html


@pytest.mark.parametrize(("today", "day", "why"), [
    (date(2026, 12, 6), date(2026, 12, 6),
     "Datoen søndag 6. desember 2026 er ikke en skoledag: det er helg."),
    (date(2027, 5, 20), date(2027, 5, 17),
     "Datoen mandag 17. mai 2027 er ikke en skoledag: det er en helligdag (Andre pinsedag; "
     "Grunnlovsdag)."),
    (date(2027, 5, 20), date(2027, 5, 6),
     "Datoen torsdag 6. mai 2027 er ikke en skoledag: det er en helligdag (Kristi "
     "himmelfartsdag)."),
    (date(2027, 6, 25), date(2027, 6, 21),
     "Datoen mandag 21. juni 2027 er ikke en skoledag: den er utenfor skoleåret 2026/2027 "
     "(17. august 2026 – 18. juni 2027)."),
], ids=["sunday", "17-may", "ascension-day", "after-the-school-year"])
def test_a_day_that_is_no_school_day_is_refused_by_name(app, client, auth, csrf, school, norsk,
                                                        today, day, why):
    app.config["PORTAL_TODAY"] = today
    auth.login("laerer1")
    page = _page(client, norsk, f"?date={day}&lesson=3")
    html = page.get_data(as_text=True)
    assert why in html
    assert f'value="{day}"' in html and 'value="3"' in html  # what was typed stays
    assert 'aria-invalid="true" aria-describedby="date-error"' in html
    assert 'href="#date"' in html  # the summary links to the field
    assert "Borte" not in html  # no class list to tap on that day
    # a stale or crafted form is refused the same way, with and without JavaScript
    row = _post(client, csrf, norsk, school.elev1, day, htmx=True)
    assert row.status_code == 200 and why in row.get_data(as_text=True)
    full = _post(client, csrf, norsk, school.elev1, day)
    assert full.status_code == 422 and why in full.get_data(as_text=True)
    assert not AbsenceRecord.select().exists()
    auth.logout()
    auth.login("elev1")
    assert "borte" not in client.get("/absence/").get_data(as_text=True).split(
        "Ført fravær")[1]


def test_after_the_school_year_the_register_opens_on_its_last_day(app, client, auth, school,
                                                                  norsk):
    app.config["PORTAL_TODAY"] = date(2027, 6, 25)
    auth.login("laerer1")
    html = _page(client, norsk).get_data(as_text=True)
    assert 'value="2027-06-18"' in html and "18. juni 2027, time 1" in html


def test_a_school_day_saves(app, client, auth, csrf, school, norsk):
    app.config["PORTAL_TODAY"] = date(2026, 12, 6)
    auth.login("laerer1")
    response = _post(client, csrf, norsk, school.elev1, date(2026, 12, 4))
    assert response.status_code == 303
    assert AbsenceRecord.get().date == date(2026, 12, 4)


def _row(html, student):
    match = re.search(rf'<li id="student-{student.id}".*?</li>', html, re.S)
    assert match, f"no row for {student.full_name}"
    return match.group(0)


@pytest.mark.parametrize("minutes", ["", "90", "ti"])
def test_late_without_valid_minutes_shows_the_error_at_the_row_without_javascript(
        app, client, auth, csrf, school, norsk, minutes):
    app.config["PORTAL_TODAY"] = date(2026, 11, 23)
    auth.login("laerer1")
    response = _post(client, csrf, norsk, school.elev2, date(2026, 11, 20), status="late",
                     minutes=minutes)
    assert response.status_code == 422  # the page again, not a redirect away from the error
    html = response.get_data(as_text=True)
    row = _row(html, school.elev2)
    message = "Minutter for sent må være et helt tall fra 1 til 44."
    assert message in row and 'role="alert"' in row
    assert f'value="{minutes}"' in row and 'aria-invalid="true"' in row  # typed, kept
    # the form posts to the row's own anchor, so the browser comes back at the row
    assert f'#student-{school.elev2.id}"' in row
    # and the summary at the top names the student and links to the field
    summary = html[html.index('class="error-summary"'):html.index('class="lesson-picker"')]
    assert f'href="#minutes-{school.elev2.id}"' in summary
    assert "Elev Nummer2" in summary and message in summary
    assert message not in _row(html, school.elev1)
    assert not AbsenceRecord.select().exists()


def test_late_without_minutes_with_htmx_keeps_the_row_and_what_was_typed(
        app, client, auth, csrf, school, norsk):
    app.config["PORTAL_TODAY"] = date(2026, 11, 23)
    auth.login("laerer1")
    response = _post(client, csrf, norsk, school.elev2, date(2026, 11, 20), status="late",
                     minutes="90", htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith("<li")
    assert "fra 1 til 44" in fragment and 'value="90"' in fragment
    ok = _post(client, csrf, norsk, school.elev2, date(2026, 11, 20), status="late",
               minutes="12", htmx=True).get_data(as_text=True)
    assert "12 minutter for sent" in ok and 'class="error"' not in ok


def test_a_lesson_written_as_a_superscript_digit_is_no_lesson_not_a_500(app, client, auth,
                                                                       school, norsk):
    app.config["PORTAL_TODAY"] = date(2026, 11, 23)
    auth.login("laerer1")
    assert _page(client, norsk, "?lesson=²").status_code == 200
