"""Forms of the exam plan: an exam, registering a class, a sick note."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.i18n import lazy_gettext as _l

FORM_LABELS = {
    "written": _l("Written"),
    "oral": _l("Oral"),
    "practical": _l("Practical"),
    "project": _l("Project"),
    "multiple_choice": _l("Multiple choice"),
}
STATUS_LABELS = {
    "registered": _l("Registered"),
    "withdrawn": _l("Withdrawn"),
    "sick_documented": _l("Sick note – does not count"),
    "attended": _l("Attended"),
}


class ExamForm(PortalForm):
    subject = SelectField(_l("Subject"), coerce=int,
                          validators=[InputRequired(message=_l("Choose the subject."))])
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    start = TimeField(_l("Starts at"),
                      validators=[InputRequired(message=_l("Enter the starting time."))])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[InputRequired(message=_l("Enter the duration in minutes.")),
                    NumberRange(min=10, max=60 * 24 * 30,
                                message=_l("The duration must be 10 minutes to 30 days."))],
    )
    form = SelectField(_l("Form"), choices=[SelectChoice(k, v) for k, v in FORM_LABELS.items()],
                       validators=[DataRequired(message=_l("Choose the form."))])
    aids = StringField(_l("Aids allowed"), validators=[Optional(), Length(max=500)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    is_final_assessment = BooleanField(_l("Final assessment (can be appealed)"))


class RegisterClassForm(PortalForm):
    school_class = SelectField(_l("Class"), coerce=int,
                               validators=[InputRequired(message=_l("Choose a class."))])


class SickNoteForm(PortalForm):
    document = FileField(_l("Doctor's note (photo or PDF)"))
    explanation = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
