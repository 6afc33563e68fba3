"""Request kinds declare their states and transitions as data; the engine enforces them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.i18n import lazy_gettext as _l

# The part of someone who decides an appeal on one of a case's decisions, in that (appealed)
# case: given by cases.access.case_for and held in no participant row, so it reads the case as
# its deciders do (page, decision letters, health documents), and no list, work queue,
# notification or reminder counts it. A kind's table names it only for the steps a ruling on
# the appeal takes in the case (Kind.on_ruling, engine.apply_ruling), never offered on a page.
APPEAL_REVIEWER = "appeal_reviewer"

# The part of the portal itself, in the one step no person takes: closing a case whose
# question is gone (LAPSE: an appeal on a grade that a doctor's note has set aside, which is
# no longer the student's result). Held in no participant row, so no page, list, work queue or
# reminder offers the step to anyone; engine.lapse takes it, inside the transaction of what
# made the question go.
PORTAL = "portal"
LAPSE = "lapse"
LAPSED = "lapsed"


@dataclass(frozen=True)
class Transition:
    """From `state`, `action` taken by one of `roles` leads to `to`.

    `roles` are parts a user holds in the case (see Participant.part). `decision` marks an
    action that issues an individual decision (enkeltvedtak) with appeal rights.
    """

    state: str
    action: str
    roles: frozenset[str]
    to: str
    decision: bool = False

    def __post_init__(self):
        object.__setattr__(self, "roles", frozenset(self.roles))


@dataclass(frozen=True)
class State:
    """A state of a kind's cases. `label` is what a list calls it, which reads no more of a
    case than its row; `named`, where given, what the case's page and its status call it,
    naming what the case's words say (Kind.label_words: %(first)s, %(body)s), which the
    list's label can only say in general."""

    code: str
    label: str
    is_open: bool = True
    named: str | None = None


@dataclass
class Kind:
    code: str
    label: str
    states: list[State]
    transitions: list[Transition]
    initial: str
    # Parts that decide the case: they (and the student) may open health documents.
    deciders: frozenset[str] = frozenset()
    # Endpoint of the student's "new request" form, shown on the home page.
    new_endpoint: str | None = None
    # Rules the school's profile must have for students there to file this kind at all
    # (study leave exists under opplæringslova only); empty = offered everywhere.
    requires_rules: tuple[str, ...] = ()
    # Template for the case page (extends cases/show.html) and what it needs beyond the basics.
    template: str = "cases/show.html"
    extra_context: Callable[..., dict] | None = None
    # The live status fragment renders only the status block. With status_context set it
    # gets the case, its latest events and what this returns (case, parts) -> dict, for the
    # template's `status_extra` block; unset, it gets the whole page's context (always right,
    # e.g. where extra_context hides events from some parts, but slower).
    status_context: Callable[..., dict] | None = None
    event_labels: dict[str, str] = field(default_factory=dict)
    # What a notification of an event says happened, per action (portal/notifications): one
    # sentence, or a pair (to the case's student, to the others) where the student reads
    # "your"; %(who)s / %(Who)s name the part of the one who acted ("the contact teacher").
    # They name the kind and the step, never what the case is about: e-mail carries them.
    news: dict[str, Any] = field(default_factory=dict)
    # What the kind's event labels and news name per case beyond the student and %(who)s,
    # filled in when they are shown (an event keeps its action, not its words): (case ids) ->
    # {case id: {placeholder: text}}, one statement for them all. An appeal on a decision names
    # the body its letter names (%(body)s, %(Body)s: roles.body_words); without it, a label
    # reads the generic word. None: the kind's labels name nothing of the case.
    label_words: Callable[..., dict] | None = None
    # Who decides first in the kind's cases, as a school's profile names them (NKI's
    # undervisningsdirektør), given the School: where given, a decision letter calls the
    # part "principal" so (filters.letter_role). None: the part's own name.
    first_instance: Callable[..., str] | None = None
    # Whether e-mail may say what happened (news) and name the kind; False where the kind
    # itself tells of health (an exam adaptation is asked for on an expert's documentation of
    # the student's needs, GDPR art. 9): its e-mails say only that there is news in the case
    mail_tells_news: bool = True
    # Its own words for decision outcomes, where the common ones (cases.decisions.OUTCOMES,
    # an application's: Innvilget, Delvis innvilget, Avslått) are not this kind's: an appeal's
    # "granted" is Medhold
    outcome_labels: dict[str, str] = field(default_factory=dict)
    # Where several people act in one state (each subject teacher answers), the ids of the
    # cases among `cases` in which `user` has already done their part:
    # (user, cases, parts by case id) -> set. Queues and reminders leave those out. At most
    # one query for all the cases, not one per case.
    done_by: Callable[..., set[int]] | None = None
    # Where several people act in one state, each for their own share: whether someone holding
    # `parts` learns with a step that keeps the case there that it now waits for them (their
    # turn begins), from the step alone: (action, event data, parts) -> bool, or None for the
    # rule of may_act. Notifications use it, so that those already told are not told again.
    turn_begins: Callable[..., bool | None] | None = None
    # States in which Case.staff_due_on is when staff may act next, not a deadline (a study
    # leave's approval opens the day after its period): work queues show it as "from" that
    # day, never as late, and no reminder counts down to it.
    due_opens_in: frozenset[str] = frozenset()
    # What the lists say of that day, with %(date)s ("from %(date)s" when None), so that the
    # student, too, reads what opens then
    due_opens_label: Any = None
    # Parts that read the case's decisions (on the page and as letters), where not every part
    # may: a follow-up's reporting teacher learns that it is decided, not what. None: all.
    decision_readers: frozenset[str] | None = None
    # Parts that learn that a case exists and where it stands, not what it is about (an
    # appeals-board member who may not take part, forvaltningsloven § 6): their lists and the
    # case page name the case by its kind, since its title may quote what it is about.
    title_withheld_from: frozenset[str] = frozenset()
    # Why the student may not withdraw a case now though its state allows it, or None: a rule
    # of the kind's (a granted study leave from the first day of its period): (case) -> str.
    # The confirmation page asks it; the kind's withdraw step enforces it.
    withdrawal_refused: Callable[..., str | None] | None = None
    # Parts told when the student withdraws the case, beyond those kept informed (copy_parts)
    # and those who could act on it in the state it was withdrawn from (always told): those
    # who worked on it earlier and would otherwise not learn that it is gone (a study leave's
    # coordinator and subject teachers, who set the tasks)
    withdrawal_told: frozenset[str] = frozenset()
    # What a ruling on an appeal against one of the case's decisions (cases.rulings.Ruling:
    # changed in the student's favour, or returned for new treatment) does to the case:
    # (ruling) -> the event of the step it took there, or None where it takes none. Called
    # inside the ruling's transaction; it takes its step with engine.apply_ruling and raises
    # StepRefused where the ruling cannot be applied. None: a ruling changes nothing here.
    on_ruling: Callable[..., Any] | None = None
    # The rulings' outcomes on_ruling applies (granted, partly_granted, returned, or an
    # outcome of the kind's own that a change gives): with another, a ruling changes nothing
    # in the case (the appeal's page says which apply).
    rulings_applied: frozenset[str] = frozenset()
    # Which of the case's decisions a ruling is applied to, where not all of them: (decision,
    # its case loaded) -> bool. An appeal on a decision applies a ruling on its dismissal as
    # late, not one on its first instance's change in the student's favour. None: all.
    ruling_applies: Callable[..., bool] | None = None
    # What the first instance and the appeals board are offered to change one of the case's
    # decisions to, in the student's favour (cases.rulings.changes): (decision) -> outcome
    # codes, those that fit the decision and that on_ruling applies. None: the grants better
    # than the decision's outcome (partly_granted, granted).
    ruling_changes: Callable[..., Any] | None = None
    # What a change in part grants, where the ruling must say it to be applied (an exam
    # adaptation's adaptations): (decision) -> [(id, label)], of which the change in part
    # names some (cases.rulings.Ruling.parts). None: a change in part says nothing more.
    ruling_parts: Callable[..., Any] | None = None
    _table: dict = field(init=False, repr=False)
    _ruling_actions: frozenset = field(init=False, repr=False)

    def __post_init__(self):
        codes = {s.code for s in self.states}
        if self.initial not in codes:
            raise ValueError(f"{self.code}: initial state {self.initial!r} is not declared")
        self._table = {}
        for t in self.transitions:
            for s in (t.state, t.to):
                if s not in codes:
                    raise ValueError(f"{self.code}: transition {t.action!r} names unknown {s!r}")
            key = (t.state, t.action)
            if key in self._table:
                raise ValueError(f"{self.code}: {key} declared twice")
            self._table[key] = t
        self._ruling_actions = frozenset(t.action for t in self.transitions
                                         if APPEAL_REVIEWER in t.roles)

    def ruling_step(self, action: str) -> bool:
        """Whether `action` is a step a ruling on an appeal against one of the case's decisions
        takes in it (APPEAL_REVIEWER's): taken in the part the appeal was decided in, by the
        body that heard that appeal, not necessarily the one the case itself names."""
        return action in self._ruling_actions

    def reads_decisions(self, parts: set[str]) -> bool:
        """Whether someone with `parts` in a case of this kind reads its decisions."""
        return (self.decision_readers is None or APPEAL_REVIEWER in parts
                or bool(parts & self.decision_readers))

    def title_for(self, title: str, parts: set[str]) -> str:
        """A case's `title` as someone holding `parts` in it sees it (title_withheld_from)."""
        if parts and parts <= self.title_withheld_from:
            return str(self.label)
        return title

    def offered_at(self, school) -> bool:
        """Whether students of `school` can file this kind (its profile has the rules)."""
        return school.rules.has(*self.requires_rules)

    def transition(self, state: str, action: str) -> Transition | None:
        return self._table.get((state, action))

    def actions(self, state: str, parts: set[str]) -> list[Transition]:
        """Transitions open from `state` to someone holding `parts`, in declared order; never
        the steps a ruling on an appeal takes (APPEAL_REVIEWER's), which no page offers."""
        return [t for t in self.transitions if t.state == state and t.roles & parts
                and APPEAL_REVIEWER not in t.roles]

    def may_act(self, state: str, parts: set[str]) -> bool:
        """Whether `parts` may take a step from `state` other than withdrawing (what waits
        for them: the work queue, notifications, reminders)."""
        return any(t.action != "withdraw" for t in self.actions(state, parts))

    def already_done(self, user, cases, parts: dict[int, set[str]]) -> set[int]:
        """Ids of the `cases` in which `user` (holding `parts[case.id]`) has done their part
        in the current state."""
        if self.done_by is None or not cases:
            return set()
        return self.done_by(user, list(cases), parts)

    def turn(self, transition: Transition | None, action: str, data: dict | None,
             parts: set[str]) -> bool | None:
        """turn_begins for a step that keeps the case in its state (None otherwise, and for
        a kind without it)."""
        if (self.turn_begins is None or transition is None
                or transition.state != transition.to):
            return None
        return self.turn_begins(action, data, parts)

    def state(self, code: str) -> State:
        for s in self.states:
            if s.code == code:
                return s
        raise KeyError(code)

    def is_open(self, code: str) -> bool:
        return self.state(code).is_open


def no_status_extras(case, parts) -> dict:
    """Kind.status_context of a kind whose status block shows just the case's state and its
    latest events (as cases/show.html does)."""
    return {}


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    REGISTRY[kind.code] = kind
    return kind


def get_kind(code: str) -> Kind:
    return REGISTRY[code]


def label_words(cases) -> dict[int, dict[str, str]]:
    """The label words (Kind.label_words) of `cases`, (kind code, case id) pairs: by case id,
    for those of kinds that have them; one statement for each such kind."""
    ids: dict[str, set[int]] = {}
    for code, case_id in cases:
        kind = REGISTRY.get(code)
        if kind is not None and kind.label_words is not None:
            ids.setdefault(code, set()).add(case_id)
    found: dict[int, dict[str, str]] = {}
    for code, case_ids in ids.items():
        found.update(REGISTRY[code].label_words(sorted(case_ids)))
    return found


def title_seen_by(case, parts: set[str]) -> str:
    """`case`'s title as someone holding `parts` in it sees it (Kind.title_for), where a list
    shows cases of any kind: a kind no longer installed shows the title as stored."""
    kind = REGISTRY.get(case.kind)
    return case.title if kind is None else kind.title_for(case.title, parts)


def withdrawals(kind_states: list[str], role: str = "student", to: str = "withdrawn"):
    """A student may withdraw from each of these open states."""
    return [Transition(s, "withdraw", frozenset({role}), to) for s in kind_states]


def lapsed_state() -> State:
    """The closed state a case that lapsed ends in (LAPSE): what it asks about is gone."""
    return State(LAPSED, _l("Lapsed"), is_open=False)


def lapses(kind_states: list[str], to: str = LAPSED):
    """The portal closes the case as lapsed from each of these open states (engine.lapse)."""
    return [Transition(s, LAPSE, frozenset({PORTAL}), to) for s in kind_states]
