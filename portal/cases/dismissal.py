"""Dismissing a late appeal (avvisning), the same for every kind of appeal.

An appeal received after its deadline is flagged "for sent" with the student's explanation
(cases/appeals.py) for those who decide it to judge (forvaltningsloven § 31). Where they do
not accept the explanation, they dismiss the appeal unheard: the first instance (forvaltningsloven
§ 33 annet ledd; the exam office for an appeal on a grade) by a decision of its own, which is an
enkeltvedtak (§ 2 tredje ledd) with reasons and a right of appeal; the appeals body (§ 34 første
ledd) by its own final ruling, recorded as its other rulings are (the first instance, by sending
the appeal on, found that it could be heard: § 28 tredje ledd bokstav b). Only an appeal flagged
late can be dismissed as late, and the kind's step refuses any other inside its transaction.

The legal references and their explanations are the school's profile's rules
(`late_appeal_dismissal`, `late_appeal_dismissal_by_board`); the decision's appeal deadline and
appeal body are decisions.issue's, from the profile too.

A ruling on an appeal against the first instance's dismissal (cases/rulings.py) that returns it
for new treatment, or changes it in the student's favour (the appeal is to be heard after all:
HEARD), sends the dismissed appeal back to where it is heard, as received (ruled): its kind
declares the two steps (ruling_transitions) and says what goes back with it. Returned, the
first instance may dismiss it again; changed, the question is settled, and the first instance
decides what the appeal asks for (heard_on_appeal). Returned and sent on, the appeal may be
dismissed by the appeals body, finally: the first instance's dismissal no longer decides it, and
a ruling on that dismissal (a second appeal on it, received beside the first) is refused
(dismissed_finally), though the appeal is dismissed and that dismissal still its newest
decision.
"""

from flask import flash
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.cases import decisions, rulings
from portal.cases.kinds import APPEAL_REVIEWER, State, Transition, get_kind
from portal.cases.steps import StepForm, StepRefused, take_step
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Event
from portal.rules.deadlines import format_date

# the closed state of a dismissed appeal, the outcome of the decision that dismisses it, and
# the board's vote for it
DISMISSED = "dismissed"
ACTION = "dismiss"
RULE = "late_appeal_dismissal"  # the first instance's
BOARD_RULE = "late_appeal_dismissal_by_board"  # the appeals body's (final)
LABEL = _l("Dismissed – the appeal came too late")

decisions.register_outcomes({DISMISSED: LABEL})

EVENT_LABEL = _l("Appeal dismissed: it came too late")
NOT_LATE = _l("This appeal was received within its deadline, so it cannot be dismissed as "
              "late. Decide what it asks for.")
HEARD_ALREADY = _l("A ruling on appeal has decided that this appeal is to be heard though it "
                   "came late, so it cannot be dismissed as late. Decide what it asks for.")
TO_STUDENT = _l("Your appeal has been dismissed because it came too late.")


# Each kind of appeal's row (kind code -> its model, with case, filed_on, is_late and
# late_explanation), registered by the kind: an appeal on a dismissal shows the appeal dismissed
APPEALS: dict = {}


def dismissed_appeal(decision):
    """The appeal that `decision` (its case loaded) dismissed as late, or None (another
    decision): those who decide an appeal on the dismissal, and the student, read the
    student's explanation for the delay beside the dismissal's reasons (forvaltningsloven
    §§ 31, 33-34). One statement, for a dismissal only."""
    model = APPEALS.get(decision.case.kind) if decision.outcome == DISMISSED else None
    return model.get_or_none(model.case == decision.case_id) if model is not None else None


def state() -> State:
    """The closed state a dismissed appeal ends in: what happened, in words."""
    return State(DISMISSED, LABEL, is_open=False)


class DismissForm(StepForm):
    """The first instance's dismissal: the reasons for not accepting the explanation."""

    # (named apart from the page's other forms' reasons: one id on the page for each field)
    dismissal_reasons = TextAreaField(
        _l("Why the explanation for the delay is not accepted (the reasons of the decision)"),
        validators=[DataRequired(message=_l(
            "Write why the explanation for the delay is not accepted: a decision to dismiss "
            "an appeal must give its reasons (forvaltningsloven § 24).")),
            Length(max=8000)])


def refuse_unless_late(appeal) -> None:
    """Inside the step: an appeal received in time cannot be dismissed as late."""
    if not appeal.is_late:
        raise StepRefused(NOT_LATE)


def issue(case, *, appeal, deadline, reasons: str, actor, role: str,
          appeal_body: str | None = None):
    """The first instance's decision to dismiss `appeal` (received after `deadline`, a
    Deadline), with `reasons`: inside the step's transaction (its effect)."""
    refuse_unless_late(appeal)
    rule = case.school.rules.rule(RULE)
    summary = _("The appeal received on %(filed)s is dismissed: it came after the deadline, "
                "%(date)s (%(deadline_rule)s), and the explanation for the delay is not "
                "accepted as grounds for hearing it all the same (%(rule)s).",
                filed=format_date(appeal.filed_on), date=format_date(deadline.due),
                deadline_rule=deadline.rule.cite(), rule=rule.cite())
    return decisions.issue(case, outcome=DISMISSED, summary=summary, reasons=reasons,
                           rule_reference=rule.reference, decided_by=actor, role=role,
                           appeal_body=appeal_body)


def step(case, context, form, *, role: str, refused, after=None, appeal_body=None):
    """The first instance's dismissal of the appeal on its page (`context`: its appeal and
    deadline), the same for every kind: for an appeal received in time, or a form without
    its reasons, `refused()` (the kind's page again, 422); else the step, whose transaction
    issues the decision and then writes the kind's own rows (`after(case)`)."""
    appeal = context["appeal"]
    if not appeal.is_late or not form.validate_on_submit():
        if not appeal.is_late:
            flash(str(NOT_LATE), "error")
        return refused()
    actor = current_user._get_current_object()

    def effect(case, event):
        refuse_if_heard(case)
        issue(case, appeal=appeal, deadline=context["deadline"],
              reasons=form.dismissal_reasons.data.strip(), actor=actor, role=role,
              appeal_body=appeal_body)
        if after is not None:
            after(case)

    return take_step(case, ACTION, form, actor=actor, effect=effect, done=done(case.school))


def done(school) -> str:
    """What the first instance is told when its dismissal is recorded."""
    from portal.roles import student_words

    return _("The appeal is dismissed as late. %(Student)s is told, with the decision and the "
             "right to appeal it.", **student_words(school))


def board_rule(school):
    """The appeals body's rule for dismissing (its reference says why it is final)."""
    return school.rules.rule(BOARD_RULE)


# A ruling on an appeal against the first instance's dismissal: changed in the student's favour
# (the one change there is: the appeal is heard), or returned for new treatment
HEARD = "heard"
decisions.register_outcomes({HEARD: _l("The appeal is to be heard: the dismissal is set aside")})
RULINGS_APPLIED = frozenset({HEARD, rulings.RETURNED})
HEARD_ACTION, RETURN_ACTION = "appeal_change", "appeal_return"
HEARD_LABEL = _l("Dismissal changed on appeal: the appeal is to be heard")
RETURNED_LABEL = _l("Returned for new treatment on appeal")


def ruling_transitions(to: str) -> list[Transition]:
    """The steps a ruling on the first instance's dismissal takes: back to `to`, the state
    where the appeal is heard as received."""
    return [Transition(DISMISSED, HEARD_ACTION, {APPEAL_REVIEWER}, to),
            Transition(DISMISSED, RETURN_ACTION, {APPEAL_REVIEWER}, to)]


def is_dismissal(decision) -> bool:
    """Whether `decision` is the first instance's dismissal of a late appeal
    (Kind.ruling_applies of a kind whose other decisions a ruling leaves as they are)."""
    return decision.outcome == DISMISSED


def ruling_changes(decision) -> list[str]:
    """What a ruling may change a dismissal to (Kind.ruling_changes): that the appeal is
    heard, in full (there is no hearing in part); nothing for another decision."""
    return [HEARD] if is_dismissal(decision) else []


def ruled(ruling, *, effect, heard: str, returned: str):
    """Apply `ruling` on the first instance's dismissal (cases.rulings.Ruling: HEARD or
    returned) to the dismissed appeal, inside the ruling's transaction: back as received,
    with `effect` (the engine's: what goes back with it, the answer's new deadline) and the
    text `heard` or `returned` in its timeline; refused unless the appeal is still dismissed
    by the first instance (not finally, by the appeals body: dismissed_finally) and the
    dismissal its newest decision (rulings.take). None for another decision."""
    if not is_dismissal(ruling.decision):
        return None
    if ruling.case.state == DISMISSED and dismissed_finally(ruling.case):
        raise StepRefused(_(
            "The appeal the dismissal was made in has since been dismissed finally by the "
            "appeals body, as it came too late (%(rule)s). The dismissal appealed no longer "
            "decides it, so the ruling cannot be applied to it. Read its timeline.",
            rule=board_rule(ruling.case.school).cite()))
    return rulings.take(ruling, RETURN_ACTION if ruling.returned else HEARD_ACTION,
                        stands=ruling.case.state == DISMISSED, effect=effect,
                        text=returned if ruling.returned else heard)


def dismissed_finally(case) -> bool:
    """Whether the dismissal that holds `case` (dismissed) is the appeals body's, which is
    final, not the first instance's decision: the kind's step into the dismissed state taken
    last issues no decision. (The body's dismissal records none, so the first instance's
    dismissal returned before is still the case's newest decision.)"""
    last = (Event.select(Event.state_before, Event.action)
            .where((Event.case == case.id) & (Event.state_after == DISMISSED)
                   & (Event.state_before != DISMISSED))
            .order_by(Event.id.desc()).first())
    if last is None:
        return False
    transition = get_kind(case.kind).transition(last.state_before, last.action)
    return transition is not None and not transition.decision


def heard_on_appeal(case) -> bool:
    """Whether a ruling on appeal changed a dismissal of `case`'s appeal, as late, in the
    student's favour: it is to be heard, and the first instance cannot dismiss it again. (Only
    the step out of the dismissed state: a kind may take a step of that name on a ruling on
    another of its decisions, as a formal-error appeal does on its grant.)"""
    return Event.select().where((Event.case == case.id) & (Event.action == HEARD_ACTION)
                                & (Event.state_before == DISMISSED)).exists()


def refuse_if_heard(case) -> None:
    """Inside the first instance's dismissal: refused where a ruling decided it is heard."""
    if heard_on_appeal(case):
        raise StepRefused(HEARD_ALREADY)
