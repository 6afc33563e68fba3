"""Classes, subjects, enrolments and who teaches or follows up whom."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField

from portal.collation import by_name
from portal.db import Prepared
from portal.models.base import BaseModel
from portal.models.people import User
from portal.models.school import School, SchoolYear


class SchoolClass(BaseModel):
    school = ForeignKeyField(School, backref="classes", on_delete="CASCADE")
    school_year = ForeignKeyField(SchoolYear, backref="classes", on_delete="CASCADE")
    name = CharField(max_length=32)  # "1STA"
    contact_teacher = ForeignKeyField(User, null=True, backref="contact_classes")
    year_coordinator = ForeignKeyField(User, null=True, backref="coordinated_classes")
    cohort_coordinator = ForeignKeyField(User, null=True, backref="cohort_classes")

    class Meta:
        indexes = ((("school_year", "name"), True),)

    def students(self):
        return (
            User.select()
            .join(Enrolment, on=(Enrolment.student == User.id))
            .where(Enrolment.school_class == self)
            .order_by(by_name(User.full_name), User.id)
        )

    @classmethod
    def of_student(cls, student, school_year):
        return _class_of_student.first(student, school_year)


class Subject(BaseModel):
    school = ForeignKeyField(School, backref="subjects", on_delete="CASCADE")
    code = CharField(max_length=32)  # "NOR1211"
    name = CharField(max_length=200)
    # A practice period (praksis): some profiles require more attendance there (NKI: 85 %).
    practice = BooleanField(default=False)

    class Meta:
        indexes = ((("school", "code"), True),)


class Enrolment(BaseModel):
    student = ForeignKeyField(User, backref="enrolments", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="enrolments", on_delete="CASCADE")

    class Meta:
        indexes = ((("student", "school_class"), True), (("school_class",), False))


class TeachingAssignment(BaseModel):
    teacher = ForeignKeyField(User, backref="teaching", on_delete="CASCADE")
    subject = ForeignKeyField(Subject, backref="teaching", on_delete="CASCADE")
    school_class = ForeignKeyField(SchoolClass, backref="teaching", on_delete="CASCADE")
    planned_lessons = IntegerField(default=0)  # lessons planned for the school year

    class Meta:
        indexes = ((("teacher", "subject", "school_class"), True), (("school_class",), False))

    @classmethod
    def for_student(cls, student, school_year):
        """The subjects (and their teachers) of a student's classes in a school year."""
        return (
            cls.select(cls, Subject, User)
            .join(Subject)
            .switch(cls)
            .join(User, on=(cls.teacher == User.id))
            .switch(cls)
            .join(SchoolClass)
            .join(Enrolment, on=(Enrolment.school_class == SchoolClass.id))
            .where((Enrolment.student == student) & (SchoolClass.school_year == school_year))
            .order_by(by_name(Subject.name))
        )


_class_of_student = Prepared(lambda student_id, year_id: (
    SchoolClass.select()
    .join(Enrolment, on=(Enrolment.school_class == SchoolClass.id))
    .where((Enrolment.student == student_id) & (SchoolClass.school_year == year_id))
    .limit(1)))
