"""Slowing down repeated login failures, per account and per address.

Counts live in the database, so every app server sees the same numbers. After FREE_FAILURES
failures of one account within the window, each further attempt must wait twice as long as
the last (1 s, 2 s, 4 s … up to MAX_DELAY); an attempt inside the wait is refused without
checking the password.

An address is counted apart, against ADDRESS_FREE_FAILURES within any WINDOW, and its wait
stops at ADDRESS_MAX_DELAY: a whole school's network reaches the portal
from one address (its NAT), where hundreds of students log in at the start of a lesson and
some of them mistype; a count that three failures filled would make the whole school wait,
and one student failing on purpose could keep it waiting for minutes at a time. The address's
count still slows one machine that tries password after password across many accounts. It is
kept per fixed window of WINDOW, and read as a sliding one: the current window's failures and
the previous window's in the share of it that the last WINDOW still covers (a count that
began again at each window's start would let one machine have ADDRESS_FREE_FAILURES at the
end of a window and as many again at the start of the next). An
IPv6 client is counted by its /64 network, which one machine can pick its addresses from. The
client's address behind the reverse proxy comes from X-Forwarded-For (portal/proxy.py); a
request whose address is unknown is counted by its account alone.
"""

import ipaddress
from datetime import datetime, timedelta

from portal.db import database, is_postgresql
from portal.models import LoginThrottle, utcnow
from portal.proxy import parse_address

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=5)
ADDRESS_FREE_FAILURES = 100
ADDRESS_MAX_DELAY = timedelta(minutes=1)
WINDOW = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1)


def _address_key(address: str | None) -> str | None:
    parsed = parse_address(address or "")
    if parsed is None:
        return None
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def keys(username: str, address: str | None, now: datetime | None = None) -> list[str]:
    """The account's key first (a successful login clears it), then, when the address is
    known, the address's key for the current window."""
    found = [f"user:{username.strip().lower()}"]
    address = _address_key(address)
    if address is not None:
        window = ((now or utcnow()) - _EPOCH) // WINDOW
        found.append(f"ip:{address}@{window}")
    return found


def _previous_window(key: str) -> str:
    """An address's key for the window before the one of `key`."""
    address, window = key.rsplit("@", 1)
    return f"{address}@{int(window) - 1}"


def _delay(failures: int, key: str = "user:") -> timedelta:
    by_address = key.startswith("ip:")
    free = ADDRESS_FREE_FAILURES if by_address else FREE_FAILURES
    if failures < free:
        return timedelta(0)
    longest = ADDRESS_MAX_DELAY if by_address else MAX_DELAY
    return min(timedelta(seconds=2 ** min(failures - free, 20)), longest)


def wait_needed(key_list: list[str], now: datetime | None = None) -> timedelta:
    """How long the caller must still wait before another attempt (zero: go ahead)."""
    now = now or utcnow()
    addresses = [key for key in key_list if key.startswith("ip:")]
    rows = {row.key: row for row in LoginThrottle.select().where(
        LoginThrottle.key.in_([*key_list, *map(_previous_window, addresses)]))}
    longest = timedelta(0)
    for key in key_list:
        counted = _address_count(key, rows, now) if key in addresses else rows.get(key)
        if counted is None or now - counted.last_failure_at > WINDOW:
            continue
        remaining = counted.last_failure_at + _delay(counted.failures, key) - now
        longest = max(longest, remaining)
    return longest


def _address_count(key: str, rows: dict, now: datetime) -> LoginThrottle | None:
    """The address's failures within the last WINDOW as a sliding window: its count in this
    window, and its count in the previous one weighted by the share of that window still
    within the last WINDOW (failures taken as spread evenly over it); with the latest of
    their failures."""
    current, previous = rows.get(key), rows.get(_previous_window(key))
    if previous is None:
        return current
    still_covered = 1 - ((now - _EPOCH) % WINDOW) / WINDOW
    failures = (current.failures if current else 0) + int(previous.failures * still_covered)
    last = max(row.last_failure_at for row in (current, previous) if row is not None)
    return LoginThrottle(key=key, failures=failures, last_failure_at=last)


def record_failure(key_list: list[str], now: datetime | None = None) -> None:
    """One more failure for each key, in one transaction (a count older than the window
    starts again from one); then, apart, the counts older than two windows are deleted: they
    no longer slow anyone down (an address's count of the previous window does for one more
    window), and would otherwise pile up, one row for every name ever tried. The deletion
    waits for no row another login holds (PostgreSQL: SKIP LOCKED), so two failing logins
    cannot deadlock over each other's old rows."""
    now = now or utcnow()
    cutoff = now - WINDOW
    with database.atomic():
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
    old = LoginThrottle.select(LoginThrottle.id).where(
        LoginThrottle.last_failure_at < now - 2 * WINDOW)
    if is_postgresql():
        old = old.for_update(skip_locked=True)
    with database.atomic():
        LoginThrottle.delete().where(LoginThrottle.id.in_(old)).execute()


def clear(key: str) -> None:
    LoginThrottle.delete().where(LoginThrottle.key == key).execute()
