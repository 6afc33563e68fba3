"""Demo exam plans: Havbruksfagskolen (January and spring) and Solberg vgs (spring)."""

from datetime import date, time

from portal.exams.models import Exam
from portal.exams.plan import register_class, to_utc
from portal.models import School, SchoolClass, SchoolYear, Subject

# (school code, subject code, month, day, hour, minutes, form, aids, location, final, classes)
PLAN = [
    ("havbruk", "HAV103", 1, 14, 9, 240, "written", "Ingen hjelpemidler", "Aud. 1", True,
     ["HAV1"]),
    ("havbruk", "HAV101", 3, 31, 9, 300, "written", "Alle trykte og skrevne", "Aud. 1", True,
     ["HAV1"]),
    ("havbruk", "HAV102", 5, 10, 9, 60 * 24 * 5, "project", "Alle", "Hjemmeeksamen", True,
     ["HAV1"]),
    ("havbruk", "HAV104", 6, 2, 10, 90, "practical", "Utstyr på anlegget", "Merdanlegget",
     True, ["HAV1"]),
    ("solberg-vgs", "NOR1260", 5, 20, 9, 300, "written", "Alle, ikke kommunikasjon", "Gymsal",
     True, ["1STA", "1STB"]),
    ("solberg-vgs", "MAT1021", 5, 25, 9, 300, "written", "Del 2: alle", "Gymsal", True,
     ["1STA"]),
    ("solberg-vgs", "ENG1007", 6, 8, 8, 30, "oral", "Ingen", "Rom 204", True, ["1STC"]),
]


def load(today: date) -> None:
    for code, subject_code, month, day, hour, minutes, form, aids, place, final, classes in PLAN:
        school = School.get_or_none(School.code == code)
        if school is None:
            continue
        year = SchoolYear.current(school, today)
        subject = Subject.get(school=school, code=subject_code)
        exam = Exam.create(school=school, school_year=year, subject=subject,
                           starts_at=to_utc(date(year.starts_on.year + 1, month, day),
                                            time(hour)),
                           duration_minutes=minutes, form=form, aids=aids, location=place,
                           is_final_assessment=final)
        for name in classes:
            klass = SchoolClass.get_or_none(school_year=year, name=name)
            if klass is not None:
                register_class(exam, klass)
