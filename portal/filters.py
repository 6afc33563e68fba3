"""Template filters: dates in Europe/Oslo and Norwegian words."""

from datetime import date, datetime

from babel import Locale
from babel.dates import parse_pattern
from flask import g, has_app_context
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l

from portal.cases.kinds import REGISTRY
from portal.roles import ROLES

GENERIC_EVENTS = {
    "file": _l("Sent"),
    "withdraw": _l("Withdrawn by the student"),
    "reasons_requested": _l("Reasons for the decision asked for"),
    "reasons_given": _l("Reasons for the decision given"),
}


_NB = Locale.parse("nb")  # outside a request (CLI, mail worker)

# Dates are formatted with Babel's parsed pattern for the request's locale, as
# flask_babel.format_datetime/format_date do, without their per-call configuration lookups
# (a queue formats some fifty dates a page).


def local_datetime(value: datetime | None, fmt: str = "d. MMM yyyy 'kl.' HH:mm") -> str:
    """`value` (naive = UTC) in Oslo time."""
    if value is None:
        return ""
    from portal.rules.calendar import to_oslo

    return parse_pattern(fmt).apply(to_oslo(value), get_locale() or _NB)


def local_date(value: date | None, fmt: str = "d. MMMM yyyy") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_datetime(value, fmt)
    return parse_pattern(fmt).apply(value, get_locale() or _NB)


def _request_locale():
    """(g, the request's locale object) without going through proxies per attribute;
    (None, None) outside an app context."""
    if not has_app_context():
        return None, None
    here = g._get_current_object()
    # flask-babel keeps the request's locale on g; ask it when it has not chosen one yet
    locale = getattr(getattr(here, "_flask_babel", None), "babel_locale", None) or get_locale()
    return here, locale


def translations():
    """The request's catalogue, found once per request and locale (flask-babel looks it up
    anew for each string, ~20 µs, and a page translates dozens). force_locale swaps the
    locale object, which finds the other catalogue."""
    here, locale = _request_locale()
    if here is None:
        return get_translations()
    cached = getattr(here, "_portal_translations", None)
    if cached is None or cached[0] is not locale:
        cached = here._portal_translations = (locale, get_translations())
    return cached[1]


def _labels() -> dict:
    """Labels already translated in this request, for its locale (force_locale may switch
    it): a queue of 25 rows translates each kind and state once, not once a row."""
    here, locale = _request_locale()
    if here is None:
        return {}
    cached = getattr(here, "_portal_labels", None)
    if cached is None or cached[0] is not locale:
        cached = here._portal_labels = (locale, {})
    return cached[1]


def state_label(case) -> str:
    cache = _labels()
    key = ("state", case.kind, case.state)
    if key not in cache:
        kind = REGISTRY.get(case.kind)
        cache[key] = str(kind.state(case.state).label) if kind else case.state
    return cache[key]


def kind_label(code: str) -> str:
    cache = _labels()
    key = ("kind", code)
    if key not in cache:
        kind = REGISTRY.get(code)
        cache[key] = str(kind.label) if kind else code
    return cache[key]


def event_label(action: str, kind_code: str) -> str:
    cache = _labels()
    key = ("event", kind_code, action)
    if key not in cache:
        kind = REGISTRY.get(kind_code)
        labels = getattr(kind, "event_labels", {}) if kind else {}
        cache[key] = str(labels.get(action) or GENERIC_EVENTS.get(action) or action)
    return cache[key]


def role_label(code: str) -> str:
    cache = _labels()
    key = ("role", code)
    if key not in cache:
        cache[key] = str(ROLES.get(code, code))
    return cache[key]


def init_app(app):
    # The templates' _(), ngettext() etc. through the request's catalogue (see translations)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(state_label)
    app.add_template_filter(kind_label)
    app.add_template_filter(role_label)
    app.add_template_filter(event_label)
