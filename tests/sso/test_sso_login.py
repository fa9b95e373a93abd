"""Sign-in with the school's own account against a real OpenID provider process (tests/oidc.py): an existing
account is found by a verified e-mail address only; the second factor stays unless a trusted provider asserts MFA;
the password lockout and the audit trail keep working."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client

from portal.models import AuditEvent, Role, User

from ..factories import member
from ..oidc import LEADER_EMAIL, STAFF_EMAIL, UNKNOWN_EMAIL, sign_in_at_provider

pytestmark = pytest.mark.django_db
PASSWORD = "test-password-123"


def sso_sign_in(client, login, provider="schoolidp"):
    """Press "Inloggen met …" on the login page, sign in at the provider, come back. Returns the last response."""
    page = client.get("/account/login/")
    assert f'action="/account/oidc/{provider}/login/?process=login"'.encode() in page.content
    start = client.post(f"/account/oidc/{provider}/login/?process=login")
    assert start.status_code == 302, start.content[:300]
    back = sign_in_at_provider(start["Location"], login, site="http://testserver")
    return client.get(back.removeprefix("http://testserver"))


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def refusal(response):
    assert response.status_code == 302 and response["Location"] == "/account/login/"
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def staff_account(school):
    return member(Role.STAFF, school=school, email=STAFF_EMAIL)


@pytest.fixture
def leader_account(school):
    return member(Role.SCHOOL_LEADER, school=school, email=LEADER_EMAIL)


def with_totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    return user


def test_a_verified_address_signs_in_to_the_existing_account(sso_providers, dutch, staff_account):
    client = Client()
    response = sso_sign_in(client, "medewerker")  # the provider writes the address in capitals
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == str(staff_account.pk)
    assert client.get("/melden/").status_code == 200
    assert settings.MELDPUNT_DEVICE_COOKIE_NAME in response.cookies  # the browser is known from now on
    event = AuditEvent.objects.get(action="login.sso")
    assert event.actor == staff_account and event.detail["provider"] == "schoolidp"
    assert SocialAccount.objects.get(provider="schoolidp").user == staff_account
    # The next sign-in finds the same account again, and no account was made.
    client.post("/account/logout/")
    assert sso_sign_in(client, "medewerker")["Location"] == "/"
    assert User.objects.count() == 1


def test_an_unknown_address_is_refused_and_no_account_is_made(sso_providers, dutch, staff_account):
    client = Client()
    message = refusal(sso_sign_in(client, "onbekend"))
    assert f"Er is geen Meldpunt-account met het e-mailadres {UNKNOWN_EMAIL}" in message
    assert not signed_in_as(client)
    assert not User.objects.filter(email=UNKNOWN_EMAIL).exists() and not SocialAccount.objects.exists()
    event = AuditEvent.objects.get(action="login.sso_refused")
    assert event.detail == {"provider": "schoolidp", "reason": "unknown", "email": UNKNOWN_EMAIL}
    # The login page shows the refusal.
    assert "Er is geen Meldpunt-account" in client.get("/account/login/").content.decode()


def test_an_unverified_address_is_refused_even_for_an_existing_account(sso_providers, dutch, staff_account):
    client = Client()
    message = refusal(sso_sign_in(client, "onbevestigd"))
    assert "niet geverifieerd" in message and STAFF_EMAIL in message
    assert not signed_in_as(client) and not SocialAccount.objects.exists()


def test_no_address_at_all_is_refused(sso_providers, dutch, staff_account):
    client = Client()
    assert "gaf geen e-mailadres" in refusal(sso_sign_in(client, "zonder-adres"))
    assert not signed_in_as(client)


def test_a_deactivated_account_cannot_sign_in(sso_providers, dutch, staff_account):
    staff_account.is_active = False
    staff_account.save()
    client = Client()
    assert "Er is geen Meldpunt-account" in refusal(sso_sign_in(client, "medewerker"))
    assert not signed_in_as(client)


def test_the_address_decides_even_when_the_provider_account_was_linked_before(sso_providers, dutch, staff_account, school):
    assert sso_sign_in(Client(), "medewerker")["Location"] == "/"
    # The address moves to another account in Meldpunt: the provider's account now signs in there.
    staff_account.email = "oud@meldpunt.test"
    staff_account.save()
    other = member(Role.STAFF, school=school, email=STAFF_EMAIL)
    client = Client()
    assert sso_sign_in(client, "medewerker")["Location"] == "/"
    assert signed_in_as(client) == str(other.pk)


def test_a_leader_with_totp_still_gives_the_code_after_a_provider_that_is_not_trusted_for_mfa(
        sso_providers, dutch, leader_account, settings):
    settings.MELDPUNT_MFA_REQUIRED = True
    with_totp(leader_account)
    client = Client()
    # Even though this provider says it did MFA: the installation does not trust it for that.
    response = sso_sign_in(client, "leider-mfa", provider="schoolidp")
    assert response["Location"] == "/account/2fa/authenticate/"
    assert not signed_in_as(client)
    assert client.get("/zaken/").status_code == 302


def test_a_trusted_provider_without_mfa_in_amr_still_asks_for_the_code(sso_providers, dutch, leader_account, settings):
    settings.MELDPUNT_MFA_REQUIRED = True
    with_totp(leader_account)
    client = Client()
    assert sso_sign_in(client, "leider", provider="trustedidp")["Location"] == "/account/2fa/authenticate/"
    assert not signed_in_as(client)


def test_a_trusted_provider_asserting_mfa_stands_in_for_totp(sso_providers, dutch, leader_account, settings):
    settings.MELDPUNT_MFA_REQUIRED = True
    with_totp(leader_account)
    client = Client()
    response = sso_sign_in(client, "leider-mfa", provider="trustedidp")
    assert response["Location"] == "/"
    assert signed_in_as(client) == str(leader_account.pk)
    assert client.get("/zaken/").status_code == 200
    assert AuditEvent.objects.get(action="login.sso").detail == {"provider": "trustedidp", "provider_mfa": True}


def test_without_totp_only_a_trusted_mfa_sign_in_opens_the_case_pages(sso_providers, dutch, leader_account, settings):
    settings.MELDPUNT_MFA_REQUIRED = True
    untrusted = Client()
    assert sso_sign_in(untrusted, "leider-mfa", provider="schoolidp")["Location"] == "/"
    assert untrusted.get("/zaken/")["Location"] == "/account/2fa/totp/activate/"
    assert untrusted.get("/api/v1/incidents/").status_code == 403

    trusted = Client()
    assert sso_sign_in(trusted, "leider-mfa", provider="trustedidp")["Location"] == "/"
    assert trusted.get("/zaken/").status_code == 200
    assert trusted.get("/api/v1/incidents/").status_code == 200
    # A password sign-in in the same browser afterwards does not keep the provider's MFA.
    trusted.post("/account/logout/")
    assert trusted.post("/account/login/", {"login": LEADER_EMAIL, "password": PASSWORD}).status_code == 302
    assert trusted.get("/zaken/")["Location"] == "/account/2fa/totp/activate/"


def test_sso_is_no_password_attempt_and_does_not_lift_a_lockout_of_unknown_browsers(sso_providers, dutch, staff_account):
    attacker = Client(REMOTE_ADDR="82.1.2.3")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/account/login/", {"login": STAFF_EMAIL, "password": "geraden"})
    assert attacker.post("/account/login/", {"login": STAFF_EMAIL, "password": PASSWORD}).status_code == 429
    # The user signs in at the school's provider: that works (it is no password) ...
    client = Client()
    assert sso_sign_in(client, "medewerker")["Location"] == "/"
    # ... and does not hand the one guessing passwords a fresh set of tries.
    assert attacker.post("/account/login/", {"login": STAFF_EMAIL, "password": PASSWORD}).status_code == 429
    assert Client().post("/account/login/", {"login": STAFF_EMAIL, "password": PASSWORD}).status_code == 429


def test_the_installation_can_switch_password_login_off(sso_providers, dutch, staff_account, settings):
    settings.MELDPUNT_PASSWORD_LOGIN = False
    client = Client()
    page = client.get("/account/login/").content.decode()
    assert 'name="password"' not in page and "Inloggen met schoolidp" in page
    response = client.post("/account/login/", {"login": STAFF_EMAIL, "password": PASSWORD})
    assert response.status_code == 200 and "Inloggen met een wachtwoord is hier uitgezet" in response.content.decode()
    assert not signed_in_as(client)
    # The admin has no password form of its own to go round it.
    assert client.get("/beheer/login/?next=/beheer/")["Location"] == "/account/login/?next=/beheer/"
    assert sso_sign_in(client, "medewerker")["Location"] == "/"


def test_password_login_stays_beside_the_buttons_by_default(sso_providers, dutch, staff_account):
    client = Client()
    page = client.get("/account/login/").content.decode()
    assert 'name="password"' in page and "Inloggen met schoolidp" in page and "Inloggen met trustedidp" in page
    assert client.post("/account/login/", {"login": STAFF_EMAIL, "password": PASSWORD}).status_code == 302


def test_a_sign_in_cannot_start_with_a_get(sso_providers, staff_account):
    response = Client().get("/account/oidc/schoolidp/login/?process=login")
    assert response.status_code == 200 and b"127.0.0.1" not in response.content  # allauth's confirm page, no redirect


def test_an_installation_can_vouch_for_a_providers_addresses(oidc_provider, settings, dutch, staff_account):
    from ..oidc import provider_apps

    apps = provider_apps(oidc_provider)
    apps[0]["settings"]["trust_email"] = True  # e.g. a federation of the schools' own account systems
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": apps}}
    client = Client()
    assert sso_sign_in(client, "onbevestigd")["Location"] == "/"
    assert signed_in_as(client) == str(staff_account.pk)
    # Vouching for addresses finds no account that is not there.
    assert "Er is geen Meldpunt-account" in refusal(sso_sign_in(Client(), "onbekend"))
