"""case_listing (migration 015): the database keeps one row per user and case they have a part
in, with the case's updated_at, version, kind and is_open and (migration 018) the user's parts
in it, whatever writes the case or the participants; the home lists read it."""

import importlib
import threading

import pytest

from portal.cases import engine
from portal.cases.access import parts_of_text
from portal.db import database, is_postgresql
from portal.models import Case, CaseListing, Participant
from tests.test_engine import TEST_KIND, kind  # noqa: F401  (fixture)


def _listed(case) -> dict:
    """{username: (updated_at, version, kind, is_open)} of the case's listing rows, each
    checked against the case and against the user's parts in participant."""
    fresh = Case.get_by_id(case.id)
    rows = {}
    for row in CaseListing.select().where(CaseListing.case == case.id):
        rows[row.user.username] = (row.updated_at, row.version, row.kind, row.is_open)
        assert (row.updated_at, row.version, row.kind, row.is_open) == (
            fresh.updated_at, fresh.version, fresh.kind, fresh.is_open)
        assert parts_of_text(row.parts) == engine.parts_of(case, row.user_id), row.user.username
    return rows


def _listed_parts(case, user) -> set[str]:
    row = CaseListing.get((CaseListing.case == case.id) & (CaseListing.user == user))
    return parts_of_text(row.parts)


def _one_after_the_other(database_url, first, second) -> None:
    """(statement, parameters) `first` in a transaction left open while `second` runs in
    another connection and must wait for it (the lock on the case row); then both commit."""
    import psycopg2

    connections = psycopg2.connect(database_url), psycopg2.connect(database_url)

    def run_second():
        with connections[1].cursor() as cur:
            cur.execute(*second)
        connections[1].commit()

    try:
        with connections[0].cursor() as cur:
            cur.execute(*first)
            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive()  # waits for the first
        connections[0].commit()
        thread.join(10)
        assert not thread.is_alive()
    finally:
        for connection in connections:
            connection.close()


def _open(school):
    return engine.open_case("engine_test", school=school.school, school_year=school.year,
                            student=school.elev1, title="Min sak", actor=school.elev1,
                            participants=[(school.trinn, "year_coordinator"),
                                          (school.laerer1, "contact_teacher")])


def test_a_row_for_each_user_with_a_part_that_follows_every_change_of_the_case(school, kind):  # noqa: F811
    case = _open(school)
    assert set(_listed(case)) == {"elev1", "trinn1", "laerer1"}
    engine.apply(case, "take", actor=school.trinn, expected_version=case.version)
    after = _listed(Case.get_by_id(case.id))
    assert {v[1] for v in after.values()} == {Case.get_by_id(case.id).version}
    # a write that goes around the app is followed too (an import, a script, an admin's SQL)
    Case.update(kind="other_kind", is_open=False).where(Case.id == case.id).execute()
    assert {(v[2], v[3]) for v in _listed(case).values()} == {("other_kind", False)}
    fresh = Case.get_by_id(case.id)
    fresh.title = "Nytt navn"
    fresh.version += 1
    fresh.save()  # a kind's view saving the whole row
    assert {v[1] for v in _listed(case).values()} == {fresh.version}


def test_a_second_part_adds_no_row_and_the_row_goes_with_the_last_part(school, kind):  # noqa: F811
    case = _open(school)
    engine.add_participant(case, school.trinn, "teacher")
    assert list(_listed(case)).count("trinn1") == 1
    Participant.delete().where((Participant.case == case.id) & (Participant.user == school.trinn)
                               & (Participant.part == "teacher")).execute()
    assert "trinn1" in _listed(case)
    Participant.delete().where((Participant.case == case.id)
                               & (Participant.user == school.trinn)).execute()
    assert "trinn1" not in _listed(case)
    # a part moved to another user moves the row
    Participant.update(user=school.laerer2).where(
        (Participant.case == case.id) & (Participant.user == school.laerer1)).execute()
    assert set(_listed(case)) == {"elev1", "laerer2"}


def test_the_row_holds_the_users_parts_however_they_change(school, kind):  # noqa: F811
    case = _open(school)
    assert _listed_parts(case, school.trinn) == {"year_coordinator"}
    engine.add_participant(case, school.trinn, "teacher")
    assert _listed_parts(case, school.trinn) == {"year_coordinator", "teacher"}
    engine.add_participant(case, school.trinn, "teacher")  # already there: nothing changes
    assert _listed_parts(case, school.trinn) == {"year_coordinator", "teacher"}
    Participant.delete().where((Participant.case == case.id) & (Participant.user == school.trinn)
                               & (Participant.part == "year_coordinator")).execute()
    assert _listed_parts(case, school.trinn) == {"teacher"}
    Participant.update(part="cohort_coordinator").where(  # a part changed in place
        (Participant.case == case.id) & (Participant.user == school.trinn)).execute()
    assert _listed_parts(case, school.trinn) == {"cohort_coordinator"}
    # a part moved to a user who has one already joins theirs; the one it left loses it
    engine.add_participant(case, school.laerer1, "teacher")
    Participant.update(user=school.trinn).where(
        (Participant.case == case.id) & (Participant.user == school.laerer1)
        & (Participant.part == "teacher")).execute()
    assert _listed_parts(case, school.trinn) == {"cohort_coordinator", "teacher"}
    assert _listed_parts(case, school.laerer1) == {"contact_teacher"}
    _listed(case)


def test_the_work_queue_reads_the_parts_from_the_row(client, auth, school):
    """The coordinator finds a new application under "waiting for you"; the contact teacher,
    whose copy of it asks nothing of them, finds it among the rest."""
    from portal.cases.kinds import REGISTRY

    case = engine.open_case("study_leave", school=school.school, school_year=school.year,
                            student=school.elev1, title="Søknad", actor=school.elev1,
                            participants=[(school.trinn, "year_coordinator"),
                                          (school.laerer1, "contact_teacher")])
    assert not REGISTRY["study_leave"].may_act(case.state, {"contact_teacher"})

    def waiting(username) -> tuple[bool, bool]:
        auth.login(username)
        page = client.get("/home").get_data(as_text=True)
        auth.logout()
        section = page.split('id="waiting-heading"')[1].split("</section>")[0]
        return f"/cases/{case.id}" in section, f"/cases/{case.id}" in page

    assert waiting("trinn1") == (True, True)
    assert waiting("laerer1") == (False, True)


def test_a_deleted_case_leaves_no_rows(school, kind):  # noqa: F811
    case = _open(school)
    Case.delete().where(Case.id == case.id).execute()
    assert CaseListing.select().where(CaseListing.case == case.id).count() == 0


def test_the_migration_fills_the_rows_of_cases_that_existed_before_it(school, kind):  # noqa: F811
    cases = [_open(school) for _ in range(3)]
    engine.add_participant(cases[0], school.trinn, "teacher")  # two parts, one row
    expected = sorted(CaseListing.select(CaseListing.user, CaseListing.case, CaseListing.version)
                      .tuples())
    CaseListing.delete().execute()
    migration = importlib.import_module("migrations.015_case_listing")
    database.execute_sql((migration.POSTGRESQL if is_postgresql() else migration.SQLITE)[-1])
    assert sorted(CaseListing.select(CaseListing.user, CaseListing.case, CaseListing.version)
                  .tuples()) == expected
    assert len(expected) == 9
    # and 018's fills their parts
    CaseListing.update(parts="").execute()
    parts = importlib.import_module("migrations.018_listing_parts")
    database.execute_sql(parts.backfill(is_postgresql()))
    for case in cases:
        _listed(case)
    assert _listed_parts(cases[0], school.trinn) == {"year_coordinator", "teacher"}


@pytest.mark.postgresql_only
def test_a_part_added_while_another_transaction_changes_the_case_copies_the_change(
        school, kind, database_url):  # noqa: F811
    """The trigger on participant waits for the case row (FOR NO KEY UPDATE): without that,
    the part's row would copy the version committed before the change, and the change's
    trigger would not see the new row, so the listing would keep the old version."""
    import psycopg2

    case = _open(school)
    changer, adder = psycopg2.connect(database_url), psycopg2.connect(database_url)
    try:
        with changer.cursor() as cur:  # a change of the case, not yet committed
            cur.execute('UPDATE "case" SET version = version + 1 WHERE id = %s', (case.id,))
        done = threading.Event()

        def add():
            with adder.cursor() as cur:
                cur.execute("INSERT INTO participant (case_id, user_id, part, added_at) "
                            "VALUES (%s, %s, 'teacher', now())", (case.id, school.laerer2.id))
            adder.commit()
            done.set()

        thread = threading.Thread(target=add)
        thread.start()
        assert not done.wait(0.5)  # waits for the case row
        changer.commit()
        thread.join(10)
        assert done.is_set()
    finally:
        changer.close()
        adder.close()
    assert _listed(case)["laerer2"][1] == case.version + 1


@pytest.mark.postgresql_only
def test_two_transactions_that_add_a_part_and_then_change_the_case_queue_up(
        school, kind, database_url):  # noqa: F811
    """As follow_up does for a concern (add the teacher, then note it on the case): with a
    share lock the two would deadlock and PostgreSQL would abort one of them."""
    import psycopg2

    case = _open(school)
    first, second = psycopg2.connect(database_url), psycopg2.connect(database_url)
    add = ("INSERT INTO participant (case_id, user_id, part, added_at) "
           "VALUES (%s, %s, 'teacher', now())")
    change = 'UPDATE "case" SET version = version + 1, updated_at = now() WHERE id = %s'
    errors = []

    def other():
        try:
            with second.cursor() as cur:
                cur.execute(add, (case.id, school.laerer2.id))
                cur.execute(change, (case.id,))
            second.commit()
        except psycopg2.Error as error:
            errors.append(error)

    try:
        with first.cursor() as cur:
            cur.execute(add, (case.id, school.trinn.id))
            thread = threading.Thread(target=other)
            thread.start()
            thread.join(0.5)
            cur.execute(change, (case.id,))
        first.commit()
        thread.join(10)
    finally:
        first.close()
        second.close()
    assert errors == [] and not thread.is_alive()
    assert {v[1] for v in _listed(case).values()} == {case.version + 2}


@pytest.mark.postgresql_only
def test_two_transactions_removing_a_users_last_two_parts_leave_no_row(
        school, kind, database_url):  # noqa: F811
    """Each would see the other's part (not yet committed) and keep the row; the lock on the
    case row makes the second wait and see the first's removal."""
    case = _open(school)
    engine.add_participant(case, school.trinn, "teacher")  # trinn1: two parts, one row
    remove = "DELETE FROM participant WHERE case_id = %s AND user_id = %s AND part = %s"
    _one_after_the_other(database_url, (remove, (case.id, school.trinn.id, "year_coordinator")),
                         (remove, (case.id, school.trinn.id, "teacher")))
    assert "trinn1" not in _listed(case)


@pytest.mark.postgresql_only
def test_two_transactions_adding_parts_for_one_user_leave_both_in_the_row(
        school, kind, database_url):  # noqa: F811
    """Each reads the user's parts anew after the lock on the case row: the second reads the
    first's committed part, not the parts as they were when it began."""
    case = _open(school)
    add = ("INSERT INTO participant (case_id, user_id, part, added_at) "
           "VALUES (%s, %s, %s, now())")
    _one_after_the_other(database_url, (add, (case.id, school.trinn.id, "teacher")),
                         (add, (case.id, school.trinn.id, "cohort_coordinator")))
    assert _listed_parts(case, school.trinn) == {"year_coordinator", "teacher",
                                                 "cohort_coordinator"}


def test_a_page_of_the_lists_reads_case_listing_from_its_index_alone(school):
    """Migration 018 put the parts into the lists' index: the page's statement reads no
    case_listing row (SQLite says so in its plan; PostgreSQL reads the index, and whether
    it needs the table too depends on its visibility map, not on the statement)."""
    from portal.main.views import _LISTS

    sql, params = _LISTS[False].builder(school.trinn.id, [], 26, 0).sql()
    index = "caselisting_user_id_updated_at_case_id_kind_is_open_version_parts"
    if is_postgresql():
        with database.atomic():
            database.execute_sql("SET LOCAL enable_seqscan = off")  # (the test's tables are tiny)
            plan = " ".join(r[0] for r in database.execute_sql(f"EXPLAIN {sql}", params))
        assert index[:63] in plan, plan  # (PostgreSQL cuts names at 63 bytes)
    else:
        plan = " ".join(str(r[-1]) for r in database.execute_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                                 params))
        assert f"USING COVERING INDEX {index}" in plan, plan
