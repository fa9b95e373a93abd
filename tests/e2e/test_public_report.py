"""A pupil on a phone reports through the school's public page, keeps the code, checks the status and adds
information; the school leader reads it, prints the QR code and makes it a case. axe-core and the CSP on every page."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import CaseEvent
from portal.models import Notification
from publicreports import services
from publicreports.models import PublicReport, PublicReportAddition

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_pupil_reports_on_a_phone_and_follows_it_with_the_code(live_server, new_context, login, axe, school, leader):
    reporting_page = services.reporting_page_for(school=school)
    context = new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/m/{reporting_page.key}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Het Baken")
    axe(page, "the public reporting page")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone

    # Sent in four interactions: who, what, where, send.
    page.get_by_label("Leerling").check()
    page.get_by_label("Wat is er gebeurd?").fill("Iemand heeft een nepaccount met mijn foto gemaakt.")
    page.get_by_label("Waar gebeurde het?").select_option("instagram")
    with page.expect_navigation():
        page.get_by_role("button", name="Versturen").click()

    code = page.locator("#followup-code").inner_text().strip()
    assert re.fullmatch(r"([0-9A-Z]{4}-){5}[0-9A-Z]{4}", code), code
    expect(page.get_by_text("Bewaar deze code")).to_be_visible()
    axe(page, "the page with the code")
    report = PublicReport.objects.get()
    assert report.sender_role == "pupil" and report.platform == "instagram" and not report.sender_name
    assert Notification.objects.filter(recipient=leader, kind="public_report_received").exists()

    # Later: the status with the code (typed in lower case, with spaces).
    with page.expect_navigation():
        page.get_by_role("link", name="Volg je melding").click()
    page.get_by_label("Je volgcode").fill(code.lower().replace("-", " "))
    with page.expect_navigation():
        page.get_by_role("button", name="Toon de stand").click()
    expect(page.locator("#report-status")).to_have_text("Ontvangen")
    axe(page, "the status page")

    # Adding information.
    page.get_by_label("Wat wil je toevoegen?").fill("Het account heet @nep.leerling.")
    with page.expect_navigation():
        page.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("je aanvulling is toegevoegd")
    assert PublicReportAddition.objects.get(report=report).text == "Het account heet @nep.leerling."

    # The school leader reads it and makes it a case; the pupil then sees "in behandeling".
    leader_page = login(new_context(), leader)
    leader_page.goto(f"{live_server.url}/openbare-meldingen/")
    with leader_page.expect_navigation():
        leader_page.locator(f"a[href='/openbare-meldingen/{report.pk}/']").click()
    expect(leader_page.locator("#report-text")).to_have_text("Iemand heeft een nepaccount met mijn foto gemaakt.")
    axe(leader_page, "the public report for the school leader")
    leader_page.select_option("#id_open-category", "identity_fraud")
    with leader_page.expect_navigation():
        leader_page.get_by_role("button", name="Maak er een zaak van").click()
    report.refresh_from_db()
    expect(leader_page).to_have_url(re.compile(rf"/zaken/{report.incident_id}/$"))
    assert CaseEvent.objects.filter(incident=report.incident, kind="public_report").exists()

    page.goto(f"{live_server.url}/melding-volgen/")
    page.get_by_label("Je volgcode").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Toon de stand").click()
    expect(page.locator("#report-status")).to_have_text("In behandeling")


def test_the_school_leader_prints_the_qr_code(live_server, new_context, login, axe, school, leader):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/openbare-meldingen/")
    with page.expect_navigation():
        page.get_by_role("link", name="Meldformulier").click()  # the navigation's one entry
    with page.expect_navigation():
        page.get_by_role("link", name="Link, QR-code en poster").click()
    expect(page).to_have_url(re.compile(rf"/meldpagina/{school.pk}/$"))
    qr = page.locator("img.qr-code")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    axe(page, "the reporting page's settings")
    with page.expect_navigation():
        page.get_by_role("link", name="Poster om af te drukken").click()
    expect(page.get_by_role("button", name="Afdrukken")).to_be_visible()  # shown by the script (CSP: no inline script)
    poster_qr = page.locator("img.qr-code")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=poster_qr.element_handle())
    axe(page, "the poster")
