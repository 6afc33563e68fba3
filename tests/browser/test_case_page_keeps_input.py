"""A case page that follows its case (the status poll) never takes away what the user has
written and not sent: when the case changes meanwhile, the page says so with a link to load
it, instead of loading it over the form. With nothing unsent it refreshes itself as before."""

import io
from datetime import date

import pytest

TODAY = date(2026, 11, 23)
LIVE = 20_000  # ms: the status polls every 5 s
COMMENT = "Legeerklæringen kommer i morgen"
CHANGED = ("Saken er endret. Last inn siden på nytt for å se endringene – det du har "
           "skrevet, blir ikke sendt.")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 64


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


@pytest.fixture
def note_url(client, auth, csrf, school, live_server):
    """elev2 has sent an absence note (contact teacher laerer1): its case page's address."""
    from portal.models import Case

    auth.login("elev2")
    page = client.get("/absence-notes/new")
    response = client.post("/absence-notes/new", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "category": "a", "scope": "days",
        "first_day": "2026-10-01", "last_day": "2026-10-02",
        "document": (io.BytesIO(JPEG), "legeerklaering.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    auth.logout()
    case = Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()
    return live_server.url(f"/cases/{case.id}")


def _ask_for_more(login, note_url):
    """The contact teacher, in a session of their own, asks for more documentation."""
    from playwright.sync_api import expect

    teacher = login("laerer1")
    teacher.goto(note_url)
    teacher.fill("#text", "Legeerklæringen mangler dato.")
    teacher.get_by_role("button", name="Be om mer dokumentasjon").click()
    expect(teacher.locator("#case-status .badge")).to_have_text("Trenger mer dokumentasjon")


def test_what_the_student_wrote_stays_when_the_case_changes(note_url, login, axe):
    from playwright.sync_api import expect

    student = login("elev2")
    student.goto(note_url)
    student.fill("#comment", COMMENT)
    student.locator("#comment").blur()  # (the phone's keyboard closed)
    assert student.evaluate("() => document.activeElement === document.body")

    _ask_for_more(login, note_url)

    # The poll sees the change (the status follows), and the page says so instead of loading.
    expect(student.locator("#case-status .badge")).to_have_text("Trenger mer dokumentasjon",
                                                                timeout=LIVE)
    student.wait_for_timeout(6_000)  # (what followed the poll has happened, and a poll more)
    expect(student.locator("#comment")).to_have_value(COMMENT)
    expect(student.locator("body")).not_to_contain_text("Dette mangler")
    notice = student.locator("#case-changed[role=status]")
    expect(notice).to_have_text(CHANGED + " Last inn siden på nytt")
    axe(student)

    # The link loads the page as it is now.
    notice.get_by_role("link", name="Last inn siden på nytt").click()
    expect(student.locator(".rule-late")).to_contain_text("Legeerklæringen mangler dato.")
    expect(notice).to_be_empty()


def test_a_chosen_file_stays_and_the_page_follows_once_it_is_gone(note_url, login):
    from playwright.sync_api import expect

    student = login("elev2")
    student.goto(note_url)
    student.set_input_files("#document", files=[{
        "name": "legeerklaering.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    student.locator("#document").blur()

    _ask_for_more(login, note_url)

    expect(student.locator("#case-status .badge")).to_have_text("Trenger mer dokumentasjon",
                                                                timeout=LIVE)
    student.wait_for_timeout(2_000)
    assert student.evaluate("() => document.getElementById('document').files.length") == 1
    notice = student.locator("#case-changed")
    expect(notice).to_contain_text(CHANGED)

    # The student lets the file go: the next poll brings the page as it is now.
    student.set_input_files("#document", files=[])
    student.locator("#document").blur()
    expect(student.locator(".rule-late")).to_contain_text("Legeerklæringen mangler dato.",
                                                          timeout=LIVE)
    expect(notice).to_be_empty()


def test_a_refused_form_given_back_stays_when_the_case_changes(note_url, login):
    """Sent without a file, the form comes back with the comment as it was sent: that is not
    sent either, though the field holds it from the page."""
    from playwright.sync_api import expect

    student = login("elev2")
    student.goto(note_url)
    student.fill("#comment", COMMENT)
    student.get_by_role("button", name="Legg til dokumentasjon").click()
    expect(student.locator("#document-error")).to_be_visible()
    student.locator("#comment").blur()

    _ask_for_more(login, note_url)

    expect(student.locator("#case-status .badge")).to_have_text("Trenger mer dokumentasjon",
                                                                timeout=LIVE)
    student.wait_for_timeout(2_000)
    expect(student.locator("#comment")).to_have_value(COMMENT)
    expect(student.locator("#case-changed")).to_contain_text(CHANGED)


def test_with_nothing_unsent_the_page_follows_the_case(note_url, login):
    from playwright.sync_api import expect

    student = login("elev2")
    student.goto(note_url)
    expect(student.locator("#comment")).to_have_value("")

    _ask_for_more(login, note_url)

    expect(student.locator(".rule-late")).to_contain_text("Legeerklæringen mangler dato.",
                                                          timeout=LIVE)
    expect(student.locator("#case-changed")).to_be_empty()
    expect(student.locator("#case-status .badge")).to_have_text("Trenger mer dokumentasjon")
