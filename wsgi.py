"""WSGI entry point: gunicorn wsgi:app, or flask --app wsgi run."""

import sys

from portal import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as error:
    # (what to set, as the operator reads it: for gunicorn's master and every flask command)
    sys.exit(f"portal: {error}")
