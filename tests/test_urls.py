"""Templates' url_for (portal.urls): the address Flask builds, remembered per process, apart
from what may differ between requests."""

import re

from flask import render_template_string, url_for
from markupsafe import escape

from portal import urls

LINKS = ("{{ url_for('cases.show', case_id=7) }} "
         "{{ url_for('static', filename='css/portal.css') }} "
         "{{ url_for('main.home', kind='study_leave', page=2) }}")


def _remembered(app) -> dict:
    return app.jinja_env.globals["url_for"].cache


def test_templates_get_the_address_flask_builds_and_remember_it(app):
    _remembered(app).clear()
    with app.test_request_context("/"):
        expected = " ".join([url_for("cases.show", case_id=7),
                             url_for("static", filename="css/portal.css"),
                             url_for("main.home", kind="study_leave", page=2)])
        assert re.fullmatch(r"/cases/7 /static/css/portal\.css\?v=[0-9a-f]{12} "
                            r"/home\?(kind=study_leave&page=2|page=2&kind=study_leave)", expected)
        assert render_template_string(LINKS) == escape(expected)  # & as &amp;, as always
        assert len(_remembered(app)) == 3
        assert render_template_string(LINKS) == escape(expected)
        assert render_template_string("{{ url_for('cases.show', case_id=8) }}") == "/cases/8"
    # the same app mounted under /portal (SCRIPT_NAME) builds its own addresses
    with app.test_request_context("/", base_url="http://localhost/portal"):
        assert render_template_string("{{ url_for('cases.show', case_id=7) }}") == \
            "/portal/cases/7"


def test_external_addresses_and_other_values_are_built_each_time(app):
    _remembered(app).clear()
    template = ("{{ url_for('cases.show', case_id=7, _external=True) }} "
                "{{ url_for('main.home', page=true) }}")
    with app.test_request_context("/", base_url="http://one.example"):
        assert render_template_string(template) == "http://one.example/cases/7 /home?page=True"
    with app.test_request_context("/", base_url="http://two.example"):
        assert render_template_string(template).startswith("http://two.example/cases/7 ")
    assert _remembered(app) == {}


def test_a_full_cache_is_emptied_and_filled_again(app, monkeypatch):
    monkeypatch.setattr(urls, "LIMIT", 2)
    _remembered(app).clear()
    with app.test_request_context("/"):
        for case_id in (1, 2, 3):
            assert render_template_string(
                "{{ url_for('cases.show', case_id=n) }}", n=case_id) == f"/cases/{case_id}"
        assert len(_remembered(app)) == 1


def test_an_edited_static_file_gets_its_new_hash_in_debug_mode_only(app, tmp_path):
    (tmp_path / "x.css").write_text("a{}")
    app.static_folder = str(tmp_path)
    template = "{{ url_for('static', filename='x.css') }}"
    with app.test_request_context("/"):
        first = render_template_string(template)
        (tmp_path / "x.css").write_text("b{}")
        assert render_template_string(template) == first  # production: until the restart
        app.debug = True
        try:
            edited = render_template_string(template)
        finally:
            app.debug = False
    assert edited != first and edited.startswith("/static/x.css?v=")
