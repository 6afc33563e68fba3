"""An absence note accepted in part: where a limit (the 10 school days a year, the two days
for religious holidays) keeps days on the diploma that the note asks to keep off it, the
acceptance refuses the note for those days, and that is a decision (enkeltvedtak) with its
reasons and the right to appeal (forvaltningsloven §§ 24-27; domain.md § 5), appealed through
the decision appeal. A full acceptance refuses nothing and issues none.

Today is pinned to Monday 23 November 2026.
"""

import re
from datetime import date

import pytest

from portal.absence.models import AbsenceCover
from portal.kinds.decision_appeal.models import DecisionAppeal
from portal.models import Case, Decision, Event
from portal.notifications.models import Notification
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import deadline_after
from tests.factories import make_user
from tests.statements import statements
from tests.tabs import sent_from_two_tabs_at_once
from tests.test_absence_note import _accept, _file, _review
from tests.test_statement_budget import STATEMENT_BUDGET

TODAY = date(2026, 11, 23)
IN_PART = "Godta delvis og fatt vedtaket"


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _notes(client, auth, csrf, category, *spans):
    """elev1 files a note of whole days for each (first day, last day) in `spans`; the cases,
    in that order; nobody is logged in."""
    auth.login("elev1")
    for first_day, last_day in spans:
        assert _file(client, csrf, category=category, first_day=first_day,
                     last_day=last_day).status_code == 303
    auth.logout()
    return list(Case.select().where(Case.kind == "absence_note").order_by(Case.id))


def _over_the_ten_days(client, auth, csrf):
    """Political work, Mon 2 – Fri 13 Nov 2026 (10 school days), accepted in full by the
    contact teacher, who is still logged in; then Mon 16 – Tue 17 Nov filed (over the 10):
    (the first case, the second)."""
    first, second = _notes(client, auth, csrf, "c", ("2026-11-02", "2026-11-13"),
                           ("2026-11-16", "2026-11-17"))
    auth.login("laerer1")
    assert _review(client, csrf, first, "accept").status_code == 303
    return first, second


def _review_box(html: str) -> str:
    return html[html.index('id="review-heading"'):html.index("</section>",
                                                             html.index('id="review-heading"'))]


def test_the_reviewer_reads_before_accepting_that_it_is_a_decision_in_part(client, auth, csrf,
                                                                           school):
    first, second = _over_the_ten_days(client, auth, csrf)
    assert not Decision.select().exists()  # the first: accepted in full, nothing refused
    box = _review_box(client.get(f"/cases/{second.id}").get_data(as_text=True))
    assert "kan bare godtas delvis, og det er et enkeltvedtak" in box
    assert "(16. november 2026, 17. november 2026)" in box
    assert f'value="accept_in_part" class="primary" aria-describedby="accept-in-part">{IN_PART}' \
        in box
    assert 'value="accept"' not in box  # no plain "Godta" that would hide the decision


def test_accepting_in_part_issues_a_decision_with_every_part_of_a_letter(client, auth, csrf,
                                                                         school):
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part",
                   "Du har brukt alle ti dagene i år.").status_code == 303
    case = Case.get_by_id(case.id)
    assert case.state == "accepted"
    decision = Decision.get(Decision.case == case)
    assert decision.outcome == "partly_granted"
    assert decision.summary == (
        "Fraværsmeldingen er delvis godtatt. Disse dagene holdes ikke utenfor vitnemålet og "
        "føres derfor på det: 16. november 2026, 17. november 2026. De regnes likevel som "
        "dokumentert fravær og teller ikke mot fraværsgrensen.")
    # why: the rule with its reference from the profile, then the reviewer's message
    assert "Høyst 10 skoledager per skoleår kan holdes utenfor vitnemålet (jf. opplæringslova " \
        "§ 3-47)" in decision.reasons
    assert decision.reasons.endswith("\n\nDu har brukt alle ti dagene i år.")
    assert decision.rule_reference == "opplæringslova § 3-47"
    assert (decision.decided_by.username, decision.decided_role) == ("laerer1",
                                                                     "contact_teacher")
    rules = school.school.rules
    assert decision.appeal_deadline == deadline_after(
        oslo_date(decision.decided_at), rules.rule("decision_appeal_deadline"))
    assert decision.appeal_body == "Klagenemnda i fylkeskommunen"
    # the days stay documented absence, on the diploma
    covers = AbsenceCover.select().where(AbsenceCover.case == case).order_by(AbsenceCover.date)
    assert [(c.date, c.documented, c.struck) for c in covers] == [
        (date(2026, 11, 16), True, False), (date(2026, 11, 17), True, False)]
    # one step: its event, and the student told of a decision
    event = Event.select().where(Event.case == case).order_by(Event.id.desc()).get()
    assert (event.action, event.state_after) == ("accept_in_part", "accepted")
    assert [(n.user.username, n.kind) for n in Notification.select().where(
        Notification.event == event)] == [("elev1", "decision")]
    auth.logout()
    auth.login("elev1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Vedtak: Delvis godtatt" in page and "Delvis godtatt (vedtak)" in page
    letter = client.get(f"/cases/{case.id}/decisions/{decision.id}").get_data(as_text=True)
    parts = dict(re.findall(r'data-part="([a-z-]+)">(.*?)</(?:p|dd)>', letter, re.S))
    assert "16. november 2026, 17. november 2026" in parts["summary"]
    assert "jf. opplæringslova § 3-47" in parts["reasons"]
    assert parts["rule"] == "opplæringslova § 3-47"
    assert "Lars Lærer" in parts["decided-by"]
    assert "rett til å klage" in parts["right-to-appeal"]
    assert "3 uker, jf. forvaltningsloven § 29" in parts["deadline"]
    assert "Klagenemnda i fylkeskommunen" in parts["appeal-body"]
    assert parts["how-to-appeal"] and "forvaltningsloven § 18" in parts["documents"]
    assert f"/decision-appeals/new?decision={decision.id}" in letter
    pdf = client.get(f"/cases/{case.id}/decisions/{decision.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_religious_holiday_limit_decides_with_its_own_rule(client, auth, csrf, school):
    """Three days for a religious holiday, Wed 18 – Fri 20 Nov: the third is over the two."""
    (case,) = _notes(client, auth, csrf, "religious", ("2026-11-18", "2026-11-20"))
    auth.login("laerer1")
    assert IN_PART in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _accept(client, csrf, case).status_code == 303
    decision = Decision.get(Decision.case == case)
    assert "føres derfor på det: 20. november 2026." in decision.summary
    assert "religiøse høytider (jf. opplæringslova § 3-47)" in decision.reasons
    assert decision.reasons == Event.get((Event.case == case)
                                         & (Event.action == "accept_in_part")).text


def test_a_full_acceptance_issues_no_decision(client, auth, csrf, school):
    (case,) = _notes(client, auth, csrf, "c", ("2026-11-16", "2026-11-17"))
    auth.login("laerer1")
    box = _review_box(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert 'value="accept" class="primary">Godta</button>' in box and IN_PART not in box
    assert "enkeltvedtak" not in box
    assert _review(client, csrf, case, "accept").status_code == 303
    assert Case.get_by_id(case.id).state == "accepted"
    assert not Decision.select().exists()
    # and it cannot be sent as one in part: nothing is refused, so nothing is decided
    auth.logout()
    (other,) = _notes(client, auth, csrf, "c", ("2026-11-18", "2026-11-18"))[1:]
    auth.login("laerer1")
    r = _review(client, csrf, other, "accept_in_part", "Se reglene.")
    assert r.status_code == 422 and "ikke lenger et vedtak om delvis godkjenning" in \
        r.get_data(as_text=True)
    assert Case.get_by_id(other.id).state == "submitted" and not Decision.select().exists()


def test_an_acceptance_that_has_become_in_part_since_the_page_was_loaded_is_not_taken(
        client, auth, csrf, school):
    """The contact teacher opens a note of two days (accepted in full then), and in another
    tab accepts an earlier note of nine: accepting the first from its old page would now
    leave a day on the diploma, a decision the teacher did not see. It is not taken: the page
    comes back with the new outcome and the button that issues the decision, the message
    kept; nothing is stored."""
    nine, two = _notes(client, auth, csrf, "c", ("2026-11-02", "2026-11-12"),
                       ("2026-11-16", "2026-11-17"))
    auth.login("laerer1")
    old_page = client.get(f"/cases/{two.id}").get_data(as_text=True)
    assert IN_PART not in old_page
    assert _review(client, csrf, nine, "accept").status_code == 303
    r = _review(client, csrf, two, "accept", "Godkjent.", old_page, two.version)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "blir dager den gjelder stående på vitnemålet, så det er et vedtak" in html
    assert "Godkjent.</textarea>" in html and IN_PART in _review_box(html)
    assert Case.get_by_id(two.id).state == "submitted"
    assert not AbsenceCover.select().where(AbsenceCover.case == two).exists()
    assert not Decision.select().exists()
    assert _review(client, csrf, two, "accept_in_part", "Godkjent.", html).status_code == 303
    decision = Decision.get(Decision.case == two)
    assert "føres derfor på det: 17. november 2026." in decision.summary


def test_two_notes_accepted_at_the_same_moment_do_not_pass_the_ten_days_together(
        app, client, auth, csrf, school):
    """The contact teacher accepts two notes of one student in two tabs at the same moment,
    each accepted in full when its page was loaded (9 and 2 school days), together over the
    10. Both acceptances are under way while another transaction holds the student's absence
    records on those days (PostgreSQL: their rows, FOR UPDATE; SQLite: the one writer), which
    each acceptance updates after it assessed the note. The second waits for the first, sees
    the days it kept off the diploma and is not taken: its page comes back with the decision
    in part to issue. Without the student held first, each read the days struck before the
    other committed, and both were accepted in full: 11 days off the diploma, no decision."""
    from portal.absence import absence_summary, record_absence
    from portal.absence.models import AbsenceRecord
    from portal.models import TeachingAssignment

    norsk = TeachingAssignment.get(TeachingAssignment.subject == school.norsk)
    records = [record_absence(norsk, school.elev1, day, 1)
               for day in (date(2026, 11, 2), date(2026, 11, 16))]
    nine, two = _notes(client, auth, csrf, "c", ("2026-11-02", "2026-11-12"),
                       ("2026-11-16", "2026-11-17"))
    auth.login("laerer1")
    pages = {case.id: client.get(f"/cases/{case.id}").get_data(as_text=True)
             for case in (nine, two)}
    assert all(IN_PART not in page for page in pages.values())  # each: accepted in full
    waiting, answers = [nine, two], {}

    def send(tab):
        case = waiting.pop()
        answers[case.id] = tab.post(f"/absence-notes/{case.id}/review", data={
            "csrf_token": csrf(pages[case.id]), "action": "accept", "text": "Godkjent.",
            "version": case.version})

    sent_from_two_tabs_at_once(app, client, AbsenceRecord.select(AbsenceRecord.id).where(
        AbsenceRecord.id.in_([r.id for r in records])), send)
    assert sorted(r.status_code for r in answers.values()) == [303, 422]
    [refused] = [case for case in (nine, two) if answers[case.id].status_code == 422]
    html = answers[refused.id].get_data(as_text=True)
    assert "blir dager den gjelder stående på vitnemålet, så det er et vedtak" in html
    assert "Godkjent.</textarea>" in html and IN_PART in _review_box(html)
    assert Case.get_by_id(refused.id).state == "submitted"
    assert absence_summary(school.elev1, school.year, TODAY).struck_days <= 10
    assert not Decision.select().exists()
    assert _review(client, csrf, refused, "accept_in_part", "Godkjent.", html).status_code == 303
    assert Decision.get(Decision.case == refused).outcome == "partly_granted"
    assert absence_summary(school.elev1, school.year, TODAY).struck_days == 10


def test_the_decision_and_its_acceptance_are_one_step(client, auth, csrf, school, monkeypatch):
    """When the decision cannot be recorded, nothing of the acceptance is stored either."""
    from portal.kinds.absence_note import review

    _first, case = _over_the_ten_days(client, auth, csrf)

    def broken(*args, **kwargs):
        raise RuntimeError("the decision could not be written")

    monkeypatch.setattr(review, "issue", broken)
    with pytest.raises(RuntimeError):
        _review(client, csrf, case, "accept_in_part")
    case = Case.get_by_id(case.id)
    assert case.state == "submitted" and case.events.count() == 1
    assert not AbsenceCover.select().where(AbsenceCover.case == case).exists()


def test_the_student_appeals_the_decision_in_part(client, auth, csrf, school):
    """From the letter, through the decision appeal: signed, received by the principal, who
    can change it only in the student's favour (to the days kept off the diploma) and reads
    the note it is about."""
    make_user("rektor", ["principal"], school.school, "Rita Rektor")
    _first, case = _over_the_ten_days(client, auth, csrf)
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    decision = Decision.get(Decision.case == case)
    auth.logout()
    auth.login("elev1")
    url = f"/decision-appeals/new?decision={decision.id}"
    form = client.get(url).get_data(as_text=True)
    assert decision.summary[:40] in form
    r = client.post(url, data={
        "csrf_token": csrf(form), "change_wanted": "At 16. og 17. november holdes utenfor "
        "vitnemålet.", "reasons": "Jeg var på landsmøtet.", "confirm": "y",
        "password": "demo"})
    assert r.status_code == 303
    appeal = DecisionAppeal.get()
    assert appeal.decision_id == decision.id and not appeal.is_late
    assert Case.get_by_id(appeal.case_id).state == "filed"
    auth.logout()
    auth.login("rektor")
    page = client.get(f"/cases/{appeal.case_id}").get_data(as_text=True)
    options = re.findall(r'name="outcome" required type="radio" value="([a-z_]+)"', page)
    assert options == ["granted"]  # never "partly_granted" again, nor to the detriment
    assert "Rita Rektor" in page  # who holds the appeal
    assert client.get(f"/cases/{case.id}").status_code == 200  # the note appealed


@pytest.mark.parametrize("who", ["laerer1", "elev1"])
def test_pages_of_a_note_accepted_in_part_keep_to_the_statement_budget(client, auth, csrf,
                                                                       school, who):
    """The reviewer's page with the outcome in part shown before accepting, and the case
    page and the decision letter after."""
    _first, case = _over_the_ten_days(client, auth, csrf)
    auth.logout()
    auth.login(who)
    before = statements(client, f"/cases/{case.id}")
    assert before <= STATEMENT_BUDGET
    auth.logout()
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept_in_part").status_code == 303
    decision = Decision.get(Decision.case == case)
    auth.logout()
    auth.login(who)
    assert statements(client, f"/cases/{case.id}") <= STATEMENT_BUDGET
    assert statements(client, f"/cases/{case.id}/decisions/{decision.id}") <= STATEMENT_BUDGET
