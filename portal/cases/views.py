"""Pages every case has: the case page, its live status fragment, its documents."""

from flask import (
    Blueprint,
    Response,
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
from peewee import JOIN

from portal.auth.views import session_still_valid, session_user_id
from portal.cases.access import case_for
from portal.cases.kinds import APPEAL_REVIEWER, get_kind
from portal.cases.steps import CONFIRMED, NOT_NOW
from portal.cases.uploads import document_response
from portal.db import Prepared
from portal.extensions import login_manager
from portal.models import Attachment, AttachmentAccess, Case, Event, Participant, User

bp = Blueprint("cases", __name__, url_prefix="/cases")

STATUS_EVENTS = 5


# What a timeline shows of an event (templates/_macros.html, timeline_event), and who acted by
# name: not the event's data, which would be parsed as JSON for every row.
_timeline = Prepared(lambda case_id: (
    Event.select(Event.id, Event.created_at, Event.action, Event.actor, Event.role, Event.text,
                 User.id, User.full_name)
    .join(User, on=(Event.actor == User.id), join_type=JOIN.LEFT_OUTER)
    .where(Event.case == case_id)
    .order_by(Event.id.desc())))

_latest_events = Prepared(lambda case_id, limit: _timeline.builder(case_id).limit(limit))

_attachments = Prepared(lambda case_id: (
    Attachment.select(Attachment.id, Attachment.filename, Attachment.content_type,
                      Attachment.size, Attachment.is_health, Attachment.created_at,
                      Attachment.purpose)
    .where(Attachment.case == case_id)
    .order_by(Attachment.id)))


def case_context(case, parts):
    """What the case page and its fragments need."""
    kind = get_kind(case.kind)
    events = _timeline(case.id)
    attachments = _attachments(case.id) if _may_have(case, "has_attachments") else []
    context = {
        "case": case,
        "kind": kind,
        "parts": parts,
        "events": events,
        "latest": events[:STATUS_EVENTS],
        "attachments": attachments,
        "can_open_health": bool(parts & health_readers(kind)),
    }
    from portal.cases.decisions import for_case

    # decision letters, shown on the case page (each with its appeal, as the user sees it)
    context["decisions"] = (for_case(case, _reader_id()) if _may_have(case, "has_decisions")
                            and kind.reads_decisions(parts) else [])
    if kind.extra_context is not None:
        context.update(kind.extra_context(case, parts))
    _with_label_words(context, kind, case)
    return context


def _with_label_words(context, kind, case) -> None:
    """What the kind's event labels name of the case (Kind.label_words), as the timeline's
    macros take it ((placeholder, text) pairs, part of a kept row's key), unless the kind's
    context has it already (from the rows it read)."""
    if "label_words" not in context:
        words = kind.label_words([case.id]).get(case.id, {}) if kind.label_words else {}
        context["label_words"] = tuple(sorted(words.items()))


def _reader_id() -> int:
    """The id of the user the page is for: the session's, as flask-login reads it, without
    loading the user where the request has not (the status poll checks the session in its
    own query, _poll_rows)."""
    found = session_user_id()
    return found[0] if found is not None else current_user.id


def _may_have(case, flag: str) -> bool:
    """False only when the statement that read the case found none (case_for's flags); a
    case read another way may have some."""
    return bool(getattr(case, flag, True))


def status_context(case, parts):
    """What the status block alone needs (the live fragment): the case, its latest events and
    what the kind shows there; not the forms, documents and decisions of the whole page.
    Kinds that do not say what their status block needs get the whole page's context."""
    kind = get_kind(case.kind)
    if kind.status_context is None:
        return case_context(case, parts)
    context = {"case": case, "kind": kind, "parts": parts,
               "latest": _latest_events(case.id, STATUS_EVENTS)}
    context.update(kind.status_context(case, parts))
    _with_label_words(context, kind, case)
    return context


def health_readers(kind) -> set[str]:
    """Parts that may open health documents: the student and those who decide the case or
    an appeal on its decision."""
    return {"student", APPEAL_REVIEWER} | set(kind.deciders)


@bp.route("/<int:case_id>")
@login_required
def show(case_id):
    """The case: status, details, what the user can do, timeline, documents."""
    case, parts = case_for(case_id)
    return render_template(get_kind(case.kind).template, **case_context(case, parts))


# (case version, part, user active, password hash) for each part of the user in the case;
# no rows: not theirs.
_member_rows = Prepared(lambda case_id, user_id: (
    Case.select(Case.version, Participant.part, User.active, User.password_hash)
    .join(Participant, on=(Participant.case == Case.id))
    .join(User, on=(Participant.user == User.id))
    .where((Case.id == case_id) & (Participant.user == user_id))
    .tuples()))


def _poll_rows(case_id: int):
    """The session's user's rows in the case, the user checked as load_user and flask-login
    check a session, in one query instead of two; None to take the ordinary way (flask-login
    loads the user, or sends to the login page)."""
    found = session_user_id()
    if found is None:
        return None
    user_id, fingerprint = found
    rows = _member_rows(case_id, user_id)
    if not rows or not all(session_still_valid(active, password_hash, fingerprint)
                           for _v, _p, active, password_hash in rows):
        return None
    return rows


@bp.route("/<int:case_id>/status")
def status(case_id):
    """The live status fragment; 304 when the case has not changed (one indexed lookup, the
    session's user checked in the same query)."""
    rows = _poll_rows(case_id)
    if rows is None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        rows = _member_rows(case_id, current_user.id)
    case = None
    if rows:
        version, parts = rows[0][0], {part for _v, part, _a, _h in rows}
    else:  # no part held: one given (an appeal's decider reads the appealed case), or 404
        case, parts = case_for(case_id)
        version = case.version
    etag = f"c{case_id}v{version}"
    # weak comparison, as If-None-Match asks: a proxy that compresses the answer (nginx's
    # gzip) hands the browser W/"...", and the browser sends that back
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        if case is None:
            case, parts = case_for(case_id, parts=parts)
        template = get_kind(case.kind).template
        html = render_inherited_block(template, "status", **status_context(case, parts))
        response = make_response(html)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/<int:case_id>/withdraw")
@login_required
def confirm_withdraw(case_id):
    """Asks the student to confirm that they withdraw the case; its form posts to the kind's
    withdraw (which sends a post without the confirmation here: steps.unconfirmed_withdrawal).
    A page, not a script's dialog: it works without JavaScript."""
    case, parts = case_for(case_id)
    if "student" not in parts:
        abort(404)
    kind = get_kind(case.kind)
    step = kind.transition(case.state, "withdraw")
    endpoint = f"{case.kind}.withdraw"
    if step is None or "student" not in step.roles or endpoint not in current_app.view_functions:
        flash(str(NOT_NOW), "error")
        return redirect(url_for("cases.show", case_id=case.id), 303)
    if kind.withdrawal_refused is not None and (why := kind.withdrawal_refused(case)):
        flash(why, "error")  # (the kind's rule, with its date: not a page that asks in vain)
        return redirect(url_for("cases.show", case_id=case.id), 303)
    return render_template("cases/withdraw.html", case=case, kind=kind, endpoint=endpoint,
                           confirmed=CONFIRMED)


_PARENTS: dict = {}  # template name -> (loaded template, name of the template it extends)


def render_inherited_block(template_name: str, block: str, **context) -> str:
    """One block of a page whose template extends another (a kind's case page extends
    cases/show.html): the block may live in a parent, and the blocks nested inside it resolve
    to the child's overrides, as in a full render. (jinja2-fragments' render_block only sees
    the blocks the named template defines itself.)"""
    from flask import current_app

    env = current_app.jinja_env
    chain = template_chain(env, template_name)
    ctx = chain[0].new_context(_template_context(context))
    for parent in chain[1:]:
        for block_name, render in parent.blocks.items():
            ctx.blocks.setdefault(block_name, []).append(render)
    return env.concat(ctx.blocks[block][0](ctx))


def template_chain(env, template_name: str) -> list:
    """The template and the templates it extends, child first (each parsed once per loaded
    template to find its parent)."""
    from jinja2 import nodes

    chain, name = [], template_name
    while name:
        template = env.get_template(name)
        chain.append(template)
        cached = _PARENTS.get(name)
        if cached is None or cached[0] is not template:
            source = env.loader.get_source(env, name)[0]
            extends = next(iter(env.parse(source).find_all(nodes.Extends)), None)
            cached = _PARENTS[name] = (template, extends.template.value if isinstance(
                getattr(extends, "template", None), nodes.Const) else None)
        name = cached[1]
    return chain


def _template_context(context: dict) -> dict:
    """What a block rendered alone gets besides its own context: Flask's request, session and
    g, and current_user as flask-login's lazy proxy. Not the context processors: they serve
    the page's menu (the unread count, the absence and exam links), and flask-login's loads
    the user, which the status poll has already checked in its one query."""
    from flask import g, session
    from flask_login import current_user

    for name, value in (("request", request), ("session", session), ("g", g),
                        ("current_user", current_user)):
        context.setdefault(name, value)
    return context


@bp.route("/<int:case_id>/documents/<int:attachment_id>")
@login_required
def document(case_id, attachment_id):
    """Open a document of the case; health documents only for those who decide. Logged."""
    case, parts = case_for(case_id)
    attachment = Attachment.get_or_none(
        (Attachment.id == attachment_id) & (Attachment.case == case)
    )
    if attachment is None:
        abort(404)
    if attachment.is_health and not parts & health_readers(get_kind(case.kind)):
        abort(404)
    AttachmentAccess.create(attachment=attachment, user=current_user.id, part=sorted(parts)[0])
    return document_response(attachment.data, attachment.content_type, attachment.filename)
