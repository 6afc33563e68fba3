"""Prepared queries (portal.db.Prepared): SQL built once, each call binds its own values and
gets the rows peewee's own query gives, on SQLite and PostgreSQL alike."""

import pytest
from peewee import JOIN, Model, Value, fn

from portal import db as db_module
from portal.db import Prepared
from portal.models import (
    Case,
    Event,
    Participant,
    RoleGrant,
    School,
    SchoolClass,
    SchoolYear,
    User,
)


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
def test_postgresql_plans_each_statement_once_per_connection(school):
    # Left to itself, PostgreSQL plans a prepared statement anew for its first five
    # executions, and for good when the case list serves a coordinator's many cases; the
    # portal's connections keep one plan per statement (portal.db._GenericPlans)
    from portal.main.views import _LISTS

    for _ in range(4):
        for user in (school.trinn, school.elev1):
            _LISTS[False](user.id, [], 26, 0)
    name = _LISTS[False]._cache[Prepared.key((school.trinn.id, [], 26, 0))][3]
    plans = {row[0]: row[1:] for row in db_module.database.execute_sql(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements")}
    assert plans[name] == (8, 0)


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


@pytest.fixture
def forgetful_connection(school):
    """For a test that makes the server forget statements: afterwards the connection is as
    a new one (nothing prepared, and the portal knows it), whether the test passed or not, so
    that a later test does not run a forgotten statement in a transaction."""
    yield
    db_module.database.execute_sql("DEALLOCATE ALL")
    db_module._prepared_on.pop(db_module.database.connection(), None)


@pytest.mark.postgresql_only
def test_postgresql_prepares_the_kept_inserts_once_per_connection(school, a_case, monkeypatch,
                                                                  forgetful_connection):
    """create_row and insert_rows send their kept INSERT as a prepared statement on
    PostgreSQL (parsed and planned once a connection), in a transaction as outside one; the
    rows and new ids are peewee's. A statement the server forgot is sent as text outside a
    transaction and fails a transaction once, then it is prepared anew; PORTAL_PG_PREPARED=0
    sends them all as text."""
    from peewee import DatabaseError

    from portal.db import create_row, insert_rows
    from portal.notifications.models import Notification

    database = db_module.database
    sent = []
    send = db_module._send
    monkeypatch.setattr(db_module, "_send", lambda sql, params, name: (
        sent.append(name), send(sql, params, name))[1])

    def write(tag):
        user = create_row(User, username=f"ins-{tag}", full_name=tag, password_hash="x")
        assert User.get_by_id(user.id).username == f"ins-{tag}"  # its id, RETURNING'd
        insert_rows(Notification, [dict(user=user, case=a_case, kind="case_update",
                                         text_key=tag, created_at=a_case.created_at)] * 2)
        assert [n.text_key for n in Notification.select().where(
            Notification.user == user)] == [tag, tag]

    def forget():  # as a pooler's DISCARD ALL does, to these statements only
        for name in names:
            database.execute_sql(f"DEALLOCATE {name}")

    with database.atomic():  # as a filing does: prepared behind a savepoint
        write("a")
    names = set(sent)
    assert len(names) == 2 and None not in names and names <= _statements_on_connection()
    write("b")  # by name
    forget()
    write("c")  # outside a transaction: as text, then ...
    write("d")
    assert names <= _statements_on_connection()  # ... prepared anew
    forget()
    with pytest.raises(DatabaseError), database.atomic():
        write("e")  # in a transaction, the forgotten statement fails it (nothing written) ...
    assert not User.select().where(User.username == "ins-e").exists()
    write("e")  # ... once: the user's insert is prepared anew (the notifications' as text)
    with database.atomic():
        write("f")  # both by name again
    assert names <= _statements_on_connection()
    forget()
    monkeypatch.setattr(db_module, "server_prepared", False)
    with database.atomic():
        write("g")
    assert not names & _statements_on_connection()


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
def test_a_statement_the_server_has_forgotten_is_run_as_text_and_prepared_anew(
        school, forgetful_connection):
    prepared = Prepared(lambda user_id: (User.select(User.username).where(User.id == user_id)
                                         .tuples()))
    assert prepared(school.elev1.id) == [("elev1",)]
    db_module.database.execute_sql("DEALLOCATE ALL")  # as a pooler's DISCARD ALL does
    assert prepared(school.elev2.id) == [("elev2",)]
    assert prepared(school.trinn.id) == [("trinn1",)]
    assert next(iter(prepared._cache.values()))[3] in _statements_on_connection()


# --- rows made from the fixed plan (portal.db._row_maker) -----------------------------------

def _graph(value):
    """What a row is, to compare: each model instance's class, field values and their types
    (True and 1 are equal, not the same), joined instances, dirty fields and attributes of its
    own, all the way down the joins."""
    if not isinstance(value, Model):
        return type(value), value
    own = {k: _graph(v) for k, v in value.__dict__.items()
           if k not in ("__data__", "__rel__", "_dirty")}
    return (type(value).__name__, {k: _graph(v) for k, v in value.__data__.items()},
            {k: _graph(v) for k, v in value.__rel__.items()}, sorted(value._dirty), own)


ACTOR = User.alias("actor")


@pytest.fixture
def a_case(school):
    from portal.cases import engine
    from portal.cases.kinds import REGISTRY, Kind, State, Transition

    kind = Kind(code="prepared_test", label="Prepared test", initial="sent",
                states=[State("sent", "Sent"), State("done", "Done", is_open=False)],
                transitions=[Transition("sent", "finish", {"year_coordinator"}, "done")])
    REGISTRY[kind.code] = kind
    case = engine.open_case("prepared_test", school=school.school, school_year=school.year,
                            student=school.elev1, title="Test", actor=school.elev1,
                            participants=[(school.trinn, "year_coordinator")], text="first")
    # an event no one did (actor NULL), as the reminders write
    Event.create(case=case, actor=None, role="system", action="reminded", state_before="sent",
                 state_after="sent")
    yield case
    REGISTRY.pop(kind.code)


def test_rows_made_from_the_plan_are_the_rows_peewee_makes(school, a_case):
    """Every shape of query the portal prepares: one model, some of its columns, subquery
    aliases, inner and outer joins (found and not found, a foreign key left NULL), joins two
    steps deep, and a foreign key's id column (left to peewee's own row making)."""
    shapes = {
        "one model": lambda case_id: Case.select().where(Case.id == case_id),
        "some columns and aliases": lambda case_id: (
            Case.select(Case.id, Case.title, Case.student, Case.updated_at,
                        fn.COUNT(Event.id).alias("events"),
                        Event.select(fn.MAX(Event.created_at)).where(Event.case == Case.id)
                        .alias("latest_at"))
            .join(Event, on=(Event.case == Case.id)).where(Case.id == case_id)
            .group_by(Case.id, Case.title, Case.student, Case.updated_at)),
        "outer join, actor NULL on one row": lambda case_id: (
            Event.select(Event, User.id, User.full_name)
            .join(User, JOIN.LEFT_OUTER, on=(Event.actor == User.id))
            .where(Event.case == case_id).order_by(Event.id.desc())),
        "joins two steps deep, with attr": lambda case_id: (
            Participant.select(Participant, User, RoleGrant, School)
            .join(User, on=(Participant.user == User.id))
            .join(RoleGrant, JOIN.LEFT_OUTER, on=(RoleGrant.user == User.id), attr="grant")
            .join(School, JOIN.LEFT_OUTER, on=(RoleGrant.school == School.id), attr="at")
            .where(Participant.case == case_id).order_by(Participant.id, RoleGrant.id)),
        "inner join that finds nothing": lambda case_id: (
            Event.select(Event, User).join(User, on=(Event.actor == User.id))
            .where((Event.case == case_id) & (User.id == -5))),
        "an aliased model, outer join": lambda case_id: (
            Event.select(Event, ACTOR).join(ACTOR, JOIN.LEFT_OUTER, on=(Event.actor == ACTOR.id))
            .where(Event.case == case_id).order_by(Event.id)),
        "outer joins through a model not selected": lambda case_id: (
            Event.select(Event, School.name)
            .join(User, JOIN.LEFT_OUTER, on=(Event.actor == User.id))
            .join(RoleGrant, JOIN.LEFT_OUTER, on=(RoleGrant.user == User.id))
            .join(School, JOIN.LEFT_OUTER, on=(RoleGrant.school == School.id))
            .where(Event.case == case_id).order_by(Event.id, RoleGrant.id)),
        "dates, times, flags and JSON of joined models": lambda case_id: (
            Case.select(Case, SchoolYear, Event)
            .join(SchoolYear).switch(Case).join(Event, on=(Event.case == Case.id))
            .where(Case.id == case_id).order_by(Event.id)),
        "a foreign key's id column": lambda case_id: (
            Case.select(Case.id, Case.student_id.alias("student_id")).where(Case.id == case_id)),
    }
    for name, build in shapes.items():
        prepared = Prepared(build)
        for _call in range(2):  # the plan's first use and a later one
            made = prepared(a_case.id)
            assert [_graph(r) for r in made] == [_graph(r) for r in build(a_case.id)], name
            assert [_graph(r) for r in prepared.execute(a_case.id)] == [_graph(r) for r in made]
        assert made or name == "inner join that finds nothing", name
    actors = [e.actor for e in Prepared(shapes["outer join, actor NULL on one row"])(a_case.id)]
    assert actors[0] is None and actors[-1].full_name == school.elev1.full_name


def test_rows_are_made_from_the_plan_where_it_is_known_to_be_right(school):
    def plan_of(build):
        wrapper = build(-1).execute()  # the wrapper as peewee makes it, before any row
        wrapper.initialize()
        return db_module._row_maker(wrapper)

    assert plan_of(lambda i: User.select().where(User.id == i)) is not None
    assert plan_of(lambda i: User.select(User, School)
                   .join(RoleGrant, on=(RoleGrant.user == User.id))
                   .join(School, on=(RoleGrant.school == School.id))
                   .where(User.id == i)) is not None
    # not a plain field or foreign key: peewee's own setattr decides
    assert plan_of(lambda i: Case.select(Case.student_id.alias("student_id"))
                   .where(Case.id == i)) is None
    assert plan_of(lambda i: User.select().where(User.id == i).dicts()) is None


# --- inserts with their text built once (portal.db.create_row) --------------------------------

def _row_and_instance(model, obj):
    row = model.select().where(model._meta.primary_key == obj._pk).dicts().get()
    row.pop("id")
    data = {k: v for k, v in obj.__data__.items() if k != "id"}
    return row, data, sorted(obj._dirty), sorted(obj.__rel__)


def test_create_row_writes_and_gives_what_model_create_does(school, a_case):
    from datetime import datetime

    from portal.db import create_row
    from portal.models import Attachment

    moment = datetime(2026, 11, 23, 14, 5, 6, 123456)
    shapes = [
        (Event, dict(case=a_case, actor=school.elev1, role="student", action="note",
                     state_before="sent", state_after="sent", text="Hei <b>&</b>",
                     data={"å": [1, 2], "none": None}, created_at=moment)),
        (Event, dict(case=a_case.id, actor=None, role="system", action="reminded",
                     state_after="sent")),  # ids, NULLs and the defaults (text, created_at)
        (Attachment, dict(case=a_case, uploaded_by=school.elev1, filename="a.pdf",
                          content_type="application/pdf", size=3, sha256="0" * 64,
                          data=b"%PD", is_health=True)),
        (Case, dict(school=school.school, school_year=school.year, number=9001,
                    kind=a_case.kind, state="sent", is_open=True, student=school.elev2,
                    title="Søknad «to»", created_at=moment, updated_at=moment)),
    ]
    numbers = iter(range(9001, 9100))  # a case's number is unique in its school year
    for model, values in shapes:
        for _call in range(2):  # the text is built on the first call and reused after
            if model is Case:
                values = {**values, "number": next(numbers)}
            made = create_row(model, **values)
            if model is Case:
                values = {**values, "number": next(numbers)}
            expected = model.create(**values)
            assert made._pk is not None and made._pk != expected._pk
            got, want = _row_and_instance(model, made), _row_and_instance(model, expected)
            if model is Case:  # the number differs on purpose (unique per school year)
                for row, data, *_rest in (got, want):
                    row.pop("number"), data.pop("number")
            if "created_at" not in values:  # a default of "now": the same shape, not value
                for row, data, *_rest in (got, want):
                    assert row.pop("created_at") == data.pop("created_at")
            assert got == want, model.__name__
    built = {key[0] for key, plan in db_module._INSERTS.items() if plan is not None}
    assert {Event, Attachment, Case} <= built  # made by the text built once, not by peewee


def test_create_row_leaves_what_it_cannot_do_to_peewee(school, a_case):
    """An unsaved row as a foreign key: peewee's own way, with its own outcome."""
    from portal.db import create_row
    from portal.models import User

    def unsaved():
        return User(username="ny", full_name="Ny Bruker", password_hash="x")

    values = dict(case=a_case, role="student", action="note", state_after="sent")
    made = create_row(Event, actor=unsaved(), **values)
    expected = Event.create(actor=unsaved(), **values)
    got, want = _row_and_instance(Event, made), _row_and_instance(Event, expected)
    for row, data, *_rest in (got, want):
        assert row.pop("created_at") == data.pop("created_at")
    assert got == want


# --- several rows with their text built once (portal.db.insert_rows) --------------------------

def _written(model, where, after_id=0):
    pk = model._meta.primary_key
    rows = list(model.select().where(where & (pk > after_id)).order_by(pk).dicts())
    for row in rows:
        row.pop("id")
    return rows


def test_insert_rows_writes_what_insert_many_does(school, a_case):
    from datetime import datetime

    from portal.db import insert_rows
    from portal.notifications.models import Notification, Outbox

    moment = datetime(2026, 11, 23, 14, 5, 6, 123456)
    first = Event.select().where(Event.case == a_case).order_by(Event.id).first()
    notes = [dict(user=school.trinn, case=a_case, event=first, kind="case_update",
                  text_key="copy", created_at=moment),
             dict(user=school.elev2.id, case=a_case.id, event=None, kind="action_needed",
                  text_key="action_needed", created_at=moment)]
    there = Notification.select(fn.MAX(Notification.id)).scalar() or 0  # open_case's
    for _call in range(2):  # the text is built on the first call and reused after
        insert_rows(Notification, notes)
        Notification.insert_many(notes).execute()
    written = _written(Notification, Notification.case == a_case, there)
    assert len(written) == 8 and written[0:2] == written[2:4] == written[4:6] == written[6:8]

    # conflicts ignored, as insert_many(...).on_conflict_ignore(): the rows already there stay
    parts = [dict(case=a_case, user=school.elev1, part="student", added_at=moment),
             dict(case=a_case, user=school.elev2, part="contact_teacher", added_at=moment)]
    before = _written(Participant, Participant.case == a_case)
    insert_rows(Participant, parts, ignore_conflicts=True)
    after = _written(Participant, Participant.case == a_case)
    assert after[:len(before)] == before
    assert [(r["user"], r["part"]) for r in after[len(before):]] == [
        (school.elev2.id, "contact_teacher")]
    insert_rows(Participant, parts, ignore_conflicts=True)  # all there: nothing new
    assert _written(Participant, Participant.case == a_case) == after

    built = {key[0] for key, plan in db_module._INSERT_MANY.items() if plan is not None}
    assert {Notification, Participant} <= built  # by the text built once, not by peewee

    # a column left out that has a default (attempts): given as peewee gives it, by the kept
    # text; the same rows as peewee's own insert
    mails = [dict(recipient=f"{n}@example.no", subject="Emne", body="Tekst", status="pending",
                  next_attempt_at=moment, dedupe_key=f"insert-rows-{n}", created_at=moment)
             for n in ("a", "b")]
    insert_rows(Outbox, mails, ignore_conflicts=True)
    insert_rows(Outbox, mails, ignore_conflicts=True)  # dedupe_key: the second is ignored
    got = _written(Outbox, Outbox.dedupe_key.startswith("insert-rows-"))
    Outbox.delete().where(Outbox.dedupe_key.startswith("insert-rows-")).execute()
    Outbox.insert_many(mails).on_conflict_ignore().execute()
    assert _written(Outbox, Outbox.dedupe_key.startswith("insert-rows-")) == got
    assert [r["attempts"] for r in got] == [0, 0]
    assert db_module._INSERT_MANY[(Outbox, (*mails[0], "attempts"), 2, True,
                                   type(db_module.database.obj))] is not None


def test_rows_insert_many_would_write_otherwise_go_through_peewee(school, a_case):
    """Rows with different keys, an expression as a value, a column name as a key: the same
    rows as insert_many writes (a text built for the first row's keys would fail on them)."""
    from datetime import datetime

    from peewee import SQL

    from portal.db import insert_rows
    from portal.notifications.models import Notification

    moment = datetime(2026, 11, 23, 14, 5, 6)
    first = Event.select().where(Event.case == a_case).order_by(Event.id).first()
    base = dict(case=a_case, kind="case_update", text_key="copy", created_at=moment)
    for rows in ([dict(user=school.trinn, **base, event=first), dict(user=school.elev2, **base)],
                 [dict(user=school.trinn, **base, due_on=SQL("NULL")),
                  dict(user=school.elev2, **base, due_on=SQL("NULL"))],
                 [{"user_id": school.trinn.id, **base}]):
        there = Notification.select(fn.MAX(Notification.id)).scalar() or 0
        insert_rows(Notification, rows)
        ours = _written(Notification, Notification.case == a_case, there)
        there = Notification.select(fn.MAX(Notification.id)).scalar()
        Notification.insert_many(rows).execute()
        assert ours == _written(Notification, Notification.case == a_case, there)
        assert len(ours) == len(rows)


def test_rows_whose_columns_take_a_default_time_are_written(school, a_case):
    """A column left out whose default is a time: each row gets one, as peewee gives it (the
    stand-ins' check once compared such a time with numbers and failed)."""
    from portal.db import insert_rows
    from portal.notifications.models import Notification

    there = Notification.select(fn.MAX(Notification.id)).scalar() or 0
    insert_rows(Notification, [dict(user=school.trinn, case=a_case, kind="case_update",
                                    text_key="copy") for _ in range(3)])
    rows = list(Notification.select().where(Notification.id > there))
    assert len(rows) == 3 and all(r.created_at is not None and r.user_id == school.trinn.id
                                  for r in rows)


def test_dates_and_times_given_as_text_are_read_as_peewee_reads_them(db):
    """SQLite gives dates and times back as text; the row makers read them with
    fromisoformat at once, and leave what it does not read to the field's converter: every
    value as peewee's own row making gives it, odd text included."""
    from datetime import date, datetime

    wrapper = (Case.select(Case, SchoolYear).join(SchoolYear)
               .where(Case.id == -1).execute())
    wrapper.initialize()
    make = db_module._row_maker(wrapper)
    assert "from_text" in make.source
    names = list(wrapper.columns)
    # (fromisoformat does not read "2026-1-5" or "... 1:2:3", peewee's formats do; nor does
    # datetime.fromisoformat read "2026120510", which date.fromisoformat reads as a day)
    times = ["2026-12-05 10:11:12.123456", "2026-12-05 10:11:12", "2026-12-05T10:11:12",
             "2026-12-05 10:11:12+01:00", "2026-12-05 10:11:12Z", "2026-12-05", "20261205",
             "2026-1-5 10:11:12", "2026-12-05 1:2:3", "not a time", "", " ",
             datetime(2026, 12, 5, 10, 11), date(2026, 12, 5), b"2026-12-05", 20261205, None]
    days = ["2026-12-05", "2026-12-05 10:11:12", "2026-12-05 10:11:12.5", "2026-W49-6",
            "2026120510", "20261205T1", "2026W49610", "2026-1-5", "5.12.2026", "",
            date(2026, 12, 5), datetime(2026, 12, 5, 10, 11), None]
    read = 0
    for when in times:
        for day in days:
            row = tuple(when if name in ("created_at", "updated_at")
                        else day if name in ("starts_on", "ends_on", "staff_due_on")
                        else 1 if name == "id" else None for name in names)
            made, peewees = make(row), wrapper.process_row(row)
            assert _graph(made) == _graph(peewees), (when, day)
            read += isinstance(made.created_at, datetime) and isinstance(
                made.school_year.starts_on, date)
    assert read  # (text was read as dates and times at all)

    def made(column, value):
        return make(tuple(value if n == column else 1 if n == "id" else None for n in names))

    # text that is no date stays text, as peewee leaves it; text only peewee's formats read
    # is read by them
    assert made("starts_on", "2026120510").school_year.starts_on == "2026120510"
    assert made("created_at", "2026-1-5 10:11:12").created_at == datetime(2026, 1, 5, 10, 11, 12)
