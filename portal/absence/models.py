"""Absence records, cover from accepted notes, chronic-condition documents and warnings."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
)

from portal.models import Case, SchoolYear, Subject, TeachingAssignment, User
from portal.models.base import BaseModel, utcnow


class AbsenceRecord(BaseModel):
    """One student missing (all or part of) one lesson of one subject.

    `minutes_late` is 0 when the whole lesson was missed, else the minutes the student came
    late. `documented` and `struck` are kept in step with AbsenceCover rows (accepted notes);
    `category` "R" (organised study work) and `corrected` records are not absence at all.
    """

    student = ForeignKeyField(User, backref="absence_records", on_delete="CASCADE")
    assignment = ForeignKeyField(TeachingAssignment, backref="absence_records",
                                 on_delete="CASCADE")
    school_year = ForeignKeyField(SchoolYear, on_delete="CASCADE")
    date = DateField()
    lesson = IntegerField()
    minutes_late = IntegerField(default=0)
    documented = BooleanField(default=False)
    struck = BooleanField(default=False)
    category = CharField(max_length=16, null=True)
    corrected = BooleanField(default=False)
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("student", "assignment", "date", "lesson"), True),
            (("school_year", "student"), False),
            (("assignment", "date"), False),
        )

    @property
    def is_whole_lesson(self) -> bool:
        return not self.minutes_late


class AbsenceCover(BaseModel):
    """What an accepted note covers: a whole school day (lesson NULL) or one lesson, in every
    subject (subject NULL) or in one (a study leave's R, only where its teacher approved),
    and whether it is documented (outside the absence limit) and struck (kept off the
    diploma). `appeal`: the appeal whose ruling keeps a struck day off the diploma over the
    limit of school days a year (the appeals body may decide so; domain.md § 1): such a day
    is shown beside the count against the limit, not in it; NULL for every other cover."""

    student = ForeignKeyField(User, on_delete="CASCADE")
    school_year = ForeignKeyField(SchoolYear, on_delete="CASCADE")
    case = ForeignKeyField(Case, backref="absence_covers", on_delete="CASCADE")
    date = DateField()
    lesson = IntegerField(null=True)
    subject = ForeignKeyField(Subject, null=True, on_delete="CASCADE")
    category = CharField(max_length=16)
    documented = BooleanField(default=True)
    struck = BooleanField(default=False)
    # indexed where set (below; migration 034): NULL in nearly every row
    appeal = ForeignKeyField(Case, null=True, on_delete="SET NULL", backref="ruled_covers",
                             index=False)

    class Meta:
        indexes = (
            (("student", "school_year", "date"), False),
            (("case",), False),
        )


AbsenceCover.add_index(AbsenceCover.appeal, where=AbsenceCover.appeal.is_null(False))


class ChronicCondition(BaseModel):
    """A documented chronic illness or disability on file for one school year: health
    absence then counts from the first day (opplæringslova § 3-47)."""

    student = ForeignKeyField(User, on_delete="CASCADE")
    school_year = ForeignKeyField(SchoolYear, on_delete="CASCADE")
    case = ForeignKeyField(Case, null=True, on_delete="SET NULL")
    accepted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    accepted_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("student", "school_year"), True),)

    @classmethod
    def on_file(cls, student, school_year) -> bool:
        return cls.select().where((cls.student == student)
                                  & (cls.school_year == school_year)).exists()


class AbsenceWarning(BaseModel):
    """A threshold of the profile crossed by a student in a subject; created once."""

    student = ForeignKeyField(User, backref="absence_warnings", on_delete="CASCADE")
    assignment = ForeignKeyField(TeachingAssignment, on_delete="CASCADE")
    school_year = ForeignKeyField(SchoolYear, on_delete="CASCADE")
    rule_key = CharField(max_length=64)
    percent = FloatField()
    follow_up = ForeignKeyField(Case, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("student", "assignment", "rule_key"), True),
            (("school_year", "student"), False),
        )
