"""Template filters: dates in Europe/Oslo and Norwegian words."""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.dates import parse_pattern
from babel.numbers import format_decimal
from babel.numbers import parse_pattern as parse_number_pattern
from jinja2 import pass_context
from markupsafe import Markup

from portal.cases.kinds import REGISTRY
from portal.collation import sort_key
from portal.i18n import _request_locale, translations
from portal.i18n import lazy_gettext as _l
from portal.roles import (
    NAMED_PARTS,
    first_instance_words,
    generic_words,
    in_sentence,
    part_label,
    school_type,
    student_word,
    student_words,
)

GENERIC_EVENTS = {
    "file": _l("Sent"),
    "withdraw": _l("Withdrawn by %(student)s"),
    "reasons_requested": _l("Reasons for the decision asked for"),
    "reasons_given": _l("Reasons for the decision given"),
}


_NB = Locale.parse("nb")  # outside a request (CLI, mail worker)

# Dates are formatted as Babel formats them for the request's locale (flask_babel's
# format_datetime/format_date), through a formatter made once per pattern and locale: for the
# fields our patterns use, the values are put into Babel's parsed pattern directly (~2 µs
# against Babel's ~12 µs a date; a queue formats some fifty dates a page); a pattern with any
# other field is left to Babel.
_FIELDS = {
    "d": lambda v, names: str(v.day),
    "dd": lambda v, names: f"{v.day:02d}",
    "MM": lambda v, names: f"{v.month:02d}",
    "MMM": lambda v, names: names["abbreviated"][v.month],
    "MMMM": lambda v, names: names["wide"][v.month],
    "yyyy": lambda v, names: f"{v.year:04d}",
    "HH": lambda v, names: f"{v.hour:02d}",
    "mm": lambda v, names: f"{v.minute:02d}",
}
_FORMATTERS: dict = {}


def _locale_key(locale) -> tuple:
    """A locale as a dictionary key: its parts, not str(locale), which Babel builds anew on
    every call (a page asks for dozens of labels and dates)."""
    return (locale.language, locale.territory, locale.script, locale.variant,
            getattr(locale, "modifier", None))


def _formatter(fmt: str, locale):
    key = (fmt, _locale_key(locale))
    found = _FORMATTERS.get(key)
    if found is None:
        pattern = parse_pattern(fmt)
        fields = re.findall(r"%\((\w+)\)s", pattern.format)
        if all(field in _FIELDS for field in fields):
            names = {width: locale.months["format"][width] for width in ("abbreviated", "wide")}
            getters = [(field, _FIELDS[field]) for field in fields]

            def found(value):
                return pattern.format % {field: get(value, names) for field, get in getters}
        else:
            def found(value):
                return pattern.apply(value, locale)
        _FORMATTERS[key] = found
    return found


def local_datetime(value: datetime | None, fmt: str = "d. MMM yyyy 'kl.' HH:mm") -> str:
    """`value` (naive = UTC) in Oslo time."""
    if value is None:
        return ""
    from portal.rules.calendar import to_oslo

    return _formatter(fmt, _request_locale()[1] or _NB)(to_oslo(value))


def local_date(value: date | None, fmt: str = "d. MMMM yyyy") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_datetime(value, fmt)
    return _formatter(fmt, _request_locale()[1] or _NB)(value)


# locale -> (decimal sign, group sign, percent with "{}" for the number), worked out once with
# babel: formatting each number with babel cost a case page with its absence table 0.2 ms
_NUMBER_SIGNS: dict = {}
_TENTH = Decimal("0.1")


def _number_signs(locale) -> tuple[str, str, str]:
    key = _locale_key(locale)
    signs = _NUMBER_SIGNS.get(key)
    if signs is None:
        sample = format_decimal(Decimal("1234.5"), "#,##0.0", locale=locale)  # "1 234,5"
        pattern = parse_number_pattern(locale.percent_formats[None].pattern)
        pattern.frac_prec = (1, 1)
        shown = pattern.apply(Decimal("0.125"), locale)  # "12,5 %"
        decimal_sign = sample[-2]
        signs = _NUMBER_SIGNS[key] = (decimal_sign, sample[1],
                                      shown.replace(f"12{decimal_sign}5", "{}"))
    return signs


def _written(value, signs, keep_tenth: bool) -> str:
    """`value` to one decimal (half to even, as babel rounds), in the locale's signs."""
    rounded = Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_EVEN)
    text = f"{rounded:,.1f}"
    if not keep_tenth and text.endswith(".0"):
        text = text[:-2]
    return text.translate({ord(","): signs[1], ord("."): signs[0]})


def percent(value: float) -> str:
    """A percentage (10.6 for 10.6 %) with one decimal as the request's language writes it:
    "10,6 %" in Norwegian, a no-break space before the sign, so it never breaks."""
    if value < 0:  # (no absence is negative; a locale's minus sign is babel's to write)
        return format_decimal(value, "#,##0.0", locale=_request_locale()[1] or _NB) + "%"
    signs = _number_signs(_request_locale()[1] or _NB)
    return signs[2].format(_written(value, signs, keep_tenth=True))


def number(value: float) -> str:
    """A number with at most one decimal as the request's language writes it ("0,4", "5")."""
    if value < 0:
        return format_decimal(value, "#,##0.#", locale=_request_locale()[1] or _NB)
    return _written(value, _number_signs(_request_locale()[1] or _NB), keep_tenth=False)


def file_size(size: int) -> str:
    """A file's size as a reader takes it in: "under 1 kB", "12 kB", "1,4 MB" (binary units,
    as a phone or computer shows a file's size)."""
    if size < 1024:
        return str(_l("under 1 kB"))
    if size < 1024 * 1024:
        return f"{round(size / 1024)} kB"
    return f"{number(size / (1024 * 1024))} MB"


OPENS = _l("from %(date)s")


def opens_label(kind_code: str, day: date) -> str:
    """A list row's "from" date (the kind's due date where it is when staff may act next,
    Kind.due_opens_in) in the kind's words."""
    kind = REGISTRY.get(kind_code)
    label = kind.due_opens_label if kind is not None and kind.due_opens_label else OPENS
    return str(label) % {"date": local_date(day)}


_LABELS: dict = {}  # locale -> {key: label}; the catalogues do not change while a process runs


def _labels() -> dict:
    """Labels already translated in this process, for the request's locale (force_locale
    may switch it): each kind, state and event is translated once per locale, not once a row
    and a request."""
    _here, locale = _request_locale()
    if locale is None:
        return {}
    key = _locale_key(locale)
    cache = _LABELS.get(key)
    if cache is None:
        cache = _LABELS[key] = {}
    return cache


def state_label(case, words=()) -> str:
    """What `case`'s state is called: with `words` ((placeholder, text) pairs, the case's
    Kind.label_words: the appeals body, %(body)s; the first instance, %(first)s), its named
    label where it has one (State.named), naming what they say; without, the list's label,
    with the generic word for what it names (a list reads no more of a case than its row)."""
    cache = _labels()
    key = ("state", case.kind, case.state, *words)
    if key not in cache:
        kind = REGISTRY.get(case.kind)
        state = kind.state(case.state) if kind else None
        if state is None:
            label = case.state
        elif words and state.named is not None:
            label = str(state.named)
        else:
            label = str(state.label)
        if "%(" in label:
            label = label % {**generic_words(), **dict(words)}
        cache[key] = label
    return cache[key]


def kind_label(code: str) -> str:
    cache = _labels()
    key = ("kind", code)
    if key not in cache:
        kind = REGISTRY.get(code)
        cache[key] = str(kind.label) if kind else code
    return cache[key]


def kind_choices() -> list[tuple[str, str]]:
    """Every installed kind as (code, label), ordered by label: the lists' filter by kind,
    sorted once per locale (and again if a kind is installed meanwhile), not on every page."""
    cache = _labels()
    key = ("kind choices", *REGISTRY)
    found = cache.get(key)
    if found is None:
        found = cache[key] = sorted(((code, kind_label(code)) for code in REGISTRY),
                                    key=lambda choice: sort_key(choice[1]))
    return found


def event_label(action: str, kind_code: str, school=None, words=()) -> str:
    """What an event of a case of `kind_code` is called; one that names the student
    (%(student)s) names them as `school` (a School or its kind) does (roles.student_words),
    and one that names more of its case, what `words` says ((placeholder, text) pairs, the
    case's Kind.label_words: the appeals body, %(body)s, else its generic word)."""
    cache = _labels()
    key = ("event", kind_code, action, *words)
    if school is not None:
        key += (school_type(school),)
    if key not in cache:
        kind = REGISTRY.get(kind_code)
        labels = getattr(kind, "event_labels", {}) if kind else {}
        label = labels.get(action)  # (not `or`: a lazy string's truth translates it)
        if label is None:
            label = GENERIC_EVENTS.get(action, action)
        label = str(label)
        if "%(" in label:
            label = label % {**student_words(school or "vgs"), **generic_words(), **dict(words)}
        cache[key] = label
    return cache[key]


def role_label(code: str, school=None, words=()) -> str:
    """The label of a part in a case; the student's by the kind of `school` (a School or
    its kind: roles.student_word) when given; a part the case names by its label words (an
    appeals body's member, the first instance: roles.NAMED_PARTS) as `words` ((placeholder,
    text) pairs, the case's Kind.label_words) say (roles.part_label)."""
    kind = school_type(school) if code == "student" and school is not None else None
    words = tuple(words) if code in NAMED_PARTS else ()
    cache = _labels()
    key = ("role", code, kind, *words)
    if key not in cache:
        cache[key] = student_word(kind) if kind else part_label(code, dict(words))
    return cache[key]


def letter_role(role: str, case) -> str:
    """The part of the one who decided a decision of `case`, as its letter names it: the
    principal by the name of the first instance the school's profile gives, in a kind whose
    first instance that is (Kind.first_instance: an appeal's; NKI's undervisningsdirektør),
    else role_label."""
    kind = REGISTRY.get(case.kind)
    if kind is None or kind.first_instance is None:
        return role_label(role)
    return role_label(role, words=first_instance_words(kind.first_instance(case.school)).items())


def appeal_first_instance(school) -> str:
    """Who considers an appeal on a decision of `school` first, as its profile names them (the
    decision appeal's Kind.first_instance), inside a sentence; the generic word without it."""
    kind = REGISTRY.get("decision_appeal")
    if kind is None or kind.first_instance is None:
        return first_instance_words()["first"]
    return kind.first_instance(school)


def actor_label(role: str, kind_code: str, action: str, school=None, words=()) -> str:
    """The part of the one who took an event (`action`, in `role`) of a case of `kind_code`,
    as its timeline names it (role_label, with the case's label words); a ruling's step
    (Kind.ruling_step) without them: the body that ruled heard an appeal on one of the case's
    decisions, which the case's words do not name."""
    kind = REGISTRY.get(kind_code)
    if kind is None or kind.ruling_step(action):
        words = ()
    return role_label(role, school, words)


@pass_context
def template_gettext(context, string: str, /, **variables):
    """The templates' _() and gettext(): what jinja2's newstyle gettext does (the request's
    catalogue; Markup when autoescaping, so the variables are escaped; always %-formatted),
    in one call. jinja2's `_` calls its `gettext` through the template context, which calls
    the catalogue through it again: three context calls a string, and a page has dozens.
    Positional-only, as jinja2's: a variable may be called `string` or `context`."""
    text = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app):
    # The templates' _(), ngettext() etc. through the request's catalogue (see translations).
    # jinja2 wants a gettext here; its wrapper of it is replaced by template_gettext below.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(percent)
    app.add_template_filter(number)
    app.add_template_filter(file_size)
    app.add_template_global(opens_label)
    app.add_template_filter(state_label)
    app.add_template_filter(kind_label)
    app.add_template_filter(role_label)
    app.add_template_filter(letter_role)
    app.add_template_filter(appeal_first_instance)
    app.add_template_filter(actor_label)
    # a body's name inside a sentence (roles.in_sentence: "av skolens styre")
    app.add_template_filter(in_sentence)
    app.add_template_global(school_type)
    app.add_template_global(student_words)
    app.add_template_filter(event_label)
