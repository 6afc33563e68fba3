"""The cron lines of docs/operations.md, run as cron runs them: each line's command through
/bin/sh with cron's bare environment, reading the environment file exactly as
docs/production.md gives it. Only what cannot be the same here is replaced: the release's
directory and virtualenv (this checkout's), the file's path, and the values that name other
machines (the database, the SMTP server: the test's own) or hold a secret."""

import re
import secrets
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from portal.rules.calendar import today
from tests.documents import ROOT, blocks
from tests.test_notifications_outbox import _back, _queue, smtp  # noqa: F401  (smtp: a fixture)

FLASK = Path(sys.executable).parent / "flask"


def documented_environment() -> str:
    """The environment file of docs/production.md."""
    [block] = [b for b in blocks("production.md", "sh") if b.startswith("PORTAL_ENV=")]
    return block


def documented_cron_commands() -> list[str]:
    """The command of every crontab line in docs/operations.md."""
    commands = []
    for block in blocks("operations.md", "cron"):
        for line in block.splitlines():
            if line.strip() and not line.startswith("#"):
                commands.append(line.split(None, 5)[5])
    return commands


def _set(text: str, name: str, value: str) -> str:
    new, count = re.subn(rf"^{name}=.*$", lambda _: f"{name}={shlex.quote(value)}", text,
                         flags=re.M)
    assert count == 1, f"docs/production.md's environment file no longer sets {name} once"
    return new


def test_the_documented_cron_lines_run_as_written(app, database_url, school, smtp,  # noqa: F811
                                                  tmp_path):
    env = documented_environment()
    env = _set(env, "SECRET_KEY", secrets.token_hex(32))
    env = _set(env, "PORTAL_DATABASE_URL", database_url)
    env = _set(env, "PORTAL_SMTP_HOST", "127.0.0.1")
    env += f"PORTAL_SMTP_PORT={smtp.config.port}\nPORTAL_SMTP_STARTTLS=0\n"
    env_file = tmp_path / "env"
    env_file.write_text(env)
    archive = tmp_path / "arkiv"
    archive.mkdir()

    commands = documented_cron_commands()
    names = [re.search(r"flask --app wsgi ([\w-]+)", c).group(1) for c in commands]
    assert names == ["mail-status", "send-reminders", "send-mail", "archive-export"]

    def run(command, exit_code=0):
        # cron ends a command at its first unescaped %: `date +%F` would not survive there
        assert "%" not in command, command
        command = (command.replace("/srv/portal/src/venv/bin/flask", str(FLASK))
                   .replace("/srv/portal/src", str(ROOT))
                   .replace("/etc/portal/env", str(env_file))
                   .replace("/srv/arkiv", str(archive)))
        # cron's environment: hardly more than a PATH
        ran = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                  "SHELL": "/bin/sh", "LOGNAME": "portal"}, timeout=120)
        assert ran.returncode == exit_code, f"{command}\n{ran.stdout}\n{ran.stderr}"
        return ran.stdout, ran.stderr

    _queue(2)  # two mails waiting for the cron line that sends them
    for name, command in zip(names, commands, strict=True):
        printed = run(command)
        if name == "mail-status":
            assert printed == ("", "")  # nothing late yet: cron has nothing to mail

    # the mails went out, from the sender the file names (its quotes taken off by sh)
    assert sorted(m["To"] for m in smtp.messages) == ["user0@skole.test", "user1@skole.test"]
    assert {m["From"] for m in smtp.messages} == {"Skoleportalen <noreply@skole.no>"}
    # and yesterday's archive is where the line puts it
    assert (archive / f"{today() - timedelta(days=1):%Y-%m-%d}.zip").exists()
    # a mail tried once 40 minutes ago and due again since, which no worker sent: the check's
    # line prints the status for cron to mail (exit 1, which cron ignores), the SMTP error's
    # text as it is (a backslash in it is no escape)
    _queue(1, domain="late.test")
    _back(40, "test:late.test:0", attempts=1,
          last_error="SMTPDataError: (451, b'try\\nlater \\c')")
    printed, errors = run(commands[names.index("mail-status")], exit_code=1)
    assert "the newest one's error: SMTPDataError: (451, b'try\\nlater \\c')\n" in printed
    assert "due for more than 30 min and not sent: 1\n" in printed
    assert ("PROBLEM: 1 mail(s) due for more than 30 min have not been sent: is the worker "
            "(send-mail) running") in printed
    assert errors == ""
