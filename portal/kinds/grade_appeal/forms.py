from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.cases import appeals
from portal.cases.steps import StepForm
from portal.grades.forms import MultiCheckboxField
from portal.i18n import lazy_gettext as _l
from portal.kinds.decision_appeal.forms import SignedForm


class GradeAppealForm(SignedForm):
    reasons = TextAreaField(_l("Why do you appeal? (recommended)"),
                            validators=[Length(max=8000)])
    late_explanation = appeals.late_explanation_field()


class AppointForm(StepForm):
    examiners = MultiCheckboxField(_l("New examiners"), coerce=int,
                                   validators=[InputRequired(message=_l("Choose at least one "
                                                                        "new examiner."))])


class RegradeForm(StepForm):
    grade = RadioField(_l("New grade"), choices=[],
                       validators=[InputRequired(message=_l("Choose the grade."))])


