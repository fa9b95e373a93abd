"""Work for the worker that waits for a commit: one message per task and transaction (and per IDS_PER_MESSAGE
rows), carrying a list of ids.

A report writes its case, its evidence and several notifications in one transaction. ``delay_on_commit``
adds the new rows' ids to the task's list and registers a ``transaction.on_commit`` hook; after the commit
the first of those hooks sends the whole list (``task.apply_async``) and the hooks after it find it empty.
So a transaction sends one message per task (``deliver_notifications``, ``process_evidence``) and per
``IDS_PER_MESSAGE`` rows: a transaction that writes many rows (a notice to a whole board) is shared out over
the worker's processes instead of being worked through by one of them, row after row. Outside a transaction
``on_commit`` runs the hook at once.

Every task checks its rows first. Django drops the hooks of a transaction that is rolled back: its ids (or
a rolled-back savepoint's) then travel with the next message of the same task from this thread, name no
row and are skipped. A message that never reached the broker is made good by the sweepers, which look for
rows still pending.
"""

import logging

from asgiref.local import Local
from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)

# At most this many ids in one message. Delivering a notification waits mostly on round trips (the row's lock and
# commit in PostgreSQL, the mail server's replies), so a long list is done sooner by several worker processes at
# once; a message costs about a millisecond to publish and take.
IDS_PER_MESSAGE = 25

# (database, task name) -> (task, ids) waiting for the commit; per thread (and per async context), like Django's
# connections.
_waiting = Local()


def delay_on_commit(task, ids, *, using=DEFAULT_DB_ALIAS):
    """Send ``task`` the ``ids`` (with those of every other call in this transaction) once it commits."""
    ids = list(ids)
    if not ids:
        return
    waiting = getattr(_waiting, "tasks", None)
    if waiting is None:
        waiting = _waiting.tasks = {}
    key = (using, task.name)
    waiting.setdefault(key, (task, []))[1].extend(ids)
    transaction.on_commit(lambda: _send_waiting(key), using=using)


def _send_waiting(key):
    entry = getattr(_waiting, "tasks", {}).pop(key, None)
    if entry is not None:
        task, ids = entry
        ids = sorted(set(ids))
        for start in range(0, len(ids), IDS_PER_MESSAGE):
            delay_now(task, ids[start:start + IDS_PER_MESSAGE])


def delay_now(task, ids):
    """One message for ``ids`` now. A broker failure is logged, never raised: the sweepers retry."""
    args = [list(ids)]
    try:
        # argsrepr given: Celery's own (saferepr, written for arbitrary objects) costs more than the publish.
        task.apply_async(args=args, argsrepr=repr(args)[:1024], kwargsrepr="{}", retry=False)
    except Exception:  # noqa: BLE001 - any broker error leaves the rows to the sweepers
        logger.warning("%s for %d rows could not be queued; the sweepers will pick them up.", task.name, len(ids),
                       exc_info=True)
        return False
    return True


def discard_waiting():
    """Forget the ids whose transaction was rolled back (Django's test cases roll every test back)."""
    _waiting.tasks = {}
