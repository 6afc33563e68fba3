"""Selvstendig studiearbeid (study_leave): independent study during a planned absence.

The student applies at least the profile's lead time before the first day; the year
coordinator decides whether there are grounds, each subject teacher approves or declines for
their subject and sets the tasks, the coordinator answers (a decision), the student does the
tasks, and the coordinator registers the period as R (organised study work, not absence).
A ruling on an appeal against a refusal or a grant changes or returns it (ruling.py).
"""

from importlib.util import find_spec

from flask import Blueprint

from portal.cases.kinds import APPEAL_REVIEWER, Kind, State, Transition, register, withdrawals
from portal.i18n import lazy_gettext as _l
from portal.kinds.study_leave.models import StudyLeave, TeacherAnswer

CODE = "study_leave"
COORDINATOR = "year_coordinator"

KIND = register(
    Kind(
        code=CODE,
        label=_l("Independent study (selvstendig studiearbeid)"),
        initial="submitted",
        states=[
            State("submitted", _l("Sent, waiting for the year coordinator")),
            State("with_teachers", _l("With the subject teachers")),
            State("granted", _l("Granted – do the tasks")),
            State("refused", _l("Refused"), is_open=False),
            State("completed", _l("Approved and recorded as R"), is_open=False),
            State("not_completed", _l("Closed – not completed"), is_open=False),
            State("withdrawn", _l("Withdrawn"), is_open=False),
        ],
        transitions=[
            Transition("submitted", "refuse", {COORDINATOR}, "refused", decision=True),
            Transition("submitted", "grounds", {COORDINATOR}, "with_teachers"),
            Transition("with_teachers", "teacher_answer", {"teacher"}, "with_teachers"),
            Transition("with_teachers", "grant", {COORDINATOR}, "granted", decision=True),
            Transition("with_teachers", "refuse_answer", {COORDINATOR}, "refused",
                       decision=True),
            Transition("granted", "add_documentation", {"student"}, "granted"),
            Transition("granted", "link_absence_note", {"student"}, "granted"),
            Transition("granted", "task_done", {"student"}, "granted"),
            Transition("granted", "complete", {COORDINATOR}, "completed"),
            Transition("granted", "close", {COORDINATOR}, "not_completed"),
            # granted: until the day before the period begins (flow.withdraw, the profile's
            # study_leave_withdrawal), not once it runs (that would escape "not completed")
            *withdrawals(["submitted", "with_teachers", "granted"]),
            # a ruling on an appeal against the refusal or the grant (ruling.py)
            Transition("refused", "appeal_change", {APPEAL_REVIEWER}, "granted"),
            Transition("refused", "appeal_grounds", {APPEAL_REVIEWER}, "with_teachers"),
            Transition("refused", "appeal_return", {APPEAL_REVIEWER}, "submitted"),
            Transition("granted", "appeal_return", {APPEAL_REVIEWER}, "submitted"),
        ],
        deciders=frozenset({COORDINATOR}),
        # a withdrawal tells the coordinator and the subject teachers (who set the tasks)
        withdrawal_told=frozenset({COORDINATOR, "teacher"}),
        # granted, the coordinator approves the work from the day after the period (the date
        # the grant sets): "from", not a deadline
        due_opens_in=frozenset({"granted"}),
        due_opens_label=_l("the work can be approved from %(date)s"),
        new_endpoint="study_leave.new",
        requires_rules=("study_leave_lead_time",),
        template="study_leave/case.html",
        event_labels={
            "file": _l("Application sent"),
            "refuse": _l("Refused by the year coordinator"),
            "grounds": _l("Grounds found: sent to the subject teachers"),
            "teacher_answer": _l("A subject teacher answered"),
            "grant": _l("Granted, with the teachers' tasks"),
            "refuse_answer": _l("Refused after the teachers' answers"),
            "add_documentation": _l("Documentation added"),
            "link_absence_note": _l("Absence note for the period linked"),
            "task_done": _l("Task marked as done"),
            "complete": _l("Work shown; period recorded as R"),
            "close": _l("Closed as not completed"),
            "withdraw": _l("Withdrawn by the student"),
            "appeal_change": _l("Granted on appeal"),
            "appeal_grounds": _l("Grounds found on appeal: sent to the subject teachers"),
            "appeal_return": _l("Returned for new treatment on appeal"),
        },
        news={
            "file": _l("A new application for independent study has been sent."),
            "refuse": _l("The application for independent study has been refused."),
            "grounds": (_l("The year coordinator has found grounds and sent your application "
                           "to your subject teachers."),
                        _l("The year coordinator has sent the application for independent "
                           "study to the subject teachers.")),
            "teacher_answer": _l("The subject teachers have answered the application for "
                                 "independent study."),
            "grant": _l("The application for independent study has been granted."),
            "refuse_answer": _l("The application for independent study has been refused."),
            "add_documentation": _l("Documentation has been added to the independent study."),
            "link_absence_note": _l("An absence note for the period of the independent study "
                                    "has been linked."),
            "task_done": _l("A task of the independent study has been marked as done."),
            "complete": _l("The independent study has been approved and the period recorded "
                           "as R (not absence)."),
            "close": _l("The independent study has been closed as not completed."),
            "withdraw": _l("The application for independent study has been withdrawn."),
            "appeal_change": _l("The application for independent study has been granted on "
                                "appeal."),
            "appeal_grounds": _l("The application for independent study has been sent to the "
                                 "subject teachers after an appeal."),
            "appeal_return": _l("The application for independent study has been returned for "
                                "new treatment on appeal."),
        },
    )
)

bp = Blueprint(CODE, __name__, url_prefix="/study-leave", template_folder="templates")

from portal.kinds.study_leave import flow, ruling, views  # noqa: E402,F401  (routes on bp)
from portal.kinds.study_leave.demo import load_demo  # noqa: E402,F401
from portal.kinds.study_leave.views import case_extras, status_extras  # noqa: E402

KIND.extra_context = case_extras
KIND.status_context = status_extras
KIND.done_by = flow.done_by
KIND.turn_begins = flow.turn_begins
KIND.withdrawal_refused = flow.withdrawal_refused
KIND.on_ruling = ruling.on_ruling
KIND.rulings_applied = ruling.APPLIED
KIND.ruling_changes = ruling.changes

if find_spec("portal.notifications") is not None:  # the student's deadline reminders
    from portal.kinds.study_leave import reminders  # noqa: F401

__all__ = ["KIND", "StudyLeave", "TeacherAnswer", "bp", "load_demo"]
