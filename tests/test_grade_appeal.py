"""Grade appeals: where the profile allows it, deadlines on real dates (from publication or
restarted from the justification), new examiners who are never the original ones and never
see the old grade, its justification or the student's reasons, and the final new grade."""

import re
from datetime import date

import pytest

from portal.grades import deadlines as dl
from portal.grades.models import Grade
from portal.kinds.grade_appeal.models import GradeAppeal
from portal.kinds.justification.models import JustificationRequest
from portal.models import Case, Event
from portal.rules import calendar as cal
from tests.grading import make_exam, make_grade, make_havbruk, oslo, post_form, summary_order

JUSTIFICATION = "Besvarelsen manglet drøfting av smittevern."
REASONS = "Jeg mener oppgave 3 ble bedømt for strengt."
LATE = "Jeg lå på sykehus fra 10. til 20. februar."


@pytest.fixture
def hav(db):
    return make_havbruk()


def _on(monkeypatch, day):
    monkeypatch.setattr(cal, "today", lambda: day)


def test_deadline_from_publication_rolled_past_good_friday(hav):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 5))
    d = dl.grade_appeal_deadline(grade)
    assert d.due == date(2027, 3, 30) and d.rolled_from == date(2027, 3, 26)
    assert "Langfredag" in d.describe() and "forskriften § 4-9 (2)" in d.describe()


def test_vgs_ten_days_and_oral_only_formal_errors(db):
    vgs = make_havbruk(profile="vgs", code="test-vgs2")
    grade = make_grade(vgs, make_exam(vgs), vgs.elev1, published=date(2027, 6, 4))
    assert dl.grade_appeal_deadline(grade).due == date(2027, 6, 14)  # 10 days, a Monday
    oral = make_grade(vgs, make_exam(vgs, form="oral"), vgs.elev2, published=date(2027, 6, 4))
    assert "opplæringsforskrifta § 10-2" in dl.grade_appeal_refusal(oral)


def test_not_on_oral_or_practical_or_non_final_at_havbruk(hav, client, auth, csrf, monkeypatch):
    oral = make_grade(hav, make_exam(hav, form="oral"), hav.elev1)
    practical = make_grade(hav, make_exam(hav, form="practical"), hav.elev2)
    midterm = make_grade(hav, make_exam(hav, final=False), hav.elev3)
    for grade in (oral, practical, midterm):
        assert dl.grade_appeal_refusal(grade)
    _on(monkeypatch, date(2027, 1, 25))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={oral.id}"
    html = client.get(url).get_data(as_text=True)
    assert "forskriften § 4-9 (2) a" in html
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo", "reasons": "x"})
    assert r.status_code == 422 and not GradeAppeal.select().exists()


def _late(hav, monkeypatch, day=date(2027, 2, 13)):
    """A grade published Friday 22 January 2027: three weeks end Friday 12 February; the
    absolute limit one year after publication, 22 January 2028."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _on(monkeypatch, day)
    return grade


def test_late_appeal_needs_an_explanation_keeps_what_was_typed(hav, client, auth, csrf,
                                                               monkeypatch):
    grade = _late(hav, monkeypatch)
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    form = client.get(url).get_data(as_text=True)
    assert "12. februar 2027" in form and "jf. forskriften § 4-9 (2)" in form
    assert "Fristen har gått ut. Du kan likevel klage hvis du forklarer hvorfor" in form
    assert ("En klage tas aldri imot etter 22. januar 2028 "
            "(jf. forvaltningsloven § 31 tredje ledd).") in form
    assert "Hvorfor kommer klagen for sent?" in form
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                           "reasons": REASONS})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert ("Fristen var 12. februar 2027 (jf. forskriften § 4-9 (2)). Forklar hvorfor klagen "
            "kommer for sent; klageinstansen avgjør om den likevel kan behandles "
            "(forvaltningsloven § 31).") in html
    assert REASONS in html  # what the student wrote is kept
    assert not GradeAppeal.select().exists()


def test_a_late_appeal_asks_for_the_explanation_with_the_other_errors(hav, client, auth, csrf,
                                                                       monkeypatch):
    """Sent late and not signed: the explanation of the delay is asked for in the same answer
    as the signature, where the page shows it (after the reasons, before the signature), not
    only once the appeal is signed."""
    grade = _late(hav, monkeypatch)
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    r = post_form(client, csrf, url, url, {"confirm": "", "password": "", "reasons": REASONS})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert summary_order(html) == ["late_explanation", "confirm", "password"]
    assert "Fristen var 12. februar 2027 (jf. forskriften § 4-9 (2)). Forklar hvorfor" in html
    assert REASONS in html  # what the student wrote is kept
    assert not GradeAppeal.select().exists()


def test_the_form_says_the_deadline_in_the_tense_of_the_day(hav, client, auth, monkeypatch):
    """Published Friday 5 March 2027: three weeks end on Langfredag 26 March and move to
    Tuesday 30 March. On Easter Monday the deadline is still ahead; the day after it, appealing
    late, the form says it was, and that it was moved."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 3, 5))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    _on(monkeypatch, date(2027, 3, 29))
    form = " ".join(client.get(url).get_data(as_text=True).split())
    assert ("Fristen er 30. mars 2027 (3 uker, jf. forskriften § 4-9 (2)). Den ville ha gått ut "
            "26. mars 2027 (Langfredag), men er flyttet til neste virkedag.") in form
    assert "Fristen har gått ut" not in form
    _on(monkeypatch, date(2027, 3, 31))
    form = " ".join(client.get(url).get_data(as_text=True).split())
    assert ("Fristen var 30. mars 2027 (3 uker, jf. forskriften § 4-9 (2)). Den ville ha gått ut "
            "26. mars 2027 (Langfredag), men ble flyttet til neste virkedag. Fristen har gått "
            "ut.") in form
    assert "Fristen er 30. mars" not in form and "gikk egentlig ut" not in form


def test_late_appeal_is_received_flagged_for_the_exam_office_not_the_new_examiners(
        hav, client, auth, csrf, monkeypatch):
    grade = _late(hav, monkeypatch)
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo", "reasons": REASONS,
                                           "late_explanation": LATE})
    assert r.status_code == 303, r.get_data(as_text=True)
    appeal = GradeAppeal.get()
    assert (appeal.is_late, appeal.late_explanation, appeal.filed_on) == (
        True, LATE, date(2027, 2, 13))
    case = Case.get_by_id(appeal.case_id)
    assert Event.get(Event.case == case, Event.action == "file").data == {"late": True}
    page = f"/cases/{case.id}"
    mine = client.get(page).get_data(as_text=True)
    assert "Klagen er kommet for sent" in mine and LATE in mine
    auth.logout()
    auth.login("eksamen")
    html = client.get(page).get_data(as_text=True)
    # the flag with the deadline and its rule, before the exam office, who decides on lateness
    assert ("Klagen er kommet for sent:</strong> Fristen var 12. februar 2027 (jf. forskriften "
            "§ 4-9 (2)).") in html
    assert "Studentens forklaring på forsinkelsen" in html and LATE in html
    assert "For sen klage: avgjør først om den likevel kan behandles" in html  # by the form
    auth.logout()
    case = _appoint(hav, client, auth, csrf, case)  # (4 weeks: Saturday 13 -> 15 March)
    auth.login("sensor2")
    html = client.get(page).get_data(as_text=True)
    assert LATE not in html and "for sent" not in html and "For sen klage" not in html


def test_late_appeal_refused_a_year_after_publication(hav, client, auth, csrf, monkeypatch):
    grade = _late(hav, monkeypatch, day=date(2028, 1, 23))
    assert dl.grade_appeal_timeliness(grade, date(2028, 1, 22)).is_too_late is False
    assert dl.grade_appeal_timeliness(grade, date(2028, 1, 23)).is_too_late
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    refusal = ("Klagen kan ikke tas imot: det er gått mer enn 1 år siden karakteren ble "
               "kunngjort (jf. forvaltningsloven § 31 tredje ledd). Siste dag var 22. januar 2028.")
    page = client.get(url)
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo", "reasons": REASONS,
                                           "late_explanation": LATE})
    assert (page.status_code, r.status_code) == (200, 422)
    for html in (page.get_data(as_text=True), r.get_data(as_text=True)):
        # only why, once: no form, and no word that a late appeal can still be sent
        assert html.count(refusal) == 1
        assert 'action="/grade-appeals/new' not in html and "Send klagen" not in html
        assert "Du kan likevel klage" not in html and "Hvorfor kommer klagen for sent?" not in html
    assert not GradeAppeal.select().exists()


def test_grades_page_offers_a_late_appeal_until_the_limit(hav, client, auth, monkeypatch):
    grade = _late(hav, monkeypatch)
    oral = make_grade(hav, make_exam(hav, form="oral"), hav.elev1, published=date(2027, 1, 22))
    auth.login("elev1")
    html = client.get("/grades/").get_data(as_text=True)
    card = _card(html, grade)
    assert "12. februar 2027" in card and "Fristen har gått ut. Du kan likevel klage" in card
    assert f'href="/grade-appeals/new?grade={grade.id}">Klag på karakteren for sent, med ' \
        "forklaring<" in card
    # an oral exam's grade: still only a formal error can be appealed, late or not
    oral_card = _card(html, oral)
    assert "forskriften § 4-9 (2) a" in oral_card and "/grade-appeals/new" not in oral_card
    assert f"/formal-error-appeals/new?grade={oral.id}" in oral_card
    _on(monkeypatch, date(2028, 1, 23))
    html = client.get("/grades/").get_data(as_text=True)
    # past the limit, no form is linked that could only refuse: why, once, for both kinds
    for card in (_card(html, grade), _card(html, oral)):
        assert card.count("Siste dag var 22. januar 2028") == 1
        assert "/grade-appeals/new" not in card and "/formal-error-appeals/new" not in card


def _card(html, grade):
    """The grades page's card of `grade`."""
    return re.search(rf'<article class="grade-card" aria-labelledby="grade-{grade.id}">.*?'
                     r"</article>", html, flags=re.S).group(0)


def test_justification_restarts_the_deadline(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _answered_justification(hav, grade, received=date(2027, 2, 10))
    assert dl.grade_appeal_deadline(grade).due == date(2027, 3, 3)
    _on(monkeypatch, date(2027, 2, 20))  # after the first deadline, inside the restarted one
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    assert "3. mars 2027" in client.get(url).get_data(as_text=True)
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo", "reasons": "x"})
    assert r.status_code == 303
    assert not GradeAppeal.get().is_late  # within the restarted deadline: not late


def test_wrong_password_does_not_sign(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _on(monkeypatch, date(2027, 1, 25))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "feil", "reasons": "x"})
    assert r.status_code == 422 and "Passordet er feil" in r.get_data(as_text=True)


def _answered_justification(hav, grade, received):
    from portal.cases.engine import open_case

    case = open_case("justification", school=hav.school, school_year=hav.year,
                     student=grade.registration.student, title="Begrunnelse", actor=hav.elev1)
    case.state = "answered"
    case.save()
    from portal.cases.engine import add_participant

    add_participant(case, hav.sensor1, "examiner")
    JustificationRequest.create(case=case, grade=grade, requested_on=received,
                                answer_due=received, answer=JUSTIFICATION,
                                answered_at=oslo(received))
    return case


def _file(hav, client, auth, csrf, monkeypatch, grade):
    _on(monkeypatch, date(2027, 2, 15))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo", "reasons": REASONS})
    assert r.status_code == 303, r.get_data(as_text=True)
    auth.logout()
    return Case.get(Case.kind == "grade_appeal")


def _file_and_appoint(hav, client, auth, csrf, monkeypatch, grade):
    return _appoint(hav, client, auth, csrf, _file(hav, client, auth, csrf, monkeypatch, grade))


def _appoint(hav, client, auth, csrf, case):
    assert GradeAppeal.get().answer_due == date(2027, 3, 15)  # 4 weeks
    auth.login("eksamen")
    page = f"/cases/{case.id}"
    html = client.get(page).get_data(as_text=True)
    assert "sensor ved ordinær sensur" in html  # sensor1 is shown as not eligible
    r = post_form(client, csrf, page, f"/grade-appeals/{case.id}/appoint",
                  {"version": case.version, "examiners": [hav.sensor1.id]})
    assert r.status_code == 422  # the original examiner is not offered
    r = post_form(client, csrf, page, f"/grade-appeals/{case.id}/appoint",
                  {"version": case.version, "examiners": [hav.sensor2.id, hav.sensor3.id]})
    assert r.status_code == 303
    auth.logout()
    return Case.get_by_id(case.id)


def _visible_text(html):
    html = re.sub(r"<fieldset>.*?</fieldset>", "", html, flags=re.S)  # the grade choices
    return re.sub(r"<[^>]+>", " ", html)


def test_new_examiners_never_see_the_old_grade_justification_or_reasons(
        hav, client, auth, csrf, monkeypatch):
    exam = make_exam(hav)
    grade = make_grade(hav, exam, hav.elev1, letter="D", published=date(2027, 1, 22))
    make_grade(hav, exam, hav.elev2, letter="B", published=date(2027, 1, 22))
    justification = _answered_justification(hav, grade, received=date(2027, 2, 1))
    case = _file_and_appoint(hav, client, auth, csrf, monkeypatch, grade)
    auth.login("sensor2")
    pages = {
        "home": client.get("/home"),
        "case": client.get(f"/cases/{case.id}"),
        "status": client.get(f"/cases/{case.id}/status"),
        "status-htmx": client.get(f"/cases/{case.id}/status", headers={"HX-Request": "true"}),
        "grades": client.get("/grades/exams"),
        "notifications": client.get("/notifications/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert JUSTIFICATION not in html and REASONS not in html, name
        assert not re.search(r"(?<![\w-])D(?![\w-])", _visible_text(html)), name
        assert "Påklaget karakter" not in html, name
    assert client.get(f"/grades/exams/{exam.id}").status_code == 404
    assert client.get(f"/cases/{justification.id}").status_code == 404
    assert client.get(f"/grade-appeals/new?grade={grade.id}").status_code == 404
    assert client.get("/grades/").get_data(as_text=True).count("Fiskehelse") == 0
    # The new grade: final, replaces the old one, and a new oral is flagged only when needed.
    r = post_form(client, csrf, f"/cases/{case.id}", f"/grade-appeals/{case.id}/regrade",
                  {"version": case.version, "grade": "B"})
    assert r.status_code == 303
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert JUSTIFICATION not in html and REASONS not in html
    assert not re.search(r"(?<![\w-])D(?![\w-])", _visible_text(html))
    # the timeline names the new examiner's part in words, as it does every role's
    assert "(Ny sensor)" in html and "new_examiner" not in _visible_text(html)
    old = Grade.get_by_id(grade.id)
    new = Grade.get_by_id(old.replaced_by_id)
    assert (new.grade, new.is_final, new.origin) == ("B", True, "regrading")
    assert Case.get_by_id(case.id).state == "regraded"
    auth.logout()
    auth.login("elev1")
    mine = client.get("/grades/").get_data(as_text=True)
    assert "endelig etter ny sensur" in mine
    assert not Event.select().where(Event.action == "new_oral_required").exists()


def test_new_oral_scheduled_when_written_part_changes(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, letter="C", published=date(2027, 2, 1),
                       has_oral_part=True)
    case = _file_and_appoint(hav, client, auth, csrf, monkeypatch, grade)
    auth.login("sensor3")
    r = post_form(client, csrf, f"/cases/{case.id}", f"/grade-appeals/{case.id}/regrade",
                  {"version": case.version, "grade": "E"})
    assert r.status_code == 303
    appeal = GradeAppeal.get()
    assert appeal.new_oral_required
    assert "muntlig eksamen" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    auth.logout()
    auth.login("eksamen")
    assert "ny muntlig eksamen skal settes opp" in client.get(
        f"/cases/{case.id}").get_data(as_text=True)


def test_access(hav, client, auth, csrf, monkeypatch):
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 2, 1))
    case = _file_and_appoint(hav, client, auth, csrf, monkeypatch, grade)
    for user in ("elev2", "sensor1", "rektor"):
        auth.login(user)
        assert client.get(f"/cases/{case.id}").status_code == 404, user
        auth.logout()
    auth.login("elev2")
    assert client.get(f"/grade-appeals/new?grade={grade.id}").status_code == 404


def _status_block(html):
    """The page's status block (or the fragment), whitespace aside."""
    block = re.search(r'<section id="case-status".*?</section>', html, flags=re.S).group(0)
    return " ".join(block.split())


def test_case_page_and_status_within_the_budget_and_alike(hav, client, auth, csrf, monkeypatch):
    """The status fragment builds only what the status block shows, and shows what the page
    shows there: the basics to the exam office, only the blind entries to a new examiner."""
    from tests.statements import statements

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 2, 1))
    _answered_justification(hav, grade, received=date(2027, 2, 3))
    case = _file(hav, client, auth, csrf, monkeypatch, grade)
    page, status = f"/cases/{case.id}", f"/cases/{case.id}/status"
    auth.login("eksamen")
    assert statements(client, page) <= 12 and statements(client, status) <= 12
    html = client.get(status).get_data(as_text=True)
    assert "Mottatt – hos eksamenskontoret" in html and "Klage mottatt (signert)" in html
    assert _status_block(html) == _status_block(client.get(page).get_data(as_text=True))
    auth.logout()
    case = _appoint(hav, client, auth, csrf, case)
    Event.create(case=case, actor=None, role="exam_office", action="new_oral_required",
                 state_before=case.state, state_after=case.state, text=REASONS)
    auth.login("sensor2")
    html = client.get(status).get_data(as_text=True)
    assert "Nye sensorer oppnevnt" in html and "Ny muntlig eksamen" not in html
    assert _status_block(html) == _status_block(client.get(page).get_data(as_text=True))


def test_an_appeal_while_the_justification_is_pending_is_on_time(hav, client, auth, csrf,
                                                                  monkeypatch):
    """Published Friday 22 January 2027, three weeks to appeal (to 12 February); the
    justification asked for on 25 January is still not given on Monday 15 February. The
    deadline runs from when it is received (domain.md §4), so the appeal sent that day is on
    time: no explanation asked for, not flagged late."""
    from portal.cases.engine import open_case

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    case = open_case("justification", school=hav.school, school_year=hav.year,
                     student=hav.elev1, title="Begrunnelse", actor=hav.elev1)
    JustificationRequest.create(case=case, grade=grade, requested_on=date(2027, 1, 25),
                                answer_due=date(2027, 2, 8))
    monkeypatch.setattr(cal, "today", lambda: date(2027, 2, 15))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    page = client.get(url).get_data(as_text=True)
    assert ("Du har bedt om begrunnelse. Når du får den, begynner klagefristen på nytt: du har "
            "da 3 uker fra den dagen du får begrunnelsen") in page
    assert "Fristen var" not in page and "Hvorfor kommer klagen for sent?" not in page
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                           "reasons": REASONS})
    assert r.status_code == 303
    appeal = GradeAppeal.get(GradeAppeal.grade == grade)
    assert (appeal.is_late, appeal.late_explanation) == (False, "")


RECEIVED_ALREADY = ("En klage på denne karakteren er allerede mottatt. Klagen du nettopp sendte, "
                    "er ikke registrert; her er den som er mottatt.")


def test_sent_again_from_a_form_loaded_before_one_appeal_is_filed(hav, client, auth, csrf,
                                                                  monkeypatch):
    """A second form, loaded before the first was sent and sent after it: nothing more is
    filed; the student is told the appeal is received already and led to it."""
    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _on(monkeypatch, date(2027, 1, 25))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    second = client.get(url).get_data(as_text=True)
    assert post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                              "reasons": REASONS}).status_code == 303
    r = client.post(url, data={"csrf_token": csrf(second), "confirm": "y", "password": "demo",
                               "reasons": "Andre grunner."})
    [case] = Case.select().where(Case.kind == "grade_appeal")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{case.id}")
    assert RECEIVED_ALREADY in client.get(r.headers["Location"]).get_data(as_text=True)
    assert GradeAppeal.get().reasons == REASONS


def test_two_tabs_appealing_at_the_same_moment_file_one_appeal(app, hav, client, auth, csrf,
                                                               monkeypatch):
    """The student appeals one grade from two tabs (two forms, each loaded anew) at the same
    moment. Both appeals are under way while another transaction holds the school year's case
    counter (PostgreSQL: its row, FOR UPDATE; SQLite: the one writer), which filing updates.
    One appeal is filed, and the exam office told once; the other tab is told it is received
    already and led to it. Without the student held and the appeal looked for again inside
    the filing's transaction, each found none and filed its own: two re-gradings of one
    grade."""
    from portal.models import CaseCounter, SchoolYear
    from portal.notifications.models import Notification
    from tests.tabs import one_form_sent_from_two_tabs_at_once

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _on(monkeypatch, date(2027, 1, 25))
    CaseCounter.create(school=hav.school, school_year=SchoolYear.current(hav.school),
                       last_number=0)
    auth.login("elev1")
    answers = one_form_sent_from_two_tabs_at_once(
        app, client, csrf, f"/grade-appeals/new?grade={grade.id}",
        {"confirm": "y", "password": "demo", "reasons": REASONS},
        CaseCounter.select(CaseCounter.id))
    [case] = Case.select().where(Case.kind == "grade_appeal")
    assert GradeAppeal.select().count() == 1
    assert [r.status_code for _tab, r in answers] == [303, 303]
    assert all(r.headers["Location"].endswith(f"/cases/{case.id}") for _tab, r in answers)
    told = [RECEIVED_ALREADY in tab.get(r.headers["Location"]).get_data(as_text=True)
            for tab, r in answers]
    assert sorted(told) == [False, True]
    assert [n.user_id for n in Notification.select().join(Case).where(
        Case.kind == "grade_appeal")] == [hav.eksamen.id]


def _withdraw(client, csrf, case, kind_path):
    """The student withdraws the appeal, confirming it."""
    assert post_form(client, csrf, f"/cases/{case.id}/withdraw",
                     f"/{kind_path}/{case.id}/withdraw",
                     {"version": Case.get_by_id(case.id).version, "confirmed": "yes"}
                     ).status_code == 303
    assert Case.get_by_id(case.id).state == "withdrawn"


def test_a_withdrawn_appeal_is_shown_and_the_grade_may_be_appealed_again(
        hav, client, auth, csrf, monkeypatch):
    """A student who withdrew an appeal may appeal again within the deadline (forvaltningsloven
    § 29). The grades page shows the withdrawn one as withdrawn and offers the appeal again;
    the form files a new appeal instead of leading to the withdrawn one, and that is the one
    appeal on the grade that stands: the form leads to it, the page shows it, and its new
    grade replaces the old one and is justified by its new examiners."""
    from portal.kinds.justification.views import earlier_setters, grade_setters
    from tests.statements import statements

    grade = make_grade(hav, make_exam(hav), hav.elev1, published=date(2027, 1, 22))
    _on(monkeypatch, date(2027, 1, 25))
    auth.login("elev1")
    url = f"/grade-appeals/new?grade={grade.id}"
    assert post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                              "reasons": "Første."}).status_code == 303
    first = Case.get(Case.kind == "grade_appeal")
    _withdraw(client, csrf, first, "grade-appeals")
    card = re.sub(r"\s+", " ", _card(client.get("/grades/").get_data(as_text=True), grade))
    assert (f'<a href="/cases/{first.id}">Din klage på karakteren</a>: '
            '<span class="badge state-withdrawn">Trukket tilbake</span>') in card
    assert f'href="{url}">Klag på karakteren på nytt<' in card
    assert "12. februar 2027" in card  # the deadline it is appealed again within
    assert statements(client, "/grades/") <= 12
    assert client.get(url).status_code == 200  # the form, not the withdrawn appeal
    r = post_form(client, csrf, url, url, {"confirm": "y", "password": "demo",
                                           "reasons": REASONS})
    again = Case.select().where((Case.kind == "grade_appeal") & (Case.id != first.id)).get()
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{again.id}")
    standing = GradeAppeal.select().join(Case).where(
        (GradeAppeal.grade == grade) & (Case.state != "withdrawn"))
    assert GradeAppeal.select().count() == 2 and [a.case_id for a in standing] == [again.id]
    card = _card(client.get("/grades/").get_data(as_text=True), grade)
    assert f'href="/cases/{again.id}"' in card and f'href="/cases/{first.id}"' not in card
    assert "/grade-appeals/new" not in card
    r = client.get(url)  # one at a time: led to the one that stands
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{again.id}")
    auth.logout()
    # re-graded: the new grade replaces the old one, set by the new examiners
    auth.login("eksamen")
    page = f"/cases/{again.id}"
    assert post_form(client, csrf, page, f"/grade-appeals/{again.id}/appoint", {
        "version": Case.get_by_id(again.id).version, "examiners": [hav.sensor2.id]}
    ).status_code == 303
    auth.logout()
    auth.login("sensor2")
    assert post_form(client, csrf, page, f"/grade-appeals/{again.id}/regrade", {
        "version": Case.get_by_id(again.id).version, "grade": "B"}).status_code == 303
    auth.logout()
    new = Grade.get_by_id(Grade.get_by_id(grade.id).replaced_by_id)
    assert GradeAppeal.get(GradeAppeal.case == again.id).new_grade_id == new.id
    assert grade_setters(new) == {hav.sensor2.id}
    assert hav.sensor1.id in earlier_setters(new)
    auth.login("elev1")
    card = re.sub(r"\s+", " ", _card(client.get("/grades/").get_data(as_text=True), new))
    assert f'<a href="/cases/{again.id}">Din klage på karakteren</a>' in card
    assert f'href="/cases/{first.id}"' not in card and "/grade-appeals/new" not in card
