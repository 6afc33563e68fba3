"""What a follow-up's records may say [000]: a protocol records a conversation that was held,
on or after the day the student was called to and not after today."""

from datetime import date

from portal.i18n import gettext as _
from portal.rules.deadlines import format_date


def conversation_date_error(held_on: date, called_to: date | None, today: date) -> str | None:
    """Why a protocol may not record a conversation held on `held_on`, the student called to
    one on `called_to`; None when it may."""
    if held_on > today:
        return _("The date %(date)s is in the future: write the protocol after the "
                 "conversation has been held.", date=format_date(held_on))
    if called_to is not None and held_on < called_to:
        return _("The student was called to the conversation on %(called)s, so the protocol "
                 "cannot record a conversation held before that day (%(date)s). If the "
                 "conversation has been moved, send a new summons with the new date.",
                 called=format_date(called_to), date=format_date(held_on))
    return None
