"""Selvstendig studiearbeid: the application and each subject teacher's answer."""

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from portal.collation import by_name
from portal.models import Case, SchoolClass, Subject, User
from portal.models.base import BaseModel, utcnow


class StudyLeave(BaseModel):
    """The application itself: one per case."""

    case = ForeignKeyField(Case, backref="study_leave", on_delete="CASCADE", unique=True)
    school_class = ForeignKeyField(SchoolClass, null=True, on_delete="SET NULL")
    first_day = DateField()
    last_day = DateField()
    reason = TextField()
    is_sports_event = BooleanField(default=False)
    parents_informed = BooleanField(default=False)
    club_informed = BooleanField(default=False)
    registered_r_at = DateTimeField(null=True)  # when the period was recorded as R
    # The student's absence note (case of kind absence_note) for the period, once linked;
    # indexed where set (below; migration 017)
    absence_note = ForeignKeyField(Case, null=True, on_delete="SET NULL",
                                   backref="linked_study_leaves", index=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "study_leave"
        indexes = ((("first_day",), False),)


StudyLeave.add_index(StudyLeave.absence_note, where=StudyLeave.absence_note.is_null(False))


class TeacherAnswer(BaseModel):
    """One subject teacher's answer for one subject: approve or decline, with the tasks
    (or the reason for declining); the student marks the tasks done."""

    # case and teacher lead the composite indexes in Meta: no index of their own (016)
    case = ForeignKeyField(Case, backref="teacher_answers", on_delete="CASCADE", index=False)
    subject = ForeignKeyField(Subject, on_delete="CASCADE")
    teacher = ForeignKeyField(User, on_delete="CASCADE", index=False)
    decision = CharField(max_length=16, null=True)  # None (waiting), "approved", "declined"
    text = TextField(default="")  # the tasks, or why the teacher declines
    answered_at = DateTimeField(null=True)
    done = BooleanField(default=False)
    done_at = DateTimeField(null=True)

    class Meta:
        table_name = "study_leave_teacher_answer"
        indexes = ((("case", "subject"), True), (("teacher", "case"), False))

    @property
    def is_answered(self) -> bool:
        return self.decision is not None

    @property
    def approved(self) -> bool:
        return self.decision == "approved"

    @classmethod
    def of_case(cls, case):
        return (
            cls.select(cls, Subject, User)
            .join(Subject)
            .switch(cls)
            .join(User, on=(cls.teacher == User.id))
            .where(cls.case == case)
            .order_by(by_name(Subject.name), cls.id)
        )
