"""Slowing down repeated login failures, per account and per address.

Counts live in the database, so every app server sees the same numbers. After FREE_FAILURES
failures of one account within the window, each further attempt must wait twice as long as
the last (1 s, 2 s, 4 s … up to MAX_DELAY); an attempt inside the wait is refused without
checking the password.

An address is counted apart, against ADDRESS_FREE_FAILURES within the last WINDOW, and its
wait stops at ADDRESS_MAX_DELAY: a whole school's network reaches the portal
from one address (its NAT), where hundreds of students log in at the start of a lesson and
some of them mistype; a count that three failures filled would make the whole school wait,
and one student failing on purpose could keep it waiting for minutes at a time. The address's
count still slows one machine that tries password after password across many accounts. It is
kept per minute (a row per address and minute) and summed over the minutes of the last
WINDOW, so that no moment frees an address that has just failed many times (a count that
began again at fixed times would have given one machine ADDRESS_FREE_FAILURES just before
such a time and as many again just after). An
IPv6 client is counted by its /64 network, which one machine can pick its addresses from. The
client's address behind the reverse proxy comes from X-Forwarded-For (portal/proxy.py); a
request whose address is unknown is counted by its account alone.

An attempt is checked and counted, against its account and its address, in one step
(`attempt`), before its password is checked: attempts sent all at once, each checked before
any of them had failed, would otherwise all get past a check that lets FREE_FAILURES (or
ADDRESS_FREE_FAILURES) through. A right password takes the counts back (`succeeded`).
"""

import hashlib
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
BUCKET = timedelta(minutes=1)  # an address's failures are counted per minute
_BUCKETS = WINDOW // BUCKET
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
    known, the address's key for the current minute."""
    found = [account_key(username)]
    address = _address_key(address)
    if address is not None:
        minute = ((now or utcnow()) - _EPOCH) // BUCKET
        found.append(f"ip:{address}@{minute}")
    return found


def account_key(username: str) -> str:
    """The account's key (cleared when a login, or a new password, proves it its owner's)."""
    return f"user:{username.strip().lower()}"


def wait_seconds(wait: timedelta) -> int:
    """A wait as the whole seconds a page and Retry-After say (0: none; else rounded up)."""
    return int(wait.total_seconds()) + 1 if wait.total_seconds() > 0 else 0


def address_keys(address: str | None, now: datetime | None = None) -> list[str]:
    """The address's key for the current minute alone (none when the address is not known):
    what a request that names no password is counted under (asking for a password link)."""
    return keys("", address, now)[1:]


def _window_of(key: str) -> list[str]:
    """An address's keys for the minutes of the WINDOW that ends with the minute of `key`."""
    address, minute = key.rsplit("@", 1)
    return [f"{address}@{int(minute) - back}" for back in range(_BUCKETS)]


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
    windows = {key: _window_of(key) for key in key_list if key.startswith("ip:")}
    rows = {row.key: row for row in LoginThrottle.select().where(LoginThrottle.key.in_(
        [key for key in key_list if key not in windows] + sum(windows.values(), [])))}
    longest = timedelta(0)
    for key in key_list:
        counted = [rows[k] for k in windows.get(key, [key]) if k in rows]
        counted = [row for row in counted if now - row.last_failure_at <= WINDOW]
        if not counted:
            continue
        failures = sum(row.failures for row in counted)
        last = max(row.last_failure_at for row in counted)
        longest = max(longest, last + _delay(failures, key) - now)
    return longest


# PostgreSQL's advisory locks taken here are of this class (the first of the two keys), so
# that they can never be mistaken for another part's
_LOCK_CLASS = 0x7468  # "th"


def _lock_id(key: str) -> int:
    """The second key of an advisory lock: 32 bits of the hash of what it locks."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def attempt(key_list: list[str], now: datetime | None = None) -> timedelta:
    """How long the caller must wait (as `wait_needed`), decided together with counting the
    attempt: when it may go ahead (zero), it is counted at once as a failure of the account
    and of the address, before its password is checked. A right password then takes the
    counts back (`succeeded`); a wrong one leaves them (`failed`). Attempts on one account,
    and attempts from one address, wait here for each other: PostgreSQL locks the account's
    key and the address (in that order, so two attempts cannot wait for each other) until
    the transaction ends, and SQLite lets one writer at a time begin a transaction. The time
    counted, and the counts (PostgreSQL's READ COMMITTED, the default: each statement sees
    what the last holder of the locks committed), are read once the locks are held.
    Students logging in at once behind one address hold each other's attempts only while
    their passwords are checked (0.1 s each): a hundred would have to be in flight at once to
    make the next one wait."""
    with database.atomic():
        if is_postgresql():
            for locked in [key_list[0], *(key.rsplit("@", 1)[0] for key in key_list[1:])]:
                database.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)",
                                     (_LOCK_CLASS, _lock_id(locked)))
        now = now or utcnow()
        wait = wait_needed(key_list, now)
        if wait <= timedelta(0):
            _count(key_list, now)
    return wait


def succeeded(key_list: list[str]) -> None:
    """The attempt's password was right: the account's count goes (a login that works starts
    it again), and the address's minute gives back the failure `attempt` counted."""
    with database.atomic():
        LoginThrottle.delete().where(LoginThrottle.key == key_list[0]).execute()
        for key in key_list[1:]:
            (LoginThrottle.update(failures=LoginThrottle.failures - 1)
             .where((LoginThrottle.key == key) & (LoginThrottle.failures > 0)).execute())
            LoginThrottle.delete().where((LoginThrottle.key == key)
                                         & (LoginThrottle.failures <= 0)).execute()


def failed(now: datetime | None = None) -> None:
    """The attempt's password was wrong: its counts stand (`attempt` made them); the counts
    older than the window are deleted."""
    _forget_old(now or utcnow())


def _count(key_list: list[str], now: datetime) -> None:
    """One more failure for each key (a count older than the window starts again from one);
    inside the caller's transaction."""
    cutoff = now - WINDOW
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


def record_failure(key_list: list[str], now: datetime | None = None) -> None:
    """One more failure for each key, in one transaction (as `attempt` counts one that goes
    ahead); then, apart, the counts older than the window are deleted (`_forget_old`)."""
    now = now or utcnow()
    with database.atomic():
        _count(key_list, now)
    _forget_old(now)


def _forget_old(now: datetime) -> None:
    """Delete the counts older than the window: they no longer slow anyone down, and would
    otherwise pile up, one row for every name ever tried. The deletion waits for no row
    another login holds (PostgreSQL: SKIP LOCKED), so two failing logins cannot deadlock over
    each other's old rows."""
    cutoff = now - WINDOW
    old = LoginThrottle.select(LoginThrottle.id).where(LoginThrottle.last_failure_at < cutoff)
    if is_postgresql():
        old = old.for_update(skip_locked=True)
    with database.atomic():
        LoginThrottle.delete().where(LoginThrottle.id.in_(old)).execute()


def clear(key: str) -> None:
    with database.atomic():  # (on SQLite, as the writer: not polling for the database's lock)
        LoginThrottle.delete().where(LoginThrottle.key == key).execute()
