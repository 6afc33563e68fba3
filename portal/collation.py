"""Names in Norwegian alphabetical order: students, teachers, subjects, classes, schools.

A database orders text by its collation: SQLite by code point, PostgreSQL by the cluster's
locale (often C.UTF-8 or en_US.UTF-8, and docs/production.md restores into C.UTF-8). Neither
is Norwegian: code points put "Zara" before "anne" and Å before Æ and Ø, and en_US sorts Å
with A. Norwegian puts Æ, Ø, Å after Z in that order, ignores case, and sorts É with E and
Ä, Ö, Ü with Æ, Ø, Y.

So every list of names is ordered `COLLATE portal_nb` (`by_name`): on PostgreSQL an ICU
collation for nb-NO that migration 021 creates, on SQLite `compare` below, registered on
every connection (portal/db.py), and in Python `sort_key`.
"""

import unicodedata
from functools import lru_cache

NAME = "portal_nb"

# after z, in Norwegian order; the German and Swedish letters with their Norwegian twins
_AFTER_Z = {"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"}


@lru_cache(maxsize=65536)
def sort_key(text: str | None) -> tuple[str, str]:
    """`text`'s place in Norwegian order: letters without case or accents (É as E), Æ Ø Å
    after Z, "aa" as å (as in Aasen, as ICU's Norwegian does); the text itself breaks ties,
    so that the order is the same on every run."""
    if text is None:
        return ("", "")
    folded = unicodedata.normalize("NFC", text).casefold().replace("aa", "å")
    letters = []
    for char in folded:
        if char in _AFTER_Z:
            letters.append(_AFTER_Z[char])
        else:
            letters.append(unicodedata.normalize("NFD", char)[0])
    return ("".join(letters), text)


def compare(a: str | None, b: str | None) -> int:
    """SQLite's collation function: <0, 0 or >0 as `a` sorts before, with or after `b`."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def by_name(field):
    """`field` in Norwegian order, for `order_by`."""
    return field.collate(NAME)
