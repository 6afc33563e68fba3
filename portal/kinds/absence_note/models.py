"""What a student's absence note says, beside its case."""

from peewee import BooleanField, CharField, DateField, ForeignKeyField, TextField

from portal.models import Case
from portal.models.base import BaseModel, JSONText


class AbsenceNote(BaseModel):
    """Whole days (first_day..last_day) or single lessons (lesson_day + lessons "1,2") with a
    category; or a request to correct wrongly recorded absence (category "correction")."""

    case = ForeignKeyField(Case, unique=True, backref="absence_note", on_delete="CASCADE")
    category = CharField(max_length=16)
    scope = CharField(max_length=8)  # days | lessons
    first_day = DateField(null=True)
    last_day = DateField(null=True)
    lesson_day = DateField(null=True)
    lessons = CharField(max_length=64, default="")
    chronic = BooleanField(default=False)  # the documentation is of a chronic condition
    records = JSONText(null=True)  # correction: ids of the records said to be wrong
    explanation = TextField(default="")
    missing = TextField(default="")  # what the reviewer asked for
    outcome = JSONText(null=True)  # what acceptance did (days struck, over the caps, ...)

    @property
    def lesson_numbers(self) -> list[int]:
        return [int(n) for n in self.lessons.split(",") if n.strip()]
