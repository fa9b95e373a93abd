import logging

from celery import shared_task
from django.db import DatabaseError

from . import deadlines

logger = logging.getLogger(__name__)


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


@shared_task(bind=True, acks_late=True, time_limit=300, soft_time_limit=280, max_retries=5)
def process_evidence(self, evidence_ids):
    """Re-encode the images of one report (or one the sweeper found). Returns how many this call processed.

    A database error (a lock, a lost connection) rolls an image's run back whole, its original untouched: those
    images are run again with backoff. An image that fails otherwise stays unprocessed, for the sweeper."""
    from .services import evidence_process

    done, failed = 0, []
    for evidence_id in evidence_ids:
        try:
            done += evidence_process(evidence_id=evidence_id)
        except DatabaseError:
            failed.append(evidence_id)
        except Exception:  # noqa: BLE001 - the other images still go; the sweeper tries this one again
            logger.warning("Evidence %s could not be processed.", evidence_id, exc_info=True)
    if failed and self.request.retries < self.max_retries:
        raise self.retry(args=[failed], countdown=min(2 ** self.request.retries, 60))
    return done


@shared_task(acks_late=True)
def sweep_unprocessed_evidence():
    from .services import evidence_requeue_unprocessed

    return evidence_requeue_unprocessed()
