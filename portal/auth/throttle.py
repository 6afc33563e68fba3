"""Slowing down repeated login failures, per account and per address.

Counts live in the database, so every app server sees the same numbers. After FREE_FAILURES
failures within the window, each further attempt must wait twice as long as the last
(1 s, 2 s, 4 s … up to MAX_DELAY); an attempt inside the wait is refused without checking
the password.
"""

from datetime import timedelta

from portal.models import LoginThrottle, utcnow

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=5)
WINDOW = timedelta(minutes=15)


def keys(username: str, address: str | None) -> list[str]:
    return [f"user:{username.strip().lower()}", f"ip:{address or 'unknown'}"]


def _delay(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_DELAY)


def wait_needed(key_list: list[str]) -> timedelta:
    """How long the caller must still wait before another attempt (zero: go ahead)."""
    now = utcnow()
    longest = timedelta(0)
    for row in LoginThrottle.select().where(LoginThrottle.key.in_(key_list)):
        if now - row.last_failure_at > WINDOW:
            continue
        remaining = row.last_failure_at + _delay(row.failures) - now
        longest = max(longest, remaining)
    return longest


def record_failure(key_list: list[str]) -> None:
    now = utcnow()
    for key in key_list:
        row = LoginThrottle.get_or_none(LoginThrottle.key == key)
        if row is None:
            LoginThrottle.insert(key=key, failures=1, last_failure_at=now).on_conflict_ignore(
            ).execute()
        elif now - row.last_failure_at > WINDOW:
            LoginThrottle.update(failures=1, last_failure_at=now).where(
                LoginThrottle.key == key).execute()
        else:
            LoginThrottle.update(failures=LoginThrottle.failures + 1, last_failure_at=now).where(
                LoginThrottle.key == key).execute()


def clear(key: str) -> None:
    LoginThrottle.delete().where(LoginThrottle.key == key).execute()
