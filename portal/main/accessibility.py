"""The accessibility statement's page (tilgjengelighetserklæring): public, linked from every
page's footer. A Norwegian public-sector web solution must publish a statement (forskrift om
universell utforming av IKT-løsninger); the school owner makes the official one in
Digitaliseringsdirektoratet's service, uustatus.no. This page says what the portal aims at
and how the project checks it, links to the official statement, and says where to report a
problem: both addresses are the operator's settings, and the page says so when one is not
given rather than making one up."""

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template

bp = Blueprint("accessibility", __name__)

STATEMENT_SETTING = "PORTAL_ACCESSIBILITY_STATEMENT_URL"
CONTACT_SETTING = "PORTAL_ACCESSIBILITY_CONTACT"
# an address as people write it: no spaces, one @, a dot in the domain; nothing that HTML or
# a mail header treats as markup (<, >, ", commas between addresses)
EMAIL = re.compile(r"[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;.]+")


class Contact(NamedTuple):
    """Where users report an accessibility problem: an e-mail address or a web page."""

    address: str
    is_email: bool


def _https(value: str) -> bool:
    """An https address with a host and no spaces (a typo, or two values pasted together)."""
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and not re.search(r"\s", value)


def statement_url(value: str | None) -> str | None:
    """The official statement's address from its setting (None: not given); a value that is
    no https address is refused with what to set (ValueError)."""
    value = (value or "").strip()
    if not value:
        return None
    if not _https(value):
        raise ValueError(
            f"{STATEMENT_SETTING} is {value!r}, not an https:// address. Set the address of "
            "the portal's accessibility statement as published on uustatus.no (e.g. "
            "https://uustatus.no/nb/erklaringer/publisert/…), or leave it unset.")
    return value


def contact(value: str | None) -> Contact | None:
    """Where to report a problem, from its setting (None: not given): an e-mail address or
    an https page; anything else is refused with what to set (ValueError)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    if EMAIL.fullmatch(value):
        return Contact(value, True)
    if _https(value):
        return Contact(value, False)
    raise ValueError(
        f"{CONTACT_SETTING} is {value!r}. Set the e-mail address (e.g. uu@skole.no) or the "
        "https:// address of the page or form where users report accessibility problems, "
        "or leave it unset.")


def check_settings(config) -> None:
    """Both settings read as the page will read them: a bad one stops the start
    (ConfigurationError, naming the setting), not the first visit to the page."""
    from portal import ConfigurationError

    try:
        statement_url(config.get(STATEMENT_SETTING))
        contact(config.get(CONTACT_SETTING))
    except ValueError as refused:
        raise ConfigurationError(str(refused)) from None


@bp.route("/accessibility")
def statement():
    """The accessibility statement: for everyone, logged in or not."""
    config = current_app.config
    return render_template("main/accessibility.html",
                           statement_url=statement_url(config.get(STATEMENT_SETTING)),
                           contact=contact(config.get(CONTACT_SETTING)))
