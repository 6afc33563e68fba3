"""The demo school: a vgs on profile `vgs` and a fagskole on profile `havbruk`.

Development only: every account has the password `demo`.
"""

from datetime import date, timedelta

from portal.auth.passwords import hash_password
from portal.db import database
from portal.models import (
    Enrolment,
    RoleGrant,
    School,
    SchoolBreak,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
)

DEMO_PASSWORD = "demo"

FIRST = ["Emma", "Noah", "Nora", "Jakob", "Sara", "Filip", "Ingrid", "Lucas", "Maja", "Oskar",
         "Sofie", "Aksel", "Leah", "Isak", "Ella", "Magnus", "Selma", "Mathias", "Thea", "Henrik",
         "Amalie", "Elias", "Frida", "Sander", "Hedda", "Tobias", "Julie", "Jonas", "Aurora",
         "Adrian"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
        "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
        "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Ali", "Nguyen", "Lunde", "Solberg"]

# Vg1 studiespesialisering: subject code, name, planned lessons (45 min) in the year.
VGS_SUBJECTS = [
    ("NOR1260", "Norsk", 113),
    ("MAT1021", "Matematikk 1T", 140),
    ("ENG1007", "Engelsk", 140),
    ("NAT1007", "Naturfag", 140),
    ("SAK1001", "Samfunnskunnskap", 84),
    ("GEO1001", "Geografi", 56),
    ("KRO1017", "Kroppsøving", 56),
    ("SPR3031", "Spansk I", 113),
]
HAV_SUBJECTS = [
    ("HAV101", "Fiskehelse og fiskevelferd", 120),
    ("HAV102", "Havbruksteknologi", 120),
    ("HAV103", "HMS og kvalitetsledelse", 80),
    ("HAV104", "Praksis i oppdrett", 160),
]

VGS_STAFF = [
    ("trinn1", "Tone Trinnes", ["year_coordinator", "teacher"]),
    ("kull1", "Kari Kullmann", ["cohort_coordinator"]),
    ("avd1", "Arne Avdal", ["department_head"]),
    ("rektor", "Randi Rektorsen", ["principal"]),
    ("eksamen", "Elin Eksamensen", ["exam_office"]),
    ("sensor1", "Sigurd Sensorsen", ["examiner"]),
    ("sensor2", "Siri Sensorsen", ["examiner"]),
    ("klage1", "Kjell Klagenes", ["appeals_board"]),
    ("admin", "Ada Admin", ["admin"]),
]
HAV_STAFF = [
    ("f-kull1", "Frode Kullstad", ["cohort_coordinator"]),
    ("f-avd1", "Fride Avdahl", ["department_head"]),
    ("f-rektor", "Fredrik Rektorvik", ["principal"]),
    ("f-eksamen", "Fanny Eksamensvik", ["exam_office"]),
    ("f-sensor1", "Finn Sensorvik", ["examiner"]),
    ("f-sensor2", "Fia Sensorvik", ["examiner"]),
    ("f-klage1", "Frank Klagevik", ["appeals_board"]),
]


def demo_logins() -> list[tuple[str, str]]:
    """Accounts to print for a developer, grouped."""
    return [
        ("elev1 … elev60", "students, Solberg vgs (elev1–elev20 in 1STA)"),
        ("laerer1 … laerer8", "subject teachers (laerer1 contact teacher of 1STA)"),
        ("trinn1", "year coordinator"),
        ("kull1, avd1, rektor", "cohort coordinator, department head, principal"),
        ("eksamen, sensor1, sensor2, klage1", "exam office, examiners, appeals board"),
        ("admin", "administrator"),
        ("student1 … student20", "students, Havbruksfagskolen (profile havbruk)"),
        ("f-laerer1 … f-laerer4, f-kull1, f-avd1, f-rektor", "fagskole staff"),
        ("f-eksamen, f-sensor1, f-sensor2, f-klage1", "fagskole exam office, examiners, board"),
    ]


def _name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"


def is_empty() -> bool:
    return not School.select().exists()


def _user(username, full_name, roles, school, pw_hash):
    user = User.create(username=username, full_name=full_name,
                       email=f"{username}@demo.skole.no", password_hash=pw_hash)
    for role in roles:
        RoleGrant.create(user=user, role=role, school=school)
    return user


def _year(school, today: date):
    start_year = today.year if today.month >= 8 else today.year - 1
    year = SchoolYear.create(school=school, name=f"{start_year}/{start_year + 1}",
                             starts_on=date(start_year, 8, 17), ends_on=date(start_year + 1, 6, 18))
    for name, first, last in demo_breaks(start_year):
        SchoolBreak.create(school_year=year, name=name, first_day=first, last_day=last)
    return year


def demo_breaks(start_year: int) -> list[tuple[str, date, date]]:
    """The breaks many Norwegian counties give a school year starting in August of
    `start_year`: autumn break in week 40, Christmas from 22 December to 2 January, winter
    break in week 8, and the three days before Maundy Thursday. A real school adds its own
    with `flask add-break`."""
    from portal.rules.calendar import public_holidays

    def week(year, number):
        monday = date.fromisocalendar(year, number, 1)
        return monday, monday + timedelta(days=4)

    # the year's first public holiday in March or April is Maundy Thursday (skjærtorsdag)
    maundy_thursday = min(d for d in public_holidays(start_year + 1) if d.month in (3, 4))
    return [
        ("Høstferie", *week(start_year, 40)),
        ("Juleferie", date(start_year, 12, 22), date(start_year + 1, 1, 2)),
        ("Vinterferie", *week(start_year + 1, 8)),
        ("Påskeferie", maundy_thursday - timedelta(days=3), maundy_thursday - timedelta(days=1)),
    ]


def load(today: date | None = None) -> None:
    """Create both demo schools (call on an empty database)."""
    from portal.rules.calendar import today as oslo_today

    today = today or oslo_today()
    pw_hash = hash_password(DEMO_PASSWORD)
    with database.atomic():
        _load_vgs(today, pw_hash)
        _load_havbruk(today, pw_hash)
        for hook in demo_hooks():
            hook(today)


def demo_hooks():
    """`load_demo(today)` of every feature package (portal/<pkg>/ or portal/kinds/<kind>/)
    that has one: each adds its own demo cases (exam plans, absence, requests) after the
    schools exist, in the same transaction."""
    import importlib
    import pkgutil

    import portal
    import portal.kinds

    hooks = []
    for package in (portal, portal.kinds):
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if not info.ispkg:
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            if hasattr(module, "load_demo"):
                hooks.append(module.load_demo)
    return hooks


def _load_vgs(today, pw_hash):
    school = School.create(name="Solberg videregående skole", code="solberg-vgs", profile="vgs")
    year = _year(school, today)
    staff = {u: _user(u, n, r, school, pw_hash) for u, n, r in VGS_STAFF}
    teachers = [
        _user(f"laerer{i}", f"{FIRST[(i + 11) % len(FIRST)]} Lærer{i}",
              ["teacher", "contact_teacher"] if i <= 3 else ["teacher"], school, pw_hash)
        for i in range(1, 9)
    ]
    subjects = [Subject.create(school=school, code=c, name=n) for c, n, _ in VGS_SUBJECTS]
    for index, class_name in enumerate(["1STA", "1STB", "1STC"]):
        klass = SchoolClass.create(school=school, school_year=year, name=class_name,
                                   contact_teacher=teachers[index],
                                   year_coordinator=staff["trinn1"],
                                   cohort_coordinator=staff["kull1"])
        for n in range(index * 20 + 1, index * 20 + 21):
            student = _user(f"elev{n}", _name(n), ["student"], school, pw_hash)
            Enrolment.create(student=student, school_class=klass)
        for s_index, (subject, (_c, _n, lessons)) in enumerate(zip(subjects, VGS_SUBJECTS,
                                                                  strict=True)):
            teacher = teachers[(s_index + index) % len(teachers)]
            TeachingAssignment.create(teacher=teacher, subject=subject, school_class=klass,
                                      planned_lessons=lessons)


def _load_havbruk(today, pw_hash):
    school = School.create(name="Havbruksfagskolen (demo)", code="havbruk", profile="havbruk")
    year = _year(school, today)
    staff = {u: _user(u, n, r, school, pw_hash) for u, n, r in HAV_STAFF}
    teachers = [
        _user(f"f-laerer{i}", f"{FIRST[(i + 19) % len(FIRST)]} Faglærer{i}",
              ["teacher", "contact_teacher"] if i == 1 else ["teacher"], school, pw_hash)
        for i in range(1, 5)
    ]
    klass = SchoolClass.create(school=school, school_year=year, name="HAV1",
                               contact_teacher=teachers[0], cohort_coordinator=staff["f-kull1"])
    for n in range(1, 21):
        student = _user(f"student{n}", _name(n + 40), ["student"], school, pw_hash)
        Enrolment.create(student=student, school_class=klass)
    for teacher, (code, name, lessons) in zip(teachers, HAV_SUBJECTS, strict=True):
        subject = Subject.create(school=school, code=code, name=name)
        TeachingAssignment.create(teacher=teacher, subject=subject, school_class=klass,
                                  planned_lessons=lessons)
