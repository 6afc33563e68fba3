"""Late appeals, the same for every kind of appeal (on a decision, a grade, a formal error).

An appeal filed after its deadline is still received when the student explains the delay,
flagged "for sent" for those who decide it to judge whether it can be heard (forvaltningsloven
§ 31); never once the profile's absolute limit (`late_appeal_absolute_limit`, § 31 tredje
ledd) has passed since what is appealed was decided. Each kind gives its deadline and the day
its limit runs from; the form's field, the checks and their words are these, and the pages
show them with the macros of templates/cases/_appeal.html.

Filing is the same for every kind too: what is appealed has one appeal at a time, looked for
again inside the filing's transaction (filed_once), and a student sent to the appeal that
stands is told so (received_already).
"""

from dataclasses import dataclass
from datetime import date

from flask import flash, redirect, request, url_for
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal.cases.engine import hold_student
from portal.db import database
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.rules.deadlines import Deadline, add_period, format_date

# what the absolute limit runs from: the refusal names it
SINCE_DECISION, SINCE_GRADE = "decision", "grade"


@dataclass(frozen=True)
class Timeliness:
    deadline: Deadline
    limit: Deadline
    is_late: bool
    is_too_late: bool
    since: str = SINCE_DECISION

    def refusal(self) -> str:
        """Why an appeal past the absolute limit cannot be received, with its last day."""
        return refusal(self.limit, self.since)


def refusal(limit: Deadline, since: str = SINCE_DECISION) -> str:
    """Why an appeal past the absolute `limit` (running from a decision or a grade's
    publication, `since`) cannot be received, with its last day."""
    values = {"limit": limit.rule.amount(), "rule": limit.rule.cite(),
              "date": format_date(limit.due)}
    if since == SINCE_GRADE:
        return _("The appeal cannot be received: more than %(limit)s have passed since the "
                 "grade was published (%(rule)s). The last day was %(date)s.", **values)
    return _("The appeal cannot be received: more than %(limit)s have passed since the "
             "decision (%(rule)s). The last day was %(date)s.", **values)


def absolute_limit(rules, decided_on: date) -> Deadline:
    """Never later than this, even with an excuse (forvaltningsloven § 31 tredje ledd)."""
    rule = rules.rule("late_appeal_absolute_limit")
    return Deadline(due=add_period(decided_on, rule), rule=rule)


def timeliness(deadline: Deadline, *, rules, decided_on: date, on: date,
               since: str = SINCE_DECISION) -> Timeliness:
    """An appeal filed `on` against `deadline`, on what was decided (or published) on
    `decided_on`, under the profile `rules`."""
    limit = absolute_limit(rules, decided_on)
    return Timeliness(deadline, limit, deadline.is_late(on), limit.is_late(on), since)


def late_explanation_field() -> TextAreaField:
    """The student's explanation of a late appeal (the form shows it when late)."""
    return TextAreaField(_l("Why is the appeal late?"), validators=[Optional(), Length(max=8000)])


def sent_complete(form, when: Timeliness, valid: bool) -> bool:
    """Whether the appeal form sent can be filed, but for its signature (checked last, under
    the login throttle). `valid`: what the form's own validators said (validate_on_submit).
    A late appeal's missing explanation is asked for beside the other fields' errors, in the
    same answer: asked for only once the rest was right, the student learned of it only
    after putting the rest right and sending again. Past the absolute limit the refusal is
    the form's error."""
    if refused(form, when) or not form.is_submitted():
        return False
    explained = not unexplained(form, when)
    return valid and explained


class GradeGone(Exception):
    """The grade a filing asks about is no longer the student's result (grade_gone)."""


def filed_once(student, standing, file, grade=None):
    """File an appeal with `file()` (its Case) unless `standing()` finds the appeal that
    stands already (its row), asked again inside the filing's transaction with the student
    held (engine.hold_student): two appeals sent at the same moment, from two tabs, each
    found none before filing and filed their own. (case id, whether it was filed now).

    On a `grade`, its exam registration is locked next (plan.lock_registrations, as a doctor's
    note, which sets a failing grade aside, locks it first) and the grade read again: one a
    note set aside meanwhile, whose open appeals lapsed in the note's transaction, or an
    appeal's new grade replaced, raises GradeGone, and nothing is filed."""
    with database.atomic():
        hold_student(student)
        if grade is not None:
            from portal.exams import plan
            from portal.exams.models import ExamRegistration
            from portal.grades.models import Grade

            plan.lock_registrations(ExamRegistration.id == grade.registration_id)
            if not Grade.select().where((Grade.id == grade.id) & Grade.stands()).exists():
                raise GradeGone()
        if (appeal := standing()) is not None:
            return appeal.case_id, False
        return file().id, True


def grade_gone():
    """Lead a student whose filing found its grade no longer their result (GradeGone) to
    their grades, which say what became of it."""
    flash(_("The grade you sent this about is no longer your result, so nothing was filed. "
            "Your grades show what became of it."), "error")
    return redirect(url_for("grades.mine"), code=303)


def received_already(case_id: int, said: str, sent: str | None = None):
    """Lead the student to the appeal that stands (the case `case_id`), telling them so
    (`said`: that one is received already, on what): on a form sent, that it was not filed
    besides (one appeal at a time; `sent` says so of what is not an appeal)."""
    if request.method == "POST":
        told = sent or _("The appeal you just sent is not filed; here is the one received.")
    else:
        told = _("Here it is.")
    flash(f"{said} {told}", "info")
    return redirect(url_for("cases.show", case_id=case_id), code=303)


def refused(form, when: Timeliness) -> bool:
    """Past the absolute limit: the refusal is the form's error, shown before it is sent."""
    if when.is_too_late:
        form.form_errors.append(when.refusal())
    return when.is_too_late


def unexplained(form, when: Timeliness) -> bool:
    """Late, and the student has not said why: the field asks, with the deadline and its
    rule."""
    if not when.is_late or explanation(form, when):
        return False
    form.late_explanation.errors = [_(
        "The deadline was %(date)s (%(rule)s). Explain why the appeal is late; the appeals body "
        "decides whether it can still be heard (forvaltningsloven § 31).",
        date=format_date(when.deadline.due), rule=when.deadline.rule.cite())]
    return True


def explanation(form, when: Timeliness) -> str:
    """What the student wrote of the delay: kept only when the appeal is late."""
    return (form.late_explanation.data or "").strip() if when.is_late else ""
