"""Template filters: dates in Europe/Oslo and Norwegian words."""

from datetime import date, datetime

from flask import g, has_app_context
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from portal.cases.kinds import REGISTRY
from portal.roles import ROLES

GENERIC_EVENTS = {
    "file": _l("Sent"),
    "withdraw": _l("Withdrawn by the student"),
    "reasons_requested": _l("Reasons for the decision asked for"),
    "reasons_given": _l("Reasons for the decision given"),
}


def local_datetime(value: datetime | None, fmt: str = "d. MMM yyyy 'kl.' HH:mm") -> str:
    if value is None:
        return ""
    from portal.rules.calendar import to_oslo

    return format_datetime(to_oslo(value), fmt)


def local_date(value: date | None, fmt: str = "d. MMMM yyyy") -> str:
    return "" if value is None else format_date(value, fmt)


def _labels() -> dict:
    """Labels already translated in this request, per locale (force_locale may switch it): a
    queue of 25 rows translates each kind and state once, not once a row."""
    if not has_app_context():
        return {}
    return g.setdefault("_portal_labels", {}).setdefault(str(get_locale()), {})


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
    kind = REGISTRY.get(kind_code)
    labels = getattr(kind, "event_labels", {}) if kind else {}
    return str(labels.get(action) or GENERIC_EVENTS.get(action) or action)


def role_label(code: str) -> str:
    return str(ROLES.get(code, code))


def init_app(app):
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(state_label)
    app.add_template_filter(kind_label)
    app.add_template_filter(role_label)
    app.add_template_filter(event_label)
