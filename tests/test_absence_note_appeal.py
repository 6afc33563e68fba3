"""A ruling on an appeal against an absence note's decision changes the note: the first
instance's change in the student's favour, or the appeals board's change, accepts the note
anew in the same transaction as the ruling (its covers, the records' flags, the days kept off
the diploma), recorded in the note's own timeline; a return for new treatment undoes the
decision's effect and puts the note back to its reviewer, who decides it again. Two rulings
on one note cannot both be applied.

Today is pinned to Monday 23 November 2026.
"""

import re
import threading
from datetime import date

import pytest

from portal.absence import absence_summary, record_absence
from portal.absence.models import AbsenceCover, AbsenceRecord, AbsenceWarning, ChronicCondition
from portal.cases import rulings
from portal.cases.steps import StepRefused
from portal.db import database
from portal.kinds.absence_note.models import AbsenceNote
from portal.kinds.decision_appeal.models import DecisionAppeal
from portal.models import Case, Decision, Event, User
from portal.notifications.models import Notification
from tests.factories import make_user, norsk_assignment
from tests.test_absence_note import _file, _review
from tests.test_absence_note_decision import _notes, _over_the_ten_days

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


@pytest.fixture
def staff(school):
    """The principal (first instance) and two members of the appeals board."""
    make_user("rektor", ["principal"], school.school, "Rita Rektor")
    for n in (1, 2):
        make_user(f"klage{n}", ["appeals_board"], school.school, f"Klage Medlem{n}")
    return school


def _refused(client, auth, csrf, first_day="2026-11-16", last_day="2026-11-17", category="c"):
    """elev1's note of political work (two school days by default), refused by the contact
    teacher: (its case, the refusal); nobody is logged in."""
    auth.login("elev1")
    assert _file(client, csrf, category=category, first_day=first_day,
                 last_day=last_day).status_code == 303
    case = Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()
    auth.logout()
    auth.login("laerer1")
    assert _review(client, csrf, case, "refuse", "Ikke dokumentert.").status_code == 303
    auth.logout()
    return Case.get_by_id(case.id), Decision.get(Decision.case == case)


def _appeal(client, auth, csrf, decision):
    """elev1 appeals `decision`: the appeal's case; nobody is logged in."""
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={decision.id}"
    form = client.get(url).get_data(as_text=True)
    assert client.post(url, data={
        "csrf_token": csrf(form), "change_wanted": "At dagene holdes utenfor vitnemålet.",
        "reasons": "Jeg var på landsmøtet.", "confirm": "y",
        "password": "demo"}).status_code == 303
    auth.logout()
    return Case.get_by_id(DecisionAppeal.get(DecisionAppeal.decision == decision).case_id)


def _reverse(client, auth, csrf, appeal, outcome="granted", reasons="Medhold."):
    auth.login("rektor")
    page = client.get(f"/cases/{appeal.id}").get_data(as_text=True)
    response = client.post(f"/decision-appeals/{appeal.id}/reverse", data={
        "csrf_token": csrf(page), "version": Case.get_by_id(appeal.id).version,
        "outcome": outcome, "reasons": reasons})
    auth.logout()
    return response


def _forward(client, auth, csrf, appeal):
    auth.login("rektor")
    page = client.get(f"/cases/{appeal.id}").get_data(as_text=True)
    assert client.post(f"/decision-appeals/{appeal.id}/forward", data={
        "csrf_token": csrf(page), "version": Case.get_by_id(appeal.id).version,
        "assessment": "Ingen grunn til endring."}).status_code == 303
    auth.logout()


def _board(client, auth, csrf, appeal, vote, **extra):
    """klage1 records the board's meeting today, chaired by klage1, who votes `vote`."""
    from portal.models import User

    k1 = User.get(User.username == "klage1")
    auth.login("klage1")
    page = client.get(f"/cases/{appeal.id}").get_data(as_text=True)
    response = client.post(f"/decision-appeals/{appeal.id}/decide", data={
        "csrf_token": csrf(page), "version": Case.get_by_id(appeal.id).version,
        "meeting_on": TODAY.isoformat(), "chair": str(k1.id), f"vote_{k1.id}": vote,
        "minutes": "Møte. Til stede: leder.", **extra})
    auth.logout()
    return response


def _covers(case):
    return [(c.date, c.documented, c.struck) for c in AbsenceCover.select().where(
        AbsenceCover.case == case.id).order_by(AbsenceCover.date)]


def _absence_page(client, auth):
    auth.login("elev1")
    html = " ".join(client.get("/absence/").get_data(as_text=True).split())
    auth.logout()
    return html


def _events(case):
    return [(e.action, e.role, e.state_after) for e in Event.select().where(
        Event.case == case.id).order_by(Event.id)]


def test_the_principal_reverses_a_refusal_and_the_note_is_accepted(client, auth, csrf, staff):
    """Refused: the two days count as undocumented absence. The principal changes the
    decision in full: in the same step the note is accepted, its days documented and kept off
    the diploma, the records follow, and the note's timeline and the student's absence page
    say so."""
    norsk = norsk_assignment(staff)
    for day in (date(2026, 11, 16), date(2026, 11, 17)):
        record_absence(norsk, staff.elev1, day, 1)
    note_case, refusal = _refused(client, auth, csrf)
    assert _covers(note_case) == []
    assert "Dager holdt utenfor vitnemålet: 0 av 10, 10 igjen." in _absence_page(client, auth)
    appeal = _appeal(client, auth, csrf, refusal)
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    assert Case.get_by_id(appeal.id).state == "reversed"
    note_case = Case.get_by_id(note_case.id)
    assert note_case.state == "accepted"
    assert _covers(note_case) == [(date(2026, 11, 16), True, True),
                                  (date(2026, 11, 17), True, True)]
    assert [(r.documented, r.struck) for r in AbsenceRecord.select()
            .order_by(AbsenceRecord.date)] == [(True, True), (True, True)]
    summary = absence_summary(staff.elev1, staff.year, TODAY)
    assert summary.struck_days == 2
    assert next(f for f in summary if f.subject == "Norsk").undocumented == 0
    # the note's own timeline, by the principal, in the same moment as the appeal's step
    change = Event.get((Event.case == note_case.id) & (Event.action == "appeal_change"))
    reverse = Event.get((Event.case == appeal.id) & (Event.action == "reverse"))
    assert (change.role, change.state_before, change.actor.username) == (
        "principal", "refused", "rektor")
    assert change.created_at == reverse.created_at or change.id == reverse.id + 1
    assert change.data == {"appeal": appeal.id, "decision": refusal.id, "outcome": "granted"}
    note = AbsenceNote.get(AbsenceNote.case == note_case.id)
    assert note.outcome["struck"] == ["2026-11-16", "2026-11-17"]
    assert not note.outcome["partial"]
    auth.login("elev1")
    page = " ".join(client.get(f"/cases/{note_case.id}").get_data(as_text=True).split())
    auth.logout()
    assert f"Endret til elevens gunst etter klage (sak {appeal.reference})" in page
    assert "Endret etter klage" in page and "Rita Rektor (Rektor)" in page
    assert "Holdt utenfor vitnemålet: 16. november 2026, 17. november 2026." in page
    assert "Dager holdt utenfor vitnemålet: 2 av 10, 8 igjen." in _absence_page(client, auth)
    # the student hears of it in the note, too
    assert Notification.select().where((Notification.event == change)
                                       & (Notification.user == staff.elev1)).exists()


def test_an_acceptance_in_part_changed_in_full_keeps_every_day_off_the_diploma(
        client, auth, csrf, staff):
    """Ten days accepted, then two over the ten accepted in part. The principal changes
    the decision in part in full: the two days are kept off the diploma too, by the ruling,
    over the limit: the count against it stays 10 of 10, and the two are named beside it."""
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    auth.logout()
    decision = Decision.get(Decision.case == case)
    assert _covers(case) == [(date(2026, 11, 16), True, False),
                             (date(2026, 11, 17), True, False)]
    appeal = _appeal(client, auth, csrf, decision)
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    assert Case.get_by_id(case.id).state == "accepted"
    assert _covers(case) == [(date(2026, 11, 16), True, True),
                             (date(2026, 11, 17), True, True)]
    note = AbsenceNote.get(AbsenceNote.case == case)
    assert not note.outcome["partial"]
    assert "over grensen i reglene: 16. november 2026, 17. november 2026." in \
        note.outcome["explanation"]
    assert _events(case)[-1] == ("appeal_change", "principal", "accepted")
    # the two days are kept off by the ruling, beside the count against the ten, not in it:
    # in the note's timeline and on the student's page, naming the appeal (linked for them)
    assert "Dager holdt utenfor vitnemålet dette skoleåret: 10 av 10, 0 igjen." in \
        note.outcome["explanation"]
    assert "av 10" not in note.outcome["explanation"].replace("10 av 10", "")
    assert [c.appeal_id for c in AbsenceCover.select().where(AbsenceCover.case == case.id)
            .order_by(AbsenceCover.date)] == [appeal.id, appeal.id]
    page = _absence_page(client, auth)
    assert "Dager holdt utenfor vitnemålet: 10 av 10, 0 igjen." in page
    assert "12 av 10" not in page
    assert (f'Også holdt utenfor vitnemålet, over grensen, etter klageavgjørelsen i sak '
            f'<a href="/cases/{appeal.id}">{appeal.reference}</a>: 16. november 2026, '
            f'17. november 2026.') in page
    summary = absence_summary(staff.elev1, staff.year, TODAY)
    assert (summary.struck_days, summary.struck_days_left) == (10, 0)
    assert [(r.appeal_id, r.days) for r in summary.ruled_over_limit] == [
        (appeal.id, (date(2026, 11, 16), date(2026, 11, 17)))]


def test_a_refusal_changed_in_part_is_accepted_as_the_rules_allow(client, auth, csrf, staff):
    """Ten days accepted; a note of two more refused. Changed "in part", it is accepted as
    the rules allow: documented (outside the absence limit), but on the diploma."""
    (first,) = _notes(client, auth, csrf, "c", ("2026-11-02", "2026-11-13"))
    auth.login("laerer1")
    assert _review(client, csrf, first, "accept").status_code == 303
    auth.logout()
    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    assert _reverse(client, auth, csrf, appeal, "partly_granted").status_code == 303
    assert Case.get_by_id(note_case.id).state == "accepted"
    assert _covers(note_case) == [(date(2026, 11, 16), True, False),
                                  (date(2026, 11, 17), True, False)]
    note = AbsenceNote.get(AbsenceNote.case == note_case)
    assert note.outcome["partial"] and "slik reglene tillater" in note.outcome["explanation"]


def test_a_change_in_part_that_the_rules_make_whole_is_refused(client, auth, csrf, staff):
    """A refused note within the limits: accepted as the rules allow, every day is kept off
    the diploma, so it cannot be changed "in part". Refused with why, the principal's
    reasons kept, nothing stored."""
    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    response = _reverse(client, auth, csrf, appeal, "partly_granted", "Delvis medhold her.")
    html = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 422
    assert "det er en endring i sin helhet, ikke delvis" in html
    assert "Delvis medhold her.</textarea>" in html
    assert Case.get_by_id(appeal.id).state == "filed"
    assert Case.get_by_id(note_case.id).state == "refused" and _covers(note_case) == []
    assert not Decision.select().where(Decision.case == appeal.id).exists()


def test_a_refused_correction_changed_corrects_the_absence(client, auth, csrf, staff):
    """A request to correct a wrongly recorded lesson, refused, then changed on appeal: the
    record no longer counts."""
    record = record_absence(norsk_assignment(staff), staff.elev1, date(2026, 11, 16), 2)
    auth.login("elev1")
    url = f"/absence-notes/correction/{record.id}"
    assert client.post(url, data={"csrf_token": csrf(client.get(url).get_data(as_text=True)),
                                  "explanation": "Jeg var der."}).status_code == 303
    auth.logout()
    case = Case.get(Case.kind == "absence_note")
    auth.login("laerer1")
    assert _review(client, csrf, case, "refuse", "Du var borte.").status_code == 303
    auth.logout()
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    assert Case.get_by_id(case.id).state == "accepted"
    assert AbsenceRecord.get_by_id(record.id).corrected
    assert next(f for f in absence_summary(staff.elev1, staff.year, TODAY)
                if f.subject == "Norsk").lessons_absent == 0


def test_the_ruling_and_its_change_to_the_note_are_one_step(client, auth, csrf, staff,
                                                             monkeypatch):
    """When the note cannot be changed, the ruling is not recorded either."""
    from portal.kinds.absence_note import review

    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)

    def broken(case, note, outcome, **ruled):
        raise RuntimeError("the covers could not be written")

    monkeypatch.setattr(review, "cover", broken)
    with pytest.raises(RuntimeError):
        _reverse(client, auth, csrf, appeal)
    assert Case.get_by_id(appeal.id).state == "filed"
    assert not Decision.select().where(Decision.case == appeal.id).exists()
    assert DecisionAppeal.get(DecisionAppeal.case == appeal.id).outcome is None
    assert Case.get_by_id(note_case.id).state == "refused"
    assert _events(note_case)[-1][0] == "refuse"


def test_the_board_changes_the_decision_to_what_it_chooses(client, auth, csrf, staff):
    """Forwarded, the board's majority changes the decision: it must say to what; changed
    in full, the note is accepted, by the board."""
    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    _forward(client, auth, csrf, appeal)
    response = _board(client, auth, csrf, appeal, "changed")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Flertallet endrer vedtaket: velg hva det endres til." in html
    assert Case.get_by_id(appeal.id).state == "with_board"
    assert Case.get_by_id(note_case.id).state == "refused"
    assert _board(client, auth, csrf, appeal, "changed",
                  new_outcome="granted").status_code == 303
    assert DecisionAppeal.get(DecisionAppeal.case == appeal.id).new_outcome == "granted"
    assert Case.get_by_id(note_case.id).state == "accepted"
    assert _covers(note_case) == [(date(2026, 11, 16), True, True),
                                  (date(2026, 11, 17), True, True)]
    assert _events(note_case)[-1] == ("appeal_change", "appeals_board", "accepted")
    auth.login("elev1")
    page = " ".join(client.get(f"/cases/{appeal.id}").get_data(as_text=True).split())
    auth.logout()
    assert "Vedtaket endres</strong>: Til elevens gunst: endringen det ble klaget om." in page


def test_upheld_changes_nothing(client, auth, csrf, staff):
    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "upheld",
                  new_outcome="granted").status_code == 303  # (ignored: not changed)
    assert DecisionAppeal.get(DecisionAppeal.case == appeal.id).new_outcome is None
    assert Case.get_by_id(note_case.id).state == "refused" and _covers(note_case) == []
    assert _events(note_case)[-1][0] == "refuse"


def test_returned_for_new_treatment_the_reviewer_decides_the_note_again(client, auth, csrf,
                                                                       staff):
    """An acceptance in part returned by the board: its covers are undone, the note is sent
    again and waits for the contact teacher (told so, and in their list), who can accept it
    again, issuing a new decision."""
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    auth.logout()
    decision = Decision.get(Decision.case == case)
    appeal = _appeal(client, auth, csrf, decision)
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "returned").status_code == 303
    case = Case.get_by_id(case.id)
    assert (case.state, case.is_open) == ("submitted", True)
    assert _covers(case) == []
    assert AbsenceNote.get(AbsenceNote.case == case).outcome is None
    returned = Event.get((Event.case == case.id) & (Event.action == "appeal_return"))
    assert (returned.role, returned.state_before) == ("appeals_board", "accepted")
    assert Notification.get((Notification.event == returned)
                            & (Notification.user == staff.laerer1)).kind == "action_needed"
    auth.login("laerer1")
    home = client.get("/home").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in home
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Godta delvis og fatt vedtaket" in page  # the review box again
    assert _review(client, csrf, case, "accept_in_part", "Ny behandling.").status_code == 303
    auth.logout()
    assert Case.get_by_id(case.id).state == "accepted"
    assert Decision.select().where(Decision.case == case).count() == 2
    assert _covers(case) == [(date(2026, 11, 16), True, False),
                             (date(2026, 11, 17), True, False)]


def test_a_refusal_returned_goes_back_to_the_reviewer(client, auth, csrf, staff):
    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "returned").status_code == 303
    assert Case.get_by_id(note_case.id).state == "submitted"
    auth.login("laerer1")
    assert _review(client, csrf, note_case, "accept").status_code == 303
    assert _covers(note_case) == [(date(2026, 11, 16), True, True),
                                  (date(2026, 11, 17), True, True)]


def _two_appeals_on_one_decision(client, auth, csrf):
    """A note accepted in part, appealed twice (two appeals sent at the same moment, both
    received): (the note's case, the two appeals' cases)."""
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    auth.logout()
    decision = Decision.get(Decision.case == case)
    first = _appeal(client, auth, csrf, decision)
    row = DecisionAppeal.get(DecisionAppeal.case == first.id)
    second = Case.create(**{f.name: getattr(first, f.name) for f in Case._meta.sorted_fields
                            if f.name not in ("id", "number", "form_token")},
                         number=first.number + 1)
    from portal.models import Participant

    for p in Participant.select().where(Participant.case == first.id):
        Participant.create(case=second, user=p.user, part=p.part, added_at=p.added_at)
    DecisionAppeal.create(**{**{f.name: getattr(row, f.name) for f in
                                DecisionAppeal._meta.sorted_fields if f.name != "id"},
                             "case": second})
    return case, first, second


def test_the_same_decision_changed_twice_is_refused_the_second_time(client, auth, csrf,
                                                                    staff):
    """The second appeal on a decision already changed: the decision no longer stands as it
    was, so the ruling is not recorded, and the principal reads why."""
    case, first, second = _two_appeals_on_one_decision(client, auth, csrf)
    assert _reverse(client, auth, csrf, first).status_code == 303
    response = _reverse(client, auth, csrf, second, reasons="Også medhold.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "er ikke lenger slik vedtaket som er påklaget etterlot den" in html
    assert Case.get_by_id(second.id).state == "filed"
    assert [e[0] for e in _events(case)].count("appeal_change") == 1


def test_two_rulings_on_one_note_at_once_cannot_both_win(app, client, auth, csrf, staff):
    """Two principals change the decision through its two appeals at the same moment: one
    ruling is applied to the note, the other is refused and nothing of it stored."""
    from portal.models import User

    case, first, second = _two_appeals_on_one_decision(client, auth, csrf)
    rektor = User.get(User.username == "rektor")
    barrier = threading.Barrier(2)
    outcomes = []

    def rule(appeal_id):
        from portal.cases.engine import apply

        with app.test_request_context(), database.connection_context():
            appeal = Case.get_by_id(appeal_id)
            row = DecisionAppeal.get(DecisionAppeal.case == appeal_id)
            decision = (Decision.select(Decision, Case).join(Case)
                        .where(Decision.id == row.decision_id).get())
            barrier.wait()
            try:
                apply(appeal, "reverse", actor=rektor, expected_version=appeal.version,
                      effect=lambda c, e: rulings.apply(rulings.Ruling(
                          decision=decision, outcome="granted", actor=rektor,
                          role="principal", appeal=c)))
                outcomes.append("won")
            except StepRefused as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=rule, args=(a.id,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes, key=len)[0] == "won" and len(outcomes) == 2
    assert re.search(r"(er endret etter at denne siden|ikke lenger slik)",
                     sorted(outcomes, key=len)[1])
    assert sorted(Case.get_by_id(a.id).state for a in (first, second)) == ["filed", "reversed"]
    assert [e[0] for e in _events(case)].count("appeal_change") == 1
    assert _covers(case) == [(date(2026, 11, 16), True, True),
                             (date(2026, 11, 17), True, True)]


# -- days kept off the diploma over the limit by a ruling ----------------------------------------

def _kept_over_the_ten(client, auth, csrf):
    """Ten days accepted, two more over the ten accepted in part, and the principal changes
    the decision in full: (the note's case, the appeal's case); nobody is logged in."""
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    auth.logout()
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    return case, Case.get_by_id(appeal.id)


RULED_DAYS = "16. november 2026, 17. november 2026"
# the line for one who may not open the appeal's case: the days, no appeal named
UNNAMED = f"Også holdt utenfor vitnemålet, over grensen, etter særskilt vedtak: {RULED_DAYS}."


def _named(appeal) -> str:
    """The line for one who may open the appeal's case: its number, linked."""
    return (f"Også holdt utenfor vitnemålet, over grensen, etter klageavgjørelsen i sak "
            f'<a href="/cases/{appeal.id}">{appeal.reference}</a>: {RULED_DAYS}.')


def _told_of_the_appeal(html: str, appeal) -> bool:
    return appeal.reference in html or f"/cases/{appeal.id}" in html or \
        "klageavgjørelsen" in html


def test_staff_see_the_days_a_ruling_keeps_off_beside_the_count(client, auth, csrf, staff):
    """The class overview and the student's page for staff count 10 of 10 and name the
    ruling's two days beside it. Only one who may open the appeal's case (as its page lets
    them: the principal who decided it) is told of the appeal, by its number, linked; the
    class's teachers, its contact teacher among them, have no part in it: they read the days
    on a line that names no appeal, and nothing on the page tells them the student appealed
    (the appeal's number was shown to them unlinked)."""
    _case, appeal = _kept_over_the_ten(client, auth, csrf)
    pages = (f"/absence/classes/{staff.klass.id}", f"/absence/students/{staff.elev1.id}")
    may_open = {}
    for username in ("laerer1", "laerer2", "rektor"):
        auth.login(username)
        may_open[username] = client.get(f"/cases/{appeal.id}").status_code == 200
        for url in pages:
            html = " ".join(client.get(url).get_data(as_text=True).split())
            assert "Dager holdt utenfor vitnemålet: 10 av 10, 0 igjen." in html, (username, url)
            assert "12 av 10" not in html
            if may_open[username]:
                assert _named(appeal) in html and UNNAMED not in html, (username, url)
            else:
                assert UNNAMED in html, (username, url)
                assert not _told_of_the_appeal(html, appeal), (username, url)
        auth.logout()
    # the contact teacher and the subject teacher may not open the appeal; the principal may
    assert may_open == {"laerer1": False, "laerer2": False, "rektor": True}
    # the student's own page names their appeal, linked
    assert _named(appeal) in _absence_page(client, auth)


def test_the_pages_ask_as_many_statements_whoever_reads_and_however_many_ruled_days(
        client, auth, csrf, staff):
    """Whether the reader may open each appeal's case is asked in the statement that reads
    the ruled days: the class overview, the student's page and the study-leave coordinator's
    page ask as many statements for more students and days kept off by rulings, within the
    budget, for one who may open the appeal and one who may not."""
    from tests.statements import statements
    from tests.test_statement_budget import STATEMENT_BUDGET

    note_case, appeal = _kept_over_the_ten(client, auth, csrf)
    leave = _study_leave(client, auth, csrf)
    pages = {"laerer1": (f"/absence/classes/{staff.klass.id}",
                         f"/absence/students/{staff.elev1.id}"),
             "rektor": (f"/absence/classes/{staff.klass.id}",
                        f"/absence/students/{staff.elev1.id}"),
             "trinn1": (f"/cases/{leave.id}",)}
    few = {}
    for username, urls in pages.items():
        auth.login(username)
        for url in urls:
            few[username, url] = statements(client, url)
            assert few[username, url] <= STATEMENT_BUDGET, (username, url)
        auth.logout()
    for student in (staff.elev1, staff.elev2):  # more days, and another student's, ruled
        for day in (date(2026, 11, 19), date(2026, 11, 20)):
            AbsenceCover.create(student=student, school_year=staff.year, case=note_case,
                                date=day, category="c", struck=True, appeal=appeal)
    for username, urls in pages.items():
        auth.login(username)
        for url in urls:
            assert statements(client, url) == few[username, url], (username, url)
            html = client.get(url).get_data(as_text=True)
            assert "20. november 2026" in html, (username, url)
        auth.logout()


def _study_leave(client, auth, csrf):
    """elev1 applies for independent study 30 Nov – 2 Dec: its case; nobody is logged in."""
    auth.login("elev1")
    token = csrf(client.get("/home").get_data(as_text=True))
    assert client.post("/study-leave/new", data={
        "first_day": "2026-11-30", "last_day": "2026-12-02", "reason": "Landsfinale i orientering",
        "csrf_token": token}, content_type="multipart/form-data").status_code == 303
    auth.logout()
    return Case.select().where(Case.kind == "study_leave").order_by(Case.id.desc()).get()


def test_the_study_leave_coordinator_reads_the_ruled_days_beside_the_count(
        client, auth, csrf, staff):
    """The year coordinator weighing an application for independent study reads the
    student's days kept off the diploma as 10 of 10 and, as the absence pages name them, the
    days a ruling keeps off over the limit on a line of their own (they were left out
    without a word); the coordinator has no part in the appeal: no appeal is named."""
    _case, appeal = _kept_over_the_ten(client, auth, csrf)
    leave = _study_leave(client, auth, csrf)
    auth.login("trinn1")
    assert client.get(f"/cases/{appeal.id}").status_code == 404
    html = " ".join(client.get(f"/cases/{leave.id}").get_data(as_text=True).split())
    auth.logout()
    assert "Dager holdt utenfor vitnemålet: 10 av 10." in html
    assert UNNAMED in html
    assert not _told_of_the_appeal(html, appeal)


def test_a_later_note_counts_ten_of_ten_and_names_the_ruling(client, auth, csrf, staff):
    """After the ruling, the reviewer of another note reads 10 of 10 with the ruling's days
    beside it, and the note is accepted only in part: the ruling's days do not free a place
    under the limit, nor count twice against it."""
    _case, appeal = _kept_over_the_ten(client, auth, csrf)
    (later,) = _notes(client, auth, csrf, "c", ("2026-11-18", "2026-11-18"))[-1:]
    auth.login("laerer1")
    html = " ".join(client.get(f"/cases/{later.id}").get_data(as_text=True).split())
    assert "Dager holdt utenfor vitnemålet dette skoleåret: 10 av 10, 0 igjen." in html
    # the contact teacher reviews it, with no part in the appeal: the days, no appeal named,
    # in what accepting will write in the note's timeline, which all with a part in it read
    assert UNNAMED in html and not _told_of_the_appeal(html, appeal)
    assert "12 av 10" not in html
    assert 'value="accept_in_part"' in html and 'value="accept"' not in html
    assert _review(client, csrf, later, "accept_in_part").status_code == 303
    auth.logout()
    assert _covers(later) == [(date(2026, 11, 18), True, False)]
    summary = absence_summary(staff.elev1, staff.year, TODAY)
    assert (summary.struck_days, summary.struck_days_left) == (10, 0)
    explanation = AbsenceNote.get(AbsenceNote.case == later.id).outcome["explanation"]
    assert UNNAMED in explanation and not _told_of_the_appeal(explanation, appeal)


def test_only_the_days_past_the_ten_are_the_rulings_when_a_religious_limit_was_passed(
        client, auth, csrf, staff):
    """Two religious holidays and seven days of political work accepted: nine of ten. A note
    of two more religious holidays passes the limit of two for them and is accepted in part
    (both on the diploma). Changed in full, both are kept off: the first fills the tenth
    place, only the second is the ruling's, over the ten."""
    first, second = _notes(client, auth, csrf, "religious", ("2026-11-02", "2026-11-03"),
                           ("2026-11-13", "2026-11-16"))[-2:]
    (political,) = _notes(client, auth, csrf, "c", ("2026-11-04", "2026-11-12"))[-1:]
    auth.login("laerer1")
    for case in (first, political):
        assert _review(client, csrf, case, "accept").status_code == 303
    assert _review(client, csrf, second, "accept_in_part").status_code == 303
    auth.logout()
    assert _covers(second) == [(date(2026, 11, 13), True, False),
                               (date(2026, 11, 16), True, False)]
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == second))
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    assert _covers(second) == [(date(2026, 11, 13), True, True),
                               (date(2026, 11, 16), True, True)]
    note = AbsenceNote.get(AbsenceNote.case == second.id)
    assert "Dager holdt utenfor vitnemålet dette skoleåret: 10 av 10, 0 igjen." in \
        note.outcome["explanation"]
    page = _absence_page(client, auth)
    assert "Dager holdt utenfor vitnemålet: 10 av 10, 0 igjen." in page
    assert (f'etter klageavgjørelsen i sak <a href="/cases/{appeal.id}">{appeal.reference}</a>: '
            f"16. november 2026.") in page
    assert [(c.date, c.appeal_id) for c in AbsenceCover.select().where(
        AbsenceCover.case == second.id).order_by(AbsenceCover.date)] == [
        (date(2026, 11, 13), None), (date(2026, 11, 16), appeal.id)]


# -- what an undone acceptance leaves: absence warnings, a chronic condition ---------------------

# Seven lessons of Norsk missed in September, undocumented: 7 of 113 planned = 6.2 %, under
# the early warning (8 %); with the two of 16-17 November, 9 = 8.0 %: crossed.
SEPTEMBER = [date(2026, 9, d) for d in (1, 2, 3, 4, 7, 8, 9)]
NOTE_DAYS = [date(2026, 11, 16), date(2026, 11, 17)]


def _absent(s, days):
    for day in days:
        record_absence(norsk_assignment(s), s.elev1, day, 1)


def _warnings():
    return sorted((w.student.username, w.rule_key, w.percent) for w in AbsenceWarning.select())


def _warned(username):
    """Whether `username` has been told of an absence warning (their notification list)."""
    return Notification.select().join(User, on=(Notification.user == User.id)).where(
        (User.username == username) & (Notification.kind == "absence_warning")).exists()


def test_an_acceptance_returned_gives_the_warning_its_days_now_give(client, auth, csrf, staff,
                                                                    monkeypatch):
    """The note of 16-17 November accepted in part (documented, over the ten) before the
    lessons of those days were recorded: they came in documented, 7 of 113, no warning.
    Returned by the board, the days are undocumented again, 9 of 113: the early warning is
    given, and the student and the contact teacher told, in the ruling's transaction (a
    ruling that fails leaves none). Accepted again, the warning given stays: it is the
    record that the student was warned."""
    _absent(staff, SEPTEMBER)
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    auth.logout()
    _absent(staff, NOTE_DAYS)
    assert [(r.date, r.documented) for r in AbsenceRecord.select().where(
        AbsenceRecord.date.in_(NOTE_DAYS)).order_by(AbsenceRecord.date)] == [
        (NOTE_DAYS[0], True), (NOTE_DAYS[1], True)]
    assert _warnings() == []
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    _forward(client, auth, csrf, appeal)

    def broken(self, *args, **kwargs):
        raise RuntimeError("the note could not be saved")

    with monkeypatch.context() as m:
        m.setattr(AbsenceNote, "save", broken)
        with pytest.raises(RuntimeError):
            _board(client, auth, csrf, appeal, "returned")
    auth.logout()
    assert Case.get_by_id(case.id).state == "accepted" and _warnings() == []
    assert not _warned("elev1")

    assert _board(client, auth, csrf, appeal, "returned").status_code == 303
    assert Case.get_by_id(case.id).state == "submitted"
    assert _warnings() == [("elev1", "attendance_early_warning", 8.0)]
    assert _warned("elev1") and _warned("laerer1")
    assert "<strong>Norsk: 8,0 % fravær</strong>" in _absence_page(client, auth)
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept_in_part", "Ny behandling.").status_code == 303
    auth.logout()
    assert _warnings() == [("elev1", "attendance_early_warning", 8.0)]


def _chronic_note(client, auth, csrf, **fields):
    """elev1's note of health absence documenting a chronic condition (16-17 November by
    default): its case; nobody is logged in."""
    auth.login("elev1")
    assert _file(client, csrf, category="a", chronic="y", **{
        "first_day": "2026-11-16", "last_day": "2026-11-17", **fields}).status_code == 303
    auth.logout()
    return Case.select().where(Case.kind == "absence_note").order_by(Case.id.desc()).get()


def _chronic_in_part(client, auth, csrf):
    """Ten days of political work accepted; then a note of health absence documenting a
    chronic condition, 16-17 November (over the ten), accepted in part, which files the
    condition: its case; nobody is logged in."""
    (first,) = _notes(client, auth, csrf, "c", ("2026-11-02", "2026-11-13"))
    auth.login("laerer1")
    assert _review(client, csrf, first, "accept").status_code == 303
    auth.logout()
    case = _chronic_note(client, auth, csrf)
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    auth.logout()
    return case


def _returned(client, auth, csrf, case):
    """The acceptance in part of `case` appealed, and returned by the board: the note's
    appeal_return event."""
    appeal = _appeal(client, auth, csrf, Decision.get(Decision.case == case))
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "returned").status_code == 303
    assert Case.get_by_id(case.id).state == "submitted"
    return Event.get((Event.case == case.id) & (Event.action == "appeal_return"))


def _timeline(client, auth, case):
    auth.login("elev1")
    html = " ".join(client.get(f"/cases/{case.id}").get_data(as_text=True).split())
    auth.logout()
    return html


def test_a_returned_acceptance_takes_the_chronic_condition_it_filed_with_it(client, auth,
                                                                            csrf, staff):
    """The note's acceptance filed the chronic condition; returned, the condition is no
    longer on file (health absence counts from day 4 again), and the note's timeline says
    so. Accepted again, it is filed again."""
    case = _chronic_in_part(client, auth, csrf)
    assert ChronicCondition.get(ChronicCondition.student == staff.elev1).case_id == case.id
    event = _returned(client, auth, csrf, case)
    assert not ChronicCondition.on_file(staff.elev1, staff.year)
    said = ("Den kroniske sykdommen eller funksjonsnedsettelsen som ble dokumentert med denne "
            "meldingen, er ikke lenger registrert for dette skoleåret: til den er dokumentert "
            "igjen, holdes helsefravær utenfor vitnemålet først fra dag 4 (jf. opplæringslova "
            "§ 3-47).")
    assert said in event.text and event.data["chronic_condition"] == "removed"
    assert said in _timeline(client, auth, case)
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept_in_part", "Ny behandling.").status_code == 303
    auth.logout()
    assert ChronicCondition.get(ChronicCondition.student == staff.elev1).case_id == case.id


@pytest.mark.parametrize("otherwise", ["another_note", "independent"])
def test_a_chronic_condition_documented_otherwise_stays(client, auth, csrf, staff, otherwise):
    """A condition filed without the note (by hand, no case) stays as it is when the note's
    acceptance is returned; one its acceptance filed that another accepted note documents
    too (its acceptance found it on file) goes over to that note. Either way the timeline
    says it stays on file."""
    if otherwise == "independent":
        ChronicCondition.create(student=staff.elev1, school_year=staff.year, case=None)
    case = _chronic_in_part(client, auth, csrf)
    if otherwise == "another_note":
        other = _chronic_note(client, auth, csrf, scope="lessons", lesson_day="2026-11-18",
                              lessons="1, 2")
        auth.login("laerer1")
        assert _review(client, csrf, other, "accept").status_code == 303
        auth.logout()
        assert ChronicCondition.get(ChronicCondition.student == staff.elev1).case_id == case.id
    event = _returned(client, auth, csrf, case)
    record = ChronicCondition.get(ChronicCondition.student == staff.elev1)
    if otherwise == "independent":
        assert record.case_id is None
        said = "den er dokumentert uavhengig av denne meldingen."
        assert event.data["chronic_condition"] == "kept"
    else:
        accepted = Event.get((Event.case == other.id) & (Event.action == "accept"))
        assert (record.case_id, record.accepted_by_id) == (other.id, User.get(
            User.username == "laerer1").id)
        assert record.accepted_at == accepted.created_at
        said = f"den godtatte fraværsmeldingen {other.reference} dokumenterer den også."
        assert event.data["chronic_condition"] == "handed_over"
    assert ("Den kroniske sykdommen eller funksjonsnedsettelsen er fortsatt registrert for "
            "dette skoleåret: " + said) in event.text
    assert said in _timeline(client, auth, case)
