from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.cases import appeals
from portal.cases.steps import StepForm, options
from portal.i18n import lazy_gettext as _l
from portal.kinds.decision_appeal.forms import SignedForm

OUTCOMES = {
    "rejected": _l("Rejected"),
    "new_grading": _l("New grading"),
    "new_exam": _l("New exam"),
}
SCOPES = {"one": _l("For this candidate"), "all": _l("For all candidates of the exam")}


class FormalErrorForm(SignedForm):
    learned_on = DateField(_l("When did you learn of the error?"),
                           validators=[InputRequired(message=_l("Enter the date."))])
    description = TextAreaField(
        _l("What was wrong (the exam task, how the exam was held, or the grading)?"),
        validators=[DataRequired(message=_l("Describe the error.")), Length(max=8000)])
    late_explanation = appeals.late_explanation_field()


class OutcomeForm(StepForm):
    outcome = RadioField(_l("Outcome"), choices=[],
                         validators=[InputRequired(message=_l("Choose the outcome."))])
    scope = RadioField(_l("For whom"), choices=options(SCOPES.items()), default="one",
                       validators=[InputRequired(message=_l("Choose for whom."))])
    reasons = TextAreaField(_l("Reasons"), validators=[
        DataRequired(message=_l("Write the reasons.")), Length(max=8000)])


class ForwardForm(StepForm):
    assessment = TextAreaField(
        _l("Your assessment (sent to the appeals body)"),
        validators=[DataRequired(message=_l("Write your assessment.")), Length(max=8000)])
