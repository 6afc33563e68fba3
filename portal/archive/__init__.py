"""Archive export of decisions and signed protocols: `flask --app wsgi archive-export` and
an administrator's page (/admin/archive)."""

from datetime import date, timedelta
from pathlib import Path

import click

from portal.archive.views import bp


@bp.cli.command("archive-export")
@click.option("--day", "day_", default=None, help="YYYY-MM-DD (default: yesterday, Oslo).")
@click.option("--out", "out", default="archive", show_default=True, type=click.Path(),
              help="Folder to write into.")
@click.option("--zip", "as_zip", is_flag=True, help="One zip per day instead of a folder.")
@click.option("--school", default=None, help="Only this school (code).")
def archive_export(day_, out, as_zip, school):
    """Export a day's decision letters and signed protocols: a PDF and a metadata JSON each."""
    from portal.archive.export import export
    from portal.db import database
    from portal.models import School
    from portal.rules.calendar import today

    day = date.fromisoformat(day_) if day_ else today() - timedelta(days=1)
    with database.connection_context():
        schools = None
        if school:
            found = School.get_or_none(School.code == school)
            if found is None:
                raise click.ClickException(f"No school with code {school!r}.")
            schools = [found]
        path, count = export(day, Path(out), as_zip=as_zip, schools=schools)
    click.echo(f"{count} document(s) for {day.isoformat()} written to {path}")
