"""Bulk loading of rows into the models' tables: executemany in batches inside one transaction
on SQLite, COPY FROM STDIN on PostgreSQL. Ids are given by the caller, so rows can refer to
each other without a round trip; PostgreSQL's sequences are moved past them afterwards."""

import io
import json
from datetime import date, datetime

from peewee import PostgresqlDatabase

BATCH = 20_000


def _columns(model, fields):
    return [model._meta.fields[name].column_name for name in fields]


def _sqlite_value(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime | date):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


class Loader:
    """Writes tuples of field values (in the order of `fields`) into a model's table."""

    def __init__(self, database):
        self.db = database
        self.postgres = isinstance(database, PostgresqlDatabase)
        self.counts: dict[str, int] = {}
        self.max_ids: dict[str, int] = {}

    def write(self, model, fields: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.table_name
        columns = _columns(model, fields)
        if self.postgres:
            self._copy(table, columns, rows)
        else:
            sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
                table, ", ".join(f'"{c}"' for c in columns), ", ".join("?" * len(columns)))
            cursor = self.db.cursor()
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                cursor.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in batch])
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if fields[0] == "id":
            self.max_ids[table] = max(self.max_ids.get(table, 0), max(r[0] for r in rows))

    def _copy(self, table, columns, rows):
        cursor = self.db.cursor()
        for start in range(0, len(rows), BATCH):
            buffer = io.StringIO()
            for row in rows[start:start + BATCH]:
                buffer.write("\t".join(_copy_value(v) for v in row))
                buffer.write("\n")
            buffer.seek(0)
            cursor.copy_expert(
                'COPY "{}" ({}) FROM STDIN'.format(table, ", ".join(f'"{c}"' for c in columns)),
                buffer)

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written; refresh planner statistics."""
        if self.postgres:
            for table, top in self.max_ids.items():
                self.db.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)", (top,))
        self.db.execute_sql("ANALYZE")

    def settle(self) -> None:
        """After the loading transaction: on PostgreSQL, VACUUM, as its documentation advises
        after a bulk load. It marks the pages all-visible, so that index-only scans need not
        visit the table, as on a database that has been running (autovacuum does it there)."""
        if self.postgres:
            self.db.execute_sql("VACUUM ANALYZE")
