"""The student's exams (and the page that asks before withdrawing from one) and the exam
office's list of granted adaptations fit a 360 px phone: nothing wider than the screen (a
usability test found them 431 and 453 px wide)."""

from peewee import fn
from playwright.sync_api import expect

from portal import demo
from portal.db import database
from portal.exams.models import Exam
from portal.kinds.exam_adaptation.models import ExamAdaptationExam, ExamAdaptationItem
from portal.models import Case, School, SchoolYear, User, utcnow
from portal.rules.calendar import today

NARROW = {"width": 360, "height": 740}  # the narrowest phone the portal is made for


def fits_the_screen(page):
    page.set_viewport_size(NARROW)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url}: {widths[0]} px wide at {widths[1]} px"


def _granted_adaptation():
    """A decided case at the havbruk demo school: extra time and others at its next exam."""
    with database.connection_context():
        demo.load(today())
        school = School.get(School.code == "havbruk")
        student = User.get(User.username == "student1")
        exam = (Exam.select()
                .where((Exam.school == school) & (Exam.starts_at > utcnow())
                       & (Exam.form != "project"))
                .order_by(Exam.starts_at).first())
        case = Case.create(school=school, school_year=SchoolYear.current(school),
                           number=(Case.select(fn.MAX(Case.number)).scalar() or 0) + 1,
                           kind="exam_adaptation", state="decided", is_open=False,
                           student=student, title="Tilrettelegging av eksamen")
        ExamAdaptationExam.create(case=case, exam=exam)
        for code, minutes in (("extra_time", 60), ("separate_room", None),
                              ("reading_support", None), ("alternative_form", None)):
            ExamAdaptationItem.create(case=case, adaptation=code, minutes=minutes,
                                      detail="muntlig" if code == "alternative_form" else "",
                                      outcome="granted", granted_minutes=minutes)
        exam_id = exam.id
    if hasattr(database.obj, "close_all"):  # a pooled SQLite connection belongs to this thread
        database.obj.close_all()
    return exam_id


def test_exam_pages_fit_a_360_px_phone(app, live_server, login, axe):
    exam_id = _granted_adaptation()

    student = login("student1")
    student.set_viewport_size(NARROW)
    student.goto(live_server.url("/exams/mine"))
    expect(student.get_by_text("Søk om tilrettelegging innen").first).to_be_visible()
    fits_the_screen(student)
    axe(student)

    # withdrawing asks first, on a page of its own that fits the phone too
    student.get_by_role("link", name="Meld deg av eksamen").first.click()
    expect(student.get_by_role("heading", name="Vil du melde deg av eksamen?")).to_be_visible()
    expect(student.get_by_role("button", name="Ja, meld meg av eksamen")).to_be_visible()
    fits_the_screen(student)
    axe(student)
    student.get_by_role("link", name="Nei, tilbake til mine eksamener").click()
    expect(student.get_by_role("heading", name="Mine eksamener")).to_be_visible()

    office = login("f-eksamen")
    office.set_viewport_size(NARROW)
    office.goto(live_server.url(f"/exams/{exam_id}/adaptations"))
    expect(office.get_by_role("cell", name="+60 min")).to_be_visible()
    fits_the_screen(office)
    region = office.get_by_role("region", name="Kandidater med tilrettelegging på denne eksamenen")
    expect(region).to_be_visible()  # the table scrolls inside it, and it takes the focus
    region.focus()
    expect(region).to_be_focused()
    axe(office)

    # the exam plan's table is wider than the phone: it scrolls in a region the keyboard
    # reaches, and a shadow at its right edge shows that there is more of it
    office.goto(live_server.url("/exams/plan"))
    fits_the_screen(office)
    plan = office.get_by_role("region", name="Eksamener 2026/2027")
    plan.focus()
    expect(plan).to_be_focused()
    wider, cue = plan.evaluate("el => [el.scrollWidth > el.clientWidth, "
                               "getComputedStyle(el).backgroundImage]")
    assert wider and cue.count("gradient") == 4, cue
    axe(office)


