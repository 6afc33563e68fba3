"""Demo study-leave cases: one waiting for the year coordinator, one granted with tasks.

Their periods are not fixed dates: they are asked of the rules for the day the demo is
loaded (the lead time, the school year, its breaks and the public holidays), so that each
passes the check the application form makes (flow.check_period) whatever the day."""

from datetime import date, timedelta

from portal.kinds.study_leave import flow
from portal.models import School, SchoolYear, User
from portal.rules.calendar import school_days


def period_for(school, on: date, length: int, year, breaks,
               not_before: date | None = None) -> tuple[date, date] | None:
    """The first period of `length` school days in a row (no holiday or break between them,
    only weekends) that a student may apply for on `on`, from `not_before` on (else from the
    earliest first day the lead time allows) and as flow.check_period accepts it: (first
    day, last day), or None when the rest of the school year `year` (with its `breaks`) holds
    none."""
    start = max(flow.earliest_first_day(school, on), not_before or on)
    days = school_days(start, year.ends_on, breaks)
    for first, last in zip(days, days[length - 1:], strict=False):
        if (_weekdays(first, last) == length
                and not flow.check_period(school, first, last, on, year, breaks)):
            return first, last
    return None


def _weekdays(first: date, last: date) -> int:
    """Mondays to Fridays from `first` to `last`, holidays and breaks included."""
    return sum((first + timedelta(days=i)).weekday() < 5 for i in range((last - first).days + 1))


def _file(student, school, year, period: tuple[date, date], reason: str, on: date):
    first, last = period
    return flow.file(student=student, school=school, first=first, last=last, reason=reason,
                     is_sports_event=False, parents_informed=False, club_informed=False,
                     confirmation=None, on=on, year=year)


def load_demo(today: date) -> None:
    """elev2's application waits for trinn1; elev1's, a week later, is granted with the
    teachers' tasks."""
    school = School.get_or_none(School.code == "solberg-vgs")
    if school is None:
        return
    year, breaks = SchoolYear.current_with_breaks(school, today)
    if year is None:
        return
    waiting = period_for(school, today, 3, year, breaks)
    granted = waiting and period_for(school, today, 2, year, breaks,
                                     not_before=waiting[0] + timedelta(days=7))
    if not granted:
        return  # too close to the summer for a realistic period
    users = {u.username: u for u in User.select().where(
        User.username.in_(["elev1", "elev2", "trinn1"]))}
    trinn = users["trinn1"]
    _file(users["elev2"], school, year, waiting,
          "Landsfinale i orientering med kretslaget (nasjonalt nivå).", today)
    case = _file(users["elev1"], school, year, granted,
                 "Deltar på Ungdommens fylkesting som valgt representant.", today)
    flow.send_to_teachers(case, actor=trinn, version=case.version)
    for answer in flow.answers(case):
        flow.teacher_answer(case, answer, actor=answer.teacher, seen="",
                            approve=True, text=f"Les kapittelet vi går gjennom i "
                            f"{answer.subject.name} og lever en kort oppsummering.")
    flow.answer_student(case, actor=trinn, version=case.version, grant=True,
                        message="Innvilget. Husk å vise fram arbeidet etterpå.")
