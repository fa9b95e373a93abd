"""Signing in to the API (token or session with CSRF), the two-factor rule, throttling and JSON errors."""

import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.core.management import call_command
from django.urls import URLPattern, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.test import APIClient

from portal.api_base import SecondFactorSetUp
from portal.models import Role

from ..factories import IncidentFactory, member
from .conftest import token_client


@pytest.mark.django_db
def test_a_token_signs_in_and_a_missing_or_wrong_token_is_a_401(school, leader):
    incident = IncidentFactory(school=school)
    assert token_client(leader).get(f"/api/v1/incidents/{incident.pk}/").status_code == 200

    response = APIClient().get("/api/v1/incidents/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authenticatiegegevens zijn niet opgegeven."}

    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert wrong.get("/api/v1/incidents/").status_code == 401
    assert wrong.post("/api/v1/consent/check/", {}, format="json").status_code == 401


@pytest.mark.django_db
def test_an_administrator_makes_a_token_with_the_management_command(staff):
    call_command("drf_create_token", staff.email, stdout=io.StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=staff).key}")
    assert client.get("/api/v1/incidents/").status_code == 200


@pytest.mark.django_db
def test_the_token_of_a_deactivated_account_no_longer_works(leader):
    client = token_client(leader)
    leader.is_active = False
    leader.save()
    assert client.get("/api/v1/notifications/").status_code == 401


@pytest.mark.django_db
def test_the_portal_session_works_and_its_writes_need_the_csrf_token(client, school, leader):
    client.force_login(leader)
    assert client.get("/api/v1/incidents/").status_code == 200
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(leader)
    response = session.post("/api/v1/notifications/read-all/")
    assert response.status_code == 403 and response.json()["detail"].startswith("CSRF")
    session.get("/melden/")  # any page sets the CSRF cookie
    response = session.post("/api/v1/notifications/read-all/", HTTP_X_CSRFTOKEN=session.cookies["csrftoken"].value)
    assert response.status_code == 200


@pytest.fixture
def mfa_required(settings):
    settings.MELDPUNT_MFA_REQUIRED = True


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SCHOOL_LEADER, Role.BOARD, Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.ADMIN])
def test_roles_that_need_a_second_factor_get_nothing_before_setting_it_up(client, school, mfa_required, role):
    user = member(role, school=school) if role == Role.SCHOOL_LEADER else member(role, board=school.board)
    for url in ["/api/v1/incidents/", "/api/v1/notifications/"]:
        response = token_client(user).get(url)
        assert response.status_code == 403, url
        assert response.json() == {
            "detail": "Voor jouw rol is tweestapsverificatie verplicht. Stel eerst een authenticator-app in."
        }
    client.force_login(user)  # the session too: a JSON refusal, not the page's redirect
    assert client.get("/api/v1/incidents/").status_code == 403
    response = client.post("/api/v1/consent/check/", {"school": school.pk}, content_type="application/json")
    assert response.status_code == 403

    TOTP.activate(user, generate_totp_secret())
    assert token_client(user).get("/api/v1/incidents/").status_code == 200
    assert client.get("/api/v1/incidents/").status_code == 200


@pytest.mark.django_db
def test_staff_need_no_second_factor_for_the_api_either(staff, mfa_required):
    assert token_client(staff).get("/api/v1/incidents/").status_code == 200


def test_every_api_endpoint_requires_sign_in_and_the_second_factor():
    """A new endpoint cannot forget the two-factor rule: the middleware leaves /api/ to these permissions."""
    checked = []

    def walk(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLPattern):
                checked.append(entry)
            else:
                walk(entry)

    walk(get_resolver("meldpunt.api_urls"))
    for entry in checked:
        view = getattr(entry.callback, "cls", None)
        if entry.name in ("schema", "not-found"):
            continue  # the schema describes the API, not its data; the catch-all only says 404
        overrides = getattr(entry.callback, "initkwargs", {})  # an @action may set its own permissions
        permissions = overrides.get("permission_classes", view.permission_classes)
        assert IsAuthenticated in permissions and SecondFactorSetUp in permissions, entry.name
    assert len(checked) >= 7


@pytest.mark.django_db
def test_too_many_requests_are_throttled(settings, staff):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "2/minute"}}
    cache.clear()
    client = token_client(staff)
    responses = [client.get("/api/v1/notifications/") for _n in range(4)]
    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert responses[-1].json()["detail"].startswith("Te veel verzoeken achter elkaar. Probeer het over ")
    anonymous = APIClient()
    assert [anonymous.get("/api/v1/schema/").status_code for _n in range(3)] == [200, 200, 429]
    assert Token.objects.filter(user=staff).exists()


@pytest.mark.django_db
def test_an_unknown_api_address_is_a_json_404(staff):
    response = token_client(staff).get("/api/v1/bestaat-niet/")
    assert response.status_code == 404 and response.json() == {"detail": "Niet gevonden."}
    for path in ("/api/v1/incidents/abc/", "/api/v1/incidents/99999999999999999999999/", "/api/v1/incidents/-1/",
                 "/api/v1/incidents/1.5/"):
        response = token_client(staff).get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Niet gevonden."}, path
    for path in ("/api/v1/notifications/0.5/read/", "/api/v1/bestaat-niet/"):  # no CSRF page for a wrong address
        response = token_client(staff).post(path)
        assert response.status_code == 404 and response.json() == {"detail": "Niet gevonden."}, path


@pytest.mark.django_db
def test_framework_messages_are_dutch_too(school, staff):
    response = token_client(staff).post("/api/v1/consent/check/", {"school": school.pk, "purpose": False,
                                                                  "pupils": list(range(1, 1002))}, format="json")
    assert response.status_code == 400
    assert response.json() == {"purpose": ["Dit is geen geldige tekst."], "pupils": ["Geef niet meer dan 1000 waarden op."]}
