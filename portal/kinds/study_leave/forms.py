"""Forms of the study-leave case: the application and each step's small form."""

from datetime import datetime

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.cases.uploads import held_token
from portal.forms import FilingForm, PortalForm
from portal.i18n import lazy_gettext as _l

DATE_MESSAGE = _l("Enter a date, for example 30.11.2026.")


class ApplyForm(FilingForm):
    first_day = DateField(_l("First day of the period"),
                          validators=[InputRequired(message=DATE_MESSAGE)])
    last_day = DateField(_l("Last day of the period"),
                         validators=[InputRequired(message=DATE_MESSAGE)])
    reason = TextAreaField(
        _l("Why do you apply?"),
        validators=[DataRequired(message=_l("Write why you apply for independent study.")),
                    Length(max=3000, message=_l("Write at most 3000 characters."))])
    is_sports_event = BooleanField(_l("The absence is for a sports event"))
    parents_informed = BooleanField(_l("My parents or guardians are informed"))
    club_informed = BooleanField(_l("My club is informed"))
    confirmation = FileField(_l("Confirmation from the club or your parents (photo or PDF)"))

    def validate_confirmation(self, field):
        # (a file kept from the last try counts; the view checks that it is still there)
        if self.is_sports_event.data and not field.data and not held_token(field):
            raise ValidationError(_l("For a sports event, attach the confirmation from the club "
                                     "or your parents."))


class StepForm(PortalForm):
    """Every step carries the version the user saw, so a stale page is refused."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class DecideForm(StepForm):
    choice = RadioField(_l("What do you decide?"), choices=[
        SelectChoice("grounds", _l("There are grounds: send to the subject teachers")),
        SelectChoice("refuse", _l("Refuse the application")),
    ], validators=[InputRequired(message=_l("Choose what to do with the application."))])
    text = TextAreaField(_l("Reasons or message"), validators=[Length(max=5000)])

    def validate_text(self, field):
        if self.choice.data == "refuse" and not (field.data or "").strip():
            raise ValidationError(_l("Write the reasons for the refusal; the student and the "
                                     "contact teacher will see them."))


class TeacherAnswerForm(StepForm):
    """`version` is not compared: only `answered`, the answer as the teacher saw it
    (flow.answered_token), so that another subject's answer is no conflict."""

    answered = HiddenField()
    choice = RadioField(_l("Your answer for this subject"), choices=[
        SelectChoice("approve", _l("Approve")),
        SelectChoice("decline", _l("Decline")),
    ], validators=[InputRequired(message=_l("Choose approve or decline."))])
    text = TextAreaField(
        _l("Material and tasks for the period, or why you decline"),
        validators=[DataRequired(message=_l("Write the tasks for the period, or why you "
                                            "decline.")), Length(max=5000)])

    def validate_answered(self, field):
        try:
            if field.data:
                datetime.fromisoformat(field.data)
        except ValueError:
            raise ValidationError("not a time the portal gave") from None


class AnswerForm(StepForm):
    choice = RadioField(_l("Answer to the student"), choices=[
        SelectChoice("grant", _l("Grant, with the teachers' tasks")),
        SelectChoice("refuse", _l("Refuse")),
    ], validators=[InputRequired(message=_l("Choose grant or refuse."))])
    text = TextAreaField(_l("Message or reasons"), validators=[Length(max=5000)])

    def validate_text(self, field):
        if self.choice.data == "refuse" and not (field.data or "").strip():
            raise ValidationError(_l("Write the reasons for the refusal."))


class TaskDoneForm(StepForm):
    pass


class DocumentationForm(StepForm):
    document = FileField(_l("Documentation for the period (photo or PDF)"))

    def validate_document(self, field):
        # (a file kept from the last try counts; the view checks that it is still there)
        if not field.data and not held_token(field):
            raise ValidationError(_l("Choose a file."))


class LinkNoteForm(StepForm):
    # The choice is checked by flow.link_absence_note, with a message that says why.
    note = RadioField(_l("Your absence note for the period"), coerce=int, validate_choice=False,
                      validators=[InputRequired(message=_l("Choose an absence note."))])


class FinishForm(StepForm):
    choice = RadioField(_l("Finish the case"), choices=[
        SelectChoice("complete", _l("The work is shown: approve and record the period as R")),
        SelectChoice("close", _l("Close as not completed")),
    ], validators=[InputRequired(message=_l("Choose how to finish the case."))])
    text = TextAreaField(_l("Comment"), validators=[Length(max=5000)])

    def validate_text(self, field):
        if self.choice.data == "close" and not (field.data or "").strip():
            raise ValidationError(_l("Write why the case is closed as not completed."))


class WithdrawForm(StepForm):
    pass
