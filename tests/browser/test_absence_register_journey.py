"""Registering absence in a real browser at phone size: the teacher taps students in the
class list, each tap saved in place without a reload; the student's figures follow."""

from datetime import date

import pytest

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def test_teacher_registers_a_lesson_from_the_phone(school, live_server, login, axe):
    from playwright.sync_api import expect

    from portal.absence.models import AbsenceRecord

    teacher = login("laerer1")
    teacher.get_by_role("link", name="Fravær", exact=True).click()
    axe(teacher)
    teacher.get_by_role("link", name="1STA – Norsk").click()
    expect(teacher.locator("h1")).to_have_text("1STA – Norsk")
    expect(teacher.locator("#date")).to_have_value("2026-11-23")
    teacher.fill("#lesson", "3")
    teacher.get_by_role("button", name="Vis").click()
    expect(teacher.locator("h2").first).to_contain_text("time 3")
    axe(teacher)
    teacher.evaluate("() => { window.__sameDocument = true; }")

    first = teacher.locator(f"#student-{school.elev1.id}")
    first.get_by_role("button", name="Borte").click()
    expect(first.locator(".register-state")).to_have_text("Borte")
    second = teacher.locator(f"#student-{school.elev2.id}")
    second.get_by_label("Minutter for sent").fill("7")
    second.get_by_role("button", name="For sent").click()
    expect(second.locator(".register-state")).to_have_text("7 minutter for sent")
    assert teacher.evaluate("() => window.__sameDocument === true")  # saved in place
    axe(teacher)

    records = {(r.student_id, r.lesson, r.minutes_late) for r in AbsenceRecord.select()}
    assert records == {(school.elev1.id, 3, 0), (school.elev2.id, 3, 7)}

    # A wrong tap is undone in place; a reload shows what was saved.
    first.get_by_role("button", name="Til stede likevel").click()
    expect(first.locator(".register-state")).to_have_text("Til stede")
    first.get_by_role("button", name="Borte").click()
    expect(first.locator(".register-state")).to_have_text("Borte")
    teacher.reload()
    expect(teacher.locator(f"#student-{school.elev1.id} .register-state")).to_have_text("Borte")
    expect(teacher.locator(f"#student-{school.elev3.id}")).to_have_count(0)  # other class

    student = login("elev1")
    student.get_by_role("link", name="Fravær", exact=True).click()
    expect(student.locator(".absence-table")).to_contain_text("1 / 113")
    axe(student)


def test_a_tap_after_the_session_ended_says_so_instead_of_nothing(school, live_server, login):
    """The session ends (eight hours, or a logout in another tab) while the class list is
    open: a tap is sent again as a plain form, and the page says the form expired, instead of
    a button that seems to do nothing."""
    from playwright.sync_api import expect

    from portal.absence.models import AbsenceRecord

    teacher = login("laerer1")
    teacher.goto(live_server.url("/absence/"))
    teacher.get_by_role("link", name="1STA – Norsk").click()
    teacher.context.clear_cookies()
    teacher.locator(f"#student-{school.elev1.id}").get_by_role("button", name="Borte").click()
    expect(teacher.locator("main")).to_contain_text(
        "Skjemaet var utløpt. Last inn siden på nytt og send det igjen.")
    assert not AbsenceRecord.select().exists()


def test_a_tap_that_does_not_reach_the_server_is_sent_again_with_its_button(school,
                                                                           live_server, login):
    """The in-place request is lost (the network drops it): the form is sent again plainly,
    with the button that was pressed ("Borte"), and the page comes back at the row."""
    from playwright.sync_api import expect

    from portal.absence.models import AbsenceRecord

    teacher = login("laerer1")
    teacher.goto(live_server.url("/absence/"))
    teacher.get_by_role("link", name="1STA – Norsk").click()

    def drop_in_place_requests(route):
        if route.request.headers.get("hx-request"):
            route.abort()
        else:
            route.continue_()

    teacher.route("**/absence/register/**", drop_in_place_requests)
    row = teacher.locator(f"#student-{school.elev1.id}")
    row.get_by_role("button", name="Borte").click()
    expect(row.locator(".register-state")).to_have_text("Borte")
    assert [(r.student_id, r.minutes_late) for r in AbsenceRecord.select()] == [
        (school.elev1.id, 0)]
