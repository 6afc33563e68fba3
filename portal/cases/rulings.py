"""What a ruling on an appeal against a decision does to the case the decision was made in.

An appeal on a decision (kinds/decision_appeal) ends in a ruling: the first instance changes
the decision in the student's favour, or the appeals board upholds it, changes it or returns
it for new treatment (domain.md § 5). Upholding changes nothing. A change or a return is
applied to the appealed case by its kind (Kind.on_ruling) inside the ruling's transaction, as
a step of the kind's own table (engine.apply_ruling): its timeline says so, what the decision
did is undone or redone with it, and its version is checked, so that two rulings on one case
cannot both be applied.
"""

from dataclasses import dataclass

from portal.cases.kinds import REGISTRY
from portal.models import Case, Decision, Event, User

# the new outcomes a change in the student's favour gives where the decision's kind has no
# outcomes of its own for it (Kind.ruling_changes), ranked, and a return for new treatment
CHANGES = ("partly_granted", "granted")
RANK = {"refused": 0, "partly_granted": 1, "granted": 2}
IN_PART = "partly_granted"
RETURNED = "returned"


@dataclass(frozen=True)
class Ruling:
    """`decision` (its case loaded, as the ruling's request read it) changed to `outcome`
    (one of changes(decision)) or returned for new treatment (RETURNED), by `actor` ruling
    as `role` (principal, appeals_board) in the appeal `appeal`; `parts`: what a change in
    part grants, where its kind asks it (Kind.ruling_parts: their ids)."""

    decision: Decision
    outcome: str
    actor: User
    role: str
    appeal: Case
    parts: tuple[int, ...] = ()

    def __post_init__(self):
        if not self.outcome:
            raise ValueError("a ruling gives an outcome")

    @property
    def returned(self) -> bool:
        return self.outcome == RETURNED

    @property
    def case(self) -> Case:
        """The appealed case, at the version the ruling's request read."""
        return self.decision.case

    def event_data(self) -> dict:
        """What the appealed case's event records of the ruling."""
        return {"appeal": self.appeal.id, "decision": self.decision.id,
                "outcome": self.outcome, **({"parts": list(self.parts)} if self.parts else {})}


def changes(decision: Decision) -> list[str]:
    """The outcomes a ruling may change `decision` (its case loaded) to, in the student's
    favour, as its kind has them (Kind.ruling_changes): only those that fit the decision and
    are applied to its case; for a kind that says none, the grants better than its outcome."""
    kind = REGISTRY.get(decision.case.kind)
    if kind is not None and kind.ruling_changes is not None:
        return list(kind.ruling_changes(decision))
    return ranked(decision)


def ranked(decision: Decision) -> list[str]:
    """The grants better for the student than `decision`'s outcome (CHANGES, by RANK)."""
    rank = RANK.get(decision.outcome, 0)
    return [code for code in CHANGES if RANK[code] > rank]


def parts(decision: Decision) -> list[tuple[int, str]]:
    """What a change of `decision` in part must name to be applied (Kind.ruling_parts):
    [(id, label)], or [] where a change in part says nothing more."""
    kind = REGISTRY.get(decision.case.kind)
    return list(kind.ruling_parts(decision)) if kind is not None and kind.ruling_parts else []


def applied(decision: Decision) -> frozenset[str]:
    """The rulings (outcomes: CHANGES, RETURNED) on `decision` (its case loaded) that its
    case's kind applies to the case (Kind.rulings_applied, for the decisions of
    Kind.ruling_applies); a ruling with another outcome changes nothing there."""
    kind = REGISTRY.get(decision.case.kind)
    if kind is None or kind.on_ruling is None or (
            kind.ruling_applies is not None and not kind.ruling_applies(decision)):
        return frozenset()
    return kind.rulings_applied


def apply(ruling: Ruling) -> Event | None:
    """Apply `ruling` to the appealed case, inside the ruling's transaction: the event of the
    step its kind took there, or None where a ruling of its outcome changes nothing there."""
    if ruling.outcome not in applied(ruling.decision):
        return None
    return REGISTRY[ruling.case.kind].on_ruling(ruling)


def take(ruling: Ruling, action: str, *, stands: bool, effect, text: str = "") -> Event:
    """For a kind's on_ruling: take its step `action` in the appealed case as `ruling` says
    (engine.apply_ruling; `effect` as the engine's). Refused (StepRefused, with why) unless
    the decision appealed is still the case's newest and the case is as it left it
    (`stands`, the kind's judgement of the case as the ruling's request read it), or when
    the case changed after the request read it (someone acted on it at the same moment)."""
    from portal.cases.engine import StaleCase, TransitionRefused, apply_ruling
    from portal.cases.steps import StepRefused
    from portal.filters import state_label
    from portal.i18n import gettext as _

    case = ruling.case
    if not stands or _newest_decision(case) != ruling.decision.id:
        raise StepRefused(_(
            "The case the decision was made in is no longer as the decision appealed left it "
            "(it is now \u201c%(state)s\u201d), so the ruling cannot be applied to it. Read its "
            "timeline.", state=state_label(case)))
    try:
        return apply_ruling(case, action, actor=ruling.actor, role=ruling.role,
                            expected_version=case.version, text=text,
                            data=ruling.event_data(), effect=effect)
    except StepRefused:
        raise
    except (StaleCase, TransitionRefused):
        raise StepRefused(_(
            "The case the decision was made in has changed since this page was loaded "
            "(someone acted on it at the same moment), so the ruling is not recorded. Read "
            "its timeline.")) from None


def _newest_decision(case: Case) -> int | None:
    """The id of the case's newest decision: the one that stands."""
    return (Decision.select(Decision.id).where(Decision.case == case.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc()).scalar())
