"""The notification outbox: rows written with the change that causes them, delivered by Celery.

A row is created inside the caller's transaction; delivery is queued only when that transaction
commits. If the broker is down at that moment the row simply stays pending and the sweeper queues it
again later. Delivery locks the row and checks its state first, so a task that runs twice sends once.
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.mail import EmailMessage, get_connection
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from .oncommit import delay_now, delay_on_commit
from .models import Notification, NotificationState

MAX_ATTEMPTS = 5

# One mail-server connection per worker process, kept open between deliveries; dropped on any error.
_mail_connection = None


def _open_mail_connection():
    global _mail_connection
    if _mail_connection is not None and _mail_connection[0] != settings.EMAIL_BACKEND:
        _drop_mail_connection()
    if _mail_connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _mail_connection = (settings.EMAIL_BACKEND, connection)
    return _mail_connection[1]


def _drop_mail_connection():
    global _mail_connection
    if _mail_connection is not None:
        try:
            _mail_connection[1].close()
        except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
            pass
    _mail_connection = None


def absolute_url(path):
    return settings.MELDPUNT_BASE_URL.rstrip("/") + path if path else ""


def notification_create(*, recipient, kind, subject, body, incident=None, url="", dedupe_key=None):
    """Add one notification to the outbox; returns None when a row with the same dedupe key exists."""
    notification = Notification(
        recipient=recipient, kind=kind, incident=incident, subject=subject[:200], body=body, url=url,
        dedupe_key=dedupe_key,
    )
    if dedupe_key:
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            return None
    else:
        notification.save()
    _deliver_on_commit([notification.pk])
    return notification


def _insert_returns_ids(connection):
    """INSERT ... RETURNING: PostgreSQL, and SQLite from 3.35 (not a demo on an older system)."""
    return connection.features.can_return_columns_from_insert


def notifications_create(*, recipients, kind, subject, body, incident=None, url=""):
    """The same notification for every user of ``recipients`` (a queryset of users), written by one
    INSERT ... SELECT: the recipients are not read into Python first. Returns the new rows' ids (none when
    the queryset can match nobody); each row is delivered on its own."""
    connection = connections[DEFAULT_DB_ALIAS]
    template = dict(kind=kind, incident=incident, subject=subject[:200], body=body, url=url)
    try:
        users, users_params = recipients.order_by().values(recipient=F("pk")).query.sql_with_params()
    except EmptyResultSet:  # e.g. .none(): Django writes no SQL for a query that matches nothing
        return []
    if not _insert_returns_ids(connection):  # one row at a time, each telling its id
        ids = [Notification.objects.create(recipient_id=pk, **template).pk for pk in recipients.values_list("pk", flat=True)]
    else:
        fields = [f for f in Notification._meta.concrete_fields if not f.primary_key and f.attname != "recipient_id"]
        row = Notification(**template)
        values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
        qn = connection.ops.quote_name
        columns = ", ".join(qn(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(values))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(Notification._meta.db_table)} ({columns}, {qn('recipient_id')}) "
                f"SELECT {placeholders}, users.{qn('recipient')} FROM ({users}) users "
                f"RETURNING {qn(Notification._meta.pk.column)}",
                [*values, *users_params],
            )
            ids = sorted(found for (found,) in cursor.fetchall())
    _deliver_on_commit(ids)
    return ids


def _deliver_on_commit(ids):
    from .tasks import deliver_notifications

    delay_on_commit(deliver_notifications, ids)


def notification_enqueue(*, notification_id):
    """Hand the row to the broker now, in a message of its own (the sweeper; new rows travel with their
    transaction's message). A broker failure is logged, never raised: the sweeper retries."""
    from .tasks import deliver_notifications

    return delay_now(deliver_notifications, [notification_id])


def notification_deliver(*, notification_id):
    """Send one notification by e-mail unless it was sent already. Returns True when this call sent it."""
    with transaction.atomic():
        # One row by its key: no ordering to build and send (``first()`` would order by the model's ordering).
        notification = next(iter(
            Notification.objects.select_for_update(of=("self",)).select_related("recipient").order_by()
            .filter(pk=notification_id)
        ), None)
        if notification is None or notification.state != NotificationState.PENDING:
            return False
        recipient = notification.recipient
        if recipient.is_active and recipient.email:
            text = render_to_string("notifications/email.txt", {
                "notification": notification, "recipient": recipient, "link": absolute_url(notification.url),
            })
            message = EmailMessage(
                subject=f"[Meldpunt] {notification.subject}", body=text, to=[recipient.email],
                headers={"Auto-Submitted": "auto-generated"},
            )
            try:
                _open_mail_connection().send_messages([message])
            except Exception:
                _drop_mail_connection()
                raise
        notification.state = NotificationState.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["state", "sent_at", "attempts"])
    return True


def notification_record_failure(*, notification_id, error, final):
    Notification.objects.filter(pk=notification_id, state=NotificationState.PENDING).update(
        attempts=F("attempts") + 1,
        last_error=str(error)[:2000],
        state=NotificationState.FAILED if final else NotificationState.PENDING,
    )


def notifications_sweep(*, older_than=None):
    """Queue again what is still pending after a while (broker was down, a worker died). Returns the count."""
    older_than = older_than if older_than is not None else timezone.timedelta(seconds=settings.MELDPUNT_SWEEP_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(state=NotificationState.PENDING, created_at__lte=cutoff)
        .order_by("created_at").values_list("pk", flat=True)[:5000]
    )
    queued = [pk for pk in ids if notification_enqueue(notification_id=pk)]
    Notification.objects.filter(pk__in=queued).update(queued_at=timezone.now())  # when the sweeper re-queued them
    return len(queued)


def notification_list_for(*, user, unread_only=False):
    """The user's own notifications (the inbox and the API show the same rows); nobody sees anyone else's."""
    notifications = Notification.objects.filter(recipient=user).select_related("incident")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def notification_unread_count(*, user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, user, notification_ids=None):
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
