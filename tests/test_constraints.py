"""constraints.txt pins what the portal was tested with: every dependency pyproject.toml
names (and what they bring), at the version this test run has installed."""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    """A distribution's name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
                  .group()).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert pinned and re.fullmatch(r"[\w.+!-]+", pinned), f"not a pin: {line!r}"
            pins[_name(name)] = pinned
    return pins


def test_every_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    missing = {_name(r) for r in named} - set(_pins())
    assert not missing, f"{sorted(missing)} not in constraints.txt: run `make constraints`"


def test_the_installed_versions_are_the_pinned_ones():
    """What the suite runs against is what a release installs (`make` installs with
    `-c constraints.txt` and again whenever the file changes)."""
    installed = {}
    for name in _pins():
        try:
            installed[name] = version(name)
        except PackageNotFoundError:
            installed[name] = None
    assert installed == _pins()
