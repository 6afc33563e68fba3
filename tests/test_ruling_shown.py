"""What a ruling on appeal shows where the decision it changed is read, and what it offers:
the decision's letter says, above the letter, that it was changed or returned, by which
ruling and when (the PDF stays the letter as issued); the days an absence note keeps off the
diploma over the limit by a ruling are shown apart from the limit's count; the first
instance and the board are offered, per kind, only the changes that are applied.

Today is pinned to Monday 23 November 2026 (tests/test_absence_note_appeal.py).
"""

import pytest

from portal.models import Decision
from portal.rules.calendar import oslo_date
from portal.rules.deadlines import format_date
from tests.factories import make_user
from tests.test_absence_note_appeal import TODAY, _appeal, _board, _forward, _refused, _reverse


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


@pytest.fixture
def staff(school):
    """The principal (first instance) and a member of the appeals board."""
    make_user("rektor", ["principal"], school.school, "Rita Rektor")
    make_user("klage1", ["appeals_board"], school.school, "Klage Medlem1")
    return school


def _flat(client, url) -> str:
    return " ".join(client.get(url).get_data(as_text=True).split())


def _letter(client, auth, username, decision) -> str:
    auth.login(username)
    page = _flat(client, f"/cases/{decision.case_id}/decisions/{decision.id}")
    auth.logout()
    return page


def test_a_changed_decisions_letter_says_so_above_the_letter(client, auth, csrf, staff):
    """Before the ruling the letter stands; after the principal's change its page (and the
    case page's copy) says, above the letter, by whom, when, to what, and links the appeal
    for the student, who holds a part in it; the PDF is not changed."""
    note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    before = _letter(client, auth, "elev1", refusal)
    auth.login("elev1")
    assert "Dette vedtaket ble endret" not in _flat(client, f"/cases/{note_case.id}")
    auth.logout()
    assert "Dette vedtaket ble endret" not in before
    assert _reverse(client, auth, csrf, appeal).status_code == 303
    page = _letter(client, auth, "elev1", refusal)
    banner = page.index('data-part="ruling"')
    assert banner < page.index("Vedtak: Avslått")
    # (the day of the principal's decision: decisions are dated by the real clock)
    on = format_date(oslo_date(Decision.get(Decision.case == appeal.id).decided_at))
    assert (f"Dette vedtaket ble endret etter klage av rektor {on}, til: "
            "Innvilget.") in page
    assert (f'Klagesaken: <a href="/cases/{appeal.id}">Sak {appeal.reference}</a>. Brevet '
            "nedenfor er vedtaket slik det ble fattet") in page
    # the case page's copy of the letter (kept: its key has the ruling) says so too
    auth.login("elev1")
    case_page = _flat(client, f"/cases/{note_case.id}")
    pdf = client.get(f"/cases/{note_case.id}/decisions/{refusal.id}.pdf")
    auth.logout()
    assert "Dette vedtaket ble endret etter klage av rektor" in case_page
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"


def test_a_returned_decisions_letter_says_it_no_longer_stands(client, auth, csrf, staff):
    """Returned by the board: the letter's page says so, with the board's meeting day; the
    contact teacher who refused the note holds no part in the appeal, so its case is named,
    not linked."""
    _note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "returned").status_code == 303
    page = _letter(client, auth, "laerer1", refusal)
    # (the body's name inside the sentence: its capital dropped, roles.in_sentence)
    assert ("Dette vedtaket ble sendt tilbake til ny behandling etter klage av "
            "klagenemnda i fylkeskommunen 23. november 2026. Det står ikke lenger ved lag: "
            "saken skal avgjøres på nytt.") in page
    assert f"Klagesaken: Sak {appeal.reference}." in page
    assert f'href="/cases/{appeal.id}"' not in page


def test_a_decision_changed_by_the_board_names_it_inside_the_sentence(client, auth, csrf,
                                                                      staff):
    """Changed by the board: the letter's page names the body as inside a sentence, as the
    other messages that name it do; the letter itself names it as its name."""
    _note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "changed",
                  new_outcome="granted").status_code == 303
    page = _letter(client, auth, "elev1", refusal)
    assert ("Dette vedtaket ble endret etter klage av klagenemnda i fylkeskommunen "
            "23. november 2026, til: Innvilget.") in page
    assert "etter klage av Klagenemnda" not in page
    assert "Klageinstans: Klagenemnda i fylkeskommunen." in page


def test_an_upheld_decisions_letter_stands(client, auth, csrf, staff):
    _note_case, refusal = _refused(client, auth, csrf)
    appeal = _appeal(client, auth, csrf, refusal)
    _forward(client, auth, csrf, appeal)
    assert _board(client, auth, csrf, appeal, "upheld").status_code == 303
    assert 'data-part="ruling"' not in _letter(client, auth, "elev1", refusal)
