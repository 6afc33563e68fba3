"""Demo: one follow-up case at the fagskole — a teacher's concern, the student summoned."""

from datetime import timedelta

from portal.cases.engine import apply
from portal.kinds.follow_up.models import FollowUp
from portal.kinds.follow_up.service import report_concern
from portal.models import School, Subject, User
from portal.rules.calendar import next_working_day


def load(today):
    school = School.get_or_none(School.code == "havbruk")
    if school is None:
        return
    student = User.get_or_none(User.username == "student3")
    teacher = User.get_or_none(User.username == "f-laerer2")
    coordinator = User.get_or_none(User.username == "f-kull1")
    subject = Subject.get_or_none((Subject.school == school) & (Subject.code == "HAV102"))
    if None in (student, teacher, coordinator, subject):
        return
    case = report_concern(
        student, subject, "missing_work", teacher,
        "To av tre obligatoriske innleveringer i havbruksteknologi mangler, og studenten har "
        "ikke møtt på de siste fire samlingene.", school=school,
        school_year=school.current_year(today))
    meeting = next_working_day(today + timedelta(days=3))

    def effect(case, event):
        (FollowUp.update(meeting_on=meeting, meeting_time="10:15", place="Møterom 2, 1. etg.")
         .where(FollowUp.case == case).execute())

    apply(case, "summon", actor=coordinator, expected_version=case.version,
          text=f"{meeting.isoformat()} 10:15, Møterom 2, 1. etg.", effect=effect)
