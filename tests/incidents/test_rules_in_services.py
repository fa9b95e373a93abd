"""Protocol rules that forms, the API and the admin used to hold themselves now live in the services: called
directly, the service refuses just the same, whoever calls it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Assignment, AssignmentKind, Incident
from portal.models import ProtocolProfile, Role
from meldpunt.protocols import board_adopt_protocol
from tests.api.conftest import token_client
from tests.factories import IncidentFactory, member

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_the_service_refuses_a_discovery_before_the_incident(school, staff):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.incident_report(school=school, reporter=staff, platform="whatsapp", category="bullying",
                                 description="Gemene berichten.", occurred_at=now - HOUR, discovered_at=now - 2 * HOUR)
    assert list(error.value.message_dict) == ["discovered_at"]
    assert not Incident.objects.exists()


def test_the_report_page_and_the_api_show_the_services_refusal_at_the_field(client, school, staff, dutch):
    client.force_login(staff)
    moment = timezone.localtime()
    page = client.post(reverse("incidents:report"), {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Gemene berichten.",
        "occurred_at": (moment - HOUR).strftime("%Y-%m-%dT%H:%M"),
        "discovered_at": (moment - 2 * HOUR).strftime("%Y-%m-%dT%H:%M"),
    })
    assert page.status_code == 400
    assert "Het kan niet eerder ontdekt zijn dan het gebeurd is." in " ".join(page.context["form"].errors["discovered_at"])
    api = token_client(staff).post("/api/v1/incidents/", {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Gemene berichten.",
        "occurred_at": (moment - HOUR).isoformat(), "discovered_at": (moment - 2 * HOUR).isoformat(),
    }, format="json")
    assert api.status_code == 400
    assert "discovered_at" in api.json()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("who", ["board_member", "privacy_officer", "other_board_counsellor", "sister_school_staff"])
def test_the_service_asks_only_people_of_the_case(school, sister_school, other_school, leader, who):
    incident = IncidentFactory(school=school, gathering=True)
    outsider = {
        "board_member": lambda: member(Role.BOARD, board=school.board),
        "privacy_officer": lambda: member(Role.PRIVACY_OFFICER, board=school.board),
        "other_board_counsellor": lambda: member(Role.COUNSELLOR, board=other_school.board),
        "sister_school_staff": lambda: member(Role.STAFF, school=sister_school),
    }[who]()
    with pytest.raises(ValidationError) as error:
        services.incident_add_record(incident=incident, actor=leader,
                                     record=Assignment(user=outsider, kind=AssignmentKind.COLLEAGUE))
    assert list(error.value.message_dict) == ["user"]
    assert not Assignment.objects.exists()


def test_the_service_asks_the_schools_staff_and_the_boards_counsellor(school, leader):
    incident = IncidentFactory(school=school, gathering=True)
    for person in (member(Role.STAFF, school=school), member(Role.COUNSELLOR, board=school.board)):
        services.incident_add_record(incident=incident, actor=leader, record=Assignment(user=person, kind=AssignmentKind.AFTERCARE))
    assert Assignment.objects.filter(incident=incident).count() == 2


def test_only_the_boards_administrator_adopts_a_protocol(school, board_member):
    profile = ProtocolProfile.objects.get(code="vario-000")
    with pytest.raises(PermissionDenied):
        board_adopt_protocol(board=school.board, profile=profile, version="2.0", actor=board_member)
    school.board.refresh_from_db()
    assert school.board.protocol_id is None or school.board.protocol.profile != profile
    admin = member(Role.ADMIN, board=school.board)
    assert board_adopt_protocol(board=school.board, profile=profile, version="2.0", actor=admin).profile == profile
