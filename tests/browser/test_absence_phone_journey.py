"""The absence pages on a 360 px phone, as the usability test found them: the register on a
Sunday, a late arrival without minutes in a long class list with and without JavaScript, and
the student's table with the column that counts toward the limit."""

from datetime import date

import pytest

from tests.factories import norsk_assignment

SUNDAY = date(2026, 12, 6)
NARROW = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = SUNDAY


@pytest.fixture
def long_class(school):
    """1STA with 25 more students: the last row far below the top of the page."""
    from portal.models import Enrolment
    from tests.factories import make_user

    last = None
    for n in range(25):
        last = make_user(f"ekstra{n:02d}", ["student"], school.school, f"Ø Ekstra {n:02d}")
        Enrolment.create(student=last, school_class=school.klass)
    return last


def test_register_on_a_sunday_and_a_late_arrival_without_minutes(
        school, long_class, live_server, login, axe):
    from playwright.sync_api import expect

    from portal.absence.models import AbsenceRecord

    teacher = login("laerer1")
    teacher.set_viewport_size(NARROW)
    teacher.goto(live_server.url(f"/absence/register/{norsk_assignment(school).id}"))
    expect(teacher.locator("#date")).to_have_value("2026-12-04")  # Friday, not Sunday
    teacher.fill("#date", "2026-12-06")
    teacher.get_by_role("button", name="Vis").click()
    expect(teacher.locator("#date-error")).to_have_text(
        "Datoen søndag 6. desember 2026 er ikke en skoledag: det er helg. Velg en dag fra "
        "mandag til fredag.")
    expect(teacher.get_by_role("button", name="Borte")).to_have_count(0)
    axe(teacher)

    teacher.fill("#date", "2026-12-04")
    teacher.get_by_role("button", name="Vis").click()
    row = teacher.locator(f"#student-{long_class.id}")
    row.get_by_role("button", name="For sent").click()
    expect(row.locator(".error")).to_contain_text("Minutter for sent må være et helt tall")
    expect(row.locator(".error")).to_be_in_viewport()
    axe(teacher)
    row.get_by_label("Minutter for sent").fill("5")
    row.get_by_role("button", name="For sent").click()
    expect(row.locator(".register-state")).to_have_text("5 minutter for sent")
    assert [(r.date, r.minutes_late) for r in AbsenceRecord.select()] == [(date(2026, 12, 4), 5)]


def test_without_javascript_the_page_comes_back_at_the_row_with_the_error(
        school, long_class, live_server, login):
    from playwright.sync_api import expect

    page = login("laerer1", viewport=NARROW, java_script_enabled=False)
    page.goto(live_server.url(f"/absence/register/{norsk_assignment(school).id}"))
    row = page.locator(f"#student-{long_class.id}")
    row.get_by_role("button", name="For sent").click()  # no minutes (90 the browser stops)
    error = row.locator(".error")
    expect(error).to_have_text("Minutter for sent må være et helt tall fra 1 til 44.")
    expect(error).to_be_in_viewport()  # where the teacher tapped, not 2,900 px above
    expect(row.get_by_label("Minutter for sent")).to_be_empty()
    summary = page.locator(".error-summary a")
    expect(summary).to_have_attribute("href", f"#minutes-{long_class.id}")
    expect(summary).to_contain_text("Ø Ekstra 24")


def test_the_students_table_shows_what_counts_toward_the_limit_at_360_px(
        school, live_server, login, axe):
    from playwright.sync_api import expect

    from portal.absence import record_absence

    record_absence(norsk_assignment(school), school.elev1, date(2026, 10, 1), 1, minutes_late=20)
    student = login("elev1")
    student.set_viewport_size(NARROW)
    student.get_by_role("link", name="Fravær", exact=True).click()
    region = student.get_by_role("region", name="Fravær per fag")
    expect(region).to_have_attribute("tabindex", "0")
    header = region.get_by_role("columnheader", name="Teller mot grensen")
    expect(header).to_be_visible()
    box = header.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]  # not scrolled away
    # the caption's text ends on the screen (its box is as wide as the table)
    text_right = region.locator("caption").evaluate(
        "c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getBoundingClientRect().right; }")
    assert text_right <= NARROW["width"]
    norsk = region.get_by_role("row", name="Norsk")
    expect(norsk.get_by_role("cell").first).to_have_text("0,4\u00a0%")
    lines = norsk.get_by_role("cell").first.evaluate(
        "c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }")
    assert lines == 1  # "0,4 %" on one line (it broke into "0.0 / %")
    axe(student)
