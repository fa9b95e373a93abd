from celery import shared_task
from django.db import DatabaseError

from . import deadlines


@shared_task(acks_late=True)
def remind_breach_deadlines():
    return deadlines.breach_deadline_reminders()


@shared_task(acks_late=True)
def remind_takedowns():
    return deadlines.takedown_reminders()


@shared_task(acks_late=True)
def remind_stalled_cases():
    return deadlines.stalled_case_reminders()


@shared_task(acks_late=True)
def apply_retention():
    from .retention import retention_run

    return retention_run(apply=True).total


# A database error (a lock, a lost connection) rolls the run back whole, the original untouched: run it again.
@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, autoretry_for=(DatabaseError,), retry_backoff=True,
             retry_backoff_max=60, max_retries=5)
def process_evidence(evidence_id):
    from .services import evidence_process

    return evidence_process(evidence_id=evidence_id)


@shared_task(acks_late=True)
def sweep_unprocessed_evidence():
    from .services import evidence_requeue_unprocessed

    return evidence_requeue_unprocessed()
