"""gettext for Python code, through the request's catalogue.

flask-babel's gettext finds the catalogue anew for every string (the babel context on g, the
domain, the locale, a cache keyed by str(locale): ~20 µs), and the menu of every page
translates several strings in Python (its links, lazy labels). Here the
catalogue is found once per request and locale (`translations`), as the templates' _() does
(portal.filters). The same signatures as flask-babel's, so `_` and `_l` stay the keywords
that extraction looks for.
"""

from flask.globals import _cv_app  # the app context, as has_app_context() and g read it
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString


def _request_locale():
    """(g, the request's locale object) without going through proxies per attribute;
    (None, None) outside an app context. (Asked a dozen times a page, by every label and
    date: the app context is read once, not through has_app_context() and g's proxy.)"""
    context = _cv_app.get(None)
    if context is None:
        return None, None
    here = context.g
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


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when used (labels declared at import, before any request)."""
    return LazyString(gettext, string, **variables)
