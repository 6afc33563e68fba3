"""flask --app wsgi import-absence FILE: absence records from CSV, all or nothing."""

import click

from portal import db
from portal.absence import bp


@bp.cli.command("import-absence")
@click.argument("path", type=click.File("r", encoding="utf-8-sig"))
def import_absence_cmd(path):
    """Import absence records from CSV: school,date,class,subject_code,username,lesson[,...]."""
    from portal.absence.importer import import_absence
    from portal.cli import _report, english

    with db.database.connection_context(), english():
        _report(import_absence(path.read()))
