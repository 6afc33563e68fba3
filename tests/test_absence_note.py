"""The absence note (fraværsmelding) end to end: filing with documentation, review by the
contact teacher, the 10-day rule in the acceptance, uploads, correction and access.

Today is pinned to Monday 23 November 2026.
"""

import io
import re
from datetime import date

import pytest

from portal.absence import absence_summary, record_absence, rules
from portal.absence.models import AbsenceRecord, ChronicCondition
from portal.kinds.absence_note.models import AbsenceNote
from portal.models import Attachment, Case, Decision, Participant, TeachingAssignment
from tests.tabs import sent_from_two_tabs_at_once

TODAY = date(2026, 11, 23)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\0" * 64


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _file(client, csrf, document=(JPEG, "legeerklaering.jpg"), **fields):
    page = client.get("/absence-notes/new")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), "category": "a", "scope": "days",
            "first_day": "2026-10-01", "last_day": "2026-10-06", **fields}
    if document is not None:
        data["document"] = (io.BytesIO(document[0]), document[1])
    return client.post("/absence-notes/new", data=data, content_type="multipart/form-data")


def _review(client, csrf, case, action, text="", page=None, version=None):
    """The review posted from `page` (as loaded now when None) at `version` (the case's
    present one when None)."""
    page = client.get(f"/cases/{case.id}").get_data(as_text=True) if page is None else page
    return client.post(f"/absence-notes/{case.id}/review", data={
        "csrf_token": csrf(page), "action": action, "text": text,
        "version": Case.get_by_id(case.id).version if version is None else version})


def _accept(client, csrf, case, text=""):
    """The reviewer presses the page's accept button: "Godta", or where the note can be
    accepted only in part, the one that issues the decision."""
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    action = re.search(r'name="action" value="(accept(?:_in_part)?)"', page)[1]
    return _review(client, csrf, case, action, text, page)


def _accepted(client, auth, csrf, **fields):
    """elev1 files a note, laerer1 (the contact teacher) accepts it; the note's row."""
    auth.login("elev1")
    assert _file(client, csrf, **fields).status_code == 303
    case = Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()
    auth.logout()
    auth.login("laerer1")
    _accept(client, csrf, case)
    auth.logout()
    return AbsenceNote.get(AbsenceNote.case == case)


def test_form_says_a_doctors_note_needs_no_diagnosis(client, auth, school):
    auth.login("elev1")
    html = client.get("/absence-notes/new").get_data(as_text=True)
    assert "trenger ikke si hvilken sykdom" in html
    assert 'accept="image/jpeg,image/png,image/heic' in html
    assert "opplæringslova § 3-47" in html and "10 skoledager" in html


def test_health_note_across_a_weekend_accepted_from_day_four(client, auth, csrf, school):
    norsk = TeachingAssignment.get(TeachingAssignment.subject == school.norsk)
    for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6)):
        record_absence(norsk, school.elev1, day, 1)
    auth.login("elev1")
    response = _file(client, csrf)
    assert response.status_code == 303
    case = Case.get(Case.kind == "absence_note")
    parts = {(p.user.username, p.part) for p in Participant.select().where(
        Participant.case == case)}
    assert parts == {("elev1", "student"), ("laerer1", "contact_teacher")}
    assert Attachment.get(Attachment.case == case).is_health
    auth.logout()
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept").status_code == 303
    case = Case.get_by_id(case.id)
    assert case.state == "accepted"
    note = AbsenceNote.get(AbsenceNote.case == case)
    assert note.outcome["struck"] == ["2026-10-06"]
    assert "fra dag 4" in note.outcome["explanation"]
    summary = absence_summary(school.elev1, school.year, TODAY)
    assert summary.struck_days == 1 and summary.struck_days_left == 9
    norsk_figures = next(f for f in summary if f.subject == "Norsk")
    assert norsk_figures.lessons_documented == 4 and norsk_figures.undocumented == 0
    records = AbsenceRecord.select().order_by(AbsenceRecord.date)
    assert [r.struck for r in records] == [False, False, False, True]
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "fra dag 4" in html and "6. oktober 2026" in html


def test_the_reviewer_reads_what_accepting_would_do_before_accepting(client, auth, csrf,
                                                                     school):
    """Ill Thursday 1 – Tuesday 6 October 2026 (four school days), with one earlier diploma
    day on record: before accepting, the contact teacher reads that only the 4th day is kept
    off the diploma and that the year's count becomes 2 of 10; the acceptance then says the
    same. The student does not get the preview."""
    _accepted(client, auth, csrf, category="b", first_day="2026-09-15", last_day="2026-09-15")
    auth.login("elev1")
    assert _file(client, csrf).status_code == 303
    case = Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()
    assert "Hvis du godtar" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    auth.logout()
    auth.login("laerer1")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    preview = re.search(r'<p class="preview"><strong>Hvis du godtar:</strong> (.*?)</p>', html,
                        re.S).group(1)
    assert "Holdt utenfor vitnemålet: 6. oktober 2026." in preview
    assert "2 av 10" in preview
    _review(client, csrf, case, "accept")
    note = AbsenceNote.get(AbsenceNote.case == case)
    assert note.outcome["explanation"] == preview.replace("&#39;", "'")


def test_an_undocumented_health_note_reads_as_the_rules_term_not_as_documents(client, auth,
                                                                             csrf, school):
    """A health note without any document: the review box said "Dokumentert" of days 1-3
    beside "Ingen dokumenter". It now says what accepting makes of those days, in the rules'
    term: documented absence, outside the absence limit, but on the diploma."""
    auth.login("elev1")
    assert _file(client, csrf, document=None).status_code == 303
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("laerer1")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Ingen dokumenter" in html
    box = html[html.index('id="review-heading"'):]
    assert "Dokumentert, men" not in box
    assert ("Regnes som dokumentert fravær (teller ikke mot fraværsgrensen), men står på "
            "vitnemålet: 1. oktober 2026, 2. oktober 2026, 5. oktober 2026.") in box


def test_note_in_advance_covers_absence_registered_later(client, auth, csrf, db, school):
    _accepted(client, auth, csrf, category="b", first_day="2026-11-24", last_day="2026-11-24")
    norsk = TeachingAssignment.get(TeachingAssignment.subject == school.norsk)
    record = record_absence(norsk, school.elev1, date(2026, 11, 24), 3)
    assert record.documented and record.struck


def _two_accepted(client, auth, csrf, category, first, second):
    """elev1 files two notes of whole days, `first` and `second` as (first day, last day);
    the contact teacher accepts both in that order. The second note's row."""
    auth.login("elev1")
    for first_day, last_day in (first, second):
        _file(client, csrf, category=category, first_day=first_day, last_day=last_day)
    cases = list(Case.select().where(Case.kind == "absence_note").order_by(Case.id))
    auth.logout()
    auth.login("laerer1")
    for case in cases:
        _accept(client, csrf, case)
    return AbsenceNote.get(AbsenceNote.case == cases[-1])


def test_ten_day_cap_accepts_the_part_within_and_says_so(client, auth, csrf, db, school):
    # political work, Mon 2 – Fri 13 Nov 2026: 10 school days, then Mon 16 – Tue 17: 2 more
    note = _two_accepted(client, auth, csrf, "c", ("2026-11-02", "2026-11-13"),
                         ("2026-11-16", "2026-11-17"))
    assert note.outcome["struck"] == [] and note.outcome["partial"]
    assert "Høyst 10 skoledager" in note.outcome["explanation"]
    assert absence_summary(school.elev1, school.year, TODAY).struck_days == 10


def test_overlapping_notes_count_a_struck_day_once(client, auth, csrf, db, school):
    # union work Mon 2 – Thu 12 Nov 2026: 9 school days; then Thu 12 – Fri 13 again
    note = _two_accepted(client, auth, csrf, "b", ("2026-11-02", "2026-11-12"),
                         ("2026-11-12", "2026-11-13"))
    assert note.outcome["struck"] == ["2026-11-12", "2026-11-13"]
    assert not note.outcome["partial"]
    assert "10 av 10, 0 igjen" in note.outcome["explanation"]
    assert absence_summary(school.elev1, school.year, TODAY).struck_days == 10


def test_religious_holidays_capped_at_two(client, auth, csrf, db, school):
    note = _accepted(client, auth, csrf, category="religious", first_day="2026-11-18",
                     last_day="2026-11-20")
    assert note.outcome["struck"] == ["2026-11-18", "2026-11-19"] and note.outcome["partial"]
    assert "religiøse høytider" in note.outcome["explanation"]


def test_single_lessons_do_not_become_days(client, auth, csrf, db, school):
    note = _accepted(client, auth, csrf, scope="lessons", lesson_day="2026-11-18",
                     lessons="1, 2, 3, 4, 5, 6")
    assert absence_summary(school.elev1, school.year, TODAY).struck_days == 0
    assert "Enkelttimer regnes som dokumentert fravær og teller ikke mot fraværsgrensen" in \
        note.outcome["explanation"]


def test_chronic_condition_document_counts_from_day_one(client, auth, csrf, db, school):
    note = _accepted(client, auth, csrf, chronic="y", first_day="2026-10-01",
                     last_day="2026-10-02")
    assert ChronicCondition.on_file(school.elev1, school.year)
    assert note.outcome["struck"] == ["2026-10-01", "2026-10-02"]


def test_ask_for_more_then_student_adds_then_refuse_with_decision(client, auth, csrf, school):
    auth.login("elev1")
    _file(client, csrf, document=None, category="e")
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("laerer1")
    _review(client, csrf, case, "ask")  # no text: refused with a message
    assert Case.get_by_id(case.id).state == "submitted"
    _review(client, csrf, case, "ask", "Legg ved innkallingen fra retten.")
    assert Case.get_by_id(case.id).state == "needs_documentation"
    auth.logout()
    auth.login("elev1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Legg ved innkallingen fra retten." in page
    r = client.post(f"/absence-notes/{case.id}/documents", data={
        "csrf_token": csrf(page), "version": Case.get_by_id(case.id).version,
        "document": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 50), "innkalling.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 303 and Case.get_by_id(case.id).state == "submitted"
    auth.logout()
    auth.login("laerer1")
    _review(client, csrf, case, "refuse", "Innkallingen gjelder en annen dato.")
    assert Case.get_by_id(case.id).state == "refused"
    assert Decision.get(Decision.case == case).reasons == "Innkallingen gjelder en annen dato."


def _filed_and_open_as_reviewer(client, auth, csrf):
    """elev1 files a note; laerer1 (the contact teacher) opens it: (the case, the page)."""
    auth.login("elev1")
    _file(client, csrf)
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("laerer1")
    return case, client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_stale_review_is_a_clear_message(client, auth, csrf, school):
    case, page = _filed_and_open_as_reviewer(client, auth, csrf)
    r = client.post(f"/absence-notes/{case.id}/review", follow_redirects=True, data={
        "csrf_token": csrf(page), "action": "accept", "version": case.version - 1})
    assert "Noen andre endret saken" in r.get_data(as_text=True)
    assert Case.get_by_id(case.id).state == "submitted"


def test_a_second_review_of_a_decided_note_is_a_clear_message(client, auth, csrf, school):
    """Two browsers show the note; one accepts it, then the other refuses it from the old
    page: the second is told the note is accepted now (not a page that is not found)."""
    case, page = _filed_and_open_as_reviewer(client, auth, csrf)
    assert _review(client, csrf, case, "accept").status_code == 303
    r = _review(client, csrf, case, "refuse", "Mangler legeerklæring.", page, case.version)
    # the page as it is now, with the reason and what the reviewer wrote, not sent
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Det er ikke lenger mulig: saken er nå «Godtatt" in html
    assert "Ikke sendt: det du skrev" in html and "Mangler legeerklæring." in html
    assert "<h3>Melding til eleven</h3>" in html  # (its label as the form has it)
    assert Case.get_by_id(case.id).state == "accepted"


def test_a_document_for_a_note_decided_meanwhile_is_named_not_lost(client, auth, csrf, school):
    """The contact teacher accepts the note while the student adds a document: the student
    reads that it is no longer possible, with the comment and the file's name, not a 404."""
    auth.login("elev1")
    _file(client, csrf, document=None)
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept").status_code == 303
    auth.logout()
    auth.login("elev1")  # (the page the student had open was loaded at case.version)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    r = client.post(f"/absence-notes/{case.id}/documents", data={
        "csrf_token": csrf(page), "version": case.version, "comment": "Legeerklæringen.",
        "document": (io.BytesIO(JPEG), "lege.jpg")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Det er ikke lenger mulig: saken er nå «Godtatt" in html
    assert "Ikke sendt: det du skrev" in html
    assert "Legeerklæringen." in html and "lege.jpg" in html
    assert Attachment.select().count() == 0


def test_a_stale_review_keeps_what_the_reviewer_wrote(client, auth, csrf, school):
    """The note changes (its version moves on) while the contact teacher writes what is
    missing: the teacher's page comes back with their text in the form, ready to send again."""
    case, page = _filed_and_open_as_reviewer(client, auth, csrf)
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    r = _review(client, csrf, case, "ask", "Legg ved timebekreftelsen.", page, case.version)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Noen andre endret saken" in html
    assert "Legg ved timebekreftelsen.</textarea>" in html
    assert f'name="version" value="{case.version + 1}"' in html
    assert Case.get_by_id(case.id).state == "submitted"
    r = _review(client, csrf, case, "ask", "Legg ved timebekreftelsen.", html, case.version + 1)
    assert r.status_code == 303
    assert Case.get_by_id(case.id).state == "needs_documentation"


@pytest.mark.parametrize("document, message", [
    ((b"GIF89a" + b"\0" * 40, "bilde.gif"), "JPEG, PNG eller HEIC"),
    ((b"", "tom.jpg"), "tom"),
    ((JPEG + b"\0" * 4096, "stor.jpg"), "større enn"),
])
def test_bad_uploads_are_refused_and_input_kept(app, client, auth, csrf, school, document,
                                                message):
    app.config["PORTAL_MAX_UPLOAD_BYTES"] = 2048
    auth.login("elev1")
    r = _file(client, csrf, document=document, explanation="Influensa")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and message in html
    assert "Influensa" in html and 'value="2026-10-01"' in html
    assert Case.select().count() == 0


def test_bad_dates_named_in_norwegian(client, auth, csrf, school):
    auth.login("elev1")
    r = _file(client, csrf, first_day="2026-10-06", last_day="2026-10-01")
    assert "Siste dag kan ikke være før første dag" in r.get_data(as_text=True)
    r = _file(client, csrf, first_day="2026-10-03", last_day="2026-10-04")
    assert "ingen skoledager" in r.get_data(as_text=True)
    r = _file(client, csrf, first_day="2027-08-02", last_day="2027-08-02")
    assert "dette skoleåret" in r.get_data(as_text=True)
    assert Case.select().count() == 0


def test_correction_within_window_and_refused_after(client, auth, csrf, db, school):
    norsk = TeachingAssignment.get(TeachingAssignment.subject == school.norsk)
    recent = record_absence(norsk, school.elev1, date(2026, 11, 16), 2)
    old = record_absence(norsk, school.elev1, date(2026, 11, 2), 2)
    auth.login("elev1")
    html = client.get("/absence/").get_data(as_text=True)
    assert f"/absence-notes/correction/{recent.id}" in html
    assert f"/absence-notes/correction/{old.id}" not in html
    page = client.get(f"/absence-notes/correction/{old.id}").get_data(as_text=True)
    assert "16. november 2026" in page  # 2 Nov + 14 days
    r = client.post(f"/absence-notes/correction/{old.id}", follow_redirects=True,
                    data={"csrf_token": csrf(page), "explanation": "Jeg var der."})
    assert "For sent" in r.get_data(as_text=True) and Case.select().count() == 0
    page = client.get(f"/absence-notes/correction/{recent.id}").get_data(as_text=True)
    r = client.post(f"/absence-notes/correction/{recent.id}",
                    data={"csrf_token": csrf(page), "explanation": "Jeg var der."})
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("laerer1")
    _review(client, csrf, case, "accept")
    assert AbsenceRecord.get_by_id(recent.id).corrected
    norsk_figures = next(f for f in absence_summary(school.elev1, school.year, TODAY)
                         if f.subject == "Norsk")
    assert norsk_figures.lessons_absent == 1


def test_access_to_notes(client, auth, csrf, db, school):
    norsk = TeachingAssignment.get(TeachingAssignment.subject == school.norsk)
    record = record_absence(norsk, school.elev1, date(2026, 11, 16), 2)
    auth.login("elev1")
    _file(client, csrf)
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("elev2")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/absence-notes/correction/{record.id}").status_code == 404
    auth.logout()
    auth.login("laerer2")  # teaches the class, but is not its contact teacher
    assert client.get(f"/cases/{case.id}").status_code == 404
    page = client.get("/home").get_data(as_text=True)
    r = client.post(f"/absence-notes/{case.id}/review", data={
        "csrf_token": csrf(page), "action": "accept", "version": case.version})
    assert r.status_code == 404 and Case.get_by_id(case.id).state == "submitted"
    attachment = Attachment.get(Attachment.case == case)
    assert client.get(f"/cases/{case.id}/documents/{attachment.id}").status_code == 404


@pytest.mark.parametrize(("lessons", "message"), [
    ("13", f"Timene er nummerert fra 1 til {rules.MAX_LESSON}; time 13 finnes ikke."),
    ("0", f"Timene er nummerert fra 1 til {rules.MAX_LESSON}; time 0 finnes ikke."),
    ("1, 13 14, 13", f"Timene er nummerert fra 1 til {rules.MAX_LESSON}; timene 13, 14 "
                     "finnes ikke."),
    ("²", "Skriv timenumrene med komma mellom, for eksempel 1, 2."),  # a digit, not a number
    ("første", "Skriv timenumrene med komma mellom, for eksempel 1, 2."),
    ("1-3", "Skriv timenumrene med komma mellom, for eksempel 1, 2."),
], ids=["13", "0", "several", "superscript", "words", "range"])
def test_lesson_numbers_out_of_range_name_the_range(client, auth, csrf, school, lessons,
                                                    message):
    auth.login("elev1")
    response = _file(client, csrf, scope="lessons", lesson_day="2026-11-18", lessons=lessons)
    html = response.get_data(as_text=True)
    assert response.status_code != 303 and message in html
    assert f'value="{lessons}"' in html  # what was typed stays
    assert not Case.select().exists()


def test_single_lessons_on_a_day_that_is_no_school_day_are_refused(client, auth, csrf, school):
    auth.login("elev1")
    response = _file(client, csrf, scope="lessons", lesson_day="2026-11-22", lessons="1")
    assert "Datoen søndag 22. november 2026 er ikke en skoledag: det er helg." in \
        response.get_data(as_text=True)
    assert not Case.select().exists()


def _add_document(client, csrf, case, document=None, comment=""):
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": Case.get_by_id(case.id).version,
            "comment": comment}
    if document is not None:
        data["document"] = (io.BytesIO(document[0]), document[1])
    return client.post(f"/absence-notes/{case.id}/documents", data=data,
                       content_type="multipart/form-data")


def _added_section(html: str) -> str:
    return html[html.index('id="add-document"'):html.index("</section>",
                                                            html.index('id="add-document"'))]


@pytest.mark.parametrize("document, message", [
    (None, "Velg en fil eller ta et bilde av dokumentasjonen."),
    ((b"GIF89a" + b"\0" * 40, "bilde.gif"), "JPEG, PNG eller HEIC"),
])
def test_adding_no_or_a_bad_document_says_so_at_the_form_and_keeps_the_comment(
        client, auth, csrf, school, document, message):
    """At 360 px the message used to come as a flash at the top of the page while the page
    opened at the form, 570 px below; the comment was gone. Now the form comes back with the
    message at its file field and the page's address ends in the form's anchor."""
    auth.login("elev1")
    _file(client, csrf, document=None)
    case = Case.get(Case.kind == "absence_note")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'action="/absence-notes/{case.id}/documents#add-document"' in page
    r = _add_document(client, csrf, case, document, comment="Legeerklæringen kommer i morgen")
    assert r.status_code == 422
    form = _added_section(r.get_data(as_text=True))
    assert message in re.search(r'<p class="error" id="document-error">([^<]*)</p>', form)[1]
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="document"|'
                     r'<input[^>]*id="document"[^>]*aria-invalid="true"', form)
    assert 'aria-describedby="document-hint document-error"' in form
    assert "Legeerklæringen kommer i morgen</textarea>" in form
    assert "flash-error" not in r.get_data(as_text=True)  # not also at the top
    assert Attachment.select().count() == 0 and Case.get_by_id(case.id).events.count() == 1


def _filed_without_a_document(client, auth, csrf, asked):
    """elev1's note for a court summons (category e) without a document, and when `asked`,
    the teacher's request for it; elev1 is logged in."""
    auth.login("elev1")
    _file(client, csrf, document=None, category="e")
    case = Case.get(Case.kind == "absence_note")
    if asked:
        auth.logout()
        auth.login("laerer1")
        _review(client, csrf, case, "ask", "Legg ved innkallingen fra retten.")
        auth.logout()
        auth.login("elev1")
    return case


def test_a_document_sent_from_a_stale_page_is_kept_not_reported_as_added(client, auth,
                                                                          csrf, school):
    """The note changed while the student chose a file (it said "added" and added nothing):
    the page as it is now, saying why, with the comment and the file kept; sent again as it
    stands, the kept file is added and no longer held."""
    from portal.models import HeldUpload

    case = _filed_without_a_document(client, auth, csrf, asked=True)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    seen = Case.get_by_id(case.id).version
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    r = client.post(f"/absence-notes/{case.id}/documents", data={
        "csrf_token": csrf(page), "version": seen, "comment": "Innkallingen fra tingretten.",
        "document": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 50), "innkalling.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Noen andre endret saken" in html and "Dokumentasjonen er lagt til" not in html
    assert "Innkallingen fra tingretten.</textarea>" in html
    assert "innkalling.pdf" in _added_section(html)
    token = re.search(r'name="document-held" value="([0-9a-f]+)"', html)[1]
    assert Attachment.select().count() == 0
    assert Case.get_by_id(case.id).state == "needs_documentation"
    r = client.post(f"/absence-notes/{case.id}/documents", data={
        "csrf_token": csrf(html), "version": seen + 1, "comment": "Innkallingen fra tingretten.",
        "document-held": token}, content_type="multipart/form-data")
    assert r.status_code == 303 and Case.get_by_id(case.id).state == "submitted"
    assert [a.filename for a in Attachment.select()] == ["innkalling.pdf"]
    assert not HeldUpload.select().exists()


@pytest.mark.parametrize("asked", [True, False])
def test_a_document_sent_twice_is_added_once(client, auth, csrf, school, asked):
    """A double tap: both sends carry the page's version. Whether the first moved the note
    on (documentation asked for) or only added the file, the second adds nothing and says
    the file is already there."""
    case = _filed_without_a_document(client, auth, csrf, asked=asked)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": Case.get_by_id(case.id).version,
            "comment": "Innkallingen."}
    for _ in range(2):
        r = client.post(f"/absence-notes/{case.id}/documents", content_type="multipart/form-data",
                        data={**data, "document": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 50),
                                                   "innkalling.pdf")})
        assert r.status_code == 303
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Filen innkalling.pdf ligger allerede i saken" in html
    assert [a.filename for a in Attachment.select()] == ["innkalling.pdf"]
    assert Case.get_by_id(case.id).state == "submitted"


def test_two_sends_of_a_document_at_once_add_it_once(app, client, auth, csrf, school):
    """A double tap whose two requests overlap in time, where no version is checked (a
    document the reviewer did not ask for): while another transaction holds the case, both
    sends are under way; the second waits for the first and finds its file there."""
    case = _filed_without_a_document(client, auth, csrf, asked=False)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": Case.get_by_id(case.id).version,
            "comment": "Innkallingen."}
    answers = []

    def send(tab):
        answers.append(tab.post(
            f"/absence-notes/{case.id}/documents", content_type="multipart/form-data",
            data={**data, "document": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 50),
                                       "innkalling.pdf")}).status_code)

    tabs = sent_from_two_tabs_at_once(app, client, Case.select(Case.id).where(
        Case.id == case.id), send)
    assert answers == [303, 303]
    assert [a.filename for a in Attachment.select()] == ["innkalling.pdf"]
    assert Case.get_by_id(case.id).events.count() == 2  # filed, one upload
    told = [tab.get(f"/cases/{case.id}").get_data(as_text=True) for tab in tabs]
    assert sum("Filen innkalling.pdf ligger allerede i saken" in html for html in told) == 1


def test_a_note_sent_twice_at_once_is_filed_once(app, client, auth, csrf, school):
    """A double tap on "Send": two requests with the same form under way at the same moment
    (held up here by another transaction on the year's case counter, which filing takes
    first). The second waits for the first, files nothing and shows the first's case."""
    from portal.models import CaseCounter

    auth.login("elev1")
    _file(client, csrf, document=None)  # (the year's counter exists: a row to hold)
    page = client.get("/absence-notes/new").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page)[1]
    data = {"csrf_token": csrf(page), "form_token": token, "category": "a", "scope": "days",
            "first_day": "2026-11-16", "last_day": "2026-11-17"}
    answers = []

    def send(tab):
        answers.append(tab.post("/absence-notes/new", data=data,
                                content_type="multipart/form-data").headers.get("Location"))

    tabs = sent_from_two_tabs_at_once(app, client, CaseCounter.select(CaseCounter.id), send)
    filed = Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).first()
    assert Case.select().where(Case.kind == "absence_note").count() == 2  # the first, this
    assert answers == [f"/cases/{filed.id}"] * 2
    told = [tab.get(f"/cases/{filed.id}").get_data(as_text=True) for tab in tabs]
    assert sum("Skjemaet var allerede sendt" in html for html in told) == 1


def test_a_too_long_comment_is_named_at_its_field_and_kept(client, auth, csrf, school):
    auth.login("elev1")
    _file(client, csrf, document=None)
    case = Case.get(Case.kind == "absence_note")
    r = _add_document(client, csrf, case, (b"%PDF-1.4\n" + b"0" * 50, "lege.pdf"),
                      comment="x" * 2001)
    assert r.status_code == 422
    form = _added_section(r.get_data(as_text=True))
    assert 'id="comment-error"' in form and "x" * 2001 + "</textarea>" in form
    assert Attachment.select().count() == 0


def test_the_principal_reads_the_refused_note_that_is_appealed(client, auth, csrf, db, school):
    """The usability review's path: a refused note with a doctor's note is appealed; the
    principal (first instance) follows the appeal's link to the note, its decision letter
    and the doctor's note (logged). Other staff still have no part in it."""
    from portal.models import AttachmentAccess
    from tests.factories import make_user

    rektor = make_user("rektor", ["principal"], school.school, "Rita Rektor")
    auth.login("elev1")
    assert _file(client, csrf).status_code == 303
    case = Case.get(Case.kind == "absence_note")
    auth.logout()
    auth.login("laerer1")
    _review(client, csrf, case, "refuse", "Legeerklæringen dekker ikke perioden.")
    auth.logout()
    decision = Decision.get(Decision.case == case)
    document = Attachment.get(Attachment.case == case)
    assert document.is_health
    urls = [f"/cases/{case.id}", f"/cases/{case.id}/decisions/{decision.id}",
            f"/cases/{case.id}/documents/{document.id}"]
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={decision.id}"
    appealed = client.post(url, data={
        "csrf_token": csrf(client.get(url).get_data(as_text=True)),
        "change_wanted": "Godta fraværsmeldingen.", "reasons": "Legen skrev feil dato.",
        "confirm": "y", "password": "demo"})
    assert appealed.status_code == 303
    auth.logout()
    auth.login("rektor")
    appeal_page = client.get(appealed.headers["Location"]).get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in appeal_page
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]
    assert "Legeerklæringen dekker ikke perioden." in client.get(urls[1]).get_data(as_text=True)
    assert AttachmentAccess.get(AttachmentAccess.user == rektor).part == "appeal_reviewer"
    auth.logout()
    auth.login("laerer2")
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
