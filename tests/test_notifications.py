"""Notifications: who hears of each event, the header count, the list with mark-read, the
e-mail preferences (opt-out keeps the portal list), and e-mails that say nothing about the case."""

import pytest

from portal.cases import engine
from portal.cases.kinds import REGISTRY, Kind, State, Transition, withdrawals
from portal.models import Case
from portal.notifications.models import Notification, NotificationPreference, Outbox
from tests.factories import give_emails

NOTE_KIND = Kind(
    code="notify_test",
    label="Notify test",
    initial="submitted",
    states=[State("submitted", "Sent"), State("with_staff", "With staff"),
            State("done", "Done", is_open=False), State("withdrawn", "Withdrawn", is_open=False)],
    transitions=[
        Transition("submitted", "take", {"year_coordinator"}, "with_staff"),
        Transition("with_staff", "finish", {"year_coordinator"}, "done", decision=True),
        *withdrawals(["submitted", "with_staff"]),
    ],
    deciders=frozenset({"year_coordinator"}),
)

SECRET_TITLE = "Sykdom: depresjon, karakter 2 i matematikk"
SECRET_TEXT = "Legeerklæring: diagnose F32. Karakteren 2 er satt ned."


@pytest.fixture
def kind():
    REGISTRY[NOTE_KIND.code] = NOTE_KIND
    yield NOTE_KIND
    REGISTRY.pop(NOTE_KIND.code)


@pytest.fixture
def people(school):
    give_emails(school.elev1, school.trinn, school.laerer1, school.laerer2)
    return school


def _open(s):
    return engine.open_case("notify_test", school=s.school, school_year=s.year, student=s.elev1,
                            title=SECRET_TITLE, actor=s.elev1, text=SECRET_TEXT,
                            participants=[(s.trinn, "year_coordinator"),
                                          (s.laerer1, "contact_teacher")])


def _notes(case):
    return {(n.user.username, n.kind, n.text_key) for n in
            Notification.select().where(Notification.case == case)}


def test_filing_notifies_who_must_act_and_the_copy_never_the_actor(people, kind):
    case = _open(people)
    assert _notes(case) == {("trinn1", "action_needed", "action_needed"),
                            ("laerer1", "case_update", "copy")}
    assert {o.recipient for o in Outbox.select()} == {"trinn1@skole.test", "laerer1@skole.test"}


def test_steps_notify_the_student_and_decisions_say_so(people, kind):
    case = _open(people)
    engine.apply(case, "take", actor=people.trinn, expected_version=case.version)
    assert ("elev1", "case_update", "case_update") in _notes(case)
    assert not any(u == "laerer1" and k == "case_update" and t == "case_update"
                   for u, k, t in _notes(case))  # a copy only of filing and decisions
    engine.apply(case, "finish", actor=people.trinn, expected_version=case.version)
    notes = _notes(case)
    assert ("elev1", "decision", "decision") in notes
    copies = Notification.select().where((Notification.user == people.laerer1)
                                         & (Notification.text_key == "copy"))
    assert copies.count() == 2


def test_a_note_notifies_the_student_and_those_who_act(people, kind):
    case = _open(people)
    Notification.delete().execute()
    engine.note(case, actor=people.trinn, role="year_coordinator", action="asked_question")
    assert _notes(case) == {("elev1", "case_update", "case_update")}
    engine.note(case, actor=people.trinn, role="year_coordinator", action="reminder")
    assert len(_notes(case)) == 1  # quiet actions notify nobody


def test_a_withdrawal_tells_whose_turn_it_was_and_the_copy(people, kind):
    """The case leaves the queue of those who could act on it: they are told why, as is the
    copy of the closing; nobody else who held no turn in that state."""
    case = _open(people)
    engine.apply(case, "take", actor=people.trinn, expected_version=case.version)
    Notification.delete().execute()
    engine.apply(case, "withdraw", actor=people.elev1, expected_version=case.version)
    assert _notes(case) == {("trinn1", "case_update", "withdrawn"),
                            ("laerer1", "case_update", "copy")}


def test_a_withdrawal_does_not_tell_a_part_that_held_no_turn(people, kind):
    case = engine.open_case("notify_test", school=people.school, school_year=people.year,
                            student=people.elev1, title="T", actor=people.elev1,
                            participants=[(people.trinn, "year_coordinator"),
                                          (people.laerer2, "subject_teacher")])
    Notification.delete().execute()
    engine.apply(case, "withdraw", actor=people.elev1, expected_version=case.version)
    assert _notes(case) == {("trinn1", "case_update", "withdrawn")}


def test_no_mail_holds_the_case_title_text_health_data_or_grades(people, kind):
    case = _open(people)
    engine.apply(case, "take", actor=people.trinn, expected_version=case.version,
                 text=SECRET_TEXT, data={"grade": "2", "diagnosis": "F32"})
    engine.apply(case, "finish", actor=people.trinn, expected_version=case.version,
                 text=SECRET_TEXT)
    mails = list(Outbox.select())
    assert len(mails) >= 4
    for mail in mails:
        text = mail.subject + "\n" + mail.body
        for secret in ("Sykdom", "depresjon", "karakter", "Karakter", "F32", "diagnose",
                       "Legeerklæring", "matematikk", "Notify test", "2 i"):
            assert secret not in text, (secret, text)
        assert case.reference in text
        assert f"/cases/{case.id}" in mail.body


def test_opt_out_stops_email_but_the_portal_list_keeps_it(app, client, auth, csrf, people,
                                                          kind):
    auth.login("trinn1")
    page = client.get("/notifications/preferences")
    assert page.status_code == 200
    token = csrf(page.get_data(as_text=True))
    # Everything on except "action_needed".
    response = client.post("/notifications/preferences", data={
        "csrf_token": token, "email_case_update": "y", "email_decision": "y",
        "email_reminder": "y"})
    assert response.status_code == 303
    pref = NotificationPreference.get((NotificationPreference.user == people.trinn)
                                      & (NotificationPreference.kind == "action_needed"))
    assert pref.email is False
    case = _open(people)
    assert ("trinn1", "action_needed", "action_needed") in _notes(case)
    assert not Outbox.select().where(Outbox.recipient == "trinn1@skole.test").exists()
    assert Outbox.select().where(Outbox.recipient == "laerer1@skole.test").exists()
    page = client.get("/notifications/").get_data(as_text=True)
    assert case.reference in page


def test_each_mail_follows_its_own_kind_of_choice(people, kind):
    """Read with the participants (one row per part and kind switched off): a kind switched off
    stops only its own mail, a choice switched back on stops nothing, two parts mail once."""
    def choose(user, kind_code, email):
        NotificationPreference.create(user=user, kind=kind_code, email=email)

    choose(people.trinn, "case_update", False)  # acts on the filing: mailed
    choose(people.trinn, "reminder", False)
    choose(people.laerer1, "case_update", True)  # switched back on: the copy is mailed
    choose(people.laerer2, "case_update", False)  # the copy is not mailed
    choose(people.laerer2, "decision", False)
    case = engine.open_case(
        "notify_test", school=people.school, school_year=people.year, student=people.elev1,
        title="T", actor=people.elev1,
        participants=[(people.trinn, "year_coordinator"), (people.trinn, "contact_teacher"),
                      (people.laerer1, "contact_teacher"), (people.laerer2, "contact_teacher")])
    assert _notes(case) == {("trinn1", "action_needed", "action_needed"),
                            ("laerer1", "case_update", "copy"),
                            ("laerer2", "case_update", "copy")}
    assert sorted(o.recipient for o in Outbox.select()) == ["laerer1@skole.test",
                                                            "trinn1@skole.test"]


def test_an_events_mails_are_written_by_the_text_built_once(people, kind):
    """The outbox rows of an event leave a column with a default out (attempts); insert_rows
    gives it as peewee would and writes them by its kept text, not by peewee's insert built
    anew for each event."""
    from portal import db as db_module
    from portal.notifications.notify import _outbox_row

    _open(people)
    assert Outbox.select().count() >= 1
    names = tuple(_outbox_row(people.trinn, None, "case_update", None, "x"))
    assert "attempts" not in names
    plans = [plan for key, plan in db_module._INSERT_MANY.items()
             if key[0] is Outbox and key[1] == (*names, "attempts")]
    assert plans and None not in plans
    assert {o.attempts for o in Outbox.select()} == {0}


def test_header_count_list_and_mark_read(app, client, auth, csrf, people, kind):
    case = _open(people)
    engine.note(case, actor=people.elev1, role="student", action="asked_question")
    auth.login("trinn1")
    home = client.get("/home").get_data(as_text=True)
    assert 'class="count">2<' in home
    page = client.get("/notifications/")
    html = page.get_data(as_text=True)
    assert "Varsler" in html and case.reference in html
    first = Notification.select().where(Notification.user == people.trinn).order_by(
        Notification.id).first()
    response = client.post(f"/notifications/{first.id}/read",
                           data={"csrf_token": csrf(html), "open": "1"})
    assert response.status_code == 303 and response.location.endswith(f"/cases/{case.id}")
    assert Notification.get_by_id(first.id).read_at is not None
    assert 'class="count">1<' in client.get("/home").get_data(as_text=True)
    response = client.post("/notifications/read-all", data={"csrf_token": csrf(html)})
    assert response.status_code == 303
    assert 'class="count"' not in client.get("/home").get_data(as_text=True)


def test_header_count_stops_at_99_plus(app, client, auth, people, kind):
    """Counted to 100 and no further: a pile of unread notifications costs a page no more
    than a hundred."""
    from portal.db import insert_rows
    from portal.notifications.notify import unread_count

    def pile(n):
        insert_rows(Notification, [{"user": people.trinn.id, "kind": "case",
                                    "text_key": "filed"} for _ in range(n)])

    auth.login("trinn1")
    pile(99)
    assert 'class="count">99<' in client.get("/home").get_data(as_text=True)
    pile(1)
    assert 'class="count">99+<' in client.get("/home").get_data(as_text=True)
    pile(400)
    assert 'class="count">99+<' in client.get("/home").get_data(as_text=True)
    assert unread_count(people.trinn) == 100
    Notification.update(read_at=Notification.created_at).where(
        Notification.id.not_in(Notification.select(Notification.id).where(
            Notification.user == people.trinn).order_by(Notification.id).limit(5))).execute()
    assert 'class="count">5<' in client.get("/home").get_data(as_text=True)


def test_others_cannot_mark_my_notifications(app, client, auth, csrf, people, kind):
    _open(people)
    mine = Notification.get(Notification.user == people.trinn)
    auth.login("elev2")
    token = csrf(client.get("/notifications/").get_data(as_text=True))
    assert client.post(f"/notifications/{mine.id}/read",
                       data={"csrf_token": token}).status_code == 404
    assert Notification.get_by_id(mine.id).read_at is None


def test_a_failing_notification_rolls_back_the_step(people, kind, monkeypatch):
    case = _open(people)

    def broken(case, event, transition):
        raise RuntimeError("outbox unavailable")

    engine.listeners.append(broken)
    try:
        with pytest.raises(RuntimeError):
            engine.apply(case, "take", actor=people.trinn, expected_version=case.version)
    finally:
        engine.listeners.remove(broken)
    assert Case.get_by_id(case.id).state == "submitted"


def test_a_study_leave_tells_each_teacher_once_and_the_coordinator_when_all_have_answered(
        app, people):
    """Each subject teacher is told once, when the case comes to the teachers, and nothing at
    the others' answers nor after their own; the coordinator is told with the answer that
    completes them, not at each one; a changed answer afterwards tells no staff again."""
    from datetime import date

    from portal.kinds.study_leave import flow
    from portal.kinds.study_leave.models import TeacherAnswer

    app.config["PORTAL_TODAY"] = today = date(2026, 11, 23)
    case = flow.file(student=people.elev1, school=people.school, first=date(2026, 11, 30),
                     last=date(2026, 12, 2), reason="Landsfinale", is_sports_event=False,
                     parents_informed=False, club_informed=False, confirmation=None, on=today)
    flow.send_to_teachers(case, actor=people.trinn, version=case.version)

    def told():
        staff = ("trinn1", "laerer1", "laerer2")
        rows = (Notification.select().where((Notification.case == case)
                                            & (Notification.kind == "action_needed")))
        mails = [o.recipient.split("@")[0] for o in Outbox.select()
                 if "venter på deg" in o.subject]
        return ({u: [n.user.username for n in rows].count(u) for u in staff},
                {u: mails.count(u) for u in staff})

    waiting = ({"trinn1": 1, "laerer1": 1, "laerer2": 1},) * 2  # (trinn1: the filing)
    assert told() == waiting
    answers = {a.teacher.username: a for a in TeacherAnswer.select().where(
        TeacherAnswer.case == case)}
    flow.teacher_answer(Case.get_by_id(case.id), answers["laerer1"], actor=people.laerer1,
                        seen="", approve=True, text="Les kapittel 4.")
    assert told() == waiting
    flow.teacher_answer(Case.get_by_id(case.id), answers["laerer2"], actor=people.laerer2,
                        seen="", approve=True, text="Oppgave 3.1.")
    assert told() == ({"trinn1": 2, "laerer1": 1, "laerer2": 1},) * 2
    changed = TeacherAnswer.get_by_id(answers["laerer1"].id)
    flow.teacher_answer(Case.get_by_id(case.id), changed, actor=people.laerer1,
                        seen=flow.answered_token(changed), approve=False, text="Prøve.")
    assert told() == ({"trinn1": 2, "laerer1": 1, "laerer2": 1},) * 2
    # the student is told that the case went to the teachers, not of each teacher's answer
    # (the page shows them; the coordinator's decision is the next news)
    assert [n.text_key for n in Notification.select().where(
        (Notification.case == case) & (Notification.user == people.elev1))] == ["case_update"]
