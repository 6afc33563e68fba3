"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything can be set from the environment (docs/production.md). The app servers keep no
state of their own, so several of them behind one load balancer share one PostgreSQL.
"""

import multiprocessing
import os

bind = f"{os.environ.get('BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: one request at a time each, CPU-bound rendering; 2 per core keeps the cores
# busy while a worker waits on the database. A reverse proxy buffers slow clients.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
# Restart workers now and then, so that a slow leak can never grow without bound. A restart
# is cheap (the master has compiled the templates, below), but not free: at a few hundred
# requests a second per worker, 50,000 is a restart every few minutes.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = 5000
timeout = 30
graceful_timeout = 20
keepalive = 5
# Load the app once in the master and fork it: less memory per worker. No database connection
# is opened at import (connections are made per request in each worker).
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # "-" for stdout; off by default
errorlog = "-"
# Behind a reverse proxy on the same host; set FORWARDED_ALLOW_IPS to the proxy's address.
# gunicorn trusts its X-Forwarded-Proto, the portal its X-Forwarded-For (portal/proxy.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def when_ready(server):
    """In the master, after the app is loaded and before the workers fork: compile the
    templates and load the catalogues once, for every worker (portal/warmup.py)."""
    from portal.warmup import warm_up

    done = warm_up(server.app.wsgi())
    server.log.info("warmed up: %(templates)d templates, %(frozen_objects)d objects frozen", done)
