"""A student at two schools starts a request on the phone, is asked which school it goes to,
and gets that school's form."""


def test_a_student_at_two_schools_chooses_the_school_of_a_request(
        school, live_server, login, axe):
    from playwright.sync_api import expect

    from tests.factories import second_school

    second_school(school.elev1)
    student = login("elev1")
    student.get_by_role("link", name="Fraværsmelding").first.click()
    expect(student.locator("h1")).to_have_text("Fraværsmelding: hvilken skole?")
    assert student.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe(student)
    student.get_by_role("link", name="Andre vgs").click()
    expect(student.locator("h1")).not_to_contain_text("hvilken skole?")
    assert "school=" in student.url
    expect(student.locator("form.absence-note-form")).to_be_visible()
