"""Tilrettelegging av eksamen (exam adaptation): the student applies for one or more exams;
the profile's deciding role grants, partly grants or refuses each adaptation (a decision). A
ruling on an appeal against it changes it in full or returns it for new treatment (ruling.py)."""

from importlib.util import find_spec

from portal.cases.kinds import (
    APPEAL_REVIEWER,
    Kind,
    State,
    Transition,
    no_status_extras,
    register,
    withdrawals,
)
from portal.i18n import lazy_gettext as _l
from portal.kinds.exam_adaptation.models import (
    ExamAdaptationApplication,
    ExamAdaptationExam,
    ExamAdaptationItem,
)
from portal.kinds.exam_adaptation.rules import DECIDER

DECIDERS = frozenset({"principal", "exam_office"})  # which one: the profile's rule

KIND = register(Kind(
    code="exam_adaptation",
    label=_l("Exam adaptation"),
    states=[
        State("submitted", _l("Submitted")),
        State("needs_documentation", _l("Needs documentation")),
        State("decided", _l("Decided"), is_open=False),
        State("withdrawn", _l("Withdrawn"), is_open=False),
    ],
    transitions=[
        Transition("submitted", "ask_documentation", DECIDERS, "needs_documentation"),
        Transition("needs_documentation", "add_documentation", {"student"}, "submitted"),
        Transition("submitted", "decide", DECIDERS, "decided", decision=True),
        *withdrawals(["submitted", "needs_documentation"]),
        # a ruling on an appeal against the decision (ruling.py)
        Transition("decided", "appeal_change", {APPEAL_REVIEWER}, "decided"),
        Transition("decided", "appeal_return", {APPEAL_REVIEWER}, "submitted"),
    ],
    initial="submitted",
    deciders=DECIDERS,
    new_endpoint="exam_adaptation.new",
    # offered where the profile names who decides in the portal (a vgs decides outside it)
    requires_rules=(DECIDER,),
    template="exam_adaptation/case.html",
    event_labels={
        "file": _l("Application sent"),
        "ask_documentation": _l("Documentation asked for"),
        "add_documentation": _l("Documentation added"),
        "decide": _l("Decided"),
        "appeal_change": _l("Changed on appeal"),
        "appeal_return": _l("Returned for new treatment on appeal"),
    },
    # (named in the portal only: e-mail does not name the kind, mail_tells_news)
    news={
        "file": _l("A new application for exam adaptation has been sent."),
        "ask_documentation": _l("%(Who)s asks for more documentation for the application for "
                                "exam adaptation."),
        "add_documentation": _l("Documentation has been added to the application for exam "
                                "adaptation."),
        "decide": _l("The application for exam adaptation has been decided."),
        "withdraw": _l("The application for exam adaptation has been withdrawn."),
        "appeal_change": _l("The decision on exam adaptation has been changed on appeal."),
        "appeal_return": _l("The application for exam adaptation has been returned for new "
                            "treatment on appeal."),
    },
    # that a student asks for an exam adaptation tells of their health or needs
    mail_tells_news=False,
))

from portal.kinds.exam_adaptation import ruling  # noqa: E402
from portal.kinds.exam_adaptation.views import bp, case_extra  # noqa: E402

KIND.extra_context = case_extra
KIND.on_ruling = ruling.on_ruling
KIND.rulings_applied = ruling.APPLIED
KIND.ruling_changes = ruling.changes
KIND.ruling_parts = ruling.parts
KIND.status_context = no_status_extras  # the status block shows the basics only

if find_spec("portal.notifications") is not None:  # the student's deadline reminders
    from portal.kinds.exam_adaptation import reminders  # noqa: F401

__all__ = ["KIND", "ExamAdaptationApplication", "ExamAdaptationExam", "ExamAdaptationItem", "bp"]
