"""The benchmark's own measuring (bench/run.py): where a request's CPU goes. (The benchmark
itself runs with `make bench`, never here.)"""

import html
import re
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from bench.run import CpuMeter, against_the_bare_route, tree_cpu

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}: pass\n"


def test_tree_cpu_counts_living_descendants_and_reaped_children():
    # the parent burns nothing itself; one child burns 0.3 s and is reaped, another burns
    # 0.3 s and lives on (as a gunicorn worker or a PostgreSQL backend would)
    script = textwrap.dedent(f"""
        import subprocess, sys, time
        burn = {BURN.format(s=0.3)!r}
        subprocess.run([sys.executable, "-c", burn], check=True)
        alive = subprocess.Popen([sys.executable, "-c", burn + "print('done', flush=True)\\n"
                                  "import time; time.sleep(30)"], stdout=subprocess.PIPE)
        alive.stdout.readline()
        print("ready", flush=True)
        time.sleep(30)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "ready"
        spent = tree_cpu(parent.pid)
        assert 0.55 <= spent < 2.0, spent
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
        parent.kill()
        parent.wait()
        parent.stdout.close()


def test_tree_cpu_of_nothing_and_of_a_gone_process():
    assert tree_cpu(None) == 0.0
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert tree_cpu(gone.pid) == 0.0


def test_cpu_per_request_split_by_who_spent_it():
    meter = CpuMeter(app_pid=1, db_pid=2)
    split = meter.per_request((10.0, 4.0, 1.0, 20.0), (12.0, 5.0, 1.5, 24.0), 1000)
    assert split == {"app": 2.0, "database": 1.0, "load_generator": 0.5, "machine_busy": 4.0}
    no_server = CpuMeter(app_pid=1, db_pid=None)
    assert no_server.per_request((0, 0, 0, 0), (1.0, 0, 0, 1.0), 500)["database"] is None


def test_each_page_is_against_the_bare_route_measured_around_it():
    def run(name, rps, p99=10.0):
        return {"name": name, "label": name, "rps": rps, "p99_ms": p99}

    # a machine that slows down and speeds up again while the pages run
    runs = [run("bare", 4000.0, 9.0), run("home", 1200.0), run("bare", 3000.0, 12.0),
            run("queue", 800.0), run("bare", 3600.0, 11.0), run("file", 500.0),
            run("bare", 4400.0, 8.0)]
    rows, bare = against_the_bare_route(runs)
    assert bare == [4000.0, 3000.0, 3600.0, 4400.0]
    by = {r["name"]: r for r in rows}
    assert [r["name"] for r in rows] == ["bare", "home", "queue", "file"]
    assert by["home"]["bare_rps_around"] == [4000.0, 3000.0]
    assert by["home"]["ratio_to_bare"] == round(1200 / 3500, 3)
    assert by["queue"]["ratio_to_bare"] == round(800 / 3300, 3)
    assert by["file"]["ratio_to_bare"] == round(500 / 4000, 3)
    # the bare route's row is its median run (the lower of the middle two), against the mean
    assert by["bare"]["rps"] == 3600.0 and by["bare"]["p99_ms"] == 11.0
    assert by["bare"]["ratio_to_bare"] == round(3600 / 3750, 3)
    assert "ratio_to_bare" not in runs[1]  # the runs themselves are left as they were

    with pytest.raises(ValueError):  # a page without the bare route after it
        against_the_bare_route(runs[:-1])
    with pytest.raises(ValueError):  # two pages in a row
        against_the_bare_route([runs[0], runs[1], runs[3], runs[2]])


def test_the_machine_and_waited_for_children_are_counted():
    from bench.run import machine_busy, wrk_cpu

    busy, waited = machine_busy(), wrk_cpu()
    subprocess.run([sys.executable, "-c", BURN.format(s=0.3)], check=True)
    assert wrk_cpu() - waited >= 0.25
    assert machine_busy() - busy >= 0.25


def test_the_database_server_is_found_where_it_runs(db):
    """PostgreSQL on this machine: the server process that this connection's backend was
    forked from; SQLite: none (its work is the workers')."""
    from bench.run import database_pid
    from portal.db import is_postgresql

    url = "postgresql://" if is_postgresql() else "sqlite:///x"
    found = database_pid(url)
    if not is_postgresql():
        assert found is None
        return
    backend = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    assert backend in _descendants(found)
    assert tree_cpu(found) > 0


def _descendants(pid: int) -> set[int]:
    from bench.run import _children

    out, stack = set(), [pid]
    while stack:
        for child in _children(stack.pop()):
            out.add(child)
            stack.append(child)
    return out


def test_the_datasets_notifications_go_where_the_app_sends_them(db):
    """bench/dataset.py writes the notifications the events sent, as notify.audience would:
    never to the one who acted, only to a participant of the case: the student for every
    change, staff when they may act next; some of the newest still unread."""
    from datetime import datetime

    from bench import dataset
    from portal.notifications.models import NotificationPreference

    rows = dataset.build(db.obj, scale=0.001, now=datetime(2026, 12, 4, 12, 0))
    assert rows["notification"] > rows["case"]
    wrong = db.execute_sql(
        'SELECT COUNT(*) FROM notification AS n JOIN event AS e ON e.id = n.event_id '
        'WHERE n.user_id = e.actor_id OR n.case_id <> e.case_id OR NOT EXISTS ('
        ' SELECT 1 FROM participant AS p WHERE p.case_id = n.case_id AND p.user_id = n.user_id)'
    ).fetchone()[0]
    assert wrong == 0
    kinds = dict(db.execute_sql(
        "SELECT n.text_key, COUNT(*) FROM notification AS n GROUP BY n.text_key").fetchall())
    assert all(kinds.get(key, 0) > 0 for key in ("action_needed", "case_update", "decision",
                                                 "copy")), kinds
    # each event's, exactly as the app's own rule has them (the case's participants as they
    # stand at the end)
    from types import SimpleNamespace

    from portal.cases.kinds import REGISTRY
    from portal.models import Case, Event, Participant, User
    from portal.notifications.models import Notification
    from portal.notifications.notify import audience

    held = {}
    for case_id, user_id, part in Participant.select(
            Participant.case, Participant.user, Participant.part).tuples():
        held.setdefault(case_id, {}).setdefault(user_id, set()).add(part)
    users = {u.id: u for u in User.select()}
    heard = {}
    for event_id, user_id, kind, key in Notification.select(
            Notification.event, Notification.user, Notification.kind,
            Notification.text_key).tuples():
        heard.setdefault(event_id, set()).add((user_id, kind, key))
    kind_of = dict(Case.select(Case.id, Case.kind).tuples())
    checked = 0
    for event in Event.select().order_by(Event.id):
        kind = REGISTRY[kind_of[event.case_id]]
        transition = None if event.action == "file" else kind.transition(event.state_before,
                                                                          event.action)
        case = SimpleNamespace(kind=kind.code, state=event.state_after,
                               is_open=kind.is_open(event.state_after))
        participants = {uid: (users[uid], parts, set())
                        for uid, parts in held[event.case_id].items()}
        expected = {(uid, kind_, key) for uid, (_user, kind_, key) in audience(
            case, event, transition, participants).items()}
        assert heard.get(event.id, set()) == expected, (kind.code, event.action)
        checked += 1
    assert checked == rows["event"]
    unread = db.execute_sql(
        "SELECT COUNT(*) FROM notification WHERE read_at IS NULL").fetchone()[0]
    assert 0 < unread < rows["notification"] / 2
    # as a school's: every account can be mailed, some have switched e-mail of updates off
    users, addressed = db.execute_sql('SELECT COUNT(*), COUNT(email) FROM "user"').fetchone()
    assert addressed == users == rows["user"]
    off = NotificationPreference.select().where(
        (NotificationPreference.kind == "case_update") & ~NotificationPreference.email).count()
    assert 0 < off < users / 2


def test_the_datasets_absence_is_what_the_portal_would_have_registered(app, db):
    """bench/dataset.py registers absence as teachers would have: in the student's own classes'
    subjects, on school days so far, every lesson of a day a note is about (documented and
    struck as its accepted note says); the summary the coordinator reads counts it, and warns
    exactly where the profile's thresholds are crossed."""
    from datetime import date, datetime

    from bench import dataset
    from portal.absence import absence_summary, rules
    from portal.absence.models import AbsenceCover, AbsenceRecord, AbsenceWarning
    from portal.models import Enrolment, SchoolClass, SchoolYear, User

    # (a county's 30,000 students get about 170 warnings; of these 300 students, the random
    # stream of seed 2 has some cross a threshold, so the comparison below is not of two empty
    # sets: a change to what the generator draws may need another seed)
    with app.app_context():
        rows = dataset.build(db.obj, scale=0.01, now=datetime(2026, 12, 4, 12, 0), seed=2)
    assert rows["absence_record"] > 4 * rows["enrolment"]
    outside = db.execute_sql(
        "SELECT COUNT(*) FROM absence_record AS r JOIN teaching_assignment AS a"
        " ON a.id = r.assignment_id WHERE NOT EXISTS (SELECT 1 FROM enrolment AS e"
        " WHERE e.student_id = r.student_id AND e.school_class_id = a.school_class_id)"
    ).fetchone()[0]
    assert outside == 0
    days = {r.date for r in AbsenceRecord.select(AbsenceRecord.date)}
    assert days and all(rules.school_days(d, d) for d in days)
    assert max(days) <= date(2026, 12, 4) and min(days) >= dataset.YEAR[0]
    assert AbsenceRecord.select().where(AbsenceRecord.minutes_late > 0).count() > 0
    covers = list(AbsenceCover.select().where(AbsenceCover.lesson.is_null()))
    assert covers
    for cover in covers:
        lessons = list(AbsenceRecord.select().where(
            (AbsenceRecord.student == cover.student) & (AbsenceRecord.date == cover.date)))
        assert len(lessons) == dataset.LESSONS_A_DAY
        assert all(r.documented >= cover.documented and r.struck >= cover.struck
                   for r in lessons)
    on = date(2026, 12, 4)
    years = {y.id: y for y in SchoolYear.select()}
    assert len(years) >= 2  # (a vgs and the fagskole: each school's own profile counts)
    with app.test_request_context():
        students = [(u.id, years[u.enrolment.school_class.school_year_id])
                    for u in User.select(User.id, Enrolment, SchoolClass).join(
                        Enrolment, on=(Enrolment.student == User.id)).join(SchoolClass)]
        warned = {(w.student_id, w.assignment_id, w.rule_key) for w in AbsenceWarning.select()}
        crossing = set()
        for student, year in students:
            for f in absence_summary(student, year, on):
                crossing |= {(student, f.assignment_id, t.key)
                             for t in rules.crossed(year.school.rules, f)}
                assert f.lessons_absent or f.late_minutes or not any(
                    r.assignment_id == f.assignment_id for r in AbsenceRecord.select().where(
                        AbsenceRecord.student == student))
    assert warned == crossing and warned  # (a few students' notes' days cross the first)


@pytest.mark.postgresql_only
def test_generic_plans_name_the_large_tables_a_prepared_statement_reads_whole(school):
    """bench.plans: the plan PostgreSQL keeps for each statement prepared on the connection,
    and the tables of at least min_rows rows it reads by a sequential scan."""
    from bench.plans import generic_plans
    from portal.db import Prepared, database
    from portal.models import User

    by_name = Prepared(lambda name: (User.select(User.id).where(User.full_name == name)
                                     .tuples()))  # full_name has no index
    assert by_name("Nobody") == []
    database.execute_sql('ANALYZE "user"')
    users = database.execute_sql('SELECT count(*) FROM "user"').fetchone()[0]

    def scans(min_rows):  # (the connection may hold other tests' statements too)
        found = generic_plans(database, min_rows=min_rows)
        assert found["statements"] >= 1
        return [(s["table"], s["rows"]) for s in found["large_scans"]
                if '"full_name" = $1' in s["statement"]]

    assert scans(users) == [("user", users)]
    assert scans(users + 1) == []


def test_every_case_of_the_dataset_opens_for_each_of_its_participants(app, db):
    """The dataset has every registered kind (the vgs schools theirs, the fagskole the rest)
    and its cases carry their kinds' own rows (bench/kinds.py): one case of each kind and
    state, opened by each of its participants as they would open it, answers 200; and no case
    lacks its kind's own row."""
    from datetime import datetime

    from peewee import fn

    from bench import dataset, kinds, queries
    from portal.cases.kinds import REGISTRY
    from portal.models import Case, Participant, User

    # (600 cases: enough for the rarer states, such as an appeal of a decision; in an app
    # context, as `make bench` builds it: the kinds' texts in the default language)
    with app.app_context():
        dataset.build(db.obj, scale=0.004, now=datetime(2026, 12, 4, 12, 0))
    checked = []
    for model in kinds.models():
        field = model._meta.fields.get("case")
        if field is None or not field.unique:  # (a kind's own row: one a case)
            continue
        kind = model.__module__.split(".")[2]
        missing = Case.select().where((Case.kind == kind) & ~fn.EXISTS(
            model.select(model.id).where(model.case == Case.id))).count()
        assert missing == 0, f"{missing} {kind} cases without their {model.__name__}"
        checked.append(kind)
    # every registered kind; a kind new to the portal makes the build fail until
    # bench/kinds.py says what its cases need
    assert set(kinds.BY_KIND) | {"study_leave"} == set(REGISTRY)
    assert sorted(checked) == sorted(set(REGISTRY) - {"study_leave"})
    # (each school's: a vgs's and the fagskole's absence notes, appeals and decisions)
    firsts = list(Case.select(Case.kind, Case.state, fn.MIN(Case.id).alias("first"))
                  .group_by(Case.school, Case.kind, Case.state).tuples())
    assert {kind for kind, _state, _id in firsts} == set(REGISTRY)
    # the codes of states, parts and outcomes that are one word ("student" is Norwegian too)
    from portal.cases import decisions
    from portal.roles import PARTS

    one_word_codes = {*PARTS, *decisions.OUTCOMES} - {"student"}
    for registered in REGISTRY.values():
        one_word_codes |= {s.code for s in registered.states}
    one_word_codes = {code for code in one_word_codes if "_" not in code}
    clients = {}
    opened = 0
    for kind, state, case_id in firsts:
        people = list(Participant.select(User.username, Participant.part).join(User)
                      .where(Participant.case == case_id).tuples())
        assert "student" in {part for _user, part in people}, (kind, state)
        for username, part in people:
            if username not in clients:
                clients[username] = app.test_client()
                queries.login(clients[username], username, dataset.PASSWORD)
            response = clients[username].get(f"/cases/{case_id}")
            assert response.status_code == 200, (kind, state, part, response.status_code)
            # what the page shows names every part, outcome and state in words: no code
            shown = html.unescape(re.sub(r"<script.*?</script>|<[^>]+>", " ",
                                         response.get_data(as_text=True), flags=re.S))
            codes = set(re.findall(r"\b[a-z]+_[a-z_]+\b", shown)) | (
                set(re.findall(r"\b[a-z]+\b", shown)) & one_word_codes)
            assert not codes, (kind, state, part, codes)
            opened += 1
    assert opened > 2 * len(firsts)


def test_the_fagskole_has_no_study_leave_and_its_decisions_name_its_own_profile(app, db):
    """From two schools on, the dataset's last school is a fagskole on its own profile
    (bench/dataset.py; every scale has two): it has every kind but study leave, and no year
    coordinators, so the benchmark's students and coordinators are the vgs schools'
    (bench/run.py); every school's decisions name its own profile's appeal body, appeal rule
    and deadline, and rules of that profile."""
    from datetime import datetime

    from bench import dataset
    from bench.run import pick_subjects
    from portal.cases.kinds import REGISTRY
    from portal.models import Case, Decision, RoleGrant, School
    from portal.rules import get_profile
    from portal.rules.calendar import oslo_date
    from portal.rules.deadlines import deadline_after

    with app.app_context():
        dataset.build(db.obj, scale=0.004, now=datetime(2026, 12, 4, 12, 0))
    schools = list(School.select().order_by(School.id))
    assert [s.profile for s in schools] == ["vgs", "havbruk"]
    vgs, fagskole = schools

    def kinds_at(school):
        return {k for (k,) in Case.select(Case.kind).where(Case.school == school).tuples()}

    assert kinds_at(fagskole) == set(REGISTRY) - {"study_leave"}
    assert "study_leave" in kinds_at(vgs)
    assert not RoleGrant.select().where((RoleGrant.school == fagskole)
                                        & (RoleGrant.role == "year_coordinator")).exists()
    subjects = pick_subjects(4)
    assert subjects["coordinators"] == ["b1-trinn1"]
    assert subjects["students"] and all(u.startswith("b1-") for u, _ in subjects["students"])
    for school in schools:
        profile = get_profile(school.profile)
        appeal = profile.rule("decision_appeal_deadline")
        references = {r.reference for r in profile.rules.values()} | {
            r.cite() for r in profile.rules.values()}
        decisions = list(Decision.select().join(Case).where(Case.school == school))
        decided = {d.case.kind for d in decisions}
        assert decided >= ({"study_leave", "absence_note"} if school == vgs
                           else {"absence_note", "exam_adaptation", "follow_up"}), decided
        for d in decisions:
            assert d.appeal_body == profile.value("appeal_body"), (school.profile, d.case.kind)
            assert d.appeal_rule == appeal.cite(), (school.profile, d.case.kind)
            assert d.appeal_deadline == deadline_after(oslo_date(d.decided_at), appeal)
            # (one rule, or several cited together, as an exam adaptation's decision does)
            assert d.rule_reference in references or set(
                d.rule_reference.split("; ")) <= references, (school.profile, d.case.kind,
                                                              d.rule_reference)


def test_the_datasets_absence_notes_are_decided_as_the_portal_decides_them(app, db):
    """An accepted note of the dataset (one to three days of illness: never over a limit)
    is accepted in full, with what its acceptance did and no decision; only a refused note
    has one, its refusal (portal/kinds/absence_note/review.py: a decision in part only where
    a limit keeps days on the diploma)."""
    from datetime import datetime

    from bench import dataset
    from portal.kinds.absence_note.models import AbsenceNote
    from portal.models import Case, Decision, Event

    with app.app_context():
        dataset.build(db.obj, scale=0.004, now=datetime(2026, 12, 4, 12, 0))
    notes = Case.select().where(Case.kind == "absence_note")
    assert {c.state for c in notes} >= {"accepted", "refused"}
    steps = {a for (a,) in Event.select(Event.action).join(Case)
             .where(Case.kind == "absence_note").tuples()}
    assert "accept" in steps and "accept_in_part" not in steps
    for case in notes.where(Case.state == "accepted"):
        outcome = AbsenceNote.get(AbsenceNote.case == case).outcome
        assert outcome is not None and not outcome["partial"], case.id
    decided = {(c.state, d.outcome) for d in Decision.select().join(Case)
               .where(Case.kind == "absence_note") for c in [d.case]}
    assert decided == {("refused", "refused")}


def test_the_benchmarks_requests_send_only_statements_whose_text_is_kept(app, db):
    """make bench's requests, counted in process as it counts them (bench/queries.py): every
    page and the filing send statements whose text the portal keeps (Prepared, create_row,
    insert_rows), none built anew by peewee; at most 12 a page."""
    from datetime import datetime

    from bench import dataset, queries
    from bench.run import fill_etags, pick_subjects, scenarios
    from portal.models import Case

    with app.app_context():
        dataset.build(db.obj, scale=0.004, now=datetime(2026, 12, 4, 12, 0))
    app.config["PORTAL_TODAY"] = date(2026, 12, 4)  # (the filing's period: the dataset's year)
    scen = scenarios(pick_subjects(1), on=date(2026, 12, 4))
    fill_etags(scen, lambda case_id: Case.get_by_id(case_id).etag)
    counted = queries.count(app, scen, dataset.PASSWORD)
    assert set(counted) == {s["name"] for s in scen} and "file" in counted
    assert {name: c.built for name, c in counted.items() if c.built} == {}
    assert all(c.statements <= 12 for name, c in counted.items() if name != "file")
    assert counted["floor"].statements >= 1 and counted["file"].statements >= 5


Y2526 = (date(2025, 8, 18), date(2026, 6, 19), "2025/2026")
Y2627 = (date(2026, 8, 17), date(2027, 6, 18), "2026/2027")
Y2728 = (date(2027, 8, 16), date(2028, 6, 16), "2027/2028")  # Monday to Friday, as 2026/27


@pytest.mark.parametrize("day, year", [
    (date(2026, 8, 17), Y2526),  # 2026/27's first day: no study leave completed in it yet
    (date(2026, 9, 27), Y2526),
    (date(2026, 9, 28), Y2627),  # six weeks in
    (date(2027, 7, 20), Y2627),  # the summer: the year just ended
    (date(2027, 8, 16), Y2627),
    (date(2027, 9, 27), Y2728),
])
def test_the_dataset_is_written_for_the_school_year_it_is_built_in(day, year):
    """The year under way for six weeks (the scenarios read completed study leaves), else
    the one before it."""
    from bench import dataset

    assert dataset.school_year_of(day) == year


@pytest.mark.parametrize("real, pinned", [
    (date(2026, 12, 4), None),
    (date(2027, 6, 4), None),  # a period on the year's last day, 18 June, is still open
    (date(2027, 6, 5), date(2027, 5, 29)),  # a Saturday: from then on nothing is open
    (date(2027, 6, 8), date(2027, 6, 1)),
    (date(2027, 7, 20), date(2027, 6, 1)),  # the summer
    (date(2027, 8, 20), date(2027, 6, 4)),  # 2027/28 has begun, its dataset not yet
    (date(2027, 9, 26), date(2027, 5, 30)),  # a Sunday, the day before 2027/28's dataset
    (date(2027, 9, 27), None),
])
def test_the_portals_day_is_pinned_when_the_real_one_leaves_nothing_to_apply_for(real, pinned):
    """The latest day on the same weekday from which a period of the dataset's school year
    can still be applied for, two weeks ahead."""
    from bench.run import filing_form, portal_day

    assert portal_day(real) == pinned
    if pinned:
        assert (real - pinned).days % 7 == 0
        assert filing_form(pinned, date(2027, 6, 18)) is not None


@pytest.mark.parametrize("started, real, pinned, now", [
    ((2026, 12, 4, 11, 0), date(2026, 12, 4), None, (2026, 12, 4, 11, 0)),
    ((2026, 8, 20, 21, 30), date(2026, 8, 20), date(2026, 6, 4), (2026, 6, 4, 21, 30)),
    # 00:30 on Friday 21 August in Oslo: Friday 5 June's period (19 June) is still open
    ((2026, 8, 20, 22, 30), date(2026, 8, 21), date(2026, 6, 5), (2026, 6, 4, 22, 30)),
])
def test_a_benchmark_run_takes_its_day_from_the_moment_it_starts_in_oslo(started, real, pinned,
                                                                         now):
    from datetime import datetime

    from bench.run import RunDay
    from portal.rules.calendar import oslo_date

    run_day = RunDay.starting(datetime(*started))
    assert (run_day.real, run_day.pinned, run_day.now) == (real, pinned, datetime(*now))
    assert oslo_date(run_day.now) == run_day.day == (pinned or real)


def test_a_benchmark_run_pinned_to_an_earlier_day_builds_its_dataset_as_on_that_day(
        tmp_path, monkeypatch):
    """prepare() on a run that starts on 20 August 2026 at 23:30 in Oslo, and so is pinned to
    4 June 2026: the dataset's school year is 2025/26, and its cases were filed by 23:30 on
    that day, at most."""
    import sqlite3
    from datetime import datetime

    from bench import run

    monkeypatch.setattr(run, "BUILD", tmp_path)
    run_day = run.RunDay.starting(datetime(2026, 8, 20, 21, 30))  # (UTC)
    assert (run_day.real, run_day.pinned, run_day.now) == (
        date(2026, 8, 20), date(2026, 6, 4), datetime(2026, 6, 4, 21, 30))
    url, rows = run.prepare("sqlite", "pinned", 0.004, True, run_day)
    assert rows["case"] > 100
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    assert con.execute("SELECT DISTINCT name FROM school_year").fetchall() == [("2025/2026",)]
    first, last = con.execute('SELECT min(created_at), max(created_at) FROM "case"').fetchone()
    assert "2025-08-18" <= first and "2026-05-28" <= last <= "2026-06-04 21:30"
    con.close()


def test_a_dataset_built_early_in_a_school_year_is_measured_on_a_pinned_day(app, db,
                                                                          database_url):
    """On 20 August 2026 (the review found the scenarios without a student on such a day) the
    dataset is the year before's, with completed study leaves, and that year has no period
    left to apply for; so `make bench` builds it as on 4 June 2026 and pins the portal's day
    there, and every scenario answers as it should, filing included. (A day of the past: on
    the real day the filing would be refused.)"""
    from datetime import datetime

    from bench import dataset
    from bench.run import _etag_from_db, count_queries, pick_subjects, portal_day, scenarios
    from portal.models import Case

    pinned = portal_day(date(2026, 8, 20))
    assert pinned == date(2026, 6, 4)
    with app.app_context():
        dataset.build(db.obj, scale=0.004, now=datetime(2026, 6, 4, 12, 0))
    subjects = pick_subjects(1)
    assert subjects["students"] and subjects["year_ends"] == date(2026, 6, 19)
    assert "file" not in [s["name"] for s in scenarios(subjects, on=date(2026, 8, 20))]
    scen = scenarios(subjects, on=pinned)
    assert "case_staff" in [s["name"] for s in scen] and scen[-1]["name"] == "file"
    cases = Case.select().count()
    counted = count_queries(database_url, scen, _etag_from_db, pinned)  # (asserts each status)
    assert counted["file"].statements >= 5 and Case.select().count() == cases + 2


def test_the_benchmarks_server_takes_the_pinned_day(app, db, database_url, school):
    """bench/run.py's gunicorn serves bench/pinned.py's app on a pinned day: a study leave
    two weeks ahead of that day, long past on the real one, is filed."""
    from urllib.parse import urlencode

    from bench.run import Server, filing_form
    from portal.models import Case

    student = school.students[0]
    form = filing_form(date(2026, 8, 24), date(2027, 6, 18))
    form["form_token"] = "a-token-of-its-own"
    server = Server(database_url, 1, pinned=date(2026, 8, 24))
    try:
        cookie, token = server.login(student.username, "demo")
        status, headers, _ = server.request(
            "POST", "/study-leave/new",
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            urlencode({**form, "csrf_token": token}))
    finally:
        server.stop()
    assert status == 303, status
    case = Case.get(Case.student == student.id)
    assert headers["Location"].endswith(f"/cases/{case.id}")
    assert case.kind == "study_leave" and case.state != "withdrawn"


@pytest.mark.parametrize("on, period", [
    (date(2026, 12, 4), ("2026-12-18", "2026-12-20")),
    (date(2026, 12, 11), ("2026-12-28", "2026-12-30")),  # not Christmas Day, a Friday
    (date(2027, 3, 11), ("2027-03-30", "2027-04-01")),  # after Easter: Thursday to Monday off
    (date(2027, 6, 4), ("2027-06-18", "2027-06-18")),  # the year's last day
    (date(2027, 6, 5), None),  # nothing left to apply for before the year ends
])
def test_the_benchmarks_filing_asks_for_a_period_that_can_be_granted(on, period):
    from bench.run import filing_form

    form = filing_form(on, date(2027, 6, 18))
    assert (form and (form["first_day"], form["last_day"])) == period


def test_a_dataset_built_in_another_school_year_is_dated_in_it(app, db):
    """Built on 5 October 2027: the school year 2027/28, its exams on the same weekdays a
    year on, and every case filed between the year's start and then."""
    from datetime import datetime

    from bench import dataset
    from portal.exams.models import Exam
    from portal.models import Case, SchoolYear

    with app.app_context():
        dataset.build(db.obj, scale=0.001, now=datetime(2027, 10, 5, 12, 0))
    assert {(y.name, y.starts_on, y.ends_on) for y in SchoolYear.select()} == {
        ("2027/2028", date(2027, 8, 16), date(2028, 6, 16))}
    days = sorted({e.starts_at.date() for e in Exam.select()})
    assert days[0] == date(2027, 9, 14) and days[-1] == date(2028, 5, 23)
    assert all(d.weekday() == 1 for d in days)  # Tuesdays, as in 2026/27
    filed = [c.created_at for c in Case.select(Case.created_at)]
    assert min(filed) >= datetime(2027, 8, 16) and max(filed) <= datetime(2027, 10, 5, 12, 0)
