"""Filing an appeal on a decision and the principal's and the board's steps."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.cases import appeals, decisions, dismissal, rulings
from portal.cases.access import case_for
from portal.cases.engine import add_participant, open_case
from portal.cases.rulings import Ruling
from portal.cases.steps import (
    StepRefused,
    form_on_page,
    options,
    step_form,
    take_step,
    unconfirmed_withdrawal,
)
from portal.cases.steps import withdraw as steps_withdraw
from portal.collation import by_name
from portal.db import Prepared
from portal.forms import future_meeting_error
from portal.i18n import gettext as _
from portal.kinds.decision_appeal import KIND, bp, label_words_of
from portal.kinds.decision_appeal import rules as r
from portal.kinds.decision_appeal.forms import AppealForm, ForwardForm, ReverseForm, board_form
from portal.kinds.decision_appeal.models import BoardVote, DecisionAppeal
from portal.models import Case, Decision, SchoolYear, User
from portal.models.people import holders
from portal.roles import body_words, student_words
from portal.rules import calendar as cal
from portal.rules.deadlines import format_date


def _decision_for_student(decision_id) -> Decision:
    decision = (Decision.select(Decision, Case).join(Case)
                .where(Decision.id == decision_id).first()) if str(decision_id).isdigit() else None
    if decision is None or decision.case.student_id != current_user.id:
        abort(404)
    return decision


def _open_appeal(decision):
    return (DecisionAppeal.select().join(Case)
            .where((DecisionAppeal.decision == decision) & (Case.state != "withdrawn")).first())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Appeal a decision, started from the decision letter (?decision=<id>)."""
    decision = _decision_for_student(request.args.get("decision", ""))
    school = decision.case.school
    existing = _open_appeal(decision)
    if existing is not None:
        return _received_already(existing.case_id)
    form = AppealForm()
    on = cal.today()
    when = r.timeliness(decision, on)
    status = 200
    if form.is_submitted():
        status = 422
    if (appeals.sent_complete(form, when, form.validate_on_submit())
            and form.signature_ok(current_user)):
        case_id, filed = appeals.filed_once(current_user.id, lambda: _open_appeal(decision),
                                            lambda: _file(decision, form, when, on))
        if not filed:  # (sent from another tab at the same moment)
            return _received_already(case_id)
        flash(_("Your appeal is received. The receipt below shows what happens next."),
              "success")
        return redirect(url_for("cases.show", case_id=case_id), code=303)
    return render_template("decision_appeal/new.html", form=form, decision=decision,
                           when=when, school=school, today=on,
                           body_words=body_words(decision.appeal_body)), status


def _received_already(case_id):
    """The decision's appeal that stands (not withdrawn): one a decision has at a time."""
    return appeals.received_already(case_id, _("An appeal on this decision is received already."))


def _file(decision, form, when, on):
    school = decision.case.school
    principals = [(u, "principal") for u in holders(school, "principal")]
    due = r.answer_deadline(school, on).due if "appeal_board_answer_within" in school.rules \
        else None

    def effect(case):
        DecisionAppeal.create(
            case=case, decision=decision, change_wanted=form.change_wanted.data.strip(),
            reasons=form.reasons.data.strip(), signed_at=case.created_at, filed_on=on,
            is_late=when.is_late, late_explanation=appeals.explanation(form, when),
            answer_due=due)
        case.staff_due_on = due
        case.save()

    return open_case(
        KIND, school=school, school_year=SchoolYear.current(school, on),
        student=current_user._get_current_object(), actor=current_user._get_current_object(),
        title=_("Appeal: %(summary)s", summary=decision.summary)[:200],
        participants=principals, data={"late": when.is_late}, effect=effect)


# The appeal with the decision appealed, that decision's case and who made it (the page names
# them): one statement
_APPEALED_CASE, _DECIDED_BY = Case.alias("appealed_case"), User.alias("decided_by")
_appeal_row = Prepared(lambda case_id: (
    DecisionAppeal.select(DecisionAppeal, Decision, _APPEALED_CASE, _DECIDED_BY)
    .join(Decision, on=(DecisionAppeal.decision == Decision.id))
    .join(_APPEALED_CASE, on=(Decision.case == _APPEALED_CASE.id), attr="case")
    .switch(Decision)
    .join(_DECIDED_BY, on=(Decision.decided_by == _DECIDED_BY.id), attr="decided_by")
    .where(DecisionAppeal.case == case_id)
    .limit(1)))


def _appeal_and_decision(case):
    """The appeal of `case` and the decision appealed (its case and its maker loaded; the
    case's school, where it is the appeal's, the one already read with the appeal's case)."""
    appeal = _appeal_row.first(case.id)
    if appeal is None:
        raise DecisionAppeal.DoesNotExist(f"no appeal in case {case.id}")
    decision = appeal.decision
    if decision.case.school_id == case.school_id:
        decision.case.school = case.school
    return appeal, decision


def case_context(case, parts):
    appeal, decision = _appeal_and_decision(case)
    members, blocked = r.board(case.school, decision)
    # the minutes name each member; there are votes only once the board has met
    votes = list(BoardVote.select(BoardVote, User).join(User)
                 .where(BoardVote.appeal == appeal)) if appeal.meeting_on else []
    context = {
        "appeal": appeal, "appealed": decision, "deadline": r.appeal_deadline(decision),
        "blocked": blocked, "members": members, "votes": votes,
        "first_instance": case.school.rules.rule("decision_appeal_first_instance"),
        # the body the appealed decision's letter names (decisions.issue: the profile's, or
        # the kind's own, as a formal error's), which hears the appeal: the receipt, the
        # page's steps and headings and the timeline say so (body_words: %(body)s, %(Body)s)
        "appeal_body": decision.appeal_body,
        "body_words": body_words(decision.appeal_body),
        "label_words": tuple(sorted(label_words_of(decision.appeal_body, case.school).items())),
        "holders": _holders(case), "board_outcomes": r.BOARD_OUTCOMES,
        # a board member who may not take part (forvaltningsloven § 6) learns that and why,
        # not what the appeal says, the assessment or the board's minutes
        "recused": parts == {"board_recused"},
        "new_outcome_label": new_outcome_label,
        "dismissal_rule": case.school.rules.rule(dismissal.RULE),
        "board_dismissal_rule": dismissal.board_rule(case.school),
        # late, and a ruling on appeal decided that it is heard: no longer to be dismissed
        "heard_on_appeal": appeal.is_late and dismissal.heard_on_appeal(case),
        # an appeal on a dismissal as late: the appeal dismissed, whose student's explanation
        # for the delay is shown beside the dismissal's reasons
        "dismissed_appeal": dismissal.dismissed_appeal(decision),
    }
    if (case.state == "filed" and "principal" in parts) or (
            case.state == "with_board" and "appeals_board" in parts):
        # what a change in part grants, where the ruling must say it (rulings.parts), as sent
        context["ruling_parts"] = rulings.parts(decision)
        context["parts_chosen"] = _parts_sent()
    if case.state == "filed" and "principal" in parts:
        changes = _changes(case, decision)
        context["reverse_form"] = step_form(ReverseForm, case)
        context["reverse_form"].outcome.choices = options(changes)
        context["reverse_hint"] = _ruling_hint(decision, changes)
        context["forward_form"] = step_form(ForwardForm, case)
        context["forward_form"].assessment.label.text = _(
            "Your assessment of the appeal (sent to %(body)s)", **context["body_words"])
        if not context["heard_on_appeal"]:
            context["dismiss_form"] = step_form(dismissal.DismissForm, case)  # (when late)
    if case.state == "with_board" and "appeals_board" in parts:
        changes = _changes(case, decision)
        context["board_form"] = step_form(
            lambda: board_form(members, changes=changes,
                               dismissable=appeal.is_late and not context["heard_on_appeal"]),
            case)
        context["board_hint"] = _ruling_hint(
            decision, [*changes, (rulings.RETURNED, str(r.BOARD_OUTCOMES["returned"]))])
    return context


def _ruling_hint(decision, outcomes) -> list[str]:
    """What the rulings `outcomes` ((code, label)) do to the case the decision was made in:
    which its kind applies there at once (cases.rulings) and which it does not."""
    applied = rulings.applied(decision)
    done = [label for code, label in outcomes if code in applied]
    not_done = [label for code, label in outcomes if code not in applied]
    hint = []
    if done:
        hint.append(_("Applied at once to the case the decision was made in, and shown in its "
                      "timeline: %(outcomes)s.", outcomes="; ".join(done)))
    if not_done:
        hint.append(_("Not applied to the case the decision was made in (those who handle it "
                      "carry it out there): %(outcomes)s.", outcomes="; ".join(not_done)))
    return hint


def _changes(case, decision) -> list[tuple[str, str]]:
    """The outcomes the decision may be changed to, in the student's favour, as its kind has
    them (rulings.changes): (code, label)."""
    return [(code, new_outcome_label(decision, code)) for code in rulings.changes(decision)]


def new_outcome_label(decision, code: str | None) -> str:
    """What the decision (its case loaded) is changed to, in words (empty when it is not):
    a grant in the student's favour, or an outcome of the decision's kind's own."""
    if not code:
        return ""
    label = r.REVERSAL_OUTCOMES.get(code)
    if label is not None:
        return str(label) % student_words(decision.case.school)
    return decisions.outcome_label(code, decision.case.kind)


def _parts_sent() -> set[int]:
    """The parts a change in part names (rulings.parts' ids), as the form sent them."""
    if request.method != "POST":
        return set()
    return {int(v) for v in request.form.getlist("parts") if v.isdigit()}


def _parts_of_change(context, outcome) -> tuple[tuple[int, ...], str | None]:
    """What the change to `outcome` names of the decision's parts (rulings.parts), and why
    that is not a change in part of it (None when it is, or names none it need not)."""
    offered = {part for part, _label in context.get("ruling_parts") or ()}
    if outcome != rulings.IN_PART or not offered:
        return (), None
    chosen = tuple(sorted(context["parts_chosen"] & offered))
    if not chosen:
        return chosen, _("A change in part: tick what it grants.")
    if len(chosen) == len(offered):
        return chosen, _("Everything is ticked: that is a change in full. Choose the change "
                         "asked for, or leave out what the change does not grant.")
    return chosen, None


def _holders(case):
    from portal.models import Participant, User

    part = {"filed": "principal", "with_board": "appeals_board"}.get(case.state)
    if part is None:
        return []
    return [p.user for p in Participant.select(Participant, User).join(User)
            .where((Participant.case == case) & (Participant.part == part))
            .order_by(by_name(User.full_name), User.id)]


@bp.route("/<int:case_id>/reverse", methods=["POST"])
@login_required
def reverse(case_id):
    """First instance: change the decision in the student's favour (never to their detriment)."""
    case, context, form = form_on_page(case_id, KIND, "reverse_form", ReverseForm)
    ok = form.validate_on_submit()
    chosen, error = _parts_of_change(context, form.outcome.data) if ok else ((), None)
    if error:
        context["parts_error"] = error
        form.form_errors.append(error)
        ok = False
    if not ok:
        return render_template("decision_appeal/case.html", **context), 422
    appeal, appealed = context["appeal"], context["appealed"]
    actor = current_user._get_current_object()

    def effect(case, event):
        if form.outcome.data not in rulings.changes(appealed):
            raise StepRefused(_("The first instance can only change the decision in "
                                "%(students)s favour.", **student_words(case.school)))
        label = new_outcome_label(appealed, form.outcome.data)
        decisions.issue(case, outcome=form.outcome.data, reasons=form.reasons.data.strip(),
                        summary=f"{label}: {appeal.change_wanted}"[:2000],
                        rule_reference=context["first_instance"].cite(),
                        decided_by=actor, role="principal")
        DecisionAppeal.update(outcome="reversed").where(DecisionAppeal.id == appeal.id).execute()
        case.staff_due_on = None
        case.save()
        rulings.apply(Ruling(decision=appealed, outcome=form.outcome.data, actor=actor,
                             role="principal", appeal=case, parts=chosen))

    return take_step(case, "reverse", form, actor=actor, effect=effect,
                     done=_("The decision is changed in %(students)s favour.",
                            **student_words(case.school)))


@bp.route("/<int:case_id>/forward", methods=["POST"])
@login_required
def forward(case_id):
    """First instance: send the appeal to the appeals board with an assessment."""
    case, context, form = form_on_page(case_id, KIND, "forward_form", ForwardForm)
    if not form.validate_on_submit():
        return render_template("decision_appeal/case.html", **context), 422
    appeal, appealed = context["appeal"], context["appealed"]
    on = cal.today()
    due = r.answer_deadline(case.school, on).due

    def effect(case, event):
        DecisionAppeal.update(assessment=form.assessment.data.strip(), forwarded_on=on,
                              answer_due=due).where(DecisionAppeal.id == appeal.id).execute()
        members, blocked = r.board(case.school, appealed)
        for member in members:
            add_participant(case, member, "appeals_board")
        for member, _reason in blocked:
            add_participant(case, member, "board_recused")
        case.staff_due_on = due
        case.save()

    return take_step(case, "forward", form, actor=current_user._get_current_object(),
                     effect=effect,
                     done=_("The appeal is sent to %(body)s.", **context["body_words"]))


@bp.route("/<int:case_id>/dismiss", methods=["POST"])
@login_required
def dismiss(case_id):
    """First instance: dismiss a late appeal unheard, by a decision with its reasons and a
    right of appeal (forvaltningsloven § 33 annet ledd)."""
    case, context, form = form_on_page(case_id, KIND, "dismiss_form", dismissal.DismissForm)

    def after(case):
        DecisionAppeal.update(outcome=dismissal.DISMISSED).where(
            DecisionAppeal.id == context["appeal"].id).execute()
        case.staff_due_on = None
        case.save()

    return dismissal.step(
        case, context, form, role="principal", after=after,
        refused=lambda: (render_template("decision_appeal/case.html", **context), 422))


@bp.route("/<int:case_id>/decide", methods=["POST"])
@login_required
def decide(case_id):
    """The appeals board: the votes of the members present, the chair, the minutes."""
    case, context, form = form_on_page(case_id, KIND, "board_form",
                                       lambda: board_form([]))  # (its minutes, if not taken)
    members = context["members"]
    ok = form.validate_on_submit()
    votes = {m.id: getattr(form, f"vote_{m.id}").data for m in members}
    votes = {k: v for k, v in votes.items() if v}
    chair = int(form.chair.data) if (form.chair.data or "").isdigit() else None
    if ok and not votes:
        form.form_errors.append(_("Record the vote of each member present."))
        ok = False
    if ok and chair not in votes:
        form.chair.errors = [_("The chair must be present and vote.")]
        ok = False
    appeal = context["appeal"]
    held = form.meeting_on.data
    error = future_meeting_error(held, cal.today()) if ok else None
    if ok and error is None and appeal.forwarded_on and held < appeal.forwarded_on:
        error = _("The meeting date %(date)s is before the appeal came to %(body)s "
                  "(%(forwarded)s).", date=format_date(held),
                  forwarded=format_date(appeal.forwarded_on), **context["body_words"])
    if error:
        form.meeting_on.errors = [error]
        ok = False
    outcome = r.majority(votes, chair) if ok else None
    change = form.new_outcome.data if outcome == "changed" else None
    if outcome == "changed" and change not in {c.value for c in form.new_outcome.choices}:
        words = student_words(case.school)
        if form.new_outcome.choices:
            form.new_outcome.errors = [_("The majority changes the decision: choose what it "
                                         "is changed to.")]
        else:
            form.form_errors.append(_("The decision appealed cannot be changed further in "
                                      "%(students)s favour: the majority must uphold it or "
                                      "return it for new treatment.", **words))
        ok = False
    chosen, error = _parts_of_change(context, change) if ok else ((), None)
    if error:
        context["parts_error"] = error
        form.form_errors.append(error)
        ok = False
    if not ok:
        return render_template("decision_appeal/case.html", **context), 422

    def effect(case, event):
        eligible = {m.id for m in r.board(case.school, context["appealed"])[0]}
        if not set(votes) <= eligible:
            raise StepRefused(_("A member who took part in the decision cannot vote."))
        if dismissal.DISMISSED in votes.values():
            dismissal.refuse_unless_late(appeal)
            dismissal.refuse_if_heard(case)
        for member_id, vote in votes.items():
            BoardVote.create(appeal=appeal, member=member_id, vote=vote,
                             is_chair=member_id == chair)
        DecisionAppeal.update(outcome=outcome, new_outcome=change,
                              minutes=form.minutes.data.strip(),
                              meeting_on=form.meeting_on.data).where(
            DecisionAppeal.id == appeal.id).execute()
        case.staff_due_on = None
        case.save()
        if outcome in ("changed", "returned"):  # (upheld: the decision stands as it is)
            rulings.apply(Ruling(decision=context["appealed"], actor=actor,
                                 outcome=change or rulings.RETURNED, role="appeals_board",
                                 appeal=case, parts=chosen))

    actor = current_user._get_current_object()
    # a majority to dismiss a late appeal: the step that ends it so (cases/dismissal.py)
    action = dismissal.ACTION if outcome == dismissal.DISMISSED else "decide"
    return take_step(case, action, form, actor=actor,
                     effect=effect, data={"outcome": outcome, **({"new_outcome": change}
                                                                  if change else {})},
                     done=_("The decision of %(body)s is recorded: %(outcome)s.",
                            outcome=r.BOARD_OUTCOMES[outcome], **context["body_words"]))


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@login_required
def withdraw(case_id):
    """The student withdraws the appeal."""
    case, parts = case_for(case_id, kind=KIND)
    if (ask := unconfirmed_withdrawal(case, parts)) is not None:
        return ask
    return steps_withdraw(case, parts, actor=current_user._get_current_object())
