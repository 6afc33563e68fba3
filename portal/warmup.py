"""Work done once in gunicorn's master, before it forks the workers (gunicorn.conf.py).

Each worker would otherwise compile every template, load the translation catalogues and
Babel's locale data on its first requests: ~0.5 s of CPU, repeated by every worker and again
after each restart (`max_requests`), while that worker answers slowly. Done in the master,
the workers inherit the result through fork. No database connection is opened here: each
worker connects on its own first query.
"""

import gc
from datetime import date, datetime

from flask import Flask


def warm_up(app: Flask) -> dict:
    """Compile the templates and load what every request uses; returns what was done (for the
    log). Then freeze what exists now out of the garbage collector's reach: the workers'
    collections no longer walk it."""
    from portal import filters
    from portal.cases.kinds import REGISTRY
    from portal.cases.views import template_chain

    env = app.jinja_env
    names = [name for name in env.list_templates() if name.endswith((".html", ".txt"))]
    for name in names:
        env.get_template(name)
    with app.test_request_context("/"):
        filters.translations()  # the catalogues of every package, merged
        filters.local_date(date.today())  # Babel's locale data and date patterns
        filters.local_datetime(datetime.now())
        for kind in REGISTRY.values():
            template_chain(env, kind.template)  # what the live status fragment resolves
    gc.collect()
    gc.freeze()
    return {"templates": len(names), "frozen_objects": gc.get_freeze_count()}
