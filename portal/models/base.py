"""Base model, time helpers and a portable JSON field."""

import json
from datetime import UTC, datetime

from peewee import Model, TextField

from portal.db import database


def utcnow() -> datetime:
    """Current time as naive UTC, the one form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


class JSONText(TextField):
    """JSON kept as text: the same on SQLite and PostgreSQL, and for migrations."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False
