"""The outbox worker: delivers queued e-mail over SMTP, retries with back-off.

Each mail is sent at most once by a running worker and never dropped:
- rows are claimed before sending (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two workers never
  claim the same row; SQLite: one atomic conditional UPDATE, which SQLite serialises);
- a failed send puts the row back with a later `next_attempt_at` (doubling, capped; when
  SMTP cannot be reached, the rest of the batch with it, without trying each); after
  MAX_ATTEMPTS, or at once when the server refuses the address as bad (5.1.1, 5.1.2 …), it
  is kept as `failed` for an administrator (`send-mail --retry-failed`; `mail-status --check`
  reports it; `mail-failed` lists them);
- a batch starts no new mail after BATCH_TIME (a slow relay): it gives the rest back, unsent
  and untried, well before CLAIM_TIMEOUT;
- a claim left by a worker that died is taken over after CLAIM_TIMEOUT. A worker killed in the
  instant between the SMTP server's "250 OK" and marking the row sent is the one case that
  can repeat a mail; its Message-ID is the same, so mail clients show it once.

Sent mails are kept KEEP_SENT (PORTAL_OUTBOX_KEEP_DAYS, default 30 days: long enough to answer
"did the mail go out?"), then deleted by the worker, a batch a transaction; pending and failed
mails are never deleted.

SMTP comes from the environment: PORTAL_SMTP_HOST, PORTAL_SMTP_PORT (587), PORTAL_SMTP_USER,
PORTAL_SMTP_PASSWORD, PORTAL_SMTP_FROM, PORTAL_SMTP_STARTTLS (1/0, default 1 unless port 25).
Without PORTAL_SMTP_HOST (development) mails are printed to the console instead.
"""

from __future__ import annotations

import operator
import os
import re
import smtplib
import socket
import ssl
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from functools import reduce

from peewee import Case, fn

from portal.db import database, is_postgresql
from portal.models import utcnow
from portal.notifications.models import Outbox

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
CLAIM_TIMEOUT = timedelta(minutes=15)
# A batch starts no new mail after this long, and gives back what it has not sent (for the
# next round, or another worker): a relay that answers slowly does not hold claims till they
# time out (the mail being sent goes on: SMTP's time limit is 30 s an answer)
BATCH_TIME = timedelta(minutes=5)
EXPIRED = "not sent: past its end (expires_at)"
# begins last_error when the server refused the address for good (_BAD_ADDRESS): the user is
# told (address_refused), as a mail that used up its attempts (SMTP down) is not theirs to fix
ADDRESS_REFUSED = "address refused: "
KEEP_SENT_DAYS = 30  # PORTAL_OUTBOX_KEEP_DAYS; 0 keeps sent mails for good
PRUNE_EVERY = timedelta(hours=1)  # how often a running worker deletes what has been kept enough
PRUNE_BATCH = 1000  # rows a transaction: SQLite's writers (the filings) wait for none longer
PRUNE_BATCHES = 10  # transactions a round at most: a backlog does not hold up the sending


def keep_sent(env=None) -> timedelta | None:
    """How long sent mails are kept; None: for good."""
    env = os.environ if env is None else env
    raw = env.get("PORTAL_OUTBOX_KEEP_DAYS", "").strip()
    days = int(raw) if raw else KEEP_SENT_DAYS
    if days < 0:
        raise ValueError("PORTAL_OUTBOX_KEEP_DAYS must be 0 (keep) or a number of days")
    return timedelta(days=days) if days else None


def prune_sent(keep: timedelta | None, now: datetime | None = None,
               batches: int = PRUNE_BATCHES) -> int:
    """Delete the mails sent longer than `keep` ago (never a pending or failed one), a batch
    a transaction, at most `batches` of them; how many."""
    if keep is None:
        return 0
    before = (now or utcnow()) - keep
    deleted = 0
    for _batch in range(batches):
        with database.atomic():
            # A mail is sent after it fell due, so next_attempt_at <= sent_at: the condition
            # on it adds nothing but lets the (status, next_attempt_at) index find the rows
            # (a worker started by cron every minute would otherwise read every sent one).
            batch = (Outbox.select(Outbox.id)
                     .where((Outbox.status == "sent") & (Outbox.next_attempt_at < before)
                            & (Outbox.sent_at < before))
                     .limit(PRUNE_BATCH))
            n = Outbox.delete().where(Outbox.id.in_(batch)).execute()
        deleted += n
        if n < PRUNE_BATCH:
            break
    return deleted


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "Skoleportalen <noreply@localhost>"
    starttls: bool = True
    timeout: float = 30

    @classmethod
    def from_env(cls, env=None) -> SmtpConfig:
        env = os.environ if env is None else env
        port = int(env.get("PORTAL_SMTP_PORT") or 587)
        tls = env.get("PORTAL_SMTP_STARTTLS")
        return cls(
            host=env.get("PORTAL_SMTP_HOST") or None,
            port=port,
            user=env.get("PORTAL_SMTP_USER") or None,
            password=env.get("PORTAL_SMTP_PASSWORD") or None,
            sender=env.get("PORTAL_SMTP_FROM") or cls.sender,
            starttls=(port != 25) if tls in (None, "") else tls.lower() in ("1", "true", "yes"),
        )


def backoff(attempts: int) -> timedelta:
    """Wait before attempt number `attempts + 1`: 1, 2, 4, ... minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def _before_end(now: datetime):
    """SQL: the mail has no end (expires_at), or it has not come by `now`."""
    return Outbox.expires_at.is_null() | (Outbox.expires_at > now)


def claim(worker: str, limit: int, now: datetime | None = None) -> tuple[str, list[Outbox]]:
    """Take up to `limit` due rows for this worker; no other worker can take them meanwhile."""
    now = now or utcnow()
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    # a mail a worker claimed and did not finish in CLAIM_TIMEOUT (killed while sending)
    abandoned = (Outbox.status == "sending") & (Outbox.claimed_at < now - CLAIM_TIMEOUT)
    due = _before_end(now) & (
        ((Outbox.status == "pending") & (Outbox.next_attempt_at <= now)) | abandoned
    )
    candidates = Outbox.select(Outbox.id).where(due).order_by(Outbox.id).limit(limit)
    if is_postgresql():
        candidates = candidates.for_update(skip_locked=True)
    with database.atomic():
        (Outbox.update(status="sending", claimed_by=token, claimed_at=now)
         .where(Outbox.id.in_(candidates) & due)
         .execute())
        # a mail past its end is not sent (a password link that would no longer work)
        # (not one another worker is sending: its claim has not timed out)
        (Outbox.update(status="failed", last_error=EXPIRED, claimed_by=None, claimed_at=None)
         .where(((Outbox.status == "pending") | abandoned) & ~_before_end(now))
         .execute())
    rows = list(Outbox.select().where((Outbox.claimed_by == token)
                                      & (Outbox.status == "sending")).order_by(Outbox.id))
    return token, rows


def message_for(row: Outbox, config: SmtpConfig) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    domain = config.sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    # The same for every attempt, so that a repeat after a crash shows as one mail.
    msg["Message-ID"] = f"<portal-outbox-{row.id}@{domain}>"
    msg.set_content(row.body)
    return msg


class Transport:
    """One SMTP connection for a batch (or the console in development)."""

    def __init__(self, config: SmtpConfig, out=None):
        self.config = config
        self.out = out or sys.stdout
        self.smtp: smtplib.SMTP | None = None
        # the last send failed before a connection was made (refused, no answer in time,
        # STARTTLS or the login failed): the same for every mail it would send now
        self.unreachable = False

    def send(self, msg: EmailMessage) -> None:
        if not self.config.host:
            # as a person reads it: the headers, and the text decoded (a link whole, where the
            # message itself breaks its lines for SMTP)
            headers = "".join(f"{name}: {value}\n" for name, value in msg.items()
                              if name.lower() not in ("content-type", "content-transfer-encoding",
                                                      "mime-version"))
            print(f"--- e-mail (no PORTAL_SMTP_HOST: printed, not sent) ---\n{headers}\n"
                  f"{msg.get_content()}", file=self.out)
            return
        if self.smtp is None:
            self.unreachable = True
            smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout)
            try:
                if self.config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.config.user:
                    smtp.login(self.config.user, self.config.password or "")
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp
            self.unreachable = False
        self.smtp.send_message(msg)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


# RFC 3463's enhanced status codes (and RFC 3886's 5.1.10): 5.1.1 no such mailbox, 5.1.2 no such
# domain, 5.1.3 bad syntax, 5.1.6 the mailbox has moved, 5.1.10 a null MX: a permanent fault of
# the address itself. Not the other 5.1.x, which are about the sender's address, i.e. the
# portal's (5.1.7, 5.1.8, Postfix's "5.1.0 Sender address rejected"). Other 5xx answers to RCPT
# are often about the portal's relay or its policy (relaying denied 5.7.1, authentication 5.7.0,
# a sending quota 5.4.5; a full mailbox 5.2.2, which RFC 5321 has handled as a 4xx): those are
# tried again.
_BAD_ADDRESS = re.compile(rb"^5\.1\.(?:1|2|3|6|10)\b")


def refused_for_good(error: Exception) -> bool:
    """Whether the SMTP server refused every recipient because the address itself is bad (a
    5xx with an enhanced code of _BAD_ADDRESS: a departed teacher's mailbox): trying again
    changes nothing. Any other refusal is tried again."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and bool(error.recipients) and all(
        500 <= code < 600 and _BAD_ADDRESS.match(answer.lstrip())
        for code, answer in error.recipients.values())


def _closed_connection(error: Exception) -> bool:
    """Whether smtplib dropped the connection with this refusal (421: the server closes)."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and any(
        code == 421 for code, _answer in error.recipients.values())


def _failed(row: Outbox, token: str, error: Exception, now: datetime) -> None:
    attempts = row.attempts + 1
    refused = refused_for_good(error)
    status = "failed" if attempts >= MAX_ATTEMPTS or refused else "pending"
    text = f"{ADDRESS_REFUSED if refused else ''}{type(error).__name__}: {error}"
    (Outbox.update(status=status, attempts=attempts, next_attempt_at=now + backoff(attempts),
                   last_error=text[:1000], claimed_by=None, claimed_at=None)
     .where((Outbox.id == row.id) & (Outbox.claimed_by == token))
     .execute())


def _to(address: str):
    """SQL: the mail is to `address`, in any case (lowered by the database on both sides, so
    an address as it is stored always matches)."""
    return fn.LOWER(Outbox.recipient) == fn.LOWER(address.strip())


def _give_back(rows: list[Outbox], token: str) -> None:
    """Unclaim these rows, as they were before: due, their attempts unchanged."""
    (Outbox.update(status="pending", claimed_by=None, claimed_at=None)
     .where(Outbox.id.in_([row.id for row in rows]) & (Outbox.claimed_by == token)
            & (Outbox.status == "sending"))
     .execute())


def _accepted_since(addresses: set[str], now: datetime) -> int:
    """Mails refused for good to an address that has since taken a mail were not refused for
    good (a mailbox created after the import): they are due again, and their user no longer
    told that the address does not exist."""
    if not addresses:
        return 0
    same = reduce(operator.or_, (_to(address) for address in sorted(addresses)))
    return (Outbox.update(status="pending", next_attempt_at=now)
            .where((Outbox.status == "failed") & Outbox.last_error.startswith(ADDRESS_REFUSED)
                   & same)
            .execute())


def deliver_batch(worker: str, config: SmtpConfig, *, limit: int = 50,
                  now: datetime | None = None, out=None,
                  budget: timedelta = BATCH_TIME) -> dict[str, int]:
    """Claim and send one batch; returns counts of sent and failed. What is left unsent after
    `budget` is given back for the next round."""
    token, rows = claim(worker, limit, now)
    counts = {"sent": 0, "failed": 0}
    transport = Transport(config, out)
    ends = time.monotonic() + budget.total_seconds()
    accepted = set()  # the addresses that took a mail
    try:
        for position, row in enumerate(rows):
            if position and time.monotonic() > ends:
                _give_back(rows[position:], token)
                break
            try:
                transport.send(message_for(row, config))
            except (smtplib.SMTPException, OSError) as error:
                if transport.unreachable:
                    # SMTP cannot be reached: the rest of the batch fails as this one did, at
                    # once, rather than each waiting out its own time limit (50 mails at 30 s
                    # would hold their claims past CLAIM_TIMEOUT, for another worker to take)
                    for unsent in rows[position:]:
                        _failed(unsent, token, error, now or utcnow())
                    counts["failed"] += len(rows) - position
                    break
                _failed(row, token, error, now or utcnow())
                counts["failed"] += 1
                if (not isinstance(error, smtplib.SMTPRecipientsRefused)
                        or _closed_connection(error)):
                    transport.close()  # the connection may be dead; a fresh one for the next
                continue
            (Outbox.update(status="sent", sent_at=utcnow(), attempts=row.attempts + 1,
                           last_error=None)
             .where((Outbox.id == row.id) & (Outbox.claimed_by == token))
             .execute())
            counts["sent"] += 1
            accepted.add(row.recipient)
    finally:
        transport.close()
    _accepted_since(accepted, now or utcnow())
    return counts


def run(worker: str | None = None, *, config: SmtpConfig | None = None, once: bool = False,
        interval: float = 10.0, limit: int = 50, out=None, stop=None) -> dict[str, int]:
    """Deliver until the outbox is empty (`once`) or forever, sleeping `interval` between
    empty rounds; after the first round, and then every PRUNE_EVERY, delete the sent mails
    kept long enough (a backlog a few batches a round).
    Each round uses the connection of the calling thread."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    config = config or SmtpConfig.from_env()
    keep = keep_sent()
    total = {"sent": 0, "failed": 0}
    pruned_at = None
    while True:
        with database.connection_context():
            counts = deliver_batch(worker, config, limit=limit, out=out)
            if pruned_at is None or time.monotonic() - pruned_at >= PRUNE_EVERY.total_seconds():
                if prune_sent(keep) < PRUNE_BATCHES * PRUNE_BATCH:
                    pruned_at = time.monotonic()  # (else more next round)
        for key in total:
            total[key] += counts[key]
        if stop is not None and stop():
            return total
        if not counts["sent"] and not counts["failed"]:
            if once:
                return total
            time.sleep(interval)


LATE_AFTER = timedelta(minutes=30)  # `mail-status --check`: how long a mail may wait


@dataclass(frozen=True)
class OutboxStatus:
    """What an administrator's monitoring asks of the outbox (`flask mail-status`)."""

    waiting: int  # queued, not yet sent (pending, or being sent)
    oldest_waiting: datetime | None  # when the oldest of them was queued
    retrying: int  # waiting after at least one failed attempt
    late_after: timedelta
    not_taken: int  # due for longer than late_after, and no worker has sent it
    failing: int  # queued longer ago than late_after, every attempt so far failed
    failed: int  # failed for good (attempts used up, or refused): retry after fixing, or delete
    expired: int  # not sent before their end (a password link): nothing left to send
    expired_last_day: int  # of them, queued in the last 24 hours: a user went without a link
    sent_last_day: int
    error_waiting: str | None  # of the newest waiting mail that has failed an attempt
    error_failed: str | None  # of the newest mail failed for good (not one past its end)

    @property
    def problems(self) -> list[str]:
        """What needs an administrator, one sentence each; none: all is well."""
        minutes = int(self.late_after.total_seconds() // 60)
        found = []
        if self.not_taken:
            found.append(f"{self.not_taken} mail(s) due for more than {minutes} min have not "
                         "been sent: is the worker (send-mail) running, or is it slowed down "
                         "(a slow relay, a burst)?")
        if self.failing:
            found.append(f"{self.failing} mail(s) queued more than {minutes} min ago still fail "
                         "(the newest error above): fix SMTP (or, for one recipient, see "
                         "docs/operations.md), then send-mail --retry-failed --once")
        if self.failed:
            found.append(f"{self.failed} mail(s) failed for good: fix SMTP, then send-mail "
                         "--retry-failed --once; a wrong address: mail-failed")
        if self.expired_last_day:
            found.append(f"{self.expired_last_day} password link(s) of the last 24 hours were "
                         "not sent before their end (the worker did not run or SMTP failed): "
                         "those users must ask again")
        return found


def _failed_for_good(now: datetime):
    """SQL: failed, and not for being past its end (attempts used up, or the address refused):
    what an administrator retries or deletes."""
    return ((Outbox.status == "failed")
            & (Outbox.last_error.is_null() | (Outbox.last_error != EXPIRED)) & _before_end(now))


def outbox_status(now: datetime | None = None,
                  late_after: timedelta = LATE_AFTER) -> OutboxStatus:
    """The outbox's state for monitoring: its counts in one statement (one snapshot), then the
    two newest errors. No transaction: on SQLite that would wait for, and hold up, the
    writers."""
    now = now or utcnow()
    waiting = Outbox.status.in_(("pending", "sending"))
    failed = Outbox.status == "failed"
    # past its end: marked so by a worker, or failed before it and the end has come since
    expired = failed & ((Outbox.last_error == EXPIRED) | ~_before_end(now))
    used_up = _failed_for_good(now)

    def count(condition):
        return fn.COALESCE(fn.SUM(Case(None, [(condition, 1)], 0)), 0)

    def newest_error(condition):
        return (Outbox.select(Outbox.last_error)
                .where(condition & Outbox.last_error.is_null(False))
                .order_by(Outbox.id.desc()).limit(1).scalar())

    # A failed attempt moves next_attempt_at on, so a mail due long ago that still waits is
    # one that no worker took: none runs (or it is slowed down: a slow relay, a burst).
    row = Outbox.select(
        count(waiting), fn.MIN(Case(None, [(waiting, Outbox.created_at)])),
        count(waiting & (Outbox.attempts > 0)),
        count(waiting & (Outbox.next_attempt_at < now - late_after)),
        count(waiting & (Outbox.attempts > 0) & (Outbox.created_at < now - late_after)),
        count(used_up), count(expired),
        count(expired & (Outbox.created_at >= now - timedelta(days=1))),
        count((Outbox.status == "sent") & (Outbox.sent_at >= now - timedelta(days=1))),
    ).tuples().get()
    oldest = row[1]
    if isinstance(oldest, str):  # SQLite gives an aggregate's datetime back as text
        oldest = datetime.fromisoformat(oldest)
    return OutboxStatus(
        waiting=row[0], oldest_waiting=oldest, retrying=row[2], late_after=late_after,
        not_taken=row[3], failing=row[4], failed=row[5], expired=row[6],
        expired_last_day=row[7], sent_last_day=row[8],
        error_waiting=newest_error(waiting & (Outbox.attempts > 0)),
        error_failed=newest_error(used_up))


def retry_failed() -> int:
    """Give mails that failed for good a new round (after fixing SMTP); not those past their
    end (a password link that would no longer work)."""
    now = utcnow()
    return (Outbox.update(status="pending", attempts=0, next_attempt_at=now)
            .where((Outbox.status == "failed") & _before_end(now))
            .execute())


def retry_waiting() -> int:
    """Mails waiting for their next attempt after a failure (up to MAX_RETRY away) are due
    now: SMTP has been fixed. Their attempts so far still count."""
    now = utcnow()
    return (Outbox.update(next_attempt_at=now)
            .where((Outbox.status == "pending") & (Outbox.attempts > 0)
                   & (Outbox.next_attempt_at > now) & _before_end(now))
            .execute())


def failed_for_good(limit: int = 50) -> tuple[int, list[Outbox]]:
    """How many mails failed for good, and the newest `limit` of them (`flask mail-failed`)."""
    condition = _failed_for_good(utcnow())
    rows = list(Outbox.select(Outbox.id, Outbox.created_at, Outbox.recipient, Outbox.attempts,
                              Outbox.last_error)
                .where(condition).order_by(Outbox.id.desc()).limit(limit))
    total = len(rows) if len(rows) < limit else Outbox.select().where(condition).count()
    return total, rows


def delete_failed(address: str) -> int:
    """Delete the failed mails to this address (any case), those past their end with them: an
    address that can never take them (a mail keeps the address it was queued with). Mails
    still waiting are left to the worker."""
    return (Outbox.delete()
            .where((Outbox.status == "failed") & _to(address))
            .execute())


def address_refused(address: str | None) -> bool:
    """Whether the SMTP server refused this address for good (no such mailbox or domain), on a
    mail still kept as failed: its owner is told to have it corrected."""
    if not address:
        return False
    return (Outbox.select(Outbox.id)
            .where((Outbox.status == "failed") & _to(address)
                   & Outbox.last_error.startswith(ADDRESS_REFUSED))
            .exists())


__all__ = ["OutboxStatus", "SmtpConfig", "address_refused", "backoff", "claim", "delete_failed",
           "deliver_batch", "failed_for_good", "outbox_status", "refused_for_good",
           "retry_failed", "retry_waiting", "run"]
