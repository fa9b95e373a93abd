"""Step 3, not-criminal branch: "confront the perpetrator with the facts and impose sanctions where needed".
A sanction on the case is a record that sanctions were considered, as an Action or a Waiver would be."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from incidents import services as incident_services
from incidents.models import Action, ActionKind, InvolvementRole
from incidents.workflow import State, missing_work
from tests.factories import IncidentFactory, PersonFactory

from .support import impose, involve

pytestmark = pytest.mark.django_db

SANCTIONS = "Record whether sanctions are imposed, or why they are not applicable."


@pytest.fixture
def case(school, leader, pupil):
    """A case in step 3, judged not criminal, perpetrator linked, confronted and aftercare arranged."""
    incident = IncidentFactory(school=school, assessing=True)
    involve(incident, pupil, InvolvementRole.PERPETRATOR, leader)
    incident_services.incident_decide(incident=incident, actor=leader, decision="not_criminal",
                                      reasoning="Grensoverschrijdend, niet strafbaar.")
    for kind in (ActionKind.CONFRONTATION, ActionKind.AFTERCARE):
        incident_services.incident_add_record(incident=incident, actor=leader,
                                              record=Action(kind=kind, with_whom="Mentor", outcome="Gedaan."))
    incident.refresh_from_db()
    return incident


def test_without_a_sanction_the_step_cannot_be_left(case, leader):
    assert missing_work(case) == [gettext(SANCTIONS)]
    with pytest.raises(ValidationError):
        incident_services.incident_advance(incident=case, transition="start_containing", actor=leader)
    case.refresh_from_db()
    assert case.state == State.ASSESSING


def test_a_sanction_on_the_case_does_the_sanctions_work(case, leader, pupil):
    impose(pupil, leader, "warning", incident=case)
    assert missing_work(case) == []
    incident_services.incident_advance(incident=case, transition="start_containing", actor=leader)
    case.refresh_from_db()
    assert case.state == State.CONTAINING


def test_a_proposal_to_the_board_also_records_the_sanctions_work(case, leader, pupil):
    impose(pupil, leader, "removal", incident=case)
    assert missing_work(case) == []


def test_a_sanction_on_another_case_or_without_a_case_does_not_count(school, case, leader, pupil):
    other_case = IncidentFactory(school=school)
    involve(other_case, pupil, "perpetrator", leader)
    impose(pupil, leader, "warning", incident=other_case)
    impose(PersonFactory(school=school), leader, "talk")
    assert missing_work(case) == [gettext(SANCTIONS)]
