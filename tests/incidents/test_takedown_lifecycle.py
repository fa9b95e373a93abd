"""The takedown lifecycle: a harmful post's outcome is updated from the case page at any later step, each change
its own timeline event (the post's first entry keeps the outcome it was logged with), and the watch reminders
stop once the outcome is final."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import deadlines, services
from incidents.models import CaseEvent, Takedown, TakedownOutcome
from portal.models import Notification

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.timezone.utc)


def offered_outcomes(response):
    """(post, its outcome form or None while folded) for every post whose outcome the case page offers."""
    context = response.context
    slots = list(context["outcome_slots"]) + [s for item in context["checklist"] for s in item.slots if s.is_outcome]
    return [(slot.takedown, slot.form) for slot in slots]


@pytest.fixture
def requested(school, leader, time_machine):
    """A post saved as "removal requested" in step 4, the case moved on to step 5."""
    from incidents.walkthrough import do_step_work
    from tests.factories import IncidentFactory

    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, containing=True)
    takedown = services.incident_add_record(incident=incident, actor=leader, record=Takedown(
        platform="instagram", url="https://www.instagram.example/p/abc", description="Nepaccount met foto",
        outcome=TakedownOutcome.REQUESTED))
    do_step_work(incident, leader)  # the step's other work: another post, and asking not to forward
    services.incident_advance(incident=incident, transition="start_informing", actor=leader)
    incident.refresh_from_db()
    return incident, takedown


def _outcome(client, incident, takedown, outcome, reason=""):
    prefix = f"takedown-{takedown.pk}"
    return client.post(reverse("incidents:takedown_outcome", args=[incident.pk, takedown.pk]),
                       {f"{prefix}-outcome": outcome, f"{prefix}-outcome_reason": reason})


def test_a_requested_post_gets_its_outcome_form_on_the_case_page_at_a_later_step(client, requested, leader):
    incident, takedown = requested
    assert incident.state == "informing"
    client.force_login(leader)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert takedown in [t for t, _form in offered_outcomes(response)]
    assert reverse("incidents:takedown_outcome", args=[incident.pk, takedown.pk]) in response.content.decode()

    assert _outcome(client, incident, takedown, TakedownOutcome.REMOVED_BY_PLATFORM).status_code == 302
    takedown.refresh_from_db()
    assert takedown.outcome == TakedownOutcome.REMOVED_BY_PLATFORM and takedown.outcome_at == NOW


def test_a_final_outcome_can_still_be_changed_later(client, requested, leader, time_machine):
    incident, takedown = requested
    client.force_login(leader)
    _outcome(client, incident, takedown, TakedownOutcome.REMOVED_BY_AUTHOR)
    time_machine.move_to(NOW + datetime.timedelta(days=2), tick=False)
    client.force_login(leader)  # a new day, a new session
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert takedown in [t for t, _form in offered_outcomes(response)]  # offered again, as "change"
    assert _outcome(client, incident, takedown, TakedownOutcome.NOT_POSSIBLE, "Het bericht staat weer online.").status_code == 302
    takedown.refresh_from_db()
    assert takedown.outcome == TakedownOutcome.NOT_POSSIBLE


def test_each_outcome_change_is_its_own_timeline_event_and_the_first_entry_keeps_the_original(
        client, dutch, requested, leader, time_machine):
    incident, takedown = requested
    client.force_login(leader)
    time_machine.move_to(NOW + datetime.timedelta(hours=5), tick=False)
    client.force_login(leader)
    _outcome(client, incident, takedown, TakedownOutcome.REMOVED_BY_PLATFORM)
    time_machine.move_to(NOW + datetime.timedelta(days=3), tick=False)
    client.force_login(leader)
    _outcome(client, incident, takedown, TakedownOutcome.NOT_POSSIBLE, "Opnieuw geplaatst door een ander account.")

    client.force_login(leader)
    timeline = client.get(reverse("incidents:detail", args=[incident.pk])).context["timeline"]
    created = next(e for e in timeline if e.kind == "takedowns" and e.current == takedown)
    assert created.record.outcome == TakedownOutcome.REQUESTED  # not the current outcome
    assert created.at == NOW
    changes = [e for e in timeline if e.kind == "events" and e.record.kind == "takedown_outcome"]
    assert [(e.at, e.actor) for e in changes] == [(NOW + datetime.timedelta(days=3), leader),
                                                  (NOW + datetime.timedelta(hours=5), leader)]
    assert changes[1].record.changes == {"outcome": ["requested", "removed_by_platform"]}
    assert changes[0].record.changes == {
        "outcome": ["removed_by_platform", "not_possible"],
        "outcome_reason": ["", "Opnieuw geplaatst door een ander account."],
    }
    assert ("Resultaat", "Verwijderd door het platform", "Verwijderen niet mogelijk") in changes[0].record.lines


def test_not_possible_without_a_reason_is_refused_at_the_field_and_keeps_the_choice(client, dutch, requested, leader):
    incident, takedown = requested
    client.force_login(leader)
    response = _outcome(client, incident, takedown, TakedownOutcome.NOT_POSSIBLE, "")
    assert response.status_code == 400
    form = next(f for t, f in offered_outcomes(response) if t == takedown)
    assert form.errors["outcome_reason"]
    assert form["outcome"].value() == TakedownOutcome.NOT_POSSIBLE
    takedown.refresh_from_db()
    assert takedown.outcome == TakedownOutcome.REQUESTED
    assert not CaseEvent.objects.filter(kind="takedown_outcome").exists()


def test_the_same_outcome_again_is_no_new_event(client, requested, leader):
    incident, takedown = requested
    client.force_login(leader)
    assert _outcome(client, incident, takedown, TakedownOutcome.REQUESTED).status_code == 400
    assert not CaseEvent.objects.filter(kind="takedown_outcome").exists()


def test_watch_reminders_stop_once_the_outcome_is_final(client, requested, leader, time_machine):
    incident, takedown = requested
    time_machine.move_to(NOW + datetime.timedelta(hours=4), tick=False)
    assert deadlines.takedown_reminders() == 1  # the 3-hour reminder of the requested post
    client.force_login(leader)
    assert _outcome(client, incident, takedown, TakedownOutcome.REMOVED_BY_AUTHOR).status_code == 302
    time_machine.move_to(NOW + datetime.timedelta(hours=30), tick=False)
    assert deadlines.takedown_reminders() == 0
    assert Notification.objects.filter(kind="takedown_watch").count() == 1


def test_a_withdrawn_post_is_no_longer_watched_nor_offered(client, requested, leader, time_machine):
    incident, takedown = requested
    services.record_withdraw(record=takedown, actor=leader, reason="Dubbel vastgelegd.")
    time_machine.move_to(NOW + datetime.timedelta(hours=4), tick=False)
    assert deadlines.takedown_reminders() == 0
    client.force_login(leader)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert takedown not in [t for t, _form in offered_outcomes(response)]
    assert _outcome(client, incident, takedown, TakedownOutcome.REMOVED_BY_AUTHOR).status_code == 400


def test_a_pending_post_still_blocks_step_4_and_its_outcome_unblocks_it(school, leader):
    from incidents import workflow
    from incidents.models import Action, ActionKind
    from tests.factories import IncidentFactory

    incident = IncidentFactory(school=school, containing=True)
    services.incident_add_record(incident=incident, actor=leader, record=Action(
        kind=ActionKind.FORWARD_REQUEST, outcome="Gevraagd niet door te sturen."))
    takedown = services.incident_add_record(incident=incident, actor=leader, record=Takedown(
        platform="tiktok", description="Filmpje", outcome=TakedownOutcome.PENDING))
    assert not workflow.step_done(incident)
    takedown = services.takedown_resolve(takedown=takedown, actor=leader, outcome=TakedownOutcome.REQUESTED)
    assert workflow.step_done(incident)
    assert takedown.outcome_at is not None and timezone.is_aware(takedown.outcome_at)
