"""Rendered list rows, kept per process.

A work queue shows 25 rows a page, and rendering one through its macro costs 40–60 µs (a link,
labels, a date, the row's figures, each through Jinja's context): a coordinator's queue page
spends a quarter of its time on rows that looked the same the last time anyone saw them. The
same goes for a case page's timeline (an event never changes once written) and its decision
letters (a dozen paragraphs, ~0.15 ms; the student's form in one is kept with a stand-in for
its CSRF token, filled in with the response's own: kept HTML never holds a session's token).

A row's HTML is a function of what its macro's key function returns (every value the row shows
or is worked out from), the values passed with the macro (such as the case's kind), the
request's locale (the labels and dates) and where the app is mounted (the link). The key is
that whole input, not a version number: a kept row is what rendering it now would give,
whoever asks, however the case came to be as it is. Rows of different users share entries:
a row depends on who looks at it only through its key (a work queue's row names the student,
the student's own row does not; what they may do with it is decided outside).
(Whether a browser's copy of a whole page is current is the page's validator's business:
main.views, cases.views.)

With PORTAL_ROW_CACHE_CHECK (the test suite sets it) every row taken from the cache is rendered
again and must be the same: a key function that misses something its macro shows fails the
tests that show such a row.

Not kept: while templates reload (debug mode: an edited template shows at once) and when
PORTAL_ROW_CACHE_SIZE is 0. A worker keeps at most that many rows and 1.5 KB a row on average
(a row with a long text takes the room of several); the least recently used go first.
"""

import threading
from collections import OrderedDict
from itertools import chain

from flask import request
from jinja2 import pass_context
from markupsafe import Markup

from portal.cases.decisions import appeal_key, appeal_period_text
from portal.filters import _locale_key
from portal.i18n import _request_locale
from portal.security import csrf_stand_in, fill_csrf_stand_in

DEFAULT_SIZE = 10_000  # rows a worker keeps; PORTAL_ROW_CACHE_SIZE sets it
BYTES_A_ROW = 1_500  # the room a row has on average: HTML, its key's text and the entry itself
ENTRY_OVERHEAD = 500  # an entry's tuples, dates and dictionary slot, roughly (measured ~1.5 KB
# a queue row all told, HTML of ~450 characters included)


class RowCache:
    def __init__(self, size: int):
        self.size = size
        self.budget = size * BYTES_A_ROW
        self.used = 0
        self.rows: OrderedDict = OrderedDict()  # key -> (html, cost)
        self._lock = threading.Lock()  # for threaded workers: eviction and the byte count

    def get(self, key):
        found = self.rows.get(key)
        if found is None:
            return None
        try:
            self.rows.move_to_end(key)
        except KeyError:  # evicted by another thread meanwhile: still a good answer
            pass
        return found[0]

    def put(self, key, html, text_length: int) -> None:
        cost = len(html) + text_length + ENTRY_OVERHEAD
        if cost > self.budget:
            return
        with self._lock:
            old = self.rows.pop(key, None)
            if old is not None:
                self.used -= old[1]
            while self.rows and (len(self.rows) >= self.size or self.used + cost > self.budget):
                _key, (_html, freed) = self.rows.popitem(last=False)
                self.used -= freed
            self.rows[key] = (html, cost)
            self.used += cost


def case_row_key(row) -> tuple:
    """What a row of the home page's case lists shows (templates/_macros.html, case_row),
    whose case it is included (the student's name and class, on staff's rows), and the title
    as the user may see it (Kind.title_for).
    (Read from the rows' field dicts: a page has 25 rows, ten values each, and each field
    read through its descriptor is a call.)"""
    case = row.case
    d = case.__data__
    return (d.get("id"), d.get("version"), d.get("kind"), d.get("state"), row.title,
            d.get("number"), _joined(case, "school_year").__data__.get("starts_on"),
            row.latest_stored, row.days_late, row.due_on, row.student_name, row.student_class)


def event_key(event) -> tuple:
    """What a case's timeline shows of an event (templates/_macros.html, timeline_event and
    latest_event); who acted comes with the event (cases.views._timeline joins them)."""
    d = event.__data__
    actor = d.get("actor")
    return (d.get("created_at"), d.get("action"), actor,
            _joined(event, "actor").__data__.get("full_name") if actor else None, d.get("role"),
            d.get("text"))


def _joined(row, name: str):
    """The row joined to `row` as `name`, as reading the attribute gives it (loaded when
    the query did not join it)."""
    joined = row.__rel__.get(name)
    return joined if joined is not None else getattr(row, name)


def letter_key(decision) -> tuple:
    """What a decision letter on the case page shows (templates/cases/_decision.html,
    case_page_letter; the case and whether the reader is the student come with the macro):
    every field of the decision, who decided by name, the appeal period of the school's rules
    and the appeal on it as the reader sees it (decisions.appeal_key: filed, its case and where
    that is now). (The student's form for asking the reasons, while they may, is kept with a
    stand-in for its CSRF token, filled in for each response: rendered_rows.)"""
    from portal.filters import appeal_first_instance, letter_role

    d = decision.__data__
    case = decision.case
    return (*chain.from_iterable(d.items()), decision.decided_by.full_name,
            letter_role(decision.decided_role, case), appeal_first_instance(case.school),
            appeal_period_text(decision), *appeal_key(decision))


# by the macro's name: the macros whose rows may be kept, and what each one shows
KEYS = {"case_row": case_row_key, "timeline_event": event_key, "latest_event": event_key,
        "case_page_letter": letter_key}


def keep_rows(macro_name: str, key) -> None:
    """Let a feature package's macro `macro_name` (a name no other kept macro has) be kept,
    `key(row)` giving every value its row shows."""
    if KEYS.get(macro_name, key) is not key:
        raise ValueError(f"rows of a macro {macro_name!r} are kept already")
    KEYS[macro_name] = key


@pass_context
def rendered_rows(context, rows, macro, *extra) -> Markup:
    """`macro(row, *extra)` for each of `rows`, from the cache when the row was rendered
    before with the same input (KEYS[macro.name](row), `extra`, locale, mount point)."""
    env = context.environment
    cache = getattr(env, "portal_rows", None)
    key_of = KEYS[macro.name]  # (a macro without a key function is an error, cache or not)
    if cache is None or env.auto_reload:
        return Markup("").join(macro(row, *extra) for row in rows)
    where = (macro.name, _locale_key(_request_locale()[1]), request.script_root, extra)
    check = env.portal_rows_check
    out = []
    for row in rows:
        shown = key_of(row)
        entry = (where, shown)
        html = cache.get(entry)
        if html is None:
            with csrf_stand_in():  # a form in a kept row: its token filled in below
                html = macro(row, *extra)
            cache.put(entry, html, sum(len(v) for v in shown if type(v) is str))
        elif check:
            with csrf_stand_in():
                fresh = macro(row, *extra)
            if html != fresh:
                raise AssertionError(f"{macro.name}: a kept row differs from its fresh "
                                     f"rendering; KEYS[{macro.name!r}] misses something it "
                                     f"shows:\nkept:  {html}\nfresh: {fresh}")
        out.append(html)
    return fill_csrf_stand_in(Markup("").join(out))


def init_app(app) -> None:
    size = max(0, int(app.config["PORTAL_ROW_CACHE_SIZE"]))
    app.jinja_env.portal_rows = RowCache(size) if size else None
    app.jinja_env.portal_rows_check = bool(app.config.get("PORTAL_ROW_CACHE_CHECK"))
    app.jinja_env.globals["rendered_rows"] = rendered_rows
