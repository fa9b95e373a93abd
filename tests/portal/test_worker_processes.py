"""The worker and beat as real processes, as docker-compose runs them: beat's sweep delivers what is pending."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from portal import notifications
from portal.models import Notification, NotificationState, Role

from ..conftest import wait_for
from ..factories import SchoolFactory, member

ROOT = Path(__file__).resolve().parents[2]


def _worker_env(settings, mail_dir, **extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
        ),
        "MELDPUNT_TEST_EMAIL_FILE_PATH": str(mail_dir),
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_processes_sweep_and_deliver_a_pending_notification(tmp_path, settings):
    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory(), email="leider@school.nl")
    # A row whose delivery was never queued (as if the broker was down at commit), two minutes old.
    row = Notification.objects.create(recipient=leader, kind="test", subject="Nieuwe melding", body="Tekst",
                                      created_at=timezone.now() - timezone.timedelta(minutes=5))
    mail_dir = tmp_path / "mail"
    env = _worker_env(settings, mail_dir, MELDPUNT_SWEEP_INTERVAL_SECONDS="1")
    from portal.celery import app

    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "--pool=solo", "--loglevel=WARNING",
         f"--schedule={tmp_path / 'beat-schedule'}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(lambda: Notification.objects.get(pk=row.pk).state == NotificationState.SENT, timeout=45)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    sent = list(mail_dir.iterdir())
    assert len(sent) == 1, output
    assert "leider@school.nl" in sent[0].read_text()
    assert notifications.notifications_sweep(older_than=timezone.timedelta(0)) == 0


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_one_transaction_are_delivered_by_several_worker_processes(tmp_path, settings):
    """A notice to many people is shared out over the worker's processes (messages of at most 25 rows), not
    worked through row after row by one of them. Each process keeps one mail connection: one file each."""
    from django.db import transaction

    from portal.celery import app

    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory(), email="leider@school.nl")
    mail_dir = tmp_path / "mail"
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", "--concurrency=2",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=_worker_env(settings, mail_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # Both processes of the pool are up once the worker answers: the rows are committed only then, so that the two
        # messages find two idle processes (on a loaded machine a process can still be starting otherwise).
        wait_for(lambda: app.control.ping(timeout=0.5), timeout=45)
        with transaction.atomic():
            ids = [notifications.notification_create(recipient=leader, kind="test", subject=f"Bericht {n}",
                                                     body="Tekst").pk for n in range(50)]
        wait_for(lambda: Notification.objects.filter(pk__in=ids, state=NotificationState.SENT).count() == 50,
                 timeout=60)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    files = list(mail_dir.iterdir())
    subjects = [line for f in files for line in f.read_text().splitlines() if line.startswith("Subject:")]
    assert sorted(subjects) == sorted(f"Subject: [Meldpunt] Bericht {n}" for n in range(50)), output
    assert len(files) == 2, output
    assert not Notification.objects.filter(pk__in=ids, attempts__gt=1).exists()
