"""A school year's breaks (autumn, Christmas, winter and Easter breaks, planning days) are no
school days: an absence note does not count them toward the 10 days, health absence counts
its 4th day without them, the register refuses them by name, and a study leave records no R
on them. On real 2026/27 dates: Christmas 2026 (22 December – 2 January), autumn break in week
40 (28 September – 2 October 2026)."""

from datetime import date

import pytest

from portal.absence import rules
from portal.absence.models import AbsenceCover, AbsenceRecord
from portal.importer import add_break
from portal.kinds.absence_note.models import AbsenceNote
from portal.models import Case, SchoolBreak, SchoolYear
from tests.factories import norsk_assignment
from tests.test_absence_note import _file, _review
from tests.test_study_leave import Portal, _answers, granted


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = date(2026, 11, 23)


class Break:
    def __init__(self, name, first_day, last_day):
        self.name, self.first_day, self.last_day = name, first_day, last_day


CHRISTMAS = Break("Juleferie", date(2026, 12, 22), date(2027, 1, 2))
AUTUMN = Break("Høstferie", date(2026, 9, 28), date(2026, 10, 2))


def test_school_days_leave_out_the_christmas_break():
    # Friday 18 December 2026 to Wednesday 6 January 2027: 24 December is no public holiday
    # in Norway, so without the break 12 weekdays count; with it, five
    without = rules.school_days(date(2026, 12, 18), date(2027, 1, 6))
    assert len(without) == 12 and date(2026, 12, 24) in without
    assert rules.school_days(date(2026, 12, 18), date(2027, 1, 6), [CHRISTMAS]) == [
        date(2026, 12, 18), date(2026, 12, 21), date(2027, 1, 4), date(2027, 1, 5),
        date(2027, 1, 6)]


@pytest.mark.parametrize(("day", "problem"), [
    (date(2026, 10, 1), rules.BREAK),          # a Thursday in the autumn break
    (date(2026, 10, 3), rules.WEEKEND),        # the Saturday that ends it
    (date(2026, 12, 25), rules.HOLIDAY),       # Christmas Day inside the Christmas break
    (date(2026, 12, 21), None),                # the Monday before it
    (date(2027, 1, 4), None),                  # the Monday after it
])
def test_why_a_day_is_no_school_day(day, problem):
    assert rules.school_day_problem(day, date(2026, 8, 17), date(2027, 6, 18),
                                    [AUTUMN, CHRISTMAS]) == problem


@pytest.mark.parametrize(("on", "last"), [
    (date(2027, 1, 1), date(2026, 12, 21)),    # in the break: the Monday before it
    (date(2026, 10, 4), date(2026, 9, 25)),    # the Sunday after the autumn break
    (date(2026, 10, 5), date(2026, 10, 5)),    # the first day back
])
def test_the_last_school_day_skips_back_over_a_break(on, last):
    assert rules.last_school_day(on, date(2026, 8, 17), date(2027, 6, 18),
                                 [AUTUMN, CHRISTMAS]) == last


def test_a_break_at_the_start_of_the_year_leaves_no_school_day_before_it():
    start = Break("Planleggingsdager", date(2026, 8, 17), date(2026, 8, 18))
    assert rules.last_school_day(date(2026, 8, 18), date(2026, 8, 17), date(2027, 6, 18),
                                 [start]) is None


@pytest.fixture
def autumn(school):
    return SchoolBreak.create(school_year=school.year, name="Høstferie",
                              first_day=AUTUMN.first_day, last_day=AUTUMN.last_day)


def test_health_note_across_the_autumn_break_counts_school_days_only(app, client, auth, csrf,
                                                                    school, autumn):
    """Ill from Thursday 24 September to Wednesday 7 October 2026: five school days (24, 25
    September, 5, 6, 7 October), so only 6 and 7 October are kept off the diploma. Counted
    with the break's weekdays, the 4th day would be 29 September and eight days struck."""
    auth.login("elev1")
    response = _file(client, csrf, first_day="2026-09-24", last_day="2026-10-07")
    assert response.status_code == 303
    case = Case.select().where(Case.kind == "absence_note").get()
    assert "skoledager: 5" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    auth.logout()
    auth.login("laerer1")
    assert _review(client, csrf, case, "accept").status_code == 303
    note = AbsenceNote.get(AbsenceNote.case == case)
    assert note.outcome["struck"] == ["2026-10-06", "2026-10-07"]
    covered = sorted(c.date for c in AbsenceCover.select().where(AbsenceCover.case == case))
    assert covered == [date(2026, 9, 24), date(2026, 9, 25), date(2026, 10, 5),
                       date(2026, 10, 6), date(2026, 10, 7)]


def test_a_note_for_the_break_alone_has_no_school_days(app, client, auth, csrf, school, autumn):
    auth.login("elev1")
    response = _file(client, csrf, first_day="2026-09-28", last_day="2026-10-02")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ingen skoledager (helger, helligdager og skolens ferier og fridager)" in html
    assert 'value="2026-09-28"' in html  # what was typed stays
    assert not Case.select().exists()


def test_the_form_names_the_breaks_it_does_not_count(client, auth, school, autumn):
    SchoolBreak.create(school_year=school.year, name="<b>Juleferie</b>",
                       first_day=CHRISTMAS.first_day, last_day=CHRISTMAS.last_day)
    auth.login("elev1")
    html = client.get("/absence-notes/new").get_data(as_text=True)
    assert ("Helger, helligdager og skolens ferier og fridager telles ikke: Høstferie (28. "
            "september – 2. oktober 2026), &lt;b&gt;Juleferie&lt;/b&gt; (22. desember – 2. "
            "januar 2027).") in html
    assert "<b>Juleferie" not in html


def test_without_breaks_the_form_names_none(client, auth, school):
    auth.login("elev1")
    html = client.get("/absence-notes/new").get_data(as_text=True)
    assert "Helger og helligdager telles ikke." in html and "ferier" not in html


def test_lessons_in_the_break_are_refused_by_its_name(app, client, auth, csrf, school, autumn):
    auth.login("elev1")
    response = _file(client, csrf, scope="lessons", lesson_day="2026-10-01", lessons="1,2")
    html = response.get_data(as_text=True)
    assert ("Datoen torsdag 1. oktober 2026 er ikke en skoledag: skolen har fri (Høstferie, "
            "28. september 2026 – 2. oktober 2026).") in html
    assert not Case.select().exists()


def test_the_register_refuses_a_day_of_the_break_and_opens_before_it(app, client, auth, csrf,
                                                                      school, autumn):
    norsk = norsk_assignment(school)
    app.config["PORTAL_TODAY"] = date(2026, 10, 1)  # in the break
    auth.login("laerer1")
    html = client.get(f"/absence/register/{norsk.id}").get_data(as_text=True)
    assert 'id="date" name="date" value="2026-09-25"' in html  # the Friday before it
    page = client.get(f"/absence/register/{norsk.id}?date=2026-09-30&lesson=2")
    why = ("Datoen onsdag 30. september 2026 er ikke en skoledag: skolen har fri (Høstferie, "
           "28. september 2026 – 2. oktober 2026).")
    assert why in page.get_data(as_text=True)
    response = client.post(f"/absence/register/{norsk.id}", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "student": school.elev1.id,
        "date": "2026-09-30", "lesson": 2, "status": "absent", "minutes": ""})
    assert response.status_code == 422 and why in response.get_data(as_text=True)
    assert not AbsenceRecord.select().exists()


def test_a_study_leave_records_no_r_on_a_planning_day(client, auth, csrf, school):
    """Granted for Monday 30 November – Wednesday 2 December 2026; the school then makes
    Tuesday 1 December a planning day. Completion covers the Monday and the Wednesday."""
    portal = Portal(client, auth, csrf)
    case = granted(portal, school)
    SchoolBreak.create(school_year=school.year, name="Planleggingsdag",
                       first_day=date(2026, 12, 1), last_day=date(2026, 12, 1))
    portal.login("elev1")
    for answer in _answers(case):
        assert portal.step(case, f"task-done/{answer.id}").status_code == 303
    portal.login("trinn1")
    client.application.config["PORTAL_TODAY"] = date(2026, 12, 3)  # the period has ended
    assert portal.step(case, "finish", choice="complete", text="Vist fram.").status_code == 303
    covered = sorted((c.date, c.subject_id) for c in AbsenceCover.select().where(
        AbsenceCover.case == case))  # (one cover per day and approved subject)
    subjects = sorted(a.subject_id for a in _answers(case))
    assert covered == [(day, s) for day in (date(2026, 11, 30), date(2026, 12, 2))
                       for s in subjects]


# IT staff add the breaks: `flask add-break`, `flask breaks`, `flask remove-break`

def test_add_list_and_remove_a_break(runner, school):
    result = runner.invoke(args=["add-break", "test-vgs", "2026/2027", "--name", "Juleferie",
                                 "--first", "2026-12-22", "--last", "2027-01-02"])
    assert result.exit_code == 0, result.output
    assert "Created break Juleferie in 2026/2027 of test-vgs." in result.output
    result = runner.invoke(args=["add-break", "test-vgs", "2026/2027", "--name",
                                 "Planleggingsdag", "--first", "2026-11-13"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["breaks", "test-vgs", "2026/2027"])
    assert result.exit_code == 0, result.output
    # 22 December - 2 January: 9 weekdays, of which 25 December and 1 January are holidays
    assert result.output.splitlines() == [
        "2 break(s).",
        "2026-11-13 – 2026-11-13  Planleggingsdag (1 school day without teaching)",
        "2026-12-22 – 2027-01-02  Juleferie (7 school days without teaching)"]
    result = runner.invoke(args=["remove-break", "test-vgs", "2026/2027", "--first",
                                 "2026-11-13"])
    assert result.exit_code == 0, result.output
    assert [b.name for b in SchoolBreak.select()] == ["Juleferie"]
    result = runner.invoke(args=["remove-break", "test-vgs", "2026/2027", "--first",
                                 "2026-11-13"])
    assert result.exit_code != 0 and "has no break starting on 2026-11-13" in result.output


@pytest.mark.parametrize(("args", "error"), [
    (("nope", "2026/2027", "Høstferie", "2026-09-28", "2026-10-02"),
     "no school with code 'nope'"),
    (("test-vgs", "2030/2031", "Høstferie", "2026-09-28", "2026-10-02"),
     "test-vgs has no school year '2030/2031' (it has: 2026/2027)"),
    (("test-vgs", "2026/2027", " ", "2026-09-28", "2026-10-02"), "name '': 1-80 characters"),
    (("test-vgs", "2026/2027", "Høstferie", "28.09.2026", "2026-10-02"),
     "first '28.09.2026' is not a date (YYYY-MM-DD)"),
    (("test-vgs", "2026/2027", "Høstferie", "2026-10-02", "2026-09-28"),
     "the break must end on or after its first day (2026-10-02 – 2026-09-28)"),
    (("test-vgs", "2026/2027", "Sommer", "2027-06-14", "2027-06-25"),
     "2027-06-14 – 2027-06-25 is not inside the school year 2026/2027 "
     "(2026-08-17 – 2027-06-18)"),
    (("test-vgs", "2026/2027", "Helg", "2026-10-03", "2026-10-04"),
     "2026-10-03 – 2026-10-04 has only weekend days and public holidays"),
    (("test-vgs", "2026/2027", "1. juledag", "2026-12-25", "2026-12-25"),
     "has only weekend days and public holidays"),
    (("test-vgs", "2026/2027", "Planleggingsdag", "2026-10-02", "2026-10-05"),
     "overlaps the break Høstferie (2026-09-28 – 2026-10-02)"),
])
def test_a_bad_break_is_refused_and_says_why(school, autumn, args, error):
    result = add_break(*args)
    assert not result.ok and any(error in e for e in result.errors), result.errors
    assert SchoolBreak.select().count() == 1


def test_a_break_on_days_with_registered_absence_is_refused(client, auth, csrf, school):
    """A planning day added after a lesson of absence was registered on it, or an absence
    note accepted for it: refused, naming how many and the first, so that nobody's figures
    change unseen. A record corrected away does not stand in the way."""
    from portal.absence import record_absence

    day = date(2026, 11, 13)
    record = record_absence(norsk_assignment(school), school.elev1, day, 2)
    result = add_break("test-vgs", "2026/2027", "Planleggingsdag", "2026-11-13", "2026-11-13")
    assert result.errors == [
        "1 lessons of absence are registered in 2026-11-13 – 2026-11-13 (the first on "
        "2026-11-13): correct them in the register or the notes first, or check the break's "
        "dates"]
    AbsenceRecord.update(corrected=True).where(AbsenceRecord.id == record.id).execute()
    case = Case.get_by_id(granted(Portal(client, auth, csrf), school).id)  # (any case)
    for student in (school.elev1, school.elev2):  # (the same day: counted once)
        AbsenceCover.create(student=student, school_year=school.year, case=case, date=day,
                            category="a")
    result = add_break("test-vgs", "2026/2027", "Planleggingsdag", "2026-11-13", "2026-11-13")
    assert len(result.errors) == 1 and result.errors[0].startswith(
        "1 days are covered by accepted absence notes or completed study leaves in "
        "2026-11-13 – 2026-11-13")
    AbsenceCover.delete().execute()
    assert add_break("test-vgs", "2026/2027", "Planleggingsdag", "2026-11-13",
                     "2026-11-13").ok
    assert [b.name for b in SchoolBreak.select()] == ["Planleggingsdag"]


def test_breaks_go_with_their_school_year(school, autumn):
    school.year.delete_instance()
    assert not SchoolBreak.select().exists()


def test_the_demo_school_has_breaks_and_no_absence_in_them(db):
    from portal import demo

    demo.load(date(2026, 10, 20))  # the demo's 40 school days of absence span the autumn break
    for year in SchoolYear.select():  # both demo schools'
        assert [b.name for b in SchoolBreak.of(year)] == [
            "Høstferie", "Juleferie", "Vinterferie", "Påskeferie"]
    for b in SchoolBreak.select():
        assert not AbsenceRecord.select().where(
            (AbsenceRecord.date >= b.first_day) & (AbsenceRecord.date <= b.last_day)).exists()
    assert AbsenceRecord.select().where(AbsenceRecord.date < date(2026, 9, 28)).exists()
