"""case_listing (migration 015): the database keeps one row per user and case they have a part
in, with the case's updated_at, version, kind and is_open, whatever writes the case or the
participants; the home lists read it."""

import importlib
import threading

import pytest

from portal.cases import engine
from portal.db import database, is_postgresql
from portal.models import Case, CaseListing, Participant
from tests.test_engine import TEST_KIND, kind  # noqa: F401  (fixture)


def _listed(case) -> dict:
    """{username: (updated_at, version, kind, is_open)} of the case's listing rows."""
    fresh = Case.get_by_id(case.id)
    rows = {}
    for row in CaseListing.select().where(CaseListing.case == case.id):
        rows[row.user.username] = (row.updated_at, row.version, row.kind, row.is_open)
        assert (row.updated_at, row.version, row.kind, row.is_open) == (
            fresh.updated_at, fresh.version, fresh.kind, fresh.is_open)
    return rows


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
    import psycopg2

    case = _open(school)
    engine.add_participant(case, school.trinn, "teacher")  # trinn1: two parts, one row
    first, second = psycopg2.connect(database_url), psycopg2.connect(database_url)
    remove = "DELETE FROM participant WHERE case_id = %s AND user_id = %s AND part = %s"

    def other():
        with second.cursor() as cur:
            cur.execute(remove, (case.id, school.trinn.id, "teacher"))
        second.commit()

    try:
        with first.cursor() as cur:
            cur.execute(remove, (case.id, school.trinn.id, "year_coordinator"))
            thread = threading.Thread(target=other)
            thread.start()
            thread.join(0.5)
        first.commit()
        thread.join(10)
    finally:
        first.close()
        second.close()
    assert not thread.is_alive() and "trinn1" not in _listed(case)
