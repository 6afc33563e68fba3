"""Templates translated when they are compiled, one compiled copy per language.

A page says most of its words as `{{ _("Some text") }}`: a call of the request's catalogue,
the same answer every time for the same language. The case page has about fifty of them,
and each costs a template context call, a catalogue lookup and a Markup object on every
request. Here such an expression is replaced, while the template is compiled, by the text it
gives, as the template's own literal text (what `_()` returns is Markup: inserted as it
stands, the same HTML as before). Only the plain form is replaced: one string literal,
nothing else between the braces. `_("Page %(page)s", page=page)`, `_("a") if x else _("b")`
and filters keep the call, as does a text that %-formatting refuses. (A template must not bind
`_` itself, as a loop variable or a macro argument: its `_("…")` would be replaced all the same.
None does.)

The compiled template then holds one language, so the app's Jinja environment keeps one set
of compiled templates per language (`LocaleEnvironment`): the default language's in the app's
own environment (warmed up in gunicorn's master, portal/warmup.py), any other in an overlay of
it made on the first request in that language, sharing its globals, filters and loader.
"""

from flask.templating import Environment as FlaskEnvironment
from flask_babel import force_locale, get_translations
from jinja2 import Template
from jinja2.ext import Extension
from jinja2.lexer import Token

from portal.i18n import _request_locale

# {{ _("text") }} as the lexer gives it
_PATTERN = ("variable_begin", "name", "lparen", "string", "rparen", "variable_end")


def catalogue(app, locale: str):
    """The merged catalogue that requests in `locale` translate through (flask-babel's own,
    from its cache)."""
    with app.app_context(), force_locale(locale):
        return get_translations()


class CompileTimeTranslations(Extension):
    """Replaces `{{ _("literal") }}` by its translation into the environment's language
    (`environment.template_locale`; none: leaves every call)."""

    def filter_stream(self, stream):
        locale = getattr(self.environment, "template_locale", None)
        if locale is None:
            yield from stream
            return
        translations = None
        window: list[Token] = []
        for token in stream:
            window.append(token)
            if len(window) < len(_PATTERN):
                continue
            if self._matches(window):
                if translations is None:
                    translations = catalogue(self.environment.app, locale)
                text = self._text(translations, window[3].value)
                if text is not None:
                    yield Token(window[0].lineno, "data", text)
                    window.clear()
                    continue
            yield window.pop(0)
        yield from window

    @staticmethod
    def _matches(window) -> bool:
        return (all(t.type == want for t, want in zip(window, _PATTERN, strict=True))
                and window[1].value == "_")

    @staticmethod
    def _text(translations, msgid: str) -> str | None:
        """What `_(msgid)` gives in templates (portal.filters.template_gettext: always
        %-formatted, as jinja2's newstyle gettext), or None where that raises."""
        try:
            return translations.ugettext(msgid) % {}
        except (TypeError, ValueError, KeyError):
            return None


class PortalTemplate(Template):
    """A template whose macros, imported by another (`{% from "_macros.html" import x %}`),
    are found the way Jinja finds them, in a few microseconds instead of ~30.

    For every such import Jinja asks which of the importing render's globals the imported
    template lacks, as `set - ChainMap.keys()`: a Python-level lookup through the template's
    chain of globals for each of the ~40 names (five imports a case page). The same question
    asked of the chain's dicts at once, in C, gives the same names."""

    def _get_default_module(self, ctx=None):
        maps = getattr(self.globals, "maps", None)
        if ctx is not None and maps is not None:
            missing = ctx.globals_keys.difference(*maps)
            if missing:  # (as Jinja: a module of its own that sees them, not kept)
                return self.make_module({k: ctx.parent[k] for k in missing})
            ctx = None
        return super()._get_default_module(ctx)


class LocaleEnvironment(FlaskEnvironment):
    """The app's Jinja environment, its templates compiled for the default language; a
    request in another language gets its templates from an overlay compiled for that one."""

    template_class = PortalTemplate
    template_locale: str | None = None

    def _for_request(self):
        _, locale = _request_locale()
        if locale is None:
            return self
        name = str(locale)
        if name == self.template_locale:
            return self
        env = self._by_locale.get(name)
        if env is None:
            # a cache of its own (an overlay otherwise starts with a copy of this one's)
            size = self.cache.capacity if hasattr(self.cache, "capacity") else (
                -1 if isinstance(self.cache, dict) else 0)
            env = self.overlay(cache_size=size)
            env.template_locale = name
            self._by_locale[name] = env  # (the dict is shared with every overlay)
        return env

    # Each loads, compiles and caches in the request's language's environment: this one or
    # its overlay (which, asked again by an include, finds itself).
    def get_template(self, name, parent=None, globals=None):
        return FlaskEnvironment.get_template(self._for_request(), name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        return FlaskEnvironment.select_template(self._for_request(), names, parent, globals)

    def from_string(self, source, globals=None, template_class=None):
        return FlaskEnvironment.from_string(self._for_request(), source, globals, template_class)


def install(app) -> None:
    """Before the app's Jinja environment is first used (portal.create_app)."""
    app.jinja_environment = LocaleEnvironment
    env = app.jinja_env
    env.template_locale = str(app.config["BABEL_DEFAULT_LOCALE"])
    env._by_locale = {env.template_locale: env}
    env.add_extension(CompileTimeTranslations)

