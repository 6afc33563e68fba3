"""Template filters: dates in Europe/Oslo and Norwegian words."""

from datetime import date, datetime

from flask_babel import format_date, format_datetime
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


def state_label(case) -> str:
    kind = REGISTRY.get(case.kind)
    return str(kind.state(case.state).label) if kind else case.state


def kind_label(code: str) -> str:
    kind = REGISTRY.get(code)
    return str(kind.label) if kind else code


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
