"""Step changes through the API: the service's guards, with the page's Dutch messages, and the right status."""

import pytest
from django.utils import translation

from incidents import services, workflow
from incidents.models import Transition
from portal.models import AuditEvent, ProtocolProfile
from meldpunt.protocols import board_adopt_protocol, profiles_install

from ..factories import IncidentFactory
from .conftest import token_client


def step(user, incident, name, note=""):
    return token_client(user).post(f"/api/v1/incidents/{incident.pk}/transitions/", {"name": name, "note": note},
                                   format="json")


@pytest.mark.django_db
def test_a_blocked_step_change_is_a_400_with_what_is_still_needed(school, leader):
    incident = IncidentFactory(school=school, gathering=True)
    response = step(leader, incident, "start_assessing")
    assert response.status_code == 400
    with translation.override("nl"):
        missing = [str(message) for message in workflow.missing_work(incident)]
    assert missing and response.json() == {"non_field_errors": missing}
    assert missing[0].startswith("Leg de feiten vast")
    incident.refresh_from_db()
    assert incident.state == "gathering"

    options = token_client(leader).get(f"/api/v1/incidents/{incident.pk}/transitions/").json()["available"]
    assert options == [{"name": "start_assessing", "label": "Door naar strafbaarheid beoordelen", "needs_reason": False,
                        "blocked_by": missing}]


@pytest.mark.django_db
def test_dismissing_needs_a_reason(school, leader):
    incident = IncidentFactory(school=school)
    response = step(leader, incident, "dismiss")
    assert response.status_code == 400
    assert response.json() == {"note": ["Geef de reden voor deze stapwijziging op."]}
    response = step(leader, incident, "dismiss", note="Geen incident: een grap tussen vrienden.")
    assert response.status_code == 200
    assert response.json()["state"] == "dismissed"


@pytest.mark.django_db
def test_a_step_change_for_a_step_the_case_has_left_is_a_409(school, leader):
    incident = IncidentFactory(school=school, gathering=True)
    response = step(leader, incident, "start_gathering")  # a second click, or another tab
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Deze zaak staat nu in stap “2. Informatie verzamelen”")
    assert step(leader, incident, "vliegen").json() == {"name": ['"vliegen" is een ongeldige keuze.']}


@pytest.mark.django_db
def test_a_step_change_is_logged_and_shows_in_the_history(school, leader):
    incident = IncidentFactory(school=school)
    services.incident_triage(incident=incident, actor=leader, severity="high", category=incident.category, privacy_flag=False)
    response = step(leader, incident, "start_gathering", note="Ernstig: direct oppakken.")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "gathering" and body["state_label"] == "2. Informatie verzamelen"
    [change] = body["history"]
    assert (change["name"], change["source"], change["target"], change["note"]) == (
        "start_gathering", "reported", "gathering", "Ernstig: direct oppakken.",
    )
    assert change["actor"] == {"id": leader.pk, "name": str(leader)}
    assert Transition.objects.get(incident=incident).actor == leader
    assert AuditEvent.objects.filter(action="incident.transition", actor=leader, object_id=str(incident.pk)).exists()


@pytest.mark.django_db
def test_steps_are_named_as_the_boards_protocol_names_them(school, leader):
    profiles_install(ProtocolProfile)  # shipped by a data migration; a flushed test database may have lost them
    protocol = board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="kms-001"), version="2026")
    incident = IncidentFactory(school=school)
    case = token_client(leader).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert case["state_label"] == "1. Melding bij de directie"
    assert case["protocol_version"] == str(protocol)
    transitions = token_client(leader).get(f"/api/v1/incidents/{incident.pk}/transitions/").json()
    assert transitions["state_label"] == "1. Melding bij de directie"
