"""The translations' compiled catalogues (.mo), made from their sources (.po) when missing.

Only the sources are kept in git. `make install` compiles them, but a school's server is
installed with pip from the source directory (docs/production.md), and without the compiled
catalogues flask-babel shows every page in the English of the msgids, with no error. So the
app compiles, when it starts, every catalogue that is missing or older than its source: next
to the source where the source tree is writable, else (a tree owned by another user than the
one the app runs as) into a directory of the process's own, removed when it exits.
"""

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def _needs_compiling(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_catalogue(po: Path, mo: Path) -> None:
    """`po` compiled to `mo` as `pybabel compile` does (fuzzy entries left out), written
    whole or not at all (servers sharing a source tree may start at once)."""
    locale = po.parent.parent.name  # <dir>/<locale>/LC_MESSAGES/<domain>.po
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    mo.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalog)
        os.replace(partial, mo)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


@functools.cache
def compiled(directories: tuple[str, ...]) -> tuple[str, ...]:
    """The translation directories to load, each with its catalogues compiled: the same
    directories, or in place of a read-only one a private copy of its compiled catalogues."""
    private = None
    result = []
    for index, directory in enumerate(directories):
        sources = sorted(Path(directory).glob("*/LC_MESSAGES/*.po"))
        try:
            for po in sources:
                if _needs_compiling(po):
                    compile_catalogue(po, po.with_suffix(".mo"))
            result.append(directory)
        except OSError:  # not ours to write: compile into the process's own directory
            if private is None:
                private = Path(tempfile.mkdtemp(prefix="portal-catalogues-"))
                atexit.register(shutil.rmtree, private, ignore_errors=True)
            target = private / str(index)
            for po in sources:
                compile_catalogue(po, target / po.relative_to(directory).with_suffix(".mo"))
            result.append(str(target))
    return tuple(result)
