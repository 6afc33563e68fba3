"""Selvstendig studiearbeid in a real browser: student, year coordinator and the subject
teachers in their own browser contexts; the student's open page follows without a reload."""

from datetime import date

import pytest

TODAY = date(2026, 11, 23)
LIVE = 20_000  # ms: the status polls every 5 s


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["PORTAL_TODAY"] = TODAY


def _badge(page):
    return page.locator("#case-status .badge")


def _open_case_from_home(page, live_server):
    page.goto(live_server.url("/home"))
    page.locator(".case-row a").first.click()
    page.wait_for_selector("#case-status")


def test_study_leave_journey(app, school, live_server, login, axe):
    from playwright.sync_api import expect

    # The student applies on the phone; the deadline follows the first day as it is typed.
    student = login("elev1")
    axe(student)
    student.get_by_role("link", name="Selvstendig studiearbeid").click()
    expect(student.locator("h1")).to_have_text("Søk om selvstendig studiearbeid")
    axe(student)
    student.fill("#first_day", "2026-11-29")
    expect(student.locator("#deadline")).to_contain_text("22. november 2026")
    expect(student.locator("#deadline")).to_have_class("rule rule-late")
    student.fill("#first_day", "2026-11-30")
    expect(student.locator("#deadline")).to_contain_text("Søknadsfrist: 23. november 2026")
    student.fill("#last_day", "2026-12-02")
    student.fill("#reason", "Landsfinale i orientering med kretslaget.")
    axe(student)
    student.get_by_role("button", name="Send søknaden").click()
    expect(_badge(student)).to_have_text("Sendt, venter på trinnoppfølgeren")
    axe(student)
    case_url = student.url

    # The year coordinator finds it in the queue, with the facts, and finds grounds.
    coordinator = login("trinn1")
    expect(coordinator.locator("#case-lists")).to_contain_text("Selvstendig studiearbeid")
    axe(coordinator)
    _open_case_from_home(coordinator, live_server)
    expect(coordinator.locator("body")).to_contain_text("Ingen tidligere innvilgelser")
    axe(coordinator)
    coordinator.get_by_label("Det er grunnlag: send til faglærerne").check()
    coordinator.get_by_role("button", name="Lagre avgjørelsen").click()
    expect(_badge(coordinator)).to_have_text("Hos faglærerne")
    expect(coordinator.locator(".flash")).to_contain_text("Sendt til elevens faglærere")
    assert coordinator.url == case_url  # updated in place
    axe(coordinator)

    # The student's open page follows without a reload.
    expect(_badge(student)).to_have_text("Hos faglærerne", timeout=LIVE)

    # Each subject teacher answers; the coordinator sees the answers arrive.
    for username, subject, tasks in (("laerer1", "Norsk", "Les novellene i kapittel 4."),
                                     ("laerer2", "Matematikk 1T", "Oppgave 3.1–3.20.")):
        teacher = login(username)
        _open_case_from_home(teacher, live_server)
        axe(teacher)
        form = teacher.locator("form", has=teacher.get_by_role(
            "button", name=f"Send svaret for {subject}"))
        form.get_by_label("Godkjenn").check()
        form.get_by_label("Lærestoff og oppgaver for perioden, eller hvorfor du avslår").fill(
            tasks)
        form.get_by_role("button", name=f"Send svaret for {subject}").click()
        expect(teacher.locator(".flash")).to_contain_text(f"Svaret ditt for {subject}")
        axe(teacher)
        expect(coordinator.locator("#case-status")).to_contain_text(tasks, timeout=LIVE)
    expect(coordinator.locator("#case-status")).to_contain_text("2 av 2 lærere har svart")

    # The coordinator answers: granted, with the tasks, as a decision with appeal rights.
    coordinator.reload()
    coordinator.get_by_label("Innvilg, med faglærernes oppgaver").check()
    coordinator.get_by_role("button", name="Send svaret til eleven").click()
    expect(_badge(coordinator)).to_have_text("Innvilget – gjør oppgavene")
    axe(coordinator)

    # The student's page changes by itself, tasks included; the student does them.
    expect(_badge(student)).to_have_text("Innvilget – gjør oppgavene", timeout=LIVE)
    expect(student.get_by_role("button", name="Merk Norsk som gjort")).to_be_visible(
        timeout=LIVE)
    expect(student.locator(".decision")).to_contain_text("Les novellene i kapittel 4.")
    axe(student)
    student.get_by_role("button", name="Merk Norsk som gjort").click()
    expect(student.locator(".flash")).to_contain_text("Merket som gjort: Norsk")
    student.get_by_role("button", name="Merk Matematikk 1T som gjort").click()
    expect(student.locator(".flash")).to_contain_text("Merket som gjort: Matematikk 1T")
    axe(student)

    # The student writes the absence note for the period from the case (filled in): sent
    # from there, it is linked to the application at once, and the student is back on it.
    student.get_by_role("link", name="Skriv en fraværsmelding for perioden").click()
    expect(student.locator("#first_day")).to_have_value("2026-11-30")
    expect(student.locator("#last_day")).to_have_value("2026-12-02")
    student.get_by_role("button", name="Send fraværsmelding").click()
    expect(student.locator(".flash")).to_contain_text(
        "Fraværsmeldingen er sendt og koblet til søknaden din om selvstendig studiearbeid.")
    expect(student).to_have_url(case_url)
    expect(student.locator("#note-heading + p")).to_contain_text("Sendt, venter på behandling")
    student.locator("#note-heading + p a").click()  # the note, from the application
    expect(student.locator("#case-status .badge")).to_have_text("Sendt, venter på behandling")
    student.goto(case_url)
    axe(student)

    # After the period the work is shown: the coordinator records the period as R.
    app.config["PORTAL_TODAY"] = date(2026, 12, 3)
    coordinator.reload()
    coordinator.get_by_label("Arbeidet er vist fram: godkjenn og før perioden som R").check()
    coordinator.get_by_role("button", name="Avslutt saken").click()
    expect(_badge(coordinator)).to_have_text("Godkjent og ført som R")
    axe(coordinator)
    expect(_badge(student)).to_have_text("Godkjent og ført som R", timeout=LIVE)

    # The student's list shows the new status too.
    student.goto(live_server.url("/home"))
    expect(student.locator("#case-lists .badge").first).to_have_text("Godkjent og ført som R")
    axe(student)


def test_withdraw_without_javascript(school, live_server, login):
    """Plain forms and links: the application and the withdrawal work with JavaScript off.
    (axe needs JavaScript in the page; these pages are checked with it in the journey.)"""
    from playwright.sync_api import expect

    page = login("elev1", java_script_enabled=False)
    page.goto(live_server.url("/study-leave/new"))
    page.fill("#first_day", "2026-11-29")
    page.fill("#last_day", "2026-12-01")
    page.fill("#reason", "Cup i Danmark.")
    page.get_by_role("button", name="Send søknaden").click()
    expect(page.locator("#first_day-error")).to_contain_text("22. november 2026")
    expect(page.locator("#deadline")).to_contain_text("22. november 2026")
    expect(page.locator("#reason")).to_have_value("Cup i Danmark.")
    page.fill("#first_day", "2026-12-07")
    page.fill("#last_day", "2026-12-08")
    page.get_by_role("button", name="Send søknaden").click()
    expect(_badge(page)).to_have_text("Sendt, venter på trinnoppfølgeren")
    page.get_by_role("link", name="Trekk søknaden").click()  # asks first
    expect(page.locator("h1")).to_have_text("Vil du trekke saken?")
    page.get_by_role("button", name="Ja, trekk saken").click()
    expect(_badge(page)).to_have_text("Trukket tilbake")
    expect(page.locator(".flash-success")).to_contain_text("trukket")


def test_a_failed_live_deadline_check_sends_nothing(school, live_server, login):
    """The deadline check beside the first day fails (the network drops it): the form is
    not sent for the student, who has not pressed "Send"; it stays as they typed it."""
    from playwright.sync_api import expect

    from portal.models import Case

    student = login("elev1")
    student.goto(live_server.url("/study-leave/new"))
    student.route("**/study-leave/deadline**", lambda route: route.abort())
    student.fill("#last_day", "2026-12-02")
    student.fill("#reason", "Landsfinale i orientering med kretslaget.")
    student.fill("#first_day", "2026-11-30")
    student.wait_for_timeout(1500)  # the check's delay, its failure, and any wrong resend
    expect(student.locator("h1")).to_have_text("Søk om selvstendig studiearbeid")
    expect(student.locator("#reason")).to_have_value("Landsfinale i orientering med kretslaget.")
    assert not Case.select().exists()


def _filed_and_opened_by_the_coordinator(live_server, login):
    """elev1 applies for 7-8 December; trinn1 opens the case: (student page, coordinator's)."""
    from playwright.sync_api import expect

    student = login("elev1")
    student.goto(live_server.url("/study-leave/new"))
    student.fill("#first_day", "2026-12-07")
    student.fill("#last_day", "2026-12-08")
    student.fill("#reason", "Cup i Danmark.")
    student.get_by_role("button", name="Send søknaden").click()
    expect(_badge(student)).to_have_text("Sendt, venter på trinnoppfølgeren")
    coordinator = login("trinn1")
    _open_case_from_home(coordinator, live_server)
    return student, coordinator


def test_a_stale_page_keeps_what_the_coordinator_wrote(school, live_server, login, axe):
    """The application changes while the year coordinator writes a refusal: the answer,
    sent in place, brings the page as it is now with the refusal still in its form, and
    sending again from there decides the case."""
    from playwright.sync_api import expect

    from portal.models import Case

    student, coordinator = _filed_and_opened_by_the_coordinator(live_server, login)
    coordinator.get_by_label("Avslå søknaden").check()
    reasons = "Perioden faller sammen med heldagsprøven."
    coordinator.get_by_label("Begrunnelse eller melding").fill(reasons)
    Case.update(version=Case.version + 1).execute()  # someone else changed it meanwhile
    coordinator.get_by_role("button", name="Lagre avgjørelsen").click()
    expect(coordinator.locator(".flash-error")).to_contain_text("Noen andre endret saken")
    expect(coordinator.get_by_label("Begrunnelse eller melding")).to_have_value(reasons)
    axe(coordinator)
    coordinator.get_by_role("button", name="Lagre avgjørelsen").click()
    expect(_badge(coordinator)).to_have_text("Avslått")
    assert Case.get().state == "refused"


def test_a_refusal_written_after_the_student_withdrew_is_shown_not_lost(school, live_server,
                                                                       login, axe):
    """The student withdraws while the year coordinator writes a refusal: sending it brings
    the page as it is now, saying the step is no longer possible, with the refusal shown as
    not sent so that it can be copied."""
    from playwright.sync_api import expect

    from portal.models import Case

    student, coordinator = _filed_and_opened_by_the_coordinator(live_server, login)
    coordinator.get_by_label("Avslå søknaden").check()
    reasons = "Perioden faller sammen med heldagsprøven.\nSøk gjerne om en annen uke."
    coordinator.get_by_label("Begrunnelse eller melding").fill(reasons)

    student.get_by_role("link", name="Trekk søknaden").click()
    student.get_by_role("button", name="Ja, trekk saken").click()
    expect(_badge(student)).to_have_text("Trukket tilbake")

    coordinator.get_by_role("button", name="Lagre avgjørelsen").click()
    expect(coordinator.locator(".flash-error")).to_contain_text("Det er ikke lenger mulig")
    unsent = coordinator.locator(".unsent")
    expect(unsent.get_by_role("heading", name="Ikke sendt: det du skrev")).to_be_visible()
    expect(unsent.locator(".unsent-text")).to_have_text(reasons)
    axe(coordinator)
    assert Case.get().state == "withdrawn"
