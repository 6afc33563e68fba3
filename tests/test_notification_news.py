"""Notifications say what happened, from the event that caused them ("The application for
independent study has been granted"), in the portal list and in the e-mail — the case's number,
its kind and the step, never what the case is about; a kind that itself tells of health
(exam adaptation) is not named by e-mail. The list reads the sentence from the event, so rows
written before a sentence existed read as well, and with no statement per row."""

from datetime import date

import pytest

from portal.cases import engine
from portal.cases.kinds import REGISTRY
from portal.models import Case, Event
from portal.notifications.models import Notification, Outbox
from portal.notifications.notify import news
from tests.factories import give_emails, make_user
from tests.statements import statements

REASON = "Landsfinale i orientering; diagnose F32 og astma"  # what no e-mail may carry


@pytest.fixture
def people(school):
    give_emails(school.elev1, school.trinn, school.laerer1, school.laerer2)
    return school


def _granted_study_leave(app, s):
    from portal.kinds.study_leave import flow
    from portal.kinds.study_leave.models import TeacherAnswer

    app.config["PORTAL_TODAY"] = today = date(2026, 11, 23)
    case = flow.file(student=s.elev1, school=s.school, first=date(2026, 11, 30),
                     last=date(2026, 12, 2), reason=REASON, is_sports_event=False,
                     parents_informed=False, club_informed=False, confirmation=None, on=today)
    flow.send_to_teachers(case, actor=s.trinn, version=case.version)
    for answer in TeacherAnswer.select().where(TeacherAnswer.case == case):
        flow.teacher_answer(Case.get_by_id(case.id), answer, actor=answer.teacher, seen="",
                            approve=True, text="Les kapittel 4.")
    case = Case.get_by_id(case.id)
    flow.answer_student(case, actor=s.trinn, version=case.version, grant=True,
                        message=REASON)
    return Case.get_by_id(case.id)


def _page(app, username):
    """The notification list as `username` sees it (a client of their own)."""
    from tests.conftest import Auth

    client = app.test_client()
    Auth(client).login(username)
    response = client.get("/notifications/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_granted_study_leave_says_so_in_the_list_and_the_mail(app, people):
    case = _granted_study_leave(app, people)
    page = _page(app, "elev1")
    # (the student has tasks to do now: the grant waits for them)
    assert ("Søknaden om selvstendig studiearbeid er innvilget. Saken venter på deg."
            in page)
    assert ("Trinnoppfølgeren har funnet grunnlag og sendt søknaden din til faglærerne "
            "dine.") in page
    assert "Saken er oppdatert." not in page
    # the contact teacher's copy of the decision
    assert ("Til orientering: Søknaden om selvstendig studiearbeid er innvilget."
            in _page(app, "laerer1"))
    mail = (Outbox.select().where(Outbox.recipient == "elev1@skole.test")
            .order_by(Outbox.id.desc()).first())
    assert mail.subject == (f"Skoleportalen: sak {case.reference} venter på deg – Søknaden "
                            "om selvstendig studiearbeid er innvilget")
    assert (f"Sak {case.reference} (Selvstendig studiearbeid) ved Testskolen vgs:"
            in mail.body)
    assert "Søknaden om selvstendig studiearbeid er innvilget. Saken venter på deg." in mail.body
    for mail in Outbox.select():
        text = mail.subject + mail.body
        for secret in ("Landsfinale", "F32", "astma", "kapittel", "diagnose"):
            assert secret not in text, (secret, text)


def test_staff_are_told_what_waits_for_them(app, people):
    _granted_study_leave(app, people)
    subjects = [o.subject for o in Outbox.select().where(
        Outbox.recipient == "laerer2@skole.test").order_by(Outbox.id)]
    assert any("venter på deg – Trinnoppfølgeren har sendt søknaden om selvstendig "
               "studiearbeid til faglærerne" in s for s in subjects), subjects
    bodies = [o.body for o in Outbox.select().where(Outbox.recipient == "trinn1@skole.test")]
    assert any("En ny søknad om selvstendig studiearbeid er sendt inn. Saken venter på deg."
               in b for b in bodies), bodies


def _case(s, kind, participants, actor=None):
    return engine.open_case(kind, school=s.school, school_year=s.year, student=s.elev1,
                            title=REASON, actor=actor or s.elev1, text=REASON,
                            participants=participants, form_token=None)


def test_the_one_who_asks_for_documentation_is_named(app, people):
    case = _case(people, "absence_note", [(people.laerer1, "contact_teacher")])
    engine.apply(case, "ask", actor=people.laerer1, expected_version=case.version,
                 text=REASON)
    page = _page(app, "elev1")
    assert ("Kontaktlæreren ber om mer dokumentasjon til fraværsmeldingen. Saken venter på "
            "deg.") in page
    mail = Outbox.get(Outbox.recipient == "elev1@skole.test")
    assert "Kontaktlæreren ber om mer dokumentasjon til fraværsmeldingen" in mail.subject
    assert REASON not in mail.subject + mail.body


def test_the_appeals_board_and_the_new_grade_are_told_without_the_grade(app, people):
    board = make_user("klage1", ["appeals_board"], people.school)
    appeal = _case(people, "decision_appeal", [(people.trinn, "principal")])
    engine.apply(appeal, "forward", actor=people.trinn, expected_version=appeal.version)
    engine.add_participant(appeal, board, "appeals_board")
    engine.apply(appeal, "decide", actor=board, expected_version=appeal.version,
                 text=REASON, data={"outcome": "upheld"})

    examiner = make_user("sensor2", ["examiner"], people.school)
    grade = _case(people, "grade_appeal", [(people.trinn, "exam_office")])
    engine.apply(grade, "appoint", actor=people.trinn, expected_version=grade.version)
    engine.add_participant(grade, examiner, "new_examiner")
    engine.apply(grade, "regrade", actor=examiner, expected_version=grade.version)

    page = _page(app, "elev1")
    # (an appeal case without its appeal's row: the appeals body in the generic word)
    assert "Klageinstansen har avgjort klagen din." in page
    assert "Klagen din er sendt til klageinstansen." in page
    assert "Det er satt ny karakter etter klagen din." in page
    assert "Det er oppnevnt nye sensorer for klagen din." in page
    subjects = {o.subject for o in Outbox.select().where(Outbox.recipient == "elev1@skole.test")}
    assert f"Skoleportalen: sak {appeal.reference} – Klageinstansen har avgjort klagen din" \
        in subjects
    assert f"Skoleportalen: sak {grade.reference} – Det er satt ny karakter etter klagen din" \
        in subjects


def test_an_exam_adaptation_is_named_in_the_portal_but_not_by_e_mail(app, people):
    """That a student asks for an exam adaptation tells of their health or needs: the
    e-mail says only that there is news in the case."""
    case = _case(people, "exam_adaptation", [(people.trinn, "principal")])
    engine.apply(case, "ask_documentation", actor=people.trinn,
                 expected_version=case.version, text=REASON)
    page = _page(app, "elev1")
    assert ("Rektor ber om mer dokumentasjon til søknaden om tilrettelegging av eksamen. "
            "Saken venter på deg.") in page
    mails = list(Outbox.select())
    assert {m.recipient for m in mails} == {"trinn1@skole.test", "elev1@skole.test"}
    for mail in mails:
        text = (mail.subject + mail.body).lower()
        assert "tilrettelegging" not in text and "dokumentasjon" not in text, text
        assert case.reference in mail.subject and f"/cases/{case.id}" in mail.body


def test_rows_written_before_read_from_their_event_and_the_rest_as_before(app, people):
    """The sentence is not stored: a row written before this release (its event kept) reads
    what happened; one without an event, or of an event no sentence names, reads as it did."""
    case = _case(people, "absence_note", [(people.laerer1, "contact_teacher")])
    engine.apply(case, "accept", actor=people.laerer1, expected_version=case.version)
    event = Event.create(case=case, actor=people.laerer1, role="contact_teacher",
                         action="something_new", state_before="accepted",
                         state_after="accepted")
    Notification.create(user=people.elev1, case=case, event=event, kind="case_update",
                        text_key="case_update")
    Notification.create(user=people.elev1, case=case, event=None, kind="case_update",
                        text_key="case_update")
    page = _page(app, "elev1")
    assert "Fraværsmeldingen er godtatt." in page
    assert page.count("Saken er oppdatert.") == 2


def test_the_list_reads_the_sentences_with_no_statement_per_row(app, client, auth, people):
    case = _case(people, "absence_note", [(people.laerer1, "contact_teacher")])
    engine.apply(case, "ask", actor=people.laerer1, expected_version=case.version)
    auth.login("elev1")
    few = statements(client, "/notifications/")
    for _round in range(6):
        case = _case(people, "absence_note", [(people.laerer1, "contact_teacher")])
        engine.apply(case, "ask", actor=people.laerer1, expected_version=case.version)
        engine.apply(case, "add", actor=people.elev1, expected_version=case.version)
        engine.apply(case, "refuse", actor=people.laerer1, expected_version=case.version)
    assert Notification.select().where(Notification.user == people.elev1).count() >= 13
    assert statements(client, "/notifications/") == few
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("Fraværsmeldingen er avslått.") == 6


def test_every_step_of_every_kind_says_what_happened(app):
    """Each transition of each kind has its sentence (a new step is not left to say only
    that the case was updated), for the student and for the others, and each fits an
    e-mail's subject."""
    from flask_babel import force_locale

    from portal.notifications.models import Outbox as Mail

    with app.test_request_context(), force_locale("nb"):
        for kind in REGISTRY.values():
            for transition in kind.transitions:
                for parts in ({"student"}, {"principal"}):
                    said = news(kind.code, transition.action, "principal", parts)
                    assert said, (kind.code, transition.action)
                    assert "%(" not in said and said.endswith("."), said
                    assert said != "Saken er oppdatert."
                    assert len(f"Skoleportalen: sak 2026-0042 venter på deg – {said}") \
                        < Mail.subject.max_length
