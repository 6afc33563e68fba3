import re

from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from portal.cases.steps import StepForm
from portal.forms import FilingForm
from portal.i18n import lazy_gettext as _l
from portal.kinds.follow_up import OUTCOMES
from portal.kinds.follow_up.service import REASONS


class ReportForm(FilingForm):
    student = SelectField(_l("Student name"), coerce=int,
                          validators=[InputRequired(message=_l("Choose the student."))])
    subject = SelectField(_l("Course"), coerce=int,
                          validators=[InputRequired(message=_l("Choose the course."))])
    reason = RadioField(_l("What is the concern?"),
                        choices=[SelectChoice(k, v) for k, v in REASONS.items()],
                        validators=[InputRequired(message=_l("Choose what the concern is."))])
    text = TextAreaField(
        _l("What have you observed?"),
        validators=[DataRequired(message=_l("Describe what you have observed.")),
                    Length(max=4000)],
    )


class SummonForm(StepForm):
    meeting_on = DateField(_l("Date of the conversation"),
                           validators=[InputRequired(message=_l("Enter the date."))])
    meeting_time = StringField(
        _l("Time (hh:mm)"),
        validators=[DataRequired(message=_l("Enter the time, for example 10:15."))])
    place = StringField(_l("Place"),
                        validators=[DataRequired(message=_l("Enter where you will meet.")),
                                    Length(max=200)])

    def validate_meeting_time(self, field):
        if not re.fullmatch(r"([01]?\d|2[0-3])[:.][0-5]\d", (field.data or "").strip()):
            raise ValidationError(_l("Write the time as hh:mm, for example 10:15."))


class ProtocolForm(StepForm):
    held_on = DateField(_l("Date the conversation was held"),
                        validators=[InputRequired(message=_l("Enter the date the conversation "
                                                             "was held."))])
    protocol = TextAreaField(
        _l("Conversation protocol"),
        validators=[DataRequired(message=_l("Write the protocol of the conversation.")),
                    Length(max=10000)])


class SignForm(StepForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password to sign."))],
        render_kw={"autocomplete": "current-password"})


class CommentForm(StepForm):
    comment = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(message=_l("Write your comment.")), Length(max=4000)])


class CloseForm(StepForm):
    reason = TextAreaField(
        _l("Why no follow-up is needed"),
        validators=[DataRequired(message=_l("Write why the case is closed.")),
                    Length(max=2000)])


class DecideForm(StepForm):
    meeting_on = DateField(_l("Date of the meeting"),
                           validators=[InputRequired(message=_l("Enter the date."))])
    principal_present = BooleanField(_l("The principal took part"))
    coordinator_present = BooleanField(_l("The cohort coordinator took part"))
    outcome = RadioField(_l("Decision"), choices=[SelectChoice(k, v) for k, v in OUTCOMES.items()],
                         validators=[InputRequired(message=_l("Choose the decision."))])
    summary = TextAreaField(
        _l("The decision, in the student's words"),
        validators=[DataRequired(message=_l("Write the decision.")), Length(max=2000)])
    reasons = TextAreaField(
        _l("Reasons"),
        validators=[DataRequired(message=_l("Write the reasons for the decision.")),
                    Length(max=10000)])
