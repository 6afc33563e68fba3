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
