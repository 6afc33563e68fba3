"""Prepared queries (portal.db.Prepared): SQL built once, each call binds its own values and
gets the rows peewee's own query gives, on SQLite and PostgreSQL alike."""

import pytest
from peewee import JOIN, Value, fn

from portal import db as db_module
from portal.db import Prepared
from portal.models import RoleGrant, School, SchoolClass, User


def _rows(query):
    return [(r.id, r.name, r.contact_teacher.username) for r in query]


def test_rows_with_joins_match_peewee_for_each_call(school):
    def build(year_id, name):
        return (SchoolClass.select(SchoolClass, User)
                .join(User, on=(SchoolClass.contact_teacher == User.id))
                .where((SchoolClass.school_year == year_id) & (SchoolClass.name == name)))

    prepared = Prepared(build)
    for name in ("1STA", "1STB", "none"):
        expected = _rows(build(school.year.id, name))
        assert _rows(prepared(school.year.id, name)) == expected
    assert prepared(school.year.id, "1STB")[0].contact_teacher.username == "laerer2"
    assert len(prepared._cache) == 1  # one text for all three calls


def test_rows_after_the_first_call_are_made_as_peewee_makes_them(school):
    """The wrapper's column plan is worked out on the first call (here one without rows) and
    reused: joined models, an outer join that finds nothing, converted values, dicts."""
    def joined(user_id):
        return (User.select(User, RoleGrant, School)
                .join(RoleGrant, JOIN.LEFT_OUTER, on=(RoleGrant.user == User.id), attr="grant")
                .join(School, JOIN.LEFT_OUTER, on=(RoleGrant.school == School.id), attr="at")
                .where(User.id == user_id).order_by(RoleGrant.role))

    def shown(rows):
        return [(u.username, u.created_at, u.is_dirty(),
                 u.grant.role if u.grant else None,
                 u.grant.at.name if u.grant and u.grant.at else None)
                for u in rows]

    prepared = Prepared(joined)
    assert prepared(-1) == []
    assert len(prepared._columns) == 1  # worked out although no row came
    admin = User.create(username="nobody", full_name="Ingen roller", password_hash="x")
    for user in (school.laerer1, school.elev1, admin):
        assert shown(prepared(user.id)) == shown(joined(user.id)), user.username
    assert type(prepared(school.laerer1.id)[0].created_at) is type(school.laerer1.created_at)
    as_dicts = Prepared(lambda user_id: User.select(User.username, School.name.alias("at"))
                        .join(RoleGrant, on=(RoleGrant.user == User.id))
                        .join(School, on=(RoleGrant.school == School.id))
                        .where(User.id == user_id).dicts())
    for user in (school.elev1, school.laerer1, school.elev1):
        assert as_dicts(user.id) == list(as_dicts.builder(user.id))
    # a namedtuple wrapper's plan holds the wrapper itself: worked out on each call instead
    named = Prepared(lambda user_id: User.select(User.username).where(User.id == user_id)
                     .namedtuples())
    assert [r.username for r in named(school.elev1.id)] == ["elev1"]
    assert [r.username for r in named(school.elev2.id)] == ["elev2"]
    assert named._columns == {}


def test_list_arguments_are_prepared_once_per_length(school):
    prepared = Prepared(lambda ids: (User.select(User.username).where(User.id.in_(ids))
                                     .order_by(User.username).tuples()))
    one = [school.elev1.id]
    two = [school.elev2.id, school.trinn.id]
    assert prepared(one) == [("elev1",)]
    assert prepared(two) == [("elev2",), ("trinn1",)]
    assert prepared([school.elev3.id]) == [("elev3",)]
    assert prepared([]) == []
    assert len(prepared._cache) == 3  # lengths 1, 2 and 0


def test_models_stand_for_their_ids_and_first_and_scalar(school):
    count = Prepared(lambda user_id: (RoleGrant.select(fn.COUNT(RoleGrant.id))
                                      .where(RoleGrant.user == user_id).tuples()))
    assert count.scalar(school.laerer1) == 2
    assert count.scalar(school.elev1.id) == 1
    first = Prepared(lambda school_id, limit: (
        School.select(School, RoleGrant).join(RoleGrant, JOIN.LEFT_OUTER)
        .where(School.id == school_id).limit(limit)))
    assert first.first(school.school, 1).name == "Testskolen vgs"
    assert first.first(-1, 1) is None


def test_constants_of_the_query_stay_as_built(school):
    prepared = Prepared(lambda user_id: (RoleGrant.select(RoleGrant.role)
                                         .where((RoleGrant.user == user_id)
                                                & (RoleGrant.role == "contact_teacher"))
                                         .tuples()))
    assert prepared(school.laerer1.id) == [("contact_teacher",)]
    assert prepared(school.trinn.id) == []


def test_an_argument_the_builder_does_not_pass_as_a_value_is_refused(db):
    prepared = Prepared(lambda user_id: User.select().where(User.id == 1))
    with pytest.raises(ValueError, match="do not reach the SQL"):
        prepared(5)


def test_none_is_bound_as_null_not_as_text(school):
    prepared = Prepared(lambda email: User.select(User.username).where(User.email == email)
                        .tuples())
    User.create(username="odd", full_name="Odd", email="None", password_hash="x")
    assert prepared("None") == [("odd",)]
    assert prepared(None) == []  # NULL = NULL matches nothing, as in peewee's own query


# --- PostgreSQL: server-side prepared statements ----------------------------------------------

def _statements_on_connection() -> set[str]:
    return {name for (name,) in db_module.database.execute_sql(
        "SELECT name FROM pg_prepared_statements")}


@pytest.mark.postgresql_only
def test_postgresql_prepares_once_per_connection_and_executes_by_name(app):
    database = db_module.database
    prepared = Prepared(lambda user_id: (User.select(User.username).where(User.id == user_id)
                                         .tuples()))
    with database.connection_context():
        ids = [User.create(username=n, full_name=n, password_hash="x").id for n in "abc"]
        assert prepared(ids[0]) == [("a",)]
        name = next(iter(prepared._cache.values()))[3]
        assert name in _statements_on_connection()
        assert prepared(ids[1]) == [("b",)]  # EXECUTE with the new value
    database.close_all()  # as when the pool drops a stale connection
    with database.connection_context():
        assert name not in _statements_on_connection()  # a new connection ...
        assert prepared(ids[2]) == [("c",)]
        assert name in _statements_on_connection()  # ... prepares it anew


@pytest.mark.postgresql_only
def test_a_statement_postgresql_will_not_prepare_runs_as_text_without_harming_the_transaction(
        school):
    # PostgreSQL cannot type "$1 IS NULL"; the plain query binds a typed literal
    prepared = Prepared(lambda user_id: (User.select(User.username)
                                         .where(Value(user_id).is_null() | (User.id == user_id))
                                         .tuples()))
    with db_module.database.atomic():
        assert prepared(school.elev1.id) == [("elev1",)]
        assert User.get_by_id(school.elev2.id).username == "elev2"  # transaction still usable
    name = next(iter(prepared._cache.values()))[3]
    assert name in db_module._refused and name not in _statements_on_connection()
    assert prepared(school.elev2.id) == [("elev2",)]


@pytest.mark.postgresql_only
def test_prepared_statements_can_be_turned_off_for_pgbouncer(school, monkeypatch):
    monkeypatch.setattr(db_module, "server_prepared", False)
    prepared = Prepared(lambda user_id: (User.select(User.username).where(User.id == user_id)
                                         .tuples()))
    assert prepared(school.elev1.id) == [("elev1",)]
    assert next(iter(prepared._cache.values()))[3] not in _statements_on_connection()


def test_placeholders_become_numbered_parameters_and_percent_signs_stay():
    assert db_module._dollar_params("a = %s AND b LIKE '5%%' AND c IN (%s, %s)") == (
        "a = $1 AND b LIKE '5%%' AND c IN ($2, $3)")


@pytest.mark.postgresql_only
def test_a_statement_prepared_in_a_rolled_back_transaction_stays_prepared(school):
    prepared = Prepared(lambda user_id: (User.select(User.username).where(User.id == user_id)
                                         .tuples()))
    with db_module.database.atomic() as transaction:
        assert prepared(school.elev1.id) == [("elev1",)]
        transaction.rollback()  # PREPARE is not undone by a rollback
    name = next(iter(prepared._cache.values()))[3]
    assert name in _statements_on_connection()
    assert prepared(school.elev2.id) == [("elev2",)]


@pytest.mark.postgresql_only
def test_a_statement_the_server_has_forgotten_is_run_as_text_and_prepared_anew(school):
    prepared = Prepared(lambda user_id: (User.select(User.username).where(User.id == user_id)
                                         .tuples()))
    assert prepared(school.elev1.id) == [("elev1",)]
    db_module.database.execute_sql("DEALLOCATE ALL")  # as a pooler's DISCARD ALL does
    assert prepared(school.elev2.id) == [("elev2",)]
    assert prepared(school.trinn.id) == [("trinn1",)]
    assert next(iter(prepared._cache.values()))[3] in _statements_on_connection()
