"""The clocks the protocols set: the 72-hour data-breach deadline, the takedown watch, stalled cases.

Each check may run as often as beat likes: a reminder is created once per threshold (dedupe key), and
only the latest threshold passed counts, so a beat that was down does not send a burst of old ones.
"""

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.timesince import timeuntil

from .models import WATCHED_TAKEDOWN_OUTCOMES, BreachAssessment, Incident, Takedown
from .notifications import BREACH_OVERDUE_DEDUPE, notify
from .workflow import OPEN_STATES


def _latest_threshold(since, hours, now):
    passed = [h for h in sorted(hours) if now >= since + timezone.timedelta(hours=h)]
    return passed[-1] if passed else None


def breach_deadline_reminders(*, now=None):
    """Until the FG concludes a review: a reminder at each threshold before the deadline, telling the hours as
    they are; once the 72 hours have passed, one "term passed" message instead (and no more reminders)."""
    now = now or timezone.now()
    sent = 0
    open_reviews = BreachAssessment.objects.ap_decision_open().select_related("incident__school__board")
    for assessment in open_reviews:
        incident = assessment.incident
        if assessment.is_overdue_at(now):
            with transaction.atomic():
                sent += len(notify("breach_overdue", incident=incident, dedupe=BREACH_OVERDUE_DEDUPE))
            continue
        threshold = _latest_threshold(assessment.discovered_at, settings.MELDPUNT_BREACH_REMINDER_HOURS, now)
        if threshold is None:
            continue
        elapsed = int((now - assessment.discovered_at) // timezone.timedelta(hours=1))
        with transaction.atomic():
            sent += len(notify("breach_deadline", incident=incident, dedupe=f"{threshold}h", hours=elapsed,
                               left=timeuntil(assessment.deadline, now)))
    return sent


def takedown_reminders(*, now=None):
    now = now or timezone.now()
    sent = 0
    watched = Takedown.objects.current().filter(
        outcome__in=WATCHED_TAKEDOWN_OUTCOMES, incident__state__in=OPEN_STATES,
    ).select_related("incident__school__board")
    for takedown in watched:
        hours = _latest_threshold(takedown.created_at, settings.MELDPUNT_TAKEDOWN_WATCH_HOURS, now)
        if hours is None:
            continue
        with transaction.atomic():
            sent += len(notify("takedown_watch", incident=takedown.incident, dedupe=f"takedown{takedown.pk}-{hours}h",
                               platform=takedown.get_platform_display()))
    return sent


def stalled_case_reminders(*, now=None):
    now = now or timezone.now()
    days = settings.MELDPUNT_STALLED_AFTER_DAYS
    sent = 0
    stalled = Incident.objects.filter(
        state__in=OPEN_STATES, state_changed_at__lt=now - timezone.timedelta(days=days),
    ).select_related("school__board")
    for incident in stalled:
        with transaction.atomic():
            sent += len(notify(
                "step_stalled", incident=incident, dedupe=f"{incident.state}-{incident.state_changed_at:%Y%m%d%H%M}",
                days=days, step=incident.get_state_display(),
                since=formats.date_format(timezone.localtime(incident.state_changed_at), "DATE_FORMAT"),
            ))
    return sent
