"""What a follow-up's records may say, and who must take part in its decision [000]: a
protocol records a conversation that was held, on or after the day the student was summoned
and not after today; the meeting that decides is held after the student has answered the
protocol and not after today; a decision that takes a right from the student (LOSS_OF_RIGHTS)
is not made without the principal, who decides on loss of rights [002 § 3-3].

Who else took part is recorded, not required. The routine [000] calls the principal and the
coordinator to the meeting, but gives the decision to the department head "i samarbeid med
rektor" and none to the coordinator, who reports to the department head and whose account of
the conversation is the protocol the student signed: a coordinator who cannot come does not
hold up a decision, one in the student's favour included."""

from datetime import date

from portal.forms import future_meeting_error
from portal.i18n import gettext as _
from portal.rules.deadlines import format_date


def conversation_date_error(held_on: date, summoned_on: date | None,
                            today: date) -> str | None:
    """Why a protocol may not record a conversation held on `held_on`, the student's summons
    sent on `summoned_on`; None when it may. The conversation may have been held before the
    day the student was called to (moved earlier: the student came by), not before the
    summons was sent."""
    if held_on > today:
        return _("The date %(date)s is in the future: write the protocol after the "
                 "conversation has been held.", date=format_date(held_on))
    if summoned_on is not None and held_on < summoned_on:
        return _("The student was summoned on %(summoned)s, so the protocol cannot record a "
                 "conversation held before that day (%(date)s).",
                 summoned=format_date(summoned_on), date=format_date(held_on))
    return None


# Outcomes that take a right from the student (loss of rights): not decided without the
# principal, citing the school's profile (LOSS_OF_RIGHTS_RULE).
LOSS_OF_RIGHTS = frozenset({"loss_of_study_place"})
LOSS_OF_RIGHTS_RULE = "follow_up_loss_of_rights"


def meeting_date_error(meeting_on: date, today: date, *, signed_on: date | None = None,
                       commented_on: date | None = None) -> str | None:
    """Why the meeting that decides cannot have been held on `meeting_on`, the student having
    signed the protocol on `signed_on` (or commented on it instead on `commented_on`); None
    when it can."""
    if (error := future_meeting_error(meeting_on, today)) is not None:
        return error
    if signed_on is not None and meeting_on < signed_on:
        return _("The student signed the protocol on %(answered)s, so the meeting that "
                 "decides the case cannot have been held before that day (%(date)s).",
                 answered=format_date(signed_on), date=format_date(meeting_on))
    if commented_on is not None and meeting_on < commented_on:
        return _("The student commented on the protocol on %(answered)s, so the meeting that "
                 "decides the case cannot have been held before that day (%(date)s).",
                 answered=format_date(commented_on), date=format_date(meeting_on))
    return None


def principal_error(profile, outcome: str, outcome_label: str, principal_there: bool,
                    field_label: str) -> str | None:
    """Why `outcome` cannot be decided at a meeting the principal did not take part in
    (`principal_there`); None when it can."""
    if outcome not in LOSS_OF_RIGHTS or principal_there:
        return None
    return _("%(outcome)s is a decision on loss of rights, which is not made without the "
             "principal (%(rule)s): record it only after a meeting the principal took part in, "
             "and tick \u201c%(field)s\u201d.", outcome=outcome_label,
             rule=profile.rule(LOSS_OF_RIGHTS_RULE).cite(), field=field_label)
