"""The clocks: 72-hour breach reminders, the takedown watch and stalled cases (time-machine, no sleeping)."""

import datetime

import pytest
from django.utils import timezone

from incidents import deadlines, services
from incidents.models import Takedown
from incidents.walkthrough import walk_to
from portal.models import Notification, Role

from ..factories import IncidentFactory, member

DISCOVERED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


def reminders(kind):
    return list(Notification.objects.filter(kind=kind).order_by("pk").values_list("recipient__email", "subject"))


@pytest.fixture
def fg(school):
    return member(Role.PRIVACY_OFFICER, board=school.board, email="fg@bestuur.nl")


@pytest.fixture
def breach(school, leader, fg, time_machine):
    time_machine.move_to(DISCOVERED, tick=False)
    return IncidentFactory(school=school, privacy_flag=True, discovered_at=DISCOVERED)


@pytest.mark.django_db
@pytest.mark.parametrize("hours,expected", [(23.9, None), (24, "24"), (47, "47"), (48, "48"), (66, "66"), (71.9, "71"),
                                            (80, None)])
def test_breach_reminders_at_24_48_and_66_hours_tell_the_hours_as_they_are(breach, time_machine, hours, expected):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=hours), tick=False)
    deadlines.breach_deadline_reminders()
    sent = reminders("breach_deadline")
    if expected is None:
        assert sent == []
    else:
        assert {email for email, _ in sent} == {"fg@bestuur.nl", breach.school.memberships.get(role="school_leader").user.email}
        assert all(f": {expected} " in subject for _, subject in sent)


@pytest.mark.django_db
def test_each_breach_reminder_is_sent_once_however_often_beat_runs(breach, time_machine):
    for hours in (24, 25, 30, 48, 49, 66, 70):
        time_machine.move_to(DISCOVERED + datetime.timedelta(hours=hours), tick=False)
        deadlines.breach_deadline_reminders()
        deadlines.breach_deadline_reminders()
    per_recipient = Notification.objects.filter(kind="breach_deadline", recipient__email="fg@bestuur.nl").count()
    assert per_recipient == 3


@pytest.mark.django_db
def test_breach_reminders_stop_once_the_ap_decision_is_made(breach, fg, time_machine):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=30), tick=False)
    services.breach_assess(incident=breach, actor=fg, risk="none", risk_reasoning="Alleen versleutelde gegevens.")
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=50), tick=False)
    deadlines.breach_deadline_reminders()
    assert reminders("breach_deadline") == []


@pytest.mark.django_db
def test_breach_with_risk_keeps_reminding_until_reported_to_the_ap(breach, fg, time_machine):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=30), tick=False)
    services.breach_assess(incident=breach, actor=fg, risk="risk", risk_reasoning="Adressen van leerlingen gelekt.")
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=50), tick=False)
    deadlines.breach_deadline_reminders()
    assert len(reminders("breach_deadline")) == 2
    services.breach_assess(incident=breach, actor=fg, risk="risk", risk_reasoning="Adressen van leerlingen gelekt.",
                           ap_notified_at=timezone.now(), ap_reference="AP-123")
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=67), tick=False)
    deadlines.breach_deadline_reminders()
    assert len(reminders("breach_deadline")) == 2


@pytest.mark.django_db
def test_takedown_watch_reminds_a_few_hours_later_and_the_next_day_until_removed(school, leader, time_machine):
    time_machine.move_to(DISCOVERED, tick=False)
    incident = IncidentFactory(school=school, assessing=True)
    walk_to(incident, "containing", leader)
    post = services.incident_add_record(incident=incident, actor=leader, record=Takedown(platform="tiktok", description="Filmpje"))
    Notification.objects.all().delete()

    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=2), tick=False)
    deadlines.takedown_reminders()
    assert reminders("takedown_watch") == []
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=3, minutes=1), tick=False)
    deadlines.takedown_reminders()
    deadlines.takedown_reminders()
    assert len(reminders("takedown_watch")) == 1
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=24, minutes=1), tick=False)
    deadlines.takedown_reminders()
    assert len(reminders("takedown_watch")) == 2

    services.takedown_resolve(takedown=post, actor=leader, outcome="removed_by_platform")
    time_machine.move_to(DISCOVERED + datetime.timedelta(days=3), tick=False)
    Notification.objects.all().delete()
    deadlines.takedown_reminders()
    assert reminders("takedown_watch") == []


@pytest.mark.django_db
def test_a_case_stuck_in_one_step_reminds_the_school_leader_once(school, leader, settings, time_machine):
    settings.MELDPUNT_STALLED_AFTER_DAYS = 10
    time_machine.move_to(DISCOVERED, tick=False)
    incident = IncidentFactory(school=school, gathering=True)
    time_machine.move_to(DISCOVERED + datetime.timedelta(days=9), tick=False)
    deadlines.stalled_case_reminders()
    assert reminders("step_stalled") == []
    time_machine.move_to(DISCOVERED + datetime.timedelta(days=10, hours=1), tick=False)
    deadlines.stalled_case_reminders()
    deadlines.stalled_case_reminders()
    assert [email for email, _ in reminders("step_stalled")] == [leader.email]
    assert incident.reference in reminders("step_stalled")[0][1]
