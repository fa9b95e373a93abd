"""Device cookies against lockouts turned on a leader: wrong passwords for the leader's address from an
unknown browser (even behind the school's NAT) lock unknown browsers only; a browser in which the leader
signed in before keeps working, and is locked only by its own failures. The login form warns before the last try."""

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

from portal.models import Role
from portal.security import DEVICE_COOKIE_SALT

from ..factories import member

PASSWORD = "test-password-123"
SCHOOL_NAT = "145.12.1.1"
LAST_TRY = "nog één verkeerd wachtwoord"

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_account(school):
    return member(Role.SCHOOL_LEADER, school=school, email="directie@school.example.nl")


def browser():
    return Client(REMOTE_ADDR=SCHOOL_NAT, HTTP_ACCEPT_LANGUAGE="nl")


def sign_in(client, email, password):
    return client.post("/account/login/", {"login": email, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def known_browser(email):
    """A browser in which the account signed in successfully (and then signed out)."""
    client = browser()
    assert sign_in(client, email, PASSWORD).status_code == 302
    assert settings.MELDPUNT_DEVICE_COOKIE_NAME in client.cookies
    client.post("/account/logout/")
    assert not signed_in(client)
    return client


def test_wrong_passwords_from_the_school_network_do_not_lock_the_leaders_own_browser(dutch, leader_account):
    leaders_browser = known_browser(leader_account.email)
    pupil_laptop = browser()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(pupil_laptop, leader_account.email, "geraden")
    locked = sign_in(pupil_laptop, leader_account.email, PASSWORD)
    assert locked.status_code == 429 and "Te veel mislukte inlogpogingen" in locked.content.decode()
    assert not signed_in(pupil_laptop)
    # Another unknown browser is locked for this account too, wherever it is.
    assert sign_in(Client(REMOTE_ADDR="82.1.2.3"), leader_account.email, PASSWORD).status_code == 429

    response = sign_in(leaders_browser, leader_account.email, PASSWORD)
    assert response.status_code == 302 and signed_in(leaders_browser)


def test_failures_in_a_known_browser_count_for_that_browser_alone(dutch, school, leader_account):
    first = known_browser(leader_account.email)
    second = known_browser(leader_account.email)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(first, leader_account.email, "typfout")
    assert sign_in(first, leader_account.email, PASSWORD).status_code == 429
    assert sign_in(second, leader_account.email, PASSWORD).status_code == 302
    # The unknown browsers' count was not touched: a new browser still signs in.
    assert sign_in(browser(), leader_account.email, PASSWORD).status_code == 302


def test_the_login_form_warns_before_the_last_try(dutch, leader_account):
    client = browser()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, leader_account.email, "fout")
        assert response.status_code == 200
        page = response.content.decode()
        assert (LAST_TRY in page) is (attempt == settings.AXES_FAILURE_LIMIT - 1), attempt
    assert "30 minuten" in page
    assert sign_in(client, leader_account.email, "fout").status_code == 429


def test_a_device_cookie_is_bound_to_the_account_and_cannot_be_forged(dutch, school, leader_account):
    colleague = member(Role.STAFF, school=school, email="docent@school.example.nl")
    shared_computer = known_browser(colleague.email)
    leaders = known_browser(leader_account.email)
    sign_in(leaders, colleague.email, PASSWORD)
    leaders.post("/account/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(browser(), leader_account.email, "geraden")
    # The colleague's device cookie does not make this browser known for the leader's account.
    assert sign_in(shared_computer, leader_account.email, PASSWORD).status_code == 429
    # Nor does a cookie signed with another key.
    forged = browser()
    forged.cookies[settings.MELDPUNT_DEVICE_COOKIE_NAME] = signing.dumps(
        {str(leader_account.pk): "geraden"}, salt=DEVICE_COOKIE_SALT, key="niet-de-sleutel-van-het-portaal")
    assert sign_in(forged, leader_account.email, PASSWORD).status_code == 429
    # A browser in which both accounts signed in is known for each.
    assert sign_in(leaders, leader_account.email, PASSWORD).status_code == 302


def test_a_whole_school_signs_in_behind_one_address_in_the_morning(school):
    teachers = [member(Role.STAFF, school=school) for _ in range(35)]
    for teacher in teachers:
        assert sign_in(browser(), teacher.email, PASSWORD).status_code == 302, teacher.email
