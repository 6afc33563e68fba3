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

# after z, in Norwegian order, each with what sets it apart from the letter it sorts with
# (nothing for the Norwegian letter itself): the German, Swedish and Hungarian letters with
# their Norwegian twins, and "aa" (as in Aasen) just after å, as ICU's nb does
_AA = "\ue000"
_AFTER_Z = {"æ": ("{", ""), "ä": ("{", "\x01"), "ø": ("|", ""), "ö": ("|", "\x01"),
            "ő": ("|", "\x02"), "å": ("}", ""), _AA: ("}", "\x01"), "ü": ("y", "\x01"),
            "ű": ("y", "\x02")}
# letters of other alphabets with no accent to take off, as the letters they sort with
_AS = {"ł": ("l", "\x01"), "đ": ("d", "\x01"), "ð": ("d", "\x02"), "ı": ("i", "\x01"),
       "þ": ("th", "\x01"), "ß": ("ss", "\x01")}


@lru_cache(maxsize=8192)
def sort_key(text: str | None) -> tuple:
    """`text`'s place in Norwegian order, as PostgreSQL's ICU collation for nb-NO gives it:
    first the letters without case or accents (É as E, Ł as L), Æ Ø Å after Z, "aa" as å, any
    white space as a space; then, for names alike in that, their accents, unaccented first
    (Æ before Ä, Å before Aa); then lower case before upper case."""
    if text is None:
        return ("", (), "")
    folded = unicodedata.normalize("NFC", text).casefold().replace("aa", _AA)
    letters = []  # (the letter it sorts as, what sets it apart)
    for char in folded:
        if char in _AFTER_Z:
            letters.append(_AFTER_Z[char])
        elif char in _AS:
            letters.append(_AS[char])
        elif char.isspace():
            letters.append((" ", ""))
        else:
            parts = unicodedata.normalize("NFD", char)
            letters.append(("".join(c for c in parts if not unicodedata.combining(c)),
                            "".join(c for c in parts if unicodedata.combining(c))))
    return ("".join(base for base, _ in letters), tuple(mark for _, mark in letters),
            text.swapcase())


def compare(a: str | None, b: str | None) -> int:
    """SQLite's collation function: <0, 0 or >0 as `a` sorts before, with or after `b`."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def by_name(field):
    """`field` in Norwegian order, for `order_by`."""
    return field.collate(NAME)
