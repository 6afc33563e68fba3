"""Small, explicit test data built through the real models."""

from datetime import date
from types import SimpleNamespace

from portal.auth.passwords import hash_password
from portal.models import (
    Enrolment,
    RoleGrant,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    TeachingAssignment,
    User,
)

_HASH = None


def demo_hash():
    global _HASH
    if _HASH is None:
        _HASH = hash_password("demo")
    return _HASH


def make_user(username, roles, school=None, full_name=None):
    user = User.create(username=username, full_name=full_name or username.title(),
                       password_hash=demo_hash())
    for role in roles:
        RoleGrant.create(user=user, role=role, school=school)
    return user


def give_emails(*users):
    """An e-mail address for each of `users` (username@skole.test), so mail is sent to them."""
    for user in users:
        User.update(email=f"{user.username}@skole.test").where(User.id == user.id).execute()


def make_school(today: date = date(2026, 11, 23), profile="vgs", code="test-vgs"):
    """One school year (17 Aug 2026 – 18 Jun 2027), one class 1STA, students elev1–elev3
    (elev3 in another class 1STB), teachers laerer1 (contact teacher, Norsk) and laerer2
    (Matematikk), year coordinator trinn1."""
    school = School.create(name="Testskolen vgs", code=code, profile=profile)
    year = SchoolYear.create(school=school, name="2026/2027", starts_on=date(2026, 8, 17),
                             ends_on=date(2027, 6, 18))
    trinn = make_user("trinn1", ["year_coordinator"], school, "Tone Trinnes")
    laerer1 = make_user("laerer1", ["teacher", "contact_teacher"], school, "Lars Lærer")
    laerer2 = make_user("laerer2", ["teacher", "contact_teacher"], school, "Lise Lærer")
    admin = make_user("admin", ["admin"], school, "Ada Admin")
    klass = SchoolClass.create(school=school, school_year=year, name="1STA",
                               contact_teacher=laerer1, year_coordinator=trinn)
    other = SchoolClass.create(school=school, school_year=year, name="1STB",
                               contact_teacher=laerer2, year_coordinator=trinn)
    students = []
    for n, k in ((1, klass), (2, klass), (3, other)):
        s = make_user(f"elev{n}", ["student"], school, f"Elev Nummer{n}")
        Enrolment.create(student=s, school_class=k)
        students.append(s)
    norsk = Subject.create(school=school, code="NOR1260", name="Norsk")
    matte = Subject.create(school=school, code="MAT1021", name="Matematikk 1T")
    TeachingAssignment.create(teacher=laerer1, subject=norsk, school_class=klass,
                              planned_lessons=113)
    TeachingAssignment.create(teacher=laerer2, subject=matte, school_class=klass,
                              planned_lessons=140)
    TeachingAssignment.create(teacher=laerer2, subject=norsk, school_class=other,
                              planned_lessons=113)
    return SimpleNamespace(
        school=school, year=year, klass=klass, other_class=other, trinn=trinn,
        laerer1=laerer1, laerer2=laerer2, admin=admin, students=students,
        elev1=students[0], elev2=students[1], elev3=students[2], norsk=norsk, matte=matte,
    )


def second_school(student, *, profile="vgs", code="andre-vgs", name="Andre vgs"):
    """`student` also a student at another school (changed schools, or a subject there), in a
    class with a contact teacher there: (school, contact teacher)."""
    school = School.create(name=name, code=code, profile=profile)
    year = SchoolYear.create(school=school, name="2026/2027", starts_on=date(2026, 8, 17),
                             ends_on=date(2027, 6, 18))
    teacher = make_user(f"kontakt-{code}", ["teacher", "contact_teacher"], school)
    klass = SchoolClass.create(school=school, school_year=year, name="2STA",
                               contact_teacher=teacher)
    Enrolment.create(student=student, school_class=klass)
    RoleGrant.create(user=student, role="student", school=school)
    return school, teacher


def norsk_assignment(s):
    """make_school's teaching of Norsk in 1STA (laerer1): where absence is registered."""
    return TeachingAssignment.get((TeachingAssignment.subject == s.norsk)
                                  & (TeachingAssignment.school_class == s.klass))
