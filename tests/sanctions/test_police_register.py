"""The register of police reports across cases, and the rule of boards 000/003/004 that any possible offence
leads to a police report or police contact."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Action, ActionKind, PoliceReport
from portal.models import Membership, Role
from tests.factories import IncidentFactory

from .support import section

pytestmark = pytest.mark.django_db

REGISTER = reverse("sanctions:police_register")


def file_report(incident, actor, reference, filed_by="school"):
    return incident_services.incident_add_record(
        incident=incident, actor=actor,
        record=PoliceReport(filed_by=filed_by, filed_at=timezone.now(), police_reference=reference,
                            police_contact="Wijkagent"),
    )


@pytest.fixture
def reports(school, sister_school, other_school, leader, sister_leader, other_leader):
    file_report(IncidentFactory(school=school), leader, "PL-EIGEN-1")
    file_report(IncidentFactory(school=school), leader, "PL-EIGEN-2", filed_by="guardians")
    file_report(IncidentFactory(school=sister_school), sister_leader, "PL-ZUSTER")
    file_report(IncidentFactory(school=other_school), other_leader, "PL-ANDER")


def references(response):
    assert response.status_code == 200
    content = response.content.decode()
    return {ref for ref in ("PL-EIGEN-1", "PL-EIGEN-2", "PL-ZUSTER", "PL-ANDER") if ref in content}


def test_school_leader_sees_the_reports_of_their_school_only(client, leader, reports):
    client.force_login(leader)
    assert references(client.get(REGISTER)) == {"PL-EIGEN-1", "PL-EIGEN-2"}
    assert references(client.get(REGISTER, {"filed_by": "guardians"})) == {"PL-EIGEN-2"}


def test_the_board_sees_the_reports_of_its_board(client, board_member, other_board_member, reports):
    client.force_login(board_member)
    assert references(client.get(REGISTER)) == {"PL-EIGEN-1", "PL-EIGEN-2", "PL-ZUSTER"}
    client.force_login(other_board_member)
    assert references(client.get(REGISTER)) == {"PL-ANDER"}


def test_staff_have_no_register(client, staff, reports):
    client.force_login(staff)
    assert client.get(REGISTER).status_code == 403


def missing_police(client):
    response = client.get(REGISTER)
    assert response.status_code == 200
    return section(response.content.decode(), "missing-police-title", attribute="aria-labelledby") or ""


def decided_case(school, decision, **kwargs):
    case = IncidentFactory(school=school, assessing=True)  # walked there by (if need be, a new) school leader
    leader = Membership.objects.filter(school=school, role=Role.SCHOOL_LEADER).order_by("pk").first().user
    incident_services.incident_decide(incident=case, actor=leader, decision=decision, reasoning="Beoordeeld.", **kwargs)
    case.refresh_from_db()
    return case


def test_possible_offence_without_police_contact_is_listed_until_the_police_is_consulted(client, school, leader):
    school.board.police_on_any_suspicion = True
    school.board.save()
    possible = decided_case(school, "possibly_criminal")
    not_criminal = decided_case(school, "not_criminal")

    client.force_login(leader)
    listed = missing_police(client)
    assert possible.reference in listed
    assert not_criminal.reference not in listed

    incident_services.incident_add_record(
        incident=possible, actor=leader,
        record=Action(kind=ActionKind.POLICE_CONSULTATION, with_whom="Wijkagent", outcome="Voorgelegd aan de politie."),
    )
    assert possible.reference not in missing_police(client)


def test_a_police_report_also_takes_the_case_off_the_list(client, school, leader):
    school.board.police_on_any_suspicion = True
    school.board.save()
    criminal = decided_case(school, "criminal", victim_type="pupil")
    client.force_login(leader)
    assert criminal.reference in missing_police(client)
    file_report(criminal, leader, "PL-123", filed_by="guardians")
    assert criminal.reference not in missing_police(client)


def test_other_work_does_not_take_the_case_off_the_list(client, school, leader):
    school.board.police_on_any_suspicion = True
    school.board.save()
    possible = decided_case(school, "possibly_criminal")
    incident_services.incident_add_record(
        incident=possible, actor=leader,
        record=Action(kind=ActionKind.STAY_INFORMED, outcome="Wekelijks contact met de ouders."),
    )
    client.force_login(leader)
    assert possible.reference in missing_police(client)


def test_boards_without_the_rule_have_no_missing_police_list(client, school, leader):
    assert school.board.police_on_any_suspicion is False
    possible = decided_case(school, "possibly_criminal")
    client.force_login(leader)
    assert possible.reference not in missing_police(client)


def test_the_missing_police_list_is_scoped(client, school, sister_school, other_school, leader, board_member):
    for place in (school, other_school):
        place.board.police_on_any_suspicion = True
        place.board.save()
    own = decided_case(school, "possibly_criminal")
    sister = decided_case(sister_school, "possibly_criminal")
    foreign = decided_case(other_school, "possibly_criminal")

    client.force_login(leader)
    listed = missing_police(client)
    assert own.reference in listed
    assert sister.reference not in listed and foreign.reference not in listed

    client.force_login(board_member)
    listed = missing_police(client)
    assert own.reference in listed and sister.reference in listed
    assert foreign.reference not in listed
