"""The school a student files a request at.

Most students are students at one school. One who changed schools during the year, or takes
a subject at another school, is a student at several: each request belongs to one of them
(its rules, its deadlines, its staff), so the student chooses, and the form carries the
choice (`?school=ID`) through to its POST.
"""

from urllib.parse import urlencode

from flask import abort, make_response, render_template, request, url_for


def student_schools(user, offered=None) -> list:
    """The schools where `user` is a student, by name (read with the user: no query); with
    `offered`, those where it holds (the kind is offered there)."""
    found = {at.id: at for role, at in user._grants() if role == "student" and at is not None}
    return [school for school in found.values() if offered is None or offered(school)]


def filing_school(user, kind: str, offered=None):
    """The school a request of `kind` is filed at: the student's only one, or the one chosen
    among several (`?school=ID`; only schools with a school year are offered). With several
    and none of them chosen, the answer is the page that asks which (a form sent without one
    is not filed: it says so; an HTMX request changes nothing); with none, 404."""
    schools = student_schools(user, offered)
    if len(schools) > 1:  # (a query each, for a student at several schools only)
        schools = [school for school in schools if school.current_year() is not None]
    if not schools:
        abort(404)
    if len(schools) == 1:
        return schools[0]
    chosen = request.args.get("school", type=int)
    for school in schools:
        if school.id == chosen:
            return school
    if request.headers.get("HX-Request"):
        abort(make_response("", 204))
    base = url_for(request.endpoint, **(request.view_args or {}))
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "school"]
    choices = [(school, f"{base}?{urlencode([*kept, ('school', school.id)])}")
               for school in schools]
    unsent = request.method == "POST"
    abort(make_response(render_template("cases/choose_school.html", choices=choices, kind=kind,
                                        unsent=unsent), 409 if unsent else 200))
