"""Registering absence, the per-subject figures, warnings created once, the class overview,
CSV import and who sees what — through the test client on real 2026-27 dates.

Today is pinned to Monday 23 November 2026.
"""

from datetime import date, timedelta

import pytest

from portal.absence import absence_summary, check_warnings, record_absence
from portal.absence.models import AbsenceRecord, AbsenceWarning
from portal.models import Case, TeachingAssignment
from portal.rules.calendar import school_days
from tests.factories import make_school, make_user, norsk_assignment

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _matte(s):
    return TeachingAssignment.get((TeachingAssignment.subject == s.matte)
                                  & (TeachingAssignment.school_class == s.klass))


def _days(n):
    return school_days(date(2026, 9, 1), TODAY)[:n]


def _register(client, csrf, assignment, student, status="absent", day=date(2026, 11, 20),
              lesson=2, minutes="", htmx=False):
    page = client.get(f"/absence/register/{assignment.id}?date={day}&lesson={lesson}")
    headers = {"HX-Request": "true", "HX-Target": f"student-{student.id}"} if htmx else {}
    return client.post(f"/absence/register/{assignment.id}", headers=headers, data={
        "csrf_token": csrf(page.get_data(as_text=True)), "student": student.id,
        "date": day.isoformat(), "lesson": lesson, "status": status, "minutes": minutes})


def test_teacher_registers_with_one_tap_and_htmx_gets_the_row(client, auth, csrf, school):
    auth.login("laerer1")
    page = client.get(f"/absence/register/{norsk_assignment(school).id}?date=2026-11-20&lesson=2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Elev Nummer1" in html and "Elev Nummer2" in html and "Elev Nummer3" not in html
    response = _register(client, csrf, norsk_assignment(school), school.elev1, htmx=True)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<li id="student-') and "<html" not in fragment
    assert "HX-Request" in response.headers.get("Vary", "")
    record = AbsenceRecord.get(AbsenceRecord.student == school.elev1)
    assert (record.date, record.lesson, record.minutes_late) == (date(2026, 11, 20), 2, 0)
    # without JavaScript: a plain form post, 303 back to the list
    response = _register(client, csrf, norsk_assignment(school), school.elev2, status="late",
                         minutes="10")
    assert response.status_code == 303 and "date=2026-11-20" in response.headers["Location"]
    assert AbsenceRecord.get(AbsenceRecord.student == school.elev2).minutes_late == 10
    # tapping back to present removes the registration
    _register(client, csrf, norsk_assignment(school), school.elev1, status="present")
    assert not AbsenceRecord.select().where(AbsenceRecord.student == school.elev1).exists()


def test_register_refuses_future_days_and_bad_minutes(client, auth, csrf, school):
    auth.login("laerer1")
    r = _register(client, csrf, norsk_assignment(school), school.elev1,
                  day=TODAY + timedelta(days=1), htmx=True)
    assert "ikke har kommet" in r.get_data(as_text=True)
    r = _register(client, csrf, norsk_assignment(school), school.elev1, status="late", minutes="90",
                  htmx=True)
    assert "Minutter for sent" in r.get_data(as_text=True) or "minutter" in r.get_data(
        as_text=True)
    assert AbsenceRecord.select().count() == 0


def test_a_teacher_registers_only_for_their_own_lessons(client, auth, csrf, school):
    auth.login("laerer1")
    assert client.get(f"/absence/register/{_matte(school).id}").status_code == 404
    auth.logout()
    auth.login("laerer2")
    # laerer2 teaches 1STB, but elev1 is not in 1STB
    other = TeachingAssignment.get(TeachingAssignment.school_class == school.other_class)
    assert _register(client, csrf, other, school.elev1).status_code == 404


def test_figures_per_subject_lessons_against_planned(db, school):
    for day in _days(5):
        record_absence(norsk_assignment(school), school.elev1, day, 1)
    record_absence(_matte(school), school.elev1, _days(1)[0], 3, minutes_late=45 // 3)
    summary = absence_summary(school.elev1, school.year, TODAY)
    norsk = next(f for f in summary if f.subject == "Norsk")
    matte = next(f for f in summary if f.subject == "Matematikk 1T")
    assert (norsk.lessons_absent, norsk.planned, norsk.percent) == (5, 113, 4.4)
    assert norsk.percent_to_date > norsk.percent  # fewer lessons planned so far
    assert matte.lessons_absent == 0 and matte.late_minutes == 15
    assert matte.absent == pytest.approx(1 / 3)
    assert summary.struck_days == 0 and summary.struck_days_left == 10


def test_threshold_crossed_creates_exactly_one_warning(client, auth, db, school):
    a = norsk_assignment(school)  # 113 planned lessons: 9 = 8.0 %, 12 = 10.6 %
    days = _days(14)
    for day in days[:8]:
        record_absence(a, school.elev1, day, 1)
    assert AbsenceWarning.select().count() == 0
    record_absence(a, school.elev1, days[8], 1)
    assert [w.rule_key for w in AbsenceWarning.select()] == ["attendance_early_warning"]
    record_absence(a, school.elev1, days[8], 1)  # the same lesson again
    for _ in range(3):
        check_warnings(school.elev1, school.year)
    auth.login("elev1")
    for _ in range(3):
        assert client.get("/absence/").status_code == 200
    assert AbsenceWarning.select().count() == 1
    for day in days[9:12]:
        record_absence(a, school.elev1, day, 1)
    keys = sorted(w.rule_key for w in AbsenceWarning.select())
    assert keys == ["attendance_absence_limit", "attendance_early_warning"]
    page = client.get("/absence/").get_data(as_text=True)
    assert "opplæringsforskrifta § 9-8" in page and "10,6\u00a0% fravær" in page


def test_student_sees_own_absence_never_another_students(client, auth, db, school):
    record_absence(norsk_assignment(school), school.elev2, _days(1)[0], 1)
    auth.login("elev1")
    page = client.get("/absence/").get_data(as_text=True)
    assert "Norsk" in page and "0 / 113" in page
    assert client.get(f"/absence/students/{school.elev2.id}").status_code == 404
    assert client.get(f"/absence/classes/{school.klass.id}").status_code == 404
    assert client.get(f"/absence/register/{norsk_assignment(school).id}").status_code == 404


def test_teacher_sees_only_their_classes(client, auth, db, school):
    auth.login("laerer1")
    assert client.get(f"/absence/classes/{school.klass.id}").status_code == 200
    assert client.get(f"/absence/classes/{school.other_class.id}").status_code == 404
    assert client.get(f"/absence/students/{school.elev3.id}").status_code == 404
    assert client.get(f"/absence/students/{school.elev1.id}").status_code == 200


def test_class_overview_sorted_by_risk_with_warnings(client, auth, db, school):
    for day in _days(12):
        record_absence(norsk_assignment(school), school.elev2, day, 1)
    record_absence(norsk_assignment(school), school.elev1, _days(1)[0], 1)
    auth.login("laerer1")
    html = client.get(f"/absence/classes/{school.klass.id}").get_data(as_text=True)
    assert html.index("Elev Nummer2") < html.index("Elev Nummer1")
    assert "10,6\u00a0%" in html and "Norsk (10,6\u00a0%)" in html


def test_fagskole_loss_of_place_opens_a_follow_up_case_once(db):
    s = make_school(profile="more-og-romsdal", code="mr")
    make_user("kull9", ["cohort_coordinator"], s.school)
    a = norsk_assignment(s)  # 113 planned: 23 lessons = 20.4 %
    for i, day in enumerate(_days(24)):
        record_absence(a, s.elev1, day, 1 + i % 2)
    warnings = {w.rule_key: w for w in AbsenceWarning.select()}
    assert set(warnings) == {"attendance_warning", "attendance_required",
                             "attendance_loss_of_place"}
    follow_up = warnings["attendance_loss_of_place"].follow_up
    assert follow_up is not None and follow_up.kind == "follow_up"
    assert Case.select().where(Case.kind == "follow_up").count() == 1


CSV_HEAD = "school,date,class,subject_code,username,lesson,minutes_late\n"


def test_csv_import_all_or_nothing_with_line_numbers(client, auth, csrf, db, school):
    from portal.absence.importer import import_absence

    bad = CSV_HEAD + ("test-vgs,2026-11-02,1STA,NOR1260,elev1,1,\n"
                      "test-vgs,31.02.2026,1STA,NOR1260,elev1,2,\n"
                      "test-vgs,2026-11-03,1STA,NOR1260,elev3,1,\n"
                      "test-vgs,2026-11-03,1STA,XXX,elev2,1,5\n")
    result = import_absence(bad)
    assert not result.ok and AbsenceRecord.select().count() == 0
    assert [e.split(":")[0] for e in result.errors] == ["line 3", "line 4", "line 5"]
    assert "not in class 1STA" in result.errors[1] and "XXX" in result.errors[2]
    good = CSV_HEAD + ("test-vgs,2026-11-02,1STA,NOR1260,elev1,1,\n"
                       "test-vgs,03.11.2026,1STA,MAT1021,elev2,4,12\n")
    auth.login("admin")
    page = client.get("/absence/import")
    import io
    response = client.post("/absence/import", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "file": (io.BytesIO(good.encode()), "fravaer.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert AbsenceRecord.select().count() == 2
    assert AbsenceRecord.get(AbsenceRecord.student == school.elev2).minutes_late == 12


def test_csv_import_page_lists_bad_rows(client, auth, csrf, db, school):
    import io

    auth.login("admin")
    page = client.get("/absence/import")
    body = CSV_HEAD + "test-vgs,2026-11-02,1STA,NOR1260,nobody,1,\n"
    response = client.post("/absence/import", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "file": (io.BytesIO(body.encode()), "x.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "linje 2: ingen bruker &#39;nobody&#39;" in html
    assert "<code>test-vgs</code> – Testskolen vgs" in html  # which code to write
    auth.logout()
    auth.login("laerer1")
    assert client.get("/absence/import").status_code == 404


@pytest.mark.parametrize(("row", "why"), [
    ("test-vgs,2026-11-22,1STA,NOR1260,elev1,1,", "Datoen søndag 22. november 2026 er ikke en "
                                                  "skoledag: det er helg."),
    ("test-vgs,2026-12-25,1STA,NOR1260,elev1,1,", "det er en helligdag (Første juledag)"),
    ("test-vgs,2026-12-23,1STA,NOR1260,elev1,1,", "skolen har fri (Juleferie"),
    ("test-vgs,2026-11-24,1STA,NOR1260,elev1,1,", "2026-11-24 har ikke kommet ennå"),
    ("test-vgs,2026-11-20,1STA,NOR1260,elev1,1,45", "minutes_late må være mindre enn en time "
                                                    "(45 minutter)"),
], ids=["sunday", "christmas-day", "christmas-break", "tomorrow", "a-whole-lesson-late"])
def test_csv_import_takes_only_what_the_register_would(app, client, auth, csrf, school, row,
                                                       why):
    """A row the teacher's register would refuse is refused by the import too, in Norwegian
    on the page: not a school day, not come yet, or late for a whole lesson (which would
    count as more than the lesson)."""
    import io

    from portal.models import SchoolBreak

    SchoolBreak.create(school_year=school.year, name="Juleferie", first_day=date(2026, 12, 22),
                       last_day=date(2027, 1, 2))
    app.config["PORTAL_TODAY"] = date(2026, 11, 23) if "ennå" in why else date(2027, 1, 8)
    auth.login("admin")
    page = client.get("/absence/import")
    response = client.post("/absence/import", data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "file": (io.BytesIO((CSV_HEAD + row + "\n").encode()), "x.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "linje 2: " in html and why in html
    assert not AbsenceRecord.select().exists()


def test_csv_import_command_answers_in_english(runner, db, school, tmp_path):
    path = tmp_path / "absence.csv"
    path.write_text(CSV_HEAD + "test-vgs,2026-11-22,1STA,NOR1260,nobody,1,\n", encoding="utf-8")
    result = runner.invoke(args=["import-absence", str(path)])
    assert result.exit_code != 0
    assert "line 2: no user 'nobody'" in result.output


def test_csv_import_command(runner, db, school, tmp_path):
    path = tmp_path / "absence.csv"
    path.write_text(CSV_HEAD + "test-vgs,2026-11-02,1STA,NOR1260,elev1,1,\n", encoding="utf-8")
    result = runner.invoke(args=["import-absence", str(path)])
    assert result.exit_code == 0, result.output
    assert AbsenceRecord.select().count() == 1
    path.write_text(CSV_HEAD + "test-vgs,2026-11-02,1STA,NOR1260,elev1,0,\n", encoding="utf-8")
    result = runner.invoke(args=["import-absence", str(path)])
    assert result.exit_code != 0 and "line 2" in result.output


def test_demo_has_absence_and_one_student_near_the_limit(db):
    from portal import demo

    demo.load(TODAY)
    from portal.models import User

    elev1 = User.get(User.username == "elev1")
    year = elev1.enrolments[0].school_class.school_year
    worst = max(f.percent_undocumented for f in absence_summary(elev1, year, TODAY))
    assert 8 <= worst < 10
    assert AbsenceRecord.select().count() > 40


def _figures(summary):
    return ([(f.subject, f.assignment_id, f.planned, f.planned_to_date, f.lessons_absent,
              f.late_minutes, f.lessons_documented, f.absent, f.undocumented,
              [w.id for w in f.warnings]) for f in summary.subjects],
            summary.struck_days, summary.max_struck_days, [w.id for w in summary.warnings])


def test_the_class_overview_asks_as_many_statements_for_a_full_class(client, auth, db, school):
    """Each student's row is what their own summary says, and the page asks the same number of
    statements for two students as for six (it asked six for each student)."""
    from portal.models import Enrolment
    from tests.statements import statements as count

    def statements():
        return count(client, f"/absence/classes/{school.klass.id}")

    for i, day in enumerate(_days(14)):
        record_absence(norsk_assignment(school), school.elev2, day, 1 + i % 2)
    record_absence(_matte(school), school.elev1, _days(1)[0], 1, minutes_late=20)
    auth.login("laerer1")
    two = statements()
    for n in range(4, 8):
        student = make_user(f"elev{n}", ["student"], school.school, f"Elev Nummer{n}")
        Enrolment.create(student=student, school_class=school.klass)
        record_absence(norsk_assignment(school), student, _days(n)[-1], 3)
    assert statements() == two
    from portal.absence.services import class_overview

    rows = class_overview(school.klass, TODAY)
    assert len(rows) == 6 and rows[0][0] == school.elev2
    assert any(f.warnings for f in rows[0][1].subjects)  # elev2 crossed the 10 % line
    for student, summary in rows:  # (the overview shows no lessons planned to date)
        assert _figures(summary) == _figures(absence_summary(
            student, school.klass.school_year, TODAY, to_date=False)), student.username
        assert {f.planned_to_date for f in summary.subjects} == {None}


def test_a_summary_without_the_lessons_to_date_does_not_read_the_breaks(db, school):
    """The lessons planned to date need the year's breaks: the student's absence page shows
    them; the thresholds, the class overview and the study leave's facts count against the
    year's planned lessons and ask one statement fewer."""
    from bench.queries import counting

    record_absence(norsk_assignment(school), school.elev1, _days(1)[0], 1)
    with counting() as full:
        with_to_date = absence_summary(school.elev1, school.year, TODAY)
    with counting() as short:
        without = absence_summary(school.elev1, school.year, TODAY, to_date=False)
    assert short["n"] == full["n"] - 1
    assert with_to_date.subjects[1].planned_to_date > 0
    assert without.subjects[1].planned_to_date is None
    assert _figures(without)[0][1][4:] == _figures(with_to_date)[0][1][4:]


def _warn(school, student, assignment, rule_key, percent):
    return AbsenceWarning.create(student=student, assignment=assignment,
                                 school_year=school.year, rule_key=rule_key, percent=percent)


def test_the_student_pages_ask_as_many_statements_for_more_records_and_warnings(
        client, auth, db, school):
    """The student's own page and staff's page of one student list recent records and
    warnings with their subjects without a statement for each (they asked two for each)."""
    from tests.statements import statements

    days = _days(5)
    record_absence(norsk_assignment(school), school.elev1, days[0], 1)
    _warn(school, school.elev1, norsk_assignment(school), "attendance_early_warning", 8.0)
    pages = (("elev1", "/absence/"), ("laerer1", f"/absence/students/{school.elev1.id}"))
    few = {}
    for username, url in pages:
        auth.login(username)
        few[url] = statements(client, url)
        auth.logout()
    for day in days[1:]:
        record_absence(norsk_assignment(school), school.elev1, day, 2)
        record_absence(_matte(school), school.elev1, day, 3, minutes_late=10)
    _warn(school, school.elev1, norsk_assignment(school), "attendance_absence_limit", 10.6)
    _warn(school, school.elev1, _matte(school), "attendance_early_warning", 8.6)
    for username, url in pages:
        auth.login(username)
        assert statements(client, url) == few[url], url
        html = client.get(url).get_data(as_text=True)
        assert html.count(", Norsk, ") == 5 and html.count(", Matematikk 1T, ") == 4
        assert html.count("<strong>Norsk: ") == 2 and html.count("<strong>Matematikk 1T: ") == 1
        auth.logout()


def test_the_staff_absence_page_asks_as_many_statements_for_more_classes(
        client, auth, db, school):
    """The class overviews listed for staff name each class's school year without a
    statement for each class (it asked one for each)."""
    from portal.models import SchoolClass, SchoolYear
    from tests.statements import statements

    auth.login("admin")
    few = statements(client, "/absence/")
    last = SchoolYear.create(school=school.school, name="2025/2026",
                             starts_on=date(2025, 8, 18), ends_on=date(2026, 6, 19))
    for name in ("2STA", "2STB", "3STA"):
        SchoolClass.create(school=school.school, school_year=school.year, name=name)
    SchoolClass.create(school=school.school, school_year=last, name="1STC")
    assert statements(client, "/absence/") == few
    html = client.get("/absence/").get_data(as_text=True)
    assert html.count("(2026/2027)</a>") == 5 and "1STC (2025/2026)</a>" in html


def test_the_class_overview_asks_as_many_statements_for_more_warnings(client, auth, db, school):
    """The warnings on the class overview name their subjects without a statement for each
    (it asked two for each)."""
    from tests.statements import statements

    _warn(school, school.elev2, norsk_assignment(school), "attendance_early_warning", 8.0)
    auth.login("laerer1")
    url = f"/absence/classes/{school.klass.id}"
    few = statements(client, url)
    _warn(school, school.elev2, norsk_assignment(school), "attendance_absence_limit", 10.6)
    _warn(school, school.elev2, _matte(school), "attendance_early_warning", 8.6)
    _warn(school, school.elev1, _matte(school), "attendance_early_warning", 9.3)
    assert statements(client, url) == few
    html = client.get(url).get_data(as_text=True)
    assert "Norsk (8,0\u00a0%), Norsk (10,6\u00a0%), Matematikk 1T (8,6\u00a0%)" in html
    assert "Matematikk 1T (9,3\u00a0%)" in html


def test_the_summary_counts_what_counts_summed_by_the_database(db, school):
    """Whole lessons, of them documented and struck, late minutes, of them undocumented, per
    subject (a co-teacher's assignment in the subject adds up); corrected records and organised
    study work (R) are no absence."""
    from portal.absence.rules import STUDY_WORK

    norsk = norsk_assignment(school)
    co_teacher = TeachingAssignment.create(teacher=school.laerer2, subject=school.norsk,
                                           school_class=school.klass, planned_lessons=113)
    days = _days(10)
    rows = [  # (assignment, minutes late, documented, struck, category, corrected)
        (norsk, 0, False, False, None, False), (norsk, 0, True, False, "a", False),
        (norsk, 0, True, True, "a", False), (co_teacher, 0, False, False, None, False),
        (norsk, 10, False, False, None, False), (co_teacher, 20, True, False, "a", False),
        (norsk, 0, False, False, None, True), (norsk, 0, True, False, STUDY_WORK, False),
        (_matte(school), 15, False, False, None, False),
    ]
    for day, (assignment, late, documented, struck, category, corrected) in zip(days, rows,
                                                                                 strict=False):
        AbsenceRecord.create(student=school.elev1, assignment=assignment,
                             school_year=school.year, date=day, lesson=1, minutes_late=late,
                             documented=documented, struck=struck, category=category,
                             corrected=corrected)
    summary = absence_summary(school.elev1, school.year, TODAY)
    by_subject = {f.subject: f for f in summary}
    n = by_subject["Norsk"]
    assert (n.lessons_absent, n.lessons_documented, n.lessons_struck, n.late_minutes) == (
        4, 2, 1, 30)
    assert n.absent == pytest.approx(4 + 30 / 45)
    assert n.undocumented == pytest.approx(2 + 10 / 45)
    m = by_subject["Matematikk 1T"]
    assert (m.lessons_absent, m.late_minutes, m.undocumented) == (0, 15, pytest.approx(1 / 3))


def test_the_summary_leaves_the_breaks_out_of_the_lessons_to_date(db, school):
    """After the autumn break the lessons planned to date are those of the school days that
    have passed, not of the break's week: the same absence is a larger share of them so far.
    (The thresholds count against the year's planned lessons, which no break changes.)"""
    from portal.absence import rules
    from portal.models import SchoolBreak

    record_absence(norsk_assignment(school), school.elev1, date(2026, 10, 5), 1)
    before = absence_summary(school.elev1, school.year, date(2026, 10, 5)).subjects
    SchoolBreak.create(school_year=school.year, name="Høstferie", first_day=date(2026, 9, 28),
                       last_day=date(2026, 10, 2))
    after = absence_summary(school.elev1, school.year, date(2026, 10, 5)).subjects
    year = school.year
    for f in after:
        assert f.planned_to_date == rules.planned_to_date(
            f.planned, year.starts_on, year.ends_on, date(2026, 10, 5), SchoolBreak.of(year))
    norsk_before, norsk_after = before[1], after[1]
    assert norsk_after.subject == "Norsk"
    assert norsk_after.planned_to_date < norsk_before.planned_to_date
    assert norsk_after.percent_to_date > norsk_before.percent_to_date
    assert norsk_after.percent == norsk_before.percent


def test_a_student_without_subjects_keeps_their_warnings_and_struck_days(client, auth, db,
                                                                           school):
    """A student moved to a class with no subjects yet: the warning given in the old class
    and the days kept off the diploma still show, on their own summary and on the class's
    overview."""
    from portal.absence.models import AbsenceCover
    from portal.absence.services import class_overview
    from portal.models import Enrolment, SchoolClass

    new_class = SchoolClass.create(school=school.school, school_year=school.year, name="1STD",
                                   contact_teacher=school.laerer1)
    Enrolment.delete().where(Enrolment.student == school.elev1).execute()
    Enrolment.create(student=school.elev1, school_class=new_class)
    warning = _warn(school, school.elev1, norsk_assignment(school), "attendance_early_warning", 8.0)
    note = Case.create(school=school.school, school_year=school.year, number=77,
                       kind="absence_note", state="accepted", is_open=False,
                       student=school.elev1, title="Fravær")
    for day in _days(2):
        AbsenceCover.create(student=school.elev1, school_year=school.year, case=note, date=day,
                            category="a", documented=True, struck=True)
    summary = absence_summary(school.elev1, school.year, TODAY)
    assert (len(summary), summary.struck_days, [w.id for w in summary.warnings]) == (
        0, 2, [warning.id])
    [(student, row)] = class_overview(new_class, TODAY)
    assert (row.struck_days, [w.id for w in row.warnings]) == (2, [warning.id])
    auth.login("elev1")
    html = client.get("/absence/").get_data(as_text=True)
    assert "Dager holdt utenfor vitnemålet: 2 av 10, 8 igjen." in html and "Norsk: " in html
