"""The compiled catalogues are made from their sources when missing (portal/catalogues.py):
a server installed from the source directory, where only the .po files come from git, shows
its pages in bokmål all the same."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.support import Translations

from portal import catalogues

ROOT = Path(__file__).resolve().parent.parent
CORE_PO = ROOT / "portal" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"


def _translations_dir(tmp_path) -> Path:
    directory = tmp_path / "translations"
    (directory / "nb" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CORE_PO, directory / "nb" / "LC_MESSAGES" / "messages.po")
    return directory


def _says(directory, msgid: str) -> str:
    return Translations.load(str(directory), ["nb"]).ugettext(msgid)


def test_a_missing_catalogue_is_compiled_next_to_its_source(tmp_path):
    directory = _translations_dir(tmp_path)
    assert _says(directory, "Log in") == "Log in"  # no catalogue: the msgid itself
    assert catalogues.compiled((str(directory),)) == (str(directory),)
    mo = directory / "nb" / "LC_MESSAGES" / "messages.mo"
    # readable by every user: compiled by root in a deploy step, read by the portal's user
    assert mo.stat().st_mode & 0o777 == 0o644
    assert _says(directory, "Log in") == "Logg inn"
    assert sorted(p.name for p in mo.parent.iterdir()) == ["messages.mo", "messages.po"]


@pytest.mark.parametrize("source_time", [+60, -3600])
def test_a_catalogue_not_made_from_its_source_as_it_is_is_compiled_again(tmp_path,
                                                                         source_time):
    """A changed source, newer than its catalogue or older (a release unpacked with its
    files' own times, a rollback)."""
    directory = _translations_dir(tmp_path)
    po = directory / "nb" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    catalogues.compile_catalogue(po, mo)
    assert mo.stat().st_mtime_ns == po.stat().st_mtime_ns
    po.write_text(po.read_text().replace('msgstr "Logg inn"', 'msgstr "Logg på"'))
    when = mo.stat().st_mtime + source_time
    os.utime(po, (when, when))
    catalogues.compiled((str(directory),))
    assert _says(directory, "Log in") == "Logg på"


def test_a_source_tree_the_app_cannot_write_gets_a_private_copy(tmp_path):
    directory = _translations_dir(tmp_path)
    po = directory / "nb" / "LC_MESSAGES" / "messages.po"
    blocked = po.with_suffix(".mo")
    blocked.mkdir()  # where the catalogue would go, nothing can be written
    os.utime(blocked, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    (loaded,) = catalogues.compiled((str(directory),))
    assert loaded != str(directory) and blocked.is_dir()
    assert _says(loaded, "Log in") == "Logg inn"
    # removed at exit by the process that made it, not by the workers forked from it
    private = Path(loaded).parent
    catalogues._remove(private, os.getpid() + 1)
    assert private.is_dir()
    catalogues._remove(private, os.getpid())
    assert not private.exists()


def test_a_fresh_source_tree_serves_its_pages_in_bokmal(tmp_path):
    """The package as git holds it (no compiled catalogues) serves the login page in bokmål:
    what a school's server installed by docs/production.md's steps runs."""
    tree = tmp_path / "src"
    shutil.copytree(ROOT / "portal", tree / "portal",
                    ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    assert not list(tree.rglob("*.mo"))
    script = ("from portal import create_app, release_token\n"
              "before = release_token.__wrapped__()\n"
              "app = create_app({'TESTING': True, 'SECRET_KEY': 'x', "
              f"'DATABASE_URL': 'sqlite:///{tmp_path / 'db.sqlite3'}'}})\n"
              "print('same release:', before == release_token.__wrapped__())\n"
              "print(app.test_client().get('/login').get_data(as_text=True))\n")
    env = {**os.environ, "PYTHONPATH": str(tree), "PORTAL_INSTANCE_PATH": str(tmp_path / "i")}
    env.pop("PORTAL_DATABASE_URL", None)
    page = subprocess.run([sys.executable, "-c", script], cwd=tree, env=env, check=True,
                          capture_output=True, text=True, timeout=120).stdout
    assert "<title>Logg inn – Elevportalen</title>" in page
    # the pages' validators name the same release with the catalogues compiled or not (two
    # servers of one release, one of which compiled them, give each other's ETags a 304)
    assert "same release: True" in page
    assert list(tree.rglob("*.mo"))  # compiled next to their sources (the tree is writable)
