"""Rendered list rows, kept per process.

A work queue shows 25 rows a page, and rendering one through its macro costs 40–60 µs (a link,
labels, a date, the row's figures, each through Jinja's context): a coordinator's queue page
spends a quarter of its time on rows that looked the same the last time anyone saw them. The
same goes for a case page's timeline (an event never changes once written).

A row's HTML is a function of what its key function returns (every value the row shows or is
worked out from), the request's locale (the labels and dates) and where the app is mounted (the
link). The key is that whole input, not a version number: a row can only come from here
looking as it would have been rendered now, whoever asks, whatever changed the case (a state,
a title written by a script without a version bump). Rows of different users share entries:
nothing in a row depends on who looks at it (what they may do with it is decided outside).

Not kept: in debug mode (an edited template shows at once) and when PORTAL_ROW_CACHE_SIZE is 0.
When full, the oldest entries go first (a dict keeps its insertion order).
"""

import threading

from flask import request
from jinja2 import pass_context
from markupsafe import Markup

from portal.filters import _locale_key
from portal.i18n import _request_locale

DEFAULT_SIZE = 10_000  # rows a worker keeps (~1.5 KB each); PORTAL_ROW_CACHE_SIZE sets it


class RowCache:
    def __init__(self, size: int):
        self.size = size
        self.rows: dict = {}
        self._lock = threading.Lock()  # for gthread workers: eviction iterates the dict

    def put(self, key, html) -> None:
        with self._lock:
            while len(self.rows) >= self.size:
                del self.rows[next(iter(self.rows))]
            self.rows[key] = html


def case_row_key(row) -> tuple:
    """What a row of the home page's case lists shows (templates/_macros.html, case_rows)."""
    case = row.case
    return (case.id, case.version, case.kind, case.state, case.title, case.number,
            case.school_year.starts_on, row.latest_at, row.days_late, row.due_on)


def event_key(event) -> tuple:
    """What a case's timeline shows of an event (templates/_macros.html, timeline_event and
    latest_event); who acted comes with the event (cases.views._timeline joins them)."""
    return (event.created_at, event.action, event.actor_id,
            event.actor.full_name if event.actor_id else None, event.role, event.text)


KEYS = {"case_row": case_row_key, "timeline_event": event_key, "latest_event": event_key}


@pass_context
def rendered_rows(context, rows, macro, key: str, *extra) -> Markup:
    """`macro(row, *extra)` for each of `rows`, from the cache when the row was rendered
    before with the same input (KEYS[key](row) and `extra`, values such as the case's kind)."""
    cache = getattr(context.environment, "portal_rows", None)
    if cache is None:
        return Markup("").join(macro(row, *extra) for row in rows)
    key_of = KEYS[key]
    where = (key, _locale_key(_request_locale()[1]), request.script_root, extra)
    kept, out = cache.rows, []
    for row in rows:
        entry = (where, key_of(row))
        html = kept.get(entry)
        if html is None:
            html = macro(row, *extra)
            cache.put(entry, html)
        out.append(html)
    return Markup("").join(out)


def init_app(app) -> None:
    size = int(app.config["PORTAL_ROW_CACHE_SIZE"])
    app.jinja_env.portal_rows = (RowCache(size) if size > 0 and not app.debug
                                 and not app.jinja_env.auto_reload else None)
    app.jinja_env.globals["rendered_rows"] = rendered_rows
