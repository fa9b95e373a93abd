"""The school leader links an involved person by searching, with the keyboard, with and without JavaScript;
one search is one request, a screen reader hears the status sentence only, and a search that is refused or
finds the session expired reloads the page."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident, Involvement
from incidents.workflow import State
from portal.models import PersonKind
from tests.factories import IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def case(school, leader):
    return IncidentFactory(school=school, gathering=True)


@pytest.fixture
def people(school, sister_school):
    return {
        "pupil": PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B"),
        "guardian": PersonFactory(school=school, kind=PersonKind.GUARDIAN, first_name="Petra", last_name="de Vries", class_name=""),
        "other": PersonFactory(school=school, first_name="Emma", last_name="Jansen", class_name="3A"),
        "elsewhere": PersonFactory(school=sister_school, first_name="Daan", last_name="de Vries", class_name="2B"),
    }


def results(page):
    return page.locator("#id_involvement-person_results input[type=radio]")


def status(page):
    return page.locator("#id_involvement-person_status")


def searches_of(page):
    """The URLs of the search requests the page sends from now on."""
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/personen/" in request.url else None)
    return sent


def test_results_follow_the_typing_and_the_keyboard_links_the_person(live_server, new_context, login, axe, leader, case, people):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    search = page.get_by_role("searchbox", name=re.compile(r"^Persoon"))
    expect(search).to_have_attribute("type", "search")
    expect(results(page)).to_have_count(0)

    live = status(page).element_handle()
    search.press_sequentially("vries")
    expect(results(page)).to_have_count(2)  # the pupil and the guardian; not the namesake of the sister school
    expect(status(page)).to_have_text("2 personen gevonden.")
    # Only the status sentence is live, in the node that was there before the search (a new one is not read).
    expect(status(page)).to_have_attribute("role", "status")
    assert live.evaluate("node => node.isConnected")
    assert page.locator(".person-picker [aria-live], .person-picker [role=status]").count() == 1
    expect(page.get_by_label(re.compile("Daan de Vries · Leerling, klas 2B"))).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/zaken/{case.pk}/$"))  # no page load
    axe(page, "the case page with search results")

    # Saved before choosing: refused at the field, with the search and its results kept (in place, no page load).
    page.locator("#involvement").get_by_role("button", name="Opslaan").click()
    search = page.get_by_role("searchbox", name=re.compile(r"^Persoon"))
    expect(search).to_have_attribute("aria-invalid", "true")
    assert "id_involvement-person_error" in search.get_attribute("aria-describedby").split()
    expect(page.locator("#id_involvement-person_error")).to_be_visible()
    expect(search).to_have_value("vries")
    expect(results(page)).to_have_count(2)
    axe(page, "the case page after a refused involved person")

    # Search button, then into the radio group with Tab, choose with the arrow key.
    search.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Zoeken")).to_be_focused()
    page.keyboard.press("Tab")
    expect(results(page).first).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label(re.compile("Petra de Vries"))).to_be_checked()

    # A new search keeps the chosen person on offer, chosen; the radios that replace the marked ones stay marked
    # while the error shows.
    search.fill("jansen")
    expect(results(page)).to_have_count(2)
    expect(status(page)).to_have_text("1 persoon gevonden.")
    expect(page.get_by_label(re.compile("Petra de Vries"))).to_be_checked()
    expect(page.get_by_label(re.compile("Emma Jansen"))).to_have_attribute("aria-invalid", "true")

    page.select_option("#id_involvement-role", "witness")
    page.locator("#involvement").get_by_role("button", name="Opslaan").click()
    expect(page.locator("#case-status")).to_contain_text("Opgeslagen")
    expect(page.locator("#case-records")).to_contain_text("Petra de Vries")
    expect(page).to_have_url(re.compile(rf"/zaken/{case.pk}/$"))
    assert Involvement.objects.filter(incident=case, person=people["guardian"], role="witness").exists()


def test_without_javascript_the_search_button_reloads_the_page(live_server, new_context, login, leader, case, people):
    page = login(new_context(java_script_enabled=False), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    search = page.locator("#id_involvement-person")
    search.fill("2b")
    with page.expect_navigation():
        search.press("Enter")  # submits the search, not the record
    expect(page).to_have_url(re.compile(rf"/zaken/{case.pk}/\?involvement-person_search=2b#involvement$"))
    expect(results(page)).to_have_count(1)
    assert not Involvement.objects.exists()

    # Saved without a role: refused, with the person still chosen and the search kept.
    page.get_by_label(re.compile("Daan de Vries")).check()
    with page.expect_navigation():
        page.locator("#involvement").get_by_role("button", name="Opslaan").click()
    expect(page.locator("#id_involvement-role")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(re.compile("Daan de Vries"))).to_be_checked()
    expect(page.locator("#id_involvement-person")).to_have_value("2b")

    page.select_option("#id_involvement-role", "perpetrator")
    with page.expect_navigation():
        page.locator("#involvement").get_by_role("button", name="Opslaan").click()
    assert Involvement.objects.filter(incident=case, person=people["pupil"], role="perpetrator").exists()


def test_enter_and_the_search_button_send_one_search(live_server, new_context, login, leader, case, people):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    search = page.get_by_role("searchbox", name=re.compile(r"^Persoon"))
    sent = searches_of(page)

    search.press_sequentially("vries")
    search.press("Enter")  # before the pause after typing is over
    expect(status(page)).to_have_text("2 personen gevonden.")
    page.wait_for_timeout(600)  # longer than that pause: no second request comes after
    assert len(sent) == 1 and "involvement-person_search=vries" in sent[0]
    expect(results(page)).to_have_count(2)
    expect(page.get_by_label(re.compile("Daan de Vries · Leerling, klas 2B"))).to_be_visible()
    expect(page.get_by_label(re.compile("Petra de Vries"))).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/zaken/{case.pk}/$"))  # no page load

    sent.clear()
    search.fill("jansen")
    page.get_by_role("button", name="Zoeken").click()
    expect(status(page)).to_have_text("1 persoon gevonden.")
    page.wait_for_timeout(600)
    assert len(sent) == 1 and "involvement-person_search=jansen" in sent[0]
    expect(results(page)).to_have_count(1)
    expect(page.get_by_label(re.compile("Emma Jansen"))).to_be_visible()

    sent.clear()
    search.press_sequentially("  ")  # typing alone still searches, once, after the pause
    expect(results(page)).to_have_count(1)
    page.wait_for_timeout(600)
    assert len(sent) == 1
    expect(page).to_have_url(re.compile(rf"/zaken/{case.pk}/$"))


def test_an_expired_session_reloads_the_page_to_the_login(live_server, new_context, login, leader, case, people):
    context = new_context()
    page = login(context, leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    context.clear_cookies()  # the session is gone
    with page.expect_navigation():
        page.get_by_role("searchbox", name=re.compile(r"^Persoon")).fill("vries")
    expect(page).to_have_url(re.compile(rf"/account/login/\?next=/zaken/{case.pk}/$"))
    expect(page.locator("#id_involvement-person_results")).to_have_count(0)


def test_a_search_on_a_case_closed_meanwhile_reloads_the_page_and_says_why(live_server, new_context, login, leader, case, people):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    Incident.objects.filter(pk=case.pk).update(state=State.CLOSED)  # by someone else, in the meantime
    with page.expect_navigation():
        page.get_by_role("searchbox", name=re.compile(r"^Persoon")).fill("vries")
    expect(page).to_have_url(re.compile(rf"/zaken/{case.pk}/$"))
    expect(page.locator("main [role=status]").first).to_contain_text("Dat kan hier niet (meer), bijvoorbeeld omdat de zaak intussen is gesloten.")
    expect(page.locator("#id_involvement-person")).to_have_count(0)
