"""Delivery through a real Celery worker on Redis: the outbox, the sweeper, idempotency and retries."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from incidents import services
from portal import notifications
from portal.models import Notification, NotificationState, Role
from portal.tasks import deliver_notifications

from ..conftest import wait_for
from ..factories import SchoolFactory, member

ROOT = Path(__file__).resolve().parents[2]


def _report(school, reporter, **extra):
    return services.incident_report(
        school=school, reporter=reporter, platform="instagram", category="bullying",
        description="Gemene berichten over Sanne de Vries in de klassenapp.", **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_a_report_reaches_the_school_leader_by_email_through_the_worker(celery_worker_on_redis):
    school = SchoolFactory(name="Het Baken")
    leader = member(Role.SCHOOL_LEADER, school=school, email="leider@school.nl")
    member(Role.SCHOOL_LEADER, school=SchoolFactory(board=school.board), email="andere-leider@school.nl")
    reporter = member(Role.STAFF, school=school)

    incident = _report(school, reporter)

    wait_for(lambda: len(mail.outbox) >= 1)
    wait_for(lambda: Notification.objects.filter(incident=incident, state=NotificationState.SENT).exists())
    assert [m.to for m in mail.outbox] == [["leider@school.nl"]]
    message = mail.outbox[0]
    assert incident.reference in message.subject
    assert "Sanne" not in message.subject and "de Vries" not in message.subject
    assert f"/zaken/{incident.pk}/" in message.body
    row = Notification.objects.get(incident=incident, recipient=leader)
    assert row.state == NotificationState.SENT and row.attempts == 1 and row.sent_at is not None


def _create_report_with_broker_down(school_id, reporter_id):
    """Commit a report in another process whose broker URL points at a port where nothing listens."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
        ),
    }
    script = (
        "import django; django.setup()\n"
        "from incidents import services\n"
        "from portal.models import School, User\n"
        f"i = services.incident_report(school=School.objects.get(pk={school_id}), reporter=User.objects.get(pk={reporter_id}),"
        " platform='tiktok', category='threats', description='Dreigende berichten.')\n"
        "print(i.pk)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_broker_down_at_commit_keeps_the_case_and_the_sweeper_delivers_exactly_once(celery_worker_on_redis):
    school = SchoolFactory()
    member(Role.SCHOOL_LEADER, school=school, email="leider@school.nl")
    reporter = member(Role.STAFF, school=school)

    incident_id = _create_report_with_broker_down(school.pk, reporter.pk)

    row = Notification.objects.get(incident_id=incident_id)
    assert row.state == NotificationState.PENDING and row.queued_at is None
    assert mail.outbox == []

    # The broker is back (this process talks to the live Redis); the sweeper queues the row, twice even.
    assert notifications.notifications_sweep(older_than=notifications.timezone.timedelta(0)) == 1
    notifications.notification_enqueue(notification_id=row.pk)
    wait_for(lambda: Notification.objects.get(pk=row.pk).state == NotificationState.SENT)
    deliver_notifications.delay([row.pk])
    wait_for(lambda: Notification.objects.get(pk=row.pk).queued_at is not None)
    import time

    time.sleep(1.0)  # give a duplicate delivery every chance to happen
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=row.pk).attempts == 1


@pytest.mark.django_db
def test_delivering_the_same_row_twice_sends_once(school):
    leader = member(Role.SCHOOL_LEADER, school=school)
    row = notifications.notification_create(recipient=leader, kind="test", subject="Onderwerp", body="Tekst")

    assert notifications.notification_deliver(notification_id=row.pk) is True
    assert notifications.notification_deliver(notification_id=row.pk) is False

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == NotificationState.SENT


@pytest.mark.django_db
def test_a_failing_mail_server_is_retried_then_marked_failed_and_the_case_stays(school, settings):
    # A real SMTP connection to a port where nothing listens: the mail server is "down".
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    leader = member(Role.SCHOOL_LEADER, school=school)
    incident = _report(school, member(Role.STAFF, school=school))
    row = Notification.objects.get(incident=incident, recipient=leader)

    # Run here instead of on a worker: apply() performs the retries inline, each one a new SMTP attempt.
    result = deliver_notifications.apply(args=[[row.pk]])

    assert result.result == 0
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED
    assert row.attempts == deliver_notifications.max_retries + 1
    assert "refused" in row.last_error.lower()
    assert mail.outbox == []
    incident.refresh_from_db()
    assert incident.state == "reported"


@pytest.mark.django_db
def test_sweeper_only_takes_rows_pending_for_a_while(school, time_machine):
    leader = member(Role.SCHOOL_LEADER, school=school)
    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    old = notifications.notification_create(recipient=leader, kind="test", subject="Oud", body="x")
    time_machine.move_to("2026-03-02 09:10:00+01:00", tick=False)
    fresh = notifications.notification_create(recipient=leader, kind="test", subject="Nieuw", body="x")
    sent = notifications.notification_create(recipient=leader, kind="test", subject="Al weg", body="x")
    Notification.objects.filter(pk=sent.pk).update(state=NotificationState.SENT, created_at=old.created_at)

    queued = notifications.notifications_sweep(older_than=notifications.timezone.timedelta(minutes=2))

    assert queued == 1
    assert Notification.objects.get(pk=old.pk).queued_at is not None
    assert Notification.objects.get(pk=fresh.pk).queued_at is None
