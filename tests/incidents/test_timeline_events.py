"""A complete timeline: the report itself, every record, every change (outcomes, corrections, withdrawals) and the
FG's review are entries with actor, time and what changed; cases from before the event table keep their history."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from incidents import services
from incidents.models import CaseEvent, Takedown, TakedownOutcome
from incidents.selectors import incident_records, incident_timeline
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone.utc)


def _timeline(incident):
    return incident_timeline(records=incident_records(incident=incident))


def test_the_report_itself_is_the_first_entry_with_its_reporter(client, dutch, school, leader):
    incident = IncidentFactory(school=school, gathering=True)
    timeline = _timeline(incident)
    first = timeline[-1]
    assert (first.kind, first.at, first.actor) == ("report", incident.reported_at, incident.reporter)
    client.force_login(leader)
    content = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Melding gedaan" in content


def test_the_fg_review_is_on_the_timeline_step_by_step(client, dutch, school, leader, privacy_officer, time_machine):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, privacy_flag=True, discovered_at=NOW - datetime.timedelta(hours=3))
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    services.breach_assess(incident=incident, actor=privacy_officer, risk="high", risk_reasoning="Medische gegevens gedeeld.")
    time_machine.move_to(NOW + datetime.timedelta(hours=5), tick=False)
    services.breach_assess(incident=incident, actor=privacy_officer, risk="high", risk_reasoning="Medische gegevens gedeeld.",
                           ap_notified_at=NOW + datetime.timedelta(hours=4), ap_reference="AP-123")
    time_machine.move_to(NOW + datetime.timedelta(hours=9), tick=False)
    services.breach_assess(incident=incident, actor=privacy_officer, risk="high", risk_reasoning="Medische gegevens gedeeld.",
                           ap_notified_at=NOW + datetime.timedelta(hours=4), ap_reference="AP-123",
                           subjects_informed_at=NOW + datetime.timedelta(hours=8), subjects_informed_how="Brief aan de ouders.")

    events = [e for e in _timeline(incident) if e.kind == "events"]
    assert [(e.record.kind, e.at, e.actor) for e in reversed(events)] == [
        ("breach_assessed", NOW + datetime.timedelta(hours=1), privacy_officer),
        ("breach_ap_notified", NOW + datetime.timedelta(hours=5), privacy_officer),
        ("breach_subjects_informed", NOW + datetime.timedelta(hours=9), privacy_officer),
        ("breach_concluded", NOW + datetime.timedelta(hours=9), privacy_officer),
    ]
    assert events[2].record.changes["ap_reference"] == ["", "AP-123"]

    # A changed assessment is an event of its own, with the old value.
    time_machine.move_to(NOW + datetime.timedelta(hours=30), tick=False)
    services.breach_assess(incident=incident, actor=privacy_officer, risk="risk", risk_reasoning="Minder ernstig dan gedacht.",
                           ap_notified_at=NOW + datetime.timedelta(hours=4), ap_reference="AP-123",
                           subjects_informed_at=NOW + datetime.timedelta(hours=8), subjects_informed_how="Brief aan de ouders.")
    newest = _timeline(incident)[0]
    assert newest.record.kind == "breach_assessed"
    assert newest.record.changes["risk"] == ["high", "risk"]

    client.force_login(leader)
    content = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    for text in ("Datalek beoordeeld", "Datalek gemeld bij de AP", "Betrokkenen geïnformeerd", "AP-123"):
        assert text in content, text
    # The FG's texts stay in the review; the timeline says that they changed, not what they say.
    assert "Medische gegevens" not in content and "Brief aan de ouders" not in content
    assert newest.record.changes["risk_reasoning"] == [None, {"changed": True}]


def test_a_no_risk_review_is_concluded_at_once(school, privacy_officer):
    incident = IncidentFactory(school=school, category="data_breach")
    services.breach_assess(incident=incident, actor=privacy_officer, risk="none", risk_reasoning="Versleuteld bestand.")
    kinds = [e.record.kind for e in _timeline(incident) if e.kind == "events"]
    assert sorted(kinds) == ["breach_assessed", "breach_concluded"]


def test_every_kind_of_change_shows_actor_time_and_what_changed(school, leader, time_machine):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, containing=True)
    takedown = services.incident_add_record(incident=incident, actor=leader, record=Takedown(
        platform="tiktok", description="Filmpje", outcome=TakedownOutcome.PENDING))
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    services.takedown_resolve(takedown=takedown, actor=leader, outcome=TakedownOutcome.REMOVED_BY_AUTHOR)
    time_machine.move_to(NOW + datetime.timedelta(hours=2), tick=False)
    services.record_correct(record=takedown, actor=leader, reason="Het was Snapchat.", platform="snapchat")
    time_machine.move_to(NOW + datetime.timedelta(hours=3), tick=False)
    services.record_withdraw(record=takedown, actor=leader, reason="Hoort bij een andere zaak.")

    timeline = _timeline(incident)
    events = [e for e in timeline if e.kind == "events"]
    assert [(e.record.kind, e.at, e.actor) for e in events[:3]] == [
        ("record_withdrawn", NOW + datetime.timedelta(hours=3), leader),
        ("record_corrected", NOW + datetime.timedelta(hours=2), leader),
        ("takedown_outcome", NOW + datetime.timedelta(hours=1), leader),
    ]
    assert events[0].record.reason == "Hoort bij een andere zaak." and events[0].record.subject == takedown
    created = next(e for e in timeline if e.kind == "takedowns")
    assert (created.at, created.record.platform, created.record.outcome) == (NOW, "tiktok", "pending")
    assert created.withdrawal == events[0].record


def test_cases_from_before_the_event_table_keep_their_takedown_history(school, leader, time_machine):
    """The data migration turns the field history of a post's outcome into events."""
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, containing=True)
    takedown = services.incident_add_record(incident=incident, actor=leader, record=Takedown(
        platform="tiktok", description="Filmpje", outcome=TakedownOutcome.REQUESTED))
    time_machine.move_to(NOW + datetime.timedelta(hours=6), tick=False)
    takedown.outcome = TakedownOutcome.REMOVED_BY_PLATFORM  # as the outcome was saved before events existed
    takedown._history_user = leader
    takedown.save()
    CaseEvent.objects.all().delete()

    backfill = importlib.import_module("incidents.migrations.0011_case_events_from_history")
    backfill.forward(apps, None)

    timeline = _timeline(incident)
    created = next(e for e in timeline if e.kind == "takedowns")
    assert created.record.outcome == TakedownOutcome.REQUESTED
    change = next(e for e in timeline if e.kind == "events")
    assert (change.at, change.actor, change.record.changes["outcome"]) == (
        NOW + datetime.timedelta(hours=6), leader, ["requested", "removed_by_platform"])

    backfill.backward(apps, None)
    assert not CaseEvent.objects.exists()


def test_the_case_report_pdf_holds_the_same_timeline(school, leader):
    from incidents import exports

    incident = IncidentFactory(school=school, gathering=True)
    records = incident_records(incident=incident)
    assert any(e.kind == "report" for e in incident_timeline(records=records))
    assert exports.case_report_pdf(incident=incident, actor=leader).startswith(b"%PDF")


def test_the_reporter_sees_no_timeline_and_no_correction_links(client, school):
    incident = IncidentFactory(school=school, gathering=True)
    client.force_login(incident.reporter)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    assert response.context["timeline"] == [] and not response.context["can_correct"]
