"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything can be set from the environment (docs/production.md). The app servers keep no
state of their own, so several of them behind one load balancer share one PostgreSQL.
"""

import ipaddress
import multiprocessing
import os


def _bind(address: str, port: str) -> str:
    """BIND as gunicorn's --bind takes it: a host or an IPv4 address, with PORT; an IPv6
    address, bracketed, with PORT; an address that names its own port; or a unix socket
    (unix:/run/portal/portal.sock, for a proxy on the same host)."""
    if address.startswith(("unix:", "fd://")):
        return address
    try:
        if ipaddress.ip_address(address).version == 6:
            return f"[{address}]:{port}"
    except ValueError:
        pass
    if address.startswith("[") and address.endswith("]"):
        return f"{address}:{port}"
    if address.startswith("[") or address.count(":") == 1:
        return address  # [::1]:8000, host:8000
    return f"{address}:{port}"


bind = _bind(os.environ.get("BIND") or "127.0.0.1", os.environ.get("PORT") or "8000")
# The release's real directory, not the path it was started through: /srv/portal/src is a
# link to the current release (docs/production.md), and gunicorn would otherwise keep the
# link's path from $PWD, so that a worker importing a module after the link moved on to the
# next release would read that release's file.
chdir = os.path.realpath(os.getcwd())
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
# (no `keepalive`: a sync worker closes each connection after its answer, whatever it says)
# Load the app once in the master and fork it: less memory per worker. No database connection
# is opened at import (connections are made per request in each worker).
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # "-" for stdout; off by default
errorlog = "-"
# Behind a reverse proxy on the same host; set FORWARDED_ALLOW_IPS to the proxy's address.
# gunicorn trusts its X-Forwarded-Proto, the portal its X-Forwarded-For (portal/proxy.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn 25.1 and later open a control socket for `gunicornc`, by default at one path per
# user ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): two gunicorns of one user
# on a host would share it, and stopping either removes it. The portal's servers are managed
# with signals (docs/production.md); GUNICORN_CONTROL_SOCKET=<path> opens one at that path.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket


def when_ready(server):
    """In the master, after the app is loaded and before the workers fork: compile the
    templates and load the catalogues once, for every worker (portal/warmup.py)."""
    from portal.warmup import warm_up

    done = warm_up(server.app.wsgi())
    server.log.info("warmed up: %(templates)d templates, %(frozen_objects)d objects frozen", done)


def post_worker_init(worker):
    """In each worker, once it has the app: say in the log when the database lacks migrations
    of this code (a release's `flask db-upgrade` not run: pages that read what they add
    fail); `/healthz/db` answers 503 for the same. One query, on a thread of its own: a
    database that does not answer (down behind a pooler that holds the query) must not keep
    the worker from serving, nor get it killed for not starting within `timeout`."""
    import threading

    threading.Thread(target=_log_pending_migrations, args=(worker,), daemon=True,
                     name="migrations-check").start()


def _log_pending_migrations(worker):
    from portal.db import check_schema, database

    app = worker.wsgi
    try:
        with app.app_context(), database.connection_context():
            pending = check_schema(app)
    except Exception as error:  # noqa: BLE001  (the database away: its pages say so, 503)
        worker.log.warning("migrations not checked, the database did not answer: %s", error)
        return
    if pending:
        worker.log.error("the database lacks this code's migrations %s: run flask db-upgrade",
                         ", ".join(pending))


def worker_exit(server, worker):
    """In a worker that is stopping (a restart, a release, `max_requests`): the password-link
    requests still waiting in its queue are looked up and their mails queued before it ends
    (portal/auth/reset.py; a few milliseconds each), waiting at most 5 s of the 20 s a
    stopping worker has (`graceful_timeout`)."""
    from portal.auth.reset import wait_for_links

    wait_for_links(timeout=5)
