"""Follow-up of students at risk [seed 000]: every role through the pages, signing with the
password (a wrong one refused), commenting instead of signing, and the decision letter."""

import re
from datetime import date, datetime, timedelta

import pytest

from portal.kinds.follow_up import report_concern
from portal.kinds.follow_up.models import Concern, FollowUp
from portal.models import Case, Decision, Event, LoginThrottle, Participant
from portal.notifications.models import Notification
from portal.rules.calendar import today
from tests.factories import make_school, make_user


@pytest.fixture
def fagskole(db):
    s = make_school(profile="havbruk", code="test-fag")
    s.kull = make_user("kull1", ["cohort_coordinator"], s.school, "Kari Kull")
    s.avd = make_user("avd1", ["department_head"], s.school, "Arne Avd")
    s.rektor = make_user("rektor", ["principal"], s.school, "Randi Rektor")
    s.klass.cohort_coordinator = s.kull
    s.klass.save()
    return s


def _form(client, csrf, url, page_url, data):
    token = csrf(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _version(case_id):
    return str(Case.get_by_id(case_id).version)


def test_teacher_reports_and_every_role_takes_its_step(app, client, auth, csrf, fagskole):
    s = fagskole
    auth.login("laerer1")
    page = client.get("/follow-up/new")
    assert page.status_code == 200 and "Meld bekymring" in page.get_data(as_text=True)
    bad = _form(client, csrf, "/follow-up/new", "/follow-up/new",
                {"student": s.elev1.id, "subject": s.matte.id, "reason": "low_attendance",
                 "text": "Borte mye"})
    assert bad.status_code == 422  # laerer1 teaches Norsk, not Matematikk, in 1STA
    assert "Borte mye" in bad.get_data(as_text=True)
    response = _form(client, csrf, "/follow-up/new", "/follow-up/new",
                     {"student": s.elev1.id, "subject": s.norsk.id, "reason": "missing_work",
                      "text": "Tre innleveringer mangler."})
    assert response.status_code == 303
    case = Case.get(Case.kind == "follow_up")
    assert case.state == "reported" and case.student_id == s.elev1.id
    parts = {(p.user.username, p.part) for p in Participant.select().where(
        Participant.case == case)}
    assert parts >= {("elev1", "student"), ("laerer1", "teacher"),
                     ("kull1", "cohort_coordinator"), ("avd1", "department_head"),
                     ("rektor", "principal")}
    auth.logout()

    # The cohort coordinator summons the student (a past date is refused, input kept).
    auth.login("kull1")
    url = f"/cases/{case.id}"
    past = _form(client, csrf, f"/follow-up/{case.id}/summon", url,
                 {"version": _version(case.id), "meeting_on": "2020-01-06",
                  "meeting_time": "10:15", "place": "Rom 101"})
    assert past.status_code == 422 and "Rom 101" in past.get_data(as_text=True)
    meeting = today() + timedelta(days=7)
    ok = _form(client, csrf, f"/follow-up/{case.id}/summon", url,
               {"version": _version(case.id), "meeting_on": meeting.isoformat(),
                "meeting_time": "10:15", "place": "Rom 101"})
    assert ok.status_code == 303
    assert Case.get_by_id(case.id).state == "summoned"
    auth.logout()

    # The student sees the summons.
    auth.login("elev1")
    page = client.get(url).get_data(as_text=True)
    assert "Rom 101" in page and "10:15" in page
    auth.logout()

    auth.login("kull1")
    app.config["PORTAL_TODAY"] = meeting  # (the day of the conversation)
    ok = _form(client, csrf, f"/follow-up/{case.id}/protocol", url,
               {"version": _version(case.id), "held_on": meeting.isoformat(),
                "protocol": "Avtalt plan for innleveringer."})
    assert ok.status_code == 303
    assert Case.get_by_id(case.id).state == "awaiting_signature"
    auth.logout()

    # The student signs: a wrong password is refused and nothing changes.
    auth.login("elev1")
    wrong = _form(client, csrf, f"/follow-up/{case.id}/sign", url,
                  {"version": _version(case.id), "password": "feil"})
    assert wrong.status_code == 422
    assert "Passordet er feil" in wrong.get_data(as_text=True)
    assert Case.get_by_id(case.id).state == "awaiting_signature"
    assert FollowUp.get(FollowUp.case == case).signed_at is None
    # (a wrong signature counts as a failed login of the account: the throttle's, as at login)
    assert LoginThrottle.get(LoginThrottle.key == "user:elev1").failures == 1
    ok = _form(client, csrf, f"/follow-up/{case.id}/sign", url,
               {"version": _version(case.id), "password": "demo"})
    assert ok.status_code == 303
    assert Case.get_by_id(case.id).state == "signed"
    assert FollowUp.get(FollowUp.case == case).signed_at is not None
    assert not LoginThrottle.select().where(LoginThrottle.key == "user:elev1").exists()
    auth.logout()

    # The teacher sees where the case stands, but not the protocol.
    auth.login("laerer1")
    page = client.get(url).get_data(as_text=True)
    assert "Avtalt plan" not in page and "Tre innleveringer mangler." in page
    auth.logout()

    # The department head records the meeting and the decision.
    auth.login("avd1")
    future = _form(client, csrf, f"/follow-up/{case.id}/decide", url,
                   {"version": _version(case.id), "meeting_on": (meeting + timedelta(days=3))
                    .isoformat(), "principal_present": "y", "coordinator_present": "y",
                    "outcome": "follow_up_plan", "summary": "Oppfølgingsplan",
                    "reasons": "Mangler innleveringer."})
    assert future.status_code == 422
    ok = _form(client, csrf, f"/follow-up/{case.id}/decide", url,
               {"version": _version(case.id), "meeting_on": meeting.isoformat(),
                "principal_present": "y", "coordinator_present": "y",
                "outcome": "follow_up_plan", "summary": "Du får en oppfølgingsplan.",
                "reasons": "Tre obligatoriske innleveringer mangler."})
    assert ok.status_code == 303
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.is_open) == ("decided", False)
    decision = Decision.get(Decision.case == case)
    assert decision.decided_by_id == s.avd.id and decision.appeal_deadline > today()
    attendees = FollowUp.get(FollowUp.case == case).decision_attendees
    assert "Randi Rektor" in attendees and "Kari Kull" in attendees
    auth.logout()

    # The student reads the decision with the right to appeal; the principal has a copy.
    auth.login("elev1")
    page = client.get(url).get_data(as_text=True)
    assert "Du får en oppfølgingsplan." in page and "klage" in page.lower()
    auth.logout()
    copy = Notification.get((Notification.user == s.rektor) & (Notification.case == case)
                            & (Notification.text_key == "copy"))
    assert copy.kind == "case_update"
    actions = [e.action for e in Event.select().where(Event.case == case).order_by(Event.id)]
    assert actions == ["file", "summon", "write_protocol", "sign", "decide"]


def _summoned_with_protocol(s):
    case = report_concern(s.elev1, s.norsk, "low_progression", s.laerer1, "Lav progresjon.")
    from portal.cases.engine import apply

    apply(case, "summon", actor=s.kull, expected_version=case.version)
    apply(case, "write_protocol", actor=s.kull, expected_version=case.version)
    FollowUp.update(protocol="Protokoll").where(FollowUp.case == case).execute()
    return case


# The audit's dates: on Wednesday 2 December 2026 the coordinator called the student to a
# conversation on Wednesday 9 December.
SUMMONED_ON = date(2026, 12, 2)
CALLED_TO = date(2026, 12, 9)


def _summoned(s, on=CALLED_TO):
    """A follow-up case whose student was summoned on SUMMONED_ON to a conversation on `on`."""
    from portal.cases.engine import apply

    case = report_concern(s.elev1, s.norsk, "low_progression", s.laerer1, "Lav progresjon.")
    event = apply(case, "summon", actor=s.kull, expected_version=case.version,
                  effect=lambda c, ev: FollowUp.update(meeting_on=on, meeting_time="10:15",
                                                       place="Rom 101")
                  .where(FollowUp.case == c).execute())
    Event.update(created_at=datetime(2026, 12, 2, 8, 30)).where(Event.id == event.id).execute()
    return Case.get_by_id(case.id)


@pytest.mark.parametrize(("today_is", "held_on", "message"), [
    (date(2026, 12, 6), "2026-12-01",
     "Studenten ble kalt inn 2. desember 2026, så protokollen kan ikke føre opp en samtale "
     "holdt før den dagen (1. desember 2026)."),
    (date(2026, 12, 6), "2026-12-07",
     "Datoen 7. desember 2026 er fram i tid: skriv protokollen etter at samtalen er holdt."),
    (date(2026, 12, 10), "2026-12-11",
     "Datoen 11. desember 2026 er fram i tid: skriv protokollen etter at samtalen er holdt."),
    (date(2026, 12, 10), "", "Skriv inn datoen samtalen ble holdt."),
])
def test_a_protocol_cannot_record_a_conversation_before_the_summons_or_in_the_future(
        app, client, auth, csrf, fagskole, today_is, held_on, message):
    """A protocol records the day the conversation was held: not before the student was
    summoned, and not after today. Refused with the rule and the dates, on the date field,
    with what the coordinator wrote kept; the case waits as it was."""
    case = _summoned(fagskole)
    app.config["PORTAL_TODAY"] = today_is
    auth.login("kull1")
    url = f"/cases/{case.id}"
    page = client.get(url).get_data(as_text=True)
    assert ("Studenten ble kalt inn 2. desember 2026 til samtale 9. desember 2026. Skriv inn "
            "dagen samtalen ble holdt: ikke før innkallingen, og ikke etter i dag.") in page
    protocol = "Vi gikk gjennom innleveringene og avtalte en plan."
    r = _form(client, csrf, f"/follow-up/{case.id}/protocol", url,
              {"version": _version(case.id), "held_on": held_on, "protocol": protocol})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f"Dato samtalen ble holdt: {message}" in html  # (the summary names the field)
    assert f"{protocol}</textarea>" in html
    assert f'name="held_on" required type="date" value="{held_on}"' in html
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == ("summoned", case.version)
    follow_up = FollowUp.get(FollowUp.case == case)
    assert (follow_up.protocol, follow_up.held_on) == (None, None)


@pytest.mark.parametrize("held_on", [SUMMONED_ON, date(2026, 12, 8), CALLED_TO,
                                     date(2026, 12, 10)])
def test_a_protocol_records_the_day_the_conversation_was_held(
        app, client, auth, csrf, fagskole, held_on):
    """From the day of the summons (the conversation moved earlier: the student came by) to
    the day called to or later (put off), up to today: the protocol goes to the student with
    that day, on its page and timeline."""
    case = _summoned(fagskole)
    app.config["PORTAL_TODAY"] = date(2026, 12, 10)
    auth.login("kull1")
    url = f"/cases/{case.id}"
    r = _form(client, csrf, f"/follow-up/{case.id}/protocol", url,
              {"version": _version(case.id), "held_on": held_on.isoformat(),
               "protocol": "Avtalt plan."})
    assert r.status_code == 303
    assert Case.get_by_id(case.id).state == "awaiting_signature"
    assert FollowUp.get(FollowUp.case == case).held_on == held_on
    day = f"{held_on.day}. desember 2026"
    event = Event.get((Event.case == case) & (Event.action == "write_protocol"))
    assert event.text == f"Samtalen ble holdt {day}."
    auth.logout()
    auth.login("elev1")
    page = client.get(url).get_data(as_text=True)
    assert f"Samtalen ble holdt {day}." in page and "Avtalt plan." in page


# The audit's meeting: Sunday 6 December 2026, the protocol signed on Friday 4 December.
MEETING = date(2026, 12, 6)
SIGNED_AT = datetime(2026, 12, 4, 9, 0)  # UTC: 10:00 in Oslo


def _answered(s, *, signed_at=SIGNED_AT, commented=False):
    """A follow-up case whose student answered the protocol at `signed_at` (UTC): signed
    it, or with `commented` commented on it instead."""
    from portal.cases.engine import apply

    case = _summoned(s, on=date(2026, 12, 2))
    apply(case, "write_protocol", actor=s.kull, expected_version=case.version)
    apply(case, "comment" if commented else "sign", actor=s.elev1,
          expected_version=case.version)
    answer = ({"commented_at": signed_at, "student_comment": "Jeg var syk."} if commented
              else {"signed_at": signed_at})
    FollowUp.update(protocol="Protokoll", protocol_by=s.kull, held_on=date(2026, 12, 2),
                    **answer).where(FollowUp.case == case).execute()
    return Case.get_by_id(case.id)


def _decide(client, csrf, case, **fields):
    data = {"version": _version(case.id), "meeting_on": MEETING.isoformat(),
            "outcome": "loss_of_study_place", "summary": "Du mister studieplassen.",
            "reasons": "Fravær over 20 %.", **fields}
    return _form(client, csrf, f"/follow-up/{case.id}/decide", f"/cases/{case.id}", data)


def _nothing_decided(case):
    stored = Case.get_by_id(case.id)
    assert (stored.state, stored.version) == (case.state, case.version)
    assert not Decision.select().where(Decision.case == case).exists()
    follow_up = FollowUp.get(FollowUp.case == case)
    assert (follow_up.decision_meeting_on, follow_up.decision_attendees) == (None, None)


LOSS_OF_RIGHTS = (
    "Rektor deltok: Tap av studieplass er et vedtak om tap av rettigheter, og det fattes "
    "ikke uten rektor (jf. skolens rutine for oppfølging av studenter som står i fare for å "
    "miste studentstatus): registrer det bare etter et møte der rektor deltok, og kryss av "
    "for «Rektor deltok».")


@pytest.mark.parametrize("coordinator_present", [False, True])
def test_loss_of_the_study_place_is_not_decided_without_the_principal(
        app, client, auth, csrf, fagskole, coordinator_present):
    """The audit: the department head alone (or with the coordinator) records "Tap av
    studieplass". A decision on loss of rights is not made without the principal [002
    § 3-3]: refused on the principal's box, citing the rule the form shows beforehand, with
    all that was typed and ticked kept; nothing is decided."""
    case = _answered(fagskole)
    app.config["PORTAL_TODAY"] = MEETING
    auth.login("avd1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert ("Vedtak om tap av studieplass krever at rektor har deltatt i møtet. (jf. skolens "
            "rutine for oppfølging av studenter som står i fare for å miste studentstatus)"
            ) in page
    ticked = {"coordinator_present": "y"} if coordinator_present else {}
    r = _decide(client, csrf, case, **ticked)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert LOSS_OF_RIGHTS in html
    assert "Du mister studieplassen.</textarea>" in html and "Fravær over 20 %.</textarea>" in html
    assert 'name="meeting_on" required type="date" value="2026-12-06"' in html
    assert 'checked id="outcome-2" name="outcome" required type="radio" ' \
           'value="loss_of_study_place"' in html
    assert ('checked id="coordinator_present"' in html) is coordinator_present
    assert 'checked id="principal_present"' not in html
    _nothing_decided(case)


def test_loss_of_the_study_place_with_the_principal_names_who_took_part(
        app, client, auth, csrf, fagskole):
    """With the principal there, the decision is made, and the record says who took part
    (here not the coordinator): the timeline, the meeting on the case page, as the student
    reads them. It no longer says that the principal and the coordinator were there."""
    case = _answered(fagskole)
    app.config["PORTAL_TODAY"] = MEETING
    auth.login("avd1")
    r = _decide(client, csrf, case, principal_present="y")
    assert r.status_code == 303
    assert Case.get_by_id(case.id).state == "decided"
    assert Decision.get(Decision.case == case).outcome == "loss_of_study_place"
    event = Event.get((Event.case == case) & (Event.action == "decide"))
    assert event.text == ("Tap av studieplass. Til stede: Arne Avd (Avdelingsleder), "
                          "Randi Rektor (Rektor).")
    follow_up = FollowUp.get(FollowUp.case == case)
    assert follow_up.decision_meeting_on == MEETING
    assert follow_up.decision_attendees == "Arne Avd (Avdelingsleder)\nRandi Rektor (Rektor)"
    auth.logout()
    auth.login("elev1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Vedtak fattet etter møtet" in page and event.text in page
    assert "<li>Arne Avd (Avdelingsleder)</li><li>Randi Rektor (Rektor)</li>" in page
    decision = Decision.get(Decision.case == case)
    present = ('<dt>Til stede på møtet</dt><dd data-part="present">Arne Avd (Avdelingsleder), '
               'Randi Rektor (Rektor)</dd>')
    assert present in page  # the letter, on the case page and on its own
    assert present in client.get(f"/cases/{case.id}/decisions/{decision.id}").get_data(
        as_text=True)
    meeting = page.split("Møte før vedtaket")[1].split("</section>")[0]
    assert "Randi Rektor" in meeting and "Kari Kull" not in meeting
    assert "møte med rektor og kullkoordinator" not in page


@pytest.mark.parametrize(("outcome", "label"), [
    ("written_warning", "Skriftlig varsel"), ("follow_up_plan", "Oppfølgingsplan med tiltak"),
    ("no_measures", "Ingen videre tiltak")])
def test_other_decisions_need_neither_the_principal_nor_the_coordinator_and_say_so(
        app, client, auth, csrf, fagskole, outcome, label):
    """The department head alone: a decision that takes no right from the student is not
    refused for want of the principal or the coordinator at the meeting (rules.py says why),
    and its record names only the department head."""
    case = _answered(fagskole)
    app.config["PORTAL_TODAY"] = MEETING
    auth.login("avd1")
    r = _decide(client, csrf, case, outcome=outcome, summary="Vedtaket.")
    assert r.status_code == 303
    event = Event.get((Event.case == case) & (Event.action == "decide"))
    assert event.text == f"{label}. Til stede: Arne Avd (Avdelingsleder)."
    assert FollowUp.get(FollowUp.case == case).decision_attendees == "Arne Avd (Avdelingsleder)"
    decision = Decision.get(Decision.case == case)
    assert decision.present == "Arne Avd (Avdelingsleder)"  # (the letter's)


@pytest.mark.parametrize(("commented", "meeting_on", "message"), [
    (False, "2026-12-03",
     "Studenten signerte protokollen 4. desember 2026, så møtet som avgjør saken, kan ikke "
     "ha vært holdt før den dagen (3. desember 2026)."),
    (True, "2026-12-03",
     "Studenten kommenterte protokollen 4. desember 2026, så møtet som avgjør saken, kan "
     "ikke ha vært holdt før den dagen (3. desember 2026)."),
    (False, "2026-12-07",
     "Møtedatoen 7. desember 2026 er fram i tid; registrer vedtaket etter møtet."),
])
def test_the_meeting_is_held_after_the_protocol_came_back_and_not_in_the_future(
        app, client, auth, csrf, fagskole, commented, meeting_on, message):
    """The meeting that decides cannot be dated before the day the student signed (or
    commented on) the protocol, nor after today; the principal there, all else in order."""
    case = _answered(fagskole, commented=commented)
    app.config["PORTAL_TODAY"] = MEETING
    auth.login("avd1")
    r = _decide(client, csrf, case, meeting_on=meeting_on, principal_present="y",
                coordinator_present="y")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f"Møtedato: {message}" in html
    assert f'name="meeting_on" required type="date" value="{meeting_on}"' in html
    assert "Du mister studieplassen.</textarea>" in html
    assert 'checked id="principal_present"' in html and 'checked id="coordinator_present"' in html
    _nothing_decided(case)


def test_the_meeting_may_be_held_the_day_the_protocol_came_back(app, client, auth, csrf,
                                                                fagskole):
    """Signed at 00:30 in Oslo on 4 December (23:30 UTC on the 3rd): a meeting that day, not
    the day before."""
    case = _answered(fagskole, signed_at=datetime(2026, 12, 3, 23, 30))
    app.config["PORTAL_TODAY"] = MEETING
    auth.login("avd1")
    assert _decide(client, csrf, case, meeting_on="2026-12-03",
                   principal_present="y").status_code == 422
    assert _decide(client, csrf, case, meeting_on="2026-12-04",
                   principal_present="y").status_code == 303
    assert FollowUp.get(FollowUp.case == case).decision_meeting_on == date(2026, 12, 4)


def test_a_comment_not_taken_is_kept(app, client, auth, csrf, fagskole):
    """The student writes a comment on the protocol on a page that is out of date: it comes
    back in its form at the new version. Sent after they signed in another window, it is
    shown, not sent."""
    case = _summoned_with_protocol(fagskole)
    seen = _version(case.id)
    Case.update(version=Case.version + 1).where(Case.id == case.id).execute()
    auth.login("elev1")
    url = f"/cases/{case.id}"
    comment = "Jeg var på tannlegen den dagen, det står ikke her."
    r = _form(client, csrf, f"/follow-up/{case.id}/comment", url,
              {"version": seen, "comment": comment})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Noen andre endret saken" in html and f"{comment}</textarea>" in html
    assert f'name="version" type="hidden" value="{_version(case.id)}"' in html
    assert _form(client, csrf, f"/follow-up/{case.id}/sign", url,
                 {"version": _version(case.id), "password": "demo"}).status_code == 303
    r = _form(client, csrf, f"/follow-up/{case.id}/comment", url,
              {"version": int(seen) + 1, "comment": comment})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Det er ikke lenger mulig" in html
    assert "Ikke sendt: det du skrev" in html and comment in html
    assert Case.get_by_id(case.id).state == "signed"
    assert FollowUp.get(FollowUp.case == case).student_comment in (None, "")


def test_student_may_comment_instead_of_signing(app, client, auth, csrf, fagskole):
    case = _summoned_with_protocol(fagskole)
    auth.login("elev1")
    url = f"/cases/{case.id}"
    empty = _form(client, csrf, f"/follow-up/{case.id}/comment", url,
                  {"version": _version(case.id), "comment": ""})
    assert empty.status_code == 422
    ok = _form(client, csrf, f"/follow-up/{case.id}/comment", url,
               {"version": _version(case.id), "comment": "Jeg var syk, det står ikke her."})
    assert ok.status_code == 303
    follow_up = FollowUp.get(FollowUp.case == case)
    assert follow_up.signed_at is None and follow_up.commented_at is not None
    assert follow_up.student_comment == "Jeg var syk, det står ikke her."
    assert Case.get_by_id(case.id).state == "commented"
    ev = Event.select().where(Event.case == case).order_by(Event.id.desc()).first()
    assert ev.action == "comment" and ev.role == "student"


def test_the_reporting_teacher_reads_neither_the_conversation_nor_the_decision(
        app, client, auth, csrf, fagskole):
    """The teacher who reported the concern sees each step taken, and their own report, but
    not the student's comment, the meeting's place, the decision or its letter; the student
    and the department head read them all. A comment stored in the timeline by an earlier
    release is hidden from the teacher as well."""
    from portal.cases import decisions
    from portal.cases.engine import apply

    s = fagskole
    case = _summoned_with_protocol(s)
    Event.update(text="Rom 101, kl. 10:15").where(
        (Event.case == case) & (Event.action == "summon")).execute()
    FollowUp.update(meeting_on=today() + timedelta(days=7), meeting_time="10:15",
                    place="Rom 101").where(FollowUp.case == case).execute()
    auth.login("laerer1")  # the conversation's time and place, while it is called
    url = f"/cases/{case.id}"
    Case.update(state="summoned").where(Case.id == case.id).execute()
    for html in (client.get(url).get_data(as_text=True),
                 client.get(f"{url}/status", headers={"HX-Request": "true"}).get_data(
                     as_text=True)):
        # The page's own timestamps are <time> elements and may read 10:15 by the clock.
        words = re.sub(r"<time\b[^>]*>.*?</time>", "", html, flags=re.S)
        assert "Rom 101" not in words and "10:15" not in words
    Case.update(state="awaiting_signature").where(Case.id == case.id).execute()
    auth.logout()
    auth.login("elev1")
    assert "Rom 101" in client.get(url).get_data(as_text=True)  # the student reads it
    auth.logout()
    auth.login("elev1")
    url = f"/cases/{case.id}"
    comment = "Jeg var syk i tre uker, det står ikke her."
    assert _form(client, csrf, f"/follow-up/{case.id}/comment", url,
                 {"version": _version(case.id), "comment": comment}).status_code == 303
    assert comment in client.get(url).get_data(as_text=True)  # with the protocol
    auth.logout()
    assert Event.get((Event.case == case) & (Event.action == "comment")).text == ""
    Event.update(text=comment).where(  # as an earlier release stored it
        (Event.case == case) & (Event.action == "comment")).execute()
    case = Case.get_by_id(case.id)
    apply(case, "decide", actor=s.avd, expected_version=case.version,
          text="Skriftlig advarsel",
          effect=lambda c, ev: decisions.issue(
              c, outcome="written_warning", summary="Du får en skriftlig advarsel.",
              reasons="Fravær over grensen.", rule_reference="forskriften § 3-3",
              decided_by=s.avd, role="department_head"))
    decision = Decision.get(Decision.case == case)
    letter = f"/cases/{case.id}/decisions/{decision.id}"
    auth.login("laerer1")
    page = client.get(url).get_data(as_text=True)
    status = client.get(f"{url}/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    for html in (page, status):
        assert comment not in html and "Rom 101" not in html
        assert "skriftlig advarsel" not in html.lower() and "Fravær over grensen" not in html
    assert "Lav progresjon." in page  # their own report
    assert client.get(letter).status_code == 404
    assert client.get(f"{letter}.pdf").status_code == 404
    auth.logout()
    for username in ("elev1", "avd1"):
        auth.login(username)
        page = client.get(url).get_data(as_text=True)
        assert comment in page and "Du får en skriftlig advarsel." in page, username
        response = client.get(letter)
        assert response.status_code == 200
        # (issued without those present: the letter names none)
        assert 'data-part="present"' not in response.get_data(as_text=True)
        auth.logout()


def test_others_cannot_act_or_see(app, client, auth, csrf, fagskole):
    case = _summoned_with_protocol(fagskole)
    auth.login("elev2")
    assert client.get(f"/cases/{case.id}").status_code == 404
    auth.logout()
    # The department head cannot sign for the student.
    auth.login("avd1")
    response = _form(client, csrf, f"/follow-up/{case.id}/sign", f"/cases/{case.id}",
                     {"version": _version(case.id), "password": "demo"})
    assert response.status_code == 303
    assert Case.get_by_id(case.id).state == "awaiting_signature"


def test_a_second_concern_joins_the_open_case(fagskole):
    s = fagskole
    first = report_concern(s.elev1, s.norsk, "low_attendance", s.laerer1, "Fravær")
    second = report_concern(s.elev1, s.matte, "academic_difficulty", s.laerer2, "Strever")
    by_limits = report_concern(s.elev1, s.norsk, "low_attendance", None, "Over 15 %")
    assert first.id == second.id == by_limits.id
    assert Concern.select().where(Concern.case == first).count() == 3
    assert Case.select().where(Case.kind == "follow_up").count() == 1


def _report_form(client, csrf):
    """The report form as the teacher's browser has it: its CSRF token and its own form token."""
    import re

    html = client.get("/follow-up/new").get_data(as_text=True)
    return csrf(html), re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)[1]


def _report(client, tokens, student, subject, text):
    csrf_token, form_token = tokens
    return client.post("/follow-up/new", data={
        "csrf_token": csrf_token, "form_token": form_token, "student": student.id,
        "subject": subject.id, "reason": "missing_work", "text": text})


def test_a_report_sent_twice_adds_one_concern(app, client, auth, csrf, fagskole):
    """A double tap, or the browser sending the report again, adds nothing the second time,
    whether the first send opened the follow-up case or joined the open one; the teacher is
    shown the case, and told so. A new form is a new report."""
    s = fagskole
    auth.login("laerer1")
    opening = _report_form(client, csrf)
    first = _report(client, opening, s.elev1, s.norsk, "Tre innleveringer mangler.")
    again = _report(client, opening, s.elev1, s.norsk, "Tre innleveringer mangler.")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Skjemaet var allerede sendt, så ingenting ble sendt på nytt. Her er saken." in html
    case = Case.get(Case.kind == "follow_up")
    assert [c.text for c in Concern.select().where(Concern.case == case)] == [
        "Tre innleveringer mangler."]

    joining = _report_form(client, csrf)
    assert joining[1] != opening[1]
    for _ in range(2):
        response = _report(client, joining, s.elev1, s.norsk, "Fortsatt ingen innlevering.")
        assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}"
    assert [c.text for c in Concern.select().where(Concern.case == case).order_by(Concern.id)] == [
        "Tre innleveringer mangler.", "Fortsatt ingen innlevering."]
    assert Event.select().where((Event.case == case)
                                & (Event.action == "concern_added")).count() == 1
    assert Case.select().where(Case.kind == "follow_up").count() == 1


def test_a_token_of_another_teachers_report_is_refused(app, client, auth, csrf, fagskole):
    s = fagskole
    auth.login("laerer1")
    tokens = _report_form(client, csrf)
    assert _report(client, tokens, s.elev1, s.norsk, "Fravær").status_code == 303
    auth.logout()
    auth.login("laerer2")
    own_csrf, _token = _report_form(client, csrf)
    refused = _report(client, (own_csrf, tokens[1]), s.elev1, s.matte, "Strever")
    assert refused.status_code == 400
    assert "Noe var galt med forespørselen" in refused.get_data(as_text=True)
    # also once the case its first send opened is closed (the token is then on a case)
    Case.update(is_open=False).where(Case.kind == "follow_up").execute()
    refused = _report(client, (own_csrf, tokens[1]), s.elev1, s.matte, "Strever")
    assert refused.status_code == 400
    assert "Noe var galt med forespørselen" in refused.get_data(as_text=True)
    assert Concern.select().count() == 1
    assert Case.select().where(Case.kind == "follow_up").count() == 1


@pytest.mark.parametrize("elev2_has_a_case", [False, True])
def test_a_sent_report_changed_to_another_student_is_refused(app, client, auth, csrf,
                                                             fagskole, elev2_has_a_case):
    """The token of a report that went in, sent again about another student (the form is
    not the one shown: it would be a new form), is refused, not taken as the first report
    sent again: the concern about the other student would be lost without a word."""
    s = fagskole
    if elev2_has_a_case:
        report_concern(s.elev2, s.norsk, "low_attendance", s.laerer2, "Fravær")
    auth.login("laerer1")
    tokens = _report_form(client, csrf)
    assert _report(client, tokens, s.elev1, s.norsk, "Tre innleveringer mangler.") \
        .status_code == 303
    refused = _report(client, tokens, s.elev2, s.norsk, "Tre innleveringer mangler.")
    assert refused.status_code == 400
    assert "Noe var galt med forespørselen" in refused.get_data(as_text=True)
    assert [c.case.student.username for c in Concern.select().order_by(Concern.id)] == (
        ["elev2", "elev1"] if elev2_has_a_case else ["elev1"])


def test_the_absence_limits_report_leaves_the_requests_form_token_alone(app, fagskole):
    """A report by the absence limits made while a request with a filing form is served
    (the student's own form, filed after it) does not take that form's token."""
    from portal.forms import sent_form_token

    s = fagskole
    with app.test_request_context("/", method="POST", data={"form_token": "t" * 22}):
        case = report_concern(s.elev1, s.norsk, "low_attendance", None, "Over 15 %")
        assert sent_form_token() == "t" * 22
    assert Case.get_by_id(case.id).form_token is None
    assert Concern.get(Concern.case == case).form_token is None


def test_two_first_reports_at_the_same_moment_open_one_case(app, fagskole):
    """Two teachers report the first concern about a student at the same moment: one
    follow-up case with both concerns, not two cases. Both reports are under way while
    another transaction holds the school's case counter (PostgreSQL: its row, FOR UPDATE;
    SQLite: the one writer), which each report that opens a case must update; without the
    student's follow-up locked first, each found no open case and opened its own."""
    import threading

    from portal.db import database
    from portal.models import CaseCounter

    s = fagskole
    counter = CaseCounter.create(school=s.school, school_year=s.year, last_number=0)
    held, go, errors = threading.Event(), threading.Event(), []

    def hold():
        with database.connection_context(), database.atomic():
            rows = CaseCounter.select().where(CaseCounter.id == counter.id)
            assert list(rows.for_update() if database.for_update else rows)
            held.set()
            go.wait(30)

    def report(teacher, text):
        try:
            with app.app_context(), database.connection_context():
                report_concern(s.elev1, s.norsk, "low_attendance", teacher, text)
        except Exception as e:  # noqa: BLE001 (the test's answer)
            errors.append(e)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    reports = [threading.Thread(target=report, args=(t, f"Fra {t.username}"))
               for t in (s.laerer1, s.laerer2)]
    for thread in reports:
        thread.start()
    for thread in reports:
        thread.join(1)  # (both under way)
    go.set()
    for thread in [holder, *reports]:
        thread.join(30)
    assert errors == []
    cases = list(Case.select().where(Case.kind == "follow_up"))
    assert len(cases) == 1
    assert sorted(c.text for c in Concern.select()) == ["Fra laerer1", "Fra laerer2"]


def test_vgs_teachers_have_no_report_form(app, client, auth, school):
    auth.login("laerer1")
    assert client.get("/follow-up/new").status_code == 404
    assert "Meld bekymring" not in client.get("/home").get_data(as_text=True)


def test_demo_adds_a_summoned_follow_up_case(db):
    from portal import demo

    demo.load(today=date(2026, 11, 23))
    case = Case.get(Case.kind == "follow_up")
    assert case.state == "summoned" and case.student.username == "student3"


def test_report_form_statements_do_not_grow_with_the_teachers_assignments(
        app, client, auth, fagskole):
    from portal.models import Enrolment, SchoolClass, Subject, TeachingAssignment
    from tests.statements import statements

    s = fagskole
    auth.login("laerer1")
    few = statements(client, "/follow-up/new")
    other = SchoolClass.create(school=s.school, school_year=s.year, name="2STA",
                               contact_teacher=s.laerer2)
    Enrolment.create(student=make_user("elev9", ["student"], s.school, "Elev Nummer9"),
                     school_class=other)
    subjects = [Subject.create(school=s.school, code=f"FAG{n}", name=f"Fag nummer {n}")
                for n in range(8)]
    for n, subject in enumerate(subjects):
        TeachingAssignment.create(teacher=s.laerer1, subject=subject,
                                  school_class=s.klass if n % 2 else other)
    assert statements(client, "/follow-up/new") == few
    html = client.get("/follow-up/new").get_data(as_text=True)
    assert "Elev Nummer9" in html and all(subject.name in html for subject in subjects)
