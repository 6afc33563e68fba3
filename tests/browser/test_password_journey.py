"""A student changes their password on the phone, from the link in the header."""


def test_a_student_changes_their_password(school, live_server, login, axe):
    from playwright.sync_api import expect

    student = login("elev1")
    student.get_by_role("link", name="Bytt passord").click()
    expect(student.locator("h1")).to_have_text("Bytt passord")
    axe(student)
    # at phone width nothing runs off the side
    assert student.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    student.fill("#current", "demo")
    student.fill("#new", "et-langt-passord")
    student.fill("#repeat", "et-annet-passord")
    student.get_by_role("button", name="Bytt passord").click()
    expect(student.locator(".error-summary")).to_contain_text(
        "De to nye passordene er ikke like.")
    expect(student.locator("#repeat")).to_have_attribute("aria-invalid", "true")
    axe(student)
    student.fill("#current", "demo")
    student.fill("#new", "et-langt-passord")
    student.fill("#repeat", "et-langt-passord")
    student.get_by_role("button", name="Bytt passord").click()
    student.wait_for_url("**/home")
    expect(student.locator(".flash")).to_contain_text("Passordet er endret.")
    axe(student)
    again = login("elev1", "et-langt-passord")
    expect(again.locator("h1")).to_be_visible()


def test_a_student_who_forgot_their_password_sets_a_new_one_from_the_email(
        school, visitor, live_server, login, axe):
    """From the login page, on the phone: ask for a link, open it from the e-mail, choose a
    new password, and be logged in with it."""
    import re
    import time
    from urllib.parse import urlsplit

    from playwright.sync_api import expect

    from portal.models import User
    from portal.notifications.models import Outbox
    from tests.factories import give_emails

    give_emails(User.by_username("elev1"))
    page = visitor()
    page.get_by_role("link", name="Glemt passordet?").click()
    expect(page.locator("h1")).to_have_text("Glemt passord")
    axe(page)
    page.get_by_role("button", name="Send meg en lenke").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "Skriv inn brukernavnet eller e-postadressen din.")
    axe(page)
    page.fill("#account", "elev1@skole.test")
    page.get_by_role("button", name="Send meg en lenke").click()
    page.wait_for_url("**/login")
    expect(page.locator(".flash")).to_contain_text("er en lenke for å sette nytt passord")
    # (queued once the answer has been sent: the browser may show the next page first)
    for _ in range(100):
        mail = Outbox.get_or_none(Outbox.recipient == "elev1@skole.test")
        if mail is not None:
            break
        time.sleep(0.05)
    assert mail is not None, "no password mail was queued"
    page.goto(live_server.url(urlsplit(re.search(r"https?://\S+", mail.body).group()).path))
    page.wait_for_url("**/password/reset")  # the token is no longer in the address
    expect(page.locator("h1")).to_have_text("Velg nytt passord")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe(page)
    page.fill("#new", "et-nytt-passord")
    page.fill("#repeat", "et-nytt-passord")
    page.get_by_role("button", name="Sett det nye passordet").click()
    page.wait_for_url("**/home")
    expect(page.locator(".flash")).to_contain_text("Det nye passordet ditt er satt")
    axe(page)
    again = login("elev1", "et-nytt-passord")
    expect(again.locator("h1")).to_be_visible()
