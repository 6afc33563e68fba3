"""The header's menu (portal/menu.py): each feature package's links, in order, for the user's
roles, the current page marked, the unread count; nothing from a package the app lacks."""

import re

from portal import menu as menu_module
from portal.notifications.models import Notification


def _menu(client, path="/home"):
    html = client.get(path).get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Hovedmeny">(.*?)</ul>', html, re.S).group(1)
    return [(href, current == ' aria-current="page"', re.sub(r"\s+", " ", label).strip())
            for href, current, label in re.findall(
                r'<li><a href="([^"]+)"((?: aria-current="page")?)>(.*?)</a></li>', nav, re.S)]


def test_a_students_menu_in_order_with_the_page_marked_and_the_unread_count(
        client, auth, school):
    auth.login("elev1")
    assert _menu(client) == [
        ("/home", True, "Start"),
        ("/notifications/", False, "Varsler"),
        ("/grades/", False, "Mine karakterer"),
        ("/absence/", False, "Fravær"),
        ("/exams/mine", False, "Mine eksamener"),
    ]
    for _ in range(2):
        Notification.create(user=school.elev1, kind="case", text_key="case_filed")
    links = _menu(client, "/absence/")
    assert links[1] == ("/notifications/", False,
                        'Varsler <span class="count">2<span class="visually-hidden"> uleste'
                        '</span></span>')
    assert [current for _href, current, _label in links] == [False, False, False, True, False]


def test_staff_get_the_links_of_their_roles(client, auth, school):
    auth.login("trinn1")
    assert [label for _h, _c, label in _menu(client)] == ["Start", "Varsler", "Fravær"]


def test_an_administrator_finds_the_archive_export(client, auth, school):
    auth.login("admin")
    links = _menu(client, "/admin/archive/")
    assert ("/admin/archive/", True, "Arkiveksport") in links
    auth.logout()
    auth.login("laerer1")
    assert "/admin/archive/" not in [href for href, _c, _l in _menu(client)]


def test_a_package_the_app_does_not_register_adds_no_link(client, auth, school):
    def links(user, here):
        return [menu_module.MenuLink("Borte", "/borte", False)]

    menu_module.source(35, "no_such_blueprint")(links)
    try:
        auth.login("elev1")
        assert "Borte" not in [label for _h, _c, label in _menu(client)]
    finally:
        menu_module._SOURCES.remove((35, "no_such_blueprint", links))


def test_a_visitor_has_no_menu(app):
    with app.test_request_context("/"):
        assert menu_module.menu() == []
