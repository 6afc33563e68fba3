from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.cases.steps import StepForm
from portal.forms import FilingForm
from portal.grades.forms import MultiCheckboxField
from portal.i18n import lazy_gettext as _l


class RequestForm(FilingForm):
    learned_on = DateField(_l("When did you learn the grade?"), validators=[Optional()])


class RouteForm(StepForm):
    examiners = MultiCheckboxField(_l("Examiners who answer"), coerce=int,
                                   validators=[InputRequired(message=_l("Choose at least one "
                                                                        "examiner."))])


class AnswerForm(StepForm):
    answer = TextAreaField(_l("The justification"), validators=[Optional(), Length(max=20000)])
    given_orally = BooleanField(_l("The justification was given orally"))


class DelayForm(StepForm):
    expected_on = DateField(_l("When can the justification be expected?"),
                            validators=[InputRequired(message=_l("Enter the date."))])
