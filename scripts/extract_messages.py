"""Refresh every message catalogue from the code (`make extract-messages`).

The core catalogue (portal/translations) covers everything outside feature packages; each
feature package with its own `translations/` folder (portal/<pkg>/ or portal/kinds/<kind>/)
has its own catalogue, so that work on one request kind never touches another's. New msgids
are listed as untranslated by scripts/po_fill.py.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
BUILD = ROOT / "build"
BIN = Path(sys.executable).parent


def extract(pot: Path, paths: list[Path], ignore: list[str]) -> None:
    cmd = [str(BIN / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
           "-o", str(pot)]
    if ignore:
        cmd.append("--ignore-dirs=" + " ".join(ignore))
    subprocess.run([*cmd, *map(str, paths)], check=True, stdout=subprocess.DEVNULL)


def fill(pot: Path, po: Path) -> int:
    po.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "po_fill.py"), str(pot),
                           str(po)]).returncode


def main() -> int:
    BUILD.mkdir(exist_ok=True)
    features = sorted(
        p.parent for p in [*PORTAL.glob("*/translations"), *PORTAL.glob("kinds/*/translations")]
        if p.parent != PORTAL
    )
    status = 0
    core = BUILD / "core.pot"
    extract(core, [PORTAL], [".*", "_*", "kinds", *(p.name for p in features)])
    status |= fill(core, PORTAL / "translations" / "nb" / "LC_MESSAGES" / "messages.po")
    for package in features:
        pot = BUILD / f"{package.name}.pot"
        extract(pot, [package], [".*", "_*"])
        status |= fill(pot, package / "translations" / "nb" / "LC_MESSAGES" / "messages.po")
    return status


if __name__ == "__main__":
    sys.exit(main())
