"""A student at the havbruk demo school applies for exam adaptation on her phone; the
principal decides; the student reads the decision letter. Every page passes axe."""

from playwright.sync_api import expect

from portal.db import database
from portal.rules.calendar import today

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300


def test_apply_and_decide_exam_adaptation(app, live_server, login, axe):
    from portal import demo

    with database.connection_context():
        demo.load(today())
    if hasattr(database.obj, "close_all"):  # a pooled SQLite connection belongs to this thread
        database.obj.close_all()

    student = login("student1")
    student.goto(live_server.url("/exams/mine"))
    expect(student.get_by_role("heading", name="Mine eksamener")).to_be_visible()
    axe(student)

    student.goto(live_server.url("/exam-adaptation/new"))
    expect(student.get_by_text("1 måned, jf. forskriften § 4-5 (1)").first).to_be_visible()
    axe(student)
    student.get_by_label("Fiskehelse og fiskevelferd", exact=False).first.check()
    student.get_by_label("Utvidet tid", exact=True).check()
    student.get_by_label("Eget rom", exact=True).check()
    student.get_by_label("Utvidet tid (minutter)").fill("90")
    student.get_by_label("Hvorfor du trenger tilrettelegging").fill("Dysleksi, se vurdering.")
    student.set_input_files("#documentation", files=[
        {"name": "vurdering.png", "mimeType": "image/png", "buffer": PNG}])
    student.get_by_role("button", name="Send søknaden").click()
    expect(student.get_by_text("Det kan gis høyst 60 ekstra minutter").first).to_be_visible()
    axe(student)  # the error state is accessible too
    student.get_by_label("Utvidet tid (minutter)").fill("60")
    student.set_input_files("#documentation", files=[
        {"name": "vurdering.png", "mimeType": "image/png", "buffer": PNG}])
    student.get_by_role("button", name="Send søknaden").click()
    expect(student.get_by_text("Søknaden er sendt.")).to_be_visible()
    case_url = student.url
    axe(student)

    principal = login("f-rektor")
    principal.goto(case_url)
    room = principal.locator("fieldset", has_text="Eget rom")
    room.get_by_label("Innvilg", exact=True).check()
    extra = principal.locator("fieldset", has_text="Utvidet tid")
    extra.get_by_label("Innvilg delvis", exact=True).check()
    extra.get_by_label("Ekstra minutter innvilget").fill("30")
    principal.get_by_role("button", name="Fatt vedtak").click()  # no reason for the part
    link = principal.locator(".error-summary a", has_text="Utvidet tid – Begrunnelse")
    expect(link).to_be_visible()
    axe(principal)  # the error state is accessible too
    link.click()  # the summary leads to the field itself, which keeps what was typed
    extra = principal.locator("fieldset", has_text="Utvidet tid")
    expect(extra.get_by_label("Begrunnelse (må fylles ut hvis ikke innvilget)")).to_be_focused()
    expect(extra.get_by_label("Ekstra minutter innvilget")).to_have_value("30")
    extra.get_by_label("Begrunnelse (må fylles ut hvis ikke innvilget)").fill(
        "Vurderingen dokumenterer behov for 30 minutter.")
    axe(principal)
    principal.get_by_role("button", name="Fatt vedtak").click()
    expect(principal.get_by_text("Vedtaket er sendt til studenten.")).to_be_visible()

    student.goto(case_url)
    expect(student.get_by_role("heading", name="Vedtak: Delvis innvilget")).to_be_visible()
    expect(student.get_by_text("Klagefrist:").first).to_be_visible()
    axe(student)
    student.get_by_role("link", name="Vedtaksbrev").first.click()
    expect(student.get_by_role("heading", name="Vedtaksbrev", exact=True)).to_be_visible()
    expect(student.get_by_text("Skolens lokale klagenemnd")).to_be_visible()
    axe(student)
