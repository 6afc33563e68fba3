"""A new absence warning notifies the student and the class's contact teacher (and, on a
fagskole, the cohort coordinator) once, in the warning's own transaction; the notification list
shows it without a case and leads to a page each of them may open; the e-mail says only that
there is news about absence.

Today is pinned to Monday 23 November 2026.
"""

from datetime import date

import pytest

from portal.absence import check_warnings, record_absence
from portal.absence.models import AbsenceWarning
from portal.db import database
from portal.models import SchoolClass
from portal.notifications.models import Notification, NotificationPreference, Outbox
from portal.rules.calendar import school_days
from tests.factories import give_emails, make_school, make_user, norsk_assignment

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


@pytest.fixture
def people(school):
    give_emails(school.elev1, school.laerer1, school.laerer2, school.trinn)
    return school


def _absent(s, student, lessons):
    """`lessons` whole lessons of Norsk on distinct school days this autumn."""
    for day in school_days(date(2026, 9, 1), TODAY)[:lessons]:
        record_absence(norsk_assignment(s), student, day, 1)


def _notes():
    return {(n.user.username, n.kind, n.text_key, n.case_id, n.school_class_id)
            for n in Notification.select()}


def test_crossing_a_threshold_notifies_the_student_and_the_contact_teacher_once(people):
    s = people
    _absent(s, s.elev1, 8)  # 8 of 113 planned lessons = 7.1 %: under the early warning (8 %)
    assert Notification.select().count() == 0
    _absent(s, s.elev1, 9)  # 9 of 113 = 8.0 %: crossed
    assert [w.rule_key for w in AbsenceWarning.select()] == ["attendance_early_warning"]
    assert _notes() == {
        ("elev1", "absence_warning", "absence_warning", None, s.klass.id),
        ("laerer1", "absence_warning", "absence_warning_staff", None, s.klass.id),
    }
    # checking again, and the same lesson recorded again, create no second notification
    _absent(s, s.elev1, 9)
    for _ in range(3):
        assert check_warnings(s.elev1, s.year) == []
    assert Notification.select().count() == 2
    assert sorted(o.recipient for o in Outbox.select()) == ["elev1@skole.test",
                                                            "laerer1@skole.test"]


def test_the_email_says_only_that_there_is_news_about_absence(people):
    s = people
    _absent(s, s.elev1, 9)
    mails = list(Outbox.select())
    assert len(mails) == 2
    warning = AbsenceWarning.get()
    for mail in mails:
        assert mail.subject == "Skoleportalen: nytt om fravær"
        assert "Det er nytt om fravær i skoleportalen." in mail.body
        assert "/absence/" in mail.body
        assert mail.dedupe_key.startswith(f"absence-warning:{warning.id}:user:")
        secrets = ["Norsk", "NOR1260", "%", f"{warning.percent:g}", "8.0", "1STA",
                   "attendance_early_warning", "§"]
        if mail.recipient == "laerer1@skole.test":
            assert mail.body.startswith("Hei Lars Lærer,")
            secrets.append("Elev Nummer1")  # not even which student
        for secret in secrets:
            assert secret not in mail.subject and secret not in mail.body, secret


def test_the_warning_and_its_notifications_share_one_transaction(people):
    s = people
    _absent(s, s.elev1, 8)
    day = school_days(date(2026, 9, 1), TODAY)[8]
    with pytest.raises(RuntimeError), database.atomic():
        record_absence(norsk_assignment(s), s.elev1, day, 1)
        assert Notification.select().count() == 2  # written with the warning...
        raise RuntimeError("the surrounding step fails")
    assert AbsenceWarning.select().count() == 0  # ...and gone with it
    assert Notification.select().count() == 0 and Outbox.select().count() == 0


def test_email_can_be_switched_off_but_the_notification_stays(people, client, auth, csrf):
    s = people
    auth.login("laerer1")
    page = client.get("/notifications/preferences")
    html = page.get_data(as_text=True)
    assert "Du, eller en elev du følger opp, får varsel om fravær" in html
    data = {"csrf_token": csrf(html), "email_action_needed": "y", "email_case_update": "y",
            "email_decision": "y", "email_reminder": "y"}  # absence_warning left unticked
    assert client.post("/notifications/preferences", data=data).status_code == 303
    assert NotificationPreference.get(user=s.laerer1, kind="absence_warning").email is False
    _absent(s, s.elev1, 9)
    assert {n.user_id for n in Notification.select()} == {s.elev1.id, s.laerer1.id}
    assert [o.recipient for o in Outbox.select()] == ["elev1@skole.test"]


def _open(client, csrf, note):
    page = client.get("/notifications/")
    return client.post(f"/notifications/{note.id}/read",
                       data={"csrf_token": csrf(page.get_data(as_text=True)), "open": "1"})


def test_the_student_sees_it_in_the_list_and_opens_their_absence(people, client, auth, csrf):
    s = people
    _absent(s, s.elev1, 9)
    auth.login("elev1")
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Du har fått varsel om fravær i et fag. Se fraværet ditt per fag." in html
    assert "Fravær" in html and "Åpne" in html and "Sak 2026-" not in html
    note = Notification.get(Notification.user == s.elev1)
    response = _open(client, csrf, note)
    assert response.status_code == 303 and response.headers["Location"].endswith("/absence/")
    assert Notification.get_by_id(note.id).read_at is not None
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Norsk" in page.get_data(as_text=True) and "9 / 113" in page.get_data(as_text=True)


def test_the_contact_teacher_sees_it_and_opens_the_class_overview(people, client, auth, csrf):
    s = people
    _absent(s, s.elev1, 9)
    auth.login("laerer1")
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Noen i 1STA har fått varsel om fravær. Se oversikten over klassen." in html
    note = Notification.get(Notification.user == s.laerer1)
    response = _open(client, csrf, note)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/absence/classes/{s.klass.id}")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Elev Nummer1" in page.get_data(as_text=True)


def test_others_of_the_school_are_not_notified(people):
    s = people
    _absent(s, s.elev1, 9)
    # the Maths teacher of the class and the year coordinator hear nothing; nor does elev2
    notified = {n.user_id for n in Notification.select()}
    assert not notified & {s.laerer2.id, s.trinn.id, s.elev2.id, s.admin.id}


def test_on_a_fagskole_the_cohort_coordinator_is_notified_too(db):
    s = make_school(profile="havbruk", code="hav")
    kull = make_user("kull1", ["cohort_coordinator"], s.school, "Kari Kull")
    SchoolClass.update(cohort_coordinator=kull).where(SchoolClass.id == s.klass.id).execute()
    _absent(s, s.elev1, 23)  # 23 of 113 = 20.4 %: under 80 % attendance (exam requirement)
    assert [w.rule_key for w in AbsenceWarning.select()] == ["exam_attendance_required"]
    assert _notes() == {
        ("elev1", "absence_warning", "absence_warning", None, s.klass.id),
        ("laerer1", "absence_warning", "absence_warning_staff", None, s.klass.id),
        ("kull1", "absence_warning", "absence_warning_staff", None, s.klass.id),
    }
    check_warnings(s.elev1, s.year)
    assert Notification.select().count() == 3


def test_a_vgs_cohort_coordinator_is_not_notified(people):
    s = people
    kull = make_user("kull1", ["cohort_coordinator"], s.school, "Kari Kull")
    SchoolClass.update(cohort_coordinator=kull).where(SchoolClass.id == s.klass.id).execute()
    _absent(s, s.elev1, 9)
    assert not Notification.select().where(Notification.user == kull).exists()
