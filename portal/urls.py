"""url_for for templates, remembered per process.

Every page builds the same dozen addresses (the stylesheet and scripts with their content
hash, the menu's links) and one per listed case. Werkzeug builds each anew: 4–5 µs for a link,
~20 µs for a static file (its hash is checked against the file on disk), ~0.1–0.2 ms a page.
An address depends only on the route map, the arguments and where the app is mounted, all
fixed while a process runs, so templates get it from a dictionary after the first time.

Not remembered: external addresses (they name the host of the request), arguments other than
plain strings and integers, relative endpoints ('.name', which depend on the blueprint), and,
in debug mode, static files (an edited file must get its new hash without a restart; in
production a release restarts the server, docs/production.md).
"""

from flask import Flask
from flask import url_for as flask_url_for
from flask.globals import _cv_request  # the request context, as has_request_context() reads it

LIMIT = 4096  # addresses kept per process; forgotten all at once when full
_PLAIN = (str, int, type(None))  # exact types: True and 1.0 would share 1's entry


def install_url_cache(app: Flask) -> None:
    built: dict = {}

    def url_for(endpoint: str, **values) -> str:
        # (the request context read once, not through has_request_context() and proxies:
        # a page asks for a dozen addresses or more)
        context = _cv_request.get(None)
        if context is None or endpoint[:1] == ".":
            return flask_url_for(endpoint, **values)
        for name, value in values.items():
            if name[:1] == "_" or type(value) not in _PLAIN:
                return flask_url_for(endpoint, **values)
        if endpoint == "static" and context.app.debug:
            return flask_url_for(endpoint, **values)
        key = (context.request.script_root, endpoint, *sorted(values.items()))
        url = built.get(key)
        if url is None:
            if len(built) >= LIMIT:
                built.clear()
            url = built[key] = flask_url_for(endpoint, **values)
        return url

    url_for.cache = built  # for tests
    app.jinja_env.globals["url_for"] = url_for
