"""Uploads are checked by their content and size, never by name or browser."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from portal.cases.uploads import UploadError, check_upload, sniff

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"0" * 100
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 100


@pytest.mark.parametrize("data, expected", [
    (JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf"), (HEIC, "image/heic"),
    (b"MZ\x90\x00", None), (b"<html><script>", None), (b"GIF89a", None),
])
def test_sniff(data, expected):
    assert sniff(data) == expected


def _fs(data, name="x.jpg", content_type="image/jpeg"):
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def test_type_comes_from_content_not_name(app):
    with app.app_context():
        checked = check_upload(_fs(PDF, name="photo.jpg", content_type="image/jpeg"))
    assert checked.content_type == "application/pdf" and checked.size == len(PDF)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize("data, name, message", [
    (b"", "empty.pdf", "tom"),
    (b"MZ\x90\x00" * 10, "virus.pdf", "JPEG, PNG eller HEIC"),
    (JPEG + b"\x00" * 2048, "big.jpg", "større enn"),
])
def test_bad_uploads_are_refused_with_norwegian_message(app, data, name, message):
    with app.app_context(), app.test_request_context():
        with pytest.raises(UploadError, match=message):
            check_upload(_fs(data, name=name), max_bytes=1024 if len(data) > 1024 else None)


def test_file_names_are_cleaned(app):
    with app.app_context():
        assert check_upload(_fs(PNG, name="../../etc/<evil>.png")).filename == "evil.png"
        assert check_upload(_fs(PNG, name="")).filename == "dokument.png"


@pytest.mark.parametrize(("name", "data", "saved_as"), [
    ("evil.html", PNG, "evil.png"),           # HTML in name only: saved as what it is
    ("legeerklaering.JPG", JPEG, "legeerklaering.JPG"),
    ("bilde.jpeg", JPEG, "bilde.jpeg"),
    ("skann.png", PDF, "skann.pdf"),
    ("brev.pdf.exe", PDF, "brev.pdf.pdf"),
    ("IMG_0042.HEIF", HEIC, "IMG_0042.HEIF"),
    ("uten-endelse", JPEG, "uten-endelse.jpg"),
    (".html", PNG, "html.png"),
    ("x" * 195 + ".html" + "zz.png", PNG, "x" * 195 + ".png"),  # cut before the .png
    ("a" * 250 + ".pdf", PDF, "a" * 196 + ".pdf"),
])
def test_a_download_is_named_by_what_the_file_is(app, name, data, saved_as):
    with app.app_context():
        assert check_upload(_fs(data, name=name)).filename == saved_as
