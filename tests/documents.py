"""The docs' code blocks, for the tests that run what the docs tell a school's IT staff to
copy (the nginx block, the systemd units, the environment file, the cron lines)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def text(doc: str) -> str:
    """docs/`doc` as it stands."""
    return (ROOT / "docs" / doc).read_text()


def blocks(doc: str, language: str) -> list[str]:
    """The text of every ```language block of docs/`doc`, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text(doc), re.S | re.M)
