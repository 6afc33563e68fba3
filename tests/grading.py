"""Test data for grades, justifications and appeals: a fagskole on profile `havbruk`."""

import re
from datetime import date, datetime, time

from portal.exams.models import Exam, ExamRegistration
from portal.exams.plan import to_utc
from portal.grades.models import ExamExaminer, Grade
from portal.models import Subject
from tests.factories import make_school, make_user


def flat(response) -> str:
    """A response's text with every run of whitespace made one space."""
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def told(client, auth, username) -> str:
    """`username`'s notifications page, flat, read logged in as them (and logged out after)."""
    auth.login(username)
    page = flat(client.get("/notifications/"))
    auth.logout()
    return page


def oslo(day: date, hour: int = 12) -> datetime:
    """Naive UTC for a wall-clock time in Oslo."""
    return to_utc(day, time(hour))


def make_havbruk(profile="havbruk", code="test-hav"):
    s = make_school(profile=profile, code=code)
    s.eksamen = make_user("eksamen", ["exam_office"], s.school, "Eli Eksamen")
    s.sensor1, s.sensor2, s.sensor3 = (
        make_user(f"sensor{n}", ["examiner"], s.school, f"Sensor Nummer{n}") for n in (1, 2, 3))
    s.rektor = make_user("rektor", ["principal"], s.school, "Rita Rektor")
    s.klage = [make_user(f"klage{n}", ["appeals_board"], s.school, f"Klage Medlem{n}")
               for n in (1, 2, 3, 4)]
    s.subject = Subject.create(school=s.school, code="HAV101", name="Fiskehelse")
    return s


def make_exam(s, form="written", day=date(2027, 1, 14), final=True, examiner=None):
    exam = Exam.create(school=s.school, school_year=s.year, subject=s.subject,
                       starts_at=oslo(day, 9), duration_minutes=240, form=form,
                       is_final_assessment=final)
    ExamExaminer.create(exam=exam, examiner=examiner or s.sensor1)
    return exam


def make_grade(s, exam, student, letter="C", published=date(2027, 1, 22), channel="electronic",
               guidelines="Sensorveiledning for HAV101.", has_oral_part=False):
    reg = ExamRegistration.get_or_none(exam=exam, student=student) or ExamRegistration.create(
        exam=exam, student=student, status="attended")
    return Grade.create(registration=reg, grade=letter, graded_by=s.sensor1,
                        published_at=oslo(published) if published else None, channel=channel,
                        guidelines=guidelines, has_oral_part=has_oral_part)


def post_form(client, csrf, page_url, action_url, data):
    """GET the page for its CSRF token, then POST the form."""
    token = csrf(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={"csrf_token": token, **data})




def summary_order(html: str) -> list[str]:
    """The ids of the fields the page's error summary links to, in its order, checked to be
    the order in which the page shows those fields."""
    import re

    start = html.index('class="error-summary"')
    end = html.index("</div>", start)
    ids = re.findall(r'href="#([^"]+)"', html[start:end])
    shown = sorted(ids, key=lambda i: html.index(f'id="{i}"', end))
    assert ids == shown, f"the summary lists {ids}; the page shows {shown}"
    return ids
