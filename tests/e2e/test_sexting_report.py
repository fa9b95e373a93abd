"""A sexting report from a phone: the guidance shows, the file field closes, and the report goes in without an image."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_files_a_sexting_report_on_a_phone_and_sees_the_guidance(live_server, new_context, login, staff, axe):
    page = login(new_context(viewport=PHONE), staff)
    page.goto(f"{live_server.url}/melden/")
    guidance = page.locator("[data-nudity-guidance]")
    expect(guidance).to_be_hidden()  # not for every report: only when it concerns sexting or a minor's nudity

    page.select_option("#id_category", "sexting")
    expect(guidance).to_be_visible()
    expect(guidance).to_contain_text("Maak of bewaar geen screenshot")
    expect(guidance).to_contain_text("stuur het niet door")
    expect(guidance).to_contain_text("wie het stuurde, wie het ontving en wanneer")
    for site in ("politie.nl", "Helpwanted.nl", "Offlimits.nl"):
        expect(guidance.get_by_role("link", name=site)).to_be_visible()
    expect(page.locator("#id_files")).to_be_disabled()
    box = guidance.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # readable on the phone, no sideways scrolling
    axe(page, "report form with the sexting guidance")

    page.select_option("#id_platform", "snapchat")
    page.fill("#id_description", "Een naaktfoto van een leerling uit 3B wordt doorgestuurd in een Snapchatgroep.")
    page.fill("#id_links", "https://www.snapchat.com/add/groep3b")
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/melden/\d+/ontvangen/$"))

    incident = Incident.objects.get(reporter=staff)
    assert incident.category == "sexting"
    assert list(incident.evidence.values_list("url", "file")) == [("https://www.snapchat.com/add/groep3b", "")]
