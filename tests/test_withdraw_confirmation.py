"""Withdrawing a case takes a confirmation on a page of its own (no JavaScript needed): the
case page's "withdraw" is a link to it, set apart from the other buttons; a withdrawal posted
from anywhere else is sent there and changes nothing; afterwards the student is told."""

import re
from pathlib import Path

import pytest

from portal.cases.engine import open_case
from portal.models import Case


def _note(school):
    return open_case("absence_note", school=school.school, school_year=school.year,
                     student=school.elev1, title="Sykdom", actor=school.elev1,
                     participants=[(school.laerer1, "contact_teacher")])


def test_the_case_page_links_to_the_confirmation_apart_from_the_other_buttons(
        client, auth, school):
    case = _note(school)
    auth.login("elev1")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert (f'<p class="withdraw"><a class="button danger" href="/cases/{case.id}/withdraw">'
            "Trekk meldingen</a></p>") in html
    assert f'action="/absence-notes/{case.id}/withdraw"' not in html  # no one-tap form
    css = (Path(client.application.static_folder) / "css" / "portal.css").read_text()
    assert re.search(r"\.withdraw \{ margin: 2\.5rem 0 0;", css)


def test_withdrawing_asks_first_then_withdraws_and_says_so(client, auth, csrf, school):
    case = _note(school)
    auth.login("elev1")
    page = client.get(f"/cases/{case.id}/withdraw")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Vil du trekke saken?</h1>" in html
    assert "Sykdom" in html and "Sak 2026-0001" in html
    assert f'<form method="post" action="/absence-notes/{case.id}/withdraw"' in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    assert f'href="/cases/{case.id}">Nei, tilbake til saken</a>' in html
    assert Case.get_by_id(case.id).state == "submitted"  # asking changed nothing
    response = client.post(f"/absence-notes/{case.id}/withdraw", data={
        "csrf_token": csrf(html), "version": case.version, "confirmed": "yes"},
        follow_redirects=True)
    assert Case.get_by_id(case.id).state == "withdrawn"
    assert "Fraværsmeldingen er trukket." in response.get_data(as_text=True)


@pytest.mark.parametrize("extra", [{}, {"confirmed": "y"}])
def test_a_withdrawal_not_confirmed_is_sent_to_the_confirmation(client, auth, csrf, school,
                                                                  extra):
    case = _note(school)
    auth.login("elev1")
    token = csrf(client.get(f"/cases/{case.id}").get_data(as_text=True))
    response = client.post(f"/absence-notes/{case.id}/withdraw",
                           data={"csrf_token": token, "version": case.version, **extra})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{case.id}/withdraw")
    assert Case.get_by_id(case.id).state == "submitted"


def test_a_confirmed_withdrawal_still_needs_its_csrf_token(client, auth, school):
    case = _note(school)
    auth.login("elev1")
    response = client.post(f"/absence-notes/{case.id}/withdraw",
                           data={"version": case.version, "confirmed": "yes"})
    assert response.status_code == 400 and Case.get_by_id(case.id).state == "submitted"


def test_only_the_student_is_asked_and_only_while_they_may(client, auth, csrf, school):
    case = _note(school)
    auth.login("laerer1")
    assert client.get(f"/cases/{case.id}/withdraw").status_code == 404
    token = csrf(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert client.post(f"/absence-notes/{case.id}/withdraw", data={
        "csrf_token": token, "version": case.version, "confirmed": "yes"}).status_code == 404
    auth.logout()
    auth.login("elev2")
    assert client.get(f"/cases/{case.id}/withdraw").status_code == 404
    auth.logout()
    Case.update(state="withdrawn", is_open=False).where(Case.id == case.id).execute()
    auth.login("elev1")
    response = client.get(f"/cases/{case.id}/withdraw", follow_redirects=True)
    assert response.request.path == f"/cases/{case.id}"
    assert "Det steget er ikke mulig nå" in response.get_data(as_text=True)
