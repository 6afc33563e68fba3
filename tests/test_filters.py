"""Template filters: dates as Babel writes them in the request's language, Oslo time."""

from datetime import date, datetime, timedelta

import pytest
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask_babel import force_locale

from portal import filters
from portal.rules.calendar import to_oslo


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_dates_are_written_as_babel_writes_them(app, language):
    locale = Locale.parse(language)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 365, 9)]
    times = [datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 1, 0),  # summer time begins
             datetime(2026, 10, 25, 0, 59), datetime(2026, 10, 25, 1, 0),  # and ends
             datetime(2026, 12, 31, 23, 30), datetime(2027, 5, 17, 6, 5)]  # new year in Oslo
    with app.test_request_context("/"), force_locale(language):
        for day in days:
            assert filters.local_date(day) == format_date(day, "d. MMMM yyyy", locale)
            assert filters.local_date(day, "dd.MM.yyyy") == day.strftime("%d.%m.%Y")
        for moment in times:  # naive = UTC
            oslo = to_oslo(moment)
            assert filters.local_datetime(moment) == format_datetime(
                oslo, "d. MMM yyyy 'kl.' HH:mm", locale=locale)
            # a field the fast path does not know goes to Babel
            assert filters.local_datetime(moment, "EEEE d. MMMM") == format_datetime(
                oslo, "EEEE d. MMMM", locale=locale)
    assert filters.local_datetime(datetime(2026, 3, 29, 1, 0)).endswith("kl. 03:00")
    assert filters.local_date(None) == filters.local_datetime(None) == ""


def test_labels_are_translated_once_per_language(app):
    with app.test_request_context("/"):
        assert filters.event_label("file", "study_leave") == "Søknad sendt"  # the kind's own
        generic = filters.event_label("reasons_given", "study_leave")
        assert generic == "Begrunnelse for vedtaket gitt"
        assert filters.event_label("no_such_action", "study_leave") == "no_such_action"
        with force_locale("en"):
            assert filters.event_label("file", "study_leave") == "Application sent"
        assert filters.event_label("file", "study_leave") == "Søknad sendt"
    # kept for the process, per language: the next request does not translate it again
    nb, en = (filters._locale_key(Locale.parse(code)) for code in ("nb", "en"))
    assert filters._LABELS[nb][("event", "study_leave", "file")] == "Søknad sendt"
    assert filters._LABELS[en][("event", "study_leave", "file")] == "Application sent"


def test_python_code_translates_through_the_requests_catalogue(app):
    """portal.i18n's gettext and lazy_gettext give what flask-babel's give, in the request's
    language, force_locale included, and the msgid outside an app context."""
    import flask_babel

    from portal import i18n

    lazy = i18n.lazy_gettext("Absence")  # declared before any request, as labels are
    with app.test_request_context("/"):
        assert i18n.gettext("Absence") == flask_babel.gettext("Absence") == "Fravær"
        assert str(lazy) == "Fravær" and lazy.__html__() == "Fravær"
        assert (i18n.gettext("due %(date)s", date="1. mai")
                == flask_babel.gettext("due %(date)s", date="1. mai") == "frist 1. mai")
        with force_locale("en"):
            assert i18n.gettext("Absence") == str(lazy) == "Absence"
        assert i18n.gettext("Absence") == "Fravær"
    assert i18n.gettext("Absence") == "Absence"  # no request, no catalogue


def test_templates_translate_as_jinjas_newstyle_gettext_does(app):
    """The templates' _() (portal.filters.template_gettext, one call instead of jinja2's
    three) gives what jinja2's newstyle gettext gives: the request's language, variables
    escaped when autoescaping (and not when not), always %-formatted."""
    from flask import render_template_string
    from jinja2.ext import _make_new_gettext

    from portal.i18n import translations

    jinjas = _make_new_gettext(lambda s: translations().ugettext(s))
    assert app.jinja_env.globals["_"] is app.jinja_env.globals["gettext"] is (
        filters.template_gettext)
    source = ('{{ _("Absence") }}|{{ _("due %(date)s", date="<b>1. mai</b>") }}|'
              '{{ gettext("due %(date)s", date=when) }}|'
              '{% autoescape false %}{{ _("due %(date)s", date="<i>") }}{% endautoescape %}|'
              '{{ _("%(string)s and %(context)s", string="<s>", context="c") }}|'
              '{% trans string="<t>" %}due {{ string }}{% endtrans %}')
    with app.test_request_context("/"):
        ours = render_template_string(source, when="1 & 2")
        assert ours == ("Fravær|frist &lt;b&gt;1. mai&lt;/b&gt;|frist 1 &amp; 2|frist <i>|"
                        "&lt;s&gt; and c|due &lt;t&gt;")
        app.jinja_env.globals.update(_=jinjas, gettext=jinjas)
        try:
            assert render_template_string(source, when="1 & 2") == ours
        finally:
            filters.init_app(app)  # puts ours back
        with force_locale("en"):
            assert render_template_string(source, when="1 & 2").startswith("Absence|due &lt;b&gt;")


def test_every_part_a_step_is_taken_in_has_a_label(app):
    """The timeline says who took a step by their part in the case (`role_label`): every
    part a kind's steps are taken in, and the parts the kinds' code gives beyond the roles,
    are named in bokmål, never by their code."""
    from portal.cases.kinds import REGISTRY
    from portal.filters import role_label

    parts = {"board_recused"}  # (a board member who may not sit: given by decision_appeal)
    for kind in REGISTRY.values():
        parts |= set(kind.deciders)
        for transition in kind.transitions:
            parts |= set(transition.roles)
    with app.test_request_context():
        unnamed = {part for part in parts if role_label(part) == part}
        assert not unnamed
        assert role_label("new_examiner") == "Ny sensor"


@pytest.mark.parametrize(("language", "value", "percent", "number"), [
    ("nb", 0.4, "0,4\u00a0%", "0,4"),
    ("nb", 0.0, "0,0\u00a0%", "0"),
    ("nb", 10.6, "10,6\u00a0%", "10,6"),
    ("nb", 3.0, "3,0\u00a0%", "3"),
    ("nn", 0.4444, "0,4\u00a0%", "0,4"),
    ("en", 0.4, "0.4%", "0.4"),
    ("nb", 0.25, "0,2\u00a0%", "0,2"),  # half to even, as babel rounds
    ("nb", 0.35, "0,4\u00a0%", "0,4"),  # (the float 0.35 as written, not its binary value)
    ("nb", 1234.56, "1\u00a0234,6\u00a0%", "1\u00a0234,6"),
    ("en", 1234.56, "1,234.6%", "1,234.6"),
])
def test_percentages_and_numbers_as_the_language_writes_them(app, language, value, percent,
                                                             number):
    """A decimal comma in Norwegian and a no-break space before the sign ("0,4 %", never a
    line break between the number and %)."""
    with app.test_request_context("/"), force_locale(language):
        assert filters.percent(value) == percent
        assert filters.number(value) == number
        # as babel writes it, number for number (the filters only skip its work per call)
        locale = filters._request_locale()[1]
        assert filters.number(value) == format_decimal(value, "#,##0.#", locale=locale)
    assert filters.percent(12.5) == "12,5\u00a0%"  # outside a request: Norwegian


@pytest.mark.parametrize("size, nb, en", [
    (0, "under 1 kB", "under 1 kB"),
    (300, "under 1 kB", "under 1 kB"),  # (was "0 kB")
    (1024, "1 kB", "1 kB"),
    (12_500, "12 kB", "12 kB"),
    (1_468_006, "1,4 MB", "1.4 MB"),
    (10 * 1024 * 1024, "10 MB", "10 MB"),
])
def test_a_files_size_as_a_reader_takes_it_in(app, size, nb, en):
    for language, said in (("nb", nb), ("en", en)):
        with app.test_request_context("/"), force_locale(language):
            assert filters.file_size(size) == said
