"""Celery tasks: thin wrappers that take ids and call the services; each is safe to run twice."""

from celery import shared_task

from . import notifications
from .notifications import MAX_ATTEMPTS


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def deliver_notifications(self, notification_ids):
    """Deliver the rows of one transaction (or one the sweeper found). Returns how many this call sent.

    Mail server trouble: the rows that failed, and only those, are tried again with backoff, then given up."""
    final = self.request.retries >= self.max_retries
    sent, failed = 0, []
    for notification_id in notification_ids:
        try:
            sent += notifications.notification_deliver(notification_id=notification_id)
        except Exception as error:  # noqa: BLE001 - recorded on the row; retried below
            notifications.notification_record_failure(notification_id=notification_id, error=error, final=final)
            failed.append(notification_id)
    if failed and not final:
        raise self.retry(args=[failed], countdown=min(2 ** self.request.retries * 10, 600))
    return sent


@shared_task(acks_late=True)
def sweep_pending_notifications():
    return notifications.notifications_sweep()




@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def run_export_job(job_id):
    from .exports import export_job_run

    return export_job_run(job_id=job_id)


@shared_task(acks_late=True)
def purge_export_jobs():
    from .exports import export_jobs_purge

    return export_jobs_purge()


@shared_task(acks_late=True)
def sweep_pending_exports():
    from .exports import export_jobs_requeue

    return export_jobs_requeue()


@shared_task(acks_late=True)
def remind_protocol_reviews():
    from .protocols import protocol_review_reminders

    return protocol_review_reminders()


@shared_task(acks_late=True)
def sweep_private_files():
    from .files import private_files_sweep

    return len(private_files_sweep())
