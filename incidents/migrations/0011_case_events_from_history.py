"""Case events for what happened before events were written: the outcome changes of harmful posts (from their
field history) and the FG's breach reviews (from the review itself).

Reversible: the events it wrote carry the backfill marker in their changes and are removed again."""

from django.db import migrations

MARKER = "_backfilled"


def _iso(value):
    return value.isoformat() if value else None


def forward(apps, schema_editor):
    CaseEvent = apps.get_model("incidents", "CaseEvent")
    HistoricalTakedown = apps.get_model("incidents", "HistoricalTakedown")
    BreachAssessment = apps.get_model("incidents", "BreachAssessment")
    events = []
    previous = {}
    for row in HistoricalTakedown.objects.order_by("id", "history_date", "history_id").iterator(chunk_size=2000):
        before = previous.get(row.id)
        now = (row.outcome, row.outcome_reason)
        if before is not None and before != now:
            events.append(CaseEvent(
                incident_id=row.incident_id, at=row.history_date, actor_id=row.history_user_id, kind="takedown_outcome",
                record_type="takedown", record_id=row.id,
                changes={"outcome": [before[0], now[0]], "outcome_reason": [before[1], now[1]], MARKER: True},
            ))
        previous[row.id] = now
    for review in BreachAssessment.objects.filter(decided_at__isnull=False).iterator(chunk_size=2000):
        common = {"incident_id": review.incident_id, "actor_id": review.decided_by_id, "record_type": "breachassessment",
                  "record_id": review.pk}
        events.append(CaseEvent(**common, at=review.decided_at, kind="breach_assessed",
                                changes={"risk": [None, review.risk], MARKER: True}))
        if review.ap_notified_at:
            events.append(CaseEvent(**common, at=review.decided_at, kind="breach_ap_notified", changes={
                "ap_notified_at": [None, _iso(review.ap_notified_at)], "ap_reference": ["", review.ap_reference], MARKER: True}))
        if review.subjects_informed_at:
            events.append(CaseEvent(**common, at=review.decided_at, kind="breach_subjects_informed", changes={
                "subjects_informed_at": [None, _iso(review.subjects_informed_at)], MARKER: True}))
        open_for_ap = review.risk in ("risk", "high") and review.ap_notified_at is None
        open_for_subjects = review.risk == "high" and review.subjects_informed_at is None
        if not open_for_ap and not open_for_subjects:
            events.append(CaseEvent(**common, at=review.decided_at, kind="breach_concluded",
                                    changes={"risk": [None, review.risk], MARKER: True}))
    CaseEvent.objects.bulk_create(events, batch_size=2000)


def backward(apps, schema_editor):
    apps.get_model("incidents", "CaseEvent").objects.filter(changes__has_key=MARKER).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_record_withdrawal_and_case_events")]

    operations = [migrations.RunPython(forward, backward)]
