"""Deadline reminders: staff answers due within the lead time or overdue, students' appeal
windows closing — each reminder once, however often cron runs the command."""

from datetime import date, timedelta

import pytest

from portal.cases import decisions, engine
from portal.cases.kinds import REGISTRY, Kind, State, Transition
from portal.models import Case
from portal.notifications.models import Notification, NotificationPreference, Outbox, SentReminder
from portal.notifications.reminders import send_reminders
from tests.factories import give_emails

TODAY = date(2026, 11, 23)  # a Monday

REMIND_KIND = Kind(
    code="remind_test", label="Remind test", initial="submitted",
    states=[State("submitted", "Sent"), State("done", "Done", is_open=False)],
    transitions=[Transition("submitted", "finish", {"year_coordinator"}, "done",
                            decision=True)],
)


@pytest.fixture
def kind():
    REGISTRY[REMIND_KIND.code] = REMIND_KIND
    yield REMIND_KIND
    REGISTRY.pop(REMIND_KIND.code)


def _case(s, due):
    give_emails(s.trinn, s.elev1)
    case = engine.open_case("remind_test", school=s.school, school_year=s.year,
                            student=s.elev1, title="Søknad", actor=s.elev1,
                            participants=[(s.trinn, "year_coordinator"),
                                          (s.laerer1, "contact_teacher")])
    Case.update(staff_due_on=due).where(Case.id == case.id).execute()
    Notification.delete().execute()
    Outbox.delete().execute()
    return case


def _reminders(user):
    return list(Notification.select().where((Notification.user == user)
                                            & (Notification.kind == "reminder")))


def test_staff_reminded_once_when_due_within_two_days(school, kind):
    case = _case(school, TODAY + timedelta(days=2))
    assert send_reminders(TODAY - timedelta(days=1))["sent"] == 0  # 3 days ahead: not yet
    assert send_reminders(TODAY) == {"sent": 1, "already": 0}
    assert send_reminders(TODAY) == {"sent": 0, "already": 1}
    assert send_reminders(TODAY + timedelta(days=1)) == {"sent": 0, "already": 1}
    notes = _reminders(school.trinn)
    assert len(notes) == 1 and notes[0].text_key == "reminder_due_soon"
    assert notes[0].due_on == TODAY + timedelta(days=2)
    assert not _reminders(school.laerer1)  # a copy holder owes no answer
    assert not _reminders(school.elev1)
    mails = list(Outbox.select())
    assert len(mails) == 1 and case.reference in mails[0].body and "Søknad" not in mails[0].body


def test_overdue_answers_get_one_more_reminder(school, kind):
    case = _case(school, TODAY - timedelta(days=3))
    send_reminders(TODAY)
    send_reminders(TODAY + timedelta(days=1))
    notes = _reminders(school.trinn)
    assert [n.text_key for n in notes] == ["reminder_overdue"]
    assert SentReminder.select().where(SentReminder.case == case).count() == 1


def test_closed_cases_are_not_reminded(school, kind):
    case = _case(school, TODAY)
    engine.apply(case, "finish", actor=school.trinn, expected_version=case.version)
    assert send_reminders(TODAY)["sent"] == 0


def test_students_reminded_once_of_their_appeal_window(school, kind):
    case = _case(school, None)
    decision = decisions.issue(case, outcome="refused", summary="Avslag", reasons="",
                               rule_reference="test", decided_by=school.trinn,
                               role="year_coordinator")
    deadline = decision.appeal_deadline
    assert send_reminders(deadline - timedelta(days=3))["sent"] == 0
    assert send_reminders(deadline - timedelta(days=2))["sent"] == 1
    assert send_reminders(deadline)["sent"] == 0
    assert send_reminders(deadline + timedelta(days=1))["sent"] == 0
    notes = _reminders(school.elev1)
    assert len(notes) == 1 and notes[0].due_on == deadline


def test_reminder_respects_email_opt_out_but_stays_in_the_list(school, kind):
    _case(school, TODAY)
    NotificationPreference.create(user=school.trinn, kind="reminder", email=False)
    send_reminders(TODAY)
    assert len(_reminders(school.trinn)) == 1
    assert Outbox.select().count() == 0


def test_cli_command_runs_twice_and_reminds_once(app, runner, school, kind):
    _case(school, TODAY + timedelta(days=1))
    first = runner.invoke(args=["send-reminders", "--today", TODAY.isoformat()])
    second = runner.invoke(args=["send-reminders", "--today", TODAY.isoformat()])
    assert first.exit_code == 0 and "1 sent" in first.output
    assert second.exit_code == 0 and "0 sent" in second.output
    assert SentReminder.select().count() == 1


def test_queue_shows_overdue_first_with_how_late(app, client, auth, school, kind):
    from portal.rules.calendar import today

    now = today()
    later = _case(school, now + timedelta(days=5))
    late = _case(school, now - timedelta(days=3))
    undated = _case(school, None)
    auth.login("trinn1")
    html = client.get("/home").get_data(as_text=True)
    positions = [html.index(f"/cases/{c.id}\"") for c in (late, later, undated)]
    assert positions == sorted(positions)
    assert "3 dager forsinket" in html
