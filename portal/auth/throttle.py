"""Slowing down repeated login failures, per account and per address.

Counts live in the database, so every app server sees the same numbers. After FREE_FAILURES
failures of one account within the window, each further attempt must wait twice as long as
the last (1 s, 2 s, 4 s … up to MAX_DELAY); an attempt inside the wait is refused without
checking the password.

An address is counted apart, against ADDRESS_FREE_FAILURES in each fixed window of
WINDOW: a whole school's network reaches the portal from one address (its NAT), where
hundreds of students log in at the start of a lesson and some of them mistype; a count that
three failures filled would make the whole school wait. The address's count still slows one
machine that tries password after password across many accounts. The client's address
behind the reverse proxy comes from X-Forwarded-For (portal/proxy.py).
"""

from datetime import datetime, timedelta

from portal.db import database
from portal.models import LoginThrottle, utcnow

FREE_FAILURES = 3
ADDRESS_FREE_FAILURES = 100
MAX_DELAY = timedelta(minutes=5)
WINDOW = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1)


def keys(username: str, address: str | None, now: datetime | None = None) -> list[str]:
    """The account's key first (a successful login clears it), then the address's key for
    the current window."""
    window = ((now or utcnow()) - _EPOCH) // WINDOW
    return [f"user:{username.strip().lower()}", f"ip:{address or 'unknown'}@{window}"]


def _free_failures(key: str) -> int:
    return ADDRESS_FREE_FAILURES if key.startswith("ip:") else FREE_FAILURES


def _delay(failures: int, free: int = FREE_FAILURES) -> timedelta:
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free, 20)), MAX_DELAY)


def wait_needed(key_list: list[str], now: datetime | None = None) -> timedelta:
    """How long the caller must still wait before another attempt (zero: go ahead)."""
    now = now or utcnow()
    longest = timedelta(0)
    for row in LoginThrottle.select().where(LoginThrottle.key.in_(key_list)):
        if now - row.last_failure_at > WINDOW:
            continue
        remaining = row.last_failure_at + _delay(row.failures, _free_failures(row.key)) - now
        longest = max(longest, remaining)
    return longest


def record_failure(key_list: list[str], now: datetime | None = None) -> None:
    """One more failure for each key, in one transaction; counts older than the window
    start again from one, and other keys' counts that old are deleted (they no longer slow
    anyone down, and would otherwise pile up: one row for every name ever tried)."""
    now = now or utcnow()
    cutoff = now - WINDOW
    with database.atomic():
        (LoginThrottle.delete()
         .where((LoginThrottle.last_failure_at < cutoff) & LoginThrottle.key.not_in(key_list))
         .execute())
        for key in key_list:
            counted = (LoginThrottle
                       .update(failures=LoginThrottle.failures + 1, last_failure_at=now)
                       .where((LoginThrottle.key == key)
                              & (LoginThrottle.last_failure_at >= cutoff))
                       .execute())
            if counted:
                continue
            restarted = (LoginThrottle.update(failures=1, last_failure_at=now)
                         .where(LoginThrottle.key == key).execute())
            if not restarted:
                LoginThrottle.insert(key=key, failures=1, last_failure_at=now
                                     ).on_conflict_ignore().execute()


def clear(key: str) -> None:
    LoginThrottle.delete().where(LoginThrottle.key == key).execute()
