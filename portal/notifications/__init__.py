"""Notifications: in the portal (a count in the header, a list) and by e-mail through an
outbox delivered by `flask --app wsgi send-mail`; deadline reminders by `send-reminders`."""

import sys
from datetime import date

import click
from peewee import fn

from portal.cases import engine
from portal.i18n import gettext as _
from portal.menu import link, source
from portal.models.people import register_user_state
from portal.notifications import models  # noqa: F401  (the tables, for all_tables())
from portal.notifications.notify import (
    on_event,
    remember_app,
    unread_count,
    unread_label,
    unread_query,
)
from portal.notifications.views import bp

if on_event not in engine.listeners:
    engine.listeners.append(on_event)
register_user_state(unread_query)  # the menu's count, read with the user (User.load)


@bp.record_once
def _setup(state):
    remember_app(state.app)


@source(20, bp.name)
def _menu(user, here):
    """The menu's link to the notifications, with the unread count."""
    known = getattr(user, "state", {}).get(unread_query)  # read with the user (User.load)
    unread = known if known is not None else unread_count(user.id)
    return [link(_("Notifications"), "notifications.index", here == "notifications.index",
                 count=unread_label(unread) if unread else 0, count_label=str(_("unread")))]


@bp.cli.command("send-mail")
@click.option("--once", is_flag=True, help="Stop when nothing more is due (for cron).")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
@click.option("--batch", default=50, show_default=True, help="Mails claimed per round.")
@click.option("--retry-failed", is_flag=True, help="After fixing SMTP: first give failed "
              "mails a new round, and try those waiting for their next attempt now.")
def send_mail(once, interval, batch, retry_failed):
    """Deliver the e-mail outbox over SMTP (PORTAL_SMTP_*; in development, printed when no
    host is set)."""
    from flask import current_app

    from portal.db import database
    from portal.notifications import mailer

    config = mailer.SmtpConfig.from_env()
    if not config.host and current_app.config["PORTAL_ENV"] == "production":
        # printing would mark every mail sent and lose it
        raise click.ClickException(
            "PORTAL_SMTP_HOST is not set. In production the outbox is sent over SMTP only; "
            "the mails stay queued until it is set (docs/operations.md).")
    if retry_failed:
        with database.connection_context():
            click.echo(f"{mailer.retry_failed()} failed mail(s) queued again, "
                       f"{mailer.retry_waiting()} waiting for their next attempt due now.")
    total = mailer.run(config=config, once=once, interval=interval, limit=batch)
    failed = f", failed {total['failed']} (tried again later)" if total["failed"] else ""
    click.echo(f"Sent {total['sent']}{failed}.")


@bp.cli.command("mail-status")
@click.option("--check", is_flag=True, help="Exit with 1 when something needs an "
              "administrator (for monitoring).")
@click.option("--quiet", is_flag=True, help="With --check: print nothing when all is well "
              "(for cron, which mails any output).")
@click.option("--late-after", default=30, show_default=True, type=click.IntRange(1, 7 * 24 * 60),
              help="Minutes a mail may wait before it counts as late.")
def mail_status(check, quiet, late_after):
    """How the e-mail outbox stands: waiting, late, failed, sent in the last 24 hours."""
    from datetime import timedelta

    from portal.db import database
    from portal.models import utcnow
    from portal.notifications import mailer

    now = utcnow()
    with database.connection_context():
        status = mailer.outbox_status(now, timedelta(minutes=late_after))
    if check and quiet and not status.problems:
        return
    oldest = ""
    if status.oldest_waiting is not None:
        minutes = int((now - status.oldest_waiting).total_seconds() // 60)
        oldest = f" (the oldest queued {minutes} min ago)"
    click.echo(f"waiting: {status.waiting}{oldest}")
    if status.retrying:
        click.echo(f"  after failed attempts: {status.retrying}, the newest one's error: "
                   f"{status.error_waiting}")
    click.echo(f"due for more than {late_after} min and not sent: {status.not_taken}")
    click.echo(f"queued more than {late_after} min ago and still failing: {status.failing}")
    click.echo(f"failed for good: {status.failed}")
    if status.error_failed:
        click.echo(f"  the newest one's error: {status.error_failed}")
    click.echo(f"not sent before their end: {status.expired} "
               f"({status.expired_last_day} queued in the last 24 hours)")
    click.echo(f"sent in the last 24 hours: {status.sent_last_day}")
    if check:
        for problem in status.problems:
            click.echo(f"PROBLEM: {problem}")
        if not status.problems:
            click.echo("OK")
        sys.exit(1 if status.problems else 0)


@bp.cli.command("mail-failed")
@click.option("--delete", "address", default=None, metavar="ADDRESS",
              help="Delete the failed mails to this address (one that can never take them).")
def mail_failed(address):
    """List the mails that failed for good (the newest 50), or delete those to one address."""
    from portal.db import database
    from portal.models import User
    from portal.notifications import mailer

    def users_of(address):
        """Who has this address now (any case, compared as the outbox is: in SQL): a wrong
        one still on a user fails again."""
        return [name for (name,) in User.select(User.username)
                .where(fn.LOWER(User.email) == fn.LOWER(address.strip()))
                .order_by(User.username).tuples()]

    with database.connection_context():
        if address is not None:
            address = address.strip()
            with database.atomic():
                deleted = mailer.delete_failed(address)
            if not deleted:
                raise click.ClickException(f"No failed mail to {address}.")
            click.echo(f"Deleted {deleted} failed mail(s) to {address}.")
            users = users_of(address)
            if users:
                click.echo(f"It is still the address of: {', '.join(users)}. Correct it "
                           "(import-users), or their next mails fail as well.")
            return
        total, rows = mailer.failed_for_good()
        # (a query an address: up to 50, for an administrator's command)
        users = {row.recipient: users_of(row.recipient) for row in rows}
    click.echo(f"failed for good: {total}" + (f" (the newest {len(rows)} below)"
                                              if total > len(rows) else ""))
    for row in rows:
        whose = users[row.recipient]
        now_of = (f"still the address of: {', '.join(whose)}" if whose
                  else "no user has this address now")
        click.echo(f"#{row.id} queued {row.created_at:%Y-%m-%d %H:%M} UTC to {row.recipient} "
                   f"({now_of}), {row.attempts} attempt(s): {row.last_error}")


@bp.cli.command("send-reminders")
@click.option("--today", "today_", default=None, help="Run as if today were YYYY-MM-DD.")
def send_reminders_cmd(today_):
    """Remind staff of answers due soon or overdue and students of their closing deadlines."""
    from portal.db import database
    from portal.notifications.reminders import send_reminders
    from portal.rules.calendar import today

    day = date.fromisoformat(today_) if today_ else today()
    with database.connection_context():
        counts = send_reminders(day)
    click.echo(f"Reminders for {day.isoformat()}: {counts['sent']} sent, "
               f"{counts['already']} already sent before.")
