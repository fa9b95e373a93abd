"""The timeline never rewrites history: the report reads as it was made, and every change of the case's own fields
(triage, the account of the facts, the decision) shows what changed, with the earlier value."""

import datetime

import pytest
from django.urls import reverse

from incidents import services
from incidents.selectors import incident_records, incident_timeline
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone.utc)


def _timeline(incident):
    return incident_timeline(records=incident_records(incident=incident))


def _page(client, user, incident):
    client.force_login(user)
    return client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()


def test_the_report_entry_shows_the_category_and_platform_as_reported(client, dutch, school, leader):
    incident = IncidentFactory(school=school, category="bullying", platform="whatsapp")
    services.incident_triage(incident=incident, actor=leader, severity="high", category="threats", privacy_flag=False)

    report = next(e for e in _timeline(incident) if e.kind == "report")
    assert (report.record.category, report.actor) == ("bullying", incident.reporter)
    content = _page(client, leader, incident)
    report_line = next(line for line in content.splitlines() if "Melding gedaan" in line)
    assert "Pesten" in report_line and "Bedreigen" not in report_line


def test_triage_shows_the_old_and_new_severity_and_category(client, dutch, school, leader, time_machine):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, category="bullying")
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    services.incident_triage(incident=incident, actor=leader, severity="low", category="bullying", privacy_flag=False)
    time_machine.move_to(NOW + datetime.timedelta(hours=2), tick=False)
    services.incident_triage(incident=incident, actor=leader, severity="high", category="threats", privacy_flag=False)

    changes = [e for e in _timeline(incident) if e.kind == "changes"]
    assert [(e.at, e.actor) for e in changes] == [(NOW + datetime.timedelta(hours=2), leader),
                                                  (NOW + datetime.timedelta(hours=1), leader)]
    assert changes[0].record.changes == {"severity": ["low", "high"], "category": ["bullying", "threats"]}
    assert changes[1].record.changes == {"severity": ["", "low"]}
    content = _page(client, leader, incident)
    assert "<del>Laag</del> → Hoog" in content and "<del>Pesten</del> → Bedreigen" in content


def test_a_second_account_of_the_facts_keeps_the_first_in_view(client, dutch, school, leader, time_machine):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, gathering=True)
    services.incident_record_facts(incident=incident, actor=leader, facts_account="Eerste verslag: drie berichten.")
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    services.incident_record_facts(incident=incident, actor=leader, facts_account="Tweede verslag: vijf berichten.")

    changes = [e for e in _timeline(incident) if e.kind == "changes"]
    assert changes[0].record.changes == {
        "facts_account": ["Eerste verslag: drie berichten.", "Tweede verslag: vijf berichten."]}
    assert changes[1].record.changes == {"facts_account": ["", "Eerste verslag: drie berichten."]}
    content = _page(client, leader, incident)
    assert "<del>Eerste verslag: drie berichten.</del> → Tweede verslag: vijf berichten." in content


def test_a_changed_decision_shows_the_earlier_one(client, dutch, school, leader, time_machine):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, assessing=True)
    services.incident_decide(incident=incident, actor=leader, decision="not_criminal", reasoning="Geen strafbaar feit.")
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    services.incident_decide(incident=incident, actor=leader, decision="criminal", victim_type="pupil",
                             reasoning="Toch bedreiging.")

    newest = next(e for e in _timeline(incident) if e.kind == "changes")
    assert newest.record.changes == {"decision": ["not_criminal", "criminal"], "victim_type": ["", "pupil"],
                                     "decision_reasoning": ["Geen strafbaar feit.", "Toch bedreiging."]}
    assert "<del>Geen strafbaar feit.</del> → Toch bedreiging." in _page(client, leader, incident)
