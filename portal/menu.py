"""The header's menu, worked out in Python once per page.

Each feature package adds its links with `@menu.source(order, blueprint)`: a function of the
logged-in user and the request's endpoint that gives `MenuLink`s. base.html renders what
`menu()` returns; a package whose blueprint the app does not register adds nothing.

Every page has the menu. Built in the template it took an include per package (each copies
the whole template context) and several template calls per link; here the links are worked
out in plain Python and the template renders one loop (the layout's cost beyond Flask's own
dispatch fell by about a tenth; docs/benchmark-rounds.md, seventh round).
"""

from collections.abc import Callable, Iterable
from typing import NamedTuple

from flask import Flask, current_app, request
from flask_login import current_user

from portal.i18n import gettext as _


class MenuLink(NamedTuple):
    label: str
    url: str
    current: bool  # the page the user is on (aria-current)
    count: int | str = 0  # shown with the label (unread notifications: "3", "99+"), 0: none
    count_label: str = ""  # what the number counts, for screen readers


# (order, blueprint that must be registered, source)
_SOURCES: list[tuple[int, str, Callable]] = []


def source(order: int, blueprint: str):
    """Register `links(user, endpoint) -> iterable of MenuLink` at `order` in the menu."""
    def register(links: Callable[..., Iterable[MenuLink]]):
        _SOURCES.append((order, blueprint, links))
        _SOURCES.sort(key=lambda entry: entry[0])
        return links

    return register


def link(label, endpoint: str, current: bool, **count) -> MenuLink:
    """A link to `endpoint`, through the templates' url_for (remembered per process)."""
    return MenuLink(str(label), current_app.jinja_env.globals["url_for"](endpoint), current,
                    **count)


def menu() -> list[MenuLink]:
    """The logged-in user's links, in order; none for a visitor."""
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return []
    here = request.endpoint or ""
    registered = current_app.blueprints
    links: list[MenuLink] = []
    for _order, blueprint, links_of in _SOURCES:
        if blueprint in registered:
            links.extend(links_of(user, here))
    return links


@source(10, "main")
def _home(user, here):
    return [link(_("Home"), "main.home", here == "main.home")]


@source(40, "grades")
def _grades(user, here):
    if user.has_role("student"):
        return [link(_("My grades"), "grades.mine", here == "grades.mine")]
    if user.has_role("exam_office", "examiner"):
        return [link(_("Grades"), "grades.exams", here == "grades.exams")]
    return []


def install_menu(app: Flask) -> None:
    app.jinja_env.globals["menu"] = menu
