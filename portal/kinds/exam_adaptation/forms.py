"""Forms: the application, asking for documentation, adding it, and the decision."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import FilingForm, PortalForm
from portal.i18n import lazy_gettext as _l
from portal.kinds.exam_adaptation.rules import MINUTES_BEYOND_BELIEF

ADAPTATION_LABELS = {
    "extra_time": _l("Extended time"),
    "dictionary": _l("Dictionary"),
    "pc": _l("PC"),
    "other_aids": _l("Other aids"),
    "reading_support": _l("Reading and writing support"),
    "separate_room": _l("Separate room"),
    "alternative_form": _l("Alternative exam form"),
}
OUTCOME_LABELS = {
    "granted": _l("Grant"),
    "partly_granted": _l("Grant in part"),
    "refused": _l("Refuse"),
}
# the labels of the decider's fields for each adaptation (beside its outcome)
DECISION_FIELD_LABELS = {
    "minutes": _l("Extra minutes granted"),
    "reason": _l("Reason (required unless granted)"),
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MinutesField(IntegerField):
    """A number of minutes: text that is not a whole number gets one message, ours; a field
    left blank has none (None: Optional() lets it be, and a rule that needs the minutes, with
    extended time ticked, says so)."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Write the number of minutes as a whole number.")) from None

    def pre_validate(self, form):
        if self.process_errors:  # (said already: the range check has no number to check)
            raise StopValidation()


class ApplicationForm(FilingForm):
    exams = CheckboxesField(_l("Exams"), coerce=int, validate_choice=False)
    all_exams = BooleanField(_l("All my exams this school year"))
    adaptations = CheckboxesField(
        _l("Adaptations you apply for"),
        choices=[SelectChoice(k, v) for k, v in ADAPTATION_LABELS.items()])
    extra_minutes = MinutesField(_l("Extended time (minutes)"), validators=[
        Optional(),
        NumberRange(min=1, message=_l("Write the number of minutes.")),
        NumberRange(max=MINUTES_BEYOND_BELIEF,
                    message=_l("Write at most %(max)s minutes.", max=MINUTES_BEYOND_BELIEF))])
    details = StringField(_l("Which aids or exam form"), validators=[Optional(), Length(max=500)])
    reason = TextAreaField(_l("Why you need the adaptation"), validators=[
        DataRequired(message=_l("Write why you need the adaptation.")), Length(max=5000)])
    documentation = FileField(_l("Documentation from an expert (photo or PDF)"))
    acute = BooleanField(_l("Acute injury or illness (filed after the deadline)"))
    acute_explanation = TextAreaField(_l("Explain the acute injury or illness and when it "
                                         "happened"), validators=[Optional(), Length(max=2000)])


class VersionedForm(PortalForm):
    version = HiddenField()


class AskDocumentationForm(VersionedForm):
    text = TextAreaField(_l("What documentation is missing"), validators=[
        DataRequired(message=_l("Write what must be sent.")), Length(max=2000)])


class AddDocumentationForm(VersionedForm):
    documentation = FileField(_l("Documentation (photo or PDF)"))
    text = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])


class DecideForm(VersionedForm):
    reasons = TextAreaField(_l("Reasons for the decision"), validators=[
        Optional(), Length(max=10000)])


class WithdrawForm(VersionedForm):
    pass
