"""Templates translated when they are compiled (portal/template_i18n.py): the same pages as
when each `_()` was called at render time, one compiled copy per language."""

import re

import pytest
from flask import render_template, render_template_string
from flask_babel import force_locale

from portal.template_i18n import CompileTimeTranslations
from tests.test_study_leave import TODAY, Portal, granted

# the session's CSRF token (masked anew for each page) and a filing form's own token
TOKEN = re.compile(r'(name="(?:csrf|form)_token"(?: type="hidden")? value=")[^"]+"')
# the lists' validator covers the session's CSRF token, which each login makes anew
VERSION = re.compile(r'(id="case-lists" data-poll data-version=")[^"]+"')


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _forget_compiled(env):
    for each in env._by_locale.values():
        each.cache.clear()


@pytest.fixture
def at_render_time(app, monkeypatch):
    """Switch compile-time translation off (every `_()` a call again, as before it)."""
    def switch():
        monkeypatch.setattr(CompileTimeTranslations, "filter_stream",
                            lambda self, stream: stream)
        _forget_compiled(app.jinja_env)
    yield switch
    monkeypatch.undo()
    _forget_compiled(app.jinja_env)


def test_plain_translations_are_compiled_into_the_template(app):
    env = app.jinja_env
    source = env.loader.get_source(env, "base.html")[0]
    assert '{{ _("Log out") }}' in source
    code = env.compile(source, "base.html", raw=True)
    assert "Logg ut" in code and "Log out" not in code
    # with arguments, or inside an expression: still called when the page is rendered
    code = env.compile('{{ _("Page %(page)s", page=n) }}{{ _("a") if x else _("b") }}',
                       raw=True)
    assert "Page %(page)s" in code and "'a'" in code and "'b'" in code


SNIPPETS = [
    '{{ _("Log out") }}',
    '<a title="{{ _(\'Main menu\') }}">{{- _("Skip to content") -}}</a>',
    '{{ _("Page %(page)s", page=n) }}',  # an argument: a call
    '{{ _("No such text <b>&</b> in any catalogue") }}',  # untranslated, Markup as it stands
    '{{ _("100%% sure") }}',  # %-formatted as before: one %
    '{{ _("My cases") if n else _("Work queue") }}',
    '{{ _("Log out")|upper }}',
]


def test_snippets_give_what_calls_at_render_time_gave(app, at_render_time):
    with app.test_request_context("/"):
        compiled = [render_template_string(s, n=2) for s in SNIPPETS]
    at_render_time()
    with app.test_request_context("/"):
        called = [render_template_string(s, n=2) for s in SNIPPETS]
    assert compiled == called
    assert compiled[0] == "Logg ut" and compiled[4] == "100% sure"
    assert compiled[3] == "No such text <b>&</b> in any catalogue"


def _pages(portal, case) -> dict[str, str]:
    out = {}
    for user, paths in [
        ("elev1", ["/home", f"/cases/{case.id}", "/study-leave/new", "/no-such-page",
                   f"/cases/{case.id}/status"]),
        ("trinn1", ["/home", "/home?open=1", f"/cases/{case.id}"]),
        ("laerer1", ["/home", f"/cases/{case.id}"]),
    ]:
        portal.login(user)
        for path in paths:
            html = portal.client.get(path).get_data(as_text=True)
            out[f"{user} {path}"] = VERSION.sub(r'\1…"', TOKEN.sub(r'\1…"', html))
    portal.auth.logout()
    portal.user = None
    out["login"] = TOKEN.sub(r'\1…"', portal.client.get("/login").get_data(as_text=True))
    return out


def test_pages_are_the_same_html_as_when_translated_at_render_time(
        app, client, auth, csrf, school, at_render_time):
    portal = Portal(client, auth, csrf)
    case = granted(portal, school)  # a decision letter, teachers' tasks, a long timeline
    compiled = _pages(portal, case)
    assert "Logg ut" in compiled["elev1 /home"]
    at_render_time()
    called = _pages(portal, case)
    assert compiled.keys() == called.keys()
    for page in compiled:
        assert compiled[page] == called[page], page


def _error_page():
    return render_template("errors/error.html", code=404, title="t", advice="a", detail=None)


def test_another_language_has_its_own_compiled_templates(app):
    with app.test_request_context("/"):
        assert "Kontakt skolens kontor" in _error_page()  # base.html's footer
        assert render_template_string('{{ _("Log out") }}') == "Logg ut"
        with force_locale("en"):  # no English catalogue yet: the msgids
            page = _error_page()
            assert "Contact the school office" in page and "Gå til" not in page
            assert render_template_string('{{ _("Log out") }}') == "Log out"
            assert app.jinja_env._by_locale["en"] is not app.jinja_env
        assert "Kontakt skolens kontor" in _error_page()
        assert render_template_string('{{ _("Log out") }}') == "Logg ut"
    # the default language's templates stay in the app's own environment
    assert app.jinja_env._by_locale["nb"] is app.jinja_env


def test_imported_macros_see_the_globals_jinja_gives_them(app):
    """PortalTemplate finds an import's missing globals its own way: the same as Jinja's."""
    from jinja2 import DictLoader, Environment, Template

    from portal.template_i18n import PortalTemplate

    assert isinstance(app.jinja_env.get_template("base.html"), PortalTemplate)
    sources = {"m.html": '{% macro show() %}{{ extra | default("none") }}{% endmacro %}',
               "page.html": '{% from "m.html" import show %}[{{ show() }}]'}

    def render(template_class, page_globals):
        env = Environment(loader=DictLoader(sources))
        env.template_class = template_class
        page = env.get_template("page.html", globals=page_globals)
        first, second = page.render(), page.render()
        assert first == second
        kept = env.get_template("m.html")._module is not None
        return first, kept

    for page_globals in (None, {"extra": "from the page"}):
        assert render(PortalTemplate, page_globals) == render(Template, page_globals)
    assert render(PortalTemplate, {"extra": "x"}) == ("[x]", False)  # its own module, not kept
    assert render(PortalTemplate, None) == ("[none]", True)  # the kept module serves
