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
