"""Uploaded documents: the type is decided from the content, never from the name or browser."""

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import quote

from flask import current_app, make_response, request
from flask_login import current_user

from portal.filters import file_size
from portal.i18n import gettext as _

# Signatures of the formats a phone camera or a scanner produces.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


class UploadError(ValueError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    size: int
    sha256: str
    held: str | None = None  # the token it is held under (HeldUpload), once held


def sniff(data: bytes) -> str | None:
    for magic, content_type, _ext in _SIGNATURES:
        if data.startswith(magic):
            return content_type
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


# The extensions a file of each type may keep; the first is given to one that has another
# ("legeerklaering.JPG" stays, "skjema.html" whose content is a PNG becomes "skjema.png": a
# download is saved under its name, and opened from the downloads folder by its extension).
_EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg", ".jpe"), "image/png": (".png",),
               "application/pdf": (".pdf",), "image/heic": (".heic", ".heif")}


def _clean_name(name: str | None, content_type: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    allowed = _EXTENSIONS[content_type]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem = base
    kept = f".{ext}" if dot and f".{ext.lower()}" in allowed else allowed[0]
    # (shortened before the extension, which stays: cut after it, a long name could end in
    # another one)
    return (stem.strip(" .") or "dokument")[:200 - len(kept)].rstrip(" .") + kept


def check_upload(storage, max_bytes: int | None = None) -> CheckedFile:
    """Read a werkzeug FileStorage and accept it only if it is a JPEG, PNG, HEIC or PDF
    within the size limit; raise UploadError with a Norwegian message otherwise."""
    limit = max_bytes or current_app.config["PORTAL_MAX_UPLOAD_BYTES"]
    data = storage.read(limit + 1)
    if not data:
        raise UploadError(_("The file is empty. Choose the file again or take a new photo."))
    if len(data) > limit:
        raise UploadError(
            _("The file is larger than %(size)s. Take a photo with lower resolution or "
              "make the PDF smaller.", size=file_size(limit))
        )
    content_type = sniff(data)
    if content_type is None:
        raise UploadError(
            _("The file must be a photo (JPEG, PNG or HEIC) or a PDF. The file you chose is "
              "neither, whatever its name says.")
        )
    return CheckedFile(
        filename=_clean_name(storage.filename, content_type),
        content_type=content_type,
        data=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def document_response(data: bytes, content_type: str, filename: str):
    """The response that opens a stored upload (a case's document, a doctor's note for an
    exam): of the type sniffed when it came (check_upload), a PDF shown in the browser and a
    photo downloaded, under the name it came with (RFC 5987: any letter survives), and kept
    out of every cache (such a document may tell of health). The caller checks who may open
    it and logs the opening."""
    response = make_response(bytes(data))
    response.headers["Content-Type"] = content_type
    disposition = "inline" if content_type == "application/pdf" else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# How long a file chosen in a form that came back with errors is held for the next try.
HOLD_FOR = timedelta(hours=2)


def _held_name(field) -> str:
    return f"{field.name}-held"


def held_token(field) -> str:
    """The token of the file the form says it holds for this field ("" when none)."""
    return request.form.get(_held_name(field), "")


def upload_for(field) -> CheckedFile | None:
    """The file of this form field: the one chosen now, checked (UploadError otherwise), or
    else the one held for this user from an earlier try of the form; None: neither."""
    storage = field.data
    if storage is not None and getattr(storage, "filename", ""):
        return check_upload(storage)
    token = held_token(field)
    if not token:
        return None
    from portal.models import HeldUpload, utcnow

    held = HeldUpload.get_or_none((HeldUpload.token == token)
                                  & (HeldUpload.user == current_user.id)
                                  & (HeldUpload.created_at >= utcnow() - HOLD_FOR))
    if held is None:  # (sent meanwhile, or too old: the field asks for the file again)
        return None
    return CheckedFile(filename=held.filename, content_type=held.content_type,
                       data=bytes(held.data), size=held.size, sha256=held.sha256, held=token)


def checked_upload(field) -> CheckedFile | None:
    """The field's file as upload_for finds it; a refused one is None, with the reason on the
    field (after the form's validation, which would clear it)."""
    try:
        return upload_for(field)
    except UploadError as exc:
        field.errors = [*field.errors, str(exc)]
        return None


@dataclass(frozen=True)
class Held:
    """What the form's field shows of a file it holds."""

    token: str
    filename: str
    size: str


def hold(form, field, checked: CheckedFile | None) -> CheckedFile | None:
    """Keep `checked` (if any) for the form's next try (the form came back with errors
    elsewhere): the field shows it and carries its token. Nothing is held for a request
    without the form's valid CSRF token (another site's post). Held files older than HOLD_FOR
    go."""
    from portal.models import HeldUpload, utcnow

    if checked is None or "csrf_token" in form.errors:
        return checked
    if checked.held is None:
        now = utcnow()
        HeldUpload.delete().where(HeldUpload.created_at < now - HOLD_FOR).execute()
        token = secrets.token_hex(16)
        HeldUpload.create(token=token, user=current_user.id, filename=checked.filename,
                          content_type=checked.content_type, size=checked.size,
                          sha256=checked.sha256, data=checked.data, created_at=now)
        checked = replace(checked, held=token)
    field.held = Held(checked.held, checked.filename, file_size(checked.size))
    return checked


# A form's second send of a file comes within seconds (a double tap) or minutes (a second
# tab); the same file sent again later, or for another purpose, is meant
SENT_TWICE_WITHIN = timedelta(minutes=10)


def already_in(case_id: int, checked: CheckedFile, purpose: str = "documentation") -> bool:
    """The case holds this very file (the same content) from the user for `purpose`, added
    within SENT_TWICE_WITHIN: a form sent twice whose first send added it."""
    from portal.models import Attachment, utcnow

    return Attachment.select(Attachment.id).where(
        (Attachment.case == case_id) & (Attachment.sha256 == checked.sha256)
        & (Attachment.uploaded_by == current_user.id) & (Attachment.purpose == purpose)
        & (Attachment.created_at >= utcnow() - SENT_TWICE_WITHIN)).exists()


def release(checked: CheckedFile | None) -> None:
    """The form is sent: its held file is no longer held (in the transaction that stores it)."""
    if checked is not None and checked.held is not None:
        from portal.models import HeldUpload

        HeldUpload.delete().where(HeldUpload.token == checked.held).execute()
