from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.cases.steps import options
from portal.forms import PortalForm
from portal.grades.models import LETTERS
from portal.i18n import lazy_gettext as _l

GRADE_LABELS = {"pass": _l("Passed"), "fail": _l("Not passed")}
GRADE_CHOICES = [("", _l("No grade yet")), *[(g, g) for g in LETTERS],
                 *GRADE_LABELS.items()]
CHANNEL_CHOICES = [("electronic", _l("Electronically in the portal")),
                   ("other", _l("Otherwise (e.g. on paper or told in person)"))]


def grade_label(code: str) -> str:
    return str(GRADE_LABELS.get(code, code))


def record_form(registrations, data=None):
    """One grade per registered candidate, and what holds for the whole exam."""

    class RecordForm(PortalForm):
        guidelines = TextAreaField(_l("Written assessment guidelines (shown with the grade)"),
                                   validators=[Optional(), Length(max=8000)])
        has_oral_part = BooleanField(_l("The grade is set on a written and an oral part"))

    for reg in registrations:
        setattr(RecordForm, f"grade_{reg.id}",
                SelectField(reg.student.full_name, choices=options(GRADE_CHOICES),
                            validators=[Optional()]))
    return RecordForm(data=data)


class PublishForm(PortalForm):
    channel = RadioField(_l("How the grades are made known"), choices=options(CHANNEL_CHOICES),
                         default="electronic",
                         validators=[InputRequired(message=_l("Choose how the grades are "
                                                              "made known."))])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExaminersForm(PortalForm):
    examiners = MultiCheckboxField(_l("Examiners of this exam"), coerce=int,
                                   validators=[Optional()])
