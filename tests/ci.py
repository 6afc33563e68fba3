"""A program a test needs and cannot find: under CI=true a failure (`make test` installs it,
so its absence there is a defect); elsewhere a skip that says what to install."""

import os

import pytest


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)
