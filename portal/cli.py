"""Command-line tools: flask --app wsgi <command>."""

import getpass
import sys

import click

from portal import db


def register_cli(app):
    @app.cli.command("db-upgrade")
    @click.option("--check", is_flag=True,
                  help="Apply nothing: list the pending migrations, and exit with 1 if any.")
    def db_upgrade(check):
        """Apply pending migrations (a deploy step)."""
        with db.database.connection_context():
            if check:
                pending = db.pending_migrations()
                for name in pending:
                    click.echo(f"pending: {name}")
                click.echo(f"{len(pending)} migration(s) pending." if pending
                           else "Database is up to date.")
                sys.exit(1 if pending else 0)
            applied = db.migrate()
        click.echo(f"Applied {len(applied)} migration(s)." if applied
                   else "Database is up to date.")

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no school.")
    def demo_data(if_empty):
        """Load the demo schools (development only; every password is 'demo')."""
        from portal import demo

        with db.database.connection_context():
            if not demo.is_empty():
                if if_empty:
                    click.echo("Database already has data; demo school not loaded.")
                    return
                raise click.ClickException("The database is not empty.")
            demo.load()
        click.echo("Demo school loaded.")

    @app.cli.command("demo-logins")
    def demo_logins():
        """Print the demo accounts."""
        from portal import demo

        click.echo("Demo logins (password: demo):")
        for names, what in demo.demo_logins():
            click.echo(f"  {names:<48} {what}")

    @app.cli.command("create-school")
    @click.argument("code")
    @click.option("--name", required=True, help="The school's name.")
    @click.option("--profile", required=True,
                  help="Its rule profile (portal/rules/profiles/: vgs, havbruk, ...).")
    def create_school_cmd(code, name, profile):
        """Create a school: the code that imports and users name it by, its rule profile."""
        from portal.importer import create_school

        with db.database.connection_context():
            _created(create_school(code, name, profile), f"school {code}")

    @app.cli.command("create-school-year")
    @click.argument("school")
    @click.argument("name")
    @click.option("--starts", required=True, help="First day, YYYY-MM-DD.")
    @click.option("--ends", required=True, help="Last day, YYYY-MM-DD.")
    def create_school_year_cmd(school, name, starts, ends):
        """Create a school year (e.g. 2026/2027) of the school with code SCHOOL."""
        from portal.importer import create_school_year

        with db.database.connection_context():
            _created(create_school_year(school, name, starts, ends),
                     f"school year {name} of {school}")

    @app.cli.command("add-break")
    @click.argument("school")
    @click.argument("year")
    @click.option("--name", required=True, help="What the school calls it, e.g. Høstferie.")
    @click.option("--first", "first_day", required=True, help="First day, YYYY-MM-DD.")
    @click.option("--last", "last_day", default=None,
                  help="Last day, YYYY-MM-DD (the first day for a single day off).")
    def add_break_cmd(school, year, name, first_day, last_day):
        """Add a break to school year YEAR of SCHOOL: weekdays without teaching that are no
        public holiday (autumn, Christmas, winter and Easter breaks, planning days). Absence
        is neither registered nor counted on them."""
        from portal.importer import add_break

        with db.database.connection_context():
            _created(add_break(school, year, name, first_day, last_day or first_day),
                     f"break {name.strip()} in {year} of {school}")

    @app.cli.command("remove-break")
    @click.argument("school")
    @click.argument("year")
    @click.option("--first", "first_day", required=True, help="The break's first day.")
    def remove_break_cmd(school, year, first_day):
        """Remove the break of school year YEAR of SCHOOL that starts on --first."""
        from portal.importer import remove_break

        with db.database.connection_context():
            _report(remove_break(school, year, first_day), failed="No break was removed.",
                    done=f"Removed the break starting on {first_day.strip()}.")

    @app.cli.command("breaks")
    @click.argument("school")
    @click.argument("year")
    def breaks_cmd(school, year):
        """List the breaks of school year YEAR of SCHOOL, with their school days."""
        from portal.importer import list_breaks
        from portal.rules.calendar import school_days

        with db.database.connection_context():
            result, breaks = list_breaks(school, year)
        _report(result, failed="No such school year.", done=f"{len(breaks)} break(s).")
        for b in breaks:
            n = len(school_days(b.first_day, b.last_day))
            click.echo(f"{b.first_day} – {b.last_day}  {b.name} ({n} school day"
                       f"{'' if n == 1 else 's'} without teaching)")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "full_name", required=True, help="Full name.")
    @click.option("--email", default=None)
    @click.option("--role", "roles", multiple=True, required=True, help="Repeat for several.")
    @click.option("--school", default=None, help="School code the roles apply to.")
    def create_user(username, full_name, email, roles, school):
        """Create a user, or update one (the roles given are added; a forgotten password is
        set with set-password); the password is asked for twice (or read from stdin when not
        a tty)."""
        from portal.importer import import_users
        from portal.models import User

        password = _read_password()
        with db.database.connection_context():
            if email is None:  # an existing user keeps their address (a password reset)
                existing = User.by_username(username.strip().lower())
                email = existing.email if existing is not None else None
            row = ",".join([username, _csv(full_name), _csv(email or ""), ";".join(roles),
                            school or "", _csv(password)])
            text = "username,full_name,email,roles,school,password\n" + row + "\n"
            result = import_users(text, typed=True, tell=True)
        name = username.strip().lower()
        _report(result, failed=f"User {name} was not created or updated.",
                done=f"Created user {name}." if result.created else f"Updated user {name}.")

    @app.cli.command("set-password")
    @click.argument("username")
    def set_password(username):
        """Set a user's password (a forgotten one, where no e-mail link can reach them): asked
        for twice (or read from stdin when not a tty). The user's sessions end, and a login
        throttle on the account is lifted. Roles and everything else stay as they are."""
        from portal.auth import reset, throttle
        from portal.auth.passwords import hash_password
        from portal.models import User

        name = username.strip().lower()
        with db.database.connection_context():
            user = User.by_username(name)
        if user is None:
            raise click.ClickException(f"No user {name}.")
        user.password_hash = hash_password(_read_password())
        with db.database.connection_context():
            with db.database.atomic():
                if not User.update(password_hash=user.password_hash).where(
                        User.id == user.id).execute():
                    raise click.ClickException(f"No user {name}.")  # (gone meanwhile)
                reset.tell_changed(user)  # (an e-mail, where they have one)
            throttle.clear(throttle.account_key(name))
        click.echo(f"Password set for {name}; sessions they had are logged out.")

    @app.cli.command("import-users")
    @click.argument("path", type=click.File("r", encoding="utf-8-sig"))
    def import_users_cmd(path):
        """Import users from CSV: username,full_name,email,roles,school[,password]."""
        from portal.importer import import_users

        with db.database.connection_context(), english():
            _report(import_users(path.read()))

    @app.cli.command("import-classes")
    @click.argument("path", type=click.File("r", encoding="utf-8-sig"))
    def import_classes_cmd(path):
        """Import class lists from CSV: school,year,class,username,part[,subject_code,...]."""
        from portal.importer import import_classes

        with db.database.connection_context(), english():
            _report(import_classes(path.read()))

    @app.cli.command("check-profiles")
    def check_profiles():
        """Load every rule profile and report the first error."""
        from portal.rules import validate_all

        names = validate_all()
        click.echo(f"{len(names)} profile(s) OK: {', '.join(sorted(names))}")


def _read_password() -> str:
    """A password typed twice at a terminal, or one line of stdin; refused unless acceptable."""
    from portal.auth.passwords import MAX_LENGTH, MIN_LENGTH, acceptable

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise click.ClickException("The two passwords are not the same.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not acceptable(password):
        raise click.ClickException(
            f"The password must have {MIN_LENGTH} to {MAX_LENGTH} characters "
            "(not only spaces).")
    return password


def english():
    """Messages the app writes for the web in the reader's language (the CSV imports' line
    errors, shared with the administrator's pages) come out in English at the command line,
    as all of its own do."""
    from flask_babel import force_locale

    return force_locale("en")


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _created(result, what: str):
    _report(result, failed=f"{what.capitalize()} was not created.", done=f"Created {what}.")


def _report(result, failed: str | None = None, done: str | None = None):
    """Each error on its own line and a failing exit, or what was done."""
    if result.errors:
        for line in result.errors:
            click.echo(line, err=True)
        raise click.ClickException(
            failed or f"{len(result.errors)} bad row(s); nothing was imported.")
    click.echo(done or result.summary())
