"""The deadlines that run from a grade: asking for a justification, appealing the grade.

A justification received restarts the grade-appeal deadline: a full new period runs from
the day it was received (fagskoleloven § 22, forskriften § 4-9, NKI pkt. 8.2).
"""

from dataclasses import dataclass
from datetime import date

from portal.cases import appeals
from portal.i18n import gettext as _
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import Deadline, add_period, restart

ORAL_FORMS = ("oral", "practical")


def published_on(grade) -> date:
    return oslo_date(grade.published_at)


def profile_of(grade):
    return grade.registration.exam.school.rules


def justification_offered(grade) -> bool:
    return "justification_request_within" in profile_of(grade)


def _at_once(grade) -> bool:
    """An oral or practical exam's grade, where the profile has the justification asked for
    at once when it is given (havbruk: forskriften § 4-9 (1) a)."""
    return (grade.registration.exam.form in ORAL_FORMS
            and "justification_request_oral" in profile_of(grade))


def learned_on_counts(grade) -> bool:
    """Whether the deadline to ask for a justification of `grade` runs from the day the
    student learned of it: a grade made known otherwise than electronically (on paper, in
    person), where the profile says so with a limit from publication (havbruk: one week from
    learning of it, never later than three weeks from publication, forskriften § 4-9 (1) a).
    Elsewhere the deadline runs from publication, whenever the student learned of it."""
    return (justification_offered(grade) and grade.is_published
            and grade.channel != "electronic" and not _at_once(grade)
            and "justification_request_absolute_limit" in profile_of(grade))


def justification_request_limit(grade) -> Deadline | None:
    """Where the day the student learned of the grade counts (learned_on_counts): the last
    day a justification can be asked for, however late they learned of it; else None."""
    if not learned_on_counts(grade):
        return None
    return Deadline.after(published_on(grade),
                          profile_of(grade).rule("justification_request_absolute_limit"))


def justification_request_deadline(grade, learned_on: date | None = None) -> Deadline | None:
    """When the student must ask for a justification, by exam form and publication channel;
    `learned_on`: the day they learned of the grade, where it counts (learned_on_counts; a day
    before publication counts as the day of publication)."""
    rules = profile_of(grade)
    if not justification_offered(grade) or not grade.is_published:
        return None
    published = published_on(grade)
    if _at_once(grade):
        return Deadline.after(published, rules.rule("justification_request_oral"), roll=False,
                              event=_("when the grade was given"))
    within = Deadline.after(published, rules.rule("justification_request_within"))
    limit = justification_request_limit(grade)
    if limit is not None:
        learned = max(learned_on or published, published)
        own = Deadline.after(learned, rules.rule("justification_request_within"))
        return own if own.due <= limit.due else limit
    return within


@dataclass(frozen=True)
class RequestWindow:
    """When the justification of a grade can be asked for: `deadline`, counted from its
    publication or, where that counts, from the day the student says they learned of it;
    `limit`, where that day counts (learned_on_counts), the last day however late they
    learned of it."""

    deadline: Deadline
    limit: Deadline | None = None

    @property
    def last(self) -> Deadline:
        """The last day a request is received at all: the limit, else the deadline."""
        return self.limit or self.deadline


def justification_request_window(grade, learned_on: date | None = None) -> RequestWindow | None:
    """When a justification of `grade` can be asked for: what the grades page offers and the
    request form checks, one answer for both. `learned_on`: the day the student gives in the
    form, where it counts (else the deadline runs from publication). None where none can be
    asked for (not offered by the profile, or the grade not published).

    The same after a withdrawn request as before any: a day the student stated in a request
    they withdrew does not bind the next. Forskriften § 4-9 (1) a runs the deadline from when
    the student learned of the grade ("fikk kjennskap til karakteren"), a fact they state
    with their request and the exam office judges with it; a withdrawn request is withdrawn
    with what it said, and the regulation knows no request that fixes the day for a later
    one. They may state the day again, or another: the limit of three weeks from publication
    holds either way, so no day stated reaches past it."""
    deadline = justification_request_deadline(grade, learned_on)
    if deadline is None:
        return None
    return RequestWindow(deadline, justification_request_limit(grade))


def justification_received_on(grade, requests=None) -> date | None:
    """The day the student received the latest justification of this grade; `requests`:
    the grade's justification requests when the caller has read them already (a page of
    many grades), else they are read here."""
    from portal.kinds.justification.models import JustificationRequest

    if requests is None:
        requests = (JustificationRequest.select(JustificationRequest.answered_at)
                    .where((JustificationRequest.grade == grade)
                           & JustificationRequest.answered_at.is_null(False)))
    answered = [r.answered_at for r in requests if r.answered_at is not None]
    return oslo_date(max(answered)) if answered else None


def restarted(received_on: date, rule) -> Deadline:
    """A full new period from `received_on`, rolled forward (deadlines.restart)."""
    due = restart(received_on, rule)
    end = add_period(received_on, rule)
    return Deadline(due=due, rule=rule, rolled_from=end if end != due else None)


def grade_appeal_deadline(grade, justifications=None) -> Deadline | None:
    """From publication, or from the justification when one was received
    (`justifications`: as in justification_received_on)."""
    rules = profile_of(grade)
    if "grade_appeal_deadline" not in rules or not grade.is_published:
        return None
    rule = rules.rule("grade_appeal_deadline")
    received = justification_received_on(grade, justifications)
    if received is not None:
        return restarted(received, rule)
    return Deadline.after(published_on(grade), rule)


def justification_requests(grade) -> list:
    """The grade's justification requests, withdrawn or not, oldest first, each with its
    case (one statement): what justification_pending and justification_received_on read, and
    the justification form its standing request."""
    from portal.kinds.justification.models import JustificationRequest
    from portal.models import Case

    return list(JustificationRequest.select(JustificationRequest, Case).join(Case)
                .where(JustificationRequest.grade == grade).order_by(JustificationRequest.id))


def justification_pending(requests) -> bool:
    """Whether the latest of a grade's justification `requests` (each with its case) is
    asked for and neither answered nor withdrawn. The appeal deadline then waits for it: it
    runs from when the justification is received (domain.md §4), so an appeal sent before
    then is on time."""
    if not requests:
        return False
    latest = requests[-1]
    return latest.answered_at is None and latest.case.state != "withdrawn"


def grade_appeal_timeliness(grade, on: date, justifications=None) -> appeals.Timeliness | None:
    """An appeal on the grade filed `on`: on time, late (still received with an explanation,
    forvaltningsloven § 31) or past the absolute limit from publication; None where the
    profile has no grade appeals. `justifications`: the grade's requests with their cases
    (justification_requests), when the caller has read them. While a justification is
    pending (justification_pending) the deadline has not begun again: an appeal sent then is
    on time, as if the justification were received that day."""
    if justifications is None:
        justifications = justification_requests(grade)
    deadline = grade_appeal_deadline(grade, justifications)
    if deadline is not None and justification_pending(justifications):
        deadline = restarted(on, deadline.rule)
    return _timeliness(grade, deadline, on)


def grade_appeal_refusal(grade) -> str | None:
    """Why this grade cannot be appealed under the school's profile, or None."""
    rules = profile_of(grade)
    exam = grade.registration.exam
    if not grade.is_published:
        return _("The grade is not published yet.")
    if grade.is_final:
        return _("The grade from a new grading after an appeal is final and cannot be "
                 "appealed.")
    if "grade_appeal_deadline" not in rules:
        return _("Grade appeals are not handled in the portal at this school.")
    if "grade_appeal_excluded_forms" in rules:
        excluded = [f.strip() for f in str(rules.value("grade_appeal_excluded_forms")).split(",")]
        if exam.form in excluded:
            rule = rules.rule("grade_appeal_excluded_forms")
            return _("The grade of this exam form cannot be appealed (%(rule)s). %(why)s",
                     rule=rule.cite(), why=rule.explanation)
    if (rules.has("grade_appeal_scope") and rules.value("grade_appeal_scope") == "final_assessment"
            and not exam.is_final_assessment):
        rule = rules.rule("grade_appeal_scope")
        return _("Only the final assessment can be appealed (%(rule)s).", rule=rule.cite())
    return None


def formal_error_rule(grade):
    """The profile's deadline for an appeal on a formal error at the grade's exam; None where
    the profile has no such appeals."""
    rules = profile_of(grade)
    return (rules.rule("formal_error_appeal_deadline")
            if "formal_error_appeal_deadline" in rules else None)


def formal_error_deadline(grade, learned_on: date) -> Deadline | None:
    """Three weeks (profile) from learning of the error; when a justification or an appeal
    result was received, from that day if later (forskriften § 4-10 (1) a)."""
    rule = formal_error_rule(grade)
    if rule is None:
        return None
    options = [Deadline.after(learned_on, rule)]
    earlier = grade.replaces.first() if grade.origin == "regrading" else None
    for g in (grade, earlier):
        received = justification_received_on(g) if g is not None else None
        if received is not None:
            options.append(restarted(received, rule))
    if earlier is not None:
        options.append(restarted(published_on(grade), rule))
    return max(options, key=lambda d: d.due)


def formal_error_timeliness(grade, learned_on: date, on: date) -> appeals.Timeliness | None:
    """An appeal on a formal error learned of on `learned_on`, filed `on`: as a grade appeal's
    (grade_appeal_timeliness), the absolute limit running from the grade's publication."""
    return _timeliness(grade, formal_error_deadline(grade, learned_on), on)


def appeal_limit(grade) -> Deadline:
    """The last day any appeal on `grade` is received, late or not: the grade is the decision
    appealed, so the absolute limit runs from its publication (forvaltningsloven § 31
    tredje ledd)."""
    return appeals.absolute_limit(profile_of(grade), published_on(grade))


def _timeliness(grade, deadline: Deadline | None, on: date) -> appeals.Timeliness | None:
    """An appeal on `grade` against `deadline`, the absolute limit as appeal_limit."""
    if deadline is None:
        return None
    return appeals.timeliness(deadline, rules=profile_of(grade), decided_on=published_on(grade),
                              on=on, since=appeals.SINCE_GRADE)
