"""Home pages: the student's own cases, staff's work queue."""

import hashlib

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from portal.cases.access import LISTING_ORDER, parts_of_text, visible_cases
from portal.cases.filing import student_schools
from portal.cases.kinds import REGISTRY, title_seen_by
from portal.db import Prepared, check_schema, database, is_postgresql
from portal.filters import kind_choices
from portal.models import Case, CaseListing

bp = Blueprint("main", __name__)

PAGE_SIZE = 25  # rows a page: a phone screen or two; more only costs rendering time
MAX_PAGE = 100_000  # ?page= beyond this shows an empty page, never an offset out of range


@bp.route("/healthz")
def healthz():
    """Liveness check for a load balancer: answers without touching the database."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


FAVICON_MAX_AGE = 24 * 3600  # the address it sends to changes with the icon's content


@bp.route("/favicon.ico")
def favicon():
    """The portal's icon for a browser that asks at the old address (pages name theirs in
    base.html; a PDF or a plain-text answer names none): sent on to the icon's versioned
    static address, which browsers keep for a year."""
    response = redirect(url_for("static", filename="favicon.svg"))
    response.headers["Cache-Control"] = f"max-age={FAVICON_MAX_AGE}"
    return response


@bp.route("/healthz/db")
def healthz_db():
    """For monitoring: the database answers a query from this app server (else the 503
    page, portal/errors.py) and has every migration of this server's code (else 503 naming
    those missing: the release's `flask db-upgrade` was not run, and pages that read what
    they add fail). Not for the load balancer: with the database away it would take every
    server out, where each can still tell its users what is going on. A PostgreSQL that
    takes no writes (a standby the URL reached after a failover, or
    default_transaction_read_only set) is 503 too: every change users make would fail; one
    statement asks both."""
    if is_postgresql():
        [(read_only,)] = database.execute_sql(
            "SELECT current_setting('transaction_read_only')").fetchall()
        if read_only == "on":
            return ("database is read-only (transaction_read_only = on: a standby, or "
                    "default_transaction_read_only set): every change would fail", 503,
                    {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})
    else:
        database.execute_sql("SELECT 1").fetchall()
    pending = check_schema(current_app)
    if pending:
        return (f"migrations pending: {', '.join(pending)} (run flask db-upgrade)", 503,
                {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/")
def index():
    """Send visitors to their home page or to the login page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


def _filtered(query, kinds: list, only_open: bool):
    """`kinds`: the kind filtered by, or none."""
    for kind in kinds:
        query = query.where(CaseListing.kind == kind)
    if only_open:
        query = query.where(CaseListing.is_open == True)  # noqa: E712  (peewee expression)
    return query


def _window(user_id, kinds: list, only_open: bool, limit, offset):
    """The user's case_listing rows that a page of their lists shows (and the one after it,
    which tells of a next page): the rows' order and filters as the page's query has them."""
    return _filtered(
        CaseListing.select(CaseListing.case, CaseListing.version)
        .where(CaseListing.user == user_id)
        .order_by(*LISTING_ORDER), kinds, only_open,
    ).limit(limit).offset(offset)


def _list_query(only_open: bool) -> Prepared:
    """The page of the user's cases, by the filters in use (one prepared query each). Each
    row also carries the user's parts in it (kept in case_listing, migration 018) and when
    its newest event happened: one statement for the page's lists, which looks into neither
    participant nor event for a row. That time is the case's `updated_at`: the engine writes
    every event in the same transaction as the case's change, at the same moment
    (cases/engine.py; tests/test_engine.py)."""
    def build(user_id, kinds, limit, offset):
        return _filtered(visible_cases(user_id), kinds, only_open).select_extend(
            # (as the database gives it: made a datetime only for a row rendered anew)
            Case.updated_at.coerce(False).alias("latest_at"),
            # the user's parts, and the version a conditional request reads (_WINDOWS), as
            # attributes of the case (expressions, not the fields, so that peewee gives them
            # to the case): no CaseListing row made for each case
            CaseListing.parts.concat("").alias("my_parts"),
            (CaseListing.version + 0).alias("listed_version"),
        ).limit(limit).offset(offset)

    return Prepared(build)


def _window_query(only_open: bool) -> Prepared:
    """The page's rows as (case, version) alone, from the user's case_listing index: for a
    browser that asks whether its page is current."""
    return Prepared(lambda user_id, kinds, limit, offset: _window(
        user_id, kinds, only_open, limit, offset).tuples())


# by "open only"; the kind filter is a list argument of 0 or 1 items (Prepared makes one
# statement per length)
_LISTS = {o: _list_query(o) for o in (False, True)}
_WINDOWS = {o: _window_query(o) for o in (False, True)}


def _state(rows) -> str:
    """What the page's validator reads of its cases: each listed case (and the one after the
    page) with its version, in the page's order. A case's version only grows and a change
    moves it to the top of its user's lists (case_listing.updated_at), so anything that
    changes what the page shows changes this: a listed case changes, one joins or leaves
    the page, the page's order changes. Changes to cases on other pages do not (the page
    looks the same). Both ways read case_listing.version, which the database keeps equal to
    the case's (migration 015; tests/test_case_listing.py)."""
    return ",".join(f"{case_id}:{version}" for case_id, version in rows)


@bp.route("/home")
@login_required
def home():
    """The user's cases: what waits for them first, then the rest; filtered and paged.

    The lists poll this page (hx-select); an unchanged list answers 304 after two statements
    (the user with their roles, the page's rows as case and version). The ETag is compared weakly,
    as If-None-Match asks (a compressing proxy makes it W/"...")."""
    user = current_user._get_current_object()  # (read often below: not through the proxy)
    kind_filter = request.args.get("kind") if request.args.get("kind") in REGISTRY else None
    only_open = request.args.get("open") == "1"
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    kinds = [kind_filter] if kind_filter else []
    offset = (page - 1) * PAGE_SIZE
    if request.if_none_match:  # the browser has a page: is it current?
        window = _WINDOWS[only_open](user.id, kinds, PAGE_SIZE + 1, offset)
        version = _lists_version(user, _state(window))
        if request.if_none_match.contains_weak(version) and not session.get("_flashes"):
            return _conditional(make_response("", 304), version)
    cases = _LISTS[only_open](user.id, kinds, PAGE_SIZE + 1, offset)
    version = _lists_version(user, _state((c.id, c.listed_version) for c in cases))
    has_next = len(cases) > PAGE_SIZE
    cases = cases[:PAGE_SIZE]
    parts = {c.id: parts_of_text(c.my_parts) for c in cases}
    acting = []  # open cases where one of the user's parts may take a step
    for case in cases:
        kind = REGISTRY.get(case.kind)
        if (case.is_open and kind is not None
                and kind.may_act(case.state, parts.get(case.id, set()))):
            acting.append(case)
    done = set()  # ... but has already done their part in it
    for code in {c.kind for c in acting}:
        kind = REGISTRY[code]
        done |= kind.already_done(user, [c for c in acting if c.kind == code], parts)
    waiting_ids = {c.id for c in acting} - done
    waiting, others = [], []
    for case in cases:
        row = ListRow(case, title_seen_by(case, parts[case.id]), case.latest_at)
        if case.student_id != user.id:  # staff's rows name whose case it is
            row.student_name, row.student_class = case.student_name, case.student_class
        (waiting if case.id in waiting_ids else others).append(row)
    from portal.notifications.queue import overdue_first
    from portal.rules.calendar import today

    waiting = overdue_first(waiting, today())  # overdue first, with how late
    is_student = user.has_role("student")
    # students get the buttons for new requests, staff the filter by kind
    schools = student_schools(user) if is_student else []
    new_requests = [k for k in REGISTRY.values()
                    if k.new_endpoint and any(k.offered_at(s) for s in schools)]
    html = render_template(
        "main/home.html",
        waiting=waiting,
        others=others,
        is_student=is_student,
        new_requests=new_requests,
        kinds=[] if is_student else kind_choices(),
        kind_filter=kind_filter,
        only_open=only_open,
        page=page,
        has_next=has_next,
        lists_version=version,
    )
    return _conditional(make_response(html), version)


class ListRow:
    """A row of the home page's lists. Attributes, not a dict: a template reads `row.case`
    as an attribute first, and a dict's failed lookup costs a caught AttributeError each
    time (about ten a row)."""

    __slots__ = ("case", "title", "latest_stored", "due_on", "days_late", "opens",
                 "student_name", "student_class")

    def __init__(self, case, title, latest_stored):
        self.case = case
        self.title = title  # as the user may see it (kinds.title_seen_by)
        self.latest_stored = latest_stored  # the newest event's time as the database gives it
        self.due_on = None  # the work queue's (notifications.queue.overdue_first)
        self.days_late = 0
        self.opens = False  # due_on is when staff may act, not a deadline
        # whose case, on rows of someone else's (a student's own rows leave them out)
        self.student_name = None
        self.student_class = None  # their class in the case's school year, when they have one

    @property
    def latest_at(self):
        """The newest event's time as a datetime: worked out only when the row is rendered,
        not for a row the page takes from the cache (its key holds the stored value, which
        says the same)."""
        return _event_time(self.latest_stored)


def _event_time(value):
    """The case's updated_at as a datetime (SQLite gives the text it stores)."""
    return Case.updated_at.python_value(value) if isinstance(value, str) else value


def _lists_version(user, state: str) -> str:
    """The home page's validator (its ETag), from `state`: the page's rows as case and
    version (`_state`; read with the page's cases, or on their own for a conditional request).
    It changes whenever what the page shows may: a listed case changes, or one joins or
    leaves the page; the user's roles or their schools change (the menu, the requests
    offered); a notification arrives or is read (the menu's count: `user.state`, read with
    the user and the roles when the request loaded its user); the day changes (overdue, the
    requests offered); the user's name, the address and its filters; a new release of the
    portal; or a new session (the page's forms carry the session's CSRF token: a page cached
    in an earlier session could not log out). Not a listed student's new name or class
    alone (an import's): the rows show them, but reading them here would take every row's
    case, student and enrolment into the unchanged page's answer, which reads case_listing's
    index alone; such a page is right again the next day, or when one of its cases changes."""
    from portal.rules.calendar import today

    grants = [(role, at and (at.id, at.name, at.profile)) for role, at in user._grants()]
    shown = sorted((f"{part.__module__}.{part.__qualname__}", value)
                   for part, value in getattr(user, "state", {}).items())
    key = (f"{user.id}|{state}|{grants}|{shown}|{today()}|{user.full_name}|{request.full_path}|"
           f"{current_app.config['PORTAL_RELEASE']}|{session.get('csrf_token')}")
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _conditional(response, etag):
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
