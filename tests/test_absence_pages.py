"""What the absence pages say and how: the per-subject table on a phone (a labelled,
focusable scroll region, the column that counts toward the limit first), percentages in
Norwegian, and the rules worded for the reader (the student about themselves, staff about the
student).

Today is pinned to Monday 23 November 2026.
"""

import re
from datetime import date

import pytest

from portal.absence import record_absence
from portal.rules.calendar import school_days
from tests.factories import norsk_assignment

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def test_the_subject_table_is_a_labelled_region_with_the_limit_column_first(client, auth,
                                                                            school):
    record_absence(norsk_assignment(school), school.elev1, date(2026, 10, 1), 1, minutes_late=20)
    auth.login("elev1")
    html = client.get("/absence/").get_data(as_text=True)
    region = re.search(r'<div class="table-wrap"([^>]*)>\s*<table class="absence-table">\s*'
                       r'<caption id="([^"]+)">([^<]+)</caption>', html)
    assert region, "the table is not in a region with a caption"
    attributes, caption_id, caption = region.groups()
    assert 'tabindex="0"' in attributes and 'role="region"' in attributes
    assert f'aria-labelledby="{caption_id}"' in attributes  # named by its caption
    assert caption == "Fravær per fag"  # short: it cannot be cut off at 360 px
    hint = re.search(r'aria-describedby="([^"]+)"', attributes).group(1)
    assert f'id="{hint}">Timer med fravær mot timene som er planlagt' in html  # outside it
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headers[:2] == ["Fag", "Teller mot grensen"]
    # 20 minutes late in Norsk (113 planned) is 0.44 of a lesson: 0.4 %, in both figures
    norsk = re.search(r'<th scope="row">Norsk</th>(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                  norsk, re.S)]
    assert cells[0] == "0,4\u00a0%"
    assert cells[1] == "0,4 / 113 (20 min for sent)"
    assert cells[2] == "0,4\u00a0%"
    assert "0.4" not in html and "0.0" not in html


def test_the_class_overview_writes_percentages_in_norwegian(client, auth, school):
    record_absence(norsk_assignment(school), school.elev1, date(2026, 10, 1), 1, minutes_late=20)
    auth.login("laerer1")
    html = client.get(f"/absence/classes/{school.klass.id}").get_data(as_text=True)
    assert '<span class="badge">0,4\u00a0%</span>' in html
    assert "Norsk: 0,4 / 113 (20 min for sent) – 0,4\u00a0%" in html


SECOND_PERSON = re.compile(r"\b(du|deg|din|ditt|dine)\b", re.IGNORECASE)


def _over_the_limit(school):
    """elev1 misses 12 of Norsk's 113 lessons (10.6 %): the early warning and the limit."""
    for day in school_days(date(2026, 9, 1), TODAY)[:12]:
        record_absence(norsk_assignment(school), school.elev1, day, 1)


def test_staff_read_the_rules_about_the_student_the_student_about_themselves(client, auth,
                                                                            school):
    _over_the_limit(school)
    auth.login("laerer1")
    overview = client.get(f"/absence/classes/{school.klass.id}").get_data(as_text=True)
    assert ("Har eleven mer enn 10 prosent udokumentert fravær i et fag, får eleven ikke "
            "halvårsvurdering") in overview
    rules_list = overview[overview.index('<ul class="hint">'):overview.index("</ul>")]
    assert not SECOND_PERSON.search(rules_list), rules_list
    staff_page = client.get(f"/absence/students/{school.elev1.id}").get_data(as_text=True)
    warnings = staff_page[staff_page.index('class="absence-warnings"'):]
    warnings = warnings[:warnings.index("</ul>")]
    assert "Har eleven mer enn 10 prosent" in warnings and "Hva eleven kan gjøre:" in warnings
    assert not SECOND_PERSON.search(warnings), warnings
    auth.logout()
    auth.login("elev1")
    own = client.get("/absence/").get_data(as_text=True)
    assert "Har du mer enn 10 prosent udokumentert fravær i et fag, får du ikke" in own
    assert "Hva du kan gjøre:" in own and "Har eleven" not in own
