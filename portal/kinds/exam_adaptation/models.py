"""An exam adaptation application: which exams, which adaptations, and each one's outcome."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from portal.collation import by_name
from portal.exams.models import Exam
from portal.models import Case
from portal.models.base import BaseModel

ADAPTATIONS = ("extra_time", "dictionary", "pc", "other_aids", "reading_support",
               "separate_room", "alternative_form")
OUTCOMES = ("granted", "partly_granted", "refused")


class ExamAdaptationApplication(BaseModel):
    case = ForeignKeyField(Case, backref="exam_adaptation", on_delete="CASCADE", unique=True)
    all_exams = BooleanField(default=False)  # all the student's exams of the school year
    acute = BooleanField(default=False)  # acute injury or illness: may be filed late
    acute_explanation = TextField(default="")
    reason = TextField(default="")


class ExamAdaptationExam(BaseModel):
    case = ForeignKeyField(Case, backref="adaptation_exams", on_delete="CASCADE")
    exam = ForeignKeyField(Exam, backref="adaptation_cases", on_delete="CASCADE")

    class Meta:
        indexes = ((("case", "exam"), True), (("exam",), False))


class ExamAdaptationItem(BaseModel):
    case = ForeignKeyField(Case, backref="adaptation_items", on_delete="CASCADE")
    adaptation = CharField(max_length=32)  # one of ADAPTATIONS
    minutes = IntegerField(null=True)  # extra time asked for
    detail = TextField(default="")
    outcome = CharField(max_length=32, null=True)  # one of OUTCOMES once decided
    granted_minutes = IntegerField(null=True)
    decision_reason = TextField(default="")

    class Meta:
        indexes = ((("case",), False),)


def granted_for_exam(exam: Exam) -> list[dict]:
    """Who has which granted adaptation at `exam`: the exam office's printable list."""
    from portal.models import SchoolYear, User

    # the year joined too: the list shows each case's reference, which names the year
    items = (ExamAdaptationItem.select(ExamAdaptationItem, Case, User, SchoolYear)
             .join(Case)
             .join(User, on=(Case.student == User.id))
             .switch(Case)
             .join(SchoolYear)
             .join(ExamAdaptationExam, on=(ExamAdaptationExam.case == Case.id))
             .where((ExamAdaptationExam.exam == exam) & (Case.state == "decided")
                    & ExamAdaptationItem.outcome.in_(("granted", "partly_granted")))
             .order_by(by_name(User.full_name), ExamAdaptationItem.id))
    from portal.kinds.exam_adaptation.forms import ADAPTATION_LABELS

    rows: dict[int, dict] = {}
    for item in items:
        row = rows.setdefault(item.case.id, {"case": item.case, "student": item.case.student,
                                             "extra_minutes": 0, "separate_room": False,
                                             "others": []})
        if item.adaptation == "extra_time":
            if exam.form != "project":
                row["extra_minutes"] = item.granted_minutes or 0
        elif item.adaptation == "separate_room":
            row["separate_room"] = True
        else:
            label = str(ADAPTATION_LABELS[item.adaptation])
            row["others"].append(f"{label}: {item.detail}" if item.detail else label)
    return list(rows.values())
