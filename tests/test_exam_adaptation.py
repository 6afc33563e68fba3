"""Exam adaptation: deadlines per exam on real dates, limits, acute filing, partial grants,
the deciding role from the profile, and access to the health documentation."""

import re
from datetime import date
from html.parser import HTMLParser
from io import BytesIO

import pytest

from portal.exams import plan
from portal.kinds.exam_adaptation import rules
from portal.kinds.exam_adaptation.models import ExamAdaptationItem, granted_for_exam
from portal.models import Attachment, AttachmentAccess, Case, Decision
from tests.factories import make_school, make_user
from tests.test_exams import PNG, make_exam, make_hav, oslo

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    """The school's 23 November 2026: the exams below are ahead and their deadlines open,
    whenever the suite runs (the portal checks them at calendar.now())."""
    app.config["PORTAL_TODAY"] = TODAY


@pytest.fixture
def hav(db):
    return make_hav()


def test_one_month_before_clamps_at_the_end_of_february(hav):
    exam = make_exam(hav, oslo(2027, 3, 31))
    deadline = rules.application_deadline(exam)
    assert deadline.due == date(2027, 2, 28)
    assert "28. februar 2027" in deadline.describe() and "§ 4-5 (1)" in deadline.describe()
    assert deadline.is_on_time(oslo(2027, 2, 28, 23, 30))
    assert deadline.is_late(oslo(2027, 3, 1, 0, 1))


def test_one_month_before_is_not_moved_off_easter(hav):
    # 28 March 2027 is Easter Sunday: a lead time is not moved to a working day.
    exam = make_exam(hav, oslo(2027, 4, 28))
    assert rules.application_deadline(exam).due == date(2027, 3, 28)
    exam = make_exam(hav, oslo(2027, 5, 31))
    assert rules.application_deadline(exam).due == date(2027, 4, 30)


def test_deciding_role_comes_from_the_profile(db):
    from portal.models import School

    hav = School.create(name="H", code="h", profile="havbruk")
    nki = School.create(name="N", code="n", profile="nki")
    assert rules.decider_role(hav) == "principal"
    assert rules.decider_role(nki) == "exam_office"


def _apply(client, csrf, exams, extra=None, **fields):
    page = client.get("/exam-adaptation/new")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), "exams": [e.id for e in exams],
            "adaptations": ["extra_time", "separate_room", "dictionary"],
            "extra_minutes": "60", "reason": "Dysleksi, se sakkyndig vurdering.",
            "documentation": (BytesIO(PNG), "vurdering.png")}
    data.update(fields)
    if extra is not None:
        data["extra_minutes"] = extra
    return client.post("/exam-adaptation/new", data=data, content_type="multipart/form-data")


def test_offered_on_the_home_page_only_where_the_portal_has_the_decider(hav, client, auth):
    auth.login("elev1")
    assert 'href="/exam-adaptation/new"' in client.get("/home").get_data(as_text=True)


def test_a_vgs_deciding_outside_the_portal_is_not_offered_and_says_how_to_apply(
        school, client, auth, csrf):
    assert rules.decider_role(school.school) is None  # the vgs profile names no decider
    auth.login("elev1")
    assert 'href="/exam-adaptation/new"' not in client.get("/home").get_data(as_text=True)
    page = client.get("/exam-adaptation/new")  # reached by its address
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "multipart/form-data" not in html  # no form
    assert ("Testskolen vgs tar ikke imot søknader om tilrettelegging av eksamen i "
            "portalen.") in html
    assert "Søk skriftlig til skolen, med dokumentasjon fra en sakkyndig" in html
    assert 'href="/exams/mine"' in html and 'href="/home"' in html
    posted = client.post("/exam-adaptation/new", data={"csrf_token": csrf(html),
                                                         "reason": "Dysleksi"})
    assert posted.status_code == 200 and Case.select().count() == 0


def test_the_form_shows_the_last_day_per_exam(hav, client, auth):
    exam = make_exam(hav, oslo(2027, 3, 31))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    html = client.get("/exam-adaptation/new").get_data(as_text=True)
    assert "Fristen er 28. februar 2027 (1 måned, jf. forskriften § 4-5 (1))." in html


def test_late_application_refused_unless_acute_and_explained(hav, client, auth, csrf):
    exam = make_exam(hav, oslo(2026, 12, 3))  # ten days ahead: the month is gone
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    late = _apply(client, csrf, [exam])
    assert late.status_code == 422
    html = late.get_data(as_text=True)
    assert ("For sent å søke for Norsk: Fristen var 3. november 2026 (1 måned, jf. forskriften "
            "§ 4-5 (1)).") in html
    assert "§ 4-5 (1)" in html and "Dysleksi" in html  # input kept
    unexplained = _apply(client, csrf, [exam], acute="y")
    assert unexplained.status_code == 422
    ok = _apply(client, csrf, [exam], acute="y",
                acute_explanation="Brakk armen 20. november.")
    assert ok.status_code == 303
    case = Case.get(Case.kind == "exam_adaptation")
    assert case.exam_adaptation.get().acute


def test_extra_time_above_the_limit_is_refused_with_the_rule(hav, client, auth, csrf):
    exam = make_exam(hav, oslo(2027, 5, 26))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    response = _apply(client, csrf, [exam], extra="90")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "60" in html and "forskriften § 4-5 (2) a og (3)" in html
    assert Case.select().count() == 0


def test_no_extra_time_on_a_project_exam(hav, client, auth, csrf):
    exam = make_exam(hav, oslo(2027, 5, 10), form="project", minutes=7200)
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    response = _apply(client, csrf, [exam], extra="30")
    assert response.status_code == 422
    assert "forskriften § 4-5 (2) a og (3)" in response.get_data(as_text=True)


def test_an_empty_application_reports_every_error_at_once(hav, client, auth, csrf):
    exam = make_exam(hav, oslo(2027, 5, 26))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    page = client.get("/exam-adaptation/new").get_data(as_text=True)
    response = client.post("/exam-adaptation/new", data={"csrf_token": csrf(page)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    summary = dict(_Page(response.get_data(as_text=True)).links)
    assert summary == {
        "#exams": "Eksamener: Velg minst én eksamen.",
        "#adaptations": "Tilrettelegging du søker om: Velg minst én tilrettelegging.",
        "#reason": "Hvorfor du trenger tilrettelegging: Skriv hvorfor du trenger "
                   "tilrettelegging.",
        "#documentation": "Dokumentasjon fra sakkyndig (bilde eller PDF): Last opp "
                          "dokumentasjon fra sakkyndig (lege, psykolog, logoped …).",
    }
    page = _Page(response.get_data(as_text=True))
    assert all(anchor[1:] in page.by_id for anchor in summary)


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_application_without_extended_time_needs_no_minutes(hav, client, auth, csrf, blank):
    """A browser sends the minutes field left blank, as "": with only a dictionary asked for
    the application is filed (it was refused as "no whole number"); with extended time
    ticked, the student is asked for the minutes."""
    exam = make_exam(hav, oslo(2027, 5, 26))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    response = _apply(client, csrf, [exam], extra=blank, adaptations=["extra_time"])
    assert response.status_code == 422
    links = dict(_Page(response.get_data(as_text=True)).links)
    assert links == {"#extra_minutes": "Utvidet tid (minutter): Skriv hvor mange ekstra "
                                       "minutter du trenger."}
    assert not Case.select().exists()
    response = _apply(client, csrf, [exam], extra=blank, adaptations=["dictionary"])
    assert response.status_code == 303
    assert [(i.adaptation, i.minutes) for i in Case.get().adaptation_items] == [
        ("dictionary", None)]


def test_the_rules_are_checked_with_the_fields_own_errors(hav, client, auth, csrf):
    exam = make_exam(hav, oslo(2027, 5, 26))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    response = _apply(client, csrf, [exam], extra="90", reason="")  # both wrong at once
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Det kan gis høyst 60 ekstra minutter" in html
    assert "Skriv hvorfor du trenger tilrettelegging." in html
    assert 'value="90"' in html  # kept
    response = _apply(client, csrf, [exam], extra="mange", reason="")
    links = dict(_Page(response.get_data(as_text=True)).links)
    assert set(links) == {"#extra_minutes", "#reason"}
    assert links["#extra_minutes"] == ("Utvidet tid (minutter): Skriv antall minutter som et "
                                       "helt tall.")  # one message, naming the field
    assert Case.select().count() == 0


def test_all_exams_of_the_year(hav, client, auth, csrf):
    exams = [make_exam(hav, oslo(2027, 5, 26)), make_exam(hav, oslo(2027, 6, 2), hav.matte)]
    for e in exams:
        plan.register(e, hav.elev1)
    auth.login("elev1")
    response = _apply(client, csrf, [], all_exams="y")
    assert response.status_code == 303
    case = Case.get()
    assert {x.exam_id for x in case.adaptation_exams} == {e.id for e in exams}


@pytest.fixture
def filed(hav, client, auth, csrf):
    exam = make_exam(hav, oslo(2027, 5, 26))
    plan.register(exam, hav.elev1)
    auth.login("elev1")
    assert _apply(client, csrf, [exam]).status_code == 303
    auth.logout()
    hav.exam, hav.case = exam, Case.get(Case.kind == "exam_adaptation")
    return hav


def _decide(client, csrf, case, choices, reasons="Sakkyndig vurdering dokumenterer behovet."):
    page = client.get(f"/cases/{case.id}")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), "version": case.version,
            "reasons": reasons}
    for item in ExamAdaptationItem.select().where(ExamAdaptationItem.case == case):
        outcome, minutes, reason = choices[item.adaptation]
        data[f"outcome_{item.id}"] = outcome
        if minutes is not None:
            data[f"minutes_{item.id}"] = minutes
        data[f"reason_{item.id}"] = reason
    return client.post(f"/exam-adaptation/{case.id}/decide", data=data)


def test_principal_partly_grants_and_the_exam_office_sees_the_list(filed, client, auth, csrf):
    auth.login("rektor")
    case = filed.case
    bad = _decide(client, csrf, case, {"extra_time": ("partly_granted", "90", "Inntil 60"),
                                       "separate_room": ("granted", None, ""),
                                       "dictionary": ("refused", None, "")})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "forskriften § 4-5 (2) a og (3)" in html
    response = _decide(client, csrf, case, {
        "extra_time": ("partly_granted", "30", "Behovet er dokumentert for 30 minutter."),
        "separate_room": ("granted", None, ""),
        "dictionary": ("refused", None, "Ordbok er allerede tillatt på eksamen.")})
    assert response.status_code == 303
    case = Case.get_by_id(case.id)
    assert case.state == "decided"
    decision = Decision.get(Decision.case == case)
    assert decision.outcome == "partly_granted" and decision.decided_role == "principal"
    assert "30 min" in decision.summary and "Ordbok er allerede" in decision.summary
    items = {i.adaptation: i for i in case.adaptation_items}
    assert items["extra_time"].granted_minutes == 30
    assert items["dictionary"].outcome == "refused"
    auth.logout()
    auth.login("eksamen")
    rows = granted_for_exam(filed.exam)
    assert rows[0]["extra_minutes"] == 30 and rows[0]["separate_room"]
    page = client.get(f"/exams/{filed.exam.id}/adaptations").get_data(as_text=True)
    assert "Elev Nummer1" in page and "+30 min" in page
    # on a phone the table scrolls inside a region the keyboard reaches, named by its heading
    assert ('<div class="table-wrap" role="region" aria-labelledby="adaptations-heading" '
            'tabindex="0">') in page and '<h2 id="adaptations-heading">' in page
    assert client.get(f"/cases/{case.id}").status_code == 404  # not a decider on havbruk


def test_a_stale_decision_keeps_what_the_principal_wrote(filed, client, auth, csrf):
    """The student adds a document while the principal writes the decision: the page comes
    back as it is now, with each adaptation's choice and reason and the decision's reasons
    kept, at the new version. Sent after the student withdrew, the text is shown, not sent."""
    auth.login("rektor")
    case = filed.case  # (the version the principal's page was loaded at)
    items = {i.adaptation: i for i in case.adaptation_items}
    choices = {"extra_time": ("partly_granted", "30", "Dokumentert behov for 30 minutter."),
               "separate_room": ("granted", None, ""),
               "dictionary": ("refused", None, "Ordbok er allerede tillatt.")}
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    response = _decide(client, csrf, case, choices, reasons="Sakkyndig vurdering.")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Noen andre endret saken" in html
    page = _Page(html)
    assert page.by_id[f"reason_{items['dictionary'].id}"]["value"] == "Ordbok er allerede tillatt."
    assert page.by_id[f"minutes_{items['extra_time'].id}"]["value"] == "30"
    assert "checked" in page.by_id[f"outcome_{items['extra_time'].id}-partly_granted"]
    assert "Sakkyndig vurdering.</textarea>" in html
    assert page.by_id["version"]["value"] == str(case.version + 1)
    assert not Decision.select().exists()
    auth.logout()
    auth.login("elev1")
    withdraw = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert client.post(f"/exam-adaptation/{case.id}/withdraw", data={
        "csrf_token": csrf(withdraw), "version": case.version + 1,
        "confirmed": "yes"}).status_code == 303
    assert Case.get_by_id(case.id).state == "withdrawn"
    auth.logout()
    auth.login("rektor")
    response = _decide(client, csrf, Case.get_by_id(case.id), choices,
                       reasons="Sakkyndig vurdering.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Det er ikke lenger mulig" in html
    assert "Ikke sendt: det du skrev" in html
    for text in ("Sakkyndig vurdering.", "Dokumentert behov for 30 minutter.",
                 "Ordbok er allerede tillatt."):
        assert text in html
    assert not Decision.select().exists()


def test_fewer_minutes_than_asked_is_no_full_grant(filed, client, auth, csrf):
    """Asked for 60 minutes, "granted" with 30: the letter would read as a full grant, with
    no reason to appeal against. The decider is sent to "grant in part"."""
    auth.login("rektor")
    response = _decide(client, csrf, filed.case, {"extra_time": ("granted", "30", ""),
                                                  "separate_room": ("granted", None, ""),
                                                  "dictionary": ("granted", None, "")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("30 av de 60 minuttene det er søkt om er en delvis innvilgelse: velg «Innvilg "
            "delvis» og skriv begrunnelsen.") in html
    assert not Decision.select().exists()
    response = _decide(client, csrf, filed.case, {"extra_time": ("granted", "60", ""),
                                                  "separate_room": ("granted", None, ""),
                                                  "dictionary": ("granted", None, "")})
    assert response.status_code == 303
    assert Decision.get().outcome == "granted"


class _Page(HTMLParser):
    """The attributes of each element with an id, and the error summary's links."""

    def __init__(self, html):
        super().__init__()
        self.by_id, self.links, self._in_summary, self._href = {}, [], False, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if "error-summary" in (attrs.get("class") or ""):
            self._in_summary = True
        elif self._in_summary and tag == "a":
            self._href = attrs["href"]
            self.links.append([self._href, ""])

    def handle_endtag(self, tag):
        if tag == "div":
            self._in_summary = False
        elif tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            self.links[-1][1] += data


def test_decision_errors_keep_what_was_typed_and_name_their_own_fields(filed, client, auth,
                                                                       csrf):
    auth.login("rektor")
    case = filed.case
    items = {i.adaptation: i for i in case.adaptation_items}
    extra, room, book = items["extra_time"], items["separate_room"], items["dictionary"]
    assert extra.minutes == 60
    response = _decide(client, csrf, case, {"extra_time": ("partly_granted", "90", ""),
                                            "separate_room": ("", None, ""),
                                            "dictionary": ("refused", None, "Ikke nødvendig")},
                       reasons="")
    assert response.status_code == 422
    page = _Page(response.get_data(as_text=True))
    assert page.by_id[f"minutes_{extra.id}"]["value"] == "90"  # what was typed, not the 60
    assert page.by_id[f"reason_{book.id}"]["value"] == "Ikke nødvendig"
    assert "checked" in page.by_id[f"outcome_{extra.id}-partly_granted"]
    links = dict(page.links)
    assert list(links) == [f"#minutes_{extra.id}", f"#reason_{extra.id}",
                           f"#outcome_{room.id}-granted"]  # in the order of the page
    assert links[f"#minutes_{extra.id}"] == (
        "Utvidet tid – Ekstra minutter innvilget: Det kan gis høyst 60 ekstra minutter "
        "(jf. forskriften § 4-5 (2) a og (3)).")
    assert links[f"#reason_{extra.id}"].startswith(
        "Utvidet tid – Begrunnelse (må fylles ut hvis ikke innvilget): Begrunn hvorfor")
    assert links[f"#outcome_{room.id}-granted"].startswith("Eget rom: Velg innvilg")
    assert not any("Begrunnelse for vedtaket" in text for text in links.values())
    for anchor, described in ((f"minutes_{extra.id}", f"minutes_{extra.id}"),
                              (f"reason_{extra.id}", f"reason_{extra.id}"),
                              (f"outcome_{room.id}-granted", f"item_{room.id}")):  # (radios)
        assert page.by_id[anchor]["aria-invalid"] == "true"
        error_id = page.by_id[described]["aria-describedby"].split()[-1]
        assert error_id == f"{anchor.split('-')[0]}-error" and error_id in page.by_id
    assert "aria-invalid" not in page.by_id[f"reason_{book.id}"]
    assert "aria-invalid" not in page.by_id["reasons"]
    # a number that is not one is said to be so, and kept as typed
    response = _decide(client, csrf, case, {"extra_time": ("partly_granted", "45 min", "Nok"),
                                            "separate_room": ("granted", None, ""),
                                            "dictionary": ("granted", None, "")})
    page = _Page(response.get_data(as_text=True))
    assert page.by_id[f"minutes_{extra.id}"]["value"] == "45 min"
    assert dict(page.links)[f"#minutes_{extra.id}"].endswith("som et helt tall.")
    assert Case.get_by_id(case.id).state == "submitted"


def test_documentation_loop(filed, client, auth, csrf):
    auth.login("rektor")
    page = client.get(f"/cases/{filed.case.id}").get_data(as_text=True)
    response = client.post(f"/exam-adaptation/{filed.case.id}/ask-documentation",
                           data={"csrf_token": csrf(page), "version": filed.case.version,
                                 "text": "Send sakkyndig vurdering fra PPT."})
    assert response.status_code == 303
    assert Case.get_by_id(filed.case.id).state == "needs_documentation"
    stale = client.post(f"/exam-adaptation/{filed.case.id}/ask-documentation",
                        data={"csrf_token": csrf(page), "version": filed.case.version,
                              "text": "Igjen"}, follow_redirects=True)
    assert "flash-error" in stale.get_data(as_text=True)  # a clear message, not a crash
    auth.logout()
    auth.login("elev1")
    case = Case.get_by_id(filed.case.id)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.post(f"/exam-adaptation/{case.id}/documentation", data={
        "csrf_token": csrf(page), "version": case.version,
        "documentation": (BytesIO(PNG), "ppt.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert Case.get_by_id(case.id).state == "submitted"
    assert Attachment.select().where(Attachment.case == case).count() == 2


def _documentation_asked_for(filed, client, auth, csrf):
    """The principal asks for documentation; elev1 is logged in: the case as it is now."""
    auth.login("rektor")
    page = client.get(f"/cases/{filed.case.id}").get_data(as_text=True)
    assert client.post(f"/exam-adaptation/{filed.case.id}/ask-documentation", data={
        "csrf_token": csrf(page), "version": filed.case.version,
        "text": "Send sakkyndig vurdering fra PPT."}).status_code == 303
    auth.logout()
    auth.login("elev1")
    return Case.get_by_id(filed.case.id)


def test_documentation_sent_from_a_stale_page_is_kept(filed, client, auth, csrf):
    """The application changed while the student chose the file: the page as it is now with
    the file and the text kept (the file held), sent again as it stands."""
    from portal.models import HeldUpload

    case = _documentation_asked_for(filed, client, auth, csrf)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    response = client.post(f"/exam-adaptation/{case.id}/documentation", data={
        "csrf_token": csrf(page), "version": case.version, "text": "Vurderingen fra PPT.",
        "documentation": (BytesIO(PNG), "ppt.png")}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Noen andre endret saken" in html and "Vurderingen fra PPT.</textarea>" in html
    token = re.search(r'name="documentation-held" value="([0-9a-f]+)"', html)[1]
    assert Attachment.select().where(Attachment.case == case).count() == 1
    response = client.post(f"/exam-adaptation/{case.id}/documentation", data={
        "csrf_token": csrf(html), "version": case.version + 1, "text": "Vurderingen fra PPT.",
        "documentation-held": token}, content_type="multipart/form-data")
    assert response.status_code == 303 and Case.get_by_id(case.id).state == "submitted"
    assert "ppt.png" in [a.filename for a in Attachment.select().where(Attachment.case == case)]
    assert not HeldUpload.select().exists()


def test_documentation_sent_twice_is_added_once(filed, client, auth, csrf):
    """A double tap (or the form sent again from a second tab): the first send added the
    file and moved the case on; the second says the file is already there, adds nothing and
    offers nothing to send again."""
    case = _documentation_asked_for(filed, client, auth, csrf)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "version": case.version, "text": "Vurderingen fra PPT."}
    for _ in range(2):
        response = client.post(f"/exam-adaptation/{case.id}/documentation",
                               data={**data, "documentation": (BytesIO(PNG), "ppt.png")},
                               content_type="multipart/form-data")
        assert response.status_code == 303
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Filen ppt.png ligger allerede i saken, så den ble ikke lagt til en gang til." in html
    assert "Ikke sendt" not in html
    assert [a.filename for a in Attachment.select().where(
        (Attachment.case == case) & (Attachment.filename == "ppt.png"))] == ["ppt.png"]


def test_health_documentation_only_for_deciders_and_the_student(filed, client, auth):
    attachment = Attachment.get(Attachment.case == filed.case)
    assert attachment.is_health
    url = f"/cases/{filed.case.id}/documents/{attachment.id}"
    auth.login("rektor")
    assert client.get(url).status_code == 200
    assert AttachmentAccess.select().where(AttachmentAccess.attachment == attachment).count() == 1
    auth.logout()
    for other in ("elev2", "eksamen", "laerer1"):
        auth.login(other)
        assert client.get(url).status_code == 404
        assert client.get(f"/cases/{filed.case.id}").status_code == 404
        auth.logout()


def test_nki_exam_office_decides(db, client, auth, csrf):
    s = make_school(profile="nki", code="nki")
    make_user("eksamen", ["exam_office"], s.school)
    exam = make_exam(s, oslo(2027, 5, 26))
    plan.register(exam, s.elev1)
    auth.login("elev1")
    html = client.get("/exam-adaptation/new").get_data(as_text=True)
    assert "eksamensreglementet pkt. 7" in html  # "in good time" guidance
    assert _apply(client, csrf, [exam], extra="120").status_code == 303  # no minute limit
    auth.logout()
    auth.login("eksamen")
    case = Case.get()
    response = _decide(client, csrf, case, {"extra_time": ("granted", "120", ""),
                                            "separate_room": ("granted", None, ""),
                                            "dictionary": ("granted", None, "")})
    assert response.status_code == 303
    decision = Decision.get()
    assert decision.outcome == "granted" and decision.decided_role == "exam_office"


# --- statements per page (no query per row) -----------------------------------------------

def test_adaptation_list_sends_the_same_statements_for_more_students(hav, client, auth):
    from portal.kinds.exam_adaptation.models import ExamAdaptationExam
    from tests.statements import statements

    exam = make_exam(hav, oslo(2027, 5, 26))

    def grant(student, number):
        case = Case.create(school=hav.school, school_year=hav.year, number=number,
                           kind="exam_adaptation", state="decided", is_open=False,
                           student=student, title="Tilrettelegging")
        ExamAdaptationExam.create(case=case, exam=exam)
        ExamAdaptationItem.create(case=case, adaptation="extra_time", minutes=60,
                                  outcome="granted", granted_minutes=60)
        ExamAdaptationItem.create(case=case, adaptation="separate_room", outcome="granted")

    grant(hav.elev1, 1)
    auth.login("eksamen")
    url = f"/exams/{exam.id}/adaptations"
    few = statements(client, url)
    for n in range(2, 8):
        grant(make_user(f"kandidat{n}", ["student"], hav.school, f"Kandidat Nummer{n}"), n)
    assert statements(client, url) == few
    html = client.get(url).get_data(as_text=True)
    assert "Kandidat Nummer7" in html and "2026-0007" in html and "+60 min" in html


def test_application_form_sends_the_same_statements_for_more_exams(hav, client, auth):
    from tests.statements import statements

    plan.register(make_exam(hav, oslo(2027, 5, 26)), hav.elev1)
    auth.login("elev1")
    few = statements(client, "/exam-adaptation/new")
    for day in range(1, 6):
        plan.register(make_exam(hav, oslo(2027, 6, day), hav.matte), hav.elev1)
    assert statements(client, "/exam-adaptation/new") == few
    html = client.get("/exam-adaptation/new").get_data(as_text=True)
    assert html.count("Matematikk 1T") == 5 and "Fristen er 1. mai 2027" in html


def test_case_page_sends_the_same_statements_for_more_exams(filed, client, auth):
    from portal.kinds.exam_adaptation.models import ExamAdaptationExam
    from tests.statements import statements

    url = f"/cases/{filed.case.id}"
    auth.login("elev1")
    few_student = statements(client, url)
    auth.logout()
    auth.login("rektor")
    few_decider = statements(client, url)
    for day in range(1, 6):
        ExamAdaptationExam.create(case=filed.case,
                                  exam=make_exam(filed, oslo(2027, 6, day), filed.matte))
    assert statements(client, url) == few_decider
    html = client.get(url).get_data(as_text=True)
    assert html.count("Matematikk 1T") == 5 and "Fristen er 1. mai 2027" in html
    auth.logout()
    auth.login("elev1")
    assert statements(client, url) == few_student


def test_a_granted_application_reads_innvilget_not_medhold(filed, client, auth, csrf):
    """'Medhold' is an appeal's word: an application is innvilget, delvis innvilget, avslått,
    in the decision's heading, in each adaptation's line and in the decision's summary."""
    auth.login("rektor")
    case = filed.case
    assert _decide(client, csrf, case, {
        "extra_time": ("granted", None, ""), "separate_room": ("granted", None, ""),
        "dictionary": ("refused", None, "Ordbok er allerede tillatt.")}).status_code == 303
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Vedtak: Delvis innvilget" in html
    text = re.sub(r"\s+", " ", html)
    assert "Utvidet tid (+60 min) – <strong>Innvilget</strong> (+60 min)" in text
    assert "<strong>Avslått</strong>" in text
    assert "Medhold" not in html and "medhold" not in html
    assert ": Innvilget, 60 min" in Decision.get(Decision.case == case).summary


def test_documentation_sent_without_a_file_or_with_a_refused_one_says_so(filed, client, auth,
                                                                         csrf):
    """Once a 500 (the file's error cleared by validating twice, then no file to attach)."""
    case = _documentation_asked_for(filed, client, auth, csrf)
    for document, message in ((None, "Velg dokumentet du vil laste opp."),
                              ((BytesIO(b"GIF89a" + b"\0" * 40), "x.gif"), "JPEG, PNG eller HEIC")):
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        data = {"csrf_token": csrf(page), "version": case.version}
        if document is not None:
            data["documentation"] = document
        response = client.post(f"/exam-adaptation/{case.id}/documentation", data=data,
                               content_type="multipart/form-data")
        assert response.status_code != 500 and message in response.get_data(as_text=True)
    assert Case.get_by_id(case.id).state == "needs_documentation"
    assert Attachment.select().where(Attachment.case == case).count() == 1


@pytest.mark.parametrize("typed", ["²", "99999999999"])
def test_minutes_that_are_no_number_or_beyond_a_day_are_refused_not_a_500(
        db, client, auth, csrf, typed):
    """NKI sets no maximum of extra time: a number beyond a day is a typing error (and beyond
    PostgreSQL's integer); a superscript digit is no number. In the application and in the
    decision."""
    nki = make_school(profile="nki", code="nki-min")
    make_user("eksamen", ["exam_office"], nki.school)
    exam = make_exam(nki, oslo(2027, 5, 26))
    plan.register(exam, nki.elev1)
    auth.login("elev1")
    response = _apply(client, csrf, [exam], extra=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and not Case.select().exists()
    said = "Skriv høyst 1440 minutter." if typed != "²" else "som et helt tall"
    assert said in html
    assert _apply(client, csrf, [exam], extra="120").status_code == 303
    auth.logout()
    auth.login("eksamen")
    response = _decide(client, csrf, Case.get(), {"extra_time": ("granted", typed, ""),
                                                  "separate_room": ("granted", None, ""),
                                                  "dictionary": ("granted", None, "")})
    assert response.status_code != 500 and said in response.get_data(as_text=True)
    assert not Decision.select().exists()
