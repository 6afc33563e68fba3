"""Individual decisions (enkeltvedtak): the parts forvaltningsloven requires, computed once.

Call `issue` inside the engine's transition (its `effect`), so that the decision commits or
rolls back with the step that made it.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.auth.forms import ActionForm
from portal.cases.access import case_for
from portal.cases.engine import note
from portal.db import Prepared
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Case, Decision, User, utcnow
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import deadline_after, format_date, restart

APPEAL_RULE = "decision_appeal_deadline"


def issue(
    case: Case,
    *,
    outcome: str,
    summary: str,
    reasons: str,
    rule_reference: str,
    decided_by: User,
    role: str,
    decided_at: datetime | None = None,
    present: list[str] | None = None,
    appeal_body: str | None = None,
) -> Decision:
    """Record a decision with its appeal deadline (from the day it is received, rolled past
    weekends and holidays) and appeal body, both from the school's rule profile; `present`:
    who took part in the meeting where it was decided, as the letter names them;
    `appeal_body`: where the kind's profile names another for it (an appeal on a formal
    error at an exam)."""
    profile = case.school.rules
    appeal = profile.rule(APPEAL_RULE)
    decided_at = decided_at or utcnow()
    return Decision.create(
        case=case,
        outcome=outcome,
        summary=summary,
        reasons=reasons,
        rule_reference=rule_reference,
        decided_by=decided_by,
        decided_role=role,
        decided_at=decided_at,
        appeal_body=appeal_body or profile.value("appeal_body"),
        appeal_deadline=deadline_after(oslo_date(decided_at), appeal),
        appeal_rule=appeal.cite(),
        present="\n".join(present) if present else None,
    )


def reasons_given(decision: Decision, reasons: str, at: datetime | None = None) -> Decision:
    """The reasons came later (forvaltningsloven § 24): a full new appeal period runs from
    the day they were received."""
    at = at or utcnow()
    appeal = decision.case.school.rules.rule(APPEAL_RULE)
    decision.reasons = reasons
    decision.reasons_given_at = at
    decision.appeal_deadline = restart(oslo_date(at), appeal)
    decision.save()
    return decision


# The appeal on a decision, shown with it where it is read as a page (not in its PDF: the
# letter as issued): when it was filed, its case, and, to one who holds a part in that case,
# a link to it and where it is now. Read in the statement that reads the decision (a case page
# shows several). The kind that appeals decisions (portal/kinds/decision_appeal) sets this at
# import, before the first decision is read (the statements below are built once), to a
# function (query of decisions, user_id) -> the query with the decision's appeal joined as
# `appeal` (None without one: its `filed_on` and its `case`, with the case's `school_year`),
# the one not withdrawn if there is one, and whether `user_id` holds a part in the appeal's
# case as `appeal_readable`.
appeal_join: Callable | None = None


def _with_appeal(query, user_id):
    return appeal_join(query, user_id) if appeal_join is not None else query


_of_case = Prepared(lambda case_id, user_id: _with_appeal(
    Decision.select(Decision, User.id, User.full_name)  # the letter names who decided
    .join(User, on=(Decision.decided_by == User.id))
    .where(Decision.case == case_id)
    .order_by(Decision.decided_at), user_id))


def for_case(case: Case, user_id: int) -> list[Decision]:
    """The decisions of `case`, each with its appeal as `user_id` may see it."""
    decisions = _of_case(case.id, user_id)
    for decision in decisions:
        decision.case = case  # already loaded (with its school): no query per decision
    return decisions


# ---------------------------------------------------------------------------------------------
# The decision letter: a page and a PDF, for every kind.

APPEAL_ENDPOINT = "decision_appeal.new"
# An application's words (innvilget); a kind whose decisions are something else says so in
# its outcome_labels (an appeal: medhold)
OUTCOMES = {
    "granted": _l("Granted in full"),
    "partly_granted": _l("Partly granted"),
    "refused": _l("Refused"),
    "reversed": _l("Reversed"),
    "upheld": _l("Upheld"),
}


def register_outcomes(outcomes: dict) -> None:
    """A kind's own decision outcomes ({code: label}), so that its decisions and their
    letters name them in words; an outcome another kind labels differently is an error."""
    for code, label in outcomes.items():
        known = OUTCOMES.setdefault(code, label)
        # (compared as registered, at import: outside a request a lazy label is its msgid)
        if known is not label and str(known) != str(label):
            raise ValueError(f"decision outcome {code!r} is labelled twice")


bp = Blueprint("decisions", __name__, url_prefix="/cases")


@bp.app_template_global("decision_outcome")
def outcome_label(code: str, kind: str | None = None) -> str:
    """A decision's outcome in words, as the case's `kind` words it."""
    from portal.cases.kinds import REGISTRY

    own = REGISTRY[kind].outcome_labels.get(code) if kind in REGISTRY else None
    return str(own if own is not None else OUTCOMES.get(code, code))


@bp.app_template_global("decision_appeal_endpoint")
def _appeal_endpoint_global() -> str | None:
    return appeal_endpoint()


@bp.app_template_global("decision_appeal_period")
def _appeal_period_global(decision) -> str:
    return appeal_period_text(decision)

LETTER_CSS = """
@page { size: A4; margin: 22mm 20mm; @bottom-right { content: counter(page) " / " counter(pages);
  font-size: 9pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 16pt; margin: 0 0 4mm; } h2 { font-size: 12.5pt; margin: 6mm 0 2mm; }
h3 { font-size: 11.5pt; } dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0 0 2mm; }
.prewrap { white-space: pre-wrap; } .letter-head { border-bottom: 1px solid #333;
  margin-bottom: 6mm; } .no-print, form, .button { display: none; }
"""


class ShownRuling(NamedTuple):
    """A ruling on appeal that changed the decision or returned it for new treatment, as the
    decision's page shows it above the letter: the letter as issued no longer stands."""

    returned: bool  # returned for new treatment (else changed)
    outcome: str | None  # what it was changed to (an outcome code of the decision's kind)
    by: str  # who ruled: the first instance (principal) or the appeals board (appeals_board)
    on: date | None  # the day of the ruling: the principal's decision, the board's meeting


class ShownAppeal(NamedTuple):
    """An appeal on a decision as the decision shows it (appeal_of)."""

    filed_on: date
    case: Case  # its id, number, school year, kind and state
    readable: bool  # the reader holds a part in its case: a link to it, and where it is now
    ruling: ShownRuling | None = None  # its ruling, when it changed or returned the decision

    @property
    def withdrawn(self) -> bool:
        """Withdrawn: the decision may be appealed again."""
        return self.case.state == WITHDRAWN


WITHDRAWN = "withdrawn"  # (cases.kinds.withdrawals' state)


@bp.app_template_global("decision_appeal_of")
def appeal_of(decision: Decision) -> ShownAppeal | None:
    """The appeal on `decision`, when it was read with it (appeal_join) and there is one."""
    appeal = getattr(decision, "appeal", None)
    if appeal is None:
        return None
    return ShownAppeal(appeal.filed_on, appeal.case, bool(decision.appeal_readable),
                       _ruling(appeal))


def _ruling(appeal) -> ShownRuling | None:
    """The ruling of `appeal` (read with it by appeal_join) that changed or returned the
    decision appealed; None while it has none, or when it upheld the decision."""
    outcome = getattr(appeal, "outcome", None)
    if outcome == "reversed":
        reversal = getattr(appeal.case, "reversal", None)
        if reversal is None or reversal.id is None:
            return None
        return ShownRuling(False, reversal.outcome, "principal", oslo_date(reversal.decided_at))
    if outcome in ("changed", "returned"):
        return ShownRuling(outcome == "returned", appeal.new_outcome, "appeals_board",
                           appeal.meeting_on)
    return None


def appeal_key(decision: Decision) -> tuple:
    """What the decision shows of its appeal (appeal_of), for a kept letter's key
    (portal/fragments.py)."""
    shown = appeal_of(decision)
    if shown is None:
        return ()
    case = shown.case
    return (shown.filed_on, case.id, case.number, case.school_year.starts_on, case.kind,
            case.state, shown.readable, *(shown.ruling or ()))


def appeal_endpoint() -> str | None:
    """The endpoint that starts an appeal against a decision, when that kind is installed."""
    return APPEAL_ENDPOINT if APPEAL_ENDPOINT in current_app.view_functions else None


_by_id = Prepared(lambda decision_id, case_id, user_id: _with_appeal(
    Decision.select(Decision, User)
    .join(User, on=(Decision.decided_by == User.id))
    .where((Decision.id == decision_id) & (Decision.case == case_id)), user_id).limit(1))


def decision_for(case: Case, decision_id: int, parts: set[str]) -> Decision:
    """The decision of `case`, if one with `parts` in it reads its decisions (404 else)."""
    from portal.cases.kinds import get_kind

    if not get_kind(case.kind).reads_decisions(parts):
        abort(404)
    decision = _by_id.first(decision_id, case.id, current_user.id)
    if decision is None:
        abort(404)
    return decision


def appeal_period_text(decision: Decision) -> str:
    """ "3 uker" from the school's rule, for the letter."""
    rule = decision.case.school.rules.rule(APPEAL_RULE)
    return rule.amount()


def may_give_reasons(decision: Decision, parts: set[str]) -> bool:
    return decision.decided_role in parts or decision.decided_by_id == current_user.id


class ReasonsForm(ActionForm):
    reasons = TextAreaField(
        _l("Reasons"),
        validators=[DataRequired(message=_l("Write the reasons for the decision.")),
                    Length(max=10000)],
    )


def letter_context(case: Case, decision: Decision, parts: set[str]) -> dict:
    return {
        "case": case,
        "d": decision,
        "parts": parts,
        "outcomes": OUTCOMES,
        "appeal_endpoint": appeal_endpoint(),
        "appeal_period": appeal_period_text(decision),
        "may_give_reasons": may_give_reasons(decision, parts),
        "reasons_form": ReasonsForm(),
        "action_form": ActionForm(),
    }


def render_pdf(html: str) -> bytes:
    """The letter as PDF (WeasyPrint), for the school's archive."""
    from weasyprint import CSS, HTML

    return HTML(string=html, base_url=request.url_root).write_pdf(
        stylesheets=[CSS(string=LETTER_CSS)]
    )


@bp.route("/<int:case_id>/decisions/<int:decision_id>")
@login_required
def letter(case_id, decision_id):
    """The decision letter as a page."""
    case, parts = case_for(case_id)
    decision = decision_for(case, decision_id, parts)
    return render_template("cases/decision_letter.html",
                           **letter_context(case, decision, parts))


@bp.route("/<int:case_id>/decisions/<int:decision_id>.pdf")
@login_required
def letter_pdf(case_id, decision_id):
    """The decision letter as a PDF."""
    case, parts = case_for(case_id)
    decision = decision_for(case, decision_id, parts)
    html = render_template("cases/decision_letter_pdf.html",
                           **letter_context(case, decision, parts))
    response = make_response(render_pdf(html))
    response.headers["Content-Type"] = "application/pdf"
    name = f"vedtak-{case.reference}-{decision.id}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:case_id>/decisions/<int:decision_id>/ask-reasons", methods=["POST"])
@login_required
def ask_reasons(case_id, decision_id):
    """The student asks for the reasons of a decision that came without them (fvl. § 24)."""
    case, parts = case_for(case_id)
    decision = decision_for(case, decision_id, parts)
    if "student" not in parts or not ActionForm().validate_on_submit():
        abort(404 if "student" not in parts else 400)
    if decision.reasons or decision.reasons_requested_at:
        flash(_("The reasons have already been asked for or given."), "info")
    else:
        decision.reasons_requested_at = utcnow()
        decision.save()
        note(case, actor=current_user, role="student", action="reasons_requested",
             text=decision.summary)
        flash(_("You have asked for the reasons. The appeal deadline starts again when you "
                "receive them."), "success")
    return redirect(url_for("decisions.letter", case_id=case.id, decision_id=decision.id),
                    code=303)


@bp.route("/<int:case_id>/decisions/<int:decision_id>/reasons", methods=["POST"])
@login_required
def give_reasons(case_id, decision_id):
    """The decider gives the reasons later: a full new appeal period runs from today."""
    case, parts = case_for(case_id)
    decision = decision_for(case, decision_id, parts)
    if not may_give_reasons(decision, parts) or decision.reasons:
        abort(404)
    form = ReasonsForm()
    if not form.validate_on_submit():
        context = letter_context(case, decision, parts)
        context["reasons_form"] = form
        return render_template("cases/decision_letter.html", **context), 422
    from portal.db import database

    with database.atomic():
        reasons_given(decision, form.reasons.data.strip())
        note(case, actor=current_user, role=decision.decided_role, action="reasons_given",
             text=form.reasons.data.strip())
    flash(_("The reasons are recorded. The appeal deadline is now %(date)s.",
            date=format_date(decision.appeal_deadline)), "success")
    return redirect(url_for("decisions.letter", case_id=case.id, decision_id=decision.id),
                    code=303)
