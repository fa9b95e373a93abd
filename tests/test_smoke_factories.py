import pytest

from incidents.workflow import State

from .factories import IncidentFactory


@pytest.mark.django_db
@pytest.mark.parametrize("trait", ["gathering", "assessing", "containing", "informing", "communicating", "evaluating", "closed", "dismissed"])
def test_factory_trait_reaches_its_state_through_the_services(trait):
    incident = IncidentFactory(**{trait: True})
    assert incident.state == State(trait)
    assert incident.transitions.count() >= 1
