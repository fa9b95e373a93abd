"""A staff member of two schools reports from a phone, screenshot included, in at most six interactions: the form
starts at the school they last reported for."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from incidents.models import Incident
from portal.models import Role
from tests.factories import IncidentFactory, MembershipFactory, member

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

MAX_INTERACTIONS = 6


class Counted:
    """The user's actions on the page, counted: a click, a choice, typing into a field, choosing a file."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def __getattr__(self, name):
        action = getattr(self.page, name)
        if name not in ("click", "select_option", "fill", "set_input_files", "tap", "check"):
            return action

        def counted(*args, **kwargs):
            self.count += 1
            return action(*args, **kwargs)

        return counted


def test_a_member_of_two_schools_reports_with_a_screenshot_in_six_interactions(live_server, new_context, login, axe,
                                                                                school, sister_school, tmp_path):
    # De Horizon comes first, in the alphabet and in their memberships; their last report was for Het Baken.
    reporter = member(Role.STAFF, school=sister_school, first_name="Mila", last_name="de Leraar")
    MembershipFactory(user=reporter, school=school, role=Role.STAFF)
    IncidentFactory(school=school, reporter=reporter)
    screenshot = tmp_path / "bericht.png"
    Image.new("RGB", (390, 700), "#dcf8c6").save(screenshot, format="PNG")

    page = login(new_context(viewport=PHONE), reporter)  # lands on "My reports"
    user = Counted(page)
    with page.expect_navigation():
        user.click("main a[href$='/melden/']")
    expect(page.locator("#id_school option:checked")).to_have_text("Het Baken")
    user.select_option("#id_category", "bullying")  # not sexting: that case takes no file (incidents/imagery.py)
    user.select_option("#id_platform", "snapchat")
    user.fill("#id_description", "In een Snapchat-groep van klas 3 wordt een leerling dagelijks uitgescholden.")
    user.set_input_files("#id_files", screenshot)
    with page.expect_navigation():
        user.click("form[enctype='multipart/form-data'] button[type=submit]")

    expect(page).to_have_url(re.compile(r"/melden/\d+/ontvangen/$"))
    assert user.count <= MAX_INTERACTIONS, f"{user.count} interactions"
    report = Incident.objects.filter(reporter=reporter).latest("reported_at")
    assert report.school == school and report.category == "bullying"
    assert report.evidence.count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px wide)"
