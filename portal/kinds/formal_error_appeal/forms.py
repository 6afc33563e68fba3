from datetime import date

from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.cases import appeals
from portal.cases.steps import StepForm, options
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.kinds.decision_appeal.forms import SignedForm
from portal.rules.deadlines import format_date

OUTCOMES = {
    "rejected": _l("Rejected"),
    "new_grading": _l("New grading"),
    "new_exam": _l("New exam"),
}
SCOPES = {"one": _l("For this candidate"), "all": _l("For all candidates of the exam")}


class FormalErrorForm(SignedForm):
    """`exam_day` and `today` bound the day the student learned of the error, from which the
    deadline `rule` runs."""

    learned_on = DateField(_l("When did you learn of the error?"),
                           validators=[InputRequired(message=_l("Enter the date."))])
    description = TextAreaField(
        _l("What was wrong (the exam task, how the exam was held, or the grading)?"),
        validators=[DataRequired(message=_l("Describe the error.")), Length(max=8000)])
    late_explanation = appeals.late_explanation_field()

    def __init__(self, *args, exam_day: date, today: date, rule, **kwargs):
        self.exam_day, self.today, self.rule = exam_day, today, rule
        super().__init__(*args, **kwargs)

    def validate_learned_on(self, field):
        if field.data is None:  # (not a date: said already)
            return
        if field.data < self.exam_day:
            raise ValidationError(_(
                "The day you learned of the error cannot be before the exam (%(exam)s): the "
                "deadline of %(period)s runs from when you learned of an error at the exam "
                "(%(rule)s).", exam=format_date(self.exam_day), period=self.rule.amount(),
                rule=self.rule.cite()))
        if field.data > self.today:
            raise ValidationError(_(
                "The day you learned of the error cannot be in the future (today is "
                "%(today)s): the deadline of %(period)s runs from when you learned of it "
                "(%(rule)s).", today=format_date(self.today), period=self.rule.amount(),
                rule=self.rule.cite()))


class OutcomeForm(StepForm):
    outcome = RadioField(_l("Outcome"), choices=[],
                         validators=[InputRequired(message=_l("Choose the outcome."))])
    scope = RadioField(_l("For whom"), choices=options(SCOPES.items()), default="one",
                       validators=[InputRequired(message=_l("Choose for whom."))])
    reasons = TextAreaField(_l("Reasons"), validators=[
        DataRequired(message=_l("Write the reasons.")), Length(max=8000)])


class ForwardForm(StepForm):
    assessment = TextAreaField(
        _l("Your assessment (sent to %(body)s)"),  # (the body named on the page: views)
        validators=[DataRequired(message=_l("Write your assessment.")), Length(max=8000)])
