"""axe-core on the pages people work in: no violations, also with form errors showing."""

import re

import pytest
from playwright.sync_api import expect

from incidents import services
from tests.factories import IncidentFactory

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def case(school, leader):
    """A case in step 4 with records of several kinds, so the case page shows them all."""
    return IncidentFactory(school=school, containing=True)


def test_report_form(live_server, new_context, login, axe, staff):
    page = login(new_context(), staff)
    page.goto(f"{live_server.url}/melden/")
    expect(page.locator("#id_description")).to_be_visible()
    axe(page, "the report form")


def test_report_form_with_errors(live_server, new_context, login, axe, staff, tmp_path):
    page = login(new_context(), staff)
    page.goto(f"{live_server.url}/melden/")
    page.fill("#id_links", "geen link")
    not_an_image = tmp_path / "bericht.png"
    not_an_image.write_text("dit is geen afbeelding")
    page.set_input_files("#id_files", not_an_image)
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")

    # Refused: said at the top, and each invalid field says so and points to its own error message.
    expect(page.locator("main [role=alert]")).to_be_visible()
    for name in ("category", "platform", "description", "files", "links"):
        field = page.locator(f"#id_{name}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = field.get_attribute("aria-describedby").split()
        assert f"id_{name}_error" in described_by, (name, described_by)
        expect(page.locator(f"#id_{name}_error")).to_be_visible()
        expect(page.locator(f"#id_{name}_error")).not_to_be_empty()
    axe(page, "the report form after a refused submit")


def test_dashboard(live_server, new_context, login, axe, leader, case):
    IncidentFactory(school=case.school)  # and a fresh report without a severity
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/")
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    axe(page, "the dashboard")
    page.click("details summary")  # the filters, opened
    axe(page, "the dashboard with the filters open")


def test_case_page(live_server, new_context, login, axe, leader, case):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    expect(page.locator("#current-step")).to_be_visible()
    for details in page.locator("details").all():  # the other records' forms, opened
        details.locator("summary").click()
    axe(page, "the case page")


def test_case_page_with_refused_record(live_server, new_context, login, axe, leader, case):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    if page.locator("details#takedown").count():  # folded under "other records": its form comes when opened
        page.locator("details#takedown summary").click()
    form = page.locator("#takedown form")
    form.locator("button[type=submit]").click()  # refused in place (htmx)
    field = page.locator("#id_takedown-platform")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "id_takedown-platform_error" in field.get_attribute("aria-describedby").split()
    page.locator("#takedown form button[type=submit]").hover()  # the pointer stays on the button: its hover colours count
    axe(page, "the case page after a refused record")


def test_case_page_on_a_phone(live_server, new_context, login, axe, leader, case):
    long_link = "https://www.instagram.com/p/" + "C0a1b2c3d4e5f6g7h8i9j0klmnopqrstuvwxyz" * 3 + "/"
    services.evidence_add(incident=case, actor=leader, files=[], links=[long_link], description="")
    page = login(new_context(viewport=PHONE), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the case page scrolls sideways on a phone ({width}px wide)"
    axe(page, "the case page at phone width")


def test_skip_link_moves_focus_to_the_content(live_server, new_context, login, staff):
    page = login(new_context(), staff)
    page.goto(f"{live_server.url}/melden/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_login_page(live_server, new_context, axe):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/account/login/")
    axe(page, "the login page")
    page.fill("input[name=login]", "niemand@example.org")
    page.fill("input[name=password]", "fout")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    axe(page, "the login page after a refused login")


def test_record_page_with_a_refused_withdrawal_and_the_case_page_with_corrections(live_server, new_context, login, axe,
                                                                                     leader, case):
    from incidents.models import Takedown

    takedown = services.incident_add_record(incident=case, actor=leader, record=Takedown(
        platform="tiktok", description="Filmpje", outcome="requested"))
    services.record_correct(record=takedown, actor=leader, reason="Omschrijving aangevuld.", description="Filmpje van de klas")
    withdrawn = case.actions.first()
    services.record_withdraw(record=withdrawn, actor=leader, reason="Hoorde bij een andere zaak.")
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/vastleggingen/takedown/{takedown.pk}/")
    with page.expect_navigation():
        page.locator("form[action$='/intrekken/'] button[type=submit]").click()
    field = page.locator("#id_withdraw-reason")
    expect(field).to_have_attribute("aria-invalid", "true")
    axe(page, "the record page after a refused withdrawal")

    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    expect(page.locator("del.withdrawn").first).to_be_visible()
    for details in page.locator("details").all():
        details.locator("summary").click()
    axe(page, "the case page with a correction, a withdrawal and outcome forms")


# Every key page, at desktop and at phone size: axe-core finds nothing, and nothing is wider than the screen.
SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def check_page(page, axe, url, what, viewport):
    page.goto(url)
    expect(page.locator("main#main")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{what} scrolls sideways ({width}px wide at {viewport['width']}px)"
    axe(page, f"{what} at {viewport['width']}px")


def in_view(page, locator, viewport):
    """The element is on screen horizontally (a step or deadline column pushed off to the right is not)."""
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box


@pytest.fixture
def board(school):
    from meldpunt.protocols import board_adopt_protocol, profiles_install
    from portal.models import ProtocolProfile

    profiles_install(ProtocolProfile)  # a transactional test's database starts empty, without the migration's rows
    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="buitengewoon-002"), version="1")
    return school.board


@SIZES
def test_the_staff_members_pages(live_server, new_context, login, axe, board, school, staff, viewport):
    from tests.factories import PersonFactory

    PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B")
    IncidentFactory(school=school, reporter=staff)
    page = login(new_context(viewport=viewport), staff)
    check_page(page, axe, f"{live_server.url}/melden/", "the report form", viewport)
    check_page(page, axe, f"{live_server.url}/mijn-meldingen/", "my reports", viewport)
    in_view(page, page.locator("td[data-label=Stap]").first, viewport)
    check_page(page, axe, f"{live_server.url}/toestemming/school/{school.pk}/controleren/", "the consent check", viewport)
    # The pupil is found by name (no page load), ticked and checked.
    page.get_by_role("searchbox").press_sequentially("vries")
    pupil = page.get_by_label(re.compile("Daan de Vries"))
    expect(pupil).to_be_visible()
    expect(page).to_have_url(re.compile(r"/controleren/$"))
    axe(page, f"the consent check with search results at {viewport['width']}px")
    pupil.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Controleren").click()
    expect(page.locator("#check-results tr[data-pupil]")).to_have_count(1)
    expect(page.get_by_label(re.compile("Daan de Vries"))).to_be_checked()
    axe(page, f"the consent check's result at {viewport['width']}px")


@SIZES
def test_the_school_leaders_pages(live_server, new_context, login, axe, board, school, leader, case, viewport):
    IncidentFactory(school=school)  # and a fresh report without a severity
    person = case.involvements.first().person
    page = login(new_context(viewport=viewport), leader)
    check_page(page, axe, f"{live_server.url}/zaken/", "the case list", viewport)
    in_view(page, page.locator("td[data-label=Stap]").first, viewport)
    in_view(page, page.locator("td[data-label='Duur in deze stap']").first, viewport)
    page.click("details summary")
    axe(page, "the case list with the filters open")
    check_page(page, axe, f"{live_server.url}/zaken/{case.pk}/", "the case page", viewport)
    check_page(page, axe, f"{live_server.url}/dossiers/{person.pk}/", "the dossier", viewport)
    check_page(page, axe, f"{live_server.url}/statistiek/", "the statistics", viewport)
    check_page(page, axe, f"{live_server.url}/aangiften/", "the police-report register", viewport)
    check_page(page, axe, f"{live_server.url}/toestemming/school/{school.pk}/controleren/?purpose=&class_name=", "the consent check with an error", viewport)


@SIZES
def test_the_privacy_officers_pages(live_server, new_context, login, axe, board, school, privacy_officer, viewport):
    import datetime

    from django.utils import timezone

    overdue = IncidentFactory(school=school, privacy_flag=True, discovered_at=timezone.now() - datetime.timedelta(days=4))
    IncidentFactory(school=school, privacy_flag=True)
    page = login(new_context(viewport=viewport), privacy_officer)
    check_page(page, axe, f"{live_server.url}/datalekken/", "the breach queue with an overdue review", viewport)
    in_view(page, page.locator("td[data-label='Uiterste termijn']").first, viewport)
    check_page(page, axe, f"{live_server.url}/datalekken/register/", "the breach register", viewport)
    in_view(page, page.locator("td[data-label='Uiterste termijn']").first, viewport)
    check_page(page, axe, f"{live_server.url}/datalekken/{overdue.pk}/", "the breach review", viewport)


def test_sanction_pages_of_education_law(live_server, new_context, login, axe, school, leader, pupil, default_catalogue):
    """A suspension with its letter, duty and objection; a removal awaiting its hearing; the duties register."""
    from sanctions import services as sanction_services
    from sanctions.selectors import measures_for

    catalogue = measures_for(person=pupil)
    suspension = sanction_services.sanction_impose(
        person=pupil, actor=leader, measure=catalogue.get(code="suspension"), days=3, decision="Drie dagen thuis.",
        reasoning="Bedreigingen.")
    sanction_services.letter_make(sanction=suspension, actor=leader)
    removal = sanction_services.sanction_impose(
        person=pupil, actor=leader, measure=catalogue.get(code="removal"), decision="Verwijdering.",
        reasoning="Herhaald.")
    page = login(new_context(), leader)
    for sanction, what in ((suspension, "a suspension with its letter and duty"), (removal, "a removal to be heard")):
        page.goto(f"{live_server.url}/sancties/{sanction.pk}/")
        expect(page.locator("#sanction-state")).to_be_visible()
        for details in page.locator("details").all():
            details.locator("summary").click()
        axe(page, what)
    page.goto(f"{live_server.url}/sancties/{removal.pk}/")
    with page.expect_navigation():
        page.locator("#hearings button[type=submit]").click()
    expect(page.locator("#hearings .invalid-feedback").first).to_be_visible()
    axe(page, "the hearing form after a refused submit")
    page.goto(f"{live_server.url}/meldplichten/")
    expect(page.locator("#duty-register")).to_be_visible()
    axe(page, "the duties register")


def test_start_checklist_and_staff_import_report(live_server, new_context, login, axe, school, sister_school, tmp_path):
    from portal.models import Role
    from tests.factories import member

    admin = member(Role.ADMIN, board=school.board)
    member(Role.STAFF, school=school, email="weg@school.example")
    page = login(new_context(), admin)
    page.goto(f"{live_server.url}/bestuur/start/")
    expect(page.locator("#notification-gaps")).to_be_visible()
    axe(page, "the start checklist")
    staff_list = tmp_path / "medewerkers.csv"
    staff_list.write_text(f"naam;email;school;rol\nJan van Dijk;jan@school.example;{school.name};medewerker\n"
                          "Piet;piet@school.example;Onbekend;medewerker\n")
    page.goto(f"{live_server.url}/bestuur/medewerkers/importeren/")
    page.set_input_files("#id_file", str(staff_list))
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    expect(page.locator("#import-rows")).to_be_visible()
    axe(page, "the staff import report")


@SIZES
def test_the_consent_pages_of_a_person(live_server, new_context, login, axe, board, school, staff, leader, viewport):
    """A staff member (or a parent) answers for themselves on a phone; the school leader reads a person's consent."""
    from portal.models import PersonKind
    from tests.consent.support import purposes_of
    from tests.factories import PersonFactory

    purposes_of(board)
    me = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="", user=staff)
    page = login(new_context(viewport=viewport), staff)
    check_page(page, axe, f"{live_server.url}/toestemming/mijn-antwoorden/", "my consent answers", viewport)
    in_view(page, page.get_by_role("button", name=re.compile("^Ik geef geen toestemming")).first, viewport)
    page = login(new_context(viewport=viewport), leader)
    check_page(page, axe, f"{live_server.url}/toestemming/persoon/{me.pk}/", "a person's consent", viewport)



def test_every_page_names_its_icon_and_the_server_has_it(live_server, new_context):
    """Browsers ask for /favicon.ico when a page names no icon, and log the 404 as an error in the console."""
    page = new_context().new_page()
    page.goto(f"{live_server.url}/account/login/")
    icon = page.locator("head link[rel=icon]")
    expect(icon).to_have_count(1)
    response = page.request.get(live_server.url + icon.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
