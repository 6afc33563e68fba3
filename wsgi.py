"""WSGI entry point: gunicorn wsgi:app, or flask --app wsgi run."""

import sys

from portal import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as error:
    # what to set, as the operator reads it, for gunicorn and every flask command; exit code 3
    # is gunicorn's for a worker that cannot boot, which stops the master rather than
    # starting the worker again and again (were the app loaded in each worker)
    print(f"portal: {error}", file=sys.stderr)
    sys.exit(3)
