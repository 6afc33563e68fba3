"""Appeals on formal errors at an exam: three weeks from learning of the error or from the
justification, the principal grants (new grading / new exam, one or all) or forwards to the
board, which decides: rejected, new grading or new exam."""

import re
from datetime import date

import pytest

from portal.grades import deadlines as dl
from portal.kinds.formal_error_appeal.models import FormalErrorAppeal
from portal.kinds.justification.models import JustificationRequest
from portal.models import Case, Decision, Event
from portal.rules import calendar as cal
from tests.grading import make_exam, make_grade, make_havbruk, oslo, post_form, summary_order


@pytest.fixture
def hav(db):
    return make_havbruk()


def _on(monkeypatch, day):
    monkeypatch.setattr(cal, "today", lambda: day)


def test_deadline_from_learning_or_later_justification(hav):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    # Learned Thursday 4 March 2027: three weeks end on Skjærtorsdag -> Tuesday 30 March.
    assert dl.formal_error_deadline(grade, date(2027, 3, 4)).due == date(2027, 3, 30)
    case = Case.create(school=hav.school, school_year=hav.year, number=99, kind="justification",
                       state="answered", student=hav.elev1, title="x")
    JustificationRequest.create(case=case, grade=grade, requested_on=date(2027, 3, 2),
                                answer_due=date(2027, 3, 16), answered_at=oslo(date(2027, 4, 6)))
    assert dl.formal_error_deadline(grade, date(2027, 3, 4)).due == date(2027, 4, 27)


DESCRIPTION = "Oppgavesettet manglet side 3."
LATE = "Jeg fikk ikke vite at fristen gjaldt fra da jeg oppdaget feilen."


def _file(client, csrf, grade, learned="2027-03-04", **extra):
    url = f"/formal-error-appeals/new?grade={grade.id}"
    return post_form(client, csrf, url, url, {
        "learned_on": learned, "description": DESCRIPTION,
        "confirm": "y", "password": "demo", **extra})


def _filed(s, client, auth, csrf, monkeypatch):
    """elev1's grade published on 1 March 2027, and their appeal on a formal error at its
    exam, filed on the 10th: (the grade, the appeal's case)."""
    grade = make_grade(s, make_exam(s), s.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 10))
    auth.login("elev1")
    assert _file(client, csrf, grade).status_code == 303
    auth.logout()
    return grade, Case.get(Case.kind == "formal_error_appeal")


def test_late_needs_an_explanation_with_date_and_rule(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 31))
    auth.login("elev1")
    r = _file(client, csrf, grade)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert ("Fristen var 30. mars 2027 (jf. forskriften § 4-10 (1) a). Forklar hvorfor klagen "
            "kommer for sent") in html
    assert "Fristen har gått ut. Du kan likevel klage" in html
    # learned of on Thursday 4 March: three weeks end on Skjærtorsdag, moved to 30 March
    assert ("Fra dagen du oppga: Fristen var 30. mars 2027 (3 uker, jf. forskriften § 4-10 (1) "
            "a). Den ville ha gått ut 25. mars 2027 (Skjærtorsdag), men ble flyttet til neste "
            "virkedag.") in " ".join(html.split())
    assert "Hvorfor kommer klagen for sent?" in html
    assert DESCRIPTION in html and 'value="2027-03-04"' in html  # what was typed is kept
    assert not FormalErrorAppeal.select().exists()


def test_a_late_appeal_asks_for_the_explanation_with_the_other_errors(hav, client, auth, csrf,
                                                                       monkeypatch):
    """Sent late, the error not described and the appeal not signed: the explanation of the
    delay is asked for in the same answer as they are, where the page shows it (after the
    description, before the signature), not only once all the rest is right."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 31))
    auth.login("elev1")
    r = _file(client, csrf, grade, description="", password="")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert summary_order(html) == ["description", "late_explanation", "password"]
    assert ("Fristen var 30. mars 2027 (jf. forskriften § 4-10 (1) a). Forklar hvorfor klagen "
            "kommer for sent") in html
    assert 'value="2027-03-04"' in html  # what was typed is kept
    assert not FormalErrorAppeal.select().exists()


def test_late_is_received_flagged_for_the_principal_and_the_board(hav, client, auth, csrf,
                                                                   monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 31))
    auth.login("elev1")
    assert _file(client, csrf, grade, late_explanation=LATE).status_code == 303
    appeal = FormalErrorAppeal.get()
    assert (appeal.is_late, appeal.late_explanation, appeal.learned_on) == (
        True, LATE, date(2027, 3, 4))
    case = Case.get_by_id(appeal.case_id)
    assert Event.get(Event.case == case, Event.action == "file").data == {"late": True}
    auth.logout()
    page = f"/cases/{case.id}"
    auth.login("rektor")
    html = client.get(page).get_data(as_text=True)
    # the flag with the deadline and its rule, before the principal who decides on lateness
    assert ("Klagen er kommet for sent:</strong> Fristen var 30. mars 2027 (jf. forskriften "
            "§ 4-10 (1) a).") in html
    assert "Studentens forklaring på forsinkelsen" in html and LATE in html
    assert html.count("For sen klage: avgjør først om den likevel kan behandles") == 1
    r = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/forward",
                  {"version": case.version, "assessment": "For sent, men forklart."})
    assert r.status_code == 303
    auth.logout()
    auth.login("klage2")
    html = client.get(page).get_data(as_text=True)
    assert "Klagen er kommet for sent" in html and LATE in html
    assert "For sen klage: avgjør først om den likevel kan behandles" in html


def test_refused_a_year_after_the_grade_was_published(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2028, 3, 2))
    auth.login("elev1")
    url = f"/formal-error-appeals/new?grade={grade.id}"
    refusal = ("Klagen kan ikke tas imot: det er gått mer enn 1 år siden karakteren ble "
               "kunngjort (jf. forvaltningsloven § 31 tredje ledd). Siste dag var 1. mars 2028.")
    page = client.get(url)
    r = _file(client, csrf, grade, learned="2028-02-28", late_explanation=LATE)
    assert (page.status_code, r.status_code) == (200, 422)
    for html in (page.get_data(as_text=True), r.get_data(as_text=True)):
        # only why, once: no form, and no word that a late appeal can still be sent
        assert html.count(refusal) == 1
        assert 'action="/formal-error-appeals/new' not in html and "Send klagen" not in html
        assert "Du kan likevel klage" not in html and "Hvorfor kommer klagen for sent?" not in html
        assert "Når fikk du vite om feilen?" not in html
    assert not FormalErrorAppeal.select().exists()


@pytest.mark.parametrize("profile, code, rule, if_today, due", [
    # ten days from Thursday 10 June end on Sunday 20 June: moved to Monday 21 June; from
    # Tuesday 8 June they end Friday 18 June
    ("vgs", "test-vgs", "10 dager, jf. opplæringsforskrifta § 10-2", "21. juni 2027",
     date(2027, 6, 18)),
    # three weeks end Thursday 1 July and Tuesday 29 June
    ("havbruk", "test-hav", "3 uker, jf. forskriften § 4-10 (1) a", "1. juli 2027",
     date(2027, 6, 29)),
], ids=["vgs", "fagskole"])
def test_an_oral_grade_links_to_a_formal_error_form_that_answers(db, client, auth, csrf,
                                                                   monkeypatch, profile, code,
                                                                   rule, if_today, due):
    """An oral exam on Tuesday 8 June 2027, its grade published that day: it can be appealed
    for formal errors only, at a vgs (opplæringsforskrifta § 10-2: within the ten days of an
    exam appeal) as at a fagskole (three weeks). Every link on its card answers, the form among
    them, and the appeal is received."""
    s = make_havbruk(profile=profile, code=code)
    grade = make_grade(s, make_exam(s, form="oral", day=date(2027, 6, 8)), s.elev1,
                       published=date(2027, 6, 8))
    _on(monkeypatch, date(2027, 6, 10))
    auth.login("elev1")
    card = re.search(rf'<article class="grade-card" aria-labelledby="grade-{grade.id}">.*?'
                     r"</article>", client.get("/grades/").get_data(as_text=True),
                     flags=re.S).group(0)
    assert "Karakteren for denne eksamensformen kan ikke påklages" in card
    assert "/grade-appeals/new" not in card
    links = re.findall(r'href="([^"]+)"', card)
    assert f"/formal-error-appeals/new?grade={grade.id}" in links
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    form = client.get(f"/formal-error-appeals/new?grade={grade.id}").get_data(as_text=True)
    assert f"Fristen er {if_today} ({rule})." in form  # if learned of today
    assert _file(client, csrf, grade, learned="2027-06-08").status_code == 303
    appeal = FormalErrorAppeal.get()
    assert (appeal.learned_on, appeal.is_late) == (date(2027, 6, 8), False)
    assert dl.formal_error_deadline(grade, appeal.learned_on).due == due


@pytest.mark.parametrize("learned, error", [
    ("2026-11-01", "Dagen du fikk vite om feilen kan ikke være før eksamen (1. desember 2026): "
                   "fristen på 3 uker løper fra du fikk vite om en feil ved eksamen "
                   "(jf. forskriften § 4-10 (1) a)."),
    ("2026-11-30", "kan ikke være før eksamen (1. desember 2026)"),
    ("2026-12-11", "Dagen du fikk vite om feilen kan ikke være fram i tid (i dag er det "
                   "10. desember 2026): fristen på 3 uker løper fra du fikk vite om feilen "
                   "(jf. forskriften § 4-10 (1) a)."),
], ids=["a-month-before-the-exam", "the-day-before-the-exam", "tomorrow"])
def test_the_day_learned_is_from_the_exam_to_today(hav, client, auth, csrf, monkeypatch,
                                                     learned, error):
    """An oral exam on Tuesday 1 December 2026 (its grade can be appealed for formal errors
    only): the deadline runs from a day between the exam and today."""
    grade = make_grade(hav, make_exam(hav, form="oral", day=date(2026, 12, 1)), hav.elev1,
                       published=date(2026, 12, 1))
    _on(monkeypatch, date(2026, 12, 10))
    auth.login("elev1")
    r = _file(client, csrf, grade, learned=learned)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and error in html
    assert "Når fikk du vite om feilen?: Dagen du fikk vite om feilen" in html  # the summary
    assert DESCRIPTION in html and f'value="{learned}"' in html
    assert not FormalErrorAppeal.select().exists()


def test_the_error_summary_lists_the_signature_last_as_the_page_does(hav, client, auth, csrf,
                                                                    monkeypatch):
    grade = make_grade(hav, make_exam(hav, form="oral", day=date(2026, 12, 1)), hav.elev1,
                       published=date(2026, 12, 1))
    _on(monkeypatch, date(2026, 12, 10))
    auth.login("elev1")
    r = _file(client, csrf, grade, learned="", description="", confirm="", password="")
    assert r.status_code == 422
    assert summary_order(r.get_data(as_text=True)) == [
        "learned_on", "description", "confirm", "password"]


def test_learned_on_the_day_of_the_exam(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav, form="oral", day=date(2026, 12, 1)), hav.elev1,
                       published=date(2026, 12, 1))
    _on(monkeypatch, date(2026, 12, 10))
    auth.login("elev1")
    form = client.get(f"/formal-error-appeals/new?grade={grade.id}").get_data(as_text=True)
    assert "Ikke før eksamensdagen, 1. desember 2026, og ikke etter i dag." in form
    assert _file(client, csrf, grade, learned="2026-12-01").status_code == 303
    appeal = FormalErrorAppeal.get()
    assert (appeal.learned_on, appeal.is_late) == (date(2026, 12, 1), False)
    assert dl.formal_error_deadline(grade, appeal.learned_on).due == date(2026, 12, 22)


def test_principal_grants_new_exam_for_all(hav, client, auth, csrf, monkeypatch):
    grade, case = _filed(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    page = f"/cases/{case.id}"
    r = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/grant",
                  {"version": case.version, "outcome": "rejected", "scope": "one",
                   "reasons": "x"})
    assert r.status_code == 422  # the principal grants or forwards, never rejects
    r = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/grant",
                  {"version": case.version, "outcome": "new_exam", "scope": "all",
                   "reasons": "Feilen rammet alle."})
    assert r.status_code == 303
    appeal = FormalErrorAppeal.get()
    assert (appeal.outcome, appeal.scope) == ("new_exam", "all")
    assert Decision.get(Decision.case == case).outcome == "new_exam"
    # the decision names its outcome in words, on the case page and in its letter
    decision = Decision.get(Decision.case == case)
    for url in (page, f"/cases/{case.id}/decisions/{decision.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Vedtak: Ny eksamen" in html and "new_exam" not in html, url


def test_forwarded_and_rejected_by_the_board(hav, client, auth, csrf, monkeypatch):
    grade, case = _filed(hav, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    page = f"/cases/{case.id}"
    r = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/forward",
                  {"version": case.version, "assessment": "Ikke en formell feil."})
    assert r.status_code == 303
    auth.logout()
    auth.login("klage3")
    assert "Skolens styre" in client.get(page).get_data(as_text=True)
    r = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide",
                  {"version": case.version + 1, "outcome": "rejected", "scope": "one",
                   "reasons": "Ingen feil."})
    assert r.status_code == 303
    assert FormalErrorAppeal.get().outcome == "rejected"
    assert Case.get_by_id(case.id).state == "decided"
    auth.logout()
    auth.login("elev2")
    assert client.get(page).status_code == 404


RECEIVED_ALREADY = ("En klage på formell feil ved denne eksamenen er allerede mottatt. Klagen du "
                    "nettopp sendte, er ikke registrert; her er den som er mottatt.")


def test_sent_again_from_a_form_loaded_before_one_appeal_is_filed(hav, client, auth, csrf,
                                                                  monkeypatch):
    """A second form, loaded before the first was sent and sent after it: nothing more is
    filed; the student is told the appeal is received already and led to it."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 10))
    auth.login("elev1")
    url = f"/formal-error-appeals/new?grade={grade.id}"
    second = client.get(url).get_data(as_text=True)
    assert _file(client, csrf, grade).status_code == 303
    r = client.post(url, data={"csrf_token": csrf(second), "learned_on": "2027-03-05",
                               "description": "Noe annet.", "confirm": "y", "password": "demo"})
    [case] = Case.select().where(Case.kind == "formal_error_appeal")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{case.id}")
    assert RECEIVED_ALREADY in client.get(r.headers["Location"]).get_data(as_text=True)
    assert FormalErrorAppeal.get().description == DESCRIPTION


def test_two_tabs_appealing_at_the_same_moment_file_one_appeal(app, hav, client, auth, csrf,
                                                               monkeypatch):
    """The student appeals a formal error at the exam of one grade from two tabs (two forms,
    each loaded anew) at the same moment. Both appeals are under way while another
    transaction holds the school year's case counter (PostgreSQL: its row, FOR UPDATE;
    SQLite: the one writer), which filing updates. One appeal is filed, and the principal
    told once; the other tab is told it is received already and led to it. Without the
    student held and the appeal looked for again inside the filing's transaction, each found
    none and filed its own."""
    from portal.models import CaseCounter, SchoolYear
    from portal.notifications.models import Notification
    from tests.tabs import one_form_sent_from_two_tabs_at_once

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 10))
    CaseCounter.create(school=hav.school, school_year=SchoolYear.current(hav.school),
                       last_number=0)
    auth.login("elev1")
    answers = one_form_sent_from_two_tabs_at_once(
        app, client, csrf, f"/formal-error-appeals/new?grade={grade.id}",
        {"learned_on": "2027-03-04", "description": DESCRIPTION, "confirm": "y",
         "password": "demo"},
        CaseCounter.select(CaseCounter.id))
    [case] = Case.select().where(Case.kind == "formal_error_appeal")
    assert FormalErrorAppeal.select().count() == 1
    assert [r.status_code for _tab, r in answers] == [303, 303]
    assert all(r.headers["Location"].endswith(f"/cases/{case.id}") for _tab, r in answers)
    told = [RECEIVED_ALREADY in tab.get(r.headers["Location"]).get_data(as_text=True)
            for tab, r in answers]
    assert sorted(told) == [False, True]
    assert [n.user_id for n in Notification.select().join(Case).where(
        Case.kind == "formal_error_appeal")] == [hav.rektor.id]


def test_a_withdrawn_appeal_is_shown_and_a_formal_error_may_be_appealed_again(
        hav, client, auth, csrf, monkeypatch):
    """A student who withdrew an appeal on a formal error may appeal again within the deadline
    (forvaltningsloven § 29): the grades page shows the withdrawn one as withdrawn and offers
    the appeal again; the form files a new appeal instead of leading to the withdrawn one,
    and that is the one that stands."""
    from tests.statements import statements

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 1))
    _on(monkeypatch, date(2027, 3, 10))
    auth.login("elev1")
    assert _file(client, csrf, grade, description="Første.").status_code == 303
    first = Case.get(Case.kind == "formal_error_appeal")
    assert post_form(client, csrf, f"/cases/{first.id}/withdraw",
                     f"/formal-error-appeals/{first.id}/withdraw",
                     {"version": first.version, "confirmed": "yes"}).status_code == 303
    assert Case.get_by_id(first.id).state == "withdrawn"
    url = f"/formal-error-appeals/new?grade={grade.id}"
    html = re.sub(r"\s+", " ", client.get("/grades/").get_data(as_text=True))
    assert (f'<a href="/cases/{first.id}">Din klage på formell feil</a>: '
            '<span class="badge state-withdrawn">Trukket tilbake</span>') in html
    assert f'href="{url}">Klag på formell feil ved eksamen på nytt<' in html
    assert statements(client, "/grades/") <= 12
    assert client.get(url).status_code == 200  # the form, not the withdrawn appeal
    r = _file(client, csrf, grade)
    again = Case.select().where((Case.kind == "formal_error_appeal")
                                & (Case.id != first.id)).get()
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{again.id}")
    standing = FormalErrorAppeal.select().join(Case).where(
        (FormalErrorAppeal.grade == grade) & (Case.state != "withdrawn"))
    assert FormalErrorAppeal.select().count() == 2
    assert [(a.case_id, a.description) for a in standing] == [(again.id, DESCRIPTION)]
    html = client.get("/grades/").get_data(as_text=True)
    assert f'href="/cases/{again.id}"' in html and f'href="/cases/{first.id}"' not in html
    assert url not in html
    r = client.get(url)  # one at a time: led to the one that stands
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{again.id}")


# ---------------------------------------------------------------------------------------------
# The body that hears an appeal on a formal error is the profile's (formal_error_appeal_body,
# else appeal_body): the state on the case page and in its status, the timeline, the forms,
# the flash messages and the notifications name it, not a fixed "klageinstansen".

@pytest.fixture(params=[("havbruk", "Skolens styre"), ("nki", "NKIs klageinstans"),
                        ("vgs", "Klagenemnda i fylkeskommunen")],
                ids=["havbruk", "nki", "vgs"])
def bodies(request, db):
    """A school whose body for these appeals is its board (Havbruk, forskriften § 4-10 (4)),
    NKI's, and a vgs's (its appeal_body): (the school, the body as the profile names it)."""
    profile, body = request.param
    return make_havbruk(profile=profile, code=f"test-{profile}"), body


def _status_block(html: str) -> str:
    block = re.search(r'<section id="case-status".*?</section>', html, flags=re.S).group(0)
    return " ".join(block.split())


FIRST = {"havbruk": "rektor", "nki": "undervisningsdirektør", "vgs": "rektor"}


def test_the_grant_names_the_first_instance_its_profile_names(bodies, client, auth, csrf,
                                                               monkeypatch):
    s, _body = bodies
    grade, case = _filed(s, client, auth, csrf, monkeypatch)
    auth.login("rektor")
    page = f"/cases/{case.id}"
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/grant",
                     {"version": case.version, "outcome": "new_grading", "scope": "one",
                      "reasons": "Feil i oppgavesettet."}).status_code == 303
    first = FIRST[s.school.profile]
    timeline = " ".join(client.get(page).get_data(as_text=True).split())
    assert f"Medhold fra {first}" in timeline[timeline.index('id="timeline-heading"'):]
    auth.logout()
    auth.login("elev1")
    told = " ".join(client.get("/notifications/").get_data(as_text=True).split())
    assert (f"{first[:1].upper() + first[1:]} har gitt deg medhold i klagen på formell feil ved "
            "eksamen.") in told


def test_the_appeal_names_the_body_its_profile_names(bodies, client, auth, csrf, monkeypatch):
    from portal.notifications.models import Outbox
    from tests.factories import give_emails

    s, Body = bodies
    body = Body[0].lower() + Body[1:] if Body[1].islower() else Body  # (inside a sentence)
    give_emails(s.elev1)
    grade, case = _filed(s, client, auth, csrf, monkeypatch)
    page, status = f"/cases/{case.id}", f"/cases/{case.id}/status"
    pages = []

    def seen(url):
        html = " ".join(client.get(url).get_data(as_text=True).split())
        pages.append(html)
        return html

    auth.login("rektor")
    html = seen(page)
    assert f"Send til {body}" in html and f"Din vurdering (sendes til {body})" in html
    # with the first instance its profile names (NKI: the undervisningsdirektør, pkt. 8.3)
    first = FIRST[s.school.profile]
    assert f"Mottatt – hos {first}" in _status_block(html)
    assert f"<dd>{first[:1].upper() + first[1:]}</dd>" in html  # ("Nå hos")
    response = post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/forward",
                         {"version": case.version, "assessment": "Ikke en formell feil."})
    assert response.status_code == 303
    html = seen(page)
    assert f"<h3>Vurderingen fra {first}</h3>" in html
    if first != "rektor":
        # (the principal's part named so in the timeline; "Rita Rektor" is only her name)
        assert "rektor" not in html.lower().replace("rita rektor", "")
    assert f"Klagen er sendt til {body}." in html  # (the flash)
    assert f"Hos {body}" in _status_block(html)  # the state, where the case's school is read
    assert f"Sendt til {body}" in _status_block(html)
    assert f"Sendt til {body}" in html[html.index('id="timeline-heading"'):]
    assert _status_block(seen(status)) == _status_block(html)  # (the live fragment alike)
    auth.logout()

    auth.login("elev1")
    assert f"Klagen din er sendt til {body}." in seen("/notifications/")
    # the student's grades page, which reads the exam's school, names it too
    assert f"Din klage på formell feil</a>: <span class=\"badge state-with_board\">Hos {body}" \
        in seen("/grades/")
    # a list reads no school: the state in the generic word, true of every body
    assert "Hos klageinstansen" in client.get("/home").get_data(as_text=True)
    auth.logout()

    auth.login("klage3")
    assert post_form(client, csrf, page, f"/formal-error-appeals/{case.id}/decide", {
        "version": Case.get_by_id(case.id).version, "outcome": "rejected", "scope": "one",
        "reasons": "Ingen feil."}).status_code == 303
    auth.logout()

    auth.login("elev1")
    html = seen(page)
    assert f"Begrunnelsen fra {body} (endelig)" in html
    assert f"Avgjort av {body}" in html[html.index('id="timeline-heading"'):]
    # (the member who decided, by the body they sit in)
    assert f"Klage Medlem3 ({Body})" in html[html.index('id="timeline-heading"'):]
    assert f"Avgjort av {body}" in _status_block(seen(status))
    assert f"{Body} har avgjort klagen din." in seen("/notifications/")
    auth.logout()
    # the e-mails name it too (the news, read when the event was written)
    subjects = {o.subject for o in Outbox.select().where(Outbox.recipient == "elev1@skole.test")}
    assert any(f"Klagen din er sendt til {body}" in sub for sub in subjects), subjects
    assert any(f"{Body} har avgjort klagen din" in sub for sub in subjects), subjects
    if "klageinstans" not in Body.lower():  # the case's pages call it what it is called here
        assert not [html for html in pages if "klageinstans" in html.lower()]


def test_the_first_instance_of_a_formal_error_appeal_is_the_profiles_own_rule():
    """NKI's exam regulations name who considers the appeal first (pkt. 8.3), Havbruk's
    forskrift whom it is sent to (§ 4-10 (1) b); a profile without such a rule takes the first
    instance of its decisions."""
    from portal.kinds.formal_error_appeal import first_instance_name
    from portal.rules import get_profile

    nki, hav, vgs = get_profile("nki"), get_profile("havbruk"), get_profile("vgs")
    assert nki.rule("formal_error_first_instance").reference == "eksamensreglementet pkt. 8.3"
    assert hav.rule("formal_error_first_instance").reference == "forskriften § 4-10 (1) b"
    assert (first_instance_name(nki), first_instance_name(hav)) == (
        "undervisningsdirektør", "rektor")
    assert "formal_error_first_instance" not in vgs
    assert first_instance_name(vgs) == str(vgs.value("decision_appeal_first_instance"))
