"""Archive export: per case a PDF of the decision letter or signed protocol and a metadata
JSON, in a folder or a zip per day, from the command and from the administrator's page."""

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from portal.cases import decisions
from portal.cases.engine import apply
from portal.kinds.follow_up import report_concern
from portal.kinds.follow_up.models import FollowUp
from portal.models import Decision
from tests.factories import make_school, make_user

DAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 13, 0)  # UTC: 14:00 in Oslo


@pytest.fixture
def decided(db):
    s = make_school(profile="havbruk", code="test-fag")
    s.kull = make_user("kull1", ["cohort_coordinator"], s.school, "Kari Kull")
    s.avd = make_user("avd1", ["department_head"], s.school, "Arne Avd")
    s.klass.cohort_coordinator = s.kull
    s.klass.save()
    case = report_concern(s.elev1, s.norsk, "missing_work", s.laerer1, "Mangler arbeid")
    apply(case, "summon", actor=s.kull, expected_version=case.version)
    apply(case, "write_protocol", actor=s.kull, expected_version=case.version)
    FollowUp.update(protocol="Vi ble enige om en plan.", protocol_by=s.kull, protocol_at=AT,
                    held_on=DAY).where(FollowUp.case == case).execute()
    apply(case, "sign", actor=s.elev1, expected_version=case.version)
    FollowUp.update(signed_at=AT).where(FollowUp.case == case).execute()
    apply(case, "decide", actor=s.avd, expected_version=case.version,
          effect=lambda c, e: decisions.issue(
              c, outcome="follow_up_plan", summary="Du får en oppfølgingsplan.",
              reasons="Mangler arbeid.", rule_reference="rutine", decided_by=s.avd,
              role="department_head", decided_at=AT,
              present=["Arne Avd (Avdelingsleder)", "Kari Kull (Kullkoordinator)"]))
    s.case = case
    return s


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_command_writes_a_folder_per_day(app, runner, decided, tmp_path):
    result = runner.invoke(args=["archive-export", "--day", DAY.isoformat(), "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / DAY.isoformat()
    names = sorted(p.name for p in folder.iterdir())
    ref = decided.case.reference
    decision = Decision.get()
    assert names == [f"{ref}-protokoll.json", f"{ref}-protokoll.pdf",
                     f"{ref}-vedtak-{decision.id}.json", f"{ref}-vedtak-{decision.id}.pdf"]
    meta = json.loads((folder / f"{ref}-vedtak-{decision.id}.json").read_text())
    assert meta["case_number"] == ref and meta["kind"] == "follow_up"
    assert meta["student"]["name"] == "Elev Nummer1"
    assert meta["decided_by"] == {"name": "Arne Avd", "role": "department_head"}
    assert meta["decided"].startswith("2026-11-23T14:00")
    assert meta["appeal_deadline"] and meta["filed"]
    assert meta["present"] == ["Arne Avd (Avdelingsleder)", "Kari Kull (Kullkoordinator)"]
    text = _pdf_text((folder / f"{ref}-vedtak-{decision.id}.pdf").read_bytes())
    assert "Du får en oppfølgingsplan." in text and "Elev Nummer1" in text
    assert "Til stede på møtet" in text and "Kari Kull (Kullkoordinator)" in text
    protocol = json.loads((folder / f"{ref}-protokoll.json").read_text())
    assert protocol["document"] == "protocol" and protocol["signed"].startswith("2026-11-23")
    assert protocol["held"] == "2026-11-23"  # the day the protocol says the conversation was
    text = _pdf_text((folder / f"{ref}-protokoll.pdf").read_bytes())
    assert "Vi ble enige om en plan." in text and "Samtalen ble holdt" in text


def test_command_writes_a_zip_and_other_days_are_empty(app, runner, decided, tmp_path):
    result = runner.invoke(args=["archive-export", "--day", DAY.isoformat(), "--out",
                                 str(tmp_path), "--zip"])
    assert result.exit_code == 0 and "2 document(s)" in result.output
    with zipfile.ZipFile(tmp_path / f"{DAY.isoformat()}.zip") as z:
        assert len(z.namelist()) == 4
        assert all(n.startswith(f"{DAY.isoformat()}/") for n in z.namelist())
    result = runner.invoke(args=["archive-export", "--day", "2026-11-24", "--out",
                                 str(tmp_path)])
    assert "0 document(s)" in result.output


def test_admin_page_downloads_the_zip_and_others_get_404(app, client, auth, decided):
    auth.login("elev1")
    assert client.get("/admin/archive/").status_code == 404
    auth.logout()
    auth.login("admin")
    page = client.get(f"/admin/archive/?day={DAY.isoformat()}&show=1")
    assert page.status_code == 200 and decided.case.reference in page.get_data(as_text=True)
    response = client.get(f"/admin/archive/?day={DAY.isoformat()}&download=1")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        assert len(z.namelist()) == 4
    assert client.get("/admin/archive/?day=nonsense").status_code == 422


def test_admin_page_lists_without_rendering_and_statements_do_not_grow(
        app, client, auth, decided, monkeypatch):
    """The listing comes from the query alone, no PDF rendered; the student, who decided and
    who wrote the protocol come joined, not one statement per document."""
    from portal.archive import export
    from portal.models import Enrolment
    from tests.statements import statements

    url = f"/admin/archive/?day={DAY.isoformat()}&show=1"
    auth.login("admin")
    few = statements(client, url)
    s, cases = decided, [decided.case]
    for n in range(4, 8):
        student = make_user(f"elev{n}", ["student"], s.school, f"Elev Nummer{n}")
        Enrolment.create(student=student, school_class=s.klass)
        case = report_concern(student, s.norsk, "missing_work", s.laerer1, "Mangler arbeid")
        writer = make_user(f"kull{n}", ["cohort_coordinator"], s.school, f"Kull Nummer{n}")
        FollowUp.update(protocol="Plan.", protocol_by=writer, protocol_at=AT,
                        signed_at=AT).where(FollowUp.case == case).execute()
        boss = make_user(f"avd{n}", ["department_head"], s.school, f"Avd Nummer{n}")
        decisions.issue(case, outcome="follow_up_plan", summary="Plan.", reasons="Mangler.",
                        rule_reference="rutine", decided_by=boss, role="department_head",
                        decided_at=AT)
        cases.append(case)
    assert statements(client, url) == few

    def no_pdf(html):
        raise AssertionError("the listing rendered a PDF")

    monkeypatch.setattr(export, "render_pdf", no_pdf)
    html = client.get(url).get_data(as_text=True)
    for c in cases:  # a decision letter and a protocol each, with the student's name
        assert html.count(f"<li>{c.reference} ") == 2 and c.student.full_name in html
