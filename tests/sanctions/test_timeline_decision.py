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


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_a_page_of_the_timeline_is_that_slice_of_the_whole(school, leader, board_member, pupil, time_machine, size):
    """incident_timeline_page reads only what one page shows; each page is exactly that slice of the whole timeline
    (entries, order, each record as first recorded, withdrawals, the board's decision), also where entries of
    different kinds share a moment."""
    from incidents import services as case_services
    from incidents.models import CaseEvent, Evidence
    from incidents.selectors import incident_timeline_page, parse_timeline_cursor, timeline_cursor

    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, assessing=True)
    case_services.incident_triage(incident=incident, actor=leader, severity="high", category="threat", privacy_flag=False)
    case_services.incident_record_facts(incident=incident, actor=leader, facts_account="Dreigbericht in de groep.")
    case_services.evidence_add(incident=incident, actor=leader, links=["https://example.org/a", "https://example.org/b"])
    first, second = Evidence.objects.filter(incident=incident).order_by("pk")
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    case_services.record_withdraw(record=first, actor=leader, reason="Dubbel.")
    case_services.record_correct(record=second, actor=leader, description="Later beschreven", reason="Aangevuld.")
    sanction = impose(pupil, leader, "removal", incident=incident)
    time_machine.move_to(NOW + datetime.timedelta(days=1), tick=False)
    hear(sanction, leader)
    services.sanction_decide(sanction=sanction, actor=board_member, approve=True, reason="Gehoord.")
    # Entries of several kinds at one moment: the order between them is the rule's, on every page alike.
    CaseEvent.objects.filter(incident=incident).update(at=NOW + datetime.timedelta(hours=1))

    whole = incident_timeline(records=incident_records(incident=incident))
    assert {e.kind for e in whole} >= {"report", "changes", "evidence", "events", "sanctions", "sanction_decisions"}
    pages, after = [], None
    while True:
        page, total, before = incident_timeline_page(incident=incident, after=after, size=size)
        assert total == len(whole) and before == len(pages)
        if not page:
            break
        assert page == whole[len(pages):len(pages) + size]
        pages += page
        after = parse_timeline_cursor(timeline_cursor(page[-1]))
    assert pages == whole
    shown_first = next(e for e in whole if e.kind == "evidence" and e.pk == second.pk)
    assert shown_first.record.description != "Later beschreven" and shown_first.current.description == "Later beschreven"
    assert next(e for e in whole if e.kind == "evidence" and e.pk == first.pk).withdrawal is not None
