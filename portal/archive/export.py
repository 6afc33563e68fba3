"""The archive export: per case, a PDF of each decision letter and signed (or commented)
follow-up protocol, with a metadata JSON beside it, in one folder or zip per day — what the
school files in its archive (P-360 in seed 000)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, partial
from pathlib import Path

from flask import current_app, has_request_context, render_template
from peewee import JOIN

from portal.cases.kinds import REGISTRY
from portal.models import Case, Decision, School, SchoolYear, User
from portal.rules.calendar import OSLO, to_oslo


@dataclass
class Document:
    """One document of the day. Its metadata come from the query; its PDF is rendered only
    when the archive is written: the page that lists the day's documents needs none, and a
    WeasyPrint rendering costs tens of milliseconds each."""

    name: str  # file name without extension
    meta: dict
    render: Callable[[], bytes] = field(repr=False)

    @cached_property
    def pdf(self) -> bytes:
        return self.render()


def utc_bounds(day: date) -> tuple[datetime, datetime]:
    """The Oslo calendar day as naive UTC [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=OSLO)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=OSLO)
    return (start.astimezone(UTC).replace(tzinfo=None),
            end.astimezone(UTC).replace(tzinfo=None))


def render_pdf(html: str) -> bytes:
    """The decision letters' HTML-to-PDF function (portal/cases/decisions.py)."""
    from portal.cases.decisions import render_pdf as letters_render_pdf

    return letters_render_pdf(html)


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_oslo(value).isoformat(timespec="seconds")
    return value.isoformat()


def _base_meta(case: Case, document: str) -> dict:
    kind = REGISTRY.get(case.kind)
    return {
        "document": document,
        "case_number": case.reference,
        "school": case.school.name,
        "kind": case.kind,
        "kind_label": str(kind.label) if kind else case.kind,
        "title": case.title,
        "student": {"name": case.student.full_name, "username": case.student.username},
        "filed": _iso(case.created_at),
    }


def _render(template: str, **context) -> bytes:
    if has_request_context():
        return render_pdf(render_template(template, **context))
    with current_app.test_request_context("/"):
        return render_pdf(render_template(template, **context))


def decision_documents(day: date, schools=None) -> list[Document]:
    start, end = utc_bounds(day)
    student, decided_by = User.alias(), User.alias()
    query = (Decision.select(Decision, Case, School, SchoolYear, student, decided_by)
             .join(Case).join(School).switch(Case).join(SchoolYear)
             .switch(Case).join(student, on=Case.student)
             .switch(Decision).join(decided_by, on=Decision.decided_by)
             .where((Decision.decided_at >= start) & (Decision.decided_at < end))
             .order_by(Decision.id))
    if schools is not None:
        query = query.where(Case.school.in_(schools))
    docs = []
    for d in query:
        case = d.case
        render = partial(_render, "cases/decision_letter_pdf.html", d=d, case=case,
                         parts={d.decided_role})
        meta = _base_meta(case, "decision")
        meta.update({
            "decided": _iso(d.decided_at),
            "decided_by": {"name": d.decided_by.full_name, "role": d.decided_role},
            "outcome": d.outcome,
            "rule_reference": d.rule_reference,
            "appeal_deadline": _iso(d.appeal_deadline),
            "appeal_body": d.appeal_body,
            "present": d.present.splitlines() if d.present else None,
        })
        docs.append(Document(f"{case.reference}-vedtak-{d.id}", meta, render))
    return docs


def protocol_documents(day: date, schools=None) -> list[Document]:
    """Follow-up protocols signed — or commented instead of signed — on `day`."""
    if "follow_up" not in REGISTRY:
        return []
    from portal.kinds.follow_up.models import FollowUp

    start, end = utc_bounds(day)
    answered = (((FollowUp.signed_at >= start) & (FollowUp.signed_at < end))
                | ((FollowUp.commented_at >= start) & (FollowUp.commented_at < end)))
    student, author = User.alias(), User.alias()
    query = (FollowUp.select(FollowUp, Case, School, SchoolYear, student, author)
             .join(Case).join(School).switch(Case).join(SchoolYear)
             .switch(Case).join(student, on=Case.student)
             .switch(FollowUp).join(author, JOIN.LEFT_OUTER, on=FollowUp.protocol_by)
             .where(answered).order_by(FollowUp.id))
    if schools is not None:
        query = query.where(Case.school.in_(schools))
    docs = []
    for f in query:
        case = f.case
        author = f.protocol_by  # None when no protocol author is recorded
        render = partial(_render, "archive/protocol_pdf.html", f=f, case=case,
                         author=author)
        meta = _base_meta(case, "protocol")
        meta.update({
            "meeting": _iso(f.meeting_on),
            "held": _iso(f.held_on),
            "written": _iso(f.protocol_at),
            "written_by": {"name": author.full_name, "role": "cohort_coordinator"}
            if author else None,
            "signed": _iso(f.signed_at),
            "commented_instead_of_signing": _iso(f.commented_at),
        })
        docs.append(Document(f"{case.reference}-protokoll", meta, render))
    return docs


def documents(day: date, schools=None) -> list[Document]:
    return decision_documents(day, schools) + protocol_documents(day, schools)


def _files(day: date, docs: list[Document]):
    folder = day.isoformat()
    for doc in docs:
        meta = dict(doc.meta, file=f"{doc.name}.pdf",
                    sha256=hashlib.sha256(doc.pdf).hexdigest())
        yield f"{folder}/{doc.name}.pdf", doc.pdf
        yield f"{folder}/{doc.name}.json", (json.dumps(meta, ensure_ascii=False, indent=2)
                                            + "\n").encode()


def zip_bytes(day: date, docs: list[Document]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _files(day, docs):
            archive.writestr(name, data)
    return buffer.getvalue()


def export(day: date, dest: Path, *, as_zip: bool = False, schools=None) -> tuple[Path, int]:
    """Write the day's documents under `dest` (a folder YYYY-MM-DD, or YYYY-MM-DD.zip);
    returns the path and the number of documents."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    docs = documents(day, schools)
    if as_zip:
        path = dest / f"{day.isoformat()}.zip"
        path.write_bytes(zip_bytes(day, docs))
        return path, len(docs)
    for name, data in _files(day, docs):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (dest / day.isoformat()).mkdir(exist_ok=True)
    return dest / day.isoformat(), len(docs)
