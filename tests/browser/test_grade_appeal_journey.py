"""A grade appeal from the request for a justification to the new grade, with three people
on their phones (havbruk demo): the student, the exam office and the examiners. The new
examiner never sees the old grade, the justification or the student's reasons."""

from datetime import timedelta

from playwright.sync_api import expect

from portal.db import database
from portal.rules.calendar import today

JUSTIFICATION = "Drøftingen av smittevern var kort; oppgave 3 manglet kilder."
REASONS = "Jeg mener oppgave 3 ble vurdert for strengt."


def test_justification_then_appeal_then_blind_regrading(app, live_server, login, axe):
    from portal import demo

    with database.connection_context():
        demo.load(today())
    if hasattr(database.obj, "close_all"):  # a pooled SQLite connection belongs to this thread
        database.obj.close_all()

    student = login("student1")
    student.goto(live_server.url("/grades/"))
    card = student.locator("article", has_text="HAV101")
    expect(card.get_by_text("Sensorveiledning")).to_be_visible()
    axe(student)
    card.get_by_role("link", name="Be om begrunnelse").click()
    expect(student.get_by_text("forskriften § 4-9 (1) a")).to_be_visible()
    axe(student)
    student.get_by_role("button", name="Be om begrunnelsen").click()
    expect(student.get_by_text("Du har bedt om begrunnelse.")).to_be_visible()
    justification_url = student.url
    axe(student)

    office = login("f-eksamen")
    office.goto(justification_url)
    expect(office.get_by_label("Finn Sensorvik")).to_be_checked()
    axe(office)
    office.get_by_role("button", name="Send til sensor").click()
    expect(office.get_by_text("Forespørselen er sendt til sensor.")).to_be_visible()

    examiner = login("f-sensor1")
    examiner.goto(justification_url)
    examiner.get_by_label("Begrunnelsen", exact=True).fill(JUSTIFICATION)
    axe(examiner)
    # it will be late after all: Enter in the date field says so (never sends the
    # justification), and what was written stays for the examiner to finish
    expected = examiner.get_by_label("Når kan begrunnelsen ventes?")
    expected.fill((today() + timedelta(days=30)).isoformat())
    expected.press("Enter")
    expect(examiner.get_by_text("Studenten har fått beskjed om når begrunnelsen kan ventes.")
           ).to_be_visible()
    expect(examiner.get_by_label("Begrunnelsen", exact=True)).to_have_value(JUSTIFICATION)
    axe(examiner)
    examiner.get_by_role("button", name="Send begrunnelsen").click()
    expect(examiner.get_by_text("Begrunnelsen er sendt til studenten.")).to_be_visible()

    student.goto(justification_url)
    expect(student.get_by_text(JUSTIFICATION)).to_be_visible()
    expect(student.locator("#appeal-deadline")).to_contain_text("løper klagefristen fra den dagen")
    axe(student)
    student.goto(live_server.url("/grades/"))
    card = student.locator("article", has_text="HAV101")
    card.get_by_role("link", name="Klag på karakteren").click()
    student.get_by_label("Hvorfor klager du? (anbefalt)").fill(REASONS)
    student.get_by_label("Jeg bekrefter at dette er min klage", exact=False).check()
    student.get_by_label("Passordet ditt (signatur)").fill("demo")
    axe(student)
    student.get_by_role("button", name="Send klagen").click()
    expect(student.get_by_text("Klagen din er mottatt.", exact=False)).to_be_visible()
    appeal_url = student.url
    axe(student)

    office.goto(appeal_url)
    expect(office.get_by_text("sensor ved ordinær sensur")).to_be_visible()
    office.get_by_label("Fia Sensorvik").check()
    axe(office)
    office.get_by_role("button", name="Oppnevn nye sensorer").click()
    expect(office.get_by_text("De nye sensorene er oppnevnt.")).to_be_visible()

    new_examiner = login("f-sensor2")
    new_examiner.goto(appeal_url)
    body = new_examiner.locator("main").inner_text()
    assert JUSTIFICATION not in body and REASONS not in body
    assert "Påklaget karakter" not in body
    expect(new_examiner.get_by_text("Du får ikke vite den tidligere karakteren",
                                    exact=False)).to_be_visible()
    axe(new_examiner)
    new_examiner.get_by_label("C", exact=True).check()
    new_examiner.get_by_role("button", name="Sett ny karakter").click()
    expect(new_examiner.get_by_text("Den nye karakteren er satt", exact=False)).to_be_visible()
    assert JUSTIFICATION not in new_examiner.locator("main").inner_text()

    student.goto(live_server.url("/grades/"))
    card = student.locator("article", has_text="HAV101")
    expect(card.locator(".grade")).to_have_text("C")
    expect(card.get_by_text("endelig etter ny sensur")).to_be_visible()
    axe(student)
