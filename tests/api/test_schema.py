"""The OpenAPI schema at its stable address, and schemathesis run against it: no request, however odd, gets a 500."""

from types import SimpleNamespace

import pytest
import schemathesis
from schemathesis import GenerationMode
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import Notification

from ..consent.support import grant, pupil_with_guardian, purposes_of
from ..factories import IncidentFactory
from .conftest import png_upload

OPERATIONS = {
    ("GET", "/api/v1/incidents/"), ("POST", "/api/v1/incidents/"), ("GET", "/api/v1/incidents/{id}/"),
    ("GET", "/api/v1/incidents/{id}/transitions/"), ("POST", "/api/v1/incidents/{id}/transitions/"),
    ("GET", "/api/v1/notifications/"), ("POST", "/api/v1/notifications/{id}/read/"),
    ("POST", "/api/v1/notifications/read-all/"), ("POST", "/api/v1/consent/check/"),
}


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@pytest.mark.django_db
def test_the_schema_is_public_at_its_stable_address():
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert operations == OPERATIONS
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    assert APIClient().get("/api/v1/schema/", {"format": "json"}).json() == schema
    assert APIClient().get("/api/v1/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")  # YAML


@pytest.fixture
def leader_world(db, school, leader, staff):
    """A school leader's token, and a school with cases in several steps, notifications and pupils."""
    incidents = [
        IncidentFactory(school=school, reporter=staff, files=[png_upload()], links=["https://example.org/post"]),
        IncidentFactory(school=school, gathering=True),
        IncidentFactory(school=school, closed=True),
        IncidentFactory(school=school, privacy_flag=True),
        IncidentFactory(),  # another board's
    ]
    notification = Notification.objects.create(recipient=leader, kind="test", subject="Onderwerp", body="Tekst",
                                               url="/meldingen/")
    pupil = pupil_with_guardian(school, class_name="2A")
    grant(pupil, purposes_of(school.board)["social_media"], actor=leader)
    return SimpleNamespace(
        token=Token.objects.create(user=leader).key,
        ids={"incidents": [i.pk for i in incidents], "notifications": [notification.pk, *[i.pk for i in incidents]]},
        body={"school": school.pk, "purpose": "social_media", "pupils": [pupil.pk], "class_name": "2A"},
    )


@pytest.fixture
def api_schema(db, settings):
    """The schema as the app serves it, and the app itself as the WSGI application schemathesis calls.

    Django's request signals would close the database connection after each request, and with it the test's
    transaction; the test client disconnects them for the same reason."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None}}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _aimed(operation, world):
    """Besides schemathesis's own cases, cases aimed at what exists: ids of real cases and notifications, and
    bodies naming the leader's school, a real purpose and a real pupil, so that the successful paths are run too."""
    ids = world.ids["notifications" if "notifications" in operation.path else "incidents"]
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    if "{id}" in operation.path:
        positive = st.sampled_from(ids).flatmap(lambda pk: operation.as_strategy(path_parameters={"id": pk}))

    def aim(case):
        if isinstance(case.body, dict):
            case.body.update({key: value for key, value in world.body.items() if key in case.body})
        return case

    return positive.map(aim)


def test_no_request_gets_a_server_error(api_schema, leader_world):
    """Valid and invalid requests for every operation, as the school leader. Each operation gets its own bounded,
    derandomized Hypothesis run, so the test makes the same requests every time."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {(operation.method.upper(), operation.path) for operation in operations} == OPERATIONS
    failures = []
    for operation in operations:
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE),
                          _aimed(operation, leader_world))

        @given(case=cases)
        @hypothesis_settings(max_examples=30, derandomize=True, deadline=None, database=None,
                             suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def no_server_error(case):
            response = case.call(headers={"Authorization": f"Token {leader_world.token}"})
            case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

        try:
            no_server_error()
        except Exception as error:  # noqa: BLE001 - every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
