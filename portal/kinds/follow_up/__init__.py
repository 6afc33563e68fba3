"""Follow-up of students at risk of losing their student status (oppfølging) [seed 000]:
a teacher reports a concern -> the cohort coordinator summons the student and writes the
conversation protocol -> the student signs it with their password, or comments instead ->
the department head meets with the principal and the coordinator and decides (a decision
letter to the student, copy to the principal). The record names those who took part in the
meeting, and a decision on loss of rights is not made without the principal (rules.py)."""

from flask import Blueprint

from portal.cases import decisions
from portal.cases.kinds import APPEAL_REVIEWER, Kind, State, Transition, register
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.kinds.follow_up.models import Concern, FollowUp
from portal.kinds.follow_up.service import KIND, REASONS, report_concern
from portal.menu import link, source

bp = Blueprint(KIND, __name__, template_folder="templates", url_prefix="/follow-up")

OUTCOMES = {
    "follow_up_plan": _l("Follow-up plan with measures"),
    "written_warning": _l("Written warning"),
    "loss_of_study_place": _l("Loss of study place"),
    "no_measures": _l("No further measures"),
}
decisions.register_outcomes(OUTCOMES)


@source(30, bp.name)
def _menu(user, here):
    """Teachers at a school with the follow-up procedure: "report a concern"."""
    from portal.kinds.follow_up.service import RULE

    if not user.has_role("teacher"):
        return []  # (a student's page asks no more: roles and schools are loaded already)
    if any(RULE in school.rules and user.has_role("teacher", school=school)
           for school in user.schools()):
        return [link(_("Report a concern"), "follow_up.new", here == "follow_up.new")]
    return []


def _context(case, parts):
    from portal.kinds.follow_up.views import case_context

    return case_context(case, parts)


def _status_context(case, parts):
    from portal.cases.views import STATUS_EVENTS
    from portal.kinds.follow_up.models import FollowUp
    from portal.kinds.follow_up.views import reporter_timeline, sees_protocol

    context = {"follow_up": FollowUp.get_or_none(FollowUp.case == case),
               "sees_protocol": sees_protocol(parts)}
    if not context["sees_protocol"]:
        context["latest"] = reporter_timeline(case, STATUS_EVENTS)
    return context


FOLLOW_UP = register(Kind(
    code=KIND,
    label=_l("Follow-up of study progress"),
    initial="reported",
    states=[
        State("reported", _l("Concern reported – with the cohort coordinator")),
        State("summoned", _l("Called to a follow-up conversation")),
        State("awaiting_signature", _l("Protocol waits for the student's signature")),
        State("signed", _l("Protocol signed – with the department head")),
        State("commented", _l("Student commented instead of signing – with the department head")),
        State("decided", _l("Decided"), is_open=False),
        State("closed", _l("Closed without further follow-up"), is_open=False),
    ],
    transitions=[
        Transition("reported", "summon", {"cohort_coordinator"}, "summoned"),
        Transition("reported", "close", {"cohort_coordinator"}, "closed"),
        Transition("summoned", "summon", {"cohort_coordinator"}, "summoned"),
        Transition("summoned", "write_protocol", {"cohort_coordinator"}, "awaiting_signature"),
        Transition("awaiting_signature", "sign", {"student"}, "signed"),
        Transition("awaiting_signature", "comment", {"student"}, "commented"),
        Transition("signed", "decide", {"department_head"}, "decided", decision=True),
        Transition("commented", "decide", {"department_head"}, "decided", decision=True),
        # a ruling on an appeal that returns the decision for new treatment (ruling.py)
        Transition("decided", "appeal_change", {APPEAL_REVIEWER}, "decided"),
        Transition("decided", "appeal_return", {APPEAL_REVIEWER}, "signed"),
        Transition("decided", "appeal_return_commented", {APPEAL_REVIEWER}, "commented"),
    ],
    deciders=frozenset({"department_head", "principal", "cohort_coordinator"}),
    # the reporting teacher learns that the case is decided, not what or why
    decision_readers=frozenset({"student", "department_head", "principal",
                                "cohort_coordinator"}),
    template="follow_up/case.html",
    extra_context=_context,
    status_context=_status_context,
    event_labels={
        "file": _l("Concern reported"),
        "concern_added": _l("Another concern reported"),
        "summon": _l("Student called to a follow-up conversation"),
        "close": _l("Closed without further follow-up"),
        "write_protocol": _l("Conversation protocol written"),
        "sign": _l("Protocol signed by the student"),
        "comment": _l("Student commented instead of signing"),
        # (who took part is in the event's text: views.decide)
        "decide": _l("Decided after the meeting"),
        "appeal_change": _l("Changed on appeal"),
        "appeal_return": _l("Returned for new treatment on appeal"),
        "appeal_return_commented": _l("Returned for new treatment on appeal"),
    },
    # (never the reasons reported, nor what was decided)
    news={
        "file": (_l("A concern about your study progress has been reported."),
                 _l("A new concern about study progress has been reported.")),
        "concern_added": _l("Another concern has been reported in the follow-up case."),
        "summon": (_l("You are called to a follow-up conversation."),
                   _l("A follow-up conversation has been called.")),
        "close": _l("The follow-up case has been closed without further follow-up."),
        "write_protocol": (_l("The protocol of your follow-up conversation is ready for you "
                              "to sign."),
                           _l("The protocol of the follow-up conversation has been written.")),
        "sign": _l("The protocol of the follow-up conversation has been signed."),
        "comment": _l("The protocol of the follow-up conversation has been commented on "
                      "instead of signed."),
        "decide": _l("A decision has been made in the follow-up case."),
        "appeal_change": _l("The decision in the follow-up case has been changed on appeal."),
        "appeal_return": _l("The follow-up case has been returned for new treatment on "
                            "appeal."),
        "appeal_return_commented": _l("The follow-up case has been returned for new treatment "
                                      "on appeal."),
    },
))
# Kept informed of the decision (portal/notifications): the decision goes to the student with
# a copy to the principal [000].
FOLLOW_UP.copy_parts = frozenset({"principal"})

from portal.kinds.follow_up import ruling, views  # noqa: E402,F401

FOLLOW_UP.on_ruling = ruling.on_ruling
FOLLOW_UP.rulings_applied = ruling.APPLIED
FOLLOW_UP.ruling_changes = ruling.changes


def load_demo(today):
    """One follow-up case at the fagskole: a teacher's concern, the student summoned."""
    from portal.kinds.follow_up.demo import load

    load(today)


__all__ = ["KIND", "REASONS", "Concern", "FollowUp", "bp", "load_demo", "report_concern"]
