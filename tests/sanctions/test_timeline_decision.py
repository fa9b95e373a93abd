"""A sanction on the case's timeline keeps what it was when proposed; the board's decision is its own entry."""

import datetime

import pytest
from django.urls import reverse

from incidents.selectors import incident_records, incident_timeline
from sanctions import services
from tests.factories import IncidentFactory

from .support import hear, impose

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("approve", [True, False])
def test_the_boards_decision_is_an_entry_of_its_own(client, school, leader, board_member, pupil, time_machine, approve):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, assessing=True)
    sanction = impose(pupil, leader, "removal", incident=incident)
    time_machine.move_to(NOW + datetime.timedelta(days=2), tick=False)
    hear(sanction, leader)
    services.sanction_decide(sanction=sanction, actor=board_member, approve=approve, reason="Gehoord: leerling en ouders.")

    timeline = incident_timeline(records=incident_records(incident=incident))
    created = next(e for e in timeline if e.kind == "sanctions")
    decided = next(e for e in timeline if e.kind == "sanction_decisions")
    assert (created.at, created.actor, str(created.record.status_when_recorded)) == (
        NOW, leader, "Voorgelegd aan het bestuur")
    assert (decided.at, decided.actor) == (NOW + datetime.timedelta(days=2), board_member)
    assert timeline.index(decided) < timeline.index(created)

    client.force_login(leader)
    content = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "(Voorgelegd aan het bestuur)" in content
    assert "Besluit van het bestuur" in content and "Gehoord: leerling en ouders." in content
    assert ("(goedgekeurd)" if approve else "(afgewezen)") in content


def test_a_sanction_the_school_imposes_has_no_board_decision_entry(school, leader, pupil):
    incident = IncidentFactory(school=school, assessing=True)
    impose(pupil, leader, "warning", incident=incident)
    timeline = incident_timeline(records=incident_records(incident=incident))
    assert not any(e.kind == "sanction_decisions" for e in timeline)
    assert str(next(e for e in timeline if e.kind == "sanctions").record.status_when_recorded) == "Opgelegd"
