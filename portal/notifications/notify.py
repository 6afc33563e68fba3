"""Who hears of what: every case event notifies in the portal and queues e-mail in its own
transaction (the engine calls `on_event` after writing the event).

A notification of a case event says what happened, from the event: the kind's sentence for
its action (Kind.news: "The application for independent study has been granted."), else a
common one (NEWS), else that the case was updated. It is read from the event when the list is
shown, so that rows written before a sentence existed read as well as new ones.

E-mail never carries what the case is about: no title, no text, no grade, no health
information — only its number, its kind and what happened (the same sentence), and a link to
it; of a kind that itself tells of health (Kind.mail_tells_news), only that something changed
in case 2026-0042. Notifications without a case (absence warnings, a doctor's note for an
exam) say as little: that there is news (about absence), and where.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from urllib.parse import urlsplit

from flask import current_app, has_app_context, url_for
from peewee import JOIN, SQL, fn

from portal.cases.kinds import LAPSE, REGISTRY, Transition, label_words
from portal.db import Prepared, insert_rows
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Case, Event, Participant, SchoolClass, User, utcnow
from portal.notifications.models import Notification, NotificationPreference, Outbox
from portal.roles import generic_words, the_part

# Kinds of notification: what a user can switch e-mail off for (the portal list keeps them).
KINDS = {
    "action_needed": _l("Something waits for you to act"),
    "case_update": _l("A case you take part in was updated"),
    "decision": _l("A decision in your case"),
    "reminder": _l("Deadline reminders"),
    "absence_warning": _l("You, or a student you follow up, get an absence warning"),
}

# What the portal list says, per text key (the case reference is shown beside it).
TEXTS = {
    "action_needed": _l("Waits for you to act."),
    "case_update": _l("The case has been updated."),
    "copy": _l("For your information: the case has moved on."),
    "withdrawn": _l("The case has been withdrawn."),
    # (a case that lapsed, to those who could act on it but do not decide it: not why)
    "closed": _l("The case has been closed."),
    "decision": _l("A decision has been made. Read it and your right to appeal in the portal."),
    "reminder_due_soon": _l("Reminder: an answer from you is due %(date)s."),
    "reminder_overdue": _l("Reminder: an answer from you was due %(date)s and is late."),
    "reminder_deadline": _l("Reminder: your deadline in this case is %(date)s."),
    "reminder_tasks": _l("Reminder: your tasks are due %(date)s. Mark each task as done when "
                         "you have finished it."),
    "reminder_documentation": _l("Reminder: documentation is missing in this case. Add it by "
                                 "%(date)s."),
    # Without a case: the student's own warning, and the staff's (the class is named).
    "absence_warning": _l("You have been given an absence warning in a subject. See your "
                          "absence per subject."),
    "absence_warning_staff": _l("Someone in %(class)s has been given an absence warning. See "
                                "the class overview."),
    # To the exam office; the list it leads to names the student and the exam.
    "exam_sick_note": _l("A doctor's note has been sent for an exam. See the doctor's notes."),
}

# What happened, for the events of any kind that its own sentences (Kind.news) do not name; a
# pair: (to the case's student, to the others).
NEWS = {
    "withdraw": _l("The case has been withdrawn."),
    "upload": _l("A document has been added to the case."),
    "reasons_requested": _l("The reasons for a decision in the case have been asked for."),
    "reasons_given": (_l("You have been given the reasons for the decision."),
                      _l("The reasons for the decision have been given.")),
}

# A case event's notification, per text key, with what happened (%(news)s); "case_update"
# says just that.
WITH_NEWS = {
    "action_needed": _l("%(news)s The case waits for you."),
    "copy": _l("For your information: %(news)s"),
    "decision": _l("%(news)s Read the decision and your right to appeal in the portal."),
}

# The text keys of a case event's notification (`heard`): those that say what happened.
NEWS_KEYS = frozenset({"action_needed", "case_update", "copy", "decision"})

# Where a notification without a case leads: text key -> (endpoint, its argument for the
# notification's class, if it takes one).
CASELESS_LINKS: dict[str, tuple[str, str | None]] = {
    "absence_warning": ("absence.index", None),
    "absence_warning_staff": ("absence.class_page", "class_id"),
    "exam_sick_note": ("exams.sick_notes", None),
}

# Timeline notes nobody needs to hear of.
QUIET_ACTIONS: set[str] = {"reminder", "document_opened"}

# The app whose URL map and catalogues e-mails use when the engine runs outside a request.
_app = None


def remember_app(app) -> None:
    global _app
    _app = app


def _app_context():
    if has_app_context() or _app is None:
        return nullcontext()
    return _app.app_context()


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, from PORTAL_BASE_URL (which production requires;
    default the development server)."""
    app = current_app if has_app_context() else _app
    base = app.config.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000"
    parts = urlsplit(base)
    adapter = app.url_map.bind(parts.netloc, url_scheme=parts.scheme or "https",
                               script_name=parts.path or "/")
    return adapter.build(endpoint, values, force_external=True)


def news(case_kind: str, action: str | None, role: str | None, parts,
         words: dict | None = None) -> str | None:
    """What an event did (its `action`, taken by someone in `role`), as a notification tells
    someone holding `parts` in the case: the kind's sentence (Kind.news), else the common one
    (NEWS); what it names of the case as `words` says (the case's Kind.label_words: the
    appeals body, %(body)s, else its generic word). None where there is none, and for a
    decision that `parts` do not read (Kind.decision_readers): the notification then says
    what its text key says."""
    kind = REGISTRY.get(case_kind)
    if kind is None or action is None:
        return None
    said = kind.news.get(action) or NEWS.get(action)
    if said is None or (not kind.reads_decisions(set(parts)) and any(
            t.decision for t in kind.transitions if t.action == action)):
        return None
    if isinstance(said, tuple):
        said = said[0 if "student" in parts else 1]
    who = the_part(role)
    return str(said) % {"who": who, "Who": who[:1].upper() + who[1:], **generic_words(),
                        **(words or {})}


def with_news(text_key: str, what: str) -> str:
    """A case event's notification with what happened (`what`, from `news`)."""
    said = WITH_NEWS.get(text_key)
    return what if said is None else str(said) % {"news": what}


def text_for(notification: Notification, parts=frozenset(), words: dict | None = None) -> str:
    """The sentence of a notification in the portal list, to someone holding `parts` in its
    case: what its event did where that can be said (`news`, naming what `words` says of the
    case; the event read with the notification), else what its text key says."""
    from portal.rules.deadlines import format_date

    event = notification.event if notification.event_id is not None else None
    if (event is not None and notification.case_id is not None
            and notification.text_key in NEWS_KEYS):
        what = news(notification.case.kind, event.action, event.role, parts, words)
        if what is not None:
            return with_news(notification.text_key, what)
    text = TEXTS.get(notification.text_key, TEXTS["case_update"])
    values = {}
    if notification.due_on is not None:
        values["date"] = format_date(notification.due_on)
    if notification.school_class_id is not None:
        values["class"] = notification.school_class.name
    return str(text) % values if values else str(text)


def link_for(notification: Notification) -> str:
    """Where opening a notification leads: its case, else the page its text key names (with
    the class it concerns), else the notification list."""
    if notification.case_id is not None:
        return url_for("cases.show", case_id=notification.case_id)
    endpoint, class_arg = CASELESS_LINKS.get(notification.text_key, (None, None))
    if endpoint in current_app.view_functions:
        if class_arg is None:
            return url_for(endpoint)
        if notification.school_class_id is not None:
            return url_for(endpoint, **{class_arg: notification.school_class_id})
    return url_for("notifications.index")


def copy_parts(kind) -> set[str]:
    """Parts kept informed (copy) of a kind's filing, decisions and closing."""
    return set(getattr(kind, "copy_parts", None) or {"contact_teacher"})


# Each participant with the kinds of notification they switched e-mail off for (a row a part
# and kind; none switched off: one row a part, without one): who hears of an event and whether
# by e-mail, in one statement.
_participants_of = Prepared(lambda case_id: (
    Participant.select(Participant.part, User, NotificationPreference.kind)
    .join(User, on=(Participant.user == User.id))
    .join(NotificationPreference, JOIN.LEFT_OUTER, attr="email_off",
          on=((NotificationPreference.user == User.id)
              & (NotificationPreference.email == False)))  # noqa: E712 (SQL, not Python)
    .where(Participant.case == case_id)))


def _participants(case: Case) -> dict[int, tuple[User, set[str], set[str]]]:
    """{user id: (user, their parts, the kinds they switched e-mail off for)}."""
    found: dict[int, tuple[User, set[str], set[str]]] = {}
    for row in _participants_of.execute(case):
        user = row.user
        _user, parts, off = found.setdefault(user.id, (user, set(), set()))
        parts.add(row.part)
        if user.email_off is not None:
            off.add(user.email_off.kind)
    return found


def _quiet(case: Case, event: Event) -> bool:
    """Whether nobody hears of `event` (a note nobody needs, a kind no longer installed)."""
    return case.kind not in REGISTRY or event.action in QUIET_ACTIONS


def audience(case: Case, event: Event, transition: Transition | None,
             participants: dict) -> dict[int, tuple]:
    """{user id: (user, kind, text_key)} of those who must act on or would want to know of
    an event that is not `_quiet`; never the one who did it. `participants` as
    `_participants` reads them."""
    kind = REGISTRY[case.kind]
    result = {}
    for user_id, (user, parts, _off) in participants.items():
        if user_id == event.actor_id or not user.active:
            continue
        found = heard(kind, transition, event.action, case.state, case.is_open, parts,
                      turn=kind.turn(transition, event.action, event.data, parts))
        if found is not None:
            result[user_id] = (user, *found)
    return result


def heard(kind, transition: Transition | None, action: str, state: str, is_open: bool,
          parts: set[str], turn: bool | None = None) -> tuple[str, str] | None:
    """(kind, text key) of the notification someone holding `parts` (not the one who acted)
    gets of an event that left the case in `state`, or None: those who may act next; the
    student of every change (a decision as one) but the shares of a step taken side by side;
    the deciders of a note; and the parts the
    kind keeps informed (copy_parts) of a filing, a decision and a closing; of the student's
    withdrawal, those who could act on the case in the state it was withdrawn from and the
    parts the kind names (withdrawal_told); of a lapse (engine.lapse), the deciders with
    why, those who could act or are kept informed only that it is closed. `turn`: what
    Kind.turn says of the step, where several people act in one state — of those who may act
    there, only those whose turn begins with it are told (each subject teacher once, when the
    case comes to the teachers, and the coordinator with the last answer)."""
    filed = transition is None and action == "file"
    is_note = transition is None and not filed
    deciding = transition is not None and transition.decision
    closing = transition is not None and not is_open
    acts = is_open and kind.may_act(state, parts)
    if acts and not is_note and turn is not False:
        return "action_needed", "action_needed"
    if "student" in parts:
        if turn is False and not deciding:
            # another's share of a step taken side by side (each subject teacher's answer):
            # the student sees it on the case's page; the decision that follows tells them
            return None
        return ("decision", "decision") if deciding else ("case_update", "case_update")
    if is_note and (acts or parts & set(kind.deciders)):
        return "case_update", "case_update"
    if transition is not None and action == "withdraw" and (
            parts & kind.withdrawal_told or kind.may_act(transition.state, parts)):
        # (whose turn it was: the case leaves their queue, and nothing else would say why)
        return "case_update", "withdrawn"
    if transition is not None and action == LAPSE:
        # closed by the portal, its question gone (engine.lapse): those who decide the case
        # (who may read its health documents) learn why, from the kind's sentence; those who
        # could act on it in the state it lapsed from, or are kept informed, only that it is
        # closed (an appeal's new examiners are told nothing of the student's absence)
        if parts & set(kind.deciders):
            return "case_update", "case_update"
        if kind.may_act(transition.state, parts) or parts & copy_parts(kind):
            return "case_update", "closed"
        return None
    if parts & copy_parts(kind) and (filed or deciding or closing):
        return "case_update", "copy"
    return None


def wants_email(user: User, kind: str, switched_off) -> bool:
    """The rule for e-mail of a notification of `kind`: the user has an address and
    `kind` is not among the kinds they switched e-mail off for (`switched_off`)."""
    return bool(user.email) and kind not in switched_off


def email_wanted(users: list[User], kind: str) -> set[int]:
    """Ids of those among `users` whom `wants_email` gives an e-mail of `kind`."""
    ids = [u.id for u in users if u.email]  # (whose choices there is any need to read)
    off = {
        p.user_id
        for p in NotificationPreference.select(NotificationPreference.user).where(
            NotificationPreference.user.in_(ids)
            & (NotificationPreference.kind == kind)
            & (NotificationPreference.email == False)  # noqa: E712 (SQL, not Python)
        )
    } if ids else set()
    return {u.id for u in users if wants_email(u, kind, (kind,) if u.id in off else ())}


def _caseless_mail(user: User, text_key: str) -> tuple[str, str]:
    """Subject and body of a notification without a case: that there is news (about absence)
    and a link — never the subject, the percentage or anything else it is about."""
    absence = text_key.startswith("absence_warning")
    app = current_app if has_app_context() else _app
    endpoint = "absence.index" if absence and app is not None \
        and "absence.index" in app.view_functions else "notifications.index"
    if absence:
        subject = _("Student portal: news about absence")
        news = _("There is news about absence in the student portal.")
    else:
        subject = _("Student portal: news for you")
        news = _("There is news for you in the student portal.")
    lines = [
        _("Hello %(name)s,", name=user.full_name), "", news,
        _("Log in to the student portal to read it: %(link)s", link=external_url(endpoint)),
        "",
        _("For your privacy this e-mail says nothing more."),
        _("You can turn these e-mails off in the portal: %(link)s",
          link=external_url("notifications.preferences")),
    ]
    return str(subject), mail_body(lines)


def _mail(user: User, case: Case | None, text_key: str, due_on: date | None,
          what: str | None = None) -> tuple[str, str]:
    """Subject and body: the case's number, its kind and what happened (`what`, from `news`)
    where the kind lets e-mail say it, else that something changed; and where to look —
    nothing of what the case is about."""
    from portal.rules.deadlines import format_date

    if case is None:
        return _caseless_mail(user, text_key)
    reference = case.reference
    kind = REGISTRY.get(case.kind)
    if what is not None and kind is not None and kind.mail_tells_news:
        return _news_mail(user, case, kind, text_key, what)
    headlines = {
        "action_needed": _("a case waits for you"),
        "decision": _("a decision has been made"),
        "reminder_due_soon": _("a deadline is close"),
        "reminder_overdue": _("an answer is late"),
        "reminder_deadline": _("a deadline is close"),
        "reminder_tasks": _("a deadline is close"),
        "reminder_documentation": _("a deadline is close"),
    }
    headline = headlines.get(text_key, _("the case has been updated"))
    subject = _("Student portal: case %(ref)s – %(what)s", ref=reference, what=headline)
    lines = [_("Hello %(name)s,", name=user.full_name), ""]
    if text_key.startswith("reminder"):
        lines.append(_("A deadline in case %(ref)s at %(school)s is %(date)s.", ref=reference,
                       school=case.school.name, date=format_date(due_on)))
    else:
        lines.append(_("There is news in case %(ref)s at %(school)s.", ref=reference,
                       school=case.school.name))
    link = external_url("cases.show", case_id=case.id)
    lines += [
        _("Log in to the student portal to read it: %(link)s", link=link),
        "",
        _("For your privacy this e-mail says nothing more about the case."),
        _("You can turn these e-mails off in the portal: %(link)s",
          link=external_url("notifications.preferences")),
    ]
    return str(subject), mail_body(lines)


def _news_mail(user: User, case: Case, kind, text_key: str, what: str) -> tuple[str, str]:
    """A case event's e-mail that says what happened: the number, the kind, the news."""
    headline = what.rstrip(".")
    if text_key == "action_needed":
        subject = _("Student portal: case %(ref)s waits for you – %(what)s", ref=case.reference,
                    what=headline)
    else:
        subject = _("Student portal: case %(ref)s – %(what)s", ref=case.reference,
                    what=headline)
    lines = [
        _("Hello %(name)s,", name=user.full_name), "",
        _("Case %(ref)s (%(kind)s) at %(school)s:", ref=case.reference, kind=kind.label,
          school=case.school.name),
        with_news(text_key, what), "",
        _("Log in to the student portal to read it: %(link)s",
          link=external_url("cases.show", case_id=case.id)),
        "",
        _("For your privacy this e-mail says nothing more about the case."),
        _("You can turn these e-mails off in the portal: %(link)s",
          link=external_url("notifications.preferences")),
    ]
    return str(subject)[:Outbox.subject.max_length], mail_body(lines)


def deliver(user: User, case: Case | None, kind: str, text_key: str, *, dedupe_key: str,
            event: Event | None = None, due_on: date | None = None,
            school_class: SchoolClass | None = None,
            email: bool | None = None) -> Notification:
    """One notification in the portal list and, unless switched off, one e-mail in the outbox
    (call inside the transaction of what it tells of). Without a case, `school_class` names
    the class it concerns (staff open its overview)."""
    note = Notification.create(user=user, case=case, event=event, school_class=school_class,
                               kind=kind, text_key=text_key, due_on=due_on,
                               created_at=utcnow())
    if email is None:
        email = user.id in email_wanted([user], kind)
    if email:
        Outbox.insert(_outbox_row(user, case, text_key, due_on, dedupe_key)
                      ).on_conflict_ignore().execute()
    return note


def _outbox_row(user: User, case: Case | None, text_key: str, due_on: date | None,
                dedupe_key: str, event: Event | None = None, parts=frozenset(),
                words: dict | None = None) -> dict:
    """The e-mail of a notification to `user` (holding `parts` in `case`; of `event`, if
    one caused it; `words`: what its news names of the case, Kind.label_words) as an outbox
    row."""
    with _app_context():
        what = (news(case.kind, event.action, event.role, parts, words)
                if event is not None and case is not None and text_key in NEWS_KEYS
                else None)
        subject, body = _mail(user, case, text_key, due_on, what)
    return mail_row(user.email, subject, body, dedupe_key)


def mail_body(lines) -> str:
    """An e-mail's text from its lines (lazy or plain strings), each ended by a newline."""
    return "\n".join(str(line) for line in lines) + "\n"


def mail_row(recipient: str, subject: str, body: str, dedupe_key: str) -> dict:
    """An outbox row, due now; a second row with its dedupe_key is never queued."""
    now = utcnow()
    return {"recipient": recipient, "subject": subject, "body": body, "dedupe_key": dedupe_key,
            "status": "pending", "next_attempt_at": now, "created_at": now}


def queue_mail(recipient: str, subject: str, body: str, dedupe_key: str,
               expires_at=None) -> bool:
    """One e-mail that is not a notification (a password link) in the outbox, not sent after
    `expires_at` if given; False when one with `dedupe_key` is there already."""
    row = {**mail_row(recipient, subject, body, dedupe_key), "expires_at": expires_at}
    return bool(Outbox.insert(row).on_conflict_ignore().as_rowcount().execute())


def on_event(case: Case, event: Event, transition: Transition | None) -> None:
    """The engine's listener: notify everyone in `audience`, inside the event's transaction:
    one statement reads the participants with their e-mail choices, one writes the
    notifications, one the e-mails."""
    if _quiet(case, event):
        return
    participants = _participants(case)
    targets = audience(case, event, transition, participants)
    now = utcnow()
    notes, mails = [], []
    words = None  # what the news names of the case (Kind.label_words), read for a first e-mail
    for user_id, (user, kind, key) in targets.items():
        notes.append({"user": user_id, "case": case.id, "event": event.id, "kind": kind,
                      "text_key": key, "created_at": now})
        _user, parts, switched_off = participants[user_id]
        if wants_email(user, kind, switched_off):
            if words is None:
                words = label_words([(case.kind, case.id)]).get(case.id, {})
            mails.append(_outbox_row(user, case, key, None, f"event:{event.id}:user:{user_id}",
                                     event, parts, words))
    # as deliver() does for one, in one statement each for all of them
    insert_rows(Notification, notes)
    insert_rows(Outbox, mails, ignore_conflicts=True)


# The menu shows up to this many unread notifications and "99+" beyond: counted to one more,
# never further. A count of all of them read every unread row of the user on every page (a
# year coordinator who lets them pile up has thousands: 0.4 ms a page on SQLite at 7,700).
UNREAD_SHOWN = 99


def unread_query(user_id):
    """How many unread notifications the user has, up to UNREAD_SHOWN + 1."""
    unread = (Notification.select(SQL("1"))
              .where((Notification.user == user_id) & Notification.read_at.is_null())
              .limit(UNREAD_SHOWN + 1))
    # (through the model, so that the query is bound to the database and its parameter style)
    return Notification.select(fn.COUNT(SQL("*"))).from_(unread.alias("unread"))


def unread_label(count: int) -> str:
    """The count as the menu shows it: "99+" beyond UNREAD_SHOWN."""
    return f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)


_unread = Prepared(lambda user_id: unread_query(user_id).tuples())


def unread_count(user) -> int:
    return _unread.scalar(getattr(user, "id", user)) or 0
