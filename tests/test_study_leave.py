"""Selvstendig studiearbeid end to end through the test client, on real 2026-27 dates.

Today is pinned to Monday 23 November 2026: with the `vgs` lead time of 7 days, a first day
of Monday 30 November is the last one that can be applied for; Sunday 29 November is late.
"""

import io
import re
from datetime import date, datetime, timedelta

import pytest

from portal.kinds.study_leave import flow
from portal.kinds.study_leave.models import StudyLeave, TeacherAnswer
from portal.models import Attachment, Case, Decision, Event, Participant
from portal.rules.calendar import next_working_day, oslo_date
from portal.rules.deadlines import format_date
from tests.grading import summary_order

TODAY = date(2026, 11, 23)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
MONTHS_NB = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
             "september", "oktober", "november", "desember"]


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


class Portal:
    """The test client logged in as one person at a time."""

    def __init__(self, client, auth, csrf):
        self.client, self.auth, self.csrf = client, auth, csrf
        self.user = None

    def login(self, username):
        if self.user:
            self.auth.logout()
        self.auth.login(username)
        self.user = username
        return self

    def token(self):
        return self.csrf(self.client.get("/home").get_data(as_text=True))

    def apply(self, first="2026-11-30", last="2026-12-02", reason="Landsfinale i orientering",
              **extra):
        data = {"first_day": first, "last_day": last, "reason": reason,
                "csrf_token": self.token(), **extra}
        return self.client.post("/study-leave/new", data=data,
                                content_type="multipart/form-data")

    def step(self, case, path, version=None, **data):
        version = Case.get_by_id(case.id).version if version is None else version
        data = {"csrf_token": self.token(), "version": version, **data}
        return self.client.post(f"/study-leave/{case.id}/{path}", data=data,
                                content_type="multipart/form-data")

    def page(self, case):
        return self.client.get(f"/cases/{case.id}").get_data(as_text=True)


@pytest.fixture
def portal(client, auth, csrf, school):
    return Portal(client, auth, csrf)


def _case():
    return Case.select().order_by(Case.id.desc()).first()


def _state(case):
    return Case.get_by_id(case.id).state


def filed(portal, **kw):
    portal.login("elev1")
    response = portal.apply(**kw)
    assert response.status_code == 303, response.get_data(as_text=True)
    return _case()


def with_teachers(portal, school):
    case = filed(portal)
    portal.login("trinn1")
    assert portal.step(case, "decide", choice="grounds").status_code == 303
    return case


def _answer_form(answer, choice, text):
    """A teacher's answer form as their page has it now, with `choice` and `text` filled in."""
    p = f"a{answer.id}-"
    return {p + "version": Case.get_by_id(answer.case_id).version,
            p + "answered": flow.answered_token(TeacherAnswer.get_by_id(answer.id)),
            p + "choice": choice, p + "text": text}


def answered(portal, school, case, matte=("approve", "Oppgave 3.1–3.20.")):
    """Norsk's teacher approves, Matematikk's answers `matte` (choice, text)."""
    norsk, matte_answer = _answers(case)
    portal.login("laerer1")
    assert portal.step(case, f"teacher-answer/{norsk.id}", **_answer_form(
        norsk, "approve", "Les novellene i kapittel 4.")).status_code == 303
    portal.login("laerer2")
    assert portal.step(case, f"teacher-answer/{matte_answer.id}", **_answer_form(
        matte_answer, *matte)).status_code == 303
    return case


def granted(portal, school):
    case = answered(portal, school, with_teachers(portal, school))
    portal.login("trinn1")
    assert portal.step(case, "answer", choice="grant", text="Lykke til!").status_code == 303
    return case


def _after_the_period(portal, day=date(2026, 12, 3)):
    """Today moves on to `day` (default the day after the period of 30 Nov – 2 Dec)."""
    portal.client.application.config["PORTAL_TODAY"] = day


def _teacher_answer(case, answer, **kw):
    fresh = Case.get_by_id(case.id)
    return flow.teacher_answer(fresh, answer, seen=flow.answered_token(answer), **kw)


def _answers(case):
    rows = {a.subject.code: a for a in TeacherAnswer.select().where(TeacherAnswer.case == case)}
    return rows["NOR1260"], rows["MAT1021"]


# --- the application form --------------------------------------------------------------------


def test_form_shows_the_rule_and_the_earliest_first_day_before_any_input(portal):
    portal.login("elev1")
    html = portal.client.get("/study-leave/new").get_data(as_text=True)
    assert ("Søk senest 7 dager før første dag (jf. skolens rutine for selvstendig "
            "studiearbeid).") in html
    assert "Søker du i dag, kan første dag tidligst være 30. november 2026." in html
    assert "1STA" in html  # the class is known
    assert 'hx-get="/study-leave/deadline"' in html


@pytest.mark.parametrize("first, due, late", [
    ("2026-11-30", "23. november 2026", False),
    ("2026-11-29", "22. november 2026", True),
])
def test_deadline_fragment_follows_the_first_day(portal, first, due, late):
    portal.login("elev1")
    response = portal.client.get(f"/study-leave/deadline?first_day={first}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="deadline"')
    text = " ".join(html.split())
    assert f"<strong>Søknadsfrist: {due}.</strong>" in text  # the date once, then the rule
    assert (f"For en periode som begynner {format_date(date.fromisoformat(first))}, må "
            "søknaden sendes senest 7 dager før (jf. skolens rutine for selvstendig "
            "studiearbeid).") in text
    assert "Fristen er" not in text and text.count(due) == 1
    assert ("rule-late" in html) is late


def test_last_allowed_day_is_accepted_and_the_people_get_their_parts(portal, school):
    case = filed(portal)
    assert (case.kind, case.state, case.student_id) == ("study_leave", "submitted",
                                                         school.elev1.id)
    leave = StudyLeave.get(StudyLeave.case == case)
    assert (leave.first_day, leave.last_day) == (date(2026, 11, 30), date(2026, 12, 2))
    assert leave.school_class_id == school.klass.id
    parts = {(p.user.username, p.part) for p in Participant.select().where(
        Participant.case == case)}
    assert parts == {("elev1", "student"), ("laerer1", "contact_teacher"),
                     ("trinn1", "year_coordinator")}
    assert [e.action for e in Event.select().where(Event.case == case)] == ["file"]
    html = portal.page(case)
    assert "Søknaden er sendt" in html and "30. november 2026" in html


@pytest.mark.parametrize("first, last, field, message", [
    ("2026-11-29", "2026-12-01", "first_day",
     "måtte søknaden være sendt innen 22. november 2026 (7 dager, jf. skolens rutine"),
    ("2026-11-20", "2026-11-24", "first_day", "Perioden har allerede begynt"),
    ("2026-12-10", "2026-12-08", "last_day", "Siste dag (8. desember 2026) er før første dag"),
    ("2027-06-14", "2027-06-25", "last_day", "innenfor skoleåret 2026/2027"),
])
def test_bad_periods_are_refused_with_a_clear_message_and_the_input_kept(
        portal, first, last, field, message):
    portal.login("elev1")
    response = portal.apply(first=first, last=last, reason="Min egen begrunnelse")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert f'value="{first}"' in html and f'value="{last}"' in html
    assert "Min egen begrunnelse" in html
    assert Case.select().count() == 0


@pytest.mark.parametrize("first, last", [
    ("2026-12-05", "2026-12-06"),  # Saturday and Sunday
    ("2026-12-25", "2026-12-27"),  # Christmas Day (a Friday), then the weekend
    ("2026-12-21", "2026-12-24"),  # Monday to Thursday of the school's Christmas break
    ("2026-12-26", "2027-01-03"),  # the weekend, the break, New Year's Day, the weekend
    ("2027-05-17", "2027-05-17"),  # Constitution Day, a Monday
    ("2027-01-04", "2027-01-04"),  # a planning day (Monday)
])
def test_a_period_without_school_days_is_refused(portal, school, first, last):
    from portal.models import SchoolBreak

    SchoolBreak.create(school_year=school.year, name="Juleferie", first_day=date(2026, 12, 21),
                       last_day=date(2027, 1, 1))
    SchoolBreak.create(school_year=school.year, name="Planleggingsdag",
                       first_day=date(2027, 1, 4), last_day=date(2027, 1, 4))
    portal.login("elev1")
    response = portal.apply(first=first, last=last, reason="Min egen begrunnelse")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    shown = [format_date(date.fromisoformat(d)) for d in (first, last)]
    assert ((f"Perioden {shown[0]} – {shown[1]} har ingen skoledager: den faller på helg, "
             "helligdager eller skolens ferie- og fridager.") if first != last else (
            f"{shown[0]} er ingen skoledag: det er helg, en helligdag eller en av skolens "
            "ferie- og fridager.")) in html
    assert "Selvstendig studiearbeid gjelder dager med undervisning." in html
    assert 'id="first_day-error"' in html and "Min egen begrunnelse" in html
    assert Case.select().count() == 0


def test_a_period_with_one_school_day_beside_a_break_is_accepted(portal, school):
    from portal.models import SchoolBreak

    SchoolBreak.create(school_year=school.year, name="Juleferie", first_day=date(2026, 12, 21),
                       last_day=date(2027, 1, 1))
    portal.login("elev1")
    # Saturday 19 December to Monday 4 January: the weekend, the break and New Year's Day,
    # then Monday 4 January, the one school day
    assert portal.apply(first="2026-12-19", last="2027-01-04").status_code == 303
    assert (StudyLeave.get().first_day, StudyLeave.get().last_day) == (
        date(2026, 12, 19), date(2027, 1, 4))
    assert portal.apply(first="2027-05-18", last="2027-05-18").status_code == 303  # a Tuesday


def test_missing_reason_and_dates_name_the_fields(portal):
    portal.login("elev1")
    html = portal.apply(first="", last="", reason="").get_data(as_text=True)
    assert "Skriv hvorfor du søker" in html
    assert html.count("Skriv inn en dato") >= 2
    assert Case.select().count() == 0


def test_sports_event_needs_the_confirmation_and_keeps_it(portal):
    portal.login("elev1")
    html = portal.apply(is_sports_event="y", parents_informed="y").get_data(as_text=True)
    assert "legg ved bekreftelsen" in html
    assert Case.select().count() == 0
    bad = portal.apply(is_sports_event="y", confirmation=(io.BytesIO(b"hello"), "x.png"))
    assert bad.status_code == 422 and "JPEG, PNG eller HEIC" in bad.get_data(as_text=True)
    ok = portal.apply(is_sports_event="y", parents_informed="y", club_informed="y",
                      confirmation=(io.BytesIO(PNG), "bekreftelse.png"))
    assert ok.status_code == 303
    leave = StudyLeave.get()
    assert (leave.is_sports_event, leave.parents_informed, leave.club_informed) == (
        True, True, True)
    doc = Attachment.get()
    assert (doc.filename, doc.content_type, doc.purpose) == (
        "bekreftelse.png", "image/png", "sports_confirmation")


def test_a_late_application_is_told_so_with_the_other_errors(portal):
    """Late, with "sports event" ticked and no confirmation attached: both errors in the first
    answer, in the order the page shows the fields, and what was typed kept. "Too late" came
    only with the second send, once the confirmation was attached."""
    portal.login("elev1")
    response = portal.apply(first="2026-11-29", last="2026-12-01", reason="Cup i Bergen",
                            is_sports_event="y", club_informed="y")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_order(html) == ["first_day", "confirmation"]
    assert "For sent: for en periode som starter 29. november 2026" in html
    assert "legg ved bekreftelsen" in html
    assert 'value="2026-11-29"' in html and 'value="2026-12-01"' in html
    assert "Cup i Bergen" in html
    assert re.search(r'<input[^>]*checked[^>]*name="is_sports_event"|'
                     r'<input[^>]*name="is_sports_event"[^>]*checked', html)
    assert Case.select().count() == 0


def test_a_late_application_keeps_its_confirmation_through_the_errors(portal):
    """Late, the reason left out, the confirmation attached: both errors at once, the file
    kept for the next send, and the application sent with it once the first day is right."""
    portal.login("elev1")
    response = portal.apply(first="2026-11-29", last="", reason="", is_sports_event="y",
                            confirmation=(io.BytesIO(PNG), "bekreftelse.png"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_order(html) == ["first_day", "last_day", "reason"]
    assert "For sent: for en periode som starter 29. november 2026" in html
    assert "Tatt vare på fra forrige forsøk: bekreftelse.png" in html
    held = re.search(r'name="confirmation-held" value="([0-9a-f]+)"', html).group(1)
    assert portal.apply(reason="Cup i Bergen", is_sports_event="y",
                        **{"confirmation-held": held}).status_code == 303
    doc = Attachment.get()
    assert (doc.filename, bytes(doc.data), doc.purpose) == (
        "bekreftelse.png", PNG, "sports_confirmation")


def test_only_students_may_apply(portal):
    portal.login("trinn1")
    assert portal.client.get("/study-leave/new").status_code == 404
    assert portal.client.get("/study-leave/deadline?first_day=2026-11-30").status_code == 404


# --- who sees what ---------------------------------------------------------------------------


def test_contact_teacher_has_a_read_only_copy(portal):
    case = filed(portal)
    portal.login("laerer1")
    html = portal.page(case)
    assert "Landsfinale i orientering" in html
    assert "Hva du kan gjøre" not in html
    assert 'action="/study-leave' not in html
    assert portal.step(case, "decide", choice="grounds").status_code == 404
    assert _state(case) == "submitted"


@pytest.mark.parametrize("username", ["elev2", "elev3", "laerer2", "admin"])
def test_a_foreign_case_is_404(portal, username):
    case = filed(portal)
    portal.login(username)
    assert portal.client.get(f"/cases/{case.id}").status_code == 404
    assert portal.client.get(f"/cases/{case.id}/status").status_code == 404
    assert portal.step(case, "withdraw").status_code == 404
    assert portal.step(case, "decide", choice="refuse", text="Nei").status_code == 404


@pytest.mark.parametrize("path, data", [
    ("decide", {"choice": "grounds"}),
    ("answer", {"choice": "grant"}),
    ("finish", {"choice": "complete"}),
])
def test_student_cannot_take_the_coordinators_steps(portal, path, data):
    case = filed(portal)
    assert portal.step(case, path, **data).status_code == 404
    assert _state(case) == "submitted"


def test_coordinator_sees_the_facts_earlier_grants_with_dates(portal, school):
    first = granted(portal, school)
    portal.login("elev1")
    portal.apply(first="2026-12-14", last="2026-12-15", reason="NM i langrenn")
    second = _case()
    portal.login("trinn1")
    html = portal.page(second)
    assert "Fakta å vurdere" in html
    assert "Tidligere innvilgelser: 1." in html
    assert "30. november 2026 – 2. desember 2026" in html
    assert f'href="/cases/{first.id}"' in html
    portal.login("elev1")
    assert "Fakta å vurdere" not in portal.page(second)


def test_coordinator_sees_the_students_absence_per_subject(portal, school):
    from portal.absence import record_absence
    from portal.models import TeachingAssignment

    norsk = TeachingAssignment.get(TeachingAssignment.school_class == school.klass,
                                   TeachingAssignment.subject == school.norsk)
    for lesson in (1, 2, 3):
        record_absence(norsk, school.elev1, date(2026, 11, 16), lesson, by=school.laerer1)
    case = filed(portal)
    portal.login("trinn1")
    html = portal.page(case)
    assert "Norsk: 3 av 113 timer fravær" in html
    assert "Matematikk 1T: 0 av 140 timer fravær" in html
    assert "Dager holdt utenfor vitnemålet: 0 av 10." in html
    # the lines are kept (fragments.py): one more lesson absent shows at once
    record_absence(norsk, school.elev1, date(2026, 11, 17), 1, by=school.laerer1)
    html = portal.page(case)
    assert "Norsk: 4 av 113 timer fravær" in html and "Norsk: 3 av" not in html


def test_a_kept_absence_line_changes_with_anything_it_shows():
    """The key of a kept "Absence so far" line (flow.absence_line_key) differs whenever a
    value the line shows differs; what it does not show (the assignment, lessons
    documented as such) leaves it alone."""
    from dataclasses import replace

    from portal.absence.rules import SubjectFigures
    from portal.kinds.study_leave.flow import absence_line_key

    base = SubjectFigures(assignment_id=1, subject="Norsk", subject_code="NOR1260",
                          planned=113, planned_to_date=None, lessons_absent=3, late_minutes=0,
                          absent=3.0, undocumented=2.0)
    shown = [replace(base, subject="Engelsk"), replace(base, absent=4.0),
             replace(base, planned=140), replace(base, undocumented=1.0),
             replace(base, late_minutes=20), replace(base, warnings=["a warning"])]
    keys = {absence_line_key(f) for f in shown}
    assert len(keys) == len(shown) and absence_line_key(base) not in keys
    assert absence_line_key(replace(base, assignment_id=2, lessons_documented=1)) == \
        absence_line_key(base)


def test_the_absence_beside_the_application_counts_late_arrivals_in_both_figures(portal,
                                                                                 school):
    """"Geografi: 0 av 56 timer fravær (0.4 %)" contradicted itself: the count was whole
    lessons missed, the percentage counted 10 minutes late as part of a lesson. Both now count
    them, with the minutes named, in Norwegian numbers."""
    from portal.absence import record_absence
    from portal.models import Subject, TeachingAssignment

    geografi = Subject.create(school=school.school, code="GEO1001", name="Geografi")
    assignment = TeachingAssignment.create(teacher=school.laerer1, subject=geografi,
                                           school_class=school.klass, planned_lessons=56)
    record_absence(assignment, school.elev1, date(2026, 11, 16), 2, minutes_late=10)
    case = filed(portal)
    portal.login("trinn1")
    html = portal.page(case)
    assert ("Geografi: 0,2 av 56 timer fravær (0,4\u00a0%), 0,4\u00a0% udokumentert – herav "
            "10 min for sent") in html


def test_coordinator_queue_lists_the_new_application(portal):
    case = filed(portal)
    portal.login("trinn1")
    html = portal.client.get("/home").get_data(as_text=True)
    waiting = html.split('id="waiting-heading"')[1].split("</section>")[0]
    assert f"/cases/{case.id}" in waiting


# --- every transition ------------------------------------------------------------------------


def test_refusal_needs_reasons_then_is_a_decision_the_student_sees(portal):
    case = filed(portal)
    portal.login("trinn1")
    response = portal.step(case, "decide", choice="refuse", text="  ")
    assert response.status_code == 422
    assert "Skriv begrunnelsen for avslaget" in response.get_data(as_text=True)
    assert _state(case) == "submitted"
    assert portal.step(case, "decide", choice="refuse",
                       text="Årsaken ligner på ferie.").status_code == 303
    assert _state(case) == "refused"
    decision = Decision.get(Decision.case == case)
    assert (decision.outcome, decision.reasons, decision.rule_reference) == (
        "refused", "Årsaken ligner på ferie.", "jf. opplæringslova § 3-47")
    # 3 weeks from the day of the decision (today, whenever the suite runs), rolled past a
    # weekend or holiday; the rolling itself is tested on real dates in test_rules_*
    due = next_working_day(oslo_date(decision.decided_at) + timedelta(weeks=3))
    assert decision.appeal_deadline == due
    shown = f"{due.day}. {MONTHS_NB[due.month - 1]} {due.year}"
    for user in ("elev1", "laerer1"):
        portal.login(user)
        html = portal.page(case)
        assert "Årsaken ligner på ferie." in html and shown in html


def test_grounds_send_it_to_every_subject_teacher(portal, school):
    case = with_teachers(portal, school)
    assert _state(case) == "with_teachers"
    rows = list(TeacherAnswer.select().where(TeacherAnswer.case == case))
    assert {(r.subject.code, r.teacher.username, r.decision) for r in rows} == {
        ("NOR1260", "laerer1", None), ("MAT1021", "laerer2", None)}
    assert Participant.select().where((Participant.case == case)
                                      & (Participant.part == "teacher")).count() == 2
    portal.login("laerer2")  # now has a part: sees the case and a form for Matematikk only
    html = portal.page(case)
    assert "Send svaret for Matematikk 1T" in html and "Send svaret for Norsk" not in html


def test_teacher_answers_arrive_live_at_the_coordinator(portal, school):
    case = with_teachers(portal, school)
    portal.login("trinn1")
    first = portal.client.get(f"/cases/{case.id}/status")
    assert "0 av 2 lærere har svart" in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert portal.client.get(f"/cases/{case.id}/status",
                             headers={"If-None-Match": etag}).status_code == 304
    norsk, _matte = _answers(case)
    _teacher_answer(case, norsk, actor=school.laerer1,
                    approve=False, text="Heldagsprøve i perioden.")
    again = portal.client.get(f"/cases/{case.id}/status", headers={"If-None-Match": etag})
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "1 av 2 lærere har svart" in html and "Heldagsprøve i perioden." in html


def test_teacher_answer_needs_choice_and_text_and_only_for_own_subject(portal, school):
    case = with_teachers(portal, school)
    norsk, matte = _answers(case)
    portal.login("laerer1")
    bad = portal.step(case, f"teacher-answer/{norsk.id}", **{
        f"a{norsk.id}-version": Case.get_by_id(case.id).version, f"a{norsk.id}-choice": "approve",
        f"a{norsk.id}-text": ""})
    assert bad.status_code == 422 and "Skriv oppgavene" in bad.get_data(as_text=True)
    other = portal.step(case, f"teacher-answer/{matte.id}", **{
        f"a{matte.id}-version": Case.get_by_id(case.id).version, f"a{matte.id}-choice": "approve",
        f"a{matte.id}-text": "Ikke mitt fag"})
    assert other.status_code == 404
    assert TeacherAnswer.get_by_id(matte.id).decision is None


def _page_form(html, answer):
    """The hidden fields of the answer form as a page shows them: what a browser sends."""
    p = f"a{answer.id}-"
    return {p + name: re.search(rf'name="{p}{name}"[^>]*value="([^"]*)"', html).group(1)
            for name in ("version", "answered")}


def test_teachers_of_different_subjects_answer_side_by_side(portal, school):
    """Each teacher answers for their own subject: an answer to another subject since the
    page was loaded is no conflict, and every answer is kept."""
    case = with_teachers(portal, school)
    norsk, matte = _answers(case)
    portal.login("laerer2")
    opened_by_laerer2 = _page_form(portal.page(case), matte)
    portal.login("laerer1")
    assert portal.step(case, f"teacher-answer/{norsk.id}", **_answer_form(
        norsk, "approve", "Les kapittel 4.")).status_code == 303
    portal.login("laerer2")  # the page loaded before laerer1 answered
    response = portal.step(case, f"teacher-answer/{matte.id}", **opened_by_laerer2, **{
        f"a{matte.id}-choice": "decline", f"a{matte.id}-text": "Prøve i perioden."})
    assert response.status_code == 303
    assert "Noen andre endret saken" not in portal.client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert {(a.subject.code, a.decision, a.text) for a in TeacherAnswer.select()} == {
        ("NOR1260", "approved", "Les kapittel 4."), ("MAT1021", "declined", "Prøve i perioden.")}
    assert _state(case) == "with_teachers"
    assert Event.select().where(Event.action == "teacher_answer").count() == 2


@pytest.mark.parametrize("htmx", [False, True])
def test_an_answer_saved_meanwhile_from_another_window_is_a_conflict_and_keeps_the_text(
        portal, school, htmx):
    case = with_teachers(portal, school)
    norsk, _matte = _answers(case)
    portal.login("laerer1")
    window_a = _page_form(portal.page(case), norsk)
    window_b = dict(window_a)
    assert portal.step(case, f"teacher-answer/{norsk.id}", **window_a, **{
        f"a{norsk.id}-choice": "approve", f"a{norsk.id}-text": "Les kapittel 4."}
    ).status_code == 303
    headers = {"HX-Request": "true"} if htmx else {}
    response = portal.client.post(f"/study-leave/{case.id}/teacher-answer/{norsk.id}", data={
        "csrf_token": portal.token(), **window_b, f"a{norsk.id}-choice": "decline",
        f"a{norsk.id}-text": "Heldagsprøve 2. desember."}, headers=headers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ble lagret fra et annet vindu" in html and "godkjent – Les kapittel 4." in html
    assert "Heldagsprøve 2. desember.</textarea>" in html
    assert re.search(r'value="decline"[^>]*checked|checked[^>]*value="decline"', html)
    saved = TeacherAnswer.get_by_id(norsk.id)
    assert (saved.decision, saved.text) == ("approved", "Les kapittel 4.")
    assert Event.select().where(Event.action == "teacher_answer").count() == 1
    # sent again from the page it came back on, it replaces the saved answer knowingly
    again = _page_form(html, norsk)
    assert portal.step(case, f"teacher-answer/{norsk.id}", **again, **{
        f"a{norsk.id}-choice": "decline", f"a{norsk.id}-text": "Heldagsprøve 2. desember."}
    ).status_code == 303
    assert TeacherAnswer.get_by_id(norsk.id).text == "Heldagsprøve 2. desember."


def test_two_answers_to_one_subject_on_what_was_seen_do_not_both_win(portal, school):
    case = with_teachers(portal, school)
    norsk, _matte = _answers(case)
    seen = flow.answered_token(norsk)
    flow.teacher_answer(Case.get_by_id(case.id), norsk, actor=school.laerer1, seen=seen,
                        approve=True, text="Først.")
    with pytest.raises(flow.AnswerChanged):
        flow.teacher_answer(Case.get_by_id(case.id), norsk, actor=school.laerer1, seen=seen,
                            approve=False, text="Samtidig.")
    assert TeacherAnswer.get_by_id(norsk.id).text == "Først."
    # the refused step left no trace: no event, no version
    assert Event.select().where(Event.action == "teacher_answer").count() == 1
    assert Case.get_by_id(case.id).version == 3


def test_an_answer_after_the_case_moved_on_is_refused_and_keeps_the_text(portal, school):
    case = with_teachers(portal, school)
    norsk, _matte = _answers(case)
    portal.login("laerer1")
    form = _page_form(portal.page(case), norsk)
    portal.login("elev1")
    assert portal.step(case, "withdraw", confirmed="yes").status_code == 303
    portal.login("laerer1")
    response = portal.step(case, f"teacher-answer/{norsk.id}", **form, **{
        f"a{norsk.id}-choice": "approve", f"a{norsk.id}-text": "Les kapittel 4."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Svaret ditt ble ikke sendt" in html and "Trukket" in html
    assert "Les kapittel 4." in html
    assert TeacherAnswer.get_by_id(norsk.id).decision is None


def _waiting_on_home(portal, case) -> bool:
    """Whether the case is in the "Waiting for you" list of the logged-in user's home."""
    html = portal.client.get("/home").get_data(as_text=True)
    waiting = html.split('id="waiting-heading"', 1)[1].split('id="others-heading"', 1)[0]
    return f'href="/cases/{case.id}"' in waiting


def test_the_queue_waits_only_for_those_who_still_have_to_act(portal, school):
    case = with_teachers(portal, school)
    norsk, _matte = _answers(case)
    portal.login("trinn1")
    assert not _waiting_on_home(portal, case)  # the teachers have not answered yet
    portal.login("laerer1")
    assert _waiting_on_home(portal, case)
    assert portal.step(case, f"teacher-answer/{norsk.id}", **{
        f"a{norsk.id}-version": Case.get_by_id(case.id).version,
        f"a{norsk.id}-choice": "approve", f"a{norsk.id}-text": "Les kapittel 4."},
    ).status_code == 303
    assert not _waiting_on_home(portal, case)
    assert f'href="/cases/{case.id}"' in portal.client.get("/home").get_data(as_text=True)
    portal.login("laerer2")
    assert _waiting_on_home(portal, case)
    answered(portal, school, case)
    assert not _waiting_on_home(portal, case)
    portal.login("trinn1")
    assert _waiting_on_home(portal, case)


def test_a_granted_leave_waits_for_the_coordinator_only_after_its_period(app, portal, school):
    """Granted for 30 November – 2 December 2026: while the student works on the tasks the
    coordinator has nothing to do (approving and recording R opens the day after the last
    day), so the case is not among theirs waiting; from 3 December it is."""
    case = granted(portal, school)
    portal.login("trinn1")
    for day in (date(2026, 11, 23), date(2026, 12, 2)):
        app.config["PORTAL_TODAY"] = day
        assert not _waiting_on_home(portal, case), day
    app.config["PORTAL_TODAY"] = date(2026, 12, 3)
    assert _waiting_on_home(portal, case)


def test_a_granted_leave_is_shown_from_when_it_can_be_approved_never_late(app, portal,
                                                                          school):
    """The grant's date is when approval opens (3 December), not a deadline: a week after
    it the queue says "arbeidet kan godkjennes fra 3. des.", not days late (and so does the
    student's list), and no reminder counts down to it or calls it overdue. On 3 December
    the coordinator is told once that the case waits for them (the period has run; the work
    can be approved), and nobody else is."""
    from portal.notifications.models import SentReminder
    from portal.notifications.reminders import send_reminders

    case = granted(portal, school)
    portal.login("trinn1")
    told = _told_after_now(case)
    app.config["PORTAL_TODAY"] = date(2026, 12, 2)
    send_reminders(date(2026, 12, 2))  # (the student's own, of the tasks, may go out)
    assert told() == []
    for day in (date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 10)):
        app.config["PORTAL_TODAY"] = day
        send_reminders(day)
    assert told() == [("trinn1", "action_needed", "action_needed", date(2026, 12, 3))]
    html = portal.client.get("/home").get_data(as_text=True)
    row = html.split(f'href="/cases/{case.id}"', 1)[1].split("</li>", 1)[0]
    assert "arbeidet kan godkjennes fra 3. des" in row
    assert "forsinket" not in row and "frist" not in row
    assert not SentReminder.select().where(SentReminder.key.startswith("staff:")).exists()
    portal.login("elev1")  # the student reads what opens then, too
    html = portal.client.get("/home").get_data(as_text=True)
    row = html.split(f'href="/cases/{case.id}"', 1)[1].split("</li>", 1)[0]
    assert "arbeidet kan godkjennes fra 3. desember 2026" in row


def _told_after_now(case):
    """What the parts of `case` are told from now on, reminders of their own tasks and
    updates aside: a function giving (user, kind, text, due date) of each notice."""
    from portal.notifications.models import Notification

    since = Notification.select(Notification.created_at).order_by(
        Notification.created_at.desc()).scalar()
    return lambda: [
        (n.user.username, n.kind, n.text_key, n.due_on) for n in Notification.select()
        .where((Notification.case == case) & Notification.kind.not_in(
            ("case_update", "decision", "reminder")) & (Notification.created_at > since))]


@pytest.mark.parametrize("first_run, told", [
    (date(2026, 12, 5), True),   # the job missed two days: within the 2-day lead, caught up
    (date(2026, 12, 6), False),  # three days after: the case is in the list, not news
    (date(2027, 2, 1), False),   # the first run after a release, weeks later
])
def test_a_missed_opening_day_is_caught_up_only_within_the_lead_time(app, portal, school,
                                                                     first_run, told):
    from portal.notifications.reminders import send_reminders

    case = granted(portal, school)
    notices = _told_after_now(case)
    app.config["PORTAL_TODAY"] = first_run
    send_reminders(first_run)
    assert notices() == ([("trinn1", "action_needed", "action_needed", date(2026, 12, 3))]
                         if told else [])


def test_staff_answer_before_the_period_begins(app, portal, school):
    """Applied on 23 November for 30 November – 2 December 2026: staff owe the answer by 29
    November, the day before the period. The coordinator and the teachers read it at their
    forms, their queue shows it. A grant moves it to 3 December, the day after the period,
    when the coordinator approves the work; a refusal clears it."""
    case = filed(portal)
    assert Case.get_by_id(case.id).staff_due_on == date(2026, 11, 29)
    portal.login("trinn1")
    due = "Svar innen 29. november 2026, dagen før perioden begynner"
    assert due in portal.page(case)
    assert "frist 29. nov" in portal.client.get("/home").get_data(as_text=True).lower()
    case = with_teachers(portal, school)
    portal.login("laerer1")
    assert due in portal.page(case)
    portal.login("elev1")
    assert due not in portal.page(case)
    case = granted(portal, school)
    assert Case.get_by_id(case.id).staff_due_on == date(2026, 12, 3)
    refused = with_teachers(portal, school)
    answered(portal, school, refused)
    portal.login("trinn1")
    assert portal.step(refused, "answer", choice="refuse", text="For mye fravær.").status_code \
        == 303
    assert Case.get_by_id(refused.id).staff_due_on is None


def test_coordinator_answers_only_when_every_teacher_has(portal, school):
    case = with_teachers(portal, school)
    portal.login("trinn1")
    early = portal.step(case, "answer", choice="grant")
    assert early.status_code == 422
    assert "Vent til alle faglærerne har svart" in early.get_data(as_text=True)
    assert _state(case) == "with_teachers"


def test_grant_is_a_decision_with_the_tasks_and_a_teachers_refusal(portal, school):
    case = with_teachers(portal, school)
    norsk, matte = _answers(case)
    _teacher_answer(case, norsk, actor=school.laerer1,
                    approve=True, text="Les novellene i kapittel 4.")
    _teacher_answer(case, matte, actor=school.laerer2,
                    approve=False, text="Prøve i perioden.")
    portal.login("trinn1")
    assert portal.step(case, "answer", choice="grant", text="Lykke til!").status_code == 303
    assert _state(case) == "granted"
    decision = Decision.get(Decision.case == case)
    assert decision.outcome == "granted"
    assert "Les novellene i kapittel 4." in decision.reasons
    assert "Matematikk 1T (Lise Lærer) – læreren avslo: Prøve i perioden." in decision.reasons
    portal.login("elev1")
    html = portal.page(case)
    assert "Oppgaver i perioden" in html and "Merk Norsk som gjort" in html
    assert "Merk Matematikk 1T som gjort" not in html  # declined: no task


def test_the_documentation_of_the_period_is_opened_only_by_the_coordinator(portal, school):
    """It stands in for an absence note, so it may be a doctor's note: the subject teachers
    and the contact teacher (a copy of the case) do not open it; the year coordinator does,
    and the opening is logged."""
    from portal.models import AttachmentAccess

    case = granted(portal, school)
    portal.login("elev1")
    assert portal.step(case, "documentation",
                       document=(io.BytesIO(PNG), "legeerklaering.png")).status_code == 303
    attachment = Attachment.get(Attachment.case == case)
    assert attachment.is_health
    url = f"/cases/{case.id}/documents/{attachment.id}"
    for username in ("laerer1", "laerer2"):  # contact teacher and Norsk; Matematikk
        portal.login(username)
        assert portal.client.get(url).status_code == 404, username
    portal.login("trinn1")
    assert portal.client.get(url).status_code == 200
    assert [a.user.username for a in AttachmentAccess.select()] == ["trinn1"]


def test_documentation_sent_from_a_stale_page_is_kept_to_send_again(portal, school):
    """The case changed while the student chose the file (a task marked done in another
    tab): nothing is added, the page says why and holds the file; sent again as it stands,
    the held file is added and no longer held."""
    from portal.models import HeldUpload

    case = granted(portal, school)
    portal.login("elev1")
    seen = Case.get_by_id(case.id).version
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    r = portal.step(case, "documentation", version=seen,
                    document=(io.BytesIO(PNG), "legeerklaering.png"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Noen andre endret saken" in html
    assert "Dokumentasjonen er lagt til" not in html
    assert "Tatt vare på fra forrige forsøk: legeerklaering.png" in html
    token = re.search(r'name="document-held" value="([0-9a-f]+)"', html)[1]
    assert not Attachment.select().exists()
    r = portal.step(case, "documentation", **{"document-held": token})
    assert r.status_code == 303
    assert [(a.filename, a.purpose) for a in Attachment.select()] == [
        ("legeerklaering.png", "documentation")]
    assert not HeldUpload.select().exists()


def test_documentation_sent_twice_is_added_once(portal, school):
    """A double tap: the second send, from the same page, finds the file added by the first
    and says so, instead of holding it to be sent (and stored) again."""
    case = granted(portal, school)
    portal.login("elev1")
    seen = Case.get_by_id(case.id).version
    for _ in range(2):
        assert portal.step(case, "documentation", version=seen,
                           document=(io.BytesIO(PNG), "legeerklaering.png")).status_code == 303
    html = portal.page(case)
    assert "Filen legeerklaering.png ligger allerede i saken" in html
    assert [a.filename for a in Attachment.select()] == ["legeerklaering.png"]


@pytest.mark.parametrize("change", ["older", "other_purpose"])
def test_the_same_file_added_long_ago_or_for_another_purpose_is_no_second_send(
        portal, school, change):
    """The review's case: a club's confirmation sent with the application, or a file sent
    long ago, is not this form's first send: sent again from an out-of-date page it is held
    to send, not called "already in the case"."""
    case = granted(portal, school)
    portal.login("elev1")
    seen = Case.get_by_id(case.id).version
    assert portal.step(case, "documentation", version=seen,
                       document=(io.BytesIO(PNG), "legeerklaering.png")).status_code == 303
    if change == "older":
        first = Attachment.get()
        first.created_at -= timedelta(minutes=11)
        first.save()
    else:
        Attachment.update(purpose="sports_confirmation").execute()
    r = portal.step(case, "documentation", version=seen,
                    document=(io.BytesIO(PNG), "legeerklaering.png"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "ligger allerede i saken" not in html
    assert "Tatt vare på fra forrige forsøk: legeerklaering.png" in html


def test_documentation_for_a_case_closed_meanwhile_names_the_file_not_sent(portal, school):
    case = granted(portal, school)
    portal.login("elev1")
    seen = Case.get_by_id(case.id).version
    portal.login("trinn1")
    assert portal.step(case, "finish", choice="close",
                       text="Oppgavene ble ikke levert.").status_code == 303
    portal.login("elev1")
    r = portal.step(case, "documentation", version=seen,
                    document=(io.BytesIO(PNG), "legeerklaering.png"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Ikke sendt: det du skrev" in html
    unsent = html.split("Ikke sendt: det du skrev", 1)[1].split("</section>", 1)[0]
    assert "Dokumentasjon for perioden" in unsent and "legeerklaering.png" in unsent
    assert 'name="document-held"' not in html and not Attachment.select().exists()


def test_coordinator_may_refuse_after_the_answers(portal, school):
    case = answered(portal, school, with_teachers(portal, school))
    portal.login("trinn1")
    assert portal.step(case, "answer", choice="refuse").status_code == 422
    assert portal.step(case, "answer", choice="refuse", text="For mye fravær.").status_code == 303
    assert _state(case) == "refused"
    assert Decision.get(Decision.case == case).outcome == "refused"


def test_tasks_documentation_and_registering_r(portal, school):
    case = granted(portal, school)
    norsk, matte = _answers(case)
    portal.login("elev1")
    assert portal.step(case, "documentation").status_code == 422
    assert portal.step(case, "documentation",
                       document=(io.BytesIO(PNG), "timeplan.png")).status_code == 303
    assert Attachment.get(Attachment.case == case).purpose == "documentation"
    assert portal.step(case, f"task-done/{norsk.id}").status_code == 303
    portal.login("trinn1")
    _after_the_period(portal)
    early = portal.step(case, "finish", choice="complete")
    assert early.status_code == 422 and "Matematikk 1T" in early.get_data(as_text=True)
    assert _state(case) == "granted"
    portal.login("elev1")
    assert portal.step(case, f"task-done/{matte.id}").status_code == 303
    assert TeacherAnswer.select().where(TeacherAnswer.done).count() == 2
    portal.login("trinn1")
    assert portal.step(case, "finish", choice="complete", text="Vist fram.").status_code == 303
    assert _state(case) == "completed"
    assert StudyLeave.get(StudyLeave.case == case).registered_r_at is not None
    actions = [e.action for e in Event.select().where(Event.case == case).order_by(Event.id)]
    assert actions == ["file", "grounds", "teacher_answer", "teacher_answer", "grant",
                       "add_documentation", "task_done", "task_done", "complete"]
    portal.login("elev1")
    assert "Godkjent og ført som R" in portal.page(case)


def _absence_note(portal, first, last, category="R", username="elev1"):
    """`username` files an absence note for whole days; its case."""
    portal.login(username)
    response = portal.client.post("/absence-notes/new", data={
        "csrf_token": portal.token(), "category": category, "scope": "days",
        "first_day": first, "last_day": last,
        "document": (io.BytesIO(PNG), "bekreftelse.png")}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    return Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()


def test_the_absence_note_form_opens_filled_in_for_the_period(portal, school):
    case = granted(portal, school)
    portal.login("elev1")
    html = portal.page(case)
    link = re.search(r'href="(/absence-notes/new\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"school={school.school.id}" in link  # the case's school, for a student at several
    form = portal.client.get(link).get_data(as_text=True)
    assert 'value="2026-11-30"' in form and 'value="2026-12-02"' in form
    assert re.search(r'<input[^>]*checked[^>]*value="R"|<input[^>]*value="R"[^>]*checked', form)


def test_student_links_an_absence_note_covering_the_period(portal, school):
    case = granted(portal, school)
    outside = _absence_note(portal, "2026-12-07", "2026-12-08")
    note = _absence_note(portal, "2026-11-30", "2026-12-02")
    html = portal.page(case)
    assert "Ingen fraværsmelding er koblet til ennå." in html
    assert f'value="{note.id}"' in html and f'value="{outside.id}"' not in html
    refused = portal.step(case, "absence-note", note=outside.id)
    assert refused.status_code == 422
    assert "Velg en av fraværsmeldingene dine som dekker perioden." in refused.get_data(
        as_text=True)
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id is None
    assert portal.step(case, "absence-note", note=note.id).status_code == 303
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id == note.id
    event = Event.select().where(Event.case == case).order_by(Event.id.desc()).get()
    assert (event.action, event.text) == ("link_absence_note", note.reference)
    assert f"Koblet til: {note.reference}." in portal.page(case)
    portal.login("trinn1")
    html = portal.page(case)
    assert note.reference in html and "Ingen fraværsmelding er koblet til" not in html


def test_a_note_of_another_student_cannot_be_linked(portal, school):
    case = granted(portal, school)
    foreign = _absence_note(portal, "2026-11-30", "2026-12-02", username="elev2")
    portal.login("elev1")
    assert portal.step(case, "absence-note", note=foreign.id).status_code == 422
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id is None
    portal.login("elev2")
    assert portal.step(case, "absence-note", note=foreign.id).status_code == 404


def _note_link(portal, case):
    """The link to the absence-note form on the student's page of `case` (query decoded)."""
    html = portal.page(case)
    return re.search(r'href="(/absence-notes/new\?[^"]+)"', html).group(1).replace("&amp;", "&")


def _send_note(portal, url, first="2026-11-30", last="2026-12-02"):
    """The absence-note form at `url` sent, as its page sends it (to its own address)."""
    return portal.client.post(url, data={
        "csrf_token": portal.token(), "category": "R", "scope": "days",
        "first_day": first, "last_day": last,
        "document": (io.BytesIO(PNG), "bekreftelse.png")}, content_type="multipart/form-data")


def _newest_note():
    return Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()


def test_a_note_sent_from_the_application_is_linked_to_it_at_once(portal, school):
    """"Write an absence note for the period": the note sent from that form is linked to the
    application as the link step links it, in the same transaction, and the student is back
    on the application, which names it. It said "No absence note is linked yet" until the
    student went back and linked it by hand."""
    case = granted(portal, school)
    portal.login("elev1")
    url = _note_link(portal, case)
    assert f"study_leave={case.id}" in url
    form = portal.client.get(url).get_data(as_text=True)
    assert ("Når du sender meldingen, blir den koblet til søknaden din om selvstendig "
            f"studiearbeid {case.reference} (30. november 2026 – 2. desember 2026).") in form
    response = _send_note(portal, url)
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}"
    note = _newest_note()
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id == note.id
    event = Event.select().where(Event.case == case).order_by(Event.id.desc()).get()
    assert (event.action, event.text, event.data, event.actor_id) == (
        "link_absence_note", note.reference, {"absence_note": note.id}, school.elev1.id)
    assert Event.get(Event.case == note).action == "file"
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Fraværsmeldingen er sendt og koblet til søknaden din om selvstendig "
            "studiearbeid.") in html
    assert f"Koblet til: {note.reference}." in html
    assert "Ingen fraværsmelding er koblet til ennå." not in html


def test_a_note_for_other_days_is_sent_and_the_student_told_why_it_is_not_linked(
        portal, school):
    """The dates changed in the form so that the note no longer covers the period: the link
    step's own check refuses it, the note is filed all the same, and the student learns why
    it was not linked and how to link one."""
    case = granted(portal, school)
    portal.login("elev1")
    version = Case.get_by_id(case.id).version
    response = _send_note(portal, _note_link(portal, case), "2026-12-07", "2026-12-08")
    note = _newest_note()
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{note.id}"
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id is None
    assert Case.get_by_id(case.id).version == version  # (no event in the application)
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fraværsmeldingen er sendt." in html
    assert (f"Den ble ikke koblet til søknaden din om selvstendig studiearbeid {case.reference}: "
            "bare en fraværsmelding fra deg for dager i perioden, 30. november 2026 – 2. "
            "desember 2026, kan kobles til. For å koble til en, åpne søknaden: velg en melding "
            "for perioden under «Fraværsmelding for perioden», eller skriv en der.") in html


def test_a_note_sent_after_the_application_was_withdrawn_is_not_linked(portal, school):
    """The form opened from the granted application, the application withdrawn in another
    tab, then the note sent: it is filed, not linked, and the student told why."""
    case = granted(portal, school)
    portal.login("elev1")
    url = _note_link(portal, case)
    assert portal.step(case, "withdraw", confirmed="yes").status_code == 303
    assert "blir den koblet til" not in portal.client.get(url).get_data(as_text=True)
    response = _send_note(portal, url)
    note = _newest_note()
    assert response.headers["Location"] == f"/cases/{note.id}"
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id is None
    assert (f"Den ble ikke koblet til søknaden din om selvstendig studiearbeid {case.reference}: "
            "søknaden er nå «Trukket tilbake», og en fraværsmelding kan bare kobles til mens "
            "søknaden er innvilget.") in portal.client.get(
                response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("forged", ["other", "999999", "99999999999999999999", "1x", "-1", ""])
def test_a_foreign_or_forged_application_in_the_link_is_as_if_none_were_given(
        portal, school, forged):
    """Another student's application (or no application) named in the link: the note is
    filed as any other, nothing is linked, and nothing tells of the application."""
    case = granted(portal, school)
    portal.login("elev1")
    url = _note_link(portal, case)
    if forged == "other":
        portal.login("elev2")
    else:
        url = url.replace(f"study_leave={case.id}", f"study_leave={forged}")
    form = portal.client.get(url)
    assert form.status_code == 200 and case.reference not in form.get_data(as_text=True)
    response = _send_note(portal, url)
    note = _newest_note()
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{note.id}"
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fraværsmeldingen er sendt." in html and case.reference not in html
    assert "koblet til" not in html
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id is None
    # the student whose application it is still links a note from it
    portal.login("elev1")
    assert _send_note(portal, _note_link(portal, case)).headers["Location"] == (
        f"/cases/{case.id}")
    assert StudyLeave.get(StudyLeave.case == case).absence_note_id == _newest_note().id


def test_completion_records_the_period_as_r_in_the_absence_register(portal, school):
    from portal.absence import absence_summary, record_absence
    from portal.absence.models import AbsenceRecord
    from portal.models import TeachingAssignment

    norsk = TeachingAssignment.get(TeachingAssignment.school_class == school.klass,
                                   TeachingAssignment.subject == school.norsk)
    case = granted(portal, school)
    record_absence(norsk, school.elev1, date(2026, 12, 1), 2, by=school.laerer1)
    record_absence(norsk, school.elev1, date(2026, 12, 3), 1, by=school.laerer1)  # after it
    assert absence_summary(school.elev1, school.year).subjects[1].lessons_absent == 2
    portal.login("elev1")
    for answer in _answers(case):
        assert portal.step(case, f"task-done/{answer.id}").status_code == 303
    portal.login("trinn1")
    _after_the_period(portal)
    assert portal.step(case, "finish", choice="complete", text="Vist fram.").status_code == 303
    inside = AbsenceRecord.get(AbsenceRecord.date == date(2026, 12, 1))
    after = AbsenceRecord.get(AbsenceRecord.date == date(2026, 12, 3))
    assert (inside.category, after.category) == ("R", None)
    figures = {f.subject: f for f in absence_summary(school.elev1, school.year).subjects}
    assert figures["Norsk"].lessons_absent == 1
    assert "Perioden er ført som R" in portal.page(case)


def test_completion_records_r_only_where_the_teacher_approved(portal, school):
    """Norsk approves, Matematikk declines: the completed leave is R in Norsk's lessons
    only; Matematikk's lessons in the period stay absence, recorded before the completion
    or after it, and the page says so."""
    from portal.absence import record_absence
    from portal.absence.models import AbsenceRecord
    from portal.models import TeachingAssignment

    def assignment(subject):
        return TeachingAssignment.get(TeachingAssignment.school_class == school.klass,
                                      TeachingAssignment.subject == subject)

    norsk, matte = assignment(school.norsk), assignment(school.matte)
    case = answered(portal, school, with_teachers(portal, school),
                    matte=("decline", "Heldagsprøve 1. desember."))
    norsk_answer = _answers(case)[0]
    portal.login("trinn1")
    assert portal.step(case, "answer", choice="grant", text="Lykke til!").status_code == 303
    record_absence(norsk, school.elev1, date(2026, 12, 1), 2, by=school.laerer1)
    record_absence(matte, school.elev1, date(2026, 12, 1), 3, by=school.laerer2)
    portal.login("elev1")
    assert portal.step(case, f"task-done/{norsk_answer.id}").status_code == 303
    portal.login("trinn1")
    _after_the_period(portal)
    assert "R føres bare i fagene der faglæreren godkjente (Norsk)" in portal.page(case)
    assert portal.step(case, "finish", choice="complete", text="Vist fram.").status_code == 303
    record_absence(norsk, school.elev1, date(2026, 12, 2), 1, by=school.laerer1)
    record_absence(matte, school.elev1, date(2026, 12, 2), 4, by=school.laerer2)
    categories = {(r.assignment_id, r.date): r.category for r in AbsenceRecord.select()}
    assert categories == {(norsk.id, date(2026, 12, 1)): "R", (norsk.id, date(2026, 12, 2)): "R",
                          (matte.id, date(2026, 12, 1)): None,
                          (matte.id, date(2026, 12, 2)): None}
    assert ("Perioden er ført som R (organisert studiearbeid) i fraværsregisteret i Norsk. "
            "I Matematikk 1T, der faglæreren avslo, står timene som fravær.") in portal.page(case)


def test_an_r_note_for_the_period_does_not_make_a_declined_subject_r(portal, school):
    """The student's absence note for the period (R, as the case page fills it in) is
    accepted for whole days; once the leave is completed, Matematikk, whose teacher declined,
    keeps its lessons as documented absence, and Norsk's are R."""
    from portal.absence import record_absence
    from portal.absence.models import AbsenceRecord
    from portal.models import TeachingAssignment

    case = answered(portal, school, with_teachers(portal, school),
                    matte=("decline", "Heldagsprøve 1. desember."))
    portal.login("trinn1")
    assert portal.step(case, "answer", choice="grant", text="Lykke til!").status_code == 303
    note = _absence_note(portal, "2026-11-30", "2026-12-02")
    portal.login("laerer1")  # the contact teacher accepts the note
    assert portal.client.post(f"/absence-notes/{note.id}/review", data={
        "csrf_token": portal.token(), "action": "accept", "text": "",
        "version": Case.get_by_id(note.id).version}).status_code == 303
    lessons = {}
    for subject, lesson in ((school.norsk, 2), (school.matte, 3)):
        a = TeachingAssignment.get(TeachingAssignment.school_class == school.klass,
                                   TeachingAssignment.subject == subject)
        lessons[subject.id] = record_absence(a, school.elev1, date(2026, 12, 1), lesson).id

    def flags():
        return {s: (r.category, r.documented) for s, r in (
            (s, AbsenceRecord.get_by_id(i)) for s, i in lessons.items())}

    assert flags() == {school.norsk.id: ("R", True), school.matte.id: ("R", True)}
    portal.login("elev1")
    assert portal.step(case, f"task-done/{_answers(case)[0].id}").status_code == 303
    portal.login("trinn1")
    _after_the_period(portal)
    assert portal.step(case, "finish", choice="complete", text="Vist fram.").status_code == 303
    assert flags() == {school.norsk.id: ("R", True), school.matte.id: (None, True)}


@pytest.mark.parametrize("day", [TODAY, date(2026, 12, 2)])
def test_completion_waits_until_the_period_has_ended(portal, school, day):
    """The period of 30 November – 2 December is recorded as R from 3 December: not before
    it has run, nor on its last day; closing as not completed stays open meanwhile."""
    case = granted(portal, school)
    portal.login("elev1")
    for answer in _answers(case):
        assert portal.step(case, f"task-done/{answer.id}").status_code == 303
    _after_the_period(portal, day)
    portal.login("trinn1")
    hint = portal.page(case)
    assert (f"Du kan godkjenne arbeidet og føre perioden som R fra "
            f"{format_date(date(2026, 12, 3))}") in hint
    refused = portal.step(case, "finish", choice="complete", text="Vist fram.")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert (f"Perioden varer til {format_date(date(2026, 12, 2))}: arbeidet kan godkjennes "
            f"og perioden føres som R fra {format_date(date(2026, 12, 3))}") in html
    assert "Vist fram.</textarea>" in html
    assert _state(case) == "granted"
    assert StudyLeave.get(StudyLeave.case == case).registered_r_at is None
    _after_the_period(portal)
    assert "Du kan godkjenne arbeidet" not in portal.page(case)
    assert portal.step(case, "finish", choice="complete", text="Vist fram.").status_code == 303
    assert _state(case) == "completed"


def test_closing_as_not_completed_leaves_the_absence_as_absence(portal, school):
    from portal.absence import record_absence
    from portal.absence.models import AbsenceRecord
    from portal.models import TeachingAssignment

    norsk = TeachingAssignment.get(TeachingAssignment.school_class == school.klass,
                                   TeachingAssignment.subject == school.norsk)
    case = granted(portal, school)
    record_absence(norsk, school.elev1, date(2026, 12, 1), 2, by=school.laerer1)
    portal.login("trinn1")
    assert portal.step(case, "finish", choice="close", text="Ikke vist.").status_code == 303
    assert AbsenceRecord.get(AbsenceRecord.date == date(2026, 12, 1)).category is None


def test_close_as_not_completed_needs_a_reason(portal, school):
    case = granted(portal, school)
    portal.login("trinn1")
    assert portal.step(case, "finish", choice="close").status_code == 422
    assert portal.step(case, "finish", choice="close",
                       text="Oppgavene ble ikke levert.").status_code == 303
    assert _state(case) == "not_completed"


@pytest.mark.parametrize("stage", ["submitted", "with_teachers"])
def test_student_can_withdraw_before_the_answer(portal, school, stage):
    case = filed(portal) if stage == "submitted" else with_teachers(portal, school)
    portal.login("elev1")
    unconfirmed = portal.step(case, "withdraw")  # asked to confirm first: nothing changes
    assert unconfirmed.headers["Location"].endswith(f"/cases/{case.id}/withdraw")
    assert _state(case) == stage
    assert portal.step(case, "withdraw", confirmed="yes").status_code == 303
    assert _state(case) == "withdrawn"
    assert Event.select().where((Event.case == case) & (Event.action == "withdraw")).exists()


def test_no_withdrawal_after_a_refusal(portal, school):
    case = answered(portal, school, with_teachers(portal, school))
    portal.login("trinn1")
    assert portal.step(case, "answer", choice="refuse", text="Ikke grunnlag.").status_code == 303
    portal.login("elev1")
    response = portal.step(case, "withdraw", confirmed="yes")  # a page open since before
    assert response.status_code == 303
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ikke lenger mulig" in html
    response = portal.client.get(f"/cases/{case.id}/withdraw", follow_redirects=True)
    assert "Det steget er ikke mulig nå" in response.get_data(as_text=True)
    assert _state(case) == "refused"


# The period of granted() is 30 November – 2 December 2026: the student may withdraw the
# granted application until Sunday 29 November, the day before it begins (vgs profile's
# study_leave_withdrawal), not from the first day on.
WITHDRAWAL_RULE = "jf. skolens egen regel for selvstendig studiearbeid"
TOO_LATE = ("Du kan ikke lenger trekke søknaden: en innvilget søknad kan trekkes til og med "
            "29. november 2026, 1 dag før første dag i perioden (30. november 2026), "
            f"{WITHDRAWAL_RULE}.")


def _withdraw_events(case):
    return list(Event.select().where((Event.case == case) & (Event.action == "withdraw")))


def _told_of_withdrawal(case):
    from portal.notifications.models import Notification

    return sorted(n.user.username for n in Notification.select().where(
        (Notification.case == case) & (Notification.text_key == "withdrawn")))


@pytest.mark.parametrize("day", [TODAY, date(2026, 11, 29)])
def test_a_granted_application_can_be_withdrawn_until_the_day_before_the_period(
        portal, school, day):
    case = granted(portal, school)
    portal.client.application.config["PORTAL_TODAY"] = day
    portal.login("elev1")
    html = portal.page(case)
    assert ("Du kan trekke søknaden til og med 29. november 2026, 1 dag før perioden begynner "
            f"({WITHDRAWAL_RULE}).") in html
    assert f'href="/cases/{case.id}/withdraw"' in html
    confirm = portal.client.get(f"/cases/{case.id}/withdraw")
    assert confirm.status_code == 200 and "Vil du trekke saken?" in confirm.get_data(as_text=True)
    response = portal.step(case, "withdraw", confirmed="yes")
    assert response.status_code == 303
    assert "Søknaden din er trukket." in portal.client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert _state(case) == "withdrawn"
    [event] = _withdraw_events(case)
    assert (event.state_before, event.state_after, event.actor_id) == (
        "granted", "withdrawn", school.elev1.id)
    # the coordinator and the subject teachers who set the tasks learn that it is gone
    assert _told_of_withdrawal(case) == ["laerer1", "laerer2", "trinn1"]


@pytest.mark.parametrize("day", [date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 3)])
def test_a_granted_application_cannot_be_withdrawn_once_the_period_has_begun(
        portal, school, day):
    case = granted(portal, school)
    version = Case.get_by_id(case.id).version
    portal.client.application.config["PORTAL_TODAY"] = day
    portal.login("elev1")
    html = portal.page(case)
    assert f'href="/cases/{case.id}/withdraw"' not in html  # no link, but the rule
    assert TOO_LATE in html
    # the confirmation page (a bookmark) says why, instead of asking
    response = portal.client.get(f"/cases/{case.id}/withdraw")
    assert response.status_code == 303
    assert TOO_LATE in portal.client.get(response.headers["Location"]).get_data(as_text=True)
    # sent from a page loaded the day before: refused with the rule and its dates
    response = portal.step(case, "withdraw", version=version, confirmed="yes")
    assert response.status_code == 303
    assert TOO_LATE in portal.client.get(response.headers["Location"]).get_data(as_text=True)
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("granted", version)  # nothing stored
    assert _withdraw_events(case) == [] and _told_of_withdrawal(case) == []


def test_the_withdrawal_rule_is_checked_in_the_step_itself(portal, school):
    """Not only on the page: flow.withdraw refuses from the first day, inside its
    transaction, and leaves no trace."""
    case = granted(portal, school)
    _after_the_period(portal, date(2026, 11, 30))
    fresh = Case.get_by_id(case.id)
    version = fresh.version
    with portal.client.application.test_request_context():
        with pytest.raises(flow.StepRefused, match="29. november 2026"):
            flow.withdraw(fresh, actor=school.elev1, version=fresh.version)
        fresh = Case.get_by_id(case.id)
        assert flow.withdrawal_refused(fresh) is not None
        portal.client.application.config["PORTAL_TODAY"] = date(2026, 11, 29)
        assert flow.withdrawal_refused(fresh) is None
    assert Case.get_by_id(case.id).version == version
    assert _withdraw_events(case) == []


def test_a_withdrawal_sent_twice_withdraws_once(portal, school):
    """A double click, or the confirmation sent from two tabs: the second send finds the
    application withdrawn and says so, without a second event."""
    case = granted(portal, school)
    version = Case.get_by_id(case.id).version
    portal.login("elev1")
    assert portal.step(case, "withdraw", version=version, confirmed="yes").status_code == 303
    response = portal.step(case, "withdraw", version=version, confirmed="yes")
    assert response.status_code == 303
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Søknaden din er trukket." in html and "Noen andre endret saken" not in html
    assert len(_withdraw_events(case)) == 1
    assert _told_of_withdrawal(case) == ["laerer1", "laerer2", "trinn1"]


def test_a_withdrawal_after_the_coordinator_closed_the_case_is_refused(portal, school):
    case = granted(portal, school)
    seen = Case.get_by_id(case.id).version  # the student's page
    portal.login("trinn1")
    assert portal.step(case, "finish", choice="close", text="Avtalt med eleven.").status_code \
        == 303
    portal.login("elev1")
    response = portal.step(case, "withdraw", version=seen, confirmed="yes")
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Det er ikke lenger mulig: saken er nå «Avsluttet – ikke fullført»" in html
    assert _state(case) == "not_completed" and _withdraw_events(case) == []


@pytest.mark.parametrize("staff_step", ["close", "withdraw"])
def test_the_student_and_staff_acting_at_once_cannot_both_win(app, portal, school,
                                                              staff_step):
    """The student withdraws the granted application while the coordinator closes it (or
    the same withdrawal is sent twice at once): exactly one step is taken, with its one
    event; the other finds the case changed."""
    import threading

    from portal.cases.engine import StaleCase
    from portal.db import database

    case = granted(portal, school)
    events_before = Event.select().where(Event.case == case).count()
    barrier = threading.Barrier(2)
    outcomes = []

    def act(step):
        with app.app_context(), database.connection_context():
            mine = Case.get_by_id(case.id)
            barrier.wait()
            try:
                if step == "close":
                    flow.close(mine, actor=school.trinn, version=mine.version, text="Lukket.")
                else:
                    flow.withdraw(mine, actor=school.elev1, version=mine.version)
                outcomes.append(("won", step))
            except StaleCase:
                outcomes.append(("stale", step))

    threads = [threading.Thread(target=act, args=(step,)) for step in ("withdraw", staff_step)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(result for result, _step in outcomes) == ["stale", "won"]
    winner = next(step for result, step in outcomes if result == "won")
    stored = Case.get_by_id(case.id)
    assert stored.state == {"close": "not_completed", "withdraw": "withdrawn"}[winner]
    assert Event.select().where(Event.case == case).count() == events_before + 1


def test_a_stale_page_is_refused_with_a_clear_message(portal, school):
    case = filed(portal)
    stale_version = Case.get_by_id(case.id).version
    portal.login("trinn1")
    assert portal.step(case, "decide", choice="grounds").status_code == 303
    portal.login("elev1")  # the student's tab still shows the old version
    response = portal.step(case, "withdraw", version=stale_version, confirmed="yes")
    html = portal.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Noen andre endret saken" in html
    assert _state(case) == "with_teachers"


def test_a_stale_decision_keeps_what_the_coordinator_wrote(portal, school):
    """Someone else changed the application while the coordinator wrote the refusal: the
    page comes back as it is now with the refusal in the form, at the new version. When the
    student has withdrawn it meanwhile, the refusal is shown as not sent."""
    case = filed(portal)
    seen = Case.get_by_id(case.id).version
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    portal.login("trinn1")
    reasons = "Perioden faller sammen med heldagsprøven i matematikk."
    response = portal.step(case, "decide", version=seen, choice="refuse", text=reasons)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Noen andre endret saken" in html and f"{reasons}</textarea>" in html
    assert f'name="version" type="hidden" value="{seen + 1}"' in html
    assert _state(case) == "submitted"
    portal.login("elev1")
    assert portal.step(case, "withdraw", confirmed="yes").status_code == 303
    portal.login("trinn1")
    response = portal.step(case, "decide", version=seen + 1, choice="refuse", text=reasons)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det er ikke lenger mulig: saken er nå «Trukket" in html
    assert "Ikke sendt: det du skrev" in html and reasons in html
    assert _state(case) == "withdrawn"


@pytest.mark.parametrize("first, last, shown", [
    # 23 calendar days, but the weekends and the Christmas break leave 8 school days
    ("2026-12-14", "2027-01-05", "8 skoledager (14. desember 2026 – 5. januar 2027)"),
    # Friday to Tuesday over 17 May (a public holiday, a Monday)
    ("2027-05-14", "2027-05-18", "2 skoledager (14. mai 2027 – 18. mai 2027)"),
    ("2026-11-30", "2026-11-30", "1 skoledag (30. november 2026)"),
])
def test_the_case_page_gives_the_period_in_school_days(portal, school, first, last, shown):
    from portal.models import SchoolBreak

    SchoolBreak.create(school_year=school.year, name="Juleferie", first_day=date(2026, 12, 22),
                       last_day=date(2027, 1, 2))
    case = filed(portal, first=first, last=last)
    for user in ("elev1", "trinn1", "laerer1"):
        portal.login(user)
        html = portal.page(case)
        assert f"<dd>{shown}</dd>" in html, user
        assert " dager)" not in html


def test_the_school_days_cost_one_statement_whatever_the_breaks(portal, school):
    """The case page reads the school year's breaks in one statement, however many the year
    has, and stays within the page budget."""
    from portal.models import SchoolBreak
    from tests.statements import statements
    from tests.test_statement_budget import STATEMENT_BUDGET

    case = granted(portal, school)
    SchoolBreak.create(school_year=school.year, name="Juleferie", first_day=date(2026, 12, 22),
                       last_day=date(2027, 1, 2))
    counts = {}
    for user in ("elev1", "trinn1", "laerer2"):
        portal.login(user)
        counts[user] = statements(portal.client, f"/cases/{case.id}")
    for name, first in (("Høstferie", date(2026, 9, 28)), ("Vinterferie", date(2027, 2, 22)),
                        ("Påskeferie", date(2027, 3, 22))):
        SchoolBreak.create(school_year=school.year, name=name, first_day=first,
                           last_day=first + timedelta(days=2))
    for user, n in counts.items():
        portal.login(user)
        assert statements(portal.client, f"/cases/{case.id}") == n <= STATEMENT_BUDGET, user


def test_htmx_step_updates_the_page_in_place(portal):
    case = filed(portal)
    portal.login("trinn1")
    html = portal.page(case)
    assert re.search(r'hx-post="/study-leave/\d+/decide"[^>]*hx-target="#main"', html)
    response = portal.client.post(
        f"/study-leave/{case.id}/decide", headers={"HX-Request": "true"},
        data={"csrf_token": portal.token(), "version": 1, "choice": "grounds"},
        follow_redirects=True)
    assert response.status_code == 200 and 'id="main"' in response.get_data(as_text=True)
    assert _state(case) == "with_teachers"


def test_the_case_page_asks_for_documents_and_decisions_only_when_the_case_has_some(
        portal, school):
    """The case's own statement tells whether it has documents and decisions; the page asks
    for them only then, and shows them as soon as there are some."""
    from bench.queries import counting

    case = filed(portal)

    def statements_and_page():
        portal.page(case)  # the second request is counted (one-off work stays out)
        with counting() as box:
            html = portal.page(case)
        return box["n"], html

    bare, html = statements_and_page()
    assert "Ingen dokumenter." in html and 'id="decisions-heading"' not in html
    Attachment.create(case=case, uploaded_by=school.elev1, filename="stevne.pdf",
                      content_type="application/pdf", size=2048, sha256="0" * 64,
                      data=b"%PDF-1.4")
    with_document, html = statements_and_page()
    assert with_document == bare + 1 and "stevne.pdf" in html
    portal.login("trinn1")
    assert portal.step(case, "decide", choice="refuse", text="Årsaken ligner på ferie."
                       ).status_code == 303
    portal.login("elev1")
    with_decision, html = statements_and_page()
    assert with_decision == bare + 2
    assert 'id="decisions-heading"' in html and "Årsaken ligner på ferie." in html


def test_the_application_and_its_answers_in_one_statement_are_what_each_query_gives(
        portal, school):
    """flow.leave_and_answers (the case page's; one statement on PostgreSQL, tried here on
    both databases) gives leave_of's application with its class and answers_shown's answers:
    none before the teachers are asked, then every subject's in order, answered or not."""
    def shown(leave, answers):
        return (dict(leave.__data__), leave.school_class.name, "answer" in leave.__dict__,
                [(dict(a.__data__), a.subject.name, a.teacher.full_name) for a in answers])

    case = filed(portal)
    for together in (flow.leave_and_answers, flow.joined_leave_and_answers):
        assert together(case)[1] == []
        assert shown(*together(case)) == shown(flow.leave_of(case), [])
    case = with_teachers(portal, school)
    for _ in range(2):  # before and after the first teacher's answer
        for together in (flow.leave_and_answers(case), flow.joined_leave_and_answers(case)):
            assert len(together[1]) == 2
            assert shown(*together) == shown(flow.leave_of(case), flow.answers_shown(case))
        norsk, _matte = _answers(case)
        _teacher_answer(case, norsk, approve=True, text="Les kapittel 4.", actor=school.laerer1)


def test_case_page_statements_do_not_grow_with_the_absence_notes_to_link(portal, school):
    """The student's choice of absence notes shows each one's reference (which reads the
    school year): the page asks the same statements for one note as for several."""
    from tests.statements import statements

    case = granted(portal, school)
    notes = [_absence_note(portal, "2026-11-30", "2026-12-02")]
    portal.login("elev1")
    few = statements(portal.client, f"/cases/{case.id}")
    for first, last in (("2026-11-30", "2026-11-30"), ("2026-12-01", "2026-12-01"),
                        ("2026-12-02", "2026-12-03"), ("2026-11-27", "2026-11-30")):
        notes.append(_absence_note(portal, first, last))
    portal.login("elev1")
    assert statements(portal.client, f"/cases/{case.id}") == few
    html = portal.page(case)
    assert all(f'value="{n.id}"' in html and n.reference in html for n in notes)


def test_the_case_page_reads_the_application_once(portal, school, monkeypatch):
    """The student's page with the choice of absence notes to link, then with the note
    linked: the application is read once (the choices and the linked note come with it)."""
    from portal import db as database

    monkeypatch.setattr(database, "server_prepared", False)  # the statements' text, to read
    db = database.database.obj
    texts = []

    def execute_sql(sql, *args, **kwargs):
        texts.append(sql)
        return type(db).execute_sql(db, sql, *args, **kwargs)

    case = granted(portal, school)
    note = _absence_note(portal, "2026-11-30", "2026-12-02")
    portal.login("elev1")
    for step in ("choice", "linked"):
        portal.page(case)  # (once first: the prepared statements are made)
        texts.clear()
        monkeypatch.setattr(db, "execute_sql", execute_sql, raising=False)
        html = portal.page(case)
        monkeypatch.delattr(db, "execute_sql")
        assert ("Koblet til:" in html) == (step == "linked"), step
        assert len([t for t in texts if 'FROM "study_leave" AS' in t]) == 1, (step, texts)
        if step == "choice":
            assert portal.step(case, "absence-note", note=note.id).status_code == 303


def test_documentation_added_before_the_release_becomes_a_health_document(portal, school, db):
    """Migration 024: a study leave's documentation stored as an ordinary document by an
    earlier release is marked as a health document; its sports confirmation, and any other
    kind's documents, are left as they are."""
    import importlib

    from portal.db import is_postgresql

    migration = importlib.import_module("migrations.024_study_leave_documentation_health")
    case = granted(portal, school)
    portal.login("elev1")
    assert portal.step(case, "documentation",
                       document=(io.BytesIO(PNG), "legeerklaering.png")).status_code == 303
    documentation = Attachment.get(Attachment.case == case)
    confirmation = Attachment.create(case=case, uploaded_by=school.elev1, filename="klubb.png",
                                     content_type="image/png", size=len(PNG), sha256="0" * 64,
                                     purpose="sports_confirmation", data=PNG)
    other = Case.create(school=school.school, school_year=school.year, number=999,
                        kind="absence_note", state="submitted", is_open=True,
                        student=school.elev1, title="Fravær", version=1,
                        created_at=datetime(2026, 11, 1), updated_at=datetime(2026, 11, 1))
    note_document = Attachment.create(case=other, uploaded_by=school.elev1, filename="a.png",
                                      content_type="image/png", size=len(PNG),
                                      sha256="0" * 64, data=PNG)
    Attachment.update(is_health=False).where(Attachment.id == documentation.id).execute()
    db.execute_sql(migration.statement(is_postgresql()))
    health = {a.id: a.is_health for a in Attachment.select()}
    assert health == {documentation.id: True, confirmation.id: False, note_document.id: False}


def _form_token(html):
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)[1]


def test_an_application_sent_twice_files_one_case(portal):
    """A double tap, or the browser sending the form again: its second send files nothing,
    and shows the case its first send filed, saying so."""
    portal.login("elev1")
    token = _form_token(portal.client.get("/study-leave/new").get_data(as_text=True))
    first = portal.apply(form_token=token)
    second = portal.apply(form_token=token, reason="Endret etter at den ble sendt")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert Case.select().where(Case.kind == "study_leave").count() == 1
    assert StudyLeave.get().reason == "Landsfinale i orientering"
    html = portal.client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Skjemaet var allerede sendt, så ingenting ble sendt på nytt" in html


def test_each_form_shown_files_a_case_of_its_own(portal):
    """Two applications filled in one after the other (a new form each time) are two."""
    portal.login("elev1")
    tokens = [_form_token(portal.client.get("/study-leave/new").get_data(as_text=True))
              for _ in range(2)]
    assert tokens[0] != tokens[1]
    assert portal.apply(form_token=tokens[0]).status_code == 303
    assert portal.apply("2026-12-07", "2026-12-08", form_token=tokens[1]).status_code == 303
    assert Case.select().where(Case.kind == "study_leave").count() == 2


def test_a_form_sent_back_with_errors_keeps_its_token(portal):
    """Refused (the period is missing), the form comes back with the same token: sending it
    again once corrected files the case."""
    portal.login("elev1")
    token = _form_token(portal.client.get("/study-leave/new").get_data(as_text=True))
    refused = portal.apply(first="", form_token=token)
    assert refused.status_code == 422 and _form_token(refused.get_data(as_text=True)) == token
    assert portal.apply(form_token=token).status_code == 303
    assert Case.get(Case.kind == "study_leave").form_token == token


def test_a_token_of_another_students_form_is_refused(portal):
    """A token copied from another student's form (the only way to have one: pages are not
    kept) is a bad request, not the database's error page; nothing is filed for it."""
    portal.login("elev1")
    token = _form_token(portal.client.get("/study-leave/new").get_data(as_text=True))
    assert portal.apply(form_token=token).status_code == 303
    portal.login("elev2")
    refused = portal.apply(form_token=token)
    assert refused.status_code == 400
    assert "Noe var galt med forespørselen" in refused.get_data(as_text=True)
    assert [c.student.username for c in Case.select().where(Case.kind == "study_leave")] == [
        "elev1"]


def test_wtforms_own_messages_are_norwegian_and_their_catalogue_read_once(portal,
                                                                        monkeypatch):
    """A date that is no date gets WTForms' own message, in bokmål; its catalogue is read
    from disk once a process, not for every request that builds a form (flask-wtf's way)."""
    from babel import support

    from portal import forms

    reads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *a, **k: (k.get("domain") == "wtforms" and reads.append(a))
                        or load(*a, **k))
    monkeypatch.setattr(forms, "_WTFORMS_CATALOGUES", {})
    portal.login("elev1")
    for _ in range(2):
        r = portal.apply(first="31.11.2026")
        assert r.status_code == 422 and "Ikke en gyldig datoverdi" in r.get_data(as_text=True)
    assert len(reads) == 1
