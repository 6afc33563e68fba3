"""The accessibility statement on a 360 px phone: a visitor opens it from the login page's
footer, with and without JavaScript, and a student from the footer of their home page."""

NARROW = {"width": 360, "height": 740}  # the narrowest phone the portal is made for
STATEMENT = "https://uustatus.no/nb/erklaringer/publisert/9a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b"


def _open_from_the_footer(page):
    from playwright.sync_api import expect

    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Tilgjengelighetserklæring").click()
    expect(page.locator("h1")).to_have_text("Tilgjengelighetserklæring")
    expect(footer.get_by_role("link", name="Tilgjengelighetserklæring")).to_have_attribute(
        "aria-current", "page")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visitor_opens_the_statement_from_the_login_page(app, live_server, visitor, axe):
    from playwright.sync_api import expect

    app.config["PORTAL_ACCESSIBILITY_STATEMENT_URL"] = STATEMENT
    app.config["PORTAL_ACCESSIBILITY_CONTACT"] = "uu@skole.no"
    page = visitor(viewport=NARROW)
    axe(page)  # the login page, the first page of every visit
    _open_from_the_footer(page)
    expect(page.get_by_role("link", name="Les tilgjengelighetserklæringen for portalen")
           ).to_have_attribute("href", STATEMENT)
    expect(page.get_by_role("link", name="uu@skole.no")).to_have_attribute(
        "href", "mailto:uu@skole.no")
    axe(page)


def test_without_javascript_or_settings_the_statement_says_what_is_missing(visitor):
    from playwright.sync_api import expect

    page = visitor(viewport=NARROW, java_script_enabled=False)
    _open_from_the_footer(page)
    expect(page.get_by_text("Det er ikke lagt inn noen lenke til den i denne portalen ennå")
           ).to_be_visible()
    expect(page.get_by_text("Kontakt skolen din, for eksempel skolens kontor.")).to_be_visible()


def test_a_student_opens_it_from_the_footer_of_their_home_page(school, login, axe):
    student = login("elev1", viewport=NARROW)
    _open_from_the_footer(student)
    axe(student)  # with the header's menu of a logged-in user
