"""The compiled catalogues are made from their sources when missing (portal/catalogues.py):
a server installed from the source directory, where only the .po files come from git, shows
its pages in bokmål all the same."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert (directory / "nb" / "LC_MESSAGES" / "messages.mo").is_file()
    assert _says(directory, "Log in") == "Logg inn"


def test_a_catalogue_older_than_its_source_is_compiled_again(tmp_path):
    directory = _translations_dir(tmp_path)
    po = directory / "nb" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    catalogues.compile_catalogue(po, mo)
    po.write_text(po.read_text().replace('msgstr "Logg inn"', 'msgstr "Logg på"'))
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
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


def test_a_fresh_source_tree_serves_its_pages_in_bokmal(tmp_path):
    """The package as git holds it (no compiled catalogues) serves the login page in bokmål:
    what a school's server installed by docs/production.md's steps runs."""
    tree = tmp_path / "src"
    shutil.copytree(ROOT / "portal", tree / "portal",
                    ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    assert not list(tree.rglob("*.mo"))
    script = ("from portal import create_app\n"
              "app = create_app({'TESTING': True, 'SECRET_KEY': 'x', "
              f"'DATABASE_URL': 'sqlite:///{tmp_path / 'db.sqlite3'}'}})\n"
              "print(app.test_client().get('/login').get_data(as_text=True))\n")
    env = {**os.environ, "PYTHONPATH": str(tree), "PORTAL_INSTANCE_PATH": str(tmp_path / "i")}
    env.pop("PORTAL_DATABASE_URL", None)
    page = subprocess.run([sys.executable, "-c", script], cwd=tree, env=env, check=True,
                          capture_output=True, text=True, timeout=120).stdout
    assert "<title>Logg inn – Elevportalen</title>" in page
    assert list(tree.rglob("*.mo"))  # compiled next to their sources (the tree is writable)
