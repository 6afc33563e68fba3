"""The portal as `make bench` serves it when it pins the day the portal takes as today
(bench/run.py: portal_day): wsgi.py's app, with PORTAL_TODAY set from PORTAL_BENCH_DAY (an
ISO date). Production never pins the day, so wsgi.py does not read it."""

import os
from datetime import date

from wsgi import app

app.config["PORTAL_TODAY"] = date.fromisoformat(os.environ["PORTAL_BENCH_DAY"])
