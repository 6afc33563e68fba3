"""Demo grades at Havbruksfagskolen: a written autumn exam graded and published a few days
ago (justification and appeal can be tried), and an oral test (no appeal on oral grades)."""

from datetime import date, datetime, time, timedelta

from portal.exams.models import Exam, ExamRegistration
from portal.grades.models import ExamExaminer, Grade
from portal.models import School, SchoolYear, Subject, User

GUIDELINES = ("Sensorveiledning: A krever selvstendig drøfting av smittetiltak med faglige "
              "begrunnelser; C krever korrekt beskrivelse av de vanligste sykdommene og tiltak; "
              "E krever grunnleggende kjennskap til fiskevelferd.")
WRITTEN = ["B", "C", "D", "C", "A", "E", "C", "B"]


def _utc(day: date, hour: int) -> datetime:
    from portal.exams.plan import to_utc

    return to_utc(day, time(hour))


def load_demo(today: date) -> None:
    school = School.get_or_none(School.code == "havbruk")
    if school is None:
        return
    year = SchoolYear.current(school, today)
    sensor = User.get(User.username == "f-sensor1")
    written = Exam.create(school=school, school_year=year,
                          subject=Subject.get(school=school, code="HAV101"),
                          starts_at=_utc(today - timedelta(days=24), 9), duration_minutes=240,
                          form="written", aids="Ingen", location="Aud. 1",
                          is_final_assessment=True)
    oral = Exam.create(school=school, school_year=year,
                       subject=Subject.get(school=school, code="HAV103"),
                       starts_at=_utc(today - timedelta(days=5), 10), duration_minutes=30,
                       form="oral", aids="Ingen", location="Rom 2", is_final_assessment=True)
    ExamExaminer.create(exam=written, examiner=sensor)
    ExamExaminer.create(exam=oral, examiner=sensor)
    published = _utc(today - timedelta(days=2), 12)
    for n, letter in enumerate(WRITTEN, start=1):
        student = User.get(User.username == f"student{n}")
        reg = ExamRegistration.create(exam=written, student=student, status="attended")
        Grade.create(registration=reg, grade=letter, graded_by=sensor, guidelines=GUIDELINES,
                     published_at=published, channel="electronic")
        if n <= 3:
            reg = ExamRegistration.create(exam=oral, student=student, status="attended")
            Grade.create(registration=reg, grade="B", graded_by=sensor,
                         published_at=_utc(today - timedelta(days=5), 11), channel="other")
