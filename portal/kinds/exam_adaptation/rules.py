"""The profile's rules for exam adaptation: deadline per exam, deciding role, extra time."""

from portal.exams.plan import exam_day
from portal.rules.deadlines import Deadline

LEAD_TIME = "exam_adaptation_lead_time"
DECIDER = "exam_adaptation_decider"
EXTRA_TIME_MAX = "exam_extra_time_max"
GUIDANCE = "exam_adaptation_guidance"
# Not a rule of any regulation: extra time beyond a day is a typing error, where a profile sets
# no maximum of its own (and PostgreSQL's integer column would refuse a number too large)
MINUTES_BEYOND_BELIEF = 24 * 60


def application_deadline(exam) -> Deadline | None:
    """The last day to apply for adaptation at `exam` (e.g. one month before on havbruk)."""
    profile = exam.school.rules
    return Deadline.before(exam_day(exam), profile.rule(LEAD_TIME)) if LEAD_TIME in profile \
        else None


def decider_role(school) -> str | None:
    profile = school.rules
    return str(profile.value(DECIDER)) if DECIDER in profile else None


def extra_time_rule(school):
    profile = school.rules
    return profile.rule(EXTRA_TIME_MAX) if EXTRA_TIME_MAX in profile else None
