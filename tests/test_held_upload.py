"""A file chosen in a form that comes back with an error elsewhere is kept for the next try:
the student does not have to find the photo again. Only they can use it; it goes when the
form is sent, or after HOLD_FOR; a file chosen anew replaces it."""

import io
import re
from datetime import date, timedelta

import pytest

from portal.cases.uploads import HOLD_FOR
from portal.models import Attachment, Case, HeldUpload, utcnow

TODAY = date(2026, 11, 23)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.7\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _note(client, csrf, page_html, **fields):
    data = {"csrf_token": csrf(page_html), "category": "a", "scope": "days",
            "first_day": "2026-11-19", "last_day": "2026-11-20", **fields}
    return client.post("/absence-notes/new", data=data, content_type="multipart/form-data")


def _held(html):
    found = re.search(r'name="document-held" value="([0-9a-f]+)"', html)
    return found.group(1) if found else None


def test_a_file_is_kept_through_an_error_and_stored_with_the_note(client, auth, csrf, school):
    auth.login("elev1")
    form = client.get("/absence-notes/new").get_data(as_text=True)
    # the last day before the first: the form comes back, the photo with it
    back = _note(client, csrf, form, last_day="2026-11-18",
                 document=(io.BytesIO(PNG), "legeerklaering.png"))
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and "Siste dag kan ikke være før første dag" in html
    assert ("Tatt vare på fra forrige forsøk: legeerklaering.png (under 1 kB). Velg en annen fil "
            "bare hvis du vil bytte den ut.") in html
    assert re.search(r'aria-describedby="[^"]*document-held', html)
    token = _held(html)
    assert token and bytes(HeldUpload.get(HeldUpload.token == token).data) == PNG
    # sent again with the dates right and no file chosen: the kept one goes with it
    sent = _note(client, csrf, html, **{"document-held": token})
    assert sent.status_code == 303
    case = Case.get(Case.student == school.elev1)
    [attachment] = Attachment.select().where(Attachment.case == case)
    assert (attachment.filename, bytes(attachment.data)) == ("legeerklaering.png", PNG)
    assert attachment.is_health  # category a: illness
    assert not HeldUpload.select().exists()


def test_a_new_file_replaces_the_kept_one(client, auth, csrf, school):
    auth.login("elev1")
    form = client.get("/absence-notes/new").get_data(as_text=True)
    html = _note(client, csrf, form, last_day="2026-11-18",
                 document=(io.BytesIO(PNG), "gammel.png")).get_data(as_text=True)
    token = _held(html)
    again = _note(client, csrf, html, last_day="2026-11-18",
                  document=(io.BytesIO(PDF), "ny.pdf"), **{"document-held": token})
    assert "ny.pdf" in again.get_data(as_text=True)
    assert _held(again.get_data(as_text=True)) != token
    sent = _note(client, csrf, html, document=(io.BytesIO(PDF), "ny.pdf"),
                 **{"document-held": token})
    assert sent.status_code == 303
    [attachment] = Attachment.select()
    assert attachment.filename == "ny.pdf"


def test_a_kept_file_is_only_its_uploaders_and_not_for_long(client, auth, csrf, school):
    auth.login("elev1")
    form = client.get("/absence-notes/new").get_data(as_text=True)
    token = _held(_note(client, csrf, form, last_day="2026-11-18",
                        document=(io.BytesIO(PNG), "legeerklaering.png")).get_data(as_text=True))
    auth.logout()
    auth.login("elev2")
    other = client.get("/absence-notes/new").get_data(as_text=True)
    assert _note(client, csrf, other, **{"document-held": token}).status_code == 303
    assert not Attachment.select().exists()  # elev2's note went without elev1's file
    assert HeldUpload.select().count() == 1
    auth.logout()
    auth.login("elev1")
    HeldUpload.update(created_at=utcnow() - HOLD_FOR - timedelta(minutes=1)).execute()
    form = client.get("/absence-notes/new").get_data(as_text=True)
    assert _note(client, csrf, form, **{"document-held": token}).status_code == 303
    assert not Attachment.select().exists()  # too old: not used
    # the next file held clears those too old
    _note(client, csrf, form, last_day="2026-11-18", document=(io.BytesIO(PNG), "ny.png"))
    assert [h.filename for h in HeldUpload.select()] == ["ny.png"]


def test_no_file_is_held_for_a_request_without_a_valid_csrf_token(client, auth, school):
    auth.login("elev1")
    response = client.post("/absence-notes/new", data={
        "csrf_token": "forged", "category": "a", "scope": "days", "first_day": "2026-11-19",
        "last_day": "2026-11-18", "document": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data")
    assert response.status_code in (200, 400)
    assert not HeldUpload.select().exists()


def test_a_sports_confirmation_is_kept_through_a_late_first_day(client, auth, csrf, school):
    """Study leave for a sports event: the first day too soon (the 7-day rule) sends the form
    back; the club's confirmation is kept and goes with the application when the day is
    put right. A kept file that is gone meanwhile is asked for again."""
    auth.login("elev1")
    form = client.get("/study-leave/new").get_data(as_text=True)
    fields = {"csrf_token": csrf(form), "first_day": "2026-11-27", "last_day": "2026-11-27",
              "reason": "Landsfinale i orientering", "is_sports_event": "y",
              "parents_informed": "y", "club_informed": "y"}
    back = client.post("/study-leave/new", data={
        **fields, "confirmation": (io.BytesIO(PDF), "klubben.pdf")},
        content_type="multipart/form-data")
    html = back.get_data(as_text=True)
    assert back.status_code == 422 and "Tatt vare på fra forrige forsøk: klubben.pdf" in html
    token = re.search(r'name="confirmation-held" value="([0-9a-f]+)"', html).group(1)
    sent = client.post("/study-leave/new", data={
        **fields, "first_day": "2026-11-30", "last_day": "2026-11-30",
        "confirmation-held": token}, content_type="multipart/form-data")
    assert sent.status_code == 303
    [attachment] = Attachment.select()
    assert (attachment.filename, attachment.purpose, bytes(attachment.data)) == (
        "klubben.pdf", "sports_confirmation", PDF)
    assert not HeldUpload.select().exists()
    # the token again (a second tab): the file is no longer held, so it is asked for
    again = client.post("/study-leave/new", data={
        **fields, "first_day": "2026-12-07", "last_day": "2026-12-07",
        "confirmation-held": token}, content_type="multipart/form-data")
    assert again.status_code == 422
    assert ("Ved et idrettsarrangement: legg ved bekreftelsen fra klubben eller de foresatte."
            in again.get_data(as_text=True))


def test_the_expert_documentation_is_kept_through_an_exam_adaptation_error(client, auth, csrf):
    """Exam adaptation at a fagskole: extra time above the profile's limit sends the form back;
    the expert's report is kept, and goes with the application (a health document)."""
    from portal.exams import plan
    from tests.test_exams import make_exam, make_hav, oslo

    hav = make_hav()
    exam = make_exam(hav, oslo(2027, 5, 26))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    page = client.get("/exam-adaptation/new").get_data(as_text=True)
    fields = {"csrf_token": csrf(page), "exams": [exam.id], "adaptations": ["extra_time"],
              "reason": "Dysleksi, se sakkyndig vurdering."}
    back = client.post("/exam-adaptation/new", data={
        **fields, "extra_minutes": "90", "documentation": (io.BytesIO(PDF), "sakkyndig.pdf")},
        content_type="multipart/form-data")
    html = back.get_data(as_text=True)
    assert back.status_code == 422 and "Tatt vare på fra forrige forsøk: sakkyndig.pdf" in html
    token = re.search(r'name="documentation-held" value="([0-9a-f]+)"', html).group(1)
    sent = client.post("/exam-adaptation/new", data={
        **fields, "extra_minutes": "60", "documentation-held": token},
        content_type="multipart/form-data")
    assert sent.status_code == 303
    [attachment] = Attachment.select()
    assert (attachment.filename, attachment.is_health, bytes(attachment.data)) == (
        "sakkyndig.pdf", True, PDF)
    assert not HeldUpload.select().exists()
