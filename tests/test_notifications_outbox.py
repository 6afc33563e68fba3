"""The outbox worker against a real SMTP server on loopback (aiosmtpd): delivery, SMTP down,
back-off, a worker that died mid-batch, and two workers racing on the same rows — every mail
delivered exactly once, on SQLite and PostgreSQL."""

import asyncio
import io
import socket
import threading
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from portal.db import database
from portal.models import utcnow
from portal.notifications import mailer
from portal.notifications.models import Outbox
from tests.net import free_port


class Collector:
    """Keeps every message; refuses recipients at bounce.test (and those `missing`) as bad
    addresses, at full.test, relay.test and busy.test for reasons that pass; takes SLOW seconds
    for each at slow.test."""

    SLOW = 0.2

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.missing = set()  # addresses with no mailbox yet (5.1.1), whatever their domain

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@bounce.test") or address in self.missing:
            return "550 5.1.1 no such user"
        if address.endswith("@full.test"):  # for now: tried again later
            return "452 4.2.2 mailbox full"
        if address.endswith("@relay.test"):  # the portal's relay, not the address: again later
            return "554 5.7.1 Relay access denied"
        if address.endswith("@busy.test"):  # the server goes away (smtplib hangs up)
            return "421 4.3.2 shutting down"
        if address.endswith("@slow.test"):  # a relay that answers slowly
            await asyncio.sleep(self.SLOW)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)  # a little slow, so that racing workers overlap
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.config = mailer.SmtpConfig(host="127.0.0.1", port=controller.port, starttls=False,
                                       sender="Skoleportalen <portal@skole.test>", timeout=10)
    yield handler
    controller.stop()


def _smtp_env(monkeypatch, port):
    """The SMTP server of the `smtp` fixture, for the commands (as PORTAL_SMTP_*)."""
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
    monkeypatch.setenv("PORTAL_SMTP_STARTTLS", "0")


def _queue(n, domain="skole.test"):
    now = utcnow()
    for i in range(n):
        Outbox.create(recipient=f"user{i}@{domain}", subject=f"Sak {i}", body=f"Body {i}\n",
                      dedupe_key=f"test:{domain}:{i}", next_attempt_at=now, created_at=now)


def _ids(messages):
    return [m["Message-ID"] for m in messages]


def test_worker_delivers_each_mail_and_marks_it_sent(db, smtp):
    _queue(3)
    counts = mailer.deliver_batch("w1", smtp.config)
    assert counts == {"sent": 3, "failed": 0}
    assert sorted(m["To"] for m in smtp.messages) == [f"user{i}@skole.test" for i in range(3)]
    assert all(o.status == "sent" and o.sent_at and o.attempts == 1 for o in Outbox.select())
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 0}
    assert len(smtp.messages) == 3


def test_smtp_down_keeps_mail_and_retries_with_backoff(db, smtp):
    _queue(2)
    down = mailer.SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    assert mailer.deliver_batch("w1", down) == {"sent": 0, "failed": 2}
    rows = list(Outbox.select())
    assert all(r.status == "pending" and r.attempts == 1 and r.last_error for r in rows)
    assert all(r.next_attempt_at > utcnow() + timedelta(seconds=30) for r in rows)
    # Not due yet: a restarted worker does not hammer the server.
    assert mailer.deliver_batch("w2", smtp.config) == {"sent": 0, "failed": 0}
    later = utcnow() + mailer.backoff(1) + timedelta(seconds=1)
    assert mailer.deliver_batch("w2", down, now=later) == {"sent": 0, "failed": 2}
    assert {r.attempts for r in Outbox.select()} == {2}
    assert min(r.next_attempt_at for r in Outbox.select()) >= later + mailer.backoff(2)
    # SMTP is back: each mail goes exactly once.
    much_later = later + timedelta(hours=1)
    assert mailer.deliver_batch("w2", smtp.config, now=much_later) == {"sent": 2, "failed": 0}
    assert len(smtp.messages) == 2 and len(set(_ids(smtp.messages))) == 2


def test_smtp_that_does_not_answer_fails_the_batch_once(db):
    """A server that takes the connection and never greets: the first mail waits out the time
    limit, and the rest of the batch fails with it without a connection each (each would wait
    as long, and 50 of them hold their claims past CLAIM_TIMEOUT)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)  # and never a word

    threading.Thread(target=accept, daemon=True).start()
    silent = mailer.SmtpConfig(host="127.0.0.1", port=listener.getsockname()[1],
                               starttls=False, timeout=0.5)
    try:
        _queue(3)
        assert mailer.deliver_batch("w1", silent) == {"sent": 0, "failed": 3}
        assert len(accepted) == 1
        rows = list(Outbox.select())
        assert {(r.status, r.attempts, r.claimed_by) for r in rows} == {("pending", 1, None)}
        assert all("timed out" in r.last_error for r in rows)
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


def test_backoff_doubles_and_is_capped():
    assert [mailer.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert mailer.backoff(30) == mailer.MAX_RETRY


def test_a_refused_recipient_does_not_stop_the_others_and_ends_failed(db, smtp):
    """A recipient refused for a reason that may pass (4xx; the relay's policy, 5.7.1) is
    tried again until its attempts are used up; a bad address (5.1.1: no such user) fails at
    once. Either is kept, never dropped. A 421 hangs up: the next mail gets a new
    connection."""
    _queue(1, domain="busy.test")
    _queue(2)
    _queue(1, domain="full.test")
    _queue(1, domain="relay.test")
    _queue(1, domain="bounce.test")
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 2, "failed": 4}
    assert sorted(m["To"] for m in smtp.messages) == ["user0@skole.test", "user1@skole.test"]
    for domain, code in (("busy.test", "421"), ("full.test", "452"), ("relay.test", "554")):
        again = Outbox.get(Outbox.recipient == f"user0@{domain}")
        assert again.status == "pending" and code in again.last_error
    full = Outbox.get(Outbox.recipient == "user0@full.test")
    bounced = Outbox.get(Outbox.recipient == "user0@bounce.test")
    assert bounced.status == "failed" and bounced.attempts == 1 and "550" in bounced.last_error
    Outbox.update(attempts=mailer.MAX_ATTEMPTS - 1).where(Outbox.id == full.id).execute()
    mailer.deliver_batch("w1", smtp.config, now=utcnow() + timedelta(days=1))
    assert Outbox.get_by_id(full.id).status == "failed"
    assert mailer.retry_failed() == 2
    assert {o.status for o in Outbox.select().where(Outbox.id.in_([full.id, bounced.id]))} == {
        "pending"}


def test_only_a_bad_address_is_refused_for_good():
    from smtplib import SMTPDataError, SMTPRecipientsRefused

    def refused(*answers):
        return mailer.refused_for_good(SMTPRecipientsRefused(
            {f"u{i}@x": answer for i, answer in enumerate(answers)}))

    assert refused((550, b"5.1.1 <u0@x>: Recipient address rejected: User unknown"))
    assert refused((553, b"5.1.3 bad address syntax"), (550, b" 5.1.10 no such domain"))
    assert refused((550, b"5.1.2 no such domain"), (551, b"5.1.6 mailbox has moved"))
    assert not refused((550, b"5.1.1 no such user"), (451, b"4.3.0 try later"))
    for answer in [(550, b"no such user"),  # no enhanced code: it might be the relay's policy
                   (554, b"5.7.1 Relay access denied"), (530, b"5.7.0 Authentication required"),
                   (550, b"5.4.5 Daily sending quota exceeded"), (552, b"5.2.2 Mailbox full"),
                   (452, b"4.2.2 mailbox full"), (450, b"5.1.1 odd, but a 4xx"),
                   # about the sender's address, the portal's own: not the recipient's fault
                   (550, b"5.1.8 Access denied, bad outbound sender"),
                   (550, b"5.1.7 bad sender mailbox syntax"),
                   (550, b"5.1.0 <portal@skole.test>: Sender address rejected"),
                   (550, b"5.1.11 not one of the address's own codes")]:
        assert not refused(answer), answer
    assert not refused()
    assert not mailer.refused_for_good(SMTPDataError(554, b"5.1.1 rejected"))
    assert not mailer.refused_for_good(ConnectionRefusedError())


def test_a_dead_workers_claim_is_taken_over_after_the_timeout(db, smtp):
    _queue(3)
    token, rows = mailer.claim("dead-worker", 10)
    assert len(rows) == 3
    assert mailer.deliver_batch("w2", smtp.config) == {"sent": 0, "failed": 0}
    later = utcnow() + mailer.CLAIM_TIMEOUT + timedelta(seconds=5)
    assert mailer.deliver_batch("w2", smtp.config, now=later) == {"sent": 3, "failed": 0}
    assert len(smtp.messages) == 3


def test_a_batch_gives_back_what_a_slow_relay_has_not_taken_in_its_time(db, smtp):
    """A relay slow enough that a batch would run past CLAIM_TIMEOUT (another worker would take
    over mails this one still holds): after its time the batch stops and gives the rest back,
    unsent, untried and due; the next round sends them, each once."""
    _queue(5, domain="slow.test")
    budget = timedelta(seconds=smtp.SLOW * 1.5)  # time for one or two mails, not three
    counts = mailer.deliver_batch("w1", smtp.config, budget=budget)
    sent = counts["sent"]
    assert counts["failed"] == 0 and 1 <= sent <= 2 and len(smtp.messages) == sent
    back = list(Outbox.select().where(Outbox.status != "sent"))
    assert len(back) == 5 - sent
    assert all((row.status, row.attempts, row.claimed_by, row.claimed_at, row.last_error)
               == ("pending", 0, None, None, None) and row.next_attempt_at <= utcnow()
               for row in back)
    total = mailer.run("w1", config=smtp.config, once=True)
    assert total["failed"] == 0 and sent + total["sent"] == 5
    ids = _ids(smtp.messages)
    assert len(ids) == 5 and len(set(ids)) == 5


def test_two_workers_racing_deliver_every_mail_exactly_once(db, smtp):
    _queue(40)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(name):
        try:
            with database.connection_context():
                barrier.wait()
                results[name] = mailer.run(name, config=smtp.config, once=True, limit=3)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    ids = _ids(smtp.messages)
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(r["sent"] for r in results.values()) == 40
    assert Outbox.select().where(Outbox.status == "sent").count() == 40
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"user{i}@skole.test"
                                                            for i in range(40))


def test_without_an_smtp_host_mail_is_printed(db):
    _queue(1)
    out = io.StringIO()
    counts = mailer.deliver_batch("dev", mailer.SmtpConfig(host=None), out=out)
    assert counts == {"sent": 1, "failed": 0}
    assert "user0@skole.test" in out.getvalue() and "Body 0" in out.getvalue()


def test_a_printed_mail_reads_as_written(db):
    """In development a link is copied from the console: whole, and the text not encoded for
    SMTP (a body with æøå went out as quoted-printable, its long lines broken with '=')."""
    link = "http://127.0.0.1:5000/password/reset/" + "WzE4LCJkYWM3NWVlZThhMjRlODU5MGE2NSJd" * 3
    now = utcnow()
    Outbox.create(recipient="elev@skole.test", subject="Skoleportalen: sett nytt passord",
                  body=f"Åpne denne lenken innen 60 minutter for å velge nytt passord: {link}\n",
                  dedupe_key="test:print", next_attempt_at=now, created_at=now)
    out = io.StringIO()
    mailer.deliver_batch("dev", mailer.SmtpConfig(host=None), out=out)
    printed = out.getvalue()
    assert f"for å velge nytt passord: {link}\n" in printed
    assert "Subject: Skoleportalen: sett nytt passord" in printed
    assert "To: elev@skole.test" in printed


def test_config_from_environment():
    config = mailer.SmtpConfig.from_env({
        "PORTAL_SMTP_HOST": "smtp.skole.no", "PORTAL_SMTP_PORT": "25",
        "PORTAL_SMTP_USER": "portal", "PORTAL_SMTP_PASSWORD": "pw",
        "PORTAL_SMTP_FROM": "Portal <p@skole.no>"})
    assert (config.host, config.port, config.starttls, config.sender) == (
        "smtp.skole.no", 25, False, "Portal <p@skole.no>")
    assert mailer.SmtpConfig.from_env({"PORTAL_SMTP_HOST": "h"}).starttls is True
    assert mailer.SmtpConfig.from_env({"PORTAL_SMTP_HOST": "h",
                                       "PORTAL_SMTP_STARTTLS": "0"}).starttls is False
    assert mailer.SmtpConfig.from_env({}).host is None


def test_cli_sends_the_outbox(app, runner, smtp, monkeypatch):
    with database.connection_context():
        _queue(2)
    _smtp_env(monkeypatch, smtp.config.port)
    result = runner.invoke(args=["send-mail", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 2" in result.output and len(smtp.messages) == 2


def test_cli_in_production_without_smtp_keeps_the_outbox(app, runner, monkeypatch):
    """In development mails without an SMTP host are printed and count as sent; in
    production that would lose them: the command refuses, and the mails stay queued."""
    with database.connection_context():
        _queue(2)
    monkeypatch.delenv("PORTAL_SMTP_HOST", raising=False)
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")
    result = runner.invoke(args=["send-mail", "--once"])
    assert result.exit_code == 1 and "PORTAL_SMTP_HOST is not set" in result.output
    with database.connection_context():
        assert [r.status for r in Outbox.select()] == ["pending", "pending"]


def _kept(status, days_ago, key, now):
    at = now - timedelta(days=days_ago)
    Outbox.create(recipient=f"{key}@skole.test", subject="Sak", body="Body\n", status=status,
                  dedupe_key=key, next_attempt_at=at, created_at=at,
                  sent_at=at if status == "sent" else None)


def test_sent_mails_are_deleted_after_the_keep_time_and_no_other(db, monkeypatch):
    """Only mails sent longer ago than the keep time go, a batch a transaction; a pending or
    failed mail stays however old it is."""
    now = utcnow()
    monkeypatch.setattr(mailer, "PRUNE_BATCH", 2)
    for i in range(5):
        _kept("sent", 31 + i, f"old-sent-{i}", now)
    _kept("sent", 29, "recent-sent", now)
    _kept("pending", 60, "old-pending", now)
    _kept("failed", 60, "old-failed", now)
    _kept("sending", 60, "old-claimed", now)
    _kept("sent", 60, "sent-after-an-outage", now)  # due 60 days ago, sent yesterday
    Outbox.update(sent_at=now - timedelta(days=1)).where(
        Outbox.dedupe_key == "sent-after-an-outage").execute()
    assert mailer.prune_sent(timedelta(days=30), now, batches=2) == 4  # two batches a round
    assert mailer.prune_sent(timedelta(days=30), now) == 1
    assert sorted(o.dedupe_key for o in Outbox.select()) == [
        "old-claimed", "old-failed", "old-pending", "recent-sent", "sent-after-an-outage"]
    assert mailer.prune_sent(None, now + timedelta(days=999)) == 0  # kept for good
    assert Outbox.select().count() == 5


def test_the_keep_time_comes_from_the_environment():
    assert mailer.keep_sent({}) == timedelta(days=mailer.KEEP_SENT_DAYS)
    assert mailer.keep_sent({"PORTAL_OUTBOX_KEEP_DAYS": "7"}) == timedelta(days=7)
    assert mailer.keep_sent({"PORTAL_OUTBOX_KEEP_DAYS": "0"}) is None
    with pytest.raises(ValueError):
        mailer.keep_sent({"PORTAL_OUTBOX_KEEP_DAYS": "-1"})


def test_the_worker_sends_then_deletes_what_was_kept_long_enough(db, smtp, monkeypatch):
    monkeypatch.setenv("PORTAL_OUTBOX_KEEP_DAYS", "30")
    _kept("sent", 40, "old-sent", utcnow())
    _queue(1)
    total = mailer.run("w", config=smtp.config, once=True, interval=0)
    assert total == {"sent": 1, "failed": 0}
    assert [o.dedupe_key for o in Outbox.select()] == ["test:skole.test:0"]



def _status(runner, *args):
    result = runner.invoke(args=["mail-status", "--check", *args])
    return result.exit_code, result.output


def _back(minutes, *keys, **fields):
    """The mails with these dedupe keys queued (and due) `minutes` ago."""
    at = utcnow() - timedelta(minutes=minutes)
    Outbox.update(created_at=at, next_attempt_at=at, **fields).where(
        Outbox.dedupe_key.in_(keys)).execute()


def test_mail_status_reports_a_worker_that_does_not_run(app, runner, smtp, monkeypatch):
    """Monitoring's first question: a mail due for longer than --late-after that no worker
    has sent (nor left claimed when it died) means none runs; exit 1 until one sends it."""
    assert _status(runner) == (0, "waiting: 0\ndue for more than 30 min and not sent: 0\n"
                                  "queued more than 30 min ago and still failing: 0\n"
                                  "failed for good: 0\n"
                                  "not sent before their end: 0 (0 queued in the last 24 hours)\n"
                                  "sent in the last 24 hours: 0\nOK\n")
    with database.connection_context():
        _queue(3)
        _back(45, "test:skole.test:0")
        # a worker claimed this one 20 minutes ago and died while sending it
        _back(45, "test:skole.test:1", status="sending", claimed_by="dead",
              claimed_at=utcnow() - timedelta(minutes=20))
    code, output = _status(runner)
    assert code == 1
    assert "waiting: 3 (the oldest queued 45 min ago)\n" in output
    assert "due for more than 30 min and not sent: 2\n" in output
    assert "queued more than 30 min ago and still failing: 0\n" in output
    assert ("PROBLEM: 2 mail(s) due for more than 30 min have not been sent: is the worker "
            "(send-mail) running, or is it slowed down (a slow relay, a burst)?") in output
    assert "OK" not in output
    assert _status(runner, "--late-after", "60")[0] == 0  # the limit is the administrator's
    without_check = runner.invoke(args=["mail-status"])
    assert without_check.exit_code == 0 and "PROBLEM" not in without_check.output
    _smtp_env(monkeypatch, smtp.config.port)
    assert runner.invoke(args=["send-mail", "--once"]).exit_code == 0
    assert len(smtp.messages) == 3  # the dead worker's claim taken over
    code, output = _status(runner)
    assert code == 0 and "waiting: 0\n" in output and "sent in the last 24 hours: 3" in output


def test_mail_status_reports_smtp_that_keeps_failing_until_the_mail_goes(
        app, runner, smtp, monkeypatch):
    """SMTP down: the worker tries the mail again and again (due, then tried: never "not
    sent" by a worker), and once it was queued --late-after ago it is reported as still
    failing, with the error. After SMTP is fixed, --retry-failed tries it at once instead of
    at its next attempt, up to six hours away."""
    down = mailer.SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    with database.connection_context():
        _queue(1)
        start = now = utcnow()
        while now < start + timedelta(minutes=31):  # a worker that runs, SMTP that does not
            assert mailer.deliver_batch("w1", down, now=now) == {"sent": 0, "failed": 1}
            now = Outbox.get().next_attempt_at
        at = start + timedelta(minutes=32)
        status = mailer.outbox_status(at)
        assert (status.waiting, status.retrying, status.not_taken, status.failing) == (1, 1, 0, 1)
        assert "ConnectionRefusedError" in status.error_waiting
        assert mailer.outbox_status(start + timedelta(minutes=29)).problems == []
        _back(40, "test:skole.test:0")  # (as seen from now: queued 40 minutes ago)
        Outbox.update(next_attempt_at=now).execute()  # and its next attempt to come
    code, output = _status(runner)
    assert code == 1
    assert "  after failed attempts: 1, the newest one's error: ConnectionRefusedError" in output
    assert "due for more than 30 min and not sent: 0\n" in output
    assert "queued more than 30 min ago and still failing: 1\n" in output
    assert ("PROBLEM: 1 mail(s) queued more than 30 min ago still fail (the newest error "
            "above): fix SMTP (or, for one recipient, see docs/operations.md), then send-mail "
            "--retry-failed --once") in output
    _smtp_env(monkeypatch, smtp.config.port)
    assert runner.invoke(args=["send-mail", "--once"]).exit_code == 0
    assert smtp.messages == []  # its next attempt has not come
    retried = runner.invoke(args=["send-mail", "--retry-failed", "--once"])
    assert "0 failed mail(s) queued again, 1 waiting for their next attempt due now." \
        in retried.output
    assert len(smtp.messages) == 1
    code, output = _status(runner)
    assert code == 0 and "failing: 0\n" in output and "sent in the last 24 hours: 1" in output


def test_mail_status_reports_mails_that_failed_for_good(app, runner, smtp, monkeypatch):
    """An address the server refuses for good (5xx) fails at once, where a 4xx refusal is
    tried again; a mail failed for good is a problem, with its error, until an administrator
    retries it (and it goes) or deletes it."""
    with database.connection_context():
        _queue(1, domain="bounce.test")
        _queue(1, domain="full.test")
        assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 2}
        assert Outbox.get(Outbox.recipient == "user0@bounce.test").status == "failed"
        assert Outbox.get(Outbox.recipient == "user0@full.test").status == "pending"
    code, output = _status(runner)
    assert code == 1
    assert ("failed for good: 1\n  the newest one's error: address refused: "
            "SMTPRecipientsRefused") in output
    assert "550" in output and "452" in output  # each with its own error
    assert "PROBLEM: 1 mail(s) failed for good: fix SMTP, then send-mail --retry-failed" in output
    _smtp_env(monkeypatch, smtp.config.port)
    retried = runner.invoke(args=["send-mail", "--retry-failed", "--once"])
    assert "1 failed mail(s) queued again, 1 waiting for their next attempt due now." \
        in retried.output
    assert _status(runner)[0] == 1
    with database.connection_context():  # tried again, and refused again
        bounced = Outbox.get(Outbox.recipient == "user0@bounce.test")
        assert (bounced.status, bounced.attempts) == ("failed", 1)
        assert bounced.next_attempt_at > utcnow()
        full = Outbox.get(Outbox.recipient == "user0@full.test")
        assert full.attempts == 2  # its attempts so far still count
    # what docs/operations.md gives for an address that will never take it
    deleted = runner.invoke(args=["mail-failed", "--delete", "user0@bounce.test"])
    assert deleted.exit_code == 0, deleted.output
    code, output = _status(runner)
    assert code == 0 and "failed for good: 0\n" in output


def test_mail_failed_lists_them_and_deletes_those_to_an_address(app, runner, smtp):
    """For IT staff without SQL: the mails failed for good, newest first, each with whether a
    user still has its address; `--delete ADDRESS` removes the failed ones to it (any case,
    those past their end with them), leaves what still waits, and says who still has it."""
    from portal.models import User
    from portal.notifications.notify import queue_mail

    with database.connection_context():
        User.create(username="ola", full_name="Ola", email="User0@Bounce.test", password_hash="x")
        _queue(2, domain="bounce.test")
        assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 2}
        queue_mail("User0@Bounce.test", "Passord", "Lenke\n", "reset:1",
                   expires_at=utcnow() - timedelta(minutes=1))
        mailer.claim("w1", 10)  # past its end: failed, and not listed
        _queue(1, domain="full.test")
        _back(60, "test:bounce.test:0")
        first, second = (Outbox.get(Outbox.dedupe_key == f"test:bounce.test:{i}").id
                         for i in (0, 1))
        total, rows = mailer.failed_for_good(limit=1)
        assert total == 2 and [row.id for row in rows] == [second]
    listed = runner.invoke(args=["mail-failed"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0] == "failed for good: 2" and len(lines) == 3
    assert lines[1].startswith(f"#{second} queued ") and lines[2].startswith(f"#{first} queued ")
    assert " UTC to user1@bounce.test (no user has this address now), 1 attempt(s): " \
        "address refused: SMTPRecipientsRefused" in lines[1]
    assert "to user0@bounce.test (still the address of: ola)" in lines[2]
    assert "5.1.1" in lines[2]

    deleted = runner.invoke(args=["mail-failed", "--delete", " USER0@bounce.test "])
    assert deleted.exit_code == 0
    assert deleted.output == ("Deleted 2 failed mail(s) to USER0@bounce.test.\n"
                              "It is still the address of: ola. Correct it (import-users), or "
                              "their next mails fail as well.\n")
    again = runner.invoke(args=["mail-failed", "--delete", "user0@bounce.test"])
    assert again.exit_code == 1 and "No failed mail to user0@bounce.test." in again.output
    waiting = runner.invoke(args=["mail-failed", "--delete", "user0@full.test"])
    assert waiting.exit_code == 1  # still waiting: the worker's, not deleted
    assert runner.invoke(args=["mail-failed", "--delete", "user1@bounce.test"]).output == \
        "Deleted 1 failed mail(s) to user1@bounce.test.\n"
    assert runner.invoke(args=["mail-failed"]).output == "failed for good: 0\n"
    with database.connection_context():
        assert [row.recipient for row in Outbox.select()] == ["user0@full.test"]


def test_mail_status_reports_password_links_not_sent_before_their_end(app, runner, smtp):
    """A password link not sent before its end (the worker did not run, or SMTP failed all
    its hour) is nothing left to send, but a user went without it: a problem for the 24 hours
    after it was asked for, counted apart from mails to retry. One refused as a bad address
    is failed for good until its end, then counted with them, and --retry-failed leaves it.
    A mail sent days ago is not "in the last 24 hours"."""
    from portal.notifications.notify import queue_mail

    with database.connection_context():
        now = utcnow()
        queue_mail("elev@skole.test", "Passord", "Lenke\n", "reset:1",
                   expires_at=now - timedelta(days=2) + timedelta(hours=1))
        _back(2 * 24 * 60, "reset:1")
        mailer.claim("w1", 10)  # finds it past its end
        assert Outbox.get(Outbox.dedupe_key == "reset:1").status == "failed"
        _kept("sent", 2, "sent-two-days-ago", now)
        _kept("sent", 0, "sent-today", now)
    code, output = _status(runner)
    assert code == 0, output
    assert ("failed for good: 0\nnot sent before their end: 1 (0 queued in the last 24 hours)"
            "\nsent in the last 24 hours: 1\n") in output
    assert "error" not in output

    with database.connection_context():
        queue_mail("elev@skole.test", "Passord", "Lenke\n", "reset:2",
                   expires_at=utcnow() - timedelta(minutes=1))
        mailer.claim("w1", 10)
    code, output = _status(runner)
    assert code == 1
    assert "not sent before their end: 2 (1 queued in the last 24 hours)" in output
    assert ("PROBLEM: 1 password link(s) of the last 24 hours were not sent before their end"
            in output)

    with database.connection_context():
        queue_mail("borte@bounce.test", "Passord", "Lenke\n", "reset:3",
                   expires_at=utcnow() + timedelta(hours=1))
        assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 1}
        status = mailer.outbox_status()
        assert (status.failed, status.expired) == (1, 2) and "5.1.1" in status.error_failed
        later = utcnow() + timedelta(hours=2)
        status = mailer.outbox_status(later)
        assert (status.failed, status.expired, status.error_failed) == (0, 3, None)
        queue_mail("elev@full.test", "Passord", "Lenke\n", "reset:4",
                   expires_at=utcnow() + timedelta(hours=1))
        assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 1}
        assert Outbox.get(Outbox.dedupe_key == "reset:4").status == "pending"  # (452)
        Outbox.update(expires_at=utcnow() - timedelta(minutes=1)).where(
            Outbox.dedupe_key.in_(["reset:3", "reset:4"])).execute()
        # past their end: neither a new round nor an attempt now
        assert mailer.retry_failed() == 0 and mailer.retry_waiting() == 0


def test_mail_status_refuses_a_late_limit_under_a_minute(app, runner):
    result = runner.invoke(args=["mail-status", "--late-after", "0"])
    assert result.exit_code == 2 and "--late-after" in result.output


def test_a_user_whose_address_the_server_refused_is_told_in_the_portal(
        app, client, auth, school, smtp, runner):
    """An address refused for good (no such mailbox) is one only the school can correct: its
    owner reads so on the notifications and e-mail settings pages. Not for a mail that used up
    its attempts (SMTP down is not theirs to fix), another user's address, or once the address
    is corrected or the failed mail deleted."""
    from portal.models import User
    from portal.notifications.notify import queue_mail

    User.update(email="Elev1@Bounce.test").where(User.id == school.elev1.id).execute()
    User.update(email="laerer1@full.test").where(User.id == school.laerer1.id).execute()
    queue_mail("elev1@bounce.test", "Sak", "Lenke\n", "refused:1")
    queue_mail("laerer1@full.test", "Sak", "Lenke\n", "full:1")
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 2}
    Outbox.update(attempts=mailer.MAX_ATTEMPTS - 1, next_attempt_at=utcnow()).where(
        Outbox.dedupe_key == "full:1").execute()
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 1}
    full = Outbox.get(Outbox.dedupe_key == "full:1")
    assert full.status == "failed" and not full.last_error.startswith(mailer.ADDRESS_REFUSED)
    assert Outbox.get(Outbox.dedupe_key == "refused:1").last_error.startswith(
        "address refused: SMTPRecipientsRefused")
    told = ("E-post til Elev1@Bounce.test kommer ikke fram: e-posttjeneren svarer at adressen "
            "ikke finnes. Be skolens kontor rette adressen.")

    auth.login("elev1")
    for url in ("/notifications/", "/notifications/preferences"):
        assert told in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login("laerer1")
    for url in ("/notifications/", "/notifications/preferences"):
        assert "kommer ikke fram" not in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login("elev1")
    User.update(email="elev1@skole.test").where(User.id == school.elev1.id).execute()
    assert "kommer ikke fram" not in client.get("/notifications/").get_data(as_text=True)
    User.update(email="elev1@bounce.test").where(User.id == school.elev1.id).execute()
    assert "kommer ikke fram" in client.get("/notifications/").get_data(as_text=True)
    assert runner.invoke(args=["mail-failed", "--delete", "elev1@bounce.test"]).exit_code == 0
    assert "kommer ikke fram" not in client.get("/notifications/").get_data(as_text=True)


def test_an_address_that_takes_a_mail_later_gets_the_refused_ones_and_no_warning(
        app, client, auth, school, smtp):
    """A mailbox created after the import: its first mail is refused as no such user, and the
    user told; once the address takes a mail, the refused one is sent after all (once) and
    the warning is gone, on its own."""
    from portal.models import User
    from portal.notifications.notify import queue_mail

    User.update(email="elev1@skole.test").where(User.id == school.elev1.id).execute()
    smtp.missing.add("elev1@skole.test")
    queue_mail("elev1@skole.test", "Sak 1", "Lenke\n", "first")
    queue_mail("annen@bounce.test", "Sak 1", "Lenke\n", "other")
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 2}
    auth.login("elev1")
    assert "kommer ikke fram" in client.get("/notifications/").get_data(as_text=True)
    smtp.missing.clear()  # the mailbox now exists
    queue_mail("Elev1@Skole.test", "Sak 2", "Lenke\n", "second")
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 1, "failed": 0}
    first = Outbox.get(Outbox.dedupe_key == "first")
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at <= utcnow()
    assert Outbox.get(Outbox.dedupe_key == "other").status == "failed"  # another address
    assert "kommer ikke fram" not in client.get("/notifications/").get_data(as_text=True)
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 1, "failed": 0}
    assert sorted(m["Subject"] for m in smtp.messages) == ["Sak 1", "Sak 2"]
    assert mailer.deliver_batch("w1", smtp.config) == {"sent": 0, "failed": 0}


def test_mail_failed_matches_an_address_written_as_it_is_stored(app, runner):
    """Letters beyond a–z (æ, ø, å) compare as the database lowers them (on SQLite, and on
    PostgreSQL in the C locale, only a–z): the address as the list shows it always matches
    its user and its mails."""
    from portal.models import User

    with database.connection_context():
        User.create(username="oyvind", full_name="Øyvind", email="Øyvind@Bounce.test",
                    password_hash="x")
        Outbox.create(recipient="Øyvind@Bounce.test", subject="Sak", body="Lenke\n",
                      dedupe_key="refused:ø", status="failed", attempts=1,
                      last_error=f"{mailer.ADDRESS_REFUSED}SMTPRecipientsRefused: 5.1.1")
        assert mailer.address_refused("Øyvind@Bounce.test")
        assert mailer.address_refused(" Øyvind@BOUNCE.test ")  # a–z in any case
    listed = runner.invoke(args=["mail-failed"]).output
    assert "to Øyvind@Bounce.test (still the address of: oyvind)" in listed
    deleted = runner.invoke(args=["mail-failed", "--delete", "Øyvind@Bounce.test"])
    assert deleted.exit_code == 0 and "Deleted 1 failed mail(s)" in deleted.output
    assert "It is still the address of: oyvind." in deleted.output
