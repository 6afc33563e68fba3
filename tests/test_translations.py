"""Every UI text has a bokmål translation (msgids are English; the UI is Norwegian)."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal import translation_directories

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}


def _msgids():
    found = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        ROOT / "portal", METHODS, keywords={"_": None, "gettext": None, "_l": None,
                                            "lazy_gettext": None, "ngettext": (1, 2)},
        options_map=OPTIONS,
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _translated():
    result = {}
    for directory in translation_directories():
        po = Path(directory) / "nb" / "LC_MESSAGES" / "messages.po"
        if po.exists():
            with po.open("rb") as f:
                for message in read_po(f):
                    if message.id and message.string and "fuzzy" not in message.flags:
                        key = message.id[0] if isinstance(message.id, tuple) else message.id
                        result[key] = message.string
    return result


def test_every_ui_text_is_translated_to_bokmal():
    translated = _translated()
    missing = {m: where for m, where in _msgids().items() if m not in translated}
    assert not missing, "untranslated (add to a messages.po): " + "; ".join(
        f"{where}: {m!r}" for m, where in sorted(missing.items(), key=lambda x: x[1]))


def test_no_msgid_has_two_translations_across_catalogues():
    """Flask-Babel merges the catalogues, so a msgid translated differently in two of them
    would show one kind's wording in another's page."""
    seen, clashes = {}, []
    for directory in translation_directories():
        po = Path(directory) / "nb" / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as f:
            for message in read_po(f):
                if not message.id or not message.string:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                text = message.string[0] if isinstance(message.string, tuple) else message.string
                if key in seen and seen[key][1] != text:
                    clashes.append(f"{key!r}: {seen[key][0]} {seen[key][1]!r} vs {po} {text!r}")
                seen.setdefault(key, (po, text))
    assert not clashes, "; ".join(clashes)
