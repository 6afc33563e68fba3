"""Merge translations into a .po file: python scripts/po_fill.py POT PO TRANSLATIONS.json

Keeps existing translations, adds new msgids from the template, fills the ones given in the
JSON object {msgid: msgstr}, and lists msgids still untranslated. A developer's convenience;
the .po file stays the source of truth.
"""

import json
import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(pot_path, po_path, json_path=None):
    with open(pot_path, "rb") as f:
        template = read_po(f)
    try:
        with open(po_path, "rb") as f:
            catalog = read_po(f, locale="nb")
    except FileNotFoundError:
        catalog = Catalog(locale="nb", project="portal")
    catalog.update(template, no_fuzzy_matching=True)
    given = json.load(open(json_path, encoding="utf-8")) if json_path else {}
    for message in catalog:
        if message.id and message.id in given:
            message.string = given[message.id]
            message.flags.discard("fuzzy")
    catalog.obsolete.clear()
    catalog.fuzzy = False
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    for mid in missing:
        print("untranslated:", json.dumps(mid, ensure_ascii=False))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
