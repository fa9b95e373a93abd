"""Work for the worker that waits for a commit: one broker message per transaction.

A report writes its case, evidence and notifications in one transaction. Handing each of them to the
broker after the commit would cost the request a broker round trip apiece; ``queue_after_commit`` gathers
them and sends one message when the transaction commits. The worker fans that message out to the tasks
themselves (``run_jobs``), so every job keeps its own retries.

Every job names a row that its task checks first (a pending notification, an unprocessed image): a job of
a savepoint that was rolled back finds no row and does nothing, and a job whose message never reached the
broker is found again by the sweepers.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)

# The jobs a message may carry: name -> task.
JOB_TASKS = {
    "notification": "portal.tasks.deliver_notification",
    "evidence": "incidents.tasks.process_evidence",
}


class _Batch:
    """The jobs of one transaction; called once, by Django, when that transaction commits."""

    def __init__(self):
        self.jobs = []
        self.sent = False

    def __call__(self):
        self.sent = True
        send_jobs(self.jobs)


def queue_after_commit(kind, object_id, *, using=DEFAULT_DB_ALIAS):
    """Queue job ``kind`` (a key of JOB_TASKS) for row ``object_id`` when the current transaction commits;
    at once outside a transaction."""
    if kind not in JOB_TASKS:
        raise ValueError(f"Unknown job {kind!r}")
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        send_jobs([(kind, object_id)])
        return
    batch = getattr(connection, "_meldpunt_jobs", None)
    # A batch that was sent, or whose hook is gone, belongs to a transaction that ended. (Test helpers that
    # capture on-commit hooks run them without removing them: hence "sent".)
    if batch is None or batch.sent or not any(hook is batch for _sids, hook, _robust in connection.run_on_commit):
        batch = connection._meldpunt_jobs = _Batch()
        transaction.on_commit(batch, using=using)
    batch.jobs.append((kind, object_id))


def send_jobs(jobs):
    """One broker message for ``jobs``. A broker failure is logged, never raised: the sweepers retry."""
    from .tasks import run_jobs

    if not jobs:
        return False
    args = [[list(job) for job in jobs]]
    try:
        # argsrepr given: Celery's own (saferepr, written for arbitrary objects) costs more than the publish.
        run_jobs.apply_async(args=args, argsrepr=repr(args)[:1024], kwargsrepr="{}", retry=False)
    except Exception:  # noqa: BLE001 - any broker error leaves the rows to the sweepers
        logger.warning("%d jobs could not be queued; the sweepers will pick them up.", len(jobs), exc_info=True)
        return False
    return True


def run_jobs_now(jobs):
    """The worker's side: one message per job, to the job's own task."""
    from celery import current_app

    for kind, object_id in jobs:
        try:
            current_app.tasks[JOB_TASKS[kind]].apply_async(args=[object_id])
        except Exception:  # noqa: BLE001 - the other jobs still go; the sweepers find this one again
            logger.warning("Job %s %s could not be queued; the sweepers will pick it up.", kind, object_id, exc_info=True)
