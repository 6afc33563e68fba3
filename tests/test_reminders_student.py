"""Students' own deadline reminders from the request kinds (`student_deadlines`): the tasks
and the documentation of a granted study leave before its last day, and the documentation an
exam adaptation waits for before the exam's application deadline — each once, only to the
student, only within the school's reminder lead time, and with e-mails that say nothing of
the case.

Today is pinned to Monday 23 November 2026; the `vgs` and `havbruk` reminder lead time is
2 days.
"""

import hashlib
from datetime import date, timedelta
from io import BytesIO

import pytest
from flask import current_app

from portal.cases import engine
from portal.cases.uploads import CheckedFile
from portal.exams import plan
from portal.kinds.exam_adaptation.reminders import exam_adaptation_deadlines
from portal.kinds.study_leave import flow
from portal.kinds.study_leave.models import StudyLeave, TeacherAnswer
from portal.kinds.study_leave.reminders import study_leave_deadlines
from portal.models import Case
from portal.notifications.models import Notification, Outbox, SentReminder
from portal.notifications.reminders import send_reminders, student_deadlines
from tests.factories import give_emails
from tests.test_exams import PNG, make_exam, make_hav, oslo

TODAY = date(2026, 11, 23)
FIRST, LAST = date(2026, 11, 30), date(2026, 12, 2)  # a Monday to a Wednesday
TASKS = {"NOR1260": "Les novellene i kapittel 4.", "MAT1021": "Oppgave 3.1–3.20."}
REASON = "Landsfinale i orientering"


@pytest.fixture(autouse=True)
def context(app):
    app.config["PORTAL_TODAY"] = TODAY
    with app.app_context():
        yield


def _fresh(case):
    return Case.get_by_id(case.id)


def _granted(s):
    """A study leave 30 Nov – 2 Dec, granted with one task per subject, through the flow."""
    give_emails(s.elev1)
    case = flow.file(student=s.elev1, school=s.school, first=FIRST, last=LAST, reason=REASON,
                     is_sports_event=False, parents_informed=False, club_informed=False,
                     confirmation=None, on=TODAY)
    flow.send_to_teachers(_fresh(case), actor=s.trinn, version=_fresh(case).version)
    for answer in TeacherAnswer.select().where(TeacherAnswer.case == case):
        flow.teacher_answer(_fresh(case), answer, actor=answer.teacher,
                            seen="", approve=True,
                            text=TASKS[answer.subject.code])
    flow.answer_student(_fresh(case), actor=s.trinn, version=_fresh(case).version, grant=True,
                        message="Lykke til!")
    assert _fresh(case).state == "granted"
    Notification.delete().execute()
    Outbox.delete().execute()
    return _fresh(case)


def _all_tasks_done(s, case):
    for answer in TeacherAnswer.select().where(TeacherAnswer.case == case):
        flow.task_done(_fresh(case), answer, actor=s.elev1, version=_fresh(case).version)


def _document(s, case):
    checked = CheckedFile(filename="timeplan.png", content_type="image/png", data=PNG,
                          size=len(PNG), sha256=hashlib.sha256(PNG).hexdigest())
    flow.add_documentation(_fresh(case), actor=s.elev1, version=_fresh(case).version,
                           checked=checked)


def _reminders():
    return sorted((n.user.username, n.text_key, n.due_on, n.case_id) for n in
                  Notification.select().where(Notification.kind == "reminder"))


def test_the_generators_are_registered_once():
    assert student_deadlines.count(study_leave_deadlines) == 1
    assert student_deadlines.count(exam_adaptation_deadlines) == 1


def test_tasks_and_documentation_reminded_once_within_the_lead_time(school):
    case = _granted(school)
    assert send_reminders(date(2026, 11, 29))["sent"] == 0  # three days before: not yet
    assert send_reminders(date(2026, 11, 30)) == {"sent": 2, "already": 0}
    assert _reminders() == [("elev1", "reminder_documentation", LAST, case.id),
                            ("elev1", "reminder_tasks", LAST, case.id)]
    assert send_reminders(date(2026, 11, 30)) == {"sent": 0, "already": 2}
    assert send_reminders(date(2026, 12, 2)) == {"sent": 0, "already": 2}
    assert send_reminders(date(2026, 12, 3)) == {"sent": 0, "already": 0}  # the period is over
    assert len(_reminders()) == 2
    assert {r.key for r in SentReminder.select()} == {
        f"study-leave-tasks:{case.id}:{LAST}:{school.elev1.id}",
        f"study-leave-documentation:{case.id}:{LAST}:{school.elev1.id}"}


def test_only_the_student_is_reminded_and_the_email_tells_nothing(school):
    case = _granted(school)
    give_emails(school.trinn, school.laerer1, school.laerer2)
    send_reminders(date(2026, 12, 1))
    assert {n.user_id for n in Notification.select()} == {school.elev1.id}
    mails = list(Outbox.select())
    assert [m.recipient for m in mails] == ["elev1@skole.test"] * 2
    for mail in mails:
        assert mail.subject == f"Skoleportalen: sak {case.reference} – en frist nærmer seg"
        assert f"En frist i sak {case.reference} ved Testskolen vgs er 2. desember 2026." \
            in mail.body
        for secret in (*TASKS.values(), REASON, case.title, "Norsk", "Matematikk", "oppgave",
                       "dokumentasjon", "studiearbeid", "Lykke til"):
            assert secret not in mail.subject and secret not in mail.body, secret


def test_the_list_shows_the_reminders_in_norwegian(school, client, auth):
    _granted(school)
    send_reminders(date(2026, 11, 30))
    auth.login("elev1")
    html = client.get("/notifications/").get_data(as_text=True)
    assert ("Påminnelse: oppgavene dine skal være gjort innen 2. desember 2026. Merk hver "
            "oppgave som gjort når du er ferdig med den.") in html
    assert ("Påminnelse: det mangler dokumentasjon i denne saken. Legg den inn innen "
            "2. desember 2026.") in html


def test_no_task_reminder_when_every_task_is_done(school):
    case = _granted(school)
    _all_tasks_done(school, case)
    assert send_reminders(date(2026, 11, 30)) == {"sent": 1, "already": 0}
    assert [r[1] for r in _reminders()] == ["reminder_documentation"]


def test_one_open_task_is_enough_for_a_reminder(school):
    case = _granted(school)
    norsk = TeacherAnswer.get((TeacherAnswer.case == case)
                              & (TeacherAnswer.subject == school.norsk))
    flow.task_done(_fresh(case), norsk, actor=school.elev1, version=_fresh(case).version)
    _document(school, case)
    assert send_reminders(date(2026, 11, 30)) == {"sent": 1, "already": 0}
    assert [r[1] for r in _reminders()] == ["reminder_tasks"]


def test_nothing_when_tasks_are_done_and_documentation_is_there(school):
    case = _granted(school)
    _all_tasks_done(school, case)
    _document(school, case)
    assert send_reminders(date(2026, 11, 30)) == {"sent": 0, "already": 0}
    assert _reminders() == []


def test_a_declined_subject_is_no_task(school):
    """Only approved answers carry tasks: a teacher's refusal leaves nothing to do."""
    give_emails(school.elev1)
    case = flow.file(student=school.elev1, school=school.school, first=FIRST, last=LAST,
                     reason=REASON, is_sports_event=False, parents_informed=False,
                     club_informed=False, confirmation=None, on=TODAY)
    flow.send_to_teachers(_fresh(case), actor=school.trinn, version=_fresh(case).version)
    for answer in TeacherAnswer.select().where(TeacherAnswer.case == case):
        flow.teacher_answer(_fresh(case), answer, actor=answer.teacher,
                            seen="", approve=False, text="Prøve den uka.")
    flow.answer_student(_fresh(case), actor=school.trinn, version=_fresh(case).version,
                        grant=True, message="")
    _document(school, case)
    assert send_reminders(date(2026, 11, 30))["sent"] == 0


def test_a_linked_absence_note_is_documentation(school):
    case = _granted(school)
    note = engine.open_case("absence_note", school=school.school, school_year=school.year,
                            student=school.elev1, title="Fravær", actor=school.elev1)
    StudyLeave.update(absence_note=note.id).where(StudyLeave.case == case).execute()
    send_reminders(date(2026, 11, 30))
    assert [r[1] for r in _reminders()] == ["reminder_tasks"]


@pytest.mark.parametrize("stage", ["with_teachers", "completed", "withdrawn"])
def test_only_granted_leaves_are_reminded(school, stage):
    if stage == "withdrawn":
        case = flow.file(student=school.elev1, school=school.school, first=FIRST, last=LAST,
                         reason=REASON, is_sports_event=False, parents_informed=False,
                         club_informed=False, confirmation=None, on=TODAY)
        flow.withdraw(_fresh(case), actor=school.elev1, version=_fresh(case).version)
    elif stage == "with_teachers":
        case = flow.file(student=school.elev1, school=school.school, first=FIRST, last=LAST,
                         reason=REASON, is_sports_event=False, parents_informed=False,
                         club_informed=False, confirmation=None, on=TODAY)
        flow.send_to_teachers(_fresh(case), actor=school.trinn, version=_fresh(case).version)
    else:
        case = _granted(school)
        _all_tasks_done(school, case)
        with pytest.MonkeyPatch.context() as mp:  # completed once the period has ended
            mp.setitem(current_app.config, "PORTAL_TODAY", LAST + timedelta(days=1))
            flow.complete(_fresh(case), actor=school.trinn, version=_fresh(case).version)
    assert _fresh(case).state == stage
    assert list(study_leave_deadlines(date(2026, 11, 30))) == []
    assert _reminders() == []


# --- exam adaptation waiting for documentation ------------------------------------------------


@pytest.fixture
def waiting(app, client, auth, csrf):
    """A havbruk student's application for two exams (31 March and 26 May 2027; the last days
    to apply are 28 February and 26 April), and the principal asks for documentation."""
    hav = make_hav()
    give_emails(hav.elev1)
    hav.first = make_exam(hav, oslo(2027, 3, 31))
    hav.second = make_exam(hav, oslo(2027, 5, 26), hav.matte)
    for exam in (hav.first, hav.second):
        plan.register(exam, hav.elev1)
    auth.login("elev1")
    page = client.get("/exam-adaptation/new")
    response = client.post("/exam-adaptation/new", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "exams": [hav.first.id, hav.second.id], "adaptations": ["separate_room"],
        "reason": "Dysleksi, se sakkyndig vurdering.",
        "documentation": (BytesIO(PNG), "vurdering.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    case = Case.get(Case.kind == "exam_adaptation")
    engine.apply(case, "ask_documentation", actor=hav.principal, expected_version=case.version,
                 text="Send sakkyndig vurdering fra PPT.")
    assert _fresh(case).state == "needs_documentation"
    Notification.delete().execute()
    Outbox.delete().execute()
    hav.case = _fresh(case)
    return hav


def test_exam_adaptation_documentation_reminded_before_the_earliest_deadline(waiting):
    case = waiting.case
    assert send_reminders(date(2027, 2, 25))["sent"] == 0  # three days before: not yet
    assert send_reminders(date(2027, 2, 26)) == {"sent": 1, "already": 0}
    assert send_reminders(date(2027, 2, 28)) == {"sent": 0, "already": 1}
    assert _reminders() == [("elev1", "reminder_documentation", date(2027, 2, 28), case.id)]
    assert SentReminder.get().key == (f"exam-adaptation-documentation:{case.id}:"
                                      f"{waiting.first.id}:2027-02-28:{waiting.elev1.id}")
    # that deadline has passed: the next exam's is the one ahead, reminded in its window
    assert send_reminders(date(2027, 3, 1))["sent"] == 0
    assert send_reminders(date(2027, 4, 24)) == {"sent": 1, "already": 0}
    assert _reminders()[-1] == ("elev1", "reminder_documentation", date(2027, 4, 26), case.id)
    mails = list(Outbox.select().order_by(Outbox.id))
    assert [m.recipient for m in mails] == ["elev1@skole.test"] * 2
    for mail in mails:
        assert case.reference in mail.body
        for secret in ("Dysleksi", "PPT", "Norsk", "Matematikk", "tilrettelegging",
                       "Tilrettelegging", "eksamen", "dokumentasjon"):
            assert secret not in mail.subject and secret not in mail.body, secret


def test_no_exam_adaptation_reminder_once_documentation_is_added(waiting):
    case = waiting.case
    engine.apply(case, "add_documentation", actor=waiting.elev1,
                 expected_version=case.version, text="")
    assert _fresh(case).state == "submitted"
    assert send_reminders(date(2027, 2, 26))["sent"] == 0
    assert _reminders() == []
