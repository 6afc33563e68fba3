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
    """Whether the catalogue is missing, unreadable, or not made from the source as it is
    now: a compiled catalogue carries its source's modification time, so a source older
    than it (a release unpacked with its files' own times, a rollback) counts as changed."""
    mo = po.with_suffix(".mo")
    return (not mo.exists() or not os.access(mo, os.R_OK)
            or mo.stat().st_mtime_ns != po.stat().st_mtime_ns)


def compile_catalogue(po: Path, mo: Path) -> None:
    """`po` compiled to `mo` as `pybabel compile` does (fuzzy entries left out), written
    whole or not at all (servers sharing a source tree may start at once)."""
    locale = po.parent.parent.name  # <dir>/<locale>/LC_MESSAGES/<domain>.po
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    mo.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.")
    try:
        # readable by all, as the sources are: compiled by root in a deploy step, read by
        # the app servers running as the portal's user (mkstemp's file is its owner's alone)
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalog)
        source = po.stat()
        os.utime(partial, ns=(source.st_atime_ns, source.st_mtime_ns))
        os.replace(partial, mo)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _remove(directory: Path, owner: int) -> None:
    """At exit, the private directory goes with the process that made it: not with the
    workers gunicorn forks from it, which read it until the master ends."""
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


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
                atexit.register(_remove, private, os.getpid())
            target = private / str(index)
            for po in sources:
                compile_catalogue(po, target / po.relative_to(directory).with_suffix(".mo"))
            result.append(str(target))
    return tuple(result)
