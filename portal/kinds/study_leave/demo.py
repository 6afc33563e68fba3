"""Demo study-leave cases: one waiting for the year coordinator, one granted with tasks."""

from datetime import date, timedelta

from portal.kinds.study_leave import flow
from portal.models import School, SchoolYear, User


def _file(student, school, first: date, days: int, reason: str):
    return flow.file(student=student, school=school, first=first,
                     last=first + timedelta(days=days - 1), reason=reason,
                     is_sports_event=False, parents_informed=False, club_informed=False,
                     confirmation=None, on=first - timedelta(days=14))


def load_demo(today: date) -> None:
    """elev2's application waits for trinn1; elev1's is granted with the teachers' tasks."""
    school = School.get_or_none(School.code == "solberg-vgs")
    if school is None:
        return
    first = today + timedelta(days=14)
    first += timedelta(days=(7 - first.weekday()) % 7)  # a Monday
    year = SchoolYear.current(school, today)
    if year is None or not year.contains(first + timedelta(days=14)):
        return  # too close to the summer for a realistic period
    users = {u.username: u for u in User.select().where(
        User.username.in_(["elev1", "elev2", "trinn1"]))}
    trinn = users["trinn1"]
    _file(users["elev2"], school, first, 3,
          "Landsfinale i orientering med kretslaget (nasjonalt nivå).")
    case = _file(users["elev1"], school, first + timedelta(days=7), 2,
                 "Deltar på Ungdommens fylkesting som valgt representant.")
    flow.send_to_teachers(case, actor=trinn, version=case.version)
    for answer in flow.answers(case):
        flow.teacher_answer(case, answer, actor=answer.teacher, seen="",
                            approve=True, text=f"Les kapittelet vi går gjennom i "
                            f"{answer.subject.name} og lever en kort oppsummering.")
    flow.answer_student(case, actor=trinn, version=case.version, grant=True,
                        message="Innvilget. Husk å vise fram arbeidet etterpå.")
