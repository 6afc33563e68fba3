"""A student whose e-mail address the mail server refused reads so on the phone, from the
menu's notifications, and what to do about it."""


def test_a_student_reads_that_mail_to_their_address_does_not_arrive(
        school, live_server, login, axe):
    from playwright.sync_api import expect

    from portal.models import User
    from portal.notifications import mailer
    from portal.notifications.models import Outbox

    address = "elev1.med.et.svaert.langt.etternavn.som.ikke.finnes@bounce.test"
    User.update(email=address).where(User.username == "elev1").execute()
    Outbox.create(recipient=address, subject="Sak", body="Lenke\n", dedupe_key="refused:1",
                  status="failed", attempts=1,
                  last_error=f"{mailer.ADDRESS_REFUSED}SMTPRecipientsRefused: 550 5.1.1")
    student = login("elev1")
    student.get_by_role("link", name="Varsler").first.click()
    expect(student.locator("h1")).to_have_text("Varsler")
    told = student.locator("p.warning")
    expect(told).to_contain_text(f"E-post til {address} kommer ikke fram")
    expect(told).to_contain_text("Be skolens kontor rette adressen.")
    # a long address wraps: nothing runs off the side at phone width
    assert student.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe(student)
    student.get_by_role("link", name="E-postinnstillinger").click()
    expect(student.locator("h1")).to_have_text("E-postinnstillinger")
    expect(student.locator("p.warning")).to_contain_text("kommer ikke fram")
    assert student.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe(student)
