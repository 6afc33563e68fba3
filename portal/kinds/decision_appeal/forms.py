from wtforms import BooleanField, DateField, PasswordField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.cases import appeals, dismissal
from portal.cases.steps import StepForm, options
from portal.forms import FilingForm
from portal.i18n import lazy_gettext as _l
from portal.kinds.decision_appeal.rules import BOARD_OUTCOMES

TEXT = [Length(max=8000)]


class SignedForm(FilingForm):
    """An appeal must be dated and signed: the student confirms with their password, at the
    foot of the form, after the fields of the appeal that extends this one."""

    shown_last = ("confirm", "password")

    confirm = BooleanField(
        _l("I confirm that this appeal is mine and sign it by entering my password"),
        validators=[DataRequired(message=_l("Tick the box to sign the appeal."))])
    password = PasswordField(
        _l("Your password (signature)"),
        validators=[DataRequired(message=_l("Enter your password to sign the appeal."))],
        render_kw={"autocomplete": "current-password"})

    def signature_ok(self, user) -> bool:
        """The password is the signature, checked under the login throttle; a wrong one (or
        a wait the throttle asks for) is a field error."""
        from portal.auth import signed

        return signed(user, self.password, _l("The password is wrong; the appeal is not signed."))


class AppealForm(SignedForm):
    change_wanted = TextAreaField(
        _l("What do you want changed in the decision?"),
        validators=[DataRequired(message=_l("Write what you want changed.")), *TEXT])
    reasons = TextAreaField(
        _l("Why? Your reasons for the appeal"),
        validators=[DataRequired(message=_l("Write why you appeal.")), *TEXT])
    late_explanation = appeals.late_explanation_field()


class ReverseForm(StepForm):
    outcome = RadioField(_l("New outcome"), choices=[],
                         validators=[InputRequired(message=_l("Choose the new outcome."))])
    reasons = TextAreaField(
        _l("Reasons for the new decision"),
        validators=[DataRequired(message=_l("Write the reasons for the new decision.")),
                    *TEXT])


class ForwardForm(StepForm):
    assessment = TextAreaField(
        # (the page names the body the appealed decision's letter names: views.case_context)
        _l("Your assessment of the appeal (sent to the appeals body)"),
        validators=[DataRequired(message=_l("Write your assessment of the appeal.")), *TEXT])


VOTE_CHOICES = [("", _l("Not present")), *BOARD_OUTCOMES.items()]


def vote_choices(dismissable: bool):
    """The votes a member may cast: to dismiss the appeal only when it came late."""
    return [(code, label) for code, label in VOTE_CHOICES
            if dismissable or code != dismissal.DISMISSED]


def board_form(members, data=None, changes=(), dismissable=False):
    """The board's meeting: one vote per member who may sit, the chair, the minutes, and
    what the decision is changed to if the majority changes it (`changes`: the outcomes in
    the student's favour, as (code, label)); `dismissable`: the appeal came late, and the
    board may dismiss it unheard (cases/dismissal.py)."""

    class BoardForm(StepForm):
        shown_last = ("minutes",)  # after the members' votes, added below
        new_outcome = RadioField(_l("New outcome, if the decision is changed"),
                                 choices=options(changes), validators=[Optional()])
        meeting_on = DateField(_l("Date of the meeting"),
                               validators=[InputRequired(message=_l("Enter the date of the "
                                                                    "meeting."))])
        chair = SelectField(_l("Chair of the meeting"),
                            choices=options((str(m.id), m.full_name) for m in members),
                            validators=[DataRequired(message=_l("Choose the chair."))])
        minutes = TextAreaField(
            _l("Minutes: who attended, how long the meeting lasted, the reasons"),
            validators=[DataRequired(message=_l("Write the minutes of the meeting.")), *TEXT])

    for m in members:
        setattr(BoardForm, f"vote_{m.id}",
                SelectField(m.full_name, choices=options(vote_choices(dismissable)),
                            validators=[Optional()]))
    return BoardForm(data=data) if data is not None else BoardForm()
