"""The school leader takes a case from report to closed in the browser. The case page leads with what the step still
needs, each item with its form; a save updates the checklist, the records and the timeline in place, so the page
loads once at the start and once per step change, and never for a record."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.workflow import STEPS, State
from tests.factories import IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A moment in the past, as the browser's date-and-time picker writes it.
EARLIER = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def count_page_loads(page):
    loads = []
    page.on("load", lambda _page: loads.append(page.url))
    return loads


def save(page, slot):
    """Save the form of checklist slot ``slot`` and wait until the page has been updated in place: the item is done,
    so its slot is gone from the new checklist."""
    form = page.locator(f"#{slot} form[method=post]")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        form.get_by_role("button", name="Opslaan").click()
    expect(page.locator(f"#case-work #{slot}")).to_have_count(0)  # (it may be offered again under "other records")
    expect(page.locator("#case-status")).to_contain_text("Opgeslagen")


def open_alternative(page, slot):
    """Open the folded alternative ("Of: niet van toepassing") of a checklist item: its form is fetched then."""
    page.locator(f"details#{slot} > summary").click()
    expect(page.locator(f"#{slot} form[method=post]")).to_be_visible()


def next_step(page, transition, number):
    """The step change is a page load of its own (the form posts and the page comes back), the one per step."""
    with page.expect_navigation():
        page.locator(f"button[data-transition={transition}]").click()
    expect(page.locator("#current-step")).to_have_text(re.compile(rf"^\s*{number}\."))


def do_actions(page):
    """Every action the checklist asks for by itself (confronting, aftercare, asking not to forward, and what the
    board's protocol adds): the kind is chosen already; the moment and the outcome are typed."""
    actions = page.locator("#checklist div.record-slot[id^=action-]")
    while actions.count():
        slot = actions.first.get_attribute("id")
        page.fill(f"#{slot} input[type=datetime-local]", EARLIER)
        page.fill(f"#id_{slot}-outcome", "Besproken en afspraken gemaakt.")
        save(page, slot)


def test_a_case_goes_from_report_to_closed_with_one_page_load_per_step(live_server, new_context, login, axe, leader, school):
    case = IncidentFactory(school=school, category="sexting", platform="snapchat")
    PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B")
    page = login(new_context(), leader)
    loads = count_page_loads(page)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")

    # 1. Report: the checklist asks for the severity, with its form beside it.
    expect(page.locator("#checklist")).to_contain_text("ernst")
    expect(page.locator("button[data-transition=start_gathering]")).to_be_disabled()
    page.select_option("#id_triage-severity", "high")
    save(page, "triage")
    expect(page.locator("#step-done")).to_be_visible()
    expect(page.locator("#case-badges")).to_contain_text("Hoog")  # the header follows too
    next_step(page, "start_gathering", 2)

    # 2. Gathering information: the account of the facts, and the people involved found by a search.
    page.fill("#id_facts-facts_account", "De foto is in de klassengroep gedeeld; de leerling heeft het gemeld.")
    save(page, "facts")
    page.fill("#id_involvement-person", "vries")
    page.press("#id_involvement-person", "Enter")  # the search also runs by itself after a pause in typing
    page.get_by_label(re.compile("Daan de Vries")).check()
    page.select_option("#id_involvement-role", "victim")
    save(page, "involvement")
    expect(page.locator("#case-records")).to_contain_text("Daan de Vries")
    expect(page.locator("#case-timeline")).to_contain_text("Daan de Vries")
    next_step(page, "start_assessing", 3)

    # 3. Assessing criminality: the decision, then what it asks for; sanctions marked as not applicable.
    page.select_option("#id_decision-decision", "not_criminal")
    page.fill("#id_decision-decision_reasoning", "Geen strafbaar feit: de foto toont geen naakt.")
    save(page, "decision")
    open_alternative(page, "waiver-sanctions")
    axe(page, "the case page with a checklist and an alternative opened")
    page.fill("#id_waiver-sanctions-reason", "De dader is onbekend gebleven.")
    page.locator("#waiver-sanctions").get_by_role("button", name="Opslaan").click()
    expect(page.locator("#case-work #action-sanctions")).to_have_count(0)
    do_actions(page)
    next_step(page, "start_containing", 4)

    # 4. Stopping the snowball: the post and its outcome, and the request not to forward it.
    page.select_option("#id_takedown-platform", "snapchat")
    page.fill("#id_takedown-description", "De foto in de klassengroep")
    page.select_option("#id_takedown-outcome", "removed_by_author")
    save(page, "takedown")
    do_actions(page)
    next_step(page, "start_informing", 5)

    # 5. Informing those involved.
    page.fill("#id_informed-who", "Ouders van Daan")
    page.fill("#id_informed-informed_at", EARLIER)
    page.fill("#id_informed-what_was_said", "Wat er is gebeurd en wat de school doet.")
    page.fill("#id_informed-next_steps", "Gesprek over twee weken.")
    save(page, "informed")
    next_step(page, "start_communicating", 6)

    # 6. Communication: none needed, said so with the alternative.
    open_alternative(page, "waiver-messages")
    page.fill("#id_waiver-messages-reason", "Alleen de betrokkenen weten ervan.")
    page.locator("#waiver-messages").get_by_role("button", name="Opslaan").click()
    expect(page.locator("#step-done")).to_be_visible()
    next_step(page, "start_evaluating", 7)

    # 7. Evaluation, and closing.
    page.select_option("#id_evaluation-protocol_worked", "yes")
    page.fill("#id_evaluation-measures_worked", "De foto was binnen een dag weg.")
    save(page, "evaluation")
    with page.expect_navigation():
        page.locator("button[data-transition=close]").click()

    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.transitions.count() == len(STEPS)
    # The first load, and one per step change: the records were all saved in place.
    assert len(loads) == 1 + len(STEPS), loads
    assert Incident.objects.get(pk=case.pk).severity == "high"


def test_text_typed_in_other_forms_stays_when_one_is_saved(live_server, new_context, login, leader, school):
    """The checklist of step 3 has several open forms; text typed in one of them, in a form opened under "other
    records" and in a step change's note is still there, as typed, after another form is saved in place."""
    from incidents import services

    case = IncidentFactory(school=school, assessing=True)
    services.incident_decide(incident=case, actor=leader, decision="not_criminal", victim_type="", reasoning="Geen strafbaar feit.")
    page = login(new_context(), leader)
    loads = count_page_loads(page)
    page.goto(f"{live_server.url}/zaken/{case.pk}/")

    actions = page.locator("#checklist div.record-slot[id^=action-]")
    expect(actions).to_have_count(3)
    first, second = actions.nth(0).get_attribute("id"), actions.nth(1).get_attribute("id")
    page.fill(f"#id_{second}-outcome", "Half getypt: het gesprek met de ouders")
    page.locator("details#message > summary").click()
    expect(page.locator("#message form[method=post]")).to_be_visible()
    page.fill("#id_message-summary", "Concept van het bericht aan het team")
    note = page.locator("textarea[name=transition-note]").first
    note_id = note.get_attribute("id")
    note.fill("Aantekening bij de stapwissel")

    page.fill(f"#{first} input[type=datetime-local]", EARLIER)
    page.fill(f"#id_{first}-outcome", "Besproken en afspraken gemaakt.")
    save(page, first)

    expect(page.locator(f"#id_{second}-outcome")).to_have_value("Half getypt: het gesprek met de ouders")
    expect(page.locator("#id_message-summary")).to_have_value("Concept van het bericht aan het team")
    expect(page.locator("details#message")).to_have_attribute("open", "")
    expect(page.locator(f"#{note_id}")).to_have_value("Aantekening bij de stapwissel")
    expect(page.locator("#case-timeline")).to_contain_text("Besproken en afspraken gemaakt.")

    # The form typed in is saved in its turn, and comes back from the server: saved, not kept as it was.
    page.fill(f"#{second} input[type=datetime-local]", EARLIER)
    save(page, second)
    expect(page.locator("#case-timeline")).to_contain_text("Half getypt: het gesprek met de ouders")
    expect(page.locator("#id_message-summary")).to_have_value("Concept van het bericht aan het team")
    assert len(loads) == 1, loads
