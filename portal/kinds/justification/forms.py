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


ENTER_THE_DATE = _l("Enter the date.")


class AnswerForm(StepForm):
    """The examiner's one form, with a button for each step: send the justification, or
    (until the examiner has said so) say when it can be expected. One form, so that the
    step taken sends what was written for the other too (a page's other form is not sent):
    the justification written before saying it will be late is kept (the request's draft),
    and a step not taken shows everything back. Each step checks its own fields."""

    answer = TextAreaField(_l("The justification"), validators=[Optional(), Length(max=20000)])
    given_orally = BooleanField(_l("The justification was given orally"))
    expected_on = DateField(_l("When can the justification be expected?"),
                            validators=[Optional()])

    def valid_for(self, step: str) -> bool:
        """validate_on_submit for `step` ("answer" or "delay"): the date is the delay's, and
        asked for by it alone."""
        self.validate_on_submit()
        if step == "answer":
            self.expected_on.errors = []
        elif self.expected_on.data is None and not self.expected_on.errors:
            self.expected_on.errors = [str(ENTER_THE_DATE)]
        return self.is_submitted() and not self.errors
