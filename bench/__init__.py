"""`make bench`: a county-sized dataset, gunicorn on loopback driven by wrk, one table.

Never part of `make test`: speed is measured here, not asserted in tests.
"""
