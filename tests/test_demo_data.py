"""The demo data's cases went through their steps at the demo's dates: hours and days in a step, not none."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.models import Incident, Transition
from incidents.statistics import _step_durations


@pytest.mark.django_db
def test_demo_cases_spend_time_in_their_steps():
    call_command("load_demo", stdout=open("/dev/null", "w"))
    now = timezone.now()
    cases = list(Incident.objects.order_by("reported_at"))
    assert len(cases) > 20
    for case in cases:
        moments = [case.reported_at, *Transition.objects.filter(incident=case).order_by("at", "pk").values_list("at", flat=True)]
        assert all(later - earlier >= datetime.timedelta(hours=1) for earlier, later in zip(moments, moments[1:])), case.reference
        assert moments[-1] < now
        assert case.state_changed_at == moments[-1]
        records = [r.created_at for r in case.involvements.all()]
        assert all(case.reported_at < at < now - datetime.timedelta(minutes=20) for at in records), case.reference
    durations = _step_durations(Incident.objects.all())
    assert all(seconds >= 3600 for seconds in durations["reported"] + durations["gathering"])
    moved = Incident.objects.exclude(state="reported")
    assert moved.exists() and all(now - c.state_changed_at > datetime.timedelta(minutes=20) for c in moved)
