"""An absence note in a real browser at phone size: the student photographs a doctor's note,
the contact teacher accepts it, and the student's totals change."""

import base64
from datetime import date

import pytest

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _photo(page) -> bytes:
    """A small real JPEG, drawn and encoded by the browser itself (a phone camera stand-in)."""
    data_url = page.evaluate("""() => {
        const c = document.createElement('canvas'); c.width = 64; c.height = 48;
        const g = c.getContext('2d'); g.fillStyle = '#fafafa'; g.fillRect(0, 0, 64, 48);
        g.fillStyle = '#123'; g.fillRect(8, 8, 48, 4); g.fillRect(8, 20, 30, 4);
        return c.toDataURL('image/jpeg', 0.8); }""")
    data = base64.b64decode(data_url.split(",", 1)[1])
    assert data.startswith(b"\xff\xd8\xff")
    return data


def test_absence_note_journey(school, live_server, login, axe):
    from playwright.sync_api import expect

    from portal.absence import record_absence
    from portal.models import TeachingAssignment

    norsk = TeachingAssignment.get(TeachingAssignment.subject == school.norsk)
    for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6)):
        record_absence(norsk, school.elev1, day, 1)

    student = login("elev1")
    student.get_by_role("link", name="Fravær", exact=True).click()
    expect(student.locator("h1")).to_have_text("Fravær")
    expect(student.locator(".struck-days")).to_contain_text("0 av 10, 10 igjen")
    axe(student)

    student.get_by_role("link", name="Send fraværsmelding").click()
    expect(student.locator("body")).to_contain_text("trenger ikke si hvilken sykdom")
    axe(student)
    student.get_by_label("a) Helse- eller velferdsgrunner").check()
    student.get_by_label("Hele dager").check()
    student.fill("#first_day", "2026-10-01")
    student.fill("#last_day", "2026-10-06")
    student.set_input_files("#document", files=[{
        "name": "legeerklaering.jpg", "mimeType": "image/jpeg", "buffer": _photo(student)}])
    student.get_by_role("button", name="Send fraværsmelding").click()
    expect(student.locator("#case-status .badge")).to_have_text("Sendt, venter på behandling")
    expect(student.locator("body")).to_contain_text("legeerklaering.jpg")
    axe(student)
    case_url = student.url

    teacher = login("laerer1")
    teacher.goto(case_url)
    expect(teacher.locator("body")).to_contain_text("a) Helse- eller velferdsgrunner")
    axe(teacher)
    teacher.get_by_role("button", name="Godta").click()
    expect(teacher.locator("#case-status .badge")).to_have_text("Godtatt")
    expect(teacher.locator("body")).to_contain_text("fra dag 4")

    # The student's open case page follows without a reload; the totals have changed.
    expect(student.locator("#case-status .badge")).to_have_text("Godtatt", timeout=20_000)
    student.get_by_role("link", name="Fravær", exact=True).click()
    expect(student.locator(".struck-days")).to_contain_text("1 av 10, 9 igjen")
    expect(student.locator(".absence-table")).to_contain_text("4 / 113")
    expect(student.locator(".absence-records")).to_contain_text("holdt utenfor vitnemålet")
    axe(student)


def test_documentation_and_withdrawal_on_a_360_px_phone(school, live_server, login):
    """At 360 px: documentation sent without a file comes back at the form, the message
    beside the file field and in view, the comment kept; withdrawing is apart from the
    documentation button and asks first. With JavaScript off, as a plain phone browser."""
    from playwright.sync_api import expect

    from portal.cases.engine import open_case

    case = open_case("absence_note", school=school.school, school_year=school.year,
                     student=school.elev1, title="Sykdom 1. oktober", actor=school.elev1,
                     participants=[(school.laerer1, "contact_teacher")])
    page = login("elev1", viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page.goto(live_server.url(f"/cases/{case.id}"))
    page.fill("#comment", "Legeerklæringen kommer i morgen")
    add = page.get_by_role("button", name="Legg til dokumentasjon")
    withdraw = page.get_by_role("link", name="Trekk meldingen")
    gap = withdraw.bounding_box()["y"] - (add.bounding_box()["y"]
                                          + add.bounding_box()["height"])
    assert gap >= 24, gap  # not 2 px: a tap meant for one does not land on the other
    assert withdraw.bounding_box()["height"] >= 44
    add.click()

    assert page.url.endswith(f"/absence-notes/{case.id}/documents#add-document")
    error = page.locator("#document-error")
    expect(error).to_have_text("Velg en fil eller ta et bilde av dokumentasjonen.")
    expect(page.locator("#document")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#comment")).to_have_value("Legeerklæringen kommer i morgen")
    box = error.bounding_box()  # (in the viewport's coordinates)
    assert page.evaluate("() => window.scrollY") > 0  # opened at the form ...
    assert 0 <= box["y"] and box["y"] + box["height"] <= 740  # ... the message in view

    page.get_by_role("link", name="Trekk meldingen").click()
    expect(page.locator("h1")).to_have_text("Vil du trekke saken?")
    page.get_by_role("link", name="Nei, tilbake til saken").click()
    expect(page.locator("#case-status .badge")).to_have_text("Sendt, venter på behandling")
    page.get_by_role("link", name="Trekk meldingen").click()
    page.get_by_role("button", name="Ja, trekk saken").click()
    expect(page.locator(".flash-success")).to_have_text(
        "Fraværsmeldingen er trukket. Den blir stående i listen din som trukket.")
    expect(page.locator("#case-status .badge")).to_have_text("Trukket tilbake")


def test_the_case_page_with_a_refused_document_and_the_withdrawal_page_pass_axe(
        school, live_server, login, axe):
    from playwright.sync_api import expect

    from portal.cases.engine import open_case

    case = open_case("absence_note", school=school.school, school_year=school.year,
                     student=school.elev1, title="Sykdom 1. oktober", actor=school.elev1,
                     participants=[(school.laerer1, "contact_teacher")])
    student = login("elev1")
    student.goto(live_server.url(f"/cases/{case.id}"))
    student.get_by_role("button", name="Legg til dokumentasjon").click()
    expect(student.locator("#document-error")).to_be_visible()
    axe(student)
    student.get_by_role("link", name="Trekk meldingen").click()
    expect(student.locator("h1")).to_have_text("Vil du trekke saken?")
    axe(student)
