"""The login page's "Inloggen met …" button in Chromium, through the real OpenID provider process and back."""

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.factories import member
from tests.oidc import STAFF_EMAIL, UNKNOWN_EMAIL

pytestmark = pytest.mark.django_db(transaction=True)


def test_signing_in_with_the_school_account_button(live_server, sso_providers, new_context, axe, school):
    user = member(Role.STAFF, school=school, email=STAFF_EMAIL, first_name="Sanne")
    page = new_context().new_page()
    page.goto(f"{live_server.url}/account/login/")
    axe(page, "the login page with school-account buttons")
    page.get_by_role("button", name="Inloggen met schoolidp").click()

    page.wait_for_url(f"{sso_providers}/interaction/**")  # at the provider
    page.fill("#login", "medewerker")
    page.get_by_role("button", name="Sign in at the provider").click()

    page.wait_for_url(lambda url: url.startswith(live_server.url) and "/account/" not in url)  # signed in, at home
    expect(page.locator("body")).to_contain_text(user.first_name)
    assert page.goto(f"{live_server.url}/melden/").status == 200


def test_an_unknown_address_comes_back_to_the_login_page_with_the_reason(live_server, sso_providers, new_context, axe):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("button", name="Inloggen met schoolidp").click()
    page.wait_for_url(f"{sso_providers}/interaction/**")
    page.fill("#login", "onbekend")
    page.get_by_role("button", name="Sign in at the provider").click()

    page.wait_for_url(f"{live_server.url}/account/login/")
    expect(page.get_by_text(f"Er is geen Meldpunt-account met het e-mailadres {UNKNOWN_EMAIL}")).to_be_visible()
    axe(page, "the login page with a refusal")
